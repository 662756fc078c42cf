// linux.passwd and linux.group on realistic samples (Debian 12 defaults plus
// a panel's users), and their located errors.

#include <gtest/gtest.h>

#include "rampart/importers/linux.h"

namespace rampart::importers {
namespace {

std::vector<std::string> messages(const core::ImportResult& r, core::Severity s) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.sorted()) {
    if (d.severity == s) out.push_back(d.to_string());
  }
  return out;
}

const char* kPasswd = R"(root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
systemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin
www:x:1000:1000::/home/www:/sbin/nologin
toor:x:0:0:second root:/root:/bin/sh
)";

TEST(LinuxPasswd, ReadsEveryUser) {
  auto r = parse_passwd(kPasswd, "etc/passwd");
  EXPECT_TRUE(r.diagnostics.empty());
  ASSERT_EQ(r.fragment.users.size(), 7u);
  const auto& www = r.fragment.users[5];
  EXPECT_EQ(www.name, "www");
  EXPECT_EQ(www.uid, 1000u);
  EXPECT_EQ(www.primary_gid, 1000u);
  EXPECT_EQ(www.home, "/home/www");
  EXPECT_EQ(www.shell, "/sbin/nologin");
  EXPECT_FALSE(www.host.valid());  // the importing host block adopts it
  EXPECT_EQ(www.origin.to_string(), "etc/passwd:6:1");
  EXPECT_EQ(r.fragment.users[6].uid, 0u);  // a second uid 0 is a user like any other
  ASSERT_EQ(r.objects.size(), 7u);
  EXPECT_EQ(r.objects[2].native_id, "www-data");
  EXPECT_EQ(r.objects[2].kind, core::ObjectKind::User);
}

TEST(LinuxPasswd, BadLinesAreLocatedAndRepeatsWarned) {
  auto r = parse_passwd(
      "root:x:0:0:root:/root:/bin/bash\n"
      "bad:x:12a:0::/:/bin/sh\n"
      "short:x:1:1\n"
      "root:x:5:5::/:/bin/sh\n"
      "+@netgroup::::::\n"
      "g:x:7:-1::/:/bin/sh\n",
      "passwd");
  auto errors = messages(r, core::Severity::Error);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0], "passwd:2:7: error: `12a` is not a uid (0-4294967294) [RP3601]");
  EXPECT_EQ(errors[1],
            "passwd:3:1: error: a passwd line has 7 fields (name:password:uid:gid:gecos:home:shell); this "
            "one has 4 [RP3601]");
  EXPECT_EQ(errors[2], "passwd:6:7: error: `-1` is not a gid (0-4294967294) [RP3601]");
  auto warnings = messages(r, core::Severity::Warning);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("passwd:4:1: warning: user `root` is listed again (first on line 1)"),
            std::string::npos);
  EXPECT_NE(warnings[1].find("passwd:5:1: warning: NIS compat entries"), std::string::npos);
}

TEST(LinuxGroup, MembersAndErrors) {
  auto r =
      parse_group("root:x:0:\nadm:x:4:syslog,ops\nwww:x:1000:\nsudo:x:27: ops \nbroken:x::\n", "etc/group");
  auto errors = messages(r, core::Severity::Error);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "etc/group:5:10: error: `` is not a gid (0-4294967294) [RP3602]");
  ASSERT_EQ(r.fragment.groups.size(), 4u);
  EXPECT_EQ(r.fragment.groups[1].members, (std::vector<std::string>{"syslog", "ops"}));
  EXPECT_EQ(r.fragment.groups[3].members, (std::vector<std::string>{"ops"}));
  EXPECT_EQ(r.fragment.groups[2].gid, 1000u);
}

TEST(PolicyName, NativeNamesBecomeLanguageNames) {
  EXPECT_EQ(policy_name("nginx"), "nginx");
  EXPECT_EQ(policy_name("php7.4-fpm"), "php7_4-fpm");
  EXPECT_EQ(policy_name("getty@tty1"), "getty_tty1");
  EXPECT_EQ(policy_name("0day"), "_0day");
  EXPECT_EQ(policy_name("a--b-"), "a_-b_");
}

}  // namespace
}  // namespace rampart::importers
