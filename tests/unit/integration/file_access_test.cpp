// File access from policy text to answers, with expectations worked out by
// hand from acl(5), capabilities(7) and path_resolution(7).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "rampart/core/dac.h"
#include "rampart/dsl/frontend.h"
#include "rampart/importers/registry.h"
#include "rampart/solver/session.h"

namespace rampart {
namespace {

core::Policy load(const std::string& text) {
  importers::Registry registry = importers::default_registry();
  auto r = dsl::load_policy_text(text, "test.rampart", "", registry);
  std::string errors;
  for (const auto& d : r.diagnostics.sorted()) errors += d.to_string() + "\n";
  EXPECT_TRUE(r.policy.has_value()) << errors;
  return r.policy ? *r.policy : core::Policy{};
}

std::vector<std::string> errors_of(const std::string& text) {
  importers::Registry registry = importers::default_registry();
  auto r = dsl::load_policy_text(text, "test.rampart", "", registry);
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.sorted()) {
    if (d.severity == core::Severity::Error) out.push_back(d.to_string());
  }
  return out;
}

// /srv/data: root:adm, mode 0640 plus `user:alice:rw-`. setfacl computes the
// mask as the union of the group class: r-- | rw- = rw-, which becomes the
// mode's group bits.
const char* kAclHost = R"(
host h {
  address 10.0.0.1;
  group root gid 0;
  group adm gid 4 members bob;
  group users gid 100;
  user root uid 0 group root;
  user alice uid 1001 group users;
  user bob uid 1002 group users;
  user carol uid 1003 group users;
  directory "/srv" owner root:root mode 0755;
  file "/srv/data" owner root:adm mode 0640 acl "user:alice:rw-";
  directory "/srv/drop" owner root:users mode 2775;
  directory "/srv/tmp" owner root:root mode 1777;
  file "/srv/tmp/alice.txt" owner alice:users mode 0666;
  service writer runs as carol:users umask 002 { creates "/srv/drop/out.txt"; }
}
)";

core::Result ask(const core::Policy& p, const std::string& question) {
  auto q = dsl::parse_question(question, p);
  EXPECT_TRUE(q.question.has_value()) << question;
  if (!q.question) return {};
  solver::Session s(p);
  return s.answer(*q.question);
}

TEST(FileAccess, AclWithMask) {
  core::Policy p = load(std::string(kAclHost) + R"(
    assert can alice write "/srv/data";
    assert can bob read "/srv/data";
    assert not can bob write "/srv/data";
    assert not can carol read "/srv/data";
  )");
  const core::FileNode* data = nullptr;
  for (const auto& f : p.files) {
    if (f.path == "/srv/data") data = &f;
  }
  ASSERT_TRUE(data);
  EXPECT_EQ(data->mode, 0660);  // group bits = the mask rw-
  solver::Session s(p);
  for (const auto& q : p.questions) {
    core::Result r = s.answer(q);
    EXPECT_EQ(r.verdict, core::Verdict::Holds) << q.text << ": " << r.reason;
  }
}

TEST(FileAccess, WhoCanAndOnly) {
  core::Policy p = load(kAclHost);
  core::Result who = ask(p, "who can write \"/srv/data\"");
  ASSERT_TRUE(who.set);
  EXPECT_EQ(who.set->subjects, (std::vector<std::string>{"user root", "user alice"}));
  EXPECT_EQ(ask(p, "only {alice, root} can write \"/srv/data\"").verdict, core::Verdict::Holds);
  core::Result only = ask(p, "only {alice} can write \"/srv/data\"");
  EXPECT_EQ(only.verdict, core::Verdict::Violated);
  ASSERT_TRUE(only.access);
  EXPECT_EQ(only.access->subject.name, "root");
  // root owns the file: the owner class decides, before any capability.
  EXPECT_EQ(only.access->decisive.kind, "mode-bits");
  EXPECT_EQ(only.access->decisive.detail.rfind("owner class", 0), 0u) << only.access->decisive.detail;
}

