// SELinux in the language: settings, labels, domains and `domain` subjects
// checked against the host's compiled policy, each mistake located
// (RP3510-RP3517). Uses Debian's reference policy; skipped without it.

#include <unistd.h>

#include "dsl_test_util.h"

namespace rampart::dsl {
namespace {

using testing::load_errors;
using testing::load_ok;

#define NEED_POLICY()                                             \
  if (access("/etc/selinux/default/policy/policy.33", R_OK) != 0) \
  GTEST_SKIP() << "selinux-policy-default is not installed"

const std::string kHead =
    "host web1 {\n"
    "  import selinux.policy \"/etc/selinux/default/policy/policy.33\";\n";

TEST(SelinuxLanguage, GoodPolicyBinds) {
  NEED_POLICY();
  core::Policy p = load_ok(kHead +
                           "  set selinux.boolean.httpd_unified = true;\n"
                           "  set selinux.mode = \"permissive\";\n"
                           "  user www uid 33;\n"
                           "  group www gid 33;\n"
                           "  file \"/f\" owner www mode 0644 label \"httpd_log_t\";\n"
                           "  service nginx runs as www domain httpd_t;\n"
                           "}\n"
                           "assert can domain httpd_t append \"/f\";\n");
  ASSERT_EQ(p.selinux.size(), 1u);
  EXPECT_TRUE(p.selinux[0].policy);
  ASSERT_EQ(p.questions.size(), 1u);
  const auto& q = std::get<core::AccessQuestion>(p.questions[0].body);
  EXPECT_EQ(q.subjects.at(0).kind, core::Subject::Kind::Domain);
  EXPECT_EQ(q.subjects.at(0).domain, "httpd_t");
}

TEST(SelinuxLanguage, MistakesAreLocated) {
  NEED_POLICY();
  EXPECT_EQ(load_errors(kHead + "  set selinux.boolean.no_such_bool = true;\n}\n"),
            std::vector<std::string>{"p.rampart:3:3 RP3510"});
  EXPECT_EQ(load_errors(kHead + "  set selinux.boolean.httpd_unified = maybe;\n}\n"),
            std::vector<std::string>{"p.rampart:3:3 RP3510"});
  EXPECT_EQ(load_errors(kHead + "  set selinux.mode = \"lax\";\n}\n"),
            std::vector<std::string>{"p.rampart:3:3 RP3511"});
  EXPECT_EQ(load_errors(kHead + "  set selinux.colour = \"x\";\n}\n"),
            std::vector<std::string>{"p.rampart:3:3 RP3511"});
  EXPECT_EQ(load_errors(kHead + "  import selinux.policy \"/etc/selinux/default/policy/policy.33\";\n}\n"),
            std::vector<std::string>{"p.rampart:3:3 RP3512"});
  EXPECT_EQ(load_errors(kHead + "  user www uid 33;\n  group www gid 33;\n"
                                "  file \"/f\" owner www mode 0644 label \"no_such_t\";\n}\n"),
            std::vector<std::string>{"p.rampart:5:3 RP3514"});
  EXPECT_EQ(load_errors(kHead + "  user www uid 33;\n  group www gid 33;\n"
                                "  service nginx runs as www domain no_such_t;\n}\n"),
            std::vector<std::string>{"p.rampart:5:3 RP3515"});
  EXPECT_EQ(
      load_errors(kHead + "  user www uid 33;\n  group www gid 33;\n  file \"/f\" owner www mode 0644;\n}\n"
                          "assert can domain no_such_t read \"/f\";\n"),
      std::vector<std::string>{"p.rampart:7:19 RP3517"});
}

TEST(SelinuxLanguage, BooleanWithoutPolicy) {
  EXPECT_EQ(load_errors("host web1 {\n  set selinux.boolean.httpd_unified = true;\n}\n"),
            std::vector<std::string>{"p.rampart:2:3 RP3510"});
}

}  // namespace
}  // namespace rampart::dsl
