// The solver's `can ... delete` agrees with core's evaluator on what the
// kernel refuses after every permission check: a mount point is busy
// (EBUSY), a directory with entries cannot be removed (ENOTEMPTY), and a
// read-only mount is the parent's (the mount point itself lies in the
// parent's mount). Every answer is replayed through decide_access inside the
// session, so a disagreement would throw.

#include <gtest/gtest.h>

#include "rampart/core/policy.h"
#include "rampart/solver/session.h"

namespace rampart::solver {
namespace {

using namespace core;

FileNode node(const std::string& path, FileType type, uint16_t mode) {
  FileNode n;
  n.host = HostId(0);
  n.path = path;
  n.type = type;
  n.mode = mode;
  return n;
}

Policy tree() {
  Policy p;
  Host h;
  h.name = "h";
  p.add(h);
  p.files = {node("/", FileType::Directory, 0755),      node("/m", FileType::Directory, 0777),
             node("/m/sub", FileType::Directory, 0777), node("/full", FileType::Directory, 0777),
             node("/full/f", FileType::Regular, 0644),  node("/empty", FileType::Directory, 0777),
             node("/ro", FileType::Directory, 0777),    node("/ro/f", FileType::Regular, 0666)};
  p.mounts = {Mount{HostId(0), "/m", false, {}}, Mount{HostId(0), "/ro", true, {}}};
  Service root;
  root.host = HostId(0);
  root.name = "root";
  root.uid = 0;  // capabilities not declared: root holds them all
  p.services.push_back(root);
  return p;
}

Verdict can_delete(Session& s, const std::string& path) {
  Question q;
  q.text = "can root delete " + path;
  AccessQuestion a;
  a.claim = AccessClaim::Can;
  a.subjects = {Subject{Subject::Kind::Service, {}, ServiceId(0)}};
  a.operation = Operation::Delete;
  a.path = path;
  a.host = HostId(0);
  q.body = a;
  return s.answer(q).verdict;
}

TEST(SolverAccessDelete, MountPointsAndNonEmptyDirectoriesCannotBeRemoved) {
  Policy p = tree();
  Session s(p);
  EXPECT_EQ(can_delete(s, "/m"), Verdict::Violated);     // EBUSY
  EXPECT_EQ(can_delete(s, "/full"), Verdict::Violated);  // ENOTEMPTY
  EXPECT_EQ(can_delete(s, "/empty"), Verdict::Holds);
  EXPECT_EQ(can_delete(s, "/m/sub"), Verdict::Holds);  // inside a writable mount
  EXPECT_EQ(can_delete(s, "/full/f"), Verdict::Holds);
  EXPECT_EQ(can_delete(s, "/ro/f"), Verdict::Violated);  // EROFS: the parent is read-only
  EXPECT_EQ(can_delete(s, "/ro"), Verdict::Violated);    // EBUSY: the mount point lies in "/"
}

}  // namespace
}  // namespace rampart::solver
