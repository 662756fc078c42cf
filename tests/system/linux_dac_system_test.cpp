// System test: Linux DAC as the real kernel decides it, compared with
// core::decide_access and with the solver, on random file trees.
//
// A child process (the "lab") enters a private mount namespace, mounts a
// fresh tmpfs on an empty temporary directory and builds random trees in it:
// numeric owners and groups, modes with setuid/setgid/sticky bits, POSIX
// access and default ACLs (written in the kernel's own xattr format,
// include/uapi/linux/posix_acl_xattr.h, so no library stands between the
// test and the kernel), immutable and append-only flags when the tmpfs takes
// them, and a read-only bind mount of one subtree. The same tree, read back
// from the kernel with lstat/getxattr/FS_IOC_GETFLAGS, becomes a
// core::Policy. For each case a small runner process (forked from the lab
// before it allocates models and solvers, so that forking stays cheap)
// forks a process that takes the case's identity (setgroups, setresgid,
// setresuid with PR_SET_KEEPCAPS, capset to exactly the case's
// capabilities) and performs the operation for real:
//
//   read     open(O_RDONLY)
//   write    open(O_WRONLY)                      (no O_TRUNC)
//   append   open(O_WRONLY|O_APPEND)
//   create   open(O_WRONLY|O_CREAT|O_APPEND, 0666), or mkdir(0777) for some
//            new paths (rampart's `create` of an existing path opens it)
//   delete   unlink, or rmdir for a directory
//   execute  execve of the (empty) file: the kernel's own exec permission
//            checks run and an allowed exec fails with ENOEXEC, nothing runs
//   list     open(O_RDONLY|O_DIRECTORY)
//   search   chdir (inode_permission(MAY_EXEC|MAY_CHDIR) on the directory)
//   connect  connect(2) of a unix datagram socket to the path (the lab keeps
//            a datagram socket bound behind each socket file)
//
// Trees also hold sockets, FIFOs (which the lab keeps open read-write, so
// that no open blocks) and character devices 1:3 (what /dev/null is).
//
// The kernel's errno is compared with decide_access's decision (granted or
// errno), and the solver's verdict on `can <service> <op> <path>` (a
// core::Service per identity with capabilities_declared) with both. Created
// entries are compared with created_node (owner, group, mode, ACLs) and
// removed; deleted entries are rebuilt, so every case sees the same tree.
//
// Needs root and a private mount namespace; skips otherwise. The lab dies
// with its namespace, taking every mount with it; the temporary directory is
// removed by the test. RAMPART_SYSTEM_SEED=N reruns a seed;
// RAMPART_SYSTEM_TREES and RAMPART_SYSTEM_CASES_PER_TREE change the size.

#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "rampart/core/dac.h"
#include "rampart/core/policy.h"
#include "rampart/solver/session.h"

namespace rampart {
namespace {

using core::Acl;
using core::AclEntry;
using core::Capability;
using core::CapabilitySet;
using core::FileNode;
using core::FileType;
using core::Operation;

// FS_IOC_GETFLAGS / FS_IOC_SETFLAGS and the two flags rampart models
// (linux/fs.h, spelled out: that header clashes with <sys/mount.h> on some
// glibc versions).
const unsigned long kGetFlags = _IOR('f', 1, long);
const unsigned long kSetFlags = _IOW('f', 2, long);
constexpr int kImmutableFl = 0x10;
constexpr int kAppendFl = 0x20;

constexpr uint32_t kUids[] = {0, 1000, 1001, 1002, 1003};
constexpr uint32_t kGids[] = {0, 100, 1000, 1001, 1002, 1003};
constexpr Capability kCaps[] = {Capability::DacOverride, Capability::DacReadSearch, Capability::FOwner};

// The reasons whose counts the test insists on, and the minimum per run.
constexpr const char* kRequiredReasons[] = {
    "acl-mask",        "acl-named-user",   "group-class",         "sticky",     "setgid-create",
    "ancestor-search", "cap-dac-override", "cap-dac-read-search", "cap-fowner", "read-only-mount"};
constexpr int kMinPerReason = 100;
constexpr int kMinCases = 2000;

// ---- small helpers ------------------------------------------------------------

class Rng {
 public:
  explicit Rng(uint64_t seed) : g_(seed) {}
  uint64_t below(uint64_t n) { return n == 0 ? 0 : std::uniform_int_distribution<uint64_t>(0, n - 1)(g_); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(g_) < p; }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v.at(below(v.size()));
  }
  template <typename T, size_t N>
  T pick(const T (&a)[N]) {
    return a[below(N)];
  }

 private:
  std::mt19937_64 g_;
};

std::string errno_text(int e) {
  if (e == 0) return "granted";
  std::string name = core::errno_name(e);
  if (name.rfind("errno", 0) == 0) return fmt::format("errno {} ({})", e, strerror(e));
  return name;
}

std::string rwx(uint8_t p) {
  std::string s = "---";
  if (p & 4) s[0] = 'r';
  if (p & 2) s[1] = 'w';
  if (p & 1) s[2] = 'x';
  return s;
}

std::string acl_text(const Acl& acl) {
  std::string out;
  for (const auto& e : acl.entries) {
    if (!out.empty()) out += ",";
    switch (e.tag) {
      case AclEntry::Tag::UserObj: out += "user::"; break;
      case AclEntry::Tag::User: out += fmt::format("user:{}:", e.qualifier); break;
      case AclEntry::Tag::GroupObj: out += "group::"; break;
      case AclEntry::Tag::Group: out += fmt::format("group:{}:", e.qualifier); break;
      case AclEntry::Tag::Mask: out += "mask::"; break;
      case AclEntry::Tag::Other: out += "other::"; break;
    }
    out += rwx(e.perms);
  }
  return out;
}

std::string node_text(const FileNode& n) {
  std::string s =
      fmt::format("{} {}:{} {} ({:04o})", n.path, n.uid, n.gid, core::mode_string(n.mode, n.type), n.mode);
  if (!n.access_acl.empty()) s += " acl=" + acl_text(n.access_acl);
  if (!n.default_acl.empty()) s += " default=" + acl_text(n.default_acl);
  if (n.immutable) s += " +immutable";
  if (n.append_only) s += " +append-only";
  return s;
}

// ---- POSIX ACLs in the kernel's xattr format ------------------------------------

constexpr uint32_t kAclVersion = 2;
constexpr const char* kAccessXattr = "system.posix_acl_access";
constexpr const char* kDefaultXattr = "system.posix_acl_default";

uint16_t tag_code(AclEntry::Tag t) {
  switch (t) {
    case AclEntry::Tag::UserObj: return 0x01;
    case AclEntry::Tag::User: return 0x02;
    case AclEntry::Tag::GroupObj: return 0x04;
    case AclEntry::Tag::Group: return 0x08;
    case AclEntry::Tag::Mask: return 0x10;
    case AclEntry::Tag::Other: return 0x20;
  }
  return 0;
}

// The order the kernel keeps (posix_acl_valid): by tag, then by id.
void sort_acl(Acl& acl) {
  std::sort(acl.entries.begin(), acl.entries.end(), [](const AclEntry& a, const AclEntry& b) {
    return std::pair(tag_code(a.tag), a.qualifier) < std::pair(tag_code(b.tag), b.qualifier);
  });
}

std::string acl_bytes(const Acl& acl) {
  std::string out;
  auto put16 = [&](uint16_t v) { out.append(reinterpret_cast<const char*>(&v), 2); };
  auto put32 = [&](uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); };
  put32(kAclVersion);
  for (const auto& e : acl.entries) {
    put16(tag_code(e.tag));
    put16(e.perms);
    put32(e.tag == AclEntry::Tag::User || e.tag == AclEntry::Tag::Group ? e.qualifier : core::kNoId);
  }
  return out;
}

bool acl_from_bytes(const std::string& b, Acl& acl) {
  if (b.size() < 4 || (b.size() - 4) % 8 != 0) return false;
  uint32_t version;
  memcpy(&version, b.data(), 4);
  if (version != kAclVersion) return false;
  for (size_t i = 4; i < b.size(); i += 8) {
    uint16_t tag, perm;
    uint32_t id;
    memcpy(&tag, b.data() + i, 2);
    memcpy(&perm, b.data() + i + 2, 2);
    memcpy(&id, b.data() + i + 4, 4);
    AclEntry e;
    switch (tag) {
      case 0x01: e.tag = AclEntry::Tag::UserObj; break;
      case 0x02: e.tag = AclEntry::Tag::User; break;
      case 0x04: e.tag = AclEntry::Tag::GroupObj; break;
      case 0x08: e.tag = AclEntry::Tag::Group; break;
      case 0x10: e.tag = AclEntry::Tag::Mask; break;
      case 0x20: e.tag = AclEntry::Tag::Other; break;
      default: return false;
    }
    e.perms = uint8_t(perm & 7);
    e.qualifier = (e.tag == AclEntry::Tag::User || e.tag == AclEntry::Tag::Group) ? id : core::kNoId;
    acl.entries.push_back(e);
  }
  return true;
}

