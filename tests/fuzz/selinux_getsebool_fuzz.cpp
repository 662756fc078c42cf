// libFuzzer target for `getsebool -a` output (NAME --> on|off).
#include "selinux_fuzz.h"

using namespace rampart;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  core::Diagnostics diags;
  auto booleans = importers::parse_getsebool(text, "fuzz.txt", diags);
  fuzz::check_diagnostics(diags, text, {"RP3504"});
  for (const auto& b : booleans) {
    fuzz::check(!b.name.empty(), "a boolean without a name");
    fuzz::check_origin(b.origin, text);
  }
  return 0;
}
