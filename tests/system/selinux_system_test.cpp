// SELinux against the real thing: Debian's reference policy
// (selinux-policy-default) read by rampart's importer and decided by
// rampart's evaluator, compared with libsepol's own decision function
// (sepol_compute_av_reason_buffer), setools' sesearch and libselinux's
// matchpathcon. Skips, with the reason, when the policy or the tools are not
// installed (scripts/deps.sh installs them).

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "rampart/core/selinux_eval.h"
#include "rampart/importers/registry.h"
#include "rampart/importers/selinux.h"
#include "selinux_oracle.h"

namespace rampart {
namespace {

namespace sel = core::selinux;

const char* kPolicy = "/etc/selinux/default/policy/policy.33";
const char* kFileContexts = "/etc/selinux/default/contexts/files/file_contexts";

#ifdef RAMPART_SANITIZED
constexpr int kScale = 5;
#else
constexpr int kScale = 1;
#endif

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool have(const char* path) {
  return access(path, R_OK) == 0;
}

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

bool have_program(const char* name) {
  return !run(std::string("command -v ") + name + " 2>/dev/null").empty();
}

// One policy for every test: rampart's model and libsepol's oracle.
struct Fixture {
  std::shared_ptr<sel::CompiledPolicy> policy;
  std::unique_ptr<testing::SepolOracle> oracle;
};

Fixture& fixture() {
  static Fixture f = [] {
    Fixture x;
    if (!have(kPolicy)) return x;
    core::Diagnostics diags;
    x.policy = importers::read_compiled_policy(read_file(kPolicy), kPolicy, core::Origin{}, diags);
    x.oracle = std::make_unique<testing::SepolOracle>(kPolicy);
    return x;
  }();
  return f;
}

#define NEED_POLICY()                                                                           \
  if (!fixture().policy)                                                                        \
  GTEST_SKIP() << kPolicy                                                                       \
               << " is not installed (apt-get install selinux-policy-default; scripts/deps.sh " \
                  "installs it)"

// Contexts the tuples use: a source context a process of the type can have
// (or object_r when no role holds it), a target object context; users and
// levels vary so the UBAC and MCS constraints are exercised.
struct Contexts {
  const sel::CompiledPolicy& p;
  std::mt19937_64& rng;

  std::string level() {
    static const char* levels[] = {"s0",          "s0",      "s0", "s0:c1", "s0:c2.c5", "s0-s0:c0.c1023",
                                   "s0:c0.c1023", "s0-s0:c1"};
    return levels[rng() % std::size(levels)];
  }

  // A valid process context for `type`, varying the user among those allowed.
  std::string source(uint32_t type) {
    std::vector<std::pair<uint32_t, uint32_t>> pairs;  // (user, role)
    for (uint32_t r = 0; r < p.roles.size(); ++r) {
      if (r == p.object_role || !std::binary_search(p.roles[r].types.begin(), p.roles[r].types.end(), type))
        continue;
      for (uint32_t u = 0; u < p.users.size(); ++u) {
        if (std::binary_search(p.users[u].roles.begin(), p.users[u].roles.end(), r)) pairs.push_back({u, r});
      }
    }
    if (pairs.empty()) return fmt::format("system_u:object_r:{}:{}", p.types[type].name, level());
    auto [u, r] = pairs[rng() % pairs.size()];
    // Users with a single-level range (user_u, xdm) only hold s0.
    std::string lv = p.users[u].range.low == p.users[u].range.high ? "s0" : level();
    return fmt::format("{}:{}:{}:{}", p.users[u].name, p.roles[r].name, p.types[type].name, lv);
  }