// ---- the kernel side (run in the lab, as root) --------------------------------------

std::string sys_fail(const std::string& what, const std::string& path) {
  return fmt::format("{} {}: {}", what, path, strerror(errno));
}

std::string set_acl(const std::string& path, const char* name, const Acl& acl) {
  if (acl.empty()) {
    if (removexattr(path.c_str(), name) != 0 && errno != ENODATA) return sys_fail("removexattr", path);
    return {};
  }
  std::string b = acl_bytes(acl);
  if (setxattr(path.c_str(), name, b.data(), b.size(), 0) != 0)
    return sys_fail(fmt::format("setxattr {}", name), path);
  return {};
}

std::string get_acl(const std::string& path, const char* name, Acl& acl) {
  acl = Acl{};
  char buf[4096];
  ssize_t n = getxattr(path.c_str(), name, buf, sizeof buf);
  if (n < 0) return errno == ENODATA ? std::string() : sys_fail("getxattr", path);
  if (!acl_from_bytes(std::string(buf, size_t(n)), acl)) return "unreadable ACL on " + path;
  return {};
}

std::string get_flags(const std::string& path, int& flags) {
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return sys_fail("open", path);
  int f = 0;
  int rc = ioctl(fd, kGetFlags, &f);
  int saved = errno;
  close(fd);
  if (rc != 0) {
    errno = saved;
    if (errno == ENOTTY || errno == EOPNOTSUPP || errno == EINVAL) {
      flags = 0;
      return {};
    }
    return sys_fail("FS_IOC_GETFLAGS", path);
  }
  flags = f;
  return {};
}

std::string set_flags(const std::string& path, int flags) {
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return sys_fail("open", path);
  int rc = ioctl(fd, kSetFlags, &flags);
  int saved = errno;
  close(fd);
  errno = saved;
  return rc == 0 ? std::string() : sys_fail("FS_IOC_SETFLAGS", path);
}

// The node at `path` as the kernel has it.
std::string read_node(const std::string& path, FileNode& n) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return sys_fail("lstat", path);
  n = FileNode{};
  n.host = core::HostId(0);
  n.path = path;
  if (S_ISDIR(st.st_mode)) {
    n.type = FileType::Directory;
  } else if (S_ISREG(st.st_mode)) {
    n.type = FileType::Regular;
  } else if (S_ISSOCK(st.st_mode)) {
    n.type = FileType::Socket;
  } else if (S_ISFIFO(st.st_mode)) {
    n.type = FileType::Fifo;
  } else if (S_ISCHR(st.st_mode)) {
    n.type = FileType::CharDevice;
  } else {
    return "unexpected file type at " + path;
  }
  n.uid = st.st_uid;
  n.gid = st.st_gid;
  n.mode = uint16_t(st.st_mode & 07777);
  if (auto e = get_acl(path, kAccessXattr, n.access_acl); !e.empty()) return e;
  if (n.type == FileType::Directory) {
    if (auto e = get_acl(path, kDefaultXattr, n.default_acl); !e.empty()) return e;
  }
  int flags = 0;  // special files cannot be opened for FS_IOC_GETFLAGS (nor take the flags)
  if (n.type == FileType::Regular || n.type == FileType::Directory) {
    if (auto e = get_flags(path, flags); !e.empty()) return e;
  }
  n.immutable = flags & kImmutableFl;
  n.append_only = flags & kAppendFl;
  return {};
}

bool unix_address(const std::string& path, sockaddr_un& a) {
  a = sockaddr_un{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path) return false;
  memcpy(a.sun_path, path.c_str(), path.size() + 1);
  return true;
}

// Descriptors the lab keeps open for the special files of a tree: a bound
// datagram socket behind each socket file (so that connect(2) finds a
// peer), each FIFO open read-write (so that opening it never blocks).
struct Holders {
  std::map<std::string, int> fds;
  void put(const std::string& path, int fd) {
    drop(path);
    fds[path] = fd;
  }
  void drop(const std::string& path) {
    if (auto it = fds.find(path); it != fds.end()) {
      close(it->second);
      fds.erase(it);
    }
  }
  void clear() {
    for (auto& [p, fd] : fds) close(fd);
    fds.clear();
  }
};

// Makes the node at n.path (creating it unless it is the tree's root) with
// n's owner, mode and ACLs; flags are set later, once the tree is complete.
std::string make_node(const FileNode& n, bool create, Holders& holders) {
  const char* p = n.path.c_str();
  if (create) {
    switch (n.type) {
      case FileType::Directory:
        if (mkdir(p, 0700) != 0) return sys_fail("mkdir", n.path);
        break;
      case FileType::Socket: {
        sockaddr_un a;
        if (!unix_address(n.path, a)) return "socket path too long: " + n.path;
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return sys_fail("socket", n.path);
        if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
          close(fd);
          return sys_fail("bind", n.path);
        }
        holders.put(n.path, fd);
        break;
      }
      case FileType::Fifo: {
        if (mkfifo(p, 0600) != 0) return sys_fail("mkfifo", n.path);
        int fd = open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) return sys_fail("open fifo", n.path);
        holders.put(n.path, fd);
        break;
      }
      case FileType::CharDevice:
        if (mknod(p, S_IFCHR | 0600, makedev(1, 3)) != 0)
          return sys_fail("mknod (1:3, like /dev/null)", n.path);
        break;
      default: {
        int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) return sys_fail("create", n.path);
        close(fd);
      }
    }
  }
  if (lchown(p, n.uid, n.gid) != 0) return sys_fail("chown", n.path);
  if (chmod(p, n.mode & 07777) != 0) return sys_fail("chmod", n.path);
  // After chmod: setting an ACL sets the mode's rwx bits from it.
  if (auto e = set_acl(n.path, kAccessXattr, n.access_acl); !e.empty()) return e;
  if (n.type == FileType::Directory) {
    if (auto e = set_acl(n.path, kDefaultXattr, n.default_acl); !e.empty()) return e;
  }
  return {};
}

bool same_node(const FileNode& a, const FileNode& b) {
  return a.path == b.path && a.type == b.type && a.uid == b.uid && a.gid == b.gid && a.mode == b.mode &&
         a.access_acl == b.access_acl && a.default_acl == b.default_acl && a.immutable == b.immutable &&
         a.append_only == b.append_only;
}

// ---- identities and the process that takes one ----------------------------------------

struct Identity {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> groups;  // sorted, unique
  CapabilitySet caps = 0;
  uint16_t umask = 022;
  friend auto operator<=>(const Identity&, const Identity&) = default;
};

std::string caps_text(CapabilitySet c) {
  std::string out;
  for (Capability cap : kCaps) {
    if (c & core::cap_bit(cap)) out += (out.empty() ? "" : ",") + core::capability_name(cap);
  }
  return "[" + out + "]";
}

std::string identity_text(const Identity& w) {
  std::string g;
  for (uint32_t x : w.groups) g += (g.empty() ? "" : ",") + std::to_string(x);
  return fmt::format("uid={} gid={} groups=[{}] caps={} umask={:03o}", w.uid, w.gid, g, caps_text(w.caps),
                     w.umask);
}

// Harness failures in the child, reported instead of an errno.
constexpr int kHarnessBase = 100000;

