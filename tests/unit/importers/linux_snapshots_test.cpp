// File-tree snapshots: find -printf, stat -c, ls -lnR, getfacl -R, on
// samples written as those commands print them (GNU findutils 4.9,
// coreutils 9.1, acl 2.3).

#include <gtest/gtest.h>

#include "rampart/importers/linux.h"

namespace rampart::importers {
namespace {

using core::FileType;

std::vector<std::string> messages(const core::ImportResult& r, core::Severity s) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.sorted()) {
    if (d.severity == s) out.push_back(d.to_string());
  }
  return out;
}

const core::FileNode* node(const core::ImportResult& r, const std::string& path) {
  for (const auto& f : r.fragment.files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

TEST(LinuxFind, TypesModesAndNames) {
  auto r = parse_find(
      "755 0 0 d /\n"
      "1777 0 0 d /tmp\n"
      "2750 1000 4 d /var/log/app\n"
      "4755 0 0 f /usr/bin/passwd\n"
      "777 0 0 l /usr/bin/python3\n"
      "660 33 33 s /run/php/php-fpm.sock\n"
      "666 0 0 c /dev/null\n"
      "644 1000 1000 f /srv/site/a file with spaces.html\n",
      "files.find");
  EXPECT_TRUE(r.diagnostics.empty());
  ASSERT_EQ(r.fragment.files.size(), 8u);
  EXPECT_EQ(node(r, "/tmp")->mode, 01777);
  EXPECT_EQ(node(r, "/var/log/app")->mode, 02750);
  EXPECT_EQ(node(r, "/var/log/app")->gid, 4u);
  EXPECT_EQ(node(r, "/usr/bin/passwd")->mode, 04755);
  EXPECT_EQ(node(r, "/usr/bin/python3")->type, FileType::Symlink);
  EXPECT_EQ(node(r, "/run/php/php-fpm.sock")->type, FileType::Socket);
  EXPECT_EQ(node(r, "/dev/null")->type, FileType::CharDevice);
  ASSERT_TRUE(node(r, "/srv/site/a file with spaces.html"));
  EXPECT_FALSE(node(r, "/tmp")->acl_known);  // find cannot see ACLs
  EXPECT_TRUE(node(r, "/tmp")->type_known);
}

TEST(LinuxFind, NulTerminatedAndErrors) {
  std::string nul("644 0 0 f /etc/a\nb", 18);
  nul += '\0';
  auto ok = parse_find(nul, "f");
  ASSERT_EQ(ok.fragment.files.size(), 1u);
  EXPECT_EQ(ok.fragment.files[0].path, "/etc/a\nb");
  auto r = parse_find(
      "755 0 0 d /\n"
      "75x 0 0 d /x\n"
      "755 root 0 d /y\n"
      "755 0 0 q /z\n"
      "755 0 0 d relative\n"
      "755 0 0 D /door\n"
      "700 0 0 d /\n",
      "files.find");
  auto errors = messages(r, core::Severity::Error);
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_EQ(errors[0], "files.find:2:1: error: `75x` is not a mode (octal, at most 7777) [RP3603]");
  EXPECT_EQ(errors[1],
            "files.find:3:5: error: `root` is not a numeric uid (use %U and %G, not %u and %g) [RP3603]");
  EXPECT_EQ(errors[2], "files.find:4:9: error: `q` is not a %y file type (f d l s p c b) [RP3603]");
  EXPECT_NE(errors[3].find("files.find:5:11: error: `relative` is not an absolute path"), std::string::npos);
  EXPECT_NE(errors[4].find("files.find:7:1: error: `/` is listed again (line 1)"), std::string::npos);
  EXPECT_EQ(messages(r, core::Severity::Warning).size(), 1u);  // the door
}

TEST(LinuxFind, PathsLongerThanPathMaxAreLeftOut) {
  // 4095 bytes is the longest path open(2) takes; a longer one is warned
  // about and left out (a deep `/a/a/...` cost memory quadratic in its depth).
  std::string longest = "/" + std::string(4094, 'x');
  std::string deep;
  for (int i = 0; i < 20000; ++i) deep += "/a";
  auto r = parse_find("755 0 0 d /\n644 0 0 f " + longest + "\n644 0 0 f " + deep + "\n", "f");
  EXPECT_TRUE(messages(r, core::Severity::Error).empty());
  auto warnings = messages(r, core::Severity::Warning);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "f:3:1: warning: a path of 40000 bytes, longer than PATH_MAX (4096): no process can open it by "
            "name, so it is left out of the model [RP3603]");
  ASSERT_EQ(r.fragment.files.size(), 2u);
  EXPECT_EQ(r.fragment.files[1].path, longest);
}

TEST(LinuxStat, TypeWordsAndNames) {
  auto r = parse_stat(
      "755 0 0 directory /var/www\n"
      "0 0 0 regular empty file /var/www/empty\n"
      "640 33 33 regular file /var/www/my notes.txt\n"
      "777 0 0 symbolic link /var/www/current\n"
      "660 0 6 block special file /dev/sda\n",
      "stat.txt");
  EXPECT_TRUE(r.diagnostics.empty()) << messages(r, core::Severity::Error).front();
  ASSERT_EQ(r.fragment.files.size(), 5u);
  EXPECT_EQ(node(r, "/var/www/empty")->type, FileType::Regular);
  EXPECT_EQ(node(r, "/var/www/my notes.txt")->mode, 0640);
  EXPECT_EQ(node(r, "/dev/sda")->type, FileType::BlockDevice);
  auto bad = parse_stat("755 0 0 folder /x\n", "stat.txt");
  ASSERT_EQ(messages(bad, core::Severity::Error).size(), 1u);
  EXPECT_NE(messages(bad, core::Severity::Error)[0].find(
                "stat.txt:1:9: error: `folder /x` does not start with a %F"),
            std::string::npos);
}

TEST(LinuxLs, RecursiveListingInTwoDateStyles) {
  auto r = parse_ls(
      "/var/log:\n"
      "total 12\n"
      "drwxr-xr-x  4 0   0   4096 2024-03-01 10:00 .\n"
      "drwxr-xr-x 12 0   0   4096 2024-03-01 10:00 ..\n"
      "drwxr-s---+ 2 33  4   4096 2024-03-01 10:00 nginx\n"
      "-rw-r-----  1 0   4  10240 Mar  1 10:00 syslog\n"
      "lrwxrwxrwx  1 0   0      7 Mar  1  2023 latest -> syslog\n"
      "crw-rw-rw-  1 0   0   1, 3 Mar  1 10:00 null\n"
      "-rwsr-xr-T  1 0   0     10 2024-03-01 10:00 odd name\n"
      "\n"
      "/var/log/nginx:\n"
      "total 4\n"
      "-rw-r--r--. 1 33 33 100 2024-03-01 10:00:00.000000000 +0000 access.log\n",
      "ls.txt");
  EXPECT_TRUE(messages(r, core::Severity::Error).empty()) << messages(r, core::Severity::Error).front();
  auto warnings = messages(r, core::Severity::Warning);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("ls.txt:5:1: warning: 1 entry has an ACL"), std::string::npos) << warnings[0];
  EXPECT_EQ(node(r, "/var/log")->mode, 0755);
  EXPECT_EQ(node(r, "/var/log/nginx")->mode, 02750);
  EXPECT_FALSE(node(r, "/var/log/nginx")->acl_known);
  EXPECT_EQ(node(r, "/var/log/syslog")->gid, 4u);
  EXPECT_EQ(node(r, "/var/log/latest")->type, FileType::Symlink);
  EXPECT_EQ(node(r, "/var/log/null")->type, FileType::CharDevice);
  EXPECT_EQ(node(r, "/var/log/odd name")->mode, 05754);
  EXPECT_EQ(node(r, "/var/log/nginx/access.log")->uid, 33u);
  EXPECT_EQ(r.fragment.files.size(), 7u);
  auto bad = parse_ls("-rw-r--r-- 1 0 0 1 Mar 1 10:00 x\n", "ls.txt");
  ASSERT_EQ(messages(bad, core::Severity::Error).size(), 1u);
  EXPECT_NE(messages(bad, core::Severity::Error)[0].find("an entry before any `DIR:` header"),
            std::string::npos);
}

