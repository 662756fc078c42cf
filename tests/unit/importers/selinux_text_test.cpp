// The SELinux text formats: what each parser reads, and located errors for
// what it refuses (docs/importers/selinux.md).

#include <gtest/gtest.h>

#include "rampart/importers/selinux.h"

namespace rampart::importers {
namespace {

std::string first_error(const core::Diagnostics& d) {
  for (const auto& x : d.items()) return x.origin.to_string() + ": " + x.message + " [" + x.code + "]";
  return "";
}

TEST(SelinuxText, FileContexts) {
  core::Diagnostics d;
  auto specs = parse_file_contexts(
      "# comment\n"
      "/var/log(/.*)?\t\tsystem_u:object_r:var_log_t:s0\n"
      "/usr/sbin/nginx\t--\tsystem_u:object_r:httpd_exec_t:s0 ignored\n"
      "/run/x\t<<none>>\n",
      "fc", d);
  ASSERT_FALSE(d.has_errors()) << first_error(d);
  ASSERT_EQ(specs.size(), 3u);
  EXPECT_EQ(specs[0].regex, "/var/log(/.*)?");
  EXPECT_EQ(specs[0].file_type, 0);
  EXPECT_EQ(specs[1].file_type, '-');
  EXPECT_EQ(specs[1].context, "system_u:object_r:httpd_exec_t:s0");
  EXPECT_EQ(specs[2].context, "<<none>>");
  EXPECT_EQ(specs[1].origin.line, 3u);
}

TEST(SelinuxText, FileContextsErrors) {
  struct Case {
    const char* text;
    const char* where;
  };
  for (const auto& c : {Case{"# c\n/b -q system_u:object_r:etc_t:s0\n", "fc:2:4"},
                        Case{"/a(b system_u:object_r:etc_t:s0\n", "fc:1:1"},
                        Case{"/a notacontext\n", "fc:1:4"}, Case{"/a system_u::etc_t\n", "fc:1:4"}}) {
    core::Diagnostics d;
    auto specs = parse_file_contexts(c.text, "fc", d);
    ASSERT_TRUE(d.has_errors()) << c.text;
    EXPECT_EQ(d.items()[0].code, "RP3502");
    EXPECT_EQ(d.items()[0].origin.to_string(), c.where) << first_error(d);
  }
}

TEST(SelinuxText, LabelSnapshots) {
  core::Diagnostics d;
  auto labels = parse_label_snapshot(
      "system_u:object_r:var_log_t:s0 /var/log\n"
      "/var/log/nginx:\n"
      "total 8\n"
      "-rw-r--r--. 1 www www system_u:object_r:httpd_log_t:s0 100 Jan  1 00:00 access log.txt\n"
      "system_u:object_r:httpd_log_t:s0 error.log\n",
      "ls", d);
  ASSERT_FALSE(d.has_errors()) << first_error(d);
  ASSERT_EQ(labels.size(), 3u);
  EXPECT_EQ(labels[0].path, "/var/log");
  EXPECT_EQ(labels[1].path, "/var/log/nginx/access log.txt");
  EXPECT_EQ(labels[1].context, "system_u:object_r:httpd_log_t:s0");
  EXPECT_EQ(labels[2].path, "/var/log/nginx/error.log");
  core::Diagnostics e;
  parse_label_snapshot("system_u:object_r:etc_t:s0 relative.txt\n", "ls", e);
  ASSERT_TRUE(e.has_errors());
  EXPECT_EQ(e.items()[0].code, "RP3503");
  EXPECT_EQ(e.items()[0].origin.line, 1u);
}

TEST(SelinuxText, Getsebool) {
  core::Diagnostics d;
  auto b = parse_getsebool("httpd_unified --> on\nhttpd_enable_cgi --> off\n", "g", d);
  ASSERT_FALSE(d.has_errors());
  ASSERT_EQ(b.size(), 2u);
  EXPECT_TRUE(b[0].value);
  EXPECT_FALSE(b[1].value);
  core::Diagnostics e;
  parse_getsebool("httpd_unified --> maybe\n", "g", e);
  ASSERT_TRUE(e.has_errors());
  EXPECT_EQ(e.items()[0].origin.to_string(), "g:1:1");
}

TEST(SelinuxText, PsZ) {
  core::Diagnostics d;
  auto p = parse_ps_z(
      "LABEL                             PID TTY          TIME CMD\n"
      "system_u:system_r:httpd_t:s0      812 ?        00:00:00 nginx\n",
      "ps", d);
  ASSERT_FALSE(d.has_errors()) << first_error(d);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].pid, 812u);
  EXPECT_EQ(p[0].command, "nginx");
  core::Diagnostics e;
  parse_ps_z("system_u:system_r:httpd_t:s0 x12 ? 00:00:00 nginx\n", "ps", e);
  ASSERT_TRUE(e.has_errors());
  EXPECT_EQ(e.items()[0].code, "RP3505");
}

TEST(SelinuxText, AuditJoinsTheEvent) {
  core::Diagnostics d;
  auto ev = parse_audit_log(
      "type=AVC msg=audit(1.5:7): avc:  denied  { write open } for pid=9 comm=\"nginx\" "
      "scontext=system_u:system_r:httpd_t:s0 tcontext=system_u:object_r:httpd_log_t:s0 tclass=file "
      "permissive=0\n"
      "type=SYSCALL msg=audit(1.5:7): uid=33 gid=33 euid=33 fsuid=33 exe=\"/usr/sbin/nginx\"\n"
      "type=PATH msg=audit(1.5:7): item=0 name=2F7661722F6C6F67\n",
      "audit", d);
  ASSERT_FALSE(d.has_errors()) << first_error(d);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].avc.permissions, (std::vector<std::string>{"write", "open"}));
  EXPECT_EQ(ev[0].avc.tclass, "file");
  EXPECT_EQ(ev[0].exe, "/usr/sbin/nginx");
  EXPECT_TRUE(ev[0].has_ids);
  EXPECT_EQ(ev[0].fsuid, 33u);  // a number, not hex: 0x33 would be "3"
  EXPECT_EQ(ev[0].uid, 33u);
  ASSERT_EQ(ev[0].paths.size(), 1u);
  EXPECT_EQ(ev[0].paths[0], "/var/log");  // hex-encoded, as audit writes odd names
  core::Diagnostics e;
  parse_audit_log("type=AVC msg=audit(1.5:7): avc:  denied  { write } for pid=9\n", "audit", e);
  ASSERT_TRUE(e.has_errors());
  EXPECT_EQ(e.items()[0].code, "RP3506");
}

}  // namespace
}  // namespace rampart::importers