// Forks a process with identity `who` that performs `op` on `path`; returns
// 0 when the kernel allowed it, else the errno (kHarnessBase + step when the
// identity could not be taken).
int run_as(const Identity& who, Operation op, const std::string& path, bool is_dir, bool use_mkdir) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return kHarnessBase + 90;
  std::vector<gid_t> groups(who.groups.begin(), who.groups.end());
  const char* p = path.c_str();
  sockaddr_un address;
  if (op == Operation::Connect && !unix_address(path, address)) return kHarnessBase + 89;
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return kHarnessBase + 91;
  }
  if (pid == 0) {
    // Only async-signal-safe calls from here on.
    close(fds[0]);
    alarm(10);
    int result = 0;
    auto report = [&](int r) {
      (void)!write(fds[1], &r, sizeof r);
      _exit(0);
    };
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) report(kHarnessBase + 1);
    if (setgroups(groups.size(), groups.data()) != 0) report(kHarnessBase + 2);
    if (setresgid(who.gid, who.gid, who.gid) != 0) report(kHarnessBase + 3);
    if (setresuid(who.uid, who.uid, who.uid) != 0) report(kHarnessBase + 4);
    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    data[0].effective = data[0].permitted = uint32_t(who.caps & 0xffffffffu);
    data[1].effective = data[1].permitted = uint32_t(who.caps >> 32);
    if (syscall(SYS_capset, &hdr, data) != 0) report(kHarnessBase + 5);
    umask(who.umask);
    int rc = 0;
    switch (op) {
      case Operation::Read: rc = open(p, O_RDONLY | O_NOCTTY); break;
      case Operation::Write: rc = open(p, O_WRONLY | O_NOCTTY); break;
      case Operation::Append: rc = open(p, O_WRONLY | O_APPEND | O_NOCTTY); break;
      case Operation::Create:
        rc = use_mkdir ? mkdir(p, 0777) : open(p, O_WRONLY | O_CREAT | O_APPEND | O_NOCTTY, 0666);
        break;
      case Operation::Delete: rc = is_dir ? rmdir(p) : unlink(p); break;
      case Operation::Execute: {
        char* const argv[] = {const_cast<char*>(p), nullptr};
        char* const envp[] = {nullptr};
        execve(p, argv, envp);
        rc = -1;
        if (errno == ENOEXEC) rc = 0;  // every permission check passed; the empty file is no program
        break;
      }
      case Operation::List: rc = open(p, O_RDONLY | O_DIRECTORY | O_NOCTTY); break;
      case Operation::Search: rc = chdir(p); break;
      case Operation::Connect:
        rc = socket(AF_UNIX, SOCK_DGRAM, 0);
        if (rc >= 0) rc = connect(rc, reinterpret_cast<const sockaddr*>(&address), sizeof address);
        break;
    }
    result = rc < 0 ? errno : 0;
    report(result);
  }
  close(fds[1]);
  int result = kHarnessBase + 92;
  ssize_t got = 0;
  do {
    got = read(fds[0], &result, sizeof result);
  } while (got < 0 && errno == EINTR);
  if (got != sizeof result) result = kHarnessBase + 93;
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return result;
}

// The process that forks the cases' processes: started before the lab
// allocates its models and solvers, so that each fork copies little.
struct RunRequest {
  uint32_t uid, gid, ngroups;
  uint32_t groups[32];
  uint64_t caps;
  uint16_t umask;
  uint8_t op, is_dir, use_mkdir;
  char path[1024];
};

class Runner {
 public:
  bool start() {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return false;
    pid_ = fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      close(sv[0]);
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      RunRequest q;
      while (recv(sv[1], &q, sizeof q, 0) == ssize_t(sizeof q)) {
        Identity w;
        w.uid = q.uid;
        w.gid = q.gid;
        w.groups.assign(q.groups, q.groups + std::min<uint32_t>(q.ngroups, 32));
        w.caps = q.caps;
        w.umask = q.umask;
        int r = run_as(w, Operation(q.op), q.path, q.is_dir, q.use_mkdir);
        if (send(sv[1], &r, sizeof r, MSG_NOSIGNAL) != ssize_t(sizeof r)) break;
      }
      _exit(0);
    }
    close(sv[1]);
    fd_ = sv[0];
    return true;
  }
  int run(const Identity& w, Operation op, const std::string& path, bool is_dir, bool use_mkdir) {
    RunRequest q{};
    q.uid = w.uid;
    q.gid = w.gid;
    q.ngroups = uint32_t(std::min<size_t>(w.groups.size(), 32));
    std::copy_n(w.groups.begin(), q.ngroups, q.groups);
    q.caps = w.caps;
    q.umask = w.umask;
    q.op = uint8_t(op);
    q.is_dir = is_dir;
    q.use_mkdir = use_mkdir;
    if (path.size() >= sizeof q.path) return kHarnessBase + 94;
    memcpy(q.path, path.c_str(), path.size() + 1);
    if (send(fd_, &q, sizeof q, MSG_NOSIGNAL) != ssize_t(sizeof q)) return kHarnessBase + 95;
    int r = 0;
    if (recv(fd_, &r, sizeof r, 0) != ssize_t(sizeof r)) return kHarnessBase + 96;
    return r;
  }
  ~Runner() {
    if (fd_ >= 0) close(fd_);
    if (pid_ > 0) {
      int status;
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }

 private:
  int fd_ = -1;
  pid_t pid_ = -1;
};

// ---- random trees ---------------------------------------------------------------------

struct TreeSpec {
  std::vector<FileNode> nodes;  // parents before children; nodes[0] is the root
  std::string read_only;        // the root of the read-only bind mount
};

uint16_t random_dir_mode(Rng& r) {
  uint16_t m = 0;
  const double p[9] = {0.95, 0.9, 0.95, 0.7, 0.45, 0.75, 0.6, 0.35, 0.7};
  for (int i = 0; i < 9; ++i) {
    if (r.chance(p[i])) m |= uint16_t(0400 >> i);
  }
  if (r.chance(0.15)) m |= 02000;
  if (r.chance(0.12)) m |= 01000;
  return m;
}

uint16_t random_file_mode(Rng& r) {
  uint16_t m = 0;
  const double p[9] = {0.85, 0.6, 0.4, 0.6, 0.45, 0.4, 0.5, 0.35, 0.35};
  for (int i = 0; i < 9; ++i) {
    if (r.chance(p[i])) m |= uint16_t(0400 >> i);
  }
  if (r.chance(0.08)) m |= 04000;
  if (r.chance(0.08)) m |= 02000;
  return m;
}

uint8_t random_perms(Rng& r) {
  static const uint8_t common[] = {7, 6, 5, 4, 0, 1, 2, 3};
  return r.chance(0.6) ? r.pick(common) : uint8_t(r.below(8));
}

// A valid ACL (acl(5)): the three required entries, named users and groups
// (then a mask is required), and sometimes a mask without them.
Acl random_acl(Rng& r, uint16_t mode, bool for_default) {
  Acl acl;
  acl.entries.push_back(
      {AclEntry::Tag::UserObj, core::kNoId, for_default ? random_perms(r) : uint8_t((mode >> 6) & 7)});
  std::set<uint32_t> users, groups;
  for (uint64_t i = r.below(3); i > 0; --i) users.insert(r.pick(kUids));
  for (uint64_t i = r.below(3); i > 0; --i) groups.insert(r.pick(kGids));
  uint8_t named = 0;
  for (uint32_t u : users) {
    uint8_t p = random_perms(r);
    named |= p;
    acl.entries.push_back({AclEntry::Tag::User, u, p});
  }
  uint8_t group_obj = random_perms(r);
  acl.entries.push_back({AclEntry::Tag::GroupObj, core::kNoId, group_obj});
  for (uint32_t g : groups) {
    uint8_t p = random_perms(r);
    named |= p;
    acl.entries.push_back({AclEntry::Tag::Group, g, p});
  }
  if (!users.empty() || !groups.empty() || r.chance(0.3)) {
    uint8_t mask;
    uint64_t k = r.below(10);
    if (k < 4) {
      mask = uint8_t(r.below(8));
    } else if (k < 6) {
      mask = 7;
    } else if (k < 9) {
      mask = uint8_t((named | group_obj) & r.below(8));  // likely to take bits away
    } else {
      mask = 0;
    }
    acl.entries.push_back({AclEntry::Tag::Mask, core::kNoId, mask});
  }
  acl.entries.push_back(
      {AclEntry::Tag::Other, core::kNoId, for_default ? random_perms(r) : uint8_t(mode & 7)});
  sort_acl(acl);
  return acl;
}

