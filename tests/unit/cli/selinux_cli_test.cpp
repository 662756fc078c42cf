// examples/baota/selinux.rampart and `rampart explain --avc` through the
// real command line, on Debian's reference policy (skipped when
// selinux-policy-default is not installed).

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
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
  // A file httpd_t creates with the type of its directory (var_log_t) is
  // denied, and the type transition that labels such files httpd_log_t,
  // which httpd_t may create, is named.
  std::string create =
      "type=AVC msg=audit(2.0:2): avc:  denied  { create } for pid=1 comm=\"nginx\" name=\"x.log\" "
      "scontext=system_u:system_r:httpd_t:s0 tcontext=system_u:object_r:var_log_t:s0 tclass=file "
      "permissive=0";
  Outcome t = rampart({"explain", "--color", "never", kExample, "--avc", create});
  EXPECT_EQ(t.code, 0) << t.out << t.err;
  EXPECT_NE(t.out.find("no rule `allow httpd_t var_log_t:file create;`"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("`type_transition httpd_t var_log_t:file httpd_log_t;` gives a file that httpd_t "
                       "creates in a var_log_t directory the type httpd_log_t, on which it may create"),
            std::string::npos)
      << t.out;
  // No transition is named where none would help (write on httpd_log_t).
  EXPECT_EQ(r.out.find("type_transition"), std::string::npos) << r.out;
  // Bad input: a located diagnostic, exit 2.
  Outcome b = rampart({"explain", kExample, "--avc", "type=AVC msg=audit(1.0:1): avc: denied for pid=1"});
  EXPECT_EQ(b.code, 2) << b.out << b.err;
  EXPECT_NE(b.out.find("<avc>:1"), std::string::npos) << b.out;
}

// `rampart diff` decides file accesses as the kernel does on each side, so a
// change that only SELinux sees (here the mode; a boolean works alike) is a
// newly granted access, and the versions are not equivalent.
TEST(SelinuxCli, DiffSeesSelinuxChanges) {
  NEED_POLICY();
  std::string host = R"(
host h {
  import selinux.policy "/etc/selinux/default/policy/policy.33";
  group root gid 0;
  group www gid 33;
  user root uid 0 group root;
  user www uid 33 group www;
  directory "/" owner root mode 0755 label "root_t";
  file "/httpd.log" owner www mode 0644 label "httpd_log_t";
  service nginx runs as www:www domain httpd_t { appends "/httpd.log"; }
  MODE
}
)";
  auto write = [&](const std::string& name, const std::string& mode) {
    std::string path = ::testing::TempDir() + "/" + name;
    std::string text = host;
    text.replace(text.find("MODE"), 4, mode);
    std::ofstream(path) << text;
    return path;
  };
  std::string before = write("selinux_enforcing.rampart", "");
  std::string after = write("selinux_permissive.rampart", "set selinux.mode = \"permissive\";");
  Outcome d = rampart({"diff", "--color", "never", before, after});
  EXPECT_EQ(d.code, 0) << d.out << d.err;
  EXPECT_NE(d.out.find("service nginx can now write /httpd.log"), std::string::npos) << d.out;
  EXPECT_NE(d.out.find("not equivalent"), std::string::npos) << d.out;
  Outcome same = rampart({"diff", "--color", "never", before, before});
  EXPECT_EQ(same.code, 0) << same.out << same.err;
  EXPECT_NE(same.out.find("equivalent, proved"), std::string::npos) << same.out;
}

}  // namespace
}  // namespace rampart::cli