TEST(FileAccess, StickyDirectoryAndDeniedWitness) {
  core::Policy p = load(kAclHost);
  core::Result r = ask(p, "can bob delete \"/srv/tmp/alice.txt\"");
  EXPECT_EQ(r.verdict, core::Verdict::Violated);
  ASSERT_TRUE(r.access);
  EXPECT_EQ(r.access->decisive.kind, "sticky");
  EXPECT_EQ(ask(p, "can alice delete \"/srv/tmp/alice.txt\"").verdict, core::Verdict::Holds);
}

TEST(FileAccess, SetgidDirectoryAndUmaskGiveTheGroupWrite) {
  // carol (umask 002) creates /srv/drop/out.txt in a setgid root:users 2775
  // directory: the file is carol:users 0664, so bob (group users) may write.
  core::Policy p = load(std::string(kAclHost) + R"(
    host h2 { address 10.0.0.2; }
  )");
  solver::Session s(p);
  core::Report report;
  s.conflicts(report);
  EXPECT_TRUE(report.findings.empty()) << report.findings.front().message;
  core::FileTree tree(p, core::HostId(0));
  core::Credentials carol = core::credentials_of(p, p.services.at(0));
  core::FileNode n = core::created_node(tree, carol, "/srv/drop/out.txt", core::FileType::Regular);
  EXPECT_EQ(n.uid, 1003u);
  EXPECT_EQ(n.gid, 100u);
  EXPECT_EQ(n.mode, 0664);
}

TEST(FileAccess, BaotaConflictAndItsFix) {
  // examples/baota reads the server's own files (README.md there). The
  // hand-written version declared nginx appending app.log as `www`, which
  // made a root-created app.log a conflict; the imported nginx.conf says the
  // master (root) opens the logs and the workers inherit them, and
  // supervisord (root) opens the program's log: no conflict there. What the
  // imported files do show is the panel's classic one: php-fpm's socket is
  // nobody:nogroup 0660, and nginx's `www` workers cannot connect to it.
  std::string path = std::string(RAMPART_SOURCE_DIR) + "/examples/baota/policy.rampart";
  importers::Registry registry = importers::default_registry();
  auto loaded = dsl::load_policy_file(path, registry);
  ASSERT_TRUE(loaded.policy);
  solver::Session s(*loaded.policy);
  core::Report report;
  s.conflicts(report);
  ASSERT_EQ(report.findings.size(), 1u);
  const core::Finding& f = report.findings[0];
  EXPECT_EQ(f.rule_id, "access-denied");
  EXPECT_NE(f.message.find("nginx (www:www) cannot connect /tmp/php-cgi-74.sock"), std::string::npos) << f.message;
  EXPECT_NE(f.origin.file.find("nginx.conf"), std::string::npos) << f.origin.to_string();
  ASSERT_TRUE(f.access);
  EXPECT_EQ(f.access->subject.uid, 1000u);
  EXPECT_EQ(f.access->decisive.kind, "mode-bits");
  EXPECT_EQ(f.fix.rfind("setfacl -m u:www:w /tmp/php-cgi-74.sock", 0), 0u) << f.fix;
  ASSERT_EQ(report.resources.size(), 1u);
  EXPECT_EQ(report.resources[0].path, "/tmp/php-cgi-74.sock");

  // The fix, applied where it lasts (the pool's listen.owner), removes it.
  std::string text;
  {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  std::string dir = std::string(RAMPART_BINARY_DIR) + "/baota-fixed";
  std::filesystem::remove_all(dir);
  std::filesystem::copy(std::string(RAMPART_SOURCE_DIR) + "/examples/baota", dir,
                        std::filesystem::copy_options::recursive);
  std::string pool = dir + "/web1/etc/php/7.4/fpm/pool.d/www.conf";
  std::string conf;
  {
    std::ifstream in(pool);
    std::stringstream ss;
    ss << in.rdbuf();
    conf = ss.str();
  }
  conf.replace(conf.find("listen.owner = nobody"), 21, "listen.owner = www");
  std::ofstream(pool) << conf;
  // The snapshot still shows the old socket: take it out, as a new snapshot would not have it.
  std::string find = dir + "/web1/files.find";
  std::string listing;
  {
    std::ifstream in(find);
    std::stringstream ss;
    ss << in.rdbuf();
    listing = ss.str();
  }
  listing.erase(listing.find("660 65534 65534 s /tmp/php-cgi-74.sock\n"), 39);
  std::ofstream(find) << listing;
  auto fixed = dsl::load_policy_file(dir + "/policy.rampart", registry);
  ASSERT_TRUE(fixed.policy);
  solver::Session s2(*fixed.policy);
  core::Report after;
  s2.conflicts(after);
  EXPECT_TRUE(after.findings.empty()) << after.findings.front().message;
}

TEST(FileAccess, BadInputIsLocated) {
  auto errors = errors_of(R"(
host h {
  group g gid 10;
  user u uid 10 group g;
  file "relative/path" owner u mode 0644;
  file "/a" owner nobody mode 0644;
  file "/b" owner u mode 0800;
  file "/c" owner u mode 77777;
}
service s on nowhere runs as u;
assert can u read "/a";
)");
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_NE(errors[0].find("test.rampart:5:8: error: `relative/path` is not an absolute path"), std::string::npos)
      << errors[0];
  EXPECT_NE(errors[1].find("test.rampart:6:19: error: no user `nobody` on this host"), std::string::npos) << errors[1];
  EXPECT_NE(errors[2].find("test.rampart:7:26: error: `0800` is not a file mode"), std::string::npos) << errors[2];
  EXPECT_NE(errors[3].find("test.rampart:8:26: error: `77777` is not a file mode"), std::string::npos) << errors[3];
  EXPECT_NE(errors[4].find("test.rampart:10:14: error: no host is named `nowhere`"), std::string::npos) << errors[4];
}

}  // namespace
}  // namespace rampart

