// decide_access and created_node on small trees whose answers are worked out
// by hand from the man pages: path_resolution(7) and acl(5) for the classes
// and the ACL algorithm, capabilities(7), open(2), unlink(2)/rmdir(2),
// mkdir(2), and fs/namei.c for the order of the checks (which errno wins).
// docs/semantics/linux-dac.md states each rule.

#include "rampart/core/dac.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "file_nodes.h"
#include "rampart/core/policy.h"

namespace rampart::core {
namespace {

constexpr CapabilitySet kDacOverride = cap_bit(Capability::DacOverride);
constexpr CapabilitySet kDacReadSearch = cap_bit(Capability::DacReadSearch);
constexpr CapabilitySet kFOwner = cap_bit(Capability::FOwner);

FileNode node(const std::string& path, FileType type, uint32_t uid, uint32_t gid, uint16_t mode) {
  return testing::file_node(path, type, uid, gid, mode);
}
FileNode dir(const std::string& path, uint32_t uid, uint32_t gid, uint16_t mode) {
  return node(path, FileType::Directory, uid, gid, mode);
}
FileNode file(const std::string& path, uint32_t uid, uint32_t gid, uint16_t mode) {
  return node(path, FileType::Regular, uid, gid, mode);
}

AclEntry user_obj(uint8_t p) {
  return {AclEntry::Tag::UserObj, kNoId, p};
}
AclEntry user(uint32_t uid, uint8_t p) {
  return {AclEntry::Tag::User, uid, p};
}
AclEntry group_obj(uint8_t p) {
  return {AclEntry::Tag::GroupObj, kNoId, p};
}
AclEntry group(uint32_t gid, uint8_t p) {
  return {AclEntry::Tag::Group, gid, p};
}
AclEntry mask(uint8_t p) {
  return {AclEntry::Tag::Mask, kNoId, p};
}
AclEntry other(uint8_t p) {
  return {AclEntry::Tag::Other, kNoId, p};
}

Credentials who(uint32_t uid, uint32_t gid, std::vector<uint32_t> groups = {}, CapabilitySet caps = 0,
                uint16_t umask = 022) {
  Credentials c;
  c.name = "u" + std::to_string(uid);
  c.kind = "user";
  c.uid = uid;
  c.gid = gid;
  c.groups = std::move(groups);
  c.capabilities = caps;
  c.umask = umask;
  return c;
}

// A host's declared files and mounts; "/" is declared root:root 0755 unless
// a test declares it otherwise.
struct Tree {
  Policy policy;
  explicit Tree(std::vector<FileNode> files, std::vector<Mount> mounts = {}) {
    Host h;
    h.name = "h";
    policy.add(h);
    bool root = false;
    for (const auto& f : files) root = root || f.path == "/";
    if (!root) policy.files.push_back(dir("/", 0, 0, 0755));
    for (auto& f : files) policy.files.push_back(std::move(f));
    for (auto& m : mounts) {
      m.host = HostId(0);
      policy.mounts.push_back(std::move(m));
    }
  }
  AccessDecision decide(const Credentials& c, Operation op, const std::string& path,
                        const std::vector<FileNode>& overrides = {}) const {
    FileTree t(policy, HostId(0));
    return decide_access(t, c, op, path, overrides);
  }
  FileNode created(const Credentials& c, const std::string& path, FileType type = FileType::Regular) const {
    FileTree t(policy, HostId(0));
    return created_node(t, c, path, type);
  }
};

#define EXPECT_GRANTED(d) EXPECT_TRUE((d).granted) << (d).decisive.kind << " " << (d).decisive.detail
#define EXPECT_DENIED(d, e)                                                                          \
  do {                                                                                               \
    auto dd = (d);                                                                                   \
    EXPECT_FALSE(dd.granted);                                                                        \
    EXPECT_EQ(errno_name(dd.error), errno_name(e)) << dd.decisive.kind << " " << dd.decisive.detail; \
  } while (0)

// ---- owner, group, other: the first class that matches decides ---------------------------

TEST(DacClasses, TheOwnerClassDecidesForTheOwnerWithoutFallingThrough) {
  // path_resolution(7): "If the process is the owner, the user bits are used";
  // the group and other bits are never consulted for the owner.
  Tree t({file("/f", 1000, 100, 0077)});
  EXPECT_DENIED(t.decide(who(1000, 100), Operation::Read, "/f"), err::kAccess);
  EXPECT_GRANTED(t.decide(who(1001, 100), Operation::Read, "/f"));   // group class: rwx
  EXPECT_GRANTED(t.decide(who(1002, 200), Operation::Write, "/f"));  // other class: rwx
  auto d = t.decide(who(1000, 100), Operation::Read, "/f");
  EXPECT_EQ(d.decisive.kind, "mode-bits");
  EXPECT_EQ(d.decisive.path, "/f");
  EXPECT_NE(d.decisive.detail.find("owner class"), std::string::npos);
}

TEST(DacClasses, TheGroupClassDecidesForAnyGroupMemberWithoutFallingThrough) {
  Tree t({file("/f", 1000, 100, 0604)});                                                // rw----r--
  EXPECT_DENIED(t.decide(who(1001, 100), Operation::Read, "/f"), err::kAccess);         // primary group
  EXPECT_DENIED(t.decide(who(1001, 200, {100}), Operation::Read, "/f"), err::kAccess);  // supplementary
  EXPECT_GRANTED(t.decide(who(1001, 200), Operation::Read, "/f"));                      // other: r--
  auto d = t.decide(who(1001, 200, {100}), Operation::Read, "/f");
  EXPECT_NE(d.decisive.detail.find("group class"), std::string::npos);
}

TEST(DacClasses, OtherClassAndEachOperationsBits) {
  Tree t({file("/f", 1000, 100, 0645), dir("/d", 1000, 100, 0751), file("/d/g", 1000, 100, 0644)});
  Credentials stranger = who(1002, 200);
  EXPECT_GRANTED(t.decide(stranger, Operation::Read, "/f"));
  EXPECT_GRANTED(t.decide(stranger, Operation::Execute, "/f"));
  EXPECT_DENIED(t.decide(stranger, Operation::Write, "/f"), err::kAccess);
  EXPECT_DENIED(t.decide(stranger, Operation::Append, "/f"), err::kAccess);
  EXPECT_DENIED(t.decide(stranger, Operation::List, "/d"), err::kAccess);  // --x: no r
  EXPECT_GRANTED(t.decide(stranger, Operation::Search, "/d"));
  EXPECT_GRANTED(t.decide(stranger, Operation::Read, "/d/g"));  // x on /d is enough to reach it
  EXPECT_DENIED(t.decide(who(1001, 100), Operation::Write, "/f"), err::kAccess);  // group r--
}

// ---- POSIX ACLs (acl(5), "ACCESS CHECK ALGORITHM") ---------------------------------------

TEST(DacAcl, ANamedUserEntryIsLimitedByTheMask) {
  FileNode f = file("/f", 0, 100, 0640);  // group bits = the mask
  f.access_acl.entries = {user_obj(6), user(1001, 6), group_obj(4), mask(4), other(0)};
  Tree t({f});
  auto write = t.decide(who(1001, 500), Operation::Write, "/f");
  EXPECT_DENIED(write, err::kAccess);
  EXPECT_EQ(write.decisive.kind, "acl-mask");  // the entry has w, the mask takes it away
  EXPECT_GRANTED(t.decide(who(1001, 500), Operation::Read, "/f"));
  // The named entry, not `other`, decides for uid 1001.
  EXPECT_DENIED(t.decide(who(1002, 500), Operation::Read, "/f"), err::kAccess);
  // The owner is decided by the owner bits; the mask does not apply.
  EXPECT_GRANTED(t.decide(who(0, 0), Operation::Write, "/f"));
}

TEST(DacAcl, OneMatchingGroupEntryMustGrantEverythingAndOtherIsNotConsulted) {
  // acl(5): "if the effective group ID or any of the supplementary group IDs
  // of the process matches [...] and the entry [...] contains the requested
  // permissions, access is granted [...] else access is denied" when a
  // group entry matched but none of them grants all of it.
  FileNode d = dir("/d", 0, 100, 0777);
  d.access_acl.entries = {user_obj(7), group_obj(1), group(200, 2), group(300, 3), mask(7), other(7)};
  Tree t({d});
  // create needs w and x on /d: group:: gives --x, group:200 gives -w-, together
  // they would, but no single entry does, and `other::rwx` is not consulted.
  auto create = t.decide(who(1001, 100, {200}), Operation::Create, "/d/new");
  EXPECT_DENIED(create, err::kAccess);
  EXPECT_NE(create.decisive.detail.find("matching group entries"), std::string::npos);
  EXPECT_GRANTED(t.decide(who(1003, 300), Operation::Create, "/d/new"));  // group:300:-wx alone
  EXPECT_GRANTED(t.decide(who(1002, 500), Operation::Create, "/d/new"));  // no group matches: other::rwx
  // Search alone (x): group:: grants it.
  EXPECT_GRANTED(t.decide(who(1001, 100, {200}), Operation::Search, "/d"));
}

TEST(DacAcl, AMaskOfNothingMakesTheAclIrrelevant) {
  // With the mask --- the mode's group bits are 000, and acl_permission_check
  // (fs/namei.c) consults the ACL only when they are not: the mode bits decide.
  FileNode f = file("/f", 0, 100, 0604);
  f.access_acl.entries = {user_obj(6), user(1001, 7), group_obj(7), mask(0), other(4)};
  Tree t({f});
  // uid 1001 has a named entry rwx, yet gets the other class's r--.
  EXPECT_GRANTED(t.decide(who(1001, 500), Operation::Read, "/f"));
  auto write = t.decide(who(1001, 500), Operation::Write, "/f");
  EXPECT_DENIED(write, err::kAccess);
  EXPECT_EQ(write.decisive.kind, "mode-bits");
  // A member of the owning group gets the group bits ---, not other's r--.
  EXPECT_DENIED(t.decide(who(1002, 100), Operation::Read, "/f"), err::kAccess);
}

TEST(DacAcl, AnAclWithoutNamedEntriesOrMaskIsTheModeBits) {
  FileNode f = file("/f", 0, 100, 0640);
  f.access_acl.entries = {user_obj(6), group_obj(4), other(0)};
  Tree t({f});
  EXPECT_GRANTED(t.decide(who(1002, 100), Operation::Read, "/f"));
  EXPECT_DENIED(t.decide(who(1002, 200), Operation::Read, "/f"), err::kAccess);
}

// ---- creating and deleting: write and search on the parent; sticky directories -------------

TEST(DacParent, CreateAndDeleteNeedWriteAndSearchOnTheParent) {
  // unlink(2), open(2) O_CREAT: "Write access to the directory containing
  // pathname is not allowed for the process's effective UID" -> EACCES.
  Tree t({dir("/d", 1000, 1000, 0755), file("/d/f", 1001, 1001, 0777), dir("/w", 1000, 1000, 0733),
          file("/w/f", 1000, 1000, 0000), dir("/r", 1000, 1000, 0776), file("/r/f", 1001, 1001, 0666)});
  Credentials u = who(1001, 1001);
  EXPECT_DENIED(t.decide(u, Operation::Delete, "/d/f"), err::kAccess);  // owning the file is not enough
  EXPECT_DENIED(t.decide(u, Operation::Create, "/d/new"), err::kAccess);
  EXPECT_GRANTED(
      t.decide(u, Operation::Delete, "/w/f"));  // -wx on the parent; the file's own mode is irrelevant
  EXPECT_GRANTED(t.decide(u, Operation::Create, "/w/new"));
  // rw- without x: the walk through /r already fails (search on an ancestor).
  auto d = t.decide(u, Operation::Delete, "/r/f");
  EXPECT_DENIED(d, err::kAccess);
  EXPECT_EQ(d.decisive.path, "/r");
  EXPECT_NE(d.decisive.detail.find("needs --x"), std::string::npos);
}

TEST(DacParent, StickyDirectoriesLetOnlyTheOwnersOrCapFownerDelete) {
  // unlink(2) EPERM: "The directory containing pathname has the sticky bit
  // (S_ISVTX) set and the process's effective UID is neither the UID of the
  // file to be deleted nor that of the directory containing it, and the
  // process is not privileged (CAP_FOWNER)."
  Tree t({dir("/s", 1003, 0, 01777), file("/s/f", 1001, 1001, 0666)});
  auto d = t.decide(who(1002, 1002), Operation::Delete, "/s/f");
  EXPECT_DENIED(d, err::kPerm);
  EXPECT_EQ(d.decisive.kind, "sticky");
  EXPECT_GRANTED(t.decide(who(1001, 1001), Operation::Delete, "/s/f"));  // the file's owner
  EXPECT_GRANTED(t.decide(who(1003, 1003), Operation::Delete, "/s/f"));  // the directory's owner
  auto fowner = t.decide(who(1002, 1002, {}, kFOwner), Operation::Delete, "/s/f");
  EXPECT_GRANTED(fowner);
  EXPECT_EQ(fowner.decisive.detail, "CAP_FOWNER overrides the sticky directory");
  // Root without capabilities is just uid 0: not an owner, so EPERM.
  EXPECT_DENIED(t.decide(who(0, 0), Operation::Delete, "/s/f"), err::kPerm);
  // CAP_DAC_OVERRIDE passes the permission check but not the sticky one.
  EXPECT_DENIED(t.decide(who(1002, 1002, {}, kDacOverride), Operation::Delete, "/s/f"), err::kPerm);
  // Creating in a sticky directory is unaffected.
  EXPECT_GRANTED(t.decide(who(1002, 1002), Operation::Create, "/s/new"));
}

TEST(DacParent, OpeningAnotherOwnersDeviceWithOCreatInAWorldWritableStickyDirectoryFails) {
  // may_create_in_sticky (fs/namei.c): in a sticky, world-writable directory,
  // O_CREAT of an existing node is EACCES, whatever the capabilities, unless
  // the node belongs to the opener or to the directory's owner. For regular files
  // and FIFOs only when fs.protected_regular / fs.protected_fifos say so
  // (rampart: the kernel default 0); for sockets and devices always.
  Tree t({dir("/s", 0, 0, 01777), node("/s/null", FileType::CharDevice, 1001, 1001, 0666),
          file("/s/f", 1001, 1001, 0666), dir("/g", 0, 0, 01770),
          node("/g/null", FileType::CharDevice, 1001, 1001, 0666)});
  Credentials root = who(0, 0, {}, kAllCapabilities);
  auto d = t.decide(who(1002, 1002, {}, kAllCapabilities), Operation::Create, "/s/null");
  EXPECT_DENIED(d, err::kAccess);
  EXPECT_EQ(d.decisive.kind, "sticky");
  EXPECT_GRANTED(t.decide(who(1001, 1001), Operation::Create, "/s/null"));  // its owner
  EXPECT_GRANTED(t.decide(root, Operation::Create, "/s/f"));                // a regular file
  EXPECT_GRANTED(t.decide(root, Operation::Write, "/s/null"));              // no O_CREAT
  EXPECT_GRANTED(t.decide(root, Operation::Create, "/g/null"));             // not world-writable
  // What counts is who owns the node, not who opens it: root, owner of /s
  // and holding every capability, is refused a node of uid 1001.
  EXPECT_DENIED(t.decide(root, Operation::Create, "/s/null"), err::kAccess);
  Tree u({dir("/s", 0, 0, 01777), node("/s/null", FileType::CharDevice, 0, 0, 0666)});
  EXPECT_GRANTED(u.decide(who(1002, 1002), Operation::Create, "/s/null"));  // the directory owner's node
}

TEST(DacParent, RemovingAMountPointOrANonEmptyDirectoryFails) {
  // rmdir(2): EBUSY "pathname is currently in use [...] as a mount point";
  // ENOTEMPTY "pathname contains entries other than . and ..". Both after
  // every permission check (vfs_rmdir after may_delete).
  Tree t({dir("/m", 0, 0, 0777), dir("/m/sub", 0, 0, 0777), dir("/full", 0, 0, 0777),
          file("/full/f", 0, 0, 0644), dir("/empty", 0, 0, 0777)},
         {Mount{HostId(0), "/m", false, {}}});
  Credentials root = who(0, 0, {}, kAllCapabilities);
  auto busy = t.decide(root, Operation::Delete, "/m");
  EXPECT_FALSE(busy.granted);
  EXPECT_EQ(errno_name(busy.error), "EBUSY");
  auto full = t.decide(root, Operation::Delete, "/full");
  EXPECT_FALSE(full.granted);
  EXPECT_EQ(errno_name(full.error), "ENOTEMPTY");
  EXPECT_GRANTED(t.decide(root, Operation::Delete, "/empty"));
  EXPECT_GRANTED(t.decide(root, Operation::Delete, "/m/sub"));
  // Permission comes first: a stranger without w on / gets EACCES, not EBUSY.
  EXPECT_DENIED(t.decide(who(1001, 1001), Operation::Delete, "/m"), err::kAccess);
  // A directory a fix or a creation adds an entry to is no longer empty.
  EXPECT_FALSE(t.decide(root, Operation::Delete, "/empty", {file("/empty/x", 0, 0, 0644)}).granted);
}

// ---- capabilities (capabilities(7)) ---------------------------------------------------------

TEST(DacCapabilities, DacOverrideDoesNotGrantExecuteWithoutAnyExecuteBit) {
  // capabilities(7): CAP_DAC_OVERRIDE "Bypass file read, write, and execute
  // permission checks"; generic_permission grants execute through it only
  // when at least one execute bit is set.
  Tree t({file("/plain", 1000, 1000, 0644), file("/tool", 1000, 1000, 0700), dir("/d", 1000, 1000, 0700),
          file("/d/f", 1000, 1000, 0600)});
  Credentials c = who(1001, 1001, {}, kDacOverride);
  auto d = t.decide(c, Operation::Execute, "/plain");
  EXPECT_DENIED(d, err::kAccess);
  EXPECT_NE(d.decisive.detail.find("no execute bit"), std::string::npos);
  auto tool = t.decide(c, Operation::Execute, "/tool");  // only the owner's x bit: enough
  EXPECT_GRANTED(tool);
  EXPECT_EQ(tool.decisive.detail, "CAP_DAC_OVERRIDE overrides it");
  EXPECT_GRANTED(t.decide(c, Operation::Write, "/plain"));
  EXPECT_GRANTED(t.decide(c, Operation::Read, "/d/f"));      // search on /d overridden too
  EXPECT_GRANTED(t.decide(c, Operation::Create, "/d/new"));  // directories: always overridable
}

TEST(DacCapabilities, DacReadSearchGrantsReadingAndSearchingOnly) {
  Tree t({dir("/d", 1000, 1000, 0700), file("/d/f", 1000, 1000, 0600), file("/d/x", 1000, 1000, 0711)});
  Credentials c = who(1001, 1001, {}, kDacReadSearch);
  auto read = t.decide(c, Operation::Read, "/d/f");
  EXPECT_GRANTED(read);
  EXPECT_EQ(read.decisive.detail, "CAP_DAC_READ_SEARCH overrides it");
  EXPECT_GRANTED(t.decide(c, Operation::List, "/d"));
  EXPECT_GRANTED(t.decide(c, Operation::Search, "/d"));
  EXPECT_DENIED(t.decide(c, Operation::Write, "/d/f"), err::kAccess);
  EXPECT_DENIED(t.decide(c, Operation::Create, "/d/new"), err::kAccess);  // w on the directory
  // Execute needs x bits for this identity: x for other is set on /d/x (0711),
  // reading it does not, and DAC_READ_SEARCH does not grant execute.
  EXPECT_GRANTED(t.decide(c, Operation::Execute, "/d/x"));
  Tree u({file("/y", 1000, 1000, 0744)});
  EXPECT_DENIED(u.decide(c, Operation::Execute, "/y"), err::kAccess);
}

TEST(DacCapabilities, RootWithoutCapabilitiesIsPlainUidZero) {
  Tree t({file("/f", 1000, 1000, 0600), dir("/d", 1000, 1000, 0700), file("/d/g", 0, 0, 0644),
          file("/mine", 0, 0, 0000)});
  Credentials bare = who(0, 0);
  EXPECT_DENIED(t.decide(bare, Operation::Read, "/f"), err::kAccess);
  EXPECT_DENIED(t.decide(bare, Operation::Read, "/d/g"), err::kAccess);   // cannot search /d
  EXPECT_DENIED(t.decide(bare, Operation::Read, "/mine"), err::kAccess);  // owner class ---
  // Root as a user logs in with every capability.
  User root;
  root.host = HostId(0);
  root.name = "root";
  Credentials full = credentials_of(t.policy, root);
  EXPECT_GRANTED(t.decide(full, Operation::Read, "/f"));
  EXPECT_GRANTED(t.decide(full, Operation::Read, "/d/g"));
  // A root service whose capabilities are declared empty is plain uid 0 too.
  Service svc;
  svc.host = HostId(0);
  svc.name = "bare";
  svc.uid = 0;
  svc.capabilities_declared = true;
  EXPECT_DENIED(t.decide(credentials_of(t.policy, svc), Operation::Read, "/f"), err::kAccess);
}

// ---- flags ---------------------------------------------------------------------------------

TEST(DacFlags, ImmutableAndAppendOnlyStopEvenRoot) {
  FileNode imm = file("/imm", 0, 0, 0666);
  imm.immutable = true;
  FileNode app = file("/app", 0, 0, 0666);
  app.append_only = true;
  FileNode adir = dir("/adir", 0, 0, 0777);
  adir.append_only = true;
  FileNode idir = dir("/idir", 0, 0, 0777);
  idir.immutable = true;
  Tree t({imm, app, adir, file("/adir/f", 0, 0, 0666), idir, file("/idir/f", 0, 0, 0666)});
  Credentials root = who(0, 0, {}, kAllCapabilities);
  EXPECT_DENIED(t.decide(root, Operation::Write, "/imm"), err::kPerm);
  EXPECT_DENIED(t.decide(root, Operation::Append, "/imm"), err::kPerm);
  EXPECT_DENIED(t.decide(root, Operation::Delete, "/imm"), err::kPerm);
  EXPECT_GRANTED(t.decide(root, Operation::Read, "/imm"));
  EXPECT_DENIED(t.decide(root, Operation::Write, "/app"), err::kPerm);  // open(2): O_APPEND required
  EXPECT_GRANTED(t.decide(root, Operation::Append, "/app"));
  EXPECT_GRANTED(
      t.decide(root, Operation::Create, "/app"));  // create of an existing file opens it for append
  EXPECT_DENIED(t.decide(root, Operation::Delete, "/app"), err::kPerm);
  EXPECT_GRANTED(
      t.decide(root, Operation::Create, "/adir/new"));  // an append-only directory takes new entries
  EXPECT_DENIED(t.decide(root, Operation::Delete, "/adir/f"), err::kPerm);
  EXPECT_DENIED(t.decide(root, Operation::Create, "/idir/new"), err::kPerm);
  EXPECT_DENIED(t.decide(root, Operation::Delete, "/idir/f"), err::kPerm);
  EXPECT_GRANTED(t.decide(root, Operation::Write, "/idir/f"));  // the file itself is not immutable
  // The immutable flag is checked before the permission bits: EPERM, not EACCES.
  EXPECT_DENIED(t.decide(who(1001, 1001), Operation::Write, "/imm"), err::kPerm);
  // The append-only flag after them: EACCES for someone who may not write at all.
  Tree u({[] {
    FileNode f = file("/a", 0, 0, 0644);
    f.append_only = true;
    return f;
  }()});
  EXPECT_DENIED(u.decide(who(1001, 1001), Operation::Write, "/a"), err::kAccess);
}

// ---- read-only (bind) mounts: where EROFS comes in the order ---------------------------------

TEST(DacMounts, ReadOnlyMountsAfterPermissionForOpensBeforeItForCreateAndDelete) {
  Tree t({dir("/ro", 0, 0, 0755), file("/ro/f", 0, 0, 0644), file("/ro/open", 0, 0, 0666),
          dir("/ro/x", 0, 0, 0700), file("/ro/x/g", 0, 0, 0666)},
         {Mount{HostId(0), "/ro", true, {}}});
  Credentials u = who(1001, 1001);
  // open(2) for writing: the permission check first (may_open), then the
  // mount (mnt_want_write when the file is opened).
  EXPECT_DENIED(t.decide(u, Operation::Write, "/ro/f"), err::kAccess);
  EXPECT_DENIED(t.decide(u, Operation::Write, "/ro/open"), err::kReadOnly);
  EXPECT_GRANTED(t.decide(u, Operation::Read, "/ro/f"));
  // create and delete: EROFS before the parent's permission...
  EXPECT_DENIED(t.decide(u, Operation::Create, "/ro/new"), err::kReadOnly);
  EXPECT_DENIED(t.decide(u, Operation::Delete, "/ro/f"), err::kReadOnly);
  // ...but after the walk: search on an ancestor fails first.
  EXPECT_DENIED(t.decide(u, Operation::Delete, "/ro/x/g"), err::kAccess);
  EXPECT_DENIED(t.decide(u, Operation::Create, "/ro/x/new"), err::kAccess);
  // A missing entry on a read-only mount: EROFS (mnt_want_write before the lookup).
  EXPECT_DENIED(t.decide(u, Operation::Delete, "/ro/none"), err::kReadOnly);
  // The mount point itself lives in the parent's (writable) mount: EBUSY after permission.
  auto root = t.decide(who(0, 0, {}, kAllCapabilities), Operation::Delete, "/ro");
  EXPECT_FALSE(root.granted);
  EXPECT_EQ(errno_name(root.error), "EBUSY");
}

// ---- lookups ----------------------------------------------------------------------------------

TEST(DacLookup, MissingEntriesFilesOnTheWayAndWrongTypes) {
  Tree t({file("/f", 0, 0, 0777), dir("/d", 0, 0, 0777)});
  Credentials root = who(0, 0, {}, kAllCapabilities);
  EXPECT_DENIED(t.decide(root, Operation::Read, "/none"), err::kNoEnt);
  EXPECT_DENIED(t.decide(root, Operation::Create, "/none/x"), err::kNoEnt);
  EXPECT_DENIED(t.decide(root, Operation::Read, "/f/x"), err::kNotDir);
  EXPECT_DENIED(t.decide(root, Operation::Search, "/f"), err::kNotDir);
  EXPECT_DENIED(t.decide(root, Operation::List, "/f"), err::kNotDir);
  EXPECT_DENIED(t.decide(root, Operation::Write, "/d"), err::kIsDir);
  EXPECT_DENIED(t.decide(root, Operation::Create, "/d"), err::kIsDir);  // O_CREAT on a directory
  EXPECT_DENIED(t.decide(root, Operation::Execute, "/d"), err::kAccess);
  EXPECT_GRANTED(t.decide(root, Operation::Read, "/d"));  // open(O_RDONLY) of a directory
}

TEST(DacLookup, UndeclaredAncestorsAreAssumedRootOwned0755AndSaidSo) {
  Policy p;
  p.add(Host{});
  p.files.push_back(file("/srv/app/data", 1001, 1001, 0666));
  FileTree t(p, HostId(0));
  EXPECT_TRUE(t.assumed("/srv"));
  EXPECT_TRUE(t.assumed("/srv/app"));
  auto read = decide_access(t, who(1002, 1002), Operation::Read, "/srv/app/data");
  EXPECT_GRANTED(read);
  EXPECT_EQ(read.assumptions.size(), 3u);  // "/", "/srv", "/srv/app"
  EXPECT_NE(read.assumptions.back().find("assumed root:root drwxr-xr-x"), std::string::npos);
  // Assumed 0755 root:root: nobody else may create there.
  EXPECT_DENIED(decide_access(t, who(1001, 1001), Operation::Create, "/srv/app/new"), err::kAccess);
}

// ---- created files (open(2), mkdir(2), acl(5)) ------------------------------------------------

TEST(DacCreated, ModeIsTheRequestedModeLessTheUmask) {
  Tree t({dir("/d", 0, 0, 0777)});
  FileNode f = t.created(who(1001, 1002, {}, 0, 022), "/d/f");
  EXPECT_EQ(f.uid, 1001u);
  EXPECT_EQ(f.gid, 1002u);
  EXPECT_EQ(f.mode, 0644);
  EXPECT_TRUE(f.access_acl.empty());
  EXPECT_EQ(t.created(who(1001, 1002, {}, 0, 077), "/d/f").mode, 0600);
  EXPECT_EQ(t.created(who(1001, 1002, {}, 0, 002), "/d/f").mode, 0664);
  FileNode d = t.created(who(1001, 1002, {}, 0, 027), "/d/sub", FileType::Directory);
  EXPECT_EQ(d.mode, 0750);
}

TEST(DacCreated, ASetgidDirectoryGivesItsGroupAndItsSetgidBitToDirectories) {
  Tree t({dir("/shared", 0, 2000, 02775)});
  FileNode f = t.created(who(1001, 1001), "/shared/f");
  EXPECT_EQ(f.gid, 2000u);
  EXPECT_EQ(f.mode, 0644);  // no setgid on a file
  FileNode d = t.created(who(1001, 1001), "/shared/sub", FileType::Directory);
  EXPECT_EQ(d.gid, 2000u);
  EXPECT_EQ(d.mode, 02755);
}

TEST(DacCreated, ADefaultAclReplacesTheUmask) {
  // acl(5) OBJECT CREATION AND DEFAULT ACLs: the new object's access ACL is
  // the parent's default ACL, its ACL_USER_OBJ, ACL_MASK (or ACL_GROUP_OBJ)
  // and ACL_OTHER entries ANDed with the mode parameter; the umask is not
  // applied.
  FileNode parent = dir("/acl", 0, 0, 0777);
  parent.default_acl.entries = {user_obj(7), user(1002, 7), group_obj(5), mask(7), other(0)};
  FileNode plain = dir("/plain", 0, 0, 0777);
  plain.default_acl.entries = {user_obj(6), group_obj(4), other(4)};
  Tree t({parent, plain});
  Credentials c = who(1001, 1001, {}, 0, 077);
  FileNode f = t.created(c, "/acl/f");
  EXPECT_EQ(f.mode, 0660);  // user rw-, mask rwx & rw- = rw-, other ---
  std::vector<AclEntry> want = {user_obj(6), user(1002, 7), group_obj(5), mask(6), other(0)};
  EXPECT_EQ(f.access_acl.entries, want);
  EXPECT_TRUE(f.default_acl.empty());
  FileNode d = t.created(c, "/acl/sub", FileType::Directory);
  EXPECT_EQ(d.mode, 0770);
  EXPECT_EQ(d.default_acl, parent.default_acl);  // directories inherit the default ACL
  std::vector<AclEntry> want_dir = {user_obj(7), user(1002, 7), group_obj(5), mask(7), other(0)};
  EXPECT_EQ(d.access_acl.entries, want_dir);
  // A default ACL of just the three base entries gives the mode, umask ignored,
  // and no extended ACL.
  FileNode g = t.created(c, "/plain/g");
  EXPECT_EQ(g.mode, 0644);
  EXPECT_TRUE(g.access_acl.empty());
  // The created node is what later checks see: uid 1002 may write /acl/f.
  EXPECT_GRANTED(t.decide(who(1002, 1002), Operation::Write, "/acl/f", {f}));
  EXPECT_DENIED(t.decide(who(1003, 1003), Operation::Read, "/acl/f", {f}), err::kAccess);
}

}  // namespace
}  // namespace rampart::core

