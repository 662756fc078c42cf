// libFuzzer target for `ps -eZ` output (a LABEL and a PID column).
#include "selinux_fuzz.h"

using namespace rampart;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  core::Diagnostics diags;
  auto processes = importers::parse_ps_z(text, "fuzz.txt", diags);
  fuzz::check_diagnostics(diags, text, {"RP3505"});
  for (const auto& p : processes) {
    fuzz::check(!p.context.empty(), "a process without a label");
    fuzz::check_origin(p.origin, text);
  }
  return 0;
}