TreeSpec random_tree(Rng& r, const std::string& root, bool flags_supported) {
  TreeSpec t;
  auto add = [&](const std::string& path, FileType type, uint16_t mode) -> FileNode& {
    FileNode n;
    n.host = core::HostId(0);
    n.path = path;
    n.type = type;
    n.uid = r.pick(kUids);
    n.gid = r.pick(kGids);
    n.mode = mode;
    t.nodes.push_back(n);
    return t.nodes.back();
  };
  static const uint16_t root_modes[] = {0755, 0711, 0775, 0777, 0751, 0701, 0755, 0750};
  add(root, FileType::Directory, r.pick(root_modes));
  int file_counter = 0;
  // Files and subdirectories of `dir`, depth-first.
  auto populate = [&](auto&& self, const std::string& dir, int depth, int files, int dirs) -> void {
    for (int i = 0; i < files; ++i)
      add(fmt::format("{}/f{}", dir, file_counter++), FileType::Regular, random_file_mode(r));
    for (int i = 0; i < dirs; ++i) {
      std::string sub = fmt::format("{}/d{}", dir, i);
      add(sub, FileType::Directory, random_dir_mode(r));
      if (depth < 3) self(self, sub, depth + 1, int(1 + r.below(3)), r.chance(0.4) ? 1 : 0);
    }
  };
  // The roles every tree has, so that each reason is reachable.
  static const uint16_t sticky_modes[] = {01777, 01777, 01773, 01770, 01733, 01757, 01775, 01737};
  add(root + "/sticky", FileType::Directory, r.pick(sticky_modes));
  populate(populate, root + "/sticky", 2, int(4 + r.below(3)), 1);
  static const uint16_t sgid_modes[] = {02775, 02770, 02777, 02755, 02730, 02771, 02773, 02757};
  add(root + "/sgid", FileType::Directory, r.pick(sgid_modes));
  populate(populate, root + "/sgid", 2, int(1 + r.below(3)), 1);
  add(root + "/ro", FileType::Directory, random_dir_mode(r));
  populate(populate, root + "/ro", 2, int(2 + r.below(3)), 1);
  t.read_only = root + "/ro";
  static const uint16_t walk_modes[] = {0700, 0750, 0711, 0744, 0770, 0710, 0701, 0755, 0775, 0730};
  for (int i = 0, n = int(1 + r.below(3)); i < n; ++i) {
    std::string d = fmt::format("{}/w{}", root, i);
    add(d, FileType::Directory, r.chance(0.7) ? r.pick(walk_modes) : random_dir_mode(r));
    populate(populate, d, 2, int(1 + r.below(3)), int(r.below(2)));
  }
  populate(populate, root, 1, int(1 + r.below(3)), 0);
  // Special files: a socket, a FIFO and a device somewhere, and one more of
  // them on the read-only mount (where opening them for writing is no write
  // to the file system).
  std::vector<std::string> dirs;
  for (const auto& n : t.nodes) {
    if (n.type == FileType::Directory) dirs.push_back(n.path);
  }
  static const FileType specials[] = {FileType::Socket, FileType::Fifo, FileType::CharDevice};
  static const char* letters = "spc";
  int special_counter = 0;
  auto add_special = [&](const std::string& dir, int kind) {
    add(fmt::format("{}/{}{}", dir, letters[kind], special_counter++), specials[kind], random_file_mode(r));
  };
  for (int kind = 0; kind < 3; ++kind) add_special(r.pick(dirs), kind);
  add_special(r.chance(0.5) ? t.read_only : r.pick(dirs), int(r.below(3)));
  add_special(t.read_only, int(r.below(3)));
  std::sort(t.nodes.begin(), t.nodes.end(),
            [](const FileNode& a, const FileNode& b) { return a.path < b.path; });
  for (size_t i = 0; i < t.nodes.size(); ++i) {
    FileNode& n = t.nodes[i];
    if (r.chance(0.35)) n.access_acl = random_acl(r, n.mode, false);
    if (n.type == FileType::Directory && r.chance(0.3)) n.default_acl = random_acl(r, n.mode, true);
    bool role =
        n.path == root || n.path == root + "/sticky" || n.path == root + "/sgid" || n.path == t.read_only;
    bool special = n.type != FileType::Regular && n.type != FileType::Directory;
    if (flags_supported && !role && !special) {
      uint64_t k = r.below(100);
      n.immutable = k < 5;
      n.append_only = k >= 5 && k < 10;
    }
  }
  return t;
}

// ---- the model ------------------------------------------------------------------------------

struct Model {
  std::string root;
  std::map<std::string, FileNode> nodes;  // every node, the real ancestors of the root included
  std::vector<std::string> tree;          // paths at or below the root
  std::vector<std::string> files, dirs, specials, sockets, acl_nodes, flagged, sticky, setgid, in_read_only,
      fresh, odd;
  std::string read_only;

  const FileNode* find(const std::string& p) const {
    auto it = nodes.find(p);
    return it == nodes.end() ? nullptr : &it->second;
  }
  bool below_root(const std::string& p) const {
    return p.size() > root.size() && p.compare(0, root.size() + 1, root + "/") == 0;
  }
  std::vector<std::string> children(const std::string& dir) const {
    std::vector<std::string> out;
    for (const auto& p : tree) {
      if (p != dir && core::parent_path(p) == dir) out.push_back(p);
    }
    return out;
  }
  bool leaf(const std::string& p) const {
    const FileNode* n = find(p);
    return n && (n->type != FileType::Directory || children(p).empty());
  }
};

Model make_model(const std::string& root, const std::vector<FileNode>& nodes, const std::string& read_only) {
  Model m;
  m.root = root;
  m.read_only = read_only;
  for (const auto& n : nodes) m.nodes[n.path] = n;
  for (const auto& [p, n] : m.nodes) {
    if (p == root || m.below_root(p)) m.tree.push_back(p);
  }
  for (const auto& p : m.tree) {
    const FileNode& n = m.nodes.at(p);
    if (n.type == FileType::Directory) {
      m.dirs.push_back(p);
    } else if (n.type == FileType::Regular) {
      m.files.push_back(p);
    } else {
      m.specials.push_back(p);
      if (n.type == FileType::Socket) m.sockets.push_back(p);
    }
    if (!n.access_acl.empty()) m.acl_nodes.push_back(p);
    if (n.immutable || n.append_only) m.flagged.push_back(p);
    if (n.type == FileType::Directory && (n.mode & 01000) && !m.children(p).empty()) m.sticky.push_back(p);
    if (n.type == FileType::Directory && (n.mode & 02000)) m.setgid.push_back(p);
    if (p == read_only || p.rfind(read_only + "/", 0) == 0) m.in_read_only.push_back(p);
  }
  for (const auto& d : m.dirs) {
    m.fresh.push_back(d + "/new");
    m.odd.push_back(d + "/missing/x");  // ENOENT on the way
  }
  for (const auto& f : m.files) m.odd.push_back(f + "/x");  // ENOTDIR on the way
  for (const auto& f : m.specials) m.odd.push_back(f + "/x");
  return m;
}

// ---- cases ----------------------------------------------------------------------------------

struct Case {
  Identity who;
  Operation op = Operation::Read;
  std::string path;
  bool use_mkdir = false;
  std::string goal;
};

class CaseMaker {
 public:
  CaseMaker(Rng& r, const Model& m) : r_(r), m_(m) {}

  Case make() {
    // What each case aims at (the reason is then read from the decision),
    // weighted by how often an aim misses.
    static const char* goals[] = {"random",
                                  "random",
                                  "random",
                                  "acl-mask",
                                  "acl-mask",
                                  "acl-named-user",
                                  "group-class",
                                  "sticky",
                                  "cap-fowner",
                                  "setgid-create",
                                  "ancestor-search",
                                  "cap-dac-override",
                                  "cap-dac-override",
                                  "cap-dac-read-search",
                                  "cap-dac-read-search",
                                  "read-only-mount",
                                  "flags",
                                  "sticky",
                                  "cap-fowner",
                                  "setgid-create"};
    Case c;
    c.goal = goals[r_.below(std::size(goals))];
    if (!directed(c)) {
      c.goal = "random";
      c.who = identity();
      c.op = random_op();
      c.path = path_for(c.op);
    }
    if (c.op == Operation::Create && !m_.find(c.path) && r_.chance(0.35)) c.use_mkdir = true;
    return c;
  }

