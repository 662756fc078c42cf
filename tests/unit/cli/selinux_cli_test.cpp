// examples/baota/selinux.rampart and `rampart explain --avc` through the
// real command line, on Debian's reference policy (skipped when
// selinux-policy-default is not installed).

#include <gtest/gtest.h>
#include <unistd.h>

#include <sstream>

#include "app.h"

namespace rampart::cli {
namespace {

struct Outcome {
  int code;
  std::string out, err;
};

Outcome rampart(std::vector<std::string> args) {
  std::ostringstream out, err;
  int code = run(args, Streams{out, err, false, false});
  return Outcome{code, out.str(), err.str()};
}

const std::string kExample = std::string(RAMPART_SOURCE_DIR) + "/examples/baota/selinux.rampart";

#define NEED_POLICY()                                                         \
  if (access("/etc/selinux/default/policy/policy.33", R_OK) != 0 ||           \
      access("/etc/selinux/default/contexts/files/file_contexts", R_OK) != 0) \
  GTEST_SKIP() << "selinux-policy-default is not installed"

TEST(SelinuxCli, BaotaExample) {
  NEED_POLICY();
  Outcome r = rampart({"check", "--color", "never", kExample});
  EXPECT_EQ(r.code, 1) << r.out << r.err;  // `no conflicts` is violated
  EXPECT_NE(r.out.find("4 hold, 1 violated, 0 unknown"), std::string::npos) << r.out;
  Outcome c = rampart({"conflicts", "--color", "never", kExample});
  EXPECT_EQ(c.code, 1) << c.out << c.err;
  // DAC and SELinux disagree both ways, and each side says so.
  EXPECT_NE(c.out.find("DAC granted; SELinux denied"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("SELinux granted"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("`allow httpd_t httpd_log_t:file write;`   (verified"), std::string::npos) << c.out;
}

const char* kAvc =
    "type=AVC msg=audit(1700000000.123:456): avc:  denied  { write } for  pid=812 comm=\"nginx\" "
    "name=\"error.log\" dev=\"sda1\" ino=1234 scontext=system_u:system_r:httpd_t:s0 "
    "tcontext=system_u:object_r:httpd_log_t:s0 tclass=file permissive=0\n"
    "type=SYSCALL msg=audit(1700000000.123:456): arch=c000003e syscall=257 success=no exit=-13 ppid=1 "
    "pid=812 "
    "uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 comm=\"nginx\" "
    "exe=\"/usr/sbin/nginx\" subj=system_u:system_r:httpd_t:s0\n"
    "type=CWD msg=audit(1700000000.123:456): cwd=\"/\"\n"
    "type=PATH msg=audit(1700000000.123:456): item=0 name=\"/var/log/nginx/error.log\" inode=1234 dev=08:01 "
    "mode=0100644 ouid=1000 ogid=1000\n";

TEST(SelinuxCli, ExplainAvc) {
  NEED_POLICY();
  Outcome r = rampart({"explain", "--color", "never", kExample, "--avc", kAvc});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("no rule `allow httpd_t httpd_log_t:file write;`"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("DAC grants write /var/log/nginx/error.log (uid 1000): SELinux alone denies"),
            std::string::npos)
      << r.out;
  // As root 0 of another file: DAC would not be the obstacle; a record the
  // policy grants says so.
  std::string granted =
      "type=AVC msg=audit(1.0:1): avc:  denied  { append } for pid=1 comm=\"nginx\" "
      "scontext=system_u:system_r:httpd_t:s0 tcontext=system_u:object_r:httpd_log_t:s0 "
      "tclass=file permissive=0";
  Outcome g = rampart({"explain", "--color", "never", kExample, "--avc", granted});
  EXPECT_EQ(g.code, 0) << g.out << g.err;
  EXPECT_NE(g.out.find("the policy grants"), std::string::npos) << g.out;
  EXPECT_NE(g.out.find("DAC not judged"), std::string::npos) << g.out;
  // Bad input: a located diagnostic, exit 2.
  Outcome b = rampart({"explain", kExample, "--avc", "type=AVC msg=audit(1.0:1): avc: denied for pid=1"});
  EXPECT_EQ(b.code, 2) << b.out << b.err;
  EXPECT_NE(b.out.find("<avc>:1"), std::string::npos) << b.out;
}

}  // namespace
}  // namespace rampart::cli
