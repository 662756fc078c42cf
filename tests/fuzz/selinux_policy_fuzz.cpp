// libFuzzer target for selinux.policy: a compiled kernel policy (policy.NN)
// read through libsepol and converted into rampart's model. Any bytes must
// give a policy or one RP3501 error, never a crash, a hang or a leak in
// rampart's code; and a policy that is read must hold together (every
// rule's types, class and permissions exist).
//
// libsepol itself is Debian's static library, not instrumented: the fuzzer
// sees coverage only in rampart's conversion, so seeds should be real
// policies (scripts/fuzz.sh adds /etc/selinux/*/policy/policy.* when the
// machine has one). Leak detection is off for this target in smoke.cmake
// and scripts/fuzz.sh: libsepol's error paths leak (see
// tests/system/CMakeLists.txt, system.selinux).

#include "selinux_fuzz.h"

using namespace rampart;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  core::Diagnostics diags;
  auto p =
      importers::read_compiled_policy(bytes, "fuzz.33", core::Origin::policy("fuzz.rampart", 1, 1), diags);
  for (const auto& d : diags.items()) {
    fuzz::check(d.code == "RP3501", "a diagnostic with another code");
    fuzz::check(!d.message.empty(), "a diagnostic without a message");
  }
  fuzz::check(bool(p) != diags.has_errors(), "a policy with an error, or no policy and no error");
  if (!p) return 0;
  for (const auto& a : p->allows) {
    fuzz::check(a.source < p->types.size() && a.target < p->types.size(),
                "an allow rule with an unknown type");
    fuzz::check(a.cls < p->classes.size(), "an allow rule with an unknown class");
    fuzz::check(a.condition == core::selinux::kNone || a.condition < p->conditions.size(),
                "an allow rule with an unknown condition");
  }
  for (const auto& t : p->type_transitions) {
    fuzz::check(t.source < p->types.size() && t.target < p->types.size() && t.result < p->types.size(),
                "a type transition with an unknown type");
    fuzz::check(t.cls < p->classes.size(), "a type transition with an unknown class");
  }
  return 0;
}
