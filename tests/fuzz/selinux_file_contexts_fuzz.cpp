// libFuzzer target for file_contexts (and .homedirs, .local): REGEX [-TYPE]
// CONTEXT lines. Also feeds the bytes to the .subs parser (ALIAS TARGET),
// then labels paths made from the lines through the host's selabel_lookup:
// a regex someone wrote must not hang or crash a lookup (PCRE2's limits
// make it an error, never a wrong label).
#include <memory>

#include "rampart/core/policy.h"
#include "rampart/core/selinux_eval.h"
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
  if (specs.empty()) return 0;
  // Paths: each line's regex with its meta characters dropped (often a
  // path the line matches), and its literal prefix with a long run of one
  // letter (where backtracking regexes blow up).
  constexpr std::string_view kMeta = ".^$?*+|[](){}\\";
  std::vector<std::string> paths;
  for (const auto& s : specs) {
    std::string p;
    for (char c : s.regex)
      if (kMeta.find(c) == std::string_view::npos) p += c;
    paths.push_back(p);
    size_t prefix = std::min(s.regex.find_first_of(kMeta), s.regex.size());
    paths.push_back(s.regex.substr(0, prefix) + std::string(64, 'a'));
    if (paths.size() >= 16) break;
  }
  core::Policy policy;
  core::Host host;
  host.name = "fuzz";
  core::HostId id = policy.add(host);
  core::selinux::HostFacts facts;
  facts.host = id;
  facts.policy = std::make_shared<core::selinux::CompiledPolicy>();
  facts.file_contexts = std::move(specs);
  facts.subs = std::move(subs);
  policy.selinux.push_back(std::move(facts));
  auto view = core::selinux::HostView::build(policy, id);
  fuzz::check(view.has_value(), "no SELinux view of a host with a policy");
  for (const auto& p : paths) {
    core::selinux::FileContextMatch m = view->match(p, 0);
    fuzz::check(m.error.empty() || m.spec != nullptr, "a lookup error without the line that caused it");
  }
  return 0;
}