namespace rampart::core {
namespace {

// The backtracking matcher glob_match replaced: the definition, slow on
// purpose, as the oracle for small cases.
bool glob_by_backtracking(const std::string& p, size_t pi, const std::string& s, size_t si) {
  while (pi < p.size()) {
    if (p[pi] == '*') {
      bool deep = pi + 1 < p.size() && p[pi + 1] == '*';
      size_t next = pi + (deep ? 2 : 1);
      for (size_t k = si; k <= s.size(); ++k) {
        if (glob_by_backtracking(p, next, s, k)) return true;
        if (k < s.size() && s[k] == '/' && !deep) break;
      }
      return false;
    }
    if (si >= s.size() || (p[pi] != '?' && p[pi] != s[si]) || (p[pi] == '?' && s[si] == '/')) return false;
    ++pi;
    ++si;
  }
  return si == s.size();
}

TEST(Glob, StarsQuestionMarksAndSlashes) {
  EXPECT_TRUE(glob_match("/var/log/*", "/var/log/a.log"));
  EXPECT_FALSE(glob_match("/var/log/*", "/var/log/nginx/a.log"));
  EXPECT_TRUE(glob_match("/var/log/**", "/var/log/nginx/a.log"));
  EXPECT_TRUE(glob_match("/var/log/*", "/var/log/"));  // a star may match nothing
  EXPECT_TRUE(glob_match("/a?c", "/abc"));
  EXPECT_FALSE(glob_match("/a?c", "/a/c"));
  EXPECT_TRUE(glob_match("/srv/**/x", "/srv/a/b/x"));
  EXPECT_FALSE(glob_match("/srv/*/x", "/srv/a/b/x"));
  EXPECT_TRUE(glob_match("", ""));
  EXPECT_FALSE(glob_match("", "/"));
}

TEST(Glob, AgreesWithBacktrackingOnEveryShortCase) {
  // Every pattern of up to 5 symbols over {a, /, *, ?} against every path
  // of up to 5 characters over {a, b, /}.
  const std::string pattern_symbols = "a/*?", path_symbols = "ab/";
  auto all = [](const std::string& symbols, size_t max) {
    std::vector<std::string> out{""};
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i].size() == max) continue;
      for (char c : symbols) out.push_back(out[i] + c);
    }
    return out;
  };
  size_t compared = 0, matched = 0;
  for (const auto& p : all(pattern_symbols, 5)) {
    for (const auto& s : all(path_symbols, 5)) {
      bool want = glob_by_backtracking(p, 0, s, 0);
      ASSERT_EQ(glob_match(p, s), want) << "pattern `" << p << "`, path `" << s << "`";
      ++compared;
      matched += want;
    }
  }
  EXPECT_EQ(compared, size_t(1365 * 364));
  EXPECT_GT(matched, size_t(10000));
}