TEST(LinuxGetfacl, AclsDefaultsFlagsAndTypes) {
  auto r = parse_getfacl(
      "# file: /srv/share\n"
      "# owner: 0\n"
      "# group: 100\n"
      "# flags: -s-\n"
      "user::rwx\n"
      "user:1001:rwx\t\t#effective:r-x\n"
      "group::r-x\n"
      "group:4:r--\n"
      "mask::r-x\n"
      "other::---\n"
      "default:user::rwx\n"
      "default:group::r-x\n"
      "default:other::---\n"
      "\n"
      "# file: srv/share/report\\040final.txt\n"
      "# owner: 1001\n"
      "# group: 100\n"
      "user::rw-\n"
      "group::r--\n"
      "other::---\n"
      "\n"
      "# file: /srv/share/by-name\n"
      "# owner: alice\n"
      "# group: staff\n"
      "user::rw-\n"
      "user:bob:r--\n"
      "group::r--\n"
      "mask::r--\n"
      "other::---\n",
      "acls.txt");
  EXPECT_TRUE(r.diagnostics.empty()) << messages(r, core::Severity::Error).front();
  const core::FileNode* share = node(r, "/srv/share");
  ASSERT_TRUE(share);
  EXPECT_EQ(share->type, FileType::Directory);  // it has a default ACL
  EXPECT_EQ(share->mode, 02750);                // group bits = the mask
  using Tag = core::AclEntry::Tag;
  EXPECT_EQ(share->access_acl.entries, (std::vector<core::AclEntry>{{Tag::UserObj, core::kNoId, 7},
                                                                    {Tag::User, 1001, 7},
                                                                    {Tag::GroupObj, core::kNoId, 5},
                                                                    {Tag::Group, 4, 4},
                                                                    {Tag::Mask, core::kNoId, 5},
                                                                    {Tag::Other, core::kNoId, 0}}));
  EXPECT_EQ(share->default_acl.entries.size(), 3u);
  const core::FileNode* report = node(r, "/srv/share/report final.txt");
  ASSERT_TRUE(report);  // no -p: the leading / is put back; \040 is a space
  EXPECT_TRUE(report->access_acl.empty());
  EXPECT_FALSE(report->type_known);  // getfacl prints no type
  EXPECT_EQ(report->mode, 0640);
  // Names (getfacl without -n) are resolved by the binder.
  ASSERT_EQ(r.names.size(), 3u);
  EXPECT_EQ(r.names[0].target, core::NameRef::Target::FileOwner);
  EXPECT_EQ(r.names[0].name, "alice");
  EXPECT_EQ(r.names[2].target, core::NameRef::Target::AclUser);
  EXPECT_EQ(r.names[2].name, "bob");
}

TEST(LinuxGetfacl, Errors) {
  auto r = parse_getfacl(
      "user::rwx\n"
      "# file: /a\n# owner: 0\n# group: 0\nuser::rwz\n\n"
      "# file: /b\n# owner: 0\n# group: 0\nuser::rw-\nuser:7:r--\ngroup::r--\nother::---\n",
      "acls.txt");
  auto errors = messages(r, core::Severity::Error);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_NE(errors[0].find("acls.txt:1:1: error: expected `# file: PATH`"), std::string::npos);
  EXPECT_NE(errors[1].find("acls.txt:5:1: error: `user::rwz` is not an ACL entry"), std::string::npos);
  EXPECT_NE(errors[2].find("acls.txt:7:1: error: the ACL of `/b` has named entries but no `mask::`"),
            std::string::npos);
}

}  // namespace
}  // namespace rampart::importers
