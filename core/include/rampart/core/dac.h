#pragma once
// Linux discretionary access control, decided exactly as the kernel does
// (fs/namei.c: generic_permission, acl_permission_check, may_open,
// may_create, may_delete; fs/posix_acl.c: posix_acl_permission). The
// reference for every file-access answer rampart gives; the solver's
// witnesses are replayed through it and the system tests compare it with the
// real kernel. docs/semantics/linux-dac.md says where each rule comes from.

#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "rampart/core/access.h"
#include "rampart/core/policy.h"
#include "rampart/core/result.h"

namespace rampart::core {

// The identity a process acts with.
struct Credentials {
  std::string name;                // user or service name, for people
  std::string kind;                // "user" or "service"
  uint32_t uid = 0;                // fsuid
  uint32_t gid = 0;                // fsgid
  std::vector<uint32_t> groups;    // supplementary groups
  CapabilitySet capabilities = 0;  // effective set
  uint16_t umask = 022;
  std::string domain;       // SELinux, when known
  std::vector<Mount> view;  // the service's own mounts (Service::view)
  // False when the uid or gid is not known (a service whose identity its
  // file does not give: compose's `user: www-data`, resolved in the image):
  // then every decision is unknown (decide_file_access).
  bool identity_known = true;

  bool in_group(uint32_t g) const;
  bool has(Capability c) const { return (capabilities & cap_bit(c)) != 0; }
  SubjectInfo info() const;
};

// The credentials of a user logged in (its groups from the policy's group
// file; root holds every capability) or of a service as it runs.
Credentials credentials_of(const Policy& policy, const User& user);
Credentials credentials_of(const Policy& policy, const Service& service);

// The groups naming each user on one host, gathered in one pass over the
// groups: the credentials of every user at once cost groups x members, not
// users x groups x members (20,000 users in 1,000 groups of 1,000 members
// took 31 s per question).
class GroupMemberships {
 public:
  GroupMemberships(const Policy& policy, HostId host);
  // The same as credentials_of(policy, user) for a user of that host.
  Credentials credentials_of(const User& user) const;

 private:
  std::unordered_map<std::string, std::vector<uint32_t>> gids_;  // by member name
};

// errno values the decision reports (as Linux numbers them).
namespace err {
inline constexpr int kOk = 0;
inline constexpr int kPerm = 1;       // EPERM: immutable, append-only, sticky directory
inline constexpr int kNoEnt = 2;      // ENOENT: no such file
inline constexpr int kAccess = 13;    // EACCES: permission bits or ACL
inline constexpr int kExist = 17;     // EEXIST
inline constexpr int kNotDir = 20;    // ENOTDIR: an ancestor is not a directory
inline constexpr int kIsDir = 21;     // EISDIR: writing a directory
inline constexpr int kReadOnly = 30;  // EROFS: read-only mount
}  // namespace err
std::string errno_name(int e);

struct AccessDecision {
  bool granted = false;
  int error = err::kOk;
  AccessCheck decisive;                  // the check that decided
  std::vector<AccessCheck> checks;       // every check made, in order
  std::vector<std::string> assumptions;  // e.g. an undeclared directory assumed root:root 0755
  // DAC ∧ SELinux (decide_file_access, selinux_eval.h): each half on its own.
  // `selinux` is absent when the host has no SELinux policy (or its outcome is
  // unknown). `unknown`: the outcome depends on something rampart does not
  // know; then granted is false.
  bool dac_granted = false;
  std::optional<bool> selinux;
  bool unknown = false;
  std::string unknown_reason;
};

// One host's file tree, with the judgement calls for what is not declared.
class FileTree {
 public:
  FileTree(const Policy& policy, HostId host);
  // The node at an absolute, normalised path; undeclared directories on the
  // way to a declared node are assumed (see `assumed`).
  const FileNode* find(const std::string& path) const;
  // True when `path` is not declared but lies above a declared node: it is
  // assumed to be a directory root:root 0755.
  bool assumed(const std::string& path) const;
  const Mount* mount_of(const std::string& path) const;  // the innermost mount
  HostId host() const { return host_; }
  // Every declared or assumed path, sorted.
  std::vector<std::string> paths() const;
  // Paths a pattern names: itself when it has no `*` or `?`, else the known
  // paths it matches.
  std::vector<std::string> expand(const std::string& pattern) const;

 private:
  HostId host_;
  std::vector<const FileNode*> nodes_;  // sorted by path
  std::vector<std::string> implied_;    // assumed directories, sorted
  std::vector<const Mount*> mounts_;
  mutable std::vector<FileNode> assumed_nodes_;
};

// Decides one access. `file_override`, when given, replaces (or adds) the
// node at its path: how created files and proposed fixes are checked.
AccessDecision decide_access(const FileTree& tree, const Credentials& who, Operation op,
                             const std::string& path, const std::vector<FileNode>& overrides = {});

// The node a `create` by `who` at `path` produces (owner, group, mode, ACLs),
// per open(2), mkdir(2) and acl(5).
FileNode created_node(const FileTree& tree, const Credentials& who, const std::string& path, FileType type,
                      const std::vector<FileNode>& overrides = {});

// What a process whose own mounts are `view` sees of the tree (its
// overrides first): the node at `path`, or nullptr. Nodes synthesised for a
// covered path live in `scratch`.
const FileNode* node_in_view(const FileTree& tree, const std::vector<Mount>& view,
                             const std::vector<FileNode>& overrides, const std::string& path,
                             std::deque<FileNode>& scratch);
// The read-only mount a write at `path` hits for that process, or nullptr.
const Mount* read_only_mount(const FileTree& tree, const std::vector<Mount>& view, const std::string& path);
// Whether `path` is a mount point for that process.
const Mount* mount_point(const FileTree& tree, const std::vector<Mount>& view, const std::string& path);

// Normalises an absolute path ("/a//b/../c/" -> "/a/c"); empty when not absolute.
std::string normalise_path(const std::string& path);
std::string parent_path(const std::string& path);

// `*` matches within one component, `**` across components.
bool glob_match(const std::string& pattern, const std::string& path);

std::string mode_string(uint16_t mode, FileType type);  // "drwxr-s---"

}  // namespace rampart::core