 private:
  Identity identity() {
    Identity w;
    w.uid = r_.pick(kUids);
    w.gid = r_.pick(kGids);
    for (uint32_t g : kGids) {
      if (r_.chance(0.25)) w.groups.push_back(g);
    }
    for (Capability c : kCaps) {
      if (r_.chance(0.18)) w.caps |= core::cap_bit(c);
    }
    static const uint16_t umasks[] = {022, 002, 077, 027, 0, 007, 022};
    w.umask = r_.pick(umasks);
    return w;
  }
  // An identity outside the file's owner and group (and outside the ACL's named entries).
  Identity stranger(const FileNode& n, CapabilitySet caps) {
    Identity w = identity();
    w.caps = caps;
    std::set<uint32_t> uids{n.uid}, gids{n.gid};
    for (const auto& e : n.access_acl.entries) {
      if (e.tag == AclEntry::Tag::User) uids.insert(e.qualifier);
      if (e.tag == AclEntry::Tag::Group) gids.insert(e.qualifier);
    }
    for (int i = 0; i < 20 && uids.count(w.uid); ++i) w.uid = r_.pick(kUids);
    for (int i = 0; i < 20 && gids.count(w.gid); ++i) w.gid = r_.pick(kGids);
    std::erase_if(w.groups, [&](uint32_t g) { return gids.count(g) > 0; });
    return w;
  }
  Operation random_op() {
    static const Operation ops[] = {Operation::Read,    Operation::Write,  Operation::Append,
                                    Operation::Execute, Operation::Create, Operation::Delete,
                                    Operation::List,    Operation::Search, Operation::Connect};
    return r_.pick(ops);
  }
  std::string path_for(Operation op) {
    switch (op) {
      case Operation::Read:
      case Operation::Write:
      case Operation::Append:
      case Operation::Execute:
        if (r_.chance(0.04)) return r_.pick(m_.odd);
        if (r_.chance(0.12)) return r_.pick(m_.specials);
        return r_.chance(0.8) ? r_.pick(m_.files) : r_.pick(m_.tree);
      case Operation::Connect:
        if (r_.chance(0.04)) return r_.pick(m_.odd);
        if (r_.chance(0.15)) return r_.pick(m_.specials);
        return r_.chance(0.7) && !m_.sockets.empty() ? r_.pick(m_.sockets) : r_.pick(m_.tree);
      case Operation::List:
      case Operation::Search:
        if (r_.chance(0.04)) return r_.pick(m_.odd);
        return r_.chance(0.8) ? r_.pick(m_.dirs) : r_.pick(m_.tree);
      case Operation::Create:
        if (r_.chance(0.05)) return r_.pick(m_.odd);
        return r_.chance(0.7) ? r_.pick(m_.fresh) : r_.pick(m_.tree);
      case Operation::Delete: {
        if (r_.chance(0.05)) return r_.pick(m_.odd);
        if (r_.chance(0.05)) return r_.pick(m_.fresh);
        std::string p = r_.pick(m_.tree);
        return p == m_.root ? m_.read_only : p;
      }
      default: return r_.pick(m_.tree);
    }
  }
  // An operation that asks `n` for `want` (r, w or x).
  Operation op_for(const FileNode& n, uint8_t want, std::string& path) {
    path = n.path;
    if (n.type == FileType::Directory) {
      if (want == 4) return Operation::List;
      if (want == 1) return Operation::Search;
      // w on a directory: create or delete an entry in it.
      auto kids = m_.children(n.path);
      if (!kids.empty() && r_.chance(0.5)) {
        path = r_.pick(kids);
        return Operation::Delete;
      }
      path = n.path + "/new";
      return Operation::Create;
    }
    if (want == 4) return Operation::Read;
    if (want == 1) return Operation::Execute;
    return r_.chance(0.5) ? Operation::Write : Operation::Append;
  }
  uint8_t random_want() { return uint8_t(1u << r_.below(3)); }

  bool directed(Case& c) {
    const std::string& g = c.goal;
    if (g == "random") return false;
    if (g == "acl-mask" || g == "acl-named-user") {
      std::vector<std::pair<const FileNode*, AclEntry>> picks;
      for (const auto& p : m_.acl_nodes) {
        const FileNode& n = *m_.find(p);
        uint8_t mask = 7;
        for (const auto& e : n.access_acl.entries) {
          if (e.tag == AclEntry::Tag::Mask) mask = e.perms;
        }
        if (mask == 0) continue;  // the mode's group bits are 000: the ACL is not consulted
        for (const auto& e : n.access_acl.entries) {
          bool named = e.tag == AclEntry::Tag::User && e.qualifier != n.uid;
          bool group = e.tag == AclEntry::Tag::Group || e.tag == AclEntry::Tag::GroupObj;
          if (g == "acl-named-user" ? named : ((named || group) && (e.perms & ~mask)))
            picks.push_back({&n, e});
        }
      }
      if (picks.empty()) return false;
      auto [n, e] = r_.pick(picks);
      uint8_t mask = 7;
      for (const auto& x : n->access_acl.entries) {
        if (x.tag == AclEntry::Tag::Mask) mask = x.perms;
      }
      uint8_t want = random_want();
      uint8_t hidden = uint8_t(e.perms & ~mask);
      if (g == "acl-mask" && hidden) {
        do want = random_want();
        while (!(want & hidden));
      }
      c.who = stranger(*n, r_.chance(0.1) ? core::cap_bit(Capability::FOwner) : 0);
      if (e.tag == AclEntry::Tag::User) {
        c.who.uid = e.qualifier;
      } else {
        c.who.gid = e.tag == AclEntry::Tag::Group ? e.qualifier : n->gid;
      }
      c.op = op_for(*n, want, c.path);
      // CAP_DAC_READ_SEARCH gets the walk through without overriding a
      // write, or an execute of a file, that the ACL refuses.
      if (((want & 2) || (want == 1 && n->type != FileType::Directory)) && r_.chance(0.7)) {
        c.who.caps |= core::cap_bit(Capability::DacReadSearch);
      }
      return true;
    }
    if (g == "group-class") {
      const FileNode& n = *m_.find(r_.pick(m_.tree));
      c.who = stranger(n, r_.chance(0.1) ? core::cap_bit(Capability::FOwner) : 0);
      if (r_.chance(0.5)) {
        c.who.gid = n.gid;
      } else {
        c.who.groups.push_back(n.gid);
        std::sort(c.who.groups.begin(), c.who.groups.end());
        c.who.groups.erase(std::unique(c.who.groups.begin(), c.who.groups.end()), c.who.groups.end());
      }
      c.op = op_for(n, random_want(), c.path);
      return true;
    }
    if (g == "sticky" || g == "cap-fowner") {
      if (m_.sticky.empty()) return false;
      const FileNode& dir = *m_.find(r_.pick(m_.sticky));
      auto kids = m_.children(dir.path);
      std::erase_if(kids, [&](const std::string& k) {
        const FileNode* n = m_.find(k);
        return !m_.leaf(k) || n->immutable || n->append_only;
      });
      if (kids.empty()) return false;
      const FileNode& kid = *m_.find(r_.pick(kids));
      CapabilitySet caps = 0;
      if (r_.chance(g == "sticky" ? 0.75 : 0.9)) caps |= core::cap_bit(Capability::DacOverride);
      if (g == "cap-fowner") caps |= core::cap_bit(Capability::FOwner);
      c.who = identity();
      c.who.caps = caps;
      for (int i = 0; i < 20 && (c.who.uid == kid.uid || c.who.uid == dir.uid); ++i)
        c.who.uid = r_.pick(kUids);
      c.op = Operation::Delete;
      c.path = kid.path;
      return true;
    }
    if (g == "setgid-create") {
      if (m_.setgid.empty()) return false;
      const FileNode& dir = *m_.find(r_.pick(m_.setgid));
      c.who = identity();
      c.who.caps = r_.chance(0.7) ? core::cap_bit(Capability::DacOverride) : 0;
      if (r_.chance(0.4)) c.who.uid = dir.uid;
      for (int i = 0; i < 20 && c.who.gid == dir.gid; ++i) c.who.gid = r_.pick(kGids);
      c.op = Operation::Create;
      c.path = dir.path + "/new";
      return true;
    }
    if (g == "ancestor-search") {
      // A directory some class cannot search, an identity of that class, a path below it.
      std::vector<std::string> gates;
      for (const auto& d : m_.dirs) {
        if (!m_.children(d).empty() && (m_.find(d)->mode & 0111) != 0111) gates.push_back(d);
      }
      if (gates.empty()) return false;
      const FileNode& gate = *m_.find(r_.pick(gates));
      std::vector<std::string> below;
      for (const auto& p : m_.tree) {
        if (p.rfind(gate.path + "/", 0) == 0) below.push_back(p);
      }
      for (const auto& d : m_.dirs) {
        if (d.rfind(gate.path + "/", 0) == 0 || d == gate.path) below.push_back(d + "/new");
      }
      c.who = stranger(gate, r_.chance(0.3) ? core::cap_bit(Capability::FOwner) : 0);
      if (!(gate.mode & 0010) && r_.chance(0.5)) c.who.gid = gate.gid;
      if (!(gate.mode & 0100) && r_.chance(0.3)) c.who.uid = gate.uid;
      c.op = random_op();
      c.path = r_.pick(below);
      if (c.op != Operation::Create && !m_.find(c.path)) c.path = core::parent_path(c.path);
      if (c.path == gate.path) c.path = gate.path + "/new";
      if (c.op == Operation::Delete && !m_.find(c.path)) c.op = Operation::Create;
      return true;
    }
    if (g == "cap-dac-override") {
      static const Operation ops[] = {Operation::Write,  Operation::Append, Operation::Execute,
                                      Operation::Create, Operation::Delete, Operation::Read,
                                      Operation::Search};
      c.who = identity();
      c.who.caps =
          core::cap_bit(Capability::DacOverride) | (r_.chance(0.2) ? core::cap_bit(Capability::FOwner) : 0);
      c.op = r_.pick(ops);
      c.path = path_for(c.op);
      return true;
    }
    if (g == "cap-dac-read-search") {
      static const Operation ops[] = {Operation::Read, Operation::List, Operation::Search, Operation::Read};
      c.op = r_.pick(ops);
      c.path = path_for(c.op);
      // Preferably a node its "other" class may not read (or search).
      uint8_t bit = c.op == Operation::Search ? 1 : 4;
      std::vector<std::string> closed;
      for (const auto& p : c.op == Operation::Read ? m_.files : m_.dirs) {
        if (!(m_.find(p)->mode & bit)) closed.push_back(p);
      }
      if (!closed.empty() && r_.chance(0.8)) c.path = r_.pick(closed);
      const FileNode* n = m_.find(c.path);
      CapabilitySet caps =
          core::cap_bit(Capability::DacReadSearch) | (r_.chance(0.2) ? core::cap_bit(Capability::FOwner) : 0);
      c.who = n && r_.chance(0.7) ? stranger(*n, caps) : identity();
      c.who.caps = caps;
      return true;
    }
    if (g == "read-only-mount") {
      static const Operation ops[] = {Operation::Write, Operation::Append, Operation::Create,
                                      Operation::Delete};
      c.who = identity();
      if (r_.chance(0.7)) c.who.caps |= core::cap_bit(Capability::DacOverride);
      c.op = r_.pick(ops);
      c.path = r_.pick(m_.in_read_only);
      const FileNode* n = m_.find(c.path);
      if (c.op == Operation::Create && n && n->type == FileType::Directory && r_.chance(0.7))
        c.path += "/new";
      return true;
    }
    if (g == "flags") {
      if (m_.flagged.empty()) return false;
      static const Operation ops[] = {Operation::Write, Operation::Append, Operation::Create,
                                      Operation::Delete};
      std::string p = r_.pick(m_.flagged);
      c.who = identity();
      if (r_.chance(0.5)) {
        c.who.uid = 0;
        c.who.caps = core::cap_bit(Capability::DacOverride) | core::cap_bit(Capability::FOwner);
      }
      c.op = r_.pick(ops);
      c.path = p;
      if ((c.op == Operation::Create || c.op == Operation::Delete) &&
          m_.find(p)->type == FileType::Directory) {
        auto kids = m_.children(p);
        c.path = c.op == Operation::Create || kids.empty() ? p + "/new" : r_.pick(kids);
        if (c.op == Operation::Delete && !m_.find(c.path)) c.op = Operation::Create;
      }
      return true;
    }
    return false;
  }

