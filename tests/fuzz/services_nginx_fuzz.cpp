// libFuzzer target for services.nginx (nginx.conf). The input is also
// served as the files `include` may name, so includes of includes and
// cycles are exercised. Facts or RP3403 diagnostics, never a crash, a hang
// or a leak (linux_fuzz_check.h).

#include "linux_fuzz_check.h"

using namespace rampart;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto includes = fuzz::includes_of(text);
  fuzz::check_import(importers::parse_nginx(text, "fuzz", includes.get(), "/etc/x"), {"RP3403"});
  return 0;
}
