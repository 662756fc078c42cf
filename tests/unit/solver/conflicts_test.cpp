// The conflict report on files one service creates and another uses: when
// the creator's uid and gid are not known (a container image's default
// user), the file's owner is not known either, and the other service's
// access is neither granted nor denied.

#include <gtest/gtest.h>

#include "file_nodes.h"
#include "rampart/core/policy.h"
#include "rampart/solver/session.h"

namespace rampart::solver {
namespace {

using namespace core;
using testing::file_node;

Service service(const std::string& name, uint32_t uid, uint32_t gid, Operation op) {
  Service s;
  s.host = HostId(0);
  s.name = name;
  s.uid = uid;
  s.gid = gid;
  s.accesses.push_back(DeclaredAccess{op, "/var/log/app/app.log", {}});
  return s;
}

// www (33) owns the directory; the app creates app.log there; www reads it.
Policy with_creator(uint32_t creator_uid, uint32_t creator_gid) {
  Policy p;
  Host h;
  h.name = "web1";
  p.add(h);
  p.files = {file_node("/", FileType::Directory, 0, 0, 0755),
             file_node("/var", FileType::Directory, 0, 0, 0755),
             file_node("/var/log", FileType::Directory, 0, 0, 0755),
             file_node("/var/log/app", FileType::Directory, 33, 33, 0777)};
  p.services.push_back(service("app", creator_uid, creator_gid, Operation::Create));
  p.services.push_back(service("reader", 33, 33, Operation::Write));
  return p;
}

std::vector<const Finding*> of_kind(const Report& r, const std::string& kind) {
  std::vector<const Finding*> out;
  for (const auto& f : r.findings) {
    if (f.rule_id == kind) out.push_back(&f);
  }
  return out;
}

TEST(SolverConflicts, AFileMadeByAKnownUserIsDriftForAnother) {
  Policy p = with_creator(1000, 1000);  // creates it 1000:1000 0644
  Session s(p);
  Report r;
  s.conflicts(r);
  ASSERT_EQ(of_kind(r, "ownership-drift").size(), 1u);
  EXPECT_TRUE(of_kind(r, "access-unknown").empty());
}

TEST(SolverConflicts, AFileMadeByAnUnknownIdentityIsUnknownNotDenied) {
  Policy p = with_creator(kNoId, kNoId);
  Session s(p);
  Report r;
  s.conflicts(r);
  EXPECT_TRUE(of_kind(r, "ownership-drift").empty());
  auto unknown = of_kind(r, "access-unknown");
  // The creation itself is unknown (whose write permission on the
  // directory?), and so is the reader's write on what it creates.
  ASSERT_EQ(unknown.size(), 2u);
  bool about_reader = false;
  for (const Finding* f : unknown) {
    EXPECT_EQ(f->severity, Severity::Warning);
    EXPECT_TRUE(f->unknown);
    EXPECT_EQ(f->message.find("4294967295"), std::string::npos) << f->message;
    about_reader |= f->message.find("reader can write") != std::string::npos ||
                    f->message.find("whether reader") != std::string::npos;
  }
  EXPECT_TRUE(about_reader);
}

}  // namespace
}  // namespace rampart::solver
