#pragma once
// Z3 encoding of Linux DAC (core/src/dac.cpp is the reference) with a
// symbolic subject: one bit-vector ranges over every user and service of a
// host, and the credentials the checks read (uid, group membership,
// capabilities) are functions of it. A symbolic path ranges over the files a
// glob names. "Who can" and "only ... can" are single queries over it.

#include <z3++.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rampart/core/dac.h"
#include "rampart/core/policy.h"
#include "rampart/core/selinux_eval.h"
#include "selinux_encoder.h"

namespace rampart::solver {

struct AccessSubject {
  core::Subject subject;
  core::Credentials credentials;
};

// Every user and service of a host, users first, in declaration order.
std::vector<AccessSubject> subjects_of(const core::Policy& policy, core::HostId host);

class AccessEncoder {
 public:
  // With `selinux` (the host's SELinux view), decisions are DAC ∧ SELinux as
  // core::decide_file_access makes them; without it, DAC alone.
  AccessEncoder(z3::context& ctx, const core::FileTree& tree, const std::vector<AccessSubject>& subjects,
                const core::selinux::HostView* selinux = nullptr);

  const z3::expr& subject() const { return subject_; }
  z3::expr is_subject(size_t i) { return subject_ == ctx_.bv_val(uint64_t(i), bits_); }
  z3::expr valid_subject() { return z3::ult(subject_, ctx_.bv_val(uint64_t(subjects_.size()), bits_)); }

  // Whether the symbolic subject may perform `op` on `path` (a known path or
  // one to create), with `overrides` replacing nodes.
  z3::expr allowed(core::Operation op, const std::string& path, const std::vector<core::FileNode>& overrides = {});
  // Granted, and unknown (decide_file_access's `unknown`: DAC grants and
  // SELinux's part cannot be decided). Neither: denied.
  struct Decision {
    z3::expr granted;
    z3::expr unknown;
  };
  Decision decide(core::Operation op, const std::string& path,
                  const std::vector<core::FileNode>& overrides = {});
  // Whether the subjects of the view being encoded see a node at `path`.
  bool visible(const std::string& path, const std::vector<core::FileNode>& overrides) const {
    return node(path, overrides) != nullptr;
  }

 private:
  z3::expr dac(core::Operation op, const std::string& path, const std::vector<core::FileNode>& overrides);
  z3::expr uid_is(uint32_t uid);
  z3::expr in_group(uint32_t gid);
  z3::expr has(core::Capability c);
  z3::expr acl_check(const core::FileNode& n, uint8_t want);
  z3::expr generic_permission(const core::FileNode& n, uint8_t want);
  z3::expr inode_permission(const core::FileNode& n, uint8_t want);
  z3::expr walk(const std::string& path, const std::vector<core::FileNode>& overrides, bool& exists);
  z3::expr open_existing(const core::FileNode& n, uint8_t want, bool append, bool exec);
  z3::expr allowed_in_view(core::Operation op, const std::string& path, const std::vector<core::FileNode>& overrides);
  const core::FileNode* node(const std::string& path, const std::vector<core::FileNode>& overrides) const;
  bool read_only(const std::string& path) const;
  // ite over subjects of a per-subject Boolean.
  template <typename F>
  z3::expr per_subject(F&& f);

  z3::context& ctx_;
  const core::FileTree& tree_;
  const std::vector<AccessSubject>& subjects_;
  unsigned bits_;
  z3::expr subject_;
  const core::selinux::HostView* selinux_view_ = nullptr;
  std::unique_ptr<SelinuxEncoder> selinux_;
  std::optional<SelinuxEncoder::Sym> source_;  // the symbolic subject's SELinux context
  std::optional<z3::expr> known_;              // its context is known
  std::optional<z3::expr> caps_known_;         // known, or it holds no capability
  const std::vector<core::Mount> no_view_;
  const std::vector<core::Mount>* view_ = &no_view_;
  mutable std::deque<core::FileNode> scratch_;
};

}  // namespace rampart::solver
