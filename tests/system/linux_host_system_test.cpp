// `rampart collect` and `import linux.host` on this machine: a temporary
// user, a directory with an ACL for it and a systemd unit (never started)
// run as it are created; the host is collected, the folder imported, and
// exactly those facts must come out. Everything is removed afterwards.
// Needs root (useradd, setfacl, /etc/systemd/system); skips otherwise.

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rampart/dsl/frontend.h"
#include "rampart/importers/linux.h"
#include "rampart/importers/registry.h"
#include "rampart/solver/session.h"

namespace rampart {
namespace {

namespace fs = std::filesystem;

bool have(const char* tool) {
  return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

struct Cleanup {
  std::string user, dir, unit, out;
  ~Cleanup() {
    if (!user.empty()) {
      std::system(("userdel " + user + " >/dev/null 2>&1").c_str());
      std::system(("groupdel " + user + " >/dev/null 2>&1").c_str());
    }
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
    if (!unit.empty()) fs::remove(unit, ec);
    if (!out.empty()) fs::remove_all(out, ec);
  }
};

TEST(LinuxHostSystem, CollectedFactsComeOutExactly) {
  if (geteuid() != 0)
    GTEST_SKIP() << "needs root: it creates a user, an ACL and a unit file in /etc/systemd/system";
  for (const char* tool : {"useradd", "userdel", "setfacl", "getfacl", "find"}) {
    if (!have(tool)) GTEST_SKIP() << tool << " is not installed (packages passwd, acl, findutils)";
  }
  if (!fs::is_directory("/etc/systemd/system")) GTEST_SKIP() << "no /etc/systemd/system on this machine";

  Cleanup clean;
  std::string tag = "rampart-st-" + std::to_string(getpid());
  clean.user = tag;
  ASSERT_EQ(std::system(
                ("useradd --system --user-group --no-create-home --shell /usr/sbin/nologin " + tag).c_str()),
            0);
  const passwd* pw = getpwnam(tag.c_str());
  ASSERT_TRUE(pw);
  const uint32_t uid = pw->pw_uid, gid = pw->pw_gid;

  char dir_template[] = "/tmp/rampart-host-XXXXXX";
  ASSERT_TRUE(mkdtemp(dir_template));
  std::string dir = dir_template;
  clean.dir = dir;
  ASSERT_EQ(chmod(dir.c_str(), 0750), 0);
  std::ofstream(dir + "/data") << "secret\n";
  ASSERT_EQ(chmod((dir + "/data").c_str(), 0640), 0);
  ASSERT_EQ(std::system(
                ("setfacl -m u:" + tag + ":r-x " + dir + " && setfacl -m u:" + tag + ":r-- " + dir + "/data")
                    .c_str()),
            0);

  std::string unit = "/etc/systemd/system/" + tag + ".service";
  clean.unit = unit;
  std::ofstream(unit) << "[Unit]\nDescription=rampart system test (never started)\n\n[Service]\nUser=" << tag
                      << "\nUMask=0027\nExecStart=/bin/sleep 1000\nReadOnlyPaths=" << dir << "\n";

  std::string out = dir + "-collected";
  clean.out = out;
  importers::CollectOptions o;
  o.out = out;
  o.roots = {dir};
  std::ostringstream log;
  importers::collect_host(o, log);
  ASSERT_TRUE(fs::exists(out + "/manifest.json")) << log.str();

  std::string policy = "host h {\n  address 10.0.0.1;\n  import linux.host \"" + out + "\";\n}\n";
  importers::Registry registry = importers::default_registry();
  auto loaded = dsl::load_policy_text(policy, "/tmp/system.rampart", "/tmp", registry);
  std::string errors;
  for (const auto& d : loaded.diagnostics.sorted()) {
    if (d.severity == core::Severity::Error) errors += d.to_string() + "\n";
  }
  ASSERT_TRUE(loaded.policy) << errors << log.str();
  const core::Policy& p = *loaded.policy;

  // The user, as /etc/passwd has it.
  auto u = p.find_user(tag, core::HostId(0));
  ASSERT_TRUE(u);
  EXPECT_EQ(p.user(*u).uid, uid);
  EXPECT_EQ(p.user(*u).primary_gid, gid);

  // The directory and the file, with exactly the ACLs set above.
  using Tag = core::AclEntry::Tag;
  std::vector<const core::FileNode*> below;
  for (const auto& f : p.files) {
    if (f.path == dir || f.path.rfind(dir + "/", 0) == 0) below.push_back(&f);
  }
  ASSERT_EQ(below.size(), 2u);
  const core::FileNode* d = below[0]->path == dir ? below[0] : below[1];
  const core::FileNode* f = below[0]->path == dir ? below[1] : below[0];
  EXPECT_EQ(d->type, core::FileType::Directory);
  EXPECT_EQ(d->uid, 0u);
  EXPECT_EQ(d->gid, 0u);
  EXPECT_EQ(d->mode, 0750);
  EXPECT_EQ(d->access_acl.entries, (std::vector<core::AclEntry>{{Tag::UserObj, core::kNoId, 7},
                                                                {Tag::User, uid, 5},
                                                                {Tag::GroupObj, core::kNoId, 5},
                                                                {Tag::Mask, core::kNoId, 5},
                                                                {Tag::Other, core::kNoId, 0}}));
  EXPECT_EQ(f->type, core::FileType::Regular);
  EXPECT_EQ(f->mode, 0640);
  EXPECT_EQ(f->access_acl.entries, (std::vector<core::AclEntry>{{Tag::UserObj, core::kNoId, 6},
                                                                {Tag::User, uid, 4},
                                                                {Tag::GroupObj, core::kNoId, 4},
                                                                {Tag::Mask, core::kNoId, 4},
                                                                {Tag::Other, core::kNoId, 0}}));

  // The unit: one service, run as the user, its umask, no capabilities, and
  // the directory read-only in its view.
  std::string name = importers::policy_name(tag);
  size_t count = 0;
  const core::Service* svc = nullptr;
  for (const auto& s : p.services) {
    if (s.name == name) {
      ++count;
      svc = &s;
    }
  }
  ASSERT_EQ(count, 1u);
  EXPECT_EQ(svc->uid, uid);
  EXPECT_EQ(svc->gid, gid);
  EXPECT_EQ(svc->umask, 0027);
  EXPECT_TRUE(svc->capabilities_declared);
  EXPECT_EQ(svc->capabilities, 0u);
  EXPECT_EQ(svc->program, "/bin/sleep");
  ASSERT_EQ(svc->view.size(), 1u);
  EXPECT_EQ(svc->view[0].path, dir);
  EXPECT_TRUE(svc->view[0].read_only);

  // And the answers that follow from them.
  auto ask = [&](const std::string& q) {
    auto bound = dsl::parse_question(q, p);
    EXPECT_TRUE(bound.question.has_value()) << q;
    solver::Session s(p);
    return s.answer(*bound.question).verdict;
  };
  EXPECT_EQ(ask("can service " + name + " read \"" + dir + "/data\""), core::Verdict::Holds);
  EXPECT_EQ(ask("can user " + name + " read \"" + dir + "/data\""), core::Verdict::Holds);
  EXPECT_EQ(ask("not can service " + name + " write \"" + dir + "/data\""), core::Verdict::Holds);
  EXPECT_EQ(ask("not can service " + name + " create \"" + dir + "/new\""), core::Verdict::Holds);
}

}  // namespace
}  // namespace rampart