TEST(Glob, ManyStarsDoNotBacktrack) {
  // 40 `**a` then `b`, against 60 a's: exponential for the backtracking matcher.
  std::string pattern = "/";
  for (int i = 0; i < 40; ++i) pattern += "**a";
  pattern += "b";
  EXPECT_FALSE(glob_match(pattern, "/" + std::string(60, 'a')));
  EXPECT_TRUE(glob_match(pattern, "/" + std::string(60, 'a') + "b"));
}

}  // namespace
}  // namespace rampart::core

namespace rampart::core {
namespace {

TEST(GroupMemberships, SameCredentialsAsOneUserAtATime) {
  Policy p;
  Host a, b;
  a.name = "a";
  b.name = "b";
  HostId ha = p.add(a), hb = p.add(b);
  auto group = [&](HostId h, const char* name, uint32_t gid, std::vector<std::string> members) {
    Group g;
    g.host = h;
    g.name = name;
    g.gid = gid;
    g.members = std::move(members);
    p.groups.push_back(g);
  };
  group(ha, "www", 1000, {"alice", "bob"});
  group(ha, "adm", 4, {"alice", "alice"});
  group(ha, "wheel", 10, {"carol"});
  group(hb, "www", 2000, {"alice"});  // another host: not alice's on a
  auto user = [&](HostId h, const char* name, uint32_t uid, uint32_t gid, std::vector<uint32_t> extra) {
    User u;
    u.host = h;
    u.name = name;
    u.uid = uid;
    u.primary_gid = gid;
    u.supplementary_gids = std::move(extra);
    p.users.push_back(u);
  };
  user(ha, "alice", 1000, 1000, {4, 27});  // primary also listed as a member
  user(ha, "bob", 1001, 100, {});
  user(ha, "carol", 0, 0, {10});
  user(ha, "dave", 1003, 1003, {});
  GroupMemberships index(p, ha);
  for (const auto& u : p.users) {
    Credentials one = credentials_of(p, u), many = index.credentials_of(u);
    EXPECT_EQ(many.groups, one.groups) << u.name;
    EXPECT_EQ(many.uid, one.uid);
    EXPECT_EQ(many.gid, one.gid);
    EXPECT_EQ(many.capabilities, one.capabilities);
  }
  EXPECT_EQ(index.credentials_of(p.users[0]).groups, (std::vector<uint32_t>{4, 27}));
  EXPECT_EQ(index.credentials_of(p.users[1]).groups, (std::vector<uint32_t>{1000}));
}

}  // namespace
}  // namespace rampart::core