  Rng& r_;
  const Model& m_;
};

// ---- the reasons a decision names -----------------------------------------------------------------

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::vector<std::string> reasons(const core::AccessDecision& d, const std::string& path) {
  std::vector<std::string> out;
  const auto& c = d.decisive;
  if (c.kind == "acl-mask") out.push_back("acl-mask");
  if (c.kind.rfind("acl", 0) == 0) {
    auto at = c.detail.find("`user:");
    if (at != std::string::npos && at + 6 < c.detail.size() &&
        isdigit(static_cast<unsigned char>(c.detail[at + 6]))) {
      out.push_back("acl-named-user");
    } else if (c.detail.find("`group:") != std::string::npos ||
               c.detail.find("matching group entries") != std::string::npos) {
      out.push_back("acl-group");
    } else if (c.detail.find("`other::") != std::string::npos) {
      out.push_back("acl-other");
    } else {
      out.push_back("acl-other-entry");
    }
  }
  if (c.kind == "mode-bits") {
    if (c.detail.rfind("group class", 0) == 0) out.push_back("group-class");
    if (c.detail.rfind("owner class", 0) == 0) out.push_back("owner-class");
    if (c.detail.rfind("other class", 0) == 0) out.push_back("other-class");
  }
  if (c.kind == "sticky") out.push_back("sticky");
  if (c.kind == "capability") {
    if (c.detail.rfind("CAP_DAC_OVERRIDE", 0) == 0) out.push_back("cap-dac-override");
    if (c.detail.rfind("CAP_DAC_READ_SEARCH", 0) == 0) out.push_back("cap-dac-read-search");
    if (c.detail.rfind("CAP_FOWNER", 0) == 0) out.push_back("cap-fowner");
  }
  if (c.kind == "mount" && c.detail.find("read-only") != std::string::npos) out.push_back("read-only-mount");
  if (c.kind == "flag") out.push_back("flag");
  bool ancestor = c.path != path && path.rfind(c.path == "/" ? "/" : c.path + "/", 0) == 0;
  if (!d.granted && ancestor && (ends_with(c.detail, "needs --x") || ends_with(c.detail, "grant --x"))) {
    out.push_back("ancestor-search");
  }
  return out;
}

// ---- the lab --------------------------------------------------------------------------------------

class Lab {
 public:
  Lab(int out, std::string dir, uint64_t seed, int trees, int cases_per_tree)
      : out_(out), dir_(std::move(dir)), seed_(seed), trees_(trees), cases_per_tree_(cases_per_tree) {}

