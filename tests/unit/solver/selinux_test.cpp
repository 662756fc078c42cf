// DAC ∧ SELinux through the solver on a small hand-built policy: append vs
// write, the capability SELinux must grant for root's DAC override, a
// boolean set on the host, unknown subjects, `who can` with its domains, and
// the conflict report's verified SELinux fixes. Every answer the session
// gives is replayed through core's evaluator (a disagreement throws), and
// the tests check the verdicts against what the kernel would do.

#include <gtest/gtest.h>

#include <algorithm>

#include "rampart/core/dac.h"
#include "rampart/core/policy.h"
#include "rampart/core/selinux_eval.h"
#include "rampart/solver/session.h"

namespace rampart::solver {
namespace {

using namespace core;
namespace sel = core::selinux;

enum T : uint32_t { root_t, var_t, log_t, httpd_t, app_t, domain, file_type, fs_t, kTypes };

std::shared_ptr<sel::CompiledPolicy> small_policy() {
  auto p = std::make_shared<sel::CompiledPolicy>();
  const char* names[] = {"root_t", "var_t", "log_t", "httpd_t", "app_t", "domain", "file_type", "fs_t"};
  for (uint32_t t = 0; t < kTypes; ++t) {
    sel::Type ty;
    ty.name = names[t];
    ty.attribute = t == domain || t == file_type;
    p->types.push_back(ty);
  }
  p->attributes_of.assign(kTypes, {});
  p->members_of.assign(kTypes, {});
  for (uint32_t t : {httpd_t, app_t}) p->attributes_of[t] = {domain};
  for (uint32_t t : {root_t, var_t, log_t}) p->attributes_of[t] = {file_type};
  p->members_of[domain] = {httpd_t, app_t};
  p->members_of[file_type] = {root_t, var_t, log_t};
  auto cls = [&](std::string name, std::vector<std::string> perms) {
    sel::Class c;
    c.name = std::move(name);
    c.permissions = std::move(perms);
    p->classes.push_back(c);
  };
  cls("dir", {"search", "write", "add_name", "remove_name", "read", "open", "rmdir", "getattr"});
  cls("file", {"read", "write", "append", "open", "create", "unlink", "execute", "execute_no_trans",
               "entrypoint", "map", "getattr"});
  cls("capability", {"chown", "dac_override", "dac_read_search", "fowner", "fsetid"});
  cls("process", {"transition"});
  cls("filesystem", {"associate"});
  p->booleans.push_back(sel::Boolean{"app_write_logs", false});
  p->conditions.push_back(sel::Condition{{sel::CondNode{sel::CondNode::Op::Bool, 0}}});
  auto allow = [&](uint32_t s, uint32_t t, const char* c, std::vector<std::string> perms,
                   uint32_t condition = sel::kNone) {
    sel::AllowRule r;
    r.source = s;
    r.target = t;
    r.cls = uint16_t(
        std::find_if(p->classes.begin(), p->classes.end(), [&](const sel::Class& k) { return k.name == c; }) -
        p->classes.begin());
    for (const auto& n : perms) r.permissions |= p->classes[r.cls].bit(n);
    r.condition = condition;
    p->allows.push_back(r);
  };
  allow(domain, file_type, "dir", {"search", "getattr"});
  allow(httpd_t, log_t, "dir", {"write", "add_name", "remove_name"});
  allow(httpd_t, log_t, "file", {"append", "open", "create", "read"});
  allow(app_t, log_t, "dir", {"write", "add_name"});
  allow(app_t, log_t, "file", {"open", "create", "append"});
  allow(app_t, log_t, "file", {"write"}, 0);  // if (app_write_logs)
  allow(app_t, app_t, "capability", {"dac_override"});
  allow(log_t, fs_t, "filesystem", {"associate"});
  sel::Role object_r{"object_r", {}, {0}};
  sel::Role system_r{"system_r", {httpd_t, app_t}, {1}};
  p->roles = {object_r, system_r};
  p->object_role = 0;
  sel::User system_u;
  system_u.name = "system_u";
  system_u.roles = {0, 1};
  p->users = {system_u};
  p->capabilities = {"open_perms"};
  p->fs_use.push_back(sel::FsUse{"ext4", 1, "system_u:object_r:fs_t"});
  p->index();
  return p;
}

FileNode node(const std::string& path, FileType type, uint32_t uid, uint16_t mode, const std::string& label) {
  FileNode n;
  n.host = HostId(0);
  n.path = path;
  n.type = type;
  n.uid = uid;
  n.gid = uid;
  n.mode = mode;
  n.selinux_label = label;
  return n;
}

Service service(const std::string& name, uint32_t uid, const std::string& domain) {
  Service s;
  s.host = HostId(0);
  s.name = name;
  s.user_name = uid == 0 ? "root" : "www";
  s.group_name = s.user_name;
  s.uid = uid;
  s.gid = uid;
  s.domain = domain;
  return s;
}

// /var/log/app.log is www's (0644) and labelled log_t; nginx (www, httpd_t),
// app (root, app_t), rootd (root, httpd_t) and plain (www, no domain).
Policy host(bool app_write_logs = false) {
  Policy p;
  Host h;
  h.name = "h";
  if (app_write_logs) h.settings["selinux.boolean.app_write_logs"] = "true";
  p.add(h);
  p.files = {node("/", FileType::Directory, 0, 0755, "system_u:object_r:root_t"),
             node("/var", FileType::Directory, 0, 0755, "system_u:object_r:var_t"),
             node("/var/log", FileType::Directory, 33, 0755, "system_u:object_r:log_t"),
             node("/var/log/app.log", FileType::Regular, 33, 0644, "system_u:object_r:log_t")};
  p.services = {service("nginx", 33, "httpd_t"), service("app", 0, "app_t"), service("rootd", 0, "httpd_t"),
                service("plain", 33, "")};
  sel::HostFacts f;
  f.host = HostId(0);
  f.policy = small_policy();
  p.selinux.push_back(f);
  return p;
}

Question can(Subject s, Operation op, const std::string& path, AccessClaim claim = AccessClaim::Can) {
  Question q;
  q.text = "can";
  AccessQuestion a;
  a.claim = claim;
  a.subjects = {s};
  a.operation = op;
  a.path = path;
  a.host = HostId(0);
  q.body = a;
  return q;
}

Subject svc(uint32_t i) {
  Subject s;
  s.kind = Subject::Kind::Service;
  s.service = ServiceId(i);
  return s;
}

Subject dom(const std::string& d) {
  Subject s;
  s.kind = Subject::Kind::Domain;
  s.domain = d;
  return s;
}

const std::string kLog = "/var/log/app.log";

TEST(SelinuxSolver, AppendIsNotWrite) {
  Policy p = host();
  Session s(p);
  EXPECT_EQ(s.answer(can(svc(0), Operation::Append, kLog)).verdict, Verdict::Holds);
  Result w = s.answer(can(svc(0), Operation::Write, kLog));
  EXPECT_EQ(w.verdict, Verdict::Violated);
  EXPECT_NE(w.reason.find("httpd_t log_t:file write"), std::string::npos) << w.reason;
  // DAC alone would grant it: the denial is SELinux's.
  FileTree tree(p, HostId(0));
  AccessDecision d = decide_access(tree, credentials_of(p, p.services[0]), Operation::Write, kLog);
  EXPECT_TRUE(d.granted);
  EXPECT_EQ(s.answer(can(dom("httpd_t"), Operation::Append, kLog)).verdict, Verdict::Holds);
  EXPECT_EQ(s.answer(can(dom("httpd_t"), Operation::Write, kLog)).verdict, Verdict::Violated);
  EXPECT_EQ(s.answer(can(dom("httpd_t"), Operation::Write, kLog, AccessClaim::CannotDo)).verdict,
            Verdict::Holds);
}

TEST(SelinuxSolver, RootNeedsTheCapabilityFromSelinux) {
  // The log is www's 0644: root writes it only through CAP_DAC_OVERRIDE,
  // which SELinux grants app_t (on itself) and not httpd_t.
  Policy p = host(true);
  Session s(p);
  EXPECT_EQ(s.answer(can(svc(1), Operation::Write, kLog)).verdict, Verdict::Holds);
  Result r = s.answer(can(svc(2), Operation::Append, kLog));
  EXPECT_EQ(r.verdict, Verdict::Violated) << r.reason;
  FileTree tree(p, HostId(0));
  auto view = sel::HostView::build(p, HostId(0));
  ASSERT_TRUE(view);
  AccessDecision d =
      decide_file_access(tree, &*view, credentials_of(p, p.services[2]), Operation::Append, kLog);
  EXPECT_FALSE(d.granted);
  EXPECT_FALSE(d.dac_granted);  // DAC denies once the capability is gone
  EXPECT_EQ(d.selinux, std::optional<bool>(true));
}

TEST(SelinuxSolver, HostBooleanDecides) {
  Policy off = host(false), on = host(true);
  Session a(off), b(on);
  EXPECT_EQ(a.answer(can(svc(1), Operation::Write, kLog)).verdict, Verdict::Violated);
  EXPECT_EQ(b.answer(can(svc(1), Operation::Write, kLog)).verdict, Verdict::Holds);
  Result r = a.answer(can(dom("app_t"), Operation::Write, kLog));
  EXPECT_EQ(r.verdict, Verdict::Violated);
  EXPECT_NE(r.reason.find("app_write_logs"), std::string::npos) << r.reason;
}

TEST(SelinuxSolver, UnknownSubjectIsUnknownNeverAPass) {
  Policy p = host();
  Session s(p);
  Result r = s.answer(can(svc(3), Operation::Append, kLog));
  EXPECT_EQ(r.verdict, Verdict::Unknown) << r.reason;
  // DAC denies whatever SELinux says: a plain denial.
  p.files[3].mode = 0600;
  p.files[3].uid = 1;
  Session t(p);
  EXPECT_EQ(t.answer(can(svc(3), Operation::Append, kLog)).verdict, Verdict::Violated);
}

TEST(SelinuxSolver, CreateNeedsTheDirectoryAndTheNewLabel) {
  Policy p = host();
  Session s(p);
  EXPECT_EQ(s.answer(can(dom("httpd_t"), Operation::Create, "/var/log/new.log")).verdict, Verdict::Holds);
  // /var is var_t: neither domain may add a name there.
  EXPECT_EQ(s.answer(can(dom("httpd_t"), Operation::Create, "/var/new.log")).verdict, Verdict::Violated);
  // Delete needs remove_name and unlink; httpd_t has no unlink.
  EXPECT_EQ(s.answer(can(dom("httpd_t"), Operation::Delete, kLog)).verdict, Verdict::Violated);
}

TEST(SelinuxSolver, WhoCanListsDomains) {
  for (bool boolean : {false, true}) {
    Policy p = host(boolean);
    Session s(p);
    Question q = can(svc(0), Operation::Write, kLog, AccessClaim::WhoCan);
    std::get<AccessQuestion>(q.body).subjects.clear();
    q.is_query = true;
    Result r = s.answer(q);
    ASSERT_TRUE(r.set) << r.reason;
    EXPECT_TRUE(r.set->domains_known);
    std::vector<std::string> want = boolean ? std::vector<std::string>{"app_t"} : std::vector<std::string>{};
    EXPECT_EQ(r.set->domains, want);
    // nginx may not write (SELinux), plain is unknown (may, not must).
    auto has = [](const std::vector<std::string>& v, const std::string& x) {
      return std::any_of(v.begin(), v.end(),
                         [&](const std::string& s) { return s.find(x) != std::string::npos; });
    };
    EXPECT_FALSE(has(r.set->subjects, "nginx"));
    EXPECT_FALSE(has(r.set->subjects, "plain"));
    EXPECT_TRUE(has(r.set->may_subjects, "plain"));
    EXPECT_EQ(has(r.set->subjects, "app"), boolean);
  }
}

TEST(SelinuxSolver, ConflictsNameAVerifiedSelinuxFix) {
  Policy p = host();
  p.services[0].accesses.push_back(DeclaredAccess{Operation::Write, kLog, {}});
  p.services[1].accesses.push_back(DeclaredAccess{Operation::Write, kLog, {}});
  Session s(p);
  Report report;
  s.conflicts(report, HostId(0));
  std::string nginx_fix, app_fix;
  for (const auto& f : report.findings) {
    if (f.message.find("nginx") != std::string::npos) nginx_fix = f.fix;
    if (f.message.find("app ") != std::string::npos || f.message.rfind("app", 0) == 0) app_fix = f.fix;
  }
  // app: the boolean grants it; nginx: only a local module does.
  EXPECT_NE(app_fix.find("setsebool -P app_write_logs on"), std::string::npos) << app_fix;
  EXPECT_NE(nginx_fix.find("allow httpd_t log_t:file write;"), std::string::npos) << nginx_fix;
  // The per-file table shows both halves where they disagree.
  bool shown = false;
  for (const auto& rr : report.resources) {
    for (const auto& a : rr.accesses) {
      if (a.service == "nginx" && a.operation == "write") {
        EXPECT_EQ(a.dac, "granted");
        EXPECT_EQ(a.selinux.rfind("denied", 0), 0u) << a.selinux;
        shown = true;
      }
    }
  }
  EXPECT_TRUE(shown);
}

}  // namespace
}  // namespace rampart::solver
