// libFuzzer target for audit.log / ausearch output: AVC records joined with
// the SYSCALL, PATH and CWD records of their event.
#include "selinux_fuzz.h"

using namespace rampart;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  core::Diagnostics diags;
  auto events = importers::parse_audit_log(text, "fuzz.txt", diags);
  fuzz::check_diagnostics(diags, text, {"RP3506"});
  if (diags.has_errors()) return 0;
  for (const auto& e : events) {
    fuzz::check(e.avc.line > 0 && e.avc.line <= fuzz::lines_in(text), "an AVC record without a line of the input");
    fuzz::check(!e.avc.permissions.empty(), "an AVC record without a permission");
  }
  return 0;
}