  void run() {
    auto start = std::chrono::steady_clock::now();
    if (unshare(CLONE_NEWNS) != 0)
      return emit("SKIP",
                  fmt::format("cannot create a private mount namespace (unshare: {})", strerror(errno)));
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      return emit("SKIP",
                  fmt::format("cannot make mounts private (mount --make-rprivate /: {})", strerror(errno)));
    }
    if (!runner_.start()) return harness(fmt::format("cannot start the runner process: {}", strerror(errno)));
    if (!probe()) return;
    for (int t = 0; t < trees_; ++t) {
      if (!one_tree(t)) break;
    }
    for (const auto& [k, v] : counts_) emit("COUNT", fmt::format("{} {}", k, v));
    emit("NOTE",
         fmt::format(
             "{} cases on {} trees in {:.1f} s (kernel {:.1f} s, decide_access {:.2f} s, solver {:.1f} s)",
             cases_, trees_, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
             kernel_s_, evaluator_s_, solver_s_));
    emit("DONE", "");
  }

 private:
  void emit(const std::string& kind, std::string text) {
    for (auto& ch : text) {
      if (ch == '\n') ch = '\x1f';
    }
    std::string line = kind + " " + text + "\n";
    for (size_t off = 0; off < line.size();) {
      ssize_t n = write(out_, line.data() + off, line.size() - off);
      if (n <= 0) {
        if (errno == EINTR) continue;
        _exit(3);
      }
      off += size_t(n);
    }
  }
  void fail(std::string text) {
    ++failures_;
    if (failures_ <= 25) emit("FAIL", std::move(text));
  }
  void harness(std::string text) { emit("ERROR", std::move(text)); }

  bool mount_tmpfs() {
    if (mount("rampart-dac", dir_.c_str(), "tmpfs", 0, "size=8m,mode=0755") != 0) {
      emit("SKIP", fmt::format("cannot mount a tmpfs on {} ({})", dir_, strerror(errno)));
      return false;
    }
    return true;
  }
  void unmount_all(const std::string& ro) {
    if (!ro.empty()) umount2(ro.c_str(), MNT_DETACH);
    umount2(dir_.c_str(), MNT_DETACH);
  }

  // What this kernel's tmpfs supports.
  bool probe() {
    if (!mount_tmpfs()) return false;
    std::string f = dir_ + "/probe";
    int fd = open(f.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
      harness(sys_fail("create", f));
      unmount_all("");
      return false;
    }
    close(fd);
    Acl acl;
    acl.entries = {{AclEntry::Tag::UserObj, core::kNoId, 6},
                   {AclEntry::Tag::User, 1000, 4},
                   {AclEntry::Tag::GroupObj, core::kNoId, 4},
                   {AclEntry::Tag::Mask, core::kNoId, 4},
                   {AclEntry::Tag::Other, core::kNoId, 4}};
    std::string b = acl_bytes(acl);
    if (setxattr(f.c_str(), kAccessXattr, b.data(), b.size(), 0) != 0) {
      emit("SKIP",
           fmt::format("this kernel's tmpfs takes no POSIX ACLs (setxattr {}: {}); the test needs them",
                       kAccessXattr, strerror(errno)));
      unmount_all("");
      return false;
    }
    fd = open(f.c_str(), O_RDONLY | O_CLOEXEC);
    int flags = kAppendFl;
    if (ioctl(fd, kSetFlags, &flags) == 0) {
      flags_ = true;
      flags = 0;
      ioctl(fd, kSetFlags, &flags);
    } else {
      emit("NOTE",
           fmt::format("this kernel's tmpfs does not take chattr flags (FS_IOC_SETFLAGS: {}): immutable and "
                       "append-only cases are skipped",
                       strerror(errno)));
    }
    close(fd);
    unlink(f.c_str());
    int pr = 0, pf = 0;
    if (FILE* s = fopen("/proc/sys/fs/protected_regular", "r")) {
      if (fscanf(s, "%d", &pr) != 1) pr = 0;
      fclose(s);
    }
    if (FILE* s = fopen("/proc/sys/fs/protected_fifos", "r")) {
      if (fscanf(s, "%d", &pf) != 1) pf = 0;
      fclose(s);
    }
    protected_regular_ = pr;
    protected_fifos_ = pf;
    if (pr != 0 || pf != 0) {
      emit("NOTE",
           fmt::format("fs.protected_regular = {}, fs.protected_fifos = {}: `create` of an existing file or "
                       "FIFO of another owner in a sticky directory (may_create_in_sticky) is not compared; "
                       "rampart assumes the kernel default 0",
                       pr, pf));
    }
    unmount_all("");
    return true;
  }

  // The real ancestors of the temporary directory ("/tmp", "/"), as the
  // kernel has them: the walk crosses them too.
  bool ancestors(std::vector<FileNode>& nodes) {
    for (std::string p = core::parent_path(dir_);; p = core::parent_path(p)) {
      FileNode n;
      if (auto e = read_node(p, n); !e.empty()) {
        harness(e);
        return false;
      }
      nodes.push_back(n);  // as the machine has it (owner, mode, any ACL or flags)
      if (p == "/") break;
    }
    return true;
  }

  bool one_tree(int index) {
    Rng r(seed_ * 1000003u + uint64_t(index));
    TreeSpec spec = random_tree(r, dir_, flags_);
    if (!mount_tmpfs()) return false;
    std::string ro;
    bool ok = build(spec, ro);
    std::vector<FileNode> nodes;
    if (ok) ok = ancestors(nodes);
    for (size_t i = 0; ok && i < spec.nodes.size(); ++i) {
      FileNode n;
      if (auto e = read_node(spec.nodes[i].path, n); !e.empty()) {
        harness(e);
        ok = false;
      }
      nodes.push_back(n);
    }
    if (ok) ok = cases(index, r, nodes, spec.read_only);
    holders_.clear();
    unmount_all(ro);
    return ok;
  }

  bool build(const TreeSpec& spec, std::string& ro) {
    for (size_t i = 0; i < spec.nodes.size(); ++i) {
      if (auto e = make_node(spec.nodes[i], i != 0, holders_); !e.empty()) return harness(e), false;
    }
    for (const auto& n : spec.nodes) {
      int flags = (n.immutable ? kImmutableFl : 0) | (n.append_only ? kAppendFl : 0);
      if (flags) {
        if (auto e = set_flags(n.path, flags); !e.empty()) return harness(e), false;
      }
    }
    const char* p = spec.read_only.c_str();
    if (mount(p, p, nullptr, MS_BIND, nullptr) != 0)
      return harness(sys_fail("mount --bind", spec.read_only)), false;
    ro = spec.read_only;
    if (mount(nullptr, p, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0) {
      return harness(sys_fail("mount -o remount,bind,ro", spec.read_only)), false;
    }
    return true;
  }

  std::string tree_dump(const core::Policy& p) const {
    std::string s = "the tree:";
    for (const auto& n : p.files) s += "\n  " + node_text(n);
    for (const auto& m : p.mounts)
      s += fmt::format("\n  mount {}{}", m.path, m.read_only ? " (read-only bind)" : "");
    return s;
  }

  bool cases(int index, Rng& r, const std::vector<FileNode>& nodes, const std::string& ro) {
    Model m = make_model(dir_, nodes, ro);
    CaseMaker maker(r, m);
    std::vector<Case> list;
    for (int i = 0; i < cases_per_tree_; ++i) list.push_back(maker.make());

    // The model, in batches of cases: one policy with a service per identity
    // of the batch (so the solver's symbolic subject ranges over several),
    // one FileTree and one solver Session each.
    struct Batch {
      core::Policy policy;
      std::map<Identity, size_t> service_of;
      std::unique_ptr<core::FileTree> tree;
      std::unique_ptr<solver::Session> session;
    };
    auto make_batch = [&](size_t from, size_t to) {
      auto b = std::make_unique<Batch>();
      core::Policy& policy = b->policy;
      core::Host host;
      host.name = "lab";
      policy.add(host);
      policy.files = nodes;
      policy.mounts.push_back(core::Mount{core::HostId(0), dir_, false, {}});
      policy.mounts.push_back(core::Mount{core::HostId(0), ro, true, {}});
      for (size_t i = from; i < to; ++i) {
        const Identity& w = list[i].who;
        if (b->service_of.count(w)) continue;
        core::Service s;
        s.host = core::HostId(0);
        s.name = fmt::format("s{}", policy.services.size());
        s.user_name = std::to_string(w.uid);
        s.uid = w.uid;
        s.gid = w.gid;
        s.supplementary_gids = w.groups;
        s.capabilities = w.caps;
        s.capabilities_declared = true;
        s.umask = w.umask;
        b->service_of[w] = policy.services.size();
        policy.services.push_back(s);
      }
      b->tree = std::make_unique<core::FileTree>(policy, core::HostId(0));
      b->session = std::make_unique<solver::Session>(policy);
      return b;
    };
    constexpr size_t kBatch = 16;
    std::unique_ptr<Batch> batch;
    bool dumped = false;

    for (size_t i = 0; i < list.size(); ++i) {
      if (i % kBatch == 0) batch = make_batch(i, std::min(list.size(), i + kBatch));
      const core::Policy& policy = batch->policy;
      const core::FileTree& tree = *batch->tree;
      const Case& c = list[i];
      size_t svc = batch->service_of.at(c.who);
      core::Credentials who = core::credentials_of(policy, policy.services[svc]);
      const FileNode* target = m.find(c.path);
      const FileNode* parent = m.find(core::parent_path(c.path));
      bool is_dir = target && target->type == FileType::Directory;
      std::string where = fmt::format("seed {} tree {} case {} ({}): {} {} {}{}", seed_, index, i, c.goal,
                                      identity_text(c.who), core::operation_name(c.op), c.path,
                                      c.use_mkdir ? " (mkdir)" : "");
      ++cases_;

      auto t0 = std::chrono::steady_clock::now();
      int kernel = runner_.run(c.who, c.op, c.path, is_dir, c.use_mkdir);
      auto t1 = std::chrono::steady_clock::now();
      if (kernel >= kHarnessBase)
        return harness(fmt::format("{}: the case's process failed (step {})", where, kernel - kHarnessBase)),
               false;

      core::AccessDecision d = core::decide_access(tree, who, c.op, c.path);
      auto t2 = std::chrono::steady_clock::now();

      std::string solver;
      bool solver_granted = false;
      try {
        core::Question q;
        q.text = fmt::format("can s{} {} \"{}\"", svc, core::operation_name(c.op), c.path);
        core::AccessQuestion aq;
        aq.claim = core::AccessClaim::Can;
        aq.subjects = {core::Subject{core::Subject::Kind::Service, {}, core::ServiceId(uint32_t(svc))}};
        aq.operation = c.op;
        aq.path = c.path;
        aq.host = core::HostId(0);
        q.body = aq;
        core::Result res = batch->session->answer(q);
        if (res.verdict == core::Verdict::Holds) {
          solver_granted = true;
          solver = "granted";
        } else if (res.verdict == core::Verdict::Violated) {
          solver = "denied";
        } else {
          solver = "unknown: " + res.reason;
        }
      } catch (const std::exception& e) {
        solver = fmt::format("internal error: {}", e.what());
      }

      auto t3 = std::chrono::steady_clock::now();
      kernel_s_ += std::chrono::duration<double>(t1 - t0).count();
      evaluator_s_ += std::chrono::duration<double>(t2 - t1).count();
      solver_s_ += std::chrono::duration<double>(t3 - t2).count();

      bool sticky_sysctl = c.op == Operation::Create && target &&
                           ((target->type == FileType::Regular && protected_regular_ != 0) ||
                            (target->type == FileType::Fifo && protected_fifos_ != 0)) &&
                           parent && (parent->mode & 01000) && target->uid != parent->uid &&
                           target->uid != c.who.uid;
      std::string decided = d.granted ? "granted" : errno_text(d.error);
      bool agree = (kernel == 0) == d.granted && (kernel == 0 || kernel == d.error);
      bool solver_agrees = (solver == "granted" || solver == "denied") && solver_granted == d.granted;
      if (sticky_sysctl) {
        ++counts_["not-compared-protected-regular"];
      } else if (!agree || !solver_agrees) {
        fail(fmt::format("{}\n  kernel: {}\n  decide_access: {} (decisive: {} {}: {})\n  solver: {}{}", where,
                         errno_text(kernel), decided, d.decisive.kind, d.decisive.path, d.decisive.detail,
                         solver, dumped ? "" : "\n" + tree_dump(policy)));
        dumped = true;
      }

      if (!sticky_sysctl) {
        auto why = reasons(d, c.path);
        for (const auto& w : why) ++counts_[w];
        if (std::find(why.begin(), why.end(), c.goal) != why.end()) ++counts_["goal-hit " + c.goal];
        ++counts_["goal " + c.goal];
        ++counts_[d.granted ? "granted" : "denied"];
        ++counts_["errno " + errno_text(kernel)];
        ++counts_[fmt::format("op {} {}", core::operation_name(c.op), d.granted ? "granted" : "denied")];
      }

      // The tree must be as it was for the next case.
      if (kernel == 0 && c.op == Operation::Create && !target) {
        FileNode made;
        if (auto e = read_node(c.path, made); !e.empty()) return harness(e), false;
        FileNode want = core::created_node(tree, who, c.path, made.type);
        if (!same_node(made, want)) {
          fail(fmt::format("{}\n  the kernel created: {}\n  created_node says:  {}", where, node_text(made),
                           node_text(want)));
        } else if (parent && (parent->mode & 02000)) {
          ++counts_["setgid-create"];
          if (made.gid != c.who.gid) ++counts_["setgid-create-other-gid"];
        }
        if (!remove_created(c.path, made.type == FileType::Directory)) return false;
      }
      if (kernel == 0 && c.op == Operation::Delete && target) {
        if (!rebuild(*target)) return false;
      }
    }
    return true;
  }

  bool remove_created(const std::string& path, bool dir) {
    std::string parent = core::parent_path(path);
    int flags = 0;
    if (auto e = get_flags(parent, flags); !e.empty()) return harness(e), false;
    if (flags & (kAppendFl | kImmutableFl)) {
      if (auto e = set_flags(parent, flags & ~(kAppendFl | kImmutableFl)); !e.empty())
        return harness(e), false;
    }
    int rc = dir ? rmdir(path.c_str()) : unlink(path.c_str());
    if (rc != 0) return harness(sys_fail("remove", path)), false;
    if (flags & (kAppendFl | kImmutableFl)) {
      if (auto e = set_flags(parent, flags); !e.empty()) return harness(e), false;
    }
    return true;
  }

  bool rebuild(const FileNode& n) {
    if (auto e = make_node(n, true, holders_); !e.empty()) return harness(e), false;
    int flags = (n.immutable ? kImmutableFl : 0) | (n.append_only ? kAppendFl : 0);
    if (flags) {
      if (auto e = set_flags(n.path, flags); !e.empty()) return harness(e), false;
    }
    FileNode back;
    if (auto e = read_node(n.path, back); !e.empty()) return harness(e), false;
    if (!same_node(back, n))
      return harness(fmt::format("could not rebuild {}: got {}", node_text(n), node_text(back))), false;
    return true;
  }

  int out_;
  Runner runner_;
  Holders holders_;
  std::string dir_;
  uint64_t seed_;
  int trees_;
  int cases_per_tree_;
  bool flags_ = false;
  int protected_regular_ = 0;
  int protected_fifos_ = 0;
  int failures_ = 0;
  int cases_ = 0;
  double kernel_s_ = 0, evaluator_s_ = 0, solver_s_ = 0;
  std::map<std::string, int> counts_;
};

