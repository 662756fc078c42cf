// libFuzzer target for file_contexts (and .homedirs, .local): REGEX [-TYPE]
// CONTEXT lines. Also feeds the bytes to the .subs parser (ALIAS TARGET).
#include "selinux_fuzz.h"

using namespace rampart;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  core::Diagnostics diags;
  auto specs = importers::parse_file_contexts(text, "fuzz.txt", diags);
  fuzz::check_diagnostics(diags, text, {"RP3502"});
  for (const auto& s : specs) {
    fuzz::check(!s.regex.empty() && !s.context.empty(), "a line without its regex or context");
    fuzz::check(s.file_type == 0 || std::string_view("-dlspcb").find(s.file_type) != std::string_view::npos,
                "a file type libselinux does not know");
    fuzz::check_origin(s.origin, text);
  }
  core::Diagnostics subs_diags;
  auto subs = importers::parse_substitutions(text, "fuzz.txt", subs_diags);
  fuzz::check_diagnostics(subs_diags, text, {"RP3502"});
  for (const auto& s : subs) {
    fuzz::check(!s.from.empty() && !s.to.empty(), "a substitution without both paths");
    fuzz::check_origin(s.origin, text);
  }
  return 0;
}