namespace rampart {
namespace {

TEST(FileAccess, PrivilegedServiceReachableFromAnUntrustedZone) {
  // `internet` must leave the office out, or it would reach what the office reaches.
  core::Policy p = load(R"(
zone office = 192.168.1.0/24;
zone internet untrusted = any except office;
firewall fw first-match default deny {
  allow tcp from any to any port 8443;
  allow tcp from office to any port 9000;
}
host h {
  interface eth0 address 10.0.0.5/24;
  inbound fw;
  group root gid 0;
  group app gid 100;
  user root uid 0 group root;
  user app uid 100 group app;
  service admin runs as root:root;
  service internal runs as root:root;
  service web runs as app:app capabilities dac_override;
  service plain runs as app:app;
  listen tcp/8443 by admin;     // root, open to the internet: a finding
  listen tcp/9000 by internal;  // root, office only: none
  listen tcp/8444 by web;       // CAP_DAC_OVERRIDE, but no rule admits 8444: none
}
)");
  solver::Session s(p);
  core::Report report;
  s.conflicts(report);
  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_EQ(report.findings[0].rule_id, "privileged-exposure");
  EXPECT_NE(report.findings[0].message.find("admin runs as root"), std::string::npos);
  ASSERT_TRUE(report.findings[0].network);
  EXPECT_EQ(report.findings[0].network->packet.dst_port, 8443);
  EXPECT_TRUE(report.findings[0].network->admitted);
}

TEST(FileAccess, ReachThatCan) {
  std::string path = std::string(RAMPART_SOURCE_DIR) + "/examples/baota/policy.rampart";
  importers::Registry registry = importers::default_registry();
  auto loaded = dsl::load_policy_file(path, registry);
  ASSERT_TRUE(loaded.policy);
  // Only nginx (80, 443) can append access.log; the app (127.0.0.1:8000)
  // can, being root, but is out of the network's reach; sshd has no service.
  core::Result r = ask(*loaded.policy, "reach 203.0.113.7 -> web1 tcp that can append \"/var/log/nginx/access.log\"");
  ASSERT_TRUE(r.set);
  ASSERT_EQ(r.set->must.size(), 1u);
  EXPECT_EQ(r.set->must[0].services.to_string(), "tcp/80,443");
  core::Result main_py = ask(*loaded.policy, "not reach 203.0.113.7 -> web1 tcp/22 that can read \"/opt/app/main.py\"");
  EXPECT_EQ(main_py.verdict, core::Verdict::Holds);  // sshd is no declared service
}

}  // namespace
}  // namespace rampart