uint64_t env_number(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  return std::strtoull(v, nullptr, 0);
}

TEST(LinuxDacSystem, KernelEvaluatorAndSolverAgree) {
  if (geteuid() != 0)
    GTEST_SKIP() << "needs root (it builds trees with other owners and takes their identities)";
  uint64_t seed =
      env_number("RAMPART_SYSTEM_SEED", std::random_device{}() ^ (uint64_t(std::random_device{}()) << 32));
  int trees = int(env_number("RAMPART_SYSTEM_TREES", 12));
  int per_tree = int(env_number("RAMPART_SYSTEM_CASES_PER_TREE", 260));
  RecordProperty("seed", std::to_string(seed));
  std::cout << "RAMPART_SYSTEM_SEED=" << seed << "\n";

  char dir[] = "/tmp/rampart-dac-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr) << strerror(errno);
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  fflush(nullptr);
  pid_t lab = fork();
  ASSERT_GE(lab, 0);
  if (lab == 0) {
    close(fds[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    Lab(fds[1], dir, seed, trees, per_tree).run();
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, size_t(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(lab, &status, 0) < 0 && errno == EINTR) {
  }
  EXPECT_EQ(rmdir(dir), 0) << "removing " << dir << ": " << strerror(errno);

  std::string skip;
  bool done = false;
  std::map<std::string, int> counts;
  std::vector<std::string> fails, errors, notes;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t eol = out.find('\n', pos);
    if (eol == std::string::npos) eol = out.size();
    std::string line = out.substr(pos, eol - pos);
    pos = eol + 1;
    std::replace(line.begin(), line.end(), '\x1f', '\n');
    auto space = line.find(' ');
    std::string kind = line.substr(0, space);
    std::string text = space == std::string::npos ? "" : line.substr(space + 1);
    if (kind == "SKIP") skip = text;
    if (kind == "FAIL") fails.push_back(text);
    if (kind == "ERROR") errors.push_back(text);
    if (kind == "NOTE") notes.push_back(text);
    if (kind == "DONE") done = true;
    if (kind == "COUNT") {
      auto sp = text.rfind(' ');
      counts[text.substr(0, sp)] = std::atoi(text.c_str() + sp + 1);
    }
  }
  for (const auto& n : notes) std::cout << "note: " << n << "\n";
  if (!skip.empty()) GTEST_SKIP() << skip;
  for (const auto& e : errors) ADD_FAILURE() << "harness: " << e << "\n(RAMPART_SYSTEM_SEED=" << seed << ")";
  ASSERT_TRUE(done) << "the lab process did not finish (status " << status
                    << "); RAMPART_SYSTEM_SEED=" << seed;
  for (const auto& f : fails) ADD_FAILURE() << f << "\n(RAMPART_SYSTEM_SEED=" << seed << " reruns this)";

  std::cout << "cases by deciding reason, outcome and operation:\n";
  for (const auto& [k, v] : counts) std::cout << fmt::format("  {:32} {}\n", k, v);
  int total = counts["granted"] + counts["denied"];
  if (trees * per_tree >= 12 * 260) {
    EXPECT_GE(total, kMinCases) << "RAMPART_SYSTEM_SEED=" << seed;
    for (const char* why : kRequiredReasons) {
      EXPECT_GE(counts[why], kMinPerReason)
          << "too few cases decided by " << why << "; RAMPART_SYSTEM_SEED=" << seed;
    }
  }
}

}  // namespace
}  // namespace rampart
