#pragma once
// The file-access half of the model: users, groups, file-tree nodes, mounts,
// the services that run on a host, and what they access. Semantics are
// Linux's (docs/semantics/linux-dac.md).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rampart/core/ids.h"
#include "rampart/core/origin.h"

namespace rampart::core {

inline constexpr uint32_t kNoId = 0xffffffffu;  // "no uid/gid" as Linux spells (uid_t)-1

struct User {
  HostId host;
  std::string name;
  uint32_t uid = 0;
  uint32_t primary_gid = 0;
  std::vector<uint32_t> supplementary_gids;  // from group membership, sorted, unique
  std::string home;
  std::string shell;
  Origin origin;
};

struct Group {
  HostId host;
  std::string name;
  uint32_t gid = 0;
  std::vector<std::string> members;  // user names listed in the group entry
  Origin origin;
};

enum class FileType : uint8_t { Regular, Directory, Symlink, Socket, Fifo, CharDevice, BlockDevice };
std::string file_type_name(FileType t);

namespace perm {
inline constexpr uint8_t kRead = 4;
inline constexpr uint8_t kWrite = 2;
inline constexpr uint8_t kExec = 1;
}  // namespace perm

struct AclEntry {
  enum class Tag : uint8_t { UserObj, User, GroupObj, Group, Mask, Other };
  Tag tag = Tag::Other;
  uint32_t qualifier = kNoId;  // uid for User, gid for Group
  uint8_t perms = 0;           // rwx as 4/2/1
  friend bool operator==(const AclEntry&, const AclEntry&) = default;
};

// A POSIX ACL (acl(5)). Empty = no extended ACL: the mode bits decide.
struct Acl {
  std::vector<AclEntry> entries;
  bool empty() const { return entries.empty(); }
  friend bool operator==(const Acl&, const Acl&) = default;
};

struct FileNode {
  HostId host;
  std::string path;  // absolute, normalised, no trailing slash (except "/")
  FileType type = FileType::Regular;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint16_t mode = 0;  // the 12 permission bits: suid, sgid, sticky, rwxrwxrwx
  Acl access_acl;
  Acl default_acl;  // directories only
  bool immutable = false;
  bool append_only = false;
  std::string selinux_label;  // empty when not known
  Origin origin;
  // What an importer could not see, for the binder to complete from another
  // import of the same path: a getfacl listing has no file types, find and
  // stat listings have no ACLs. A node still unknown after binding keeps the
  // defaults above (a regular file; no extended ACL).
  bool type_known = true;
  bool acl_known = true;
};

struct Mount {
  HostId host;
  std::string path;
  bool read_only = false;
  Origin origin;
  // Only in a service's own view (Service::view): the node the service sees
  // at `path` instead of the host's, with nothing below it except what
  // other view mounts expose again (systemd's InaccessiblePaths=, PrivateTmp=,
  // a container's root).
  std::optional<FileNode> cover = std::nullopt;
};

// Linux capability numbers (linux/capability.h).
enum class Capability : uint8_t {
  Chown = 0,
  DacOverride = 1,
  DacReadSearch = 2,
  FOwner = 3,
  FSetId = 4,
  Kill = 5,
  SetGid = 6,
  SetUid = 7,
  SetPCap = 8,
  LinuxImmutable = 9,
  NetBindService = 10,
  NetBroadcast = 11,
  NetAdmin = 12,
  NetRaw = 13,
  IpcLock = 14,
  IpcOwner = 15,
  SysModule = 16,
  SysRawIo = 17,
  SysChroot = 18,
  SysPtrace = 19,
  SysPacct = 20,
  SysAdmin = 21,
  SysBoot = 22,
  SysNice = 23,
  SysResource = 24,
  SysTime = 25,
  SysTtyConfig = 26,
  Mknod = 27,
  Lease = 28,
  AuditWrite = 29,
  AuditControl = 30,
  SetFCap = 31,
  MacOverride = 32,
  MacAdmin = 33,
  Syslog = 34,
  WakeAlarm = 35,
  BlockSuspend = 36,
  AuditRead = 37,
  Perfmon = 38,
  Bpf = 39,
  CheckpointRestore = 40,
};
inline constexpr unsigned kCapabilityCount = 41;
using CapabilitySet = uint64_t;  // bit n = Capability n
inline constexpr CapabilitySet kAllCapabilities = (CapabilitySet(1) << kCapabilityCount) - 1;
inline constexpr CapabilitySet cap_bit(Capability c) { return CapabilitySet(1) << unsigned(c); }
std::optional<Capability> capability_by_name(std::string_view name);  // "cap_dac_override" or "dac_override"
std::string capability_name(Capability c);                            // "CAP_DAC_OVERRIDE"

enum class Operation : uint8_t {
  Read,     // open(O_RDONLY) on a file; readdir on a directory (r)
  Write,    // open(O_WRONLY) without O_APPEND: may overwrite
  Append,   // open(O_WRONLY|O_APPEND)
  Execute,  // execve a file
  Create,   // create a new entry (open O_CREAT, mkdir, bind a socket)
  Delete,   // unlink / rmdir the entry
  List,     // read a directory's entries
  Search,   // traverse a directory (x)
  Connect,  // connect to a unix socket (needs write on it)
};
std::string operation_name(Operation op);  // "read", "write", ...
std::optional<Operation> operation_by_name(std::string_view name);

struct DeclaredAccess {
  Operation operation = Operation::Read;
  std::string path;  // absolute path or glob (`*`, `**`)
  Origin origin;
};

struct Service {
  HostId host;
  std::string name;
  std::string user_name;  // run-as, as written or imported
  std::string group_name;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> supplementary_gids;
  CapabilitySet capabilities = 0;  // effective set
  bool capabilities_declared = false;  // false: root gets the full set, others none
  uint16_t umask = 022;
  std::string domain;   // SELinux process domain, when known
  std::string program;  // executable path, when known
  std::vector<DeclaredAccess> accesses;
  // The service's own mount namespace, on top of the host's mounts (systemd
  // ProtectSystem=, ReadOnlyPaths=, ReadWritePaths=, InaccessiblePaths=; a
  // container's volumes): docs/semantics/linux-dac.md#service-views.
  std::vector<Mount> view;
  Origin origin;
};

// Who asks: a declared user or a service (with its run-as identity), or a
// bare SELinux domain (`domain httpd_t`: SELinux's decision alone).
struct Subject {
  enum class Kind : uint8_t { User, Service, Domain };
  Kind kind = Kind::User;
  UserId user;
  ServiceId service;
  std::string domain = {};  // Kind::Domain: the type's name
  friend bool operator==(const Subject&, const Subject&) = default;
};

}  // namespace rampart::core
