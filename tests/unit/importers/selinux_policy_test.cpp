// Debian's compiled reference policy read through rampart's flat rule tables
// (docs/importers/selinux.md): the model keeps its order and invariants, and
// damaged copies of the file give a policy or RP3501, never a crash.
// Skipped when selinux-policy-default is not installed.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>
#include <tuple>

#include "rampart/importers/selinux.h"

namespace rampart::importers {
namespace {

namespace sel = core::selinux;

const char* kPolicy = "/etc/selinux/default/policy/policy.33";

#define NEED_POLICY() \
  if (access(kPolicy, R_OK) != 0) GTEST_SKIP() << "selinux-policy-default is not installed"

std::string bytes_of(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool refused(const core::Diagnostics& d) {
  for (const auto& x : d.items()) {
    if (x.code == "RP3501") return true;
  }
  return false;
}

TEST(SelinuxPolicy, FlatTablesKeepTheModelsOrder) {
  NEED_POLICY();
  std::string bytes = bytes_of(kPolicy);
  core::Diagnostics diags;
  auto p = read_compiled_policy(bytes, kPolicy, core::Origin{}, diags);
  ASSERT_TRUE(p) << (diags.items().empty() ? "" : diags.items()[0].message);
  auto key = [](const auto& r) { return std::make_tuple(r.cls, r.target, r.source); };
  EXPECT_TRUE(std::is_sorted(p->allows.begin(), p->allows.end(),
                             [&](const auto& a, const auto& b) { return key(a) < key(b); }));
  EXPECT_TRUE(std::is_sorted(p->type_transitions.begin(), p->type_transitions.end(),
                             [&](const auto& a, const auto& b) { return key(a) < key(b); }));
  size_t conditional = 0;
  for (const auto& r : p->allows) {
    ASSERT_LT(r.source, p->types.size());
    ASSERT_LT(r.target, p->types.size());
    ASSERT_LT(r.cls, p->classes.size());
    if (r.condition != sel::kNone) {
      ++conditional;
      ASSERT_LT(r.condition, p->conditions.size());
    }
  }
  EXPECT_GT(conditional, 0u);
  EXPECT_LT(conditional, p->allows.size());
  // httpd_t may append to httpd_log_t files by an unconditional rule, and no
  // rule, conditional or not, lets it write them.
  uint32_t httpd = p->type("httpd_t"), log = p->type("httpd_log_t");
  auto file = uint16_t(p->class_index("file"));
  ASSERT_NE(httpd, sel::kNone);
  ASSERT_NE(log, sel::kNone);
  uint32_t always = 0, ever = 0;
  for (uint32_t target : p->self_and_attributes(log)) {
    auto [lo, hi] = p->allows_on(file, target);
    for (const sel::AllowRule* r = lo; r != hi; ++r) {
      if (!p->has_attribute(httpd, r->source)) continue;
      ever |= r->permissions;
      if (r->condition == sel::kNone) always |= r->permissions;
    }
  }
  EXPECT_NE(always & p->classes[file].bit("append"), 0u);
  EXPECT_EQ(ever & p->classes[file].bit("write"), 0u);
  // A second read gives the same rules (the reader's per-read state is reset).
  core::Diagnostics again;
  auto q = read_compiled_policy(bytes, kPolicy, core::Origin{}, again);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->allows.size(), p->allows.size());
  EXPECT_EQ(q->type_transitions.size(), p->type_transitions.size());
  EXPECT_EQ(q->conditions.size(), p->conditions.size());
}

TEST(SelinuxPolicy, DamagedCopiesGiveAPolicyOrRP3501) {
  NEED_POLICY();
  std::string bytes = bytes_of(kPolicy);
  std::mt19937 rng(20261126);
  std::uniform_int_distribution<size_t> where(0, bytes.size() - 1);
  for (int i = 0; i < 24; ++i) {
    size_t cut = i < 4 ? std::vector<size_t>{0, 8, bytes.size() / 2, bytes.size() - 1}[i] : where(rng);
    core::Diagnostics diags;
    auto p = read_compiled_policy(std::string_view(bytes).substr(0, cut), kPolicy, core::Origin{}, diags);
    EXPECT_FALSE(p) << "a policy cut at byte " << cut << " was read";
    EXPECT_TRUE(refused(diags)) << "cut at " << cut;
  }
  for (int i = 0; i < 24; ++i) {
    std::string damaged = bytes;
    size_t at = where(rng);
    damaged[at] = char(damaged[at] ^ (1 << (i % 8)));
    core::Diagnostics diags;
    auto p = read_compiled_policy(damaged, kPolicy, core::Origin{}, diags);
    EXPECT_TRUE(p || refused(diags)) << "byte " << at;
  }
}

}  // namespace
}  // namespace rampart::importers