  std::string target(uint32_t type) {
    return fmt::format("{}:object_r:{}:{}", p.users[rng() % p.users.size()].name, p.types[type].name,
                       level());
  }
};

std::vector<uint32_t> members_or_self(const sel::CompiledPolicy& p, uint32_t t) {
  if (!p.types[t].attribute) return {t};
  return p.members_of[t];
}

// ---- 1. access vectors: rampart == libsepol ----------------------------------------

TEST(SelinuxSystem, AccessVectorsEqualLibsepol) {
  NEED_POLICY();
  auto& fx = fixture();
  const sel::CompiledPolicy& p = *fx.policy;
  sel::HostView view(fx.policy);
  std::mt19937_64 rng(20261126);
  Contexts ctx{p, rng};
  std::vector<uint32_t> plain_types;
  for (uint32_t t = 0; t < p.types.size(); ++t) {
    if (!p.types[t].attribute) plain_types.push_back(t);
  }
  const int kTuples = 12000 / kScale;
  size_t compared = 0, from_rules = 0, random = 0, conditional = 0, flips = 0, allowed_seen = 0;
  size_t constrained = 0, flip_changed = 0;  // decisions a constraint changed; flips that changed the vector
  std::vector<std::string> disagreements;
  for (int i = 0; i < kTuples; ++i) {
    uint32_t s = 0, t = 0;
    uint16_t cls = 0;
    uint32_t perm = 0;
    bool drawn = i % 2 == 0;
    if (drawn) {
      // Drawn from an allow rule, through its attributes.
      const sel::AllowRule& r = p.allows[rng() % p.allows.size()];
      auto ss = members_or_self(p, r.source), ts = members_or_self(p, r.target);
      if (ss.empty() || ts.empty()) {
        --i;
        continue;
      }
      s = ss[rng() % ss.size()];
      t = ts[rng() % ts.size()];
      cls = r.cls;
      std::vector<uint32_t> bits;
      for (unsigned b = 0; b < 32; ++b) {
        if (r.permissions & (1u << b)) bits.push_back(1u << b);
      }
      perm = bits[rng() % bits.size()];
      ++from_rules;
    } else {
      s = plain_types[rng() % plain_types.size()];
      t = plain_types[rng() % plain_types.size()];
      cls = uint16_t(rng() % p.classes.size());
      size_t n = p.classes[cls].permissions.size();
      if (n == 0) {
        --i;
        continue;
      }
      perm = 1u << (rng() % n);
      ++random;
    }
    std::string sc = ctx.source(s), tc = ctx.target(t);
    auto s_ctx = sel::parse_context(p, sc), t_ctx = sel::parse_context(p, tc);
    sepol_security_id_t ssid = fx.oracle->sid(sc), tsid = fx.oracle->sid(tc);
    // rampart and libsepol agree on which contexts are valid.
    ASSERT_EQ(bool(s_ctx), ssid != 0) << sc;
    ASSERT_EQ(bool(t_ctx), tsid != 0) << tc;
    // The booleans the pair's conditional rules involve: each flipped, then all.
    std::set<uint32_t> involved;
    for (uint32_t a : p.self_and_attributes(t)) {
      auto [lo, hi] = p.allows_on(cls, a);
      for (const auto* r = lo; r != hi; ++r) {
        if (r->condition == sel::kNone || !p.has_attribute(s, r->source)) continue;
        for (const auto& n : p.conditions[r->condition].expr) {
          if (n.op == sel::CondNode::Op::Bool) involved.insert(n.boolean);
        }
      }
    }
    if (!involved.empty()) ++conditional;
    std::vector<std::vector<uint32_t>> states{{}};
    for (uint32_t b : involved) states.push_back({b});
    if (involved.size() > 1) states.push_back(std::vector<uint32_t>(involved.begin(), involved.end()));
    uint32_t at_default = 0;
    for (const auto& flip : states) {
      for (uint32_t b : flip) {
        view.set_boolean(b, !p.booleans[b].value);
        fx.oracle->set_boolean(b, !p.booleans[b].value);
      }
      sel::AvDecision av = view.compute_av(*s_ctx, *t_ctx, cls, perm);
      uint32_t mine = av.allowed;
      uint32_t theirs = fx.oracle->allowed(ssid, tsid, cls, perm);
      ++compared;
      if (av.te_allowed != av.allowed) ++constrained;
      if (flip.empty()) at_default = theirs;
      if (!flip.empty()) ++flips;
      if (!flip.empty() && theirs != at_default) ++flip_changed;
      if (theirs & perm) ++allowed_seen;
      if (mine != theirs && disagreements.size() < 20) {
        disagreements.push_back(fmt::format("{} -> {} : {} {}: rampart {:#x}, libsepol {:#x}", sc, tc,
                                            p.classes[cls].name, p.permissions_text(cls, perm), mine,
                                            theirs));
      }
      for (uint32_t b : flip) {
        view.set_boolean(b, p.booleans[b].value);
        fx.oracle->set_boolean(b, p.booleans[b].value);
      }
    }
  }
  for (const auto& d : disagreements) ADD_FAILURE() << d;
  std::printf(
      "access vectors: %zu decisions compared (%zu tuples drawn from allow rules, %zu random; %zu with "
      "conditional rules, %zu decisions under flipped booleans of which %zu changed the vector; %zu allowed; "
      "%zu "
      "where a constraint removed permissions), %zu disagreements\n",
      compared, from_rules, random, conditional, flips, flip_changed, allowed_seen, constrained,
      disagreements.size());
  EXPECT_GE(from_rules + random, size_t(10000 / kScale));
}

}  // namespace
}  // namespace rampart
