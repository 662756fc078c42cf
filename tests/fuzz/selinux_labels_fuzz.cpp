// libFuzzer target for label snapshots: `ls -Z`, `ls -lZ` (with -R
// headers) and `stat -c '%C %n'` output.
#include "selinux_fuzz.h"

using namespace rampart;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  core::Diagnostics diags;
  auto labels = importers::parse_label_snapshot(text, "fuzz.txt", diags);
  fuzz::check_diagnostics(diags, text, {"RP3503"});
  for (const auto& l : labels) {
    fuzz::check(!l.path.empty() && l.path[0] == '/', "a label on something that is not an absolute path");
    fuzz::check(!l.context.empty(), "an empty context");
    fuzz::check_origin(l.origin, text);
  }
  return 0;
}
