#pragma once
// SELinux: compiled policies (libsepol), file_contexts and its companions,
// label snapshots, `getsebool -a`, `ps -eZ` and audit logs
// (docs/importers/selinux.md). Diagnostic codes RP3501-RP3509.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rampart/core/selinux.h"
#include "rampart/core/selinux_eval.h"
#include "rampart/importers/registry.h"

namespace rampart::importers {

// Reads a compiled policy (policy.NN, any version libsepol reads) from its
// bytes. Errors (RP3501) go to `diags` at `where`.
std::shared_ptr<core::selinux::CompiledPolicy> read_compiled_policy(std::string_view bytes,
                                                                    const std::string& file,
                                                                    const core::Origin& where,
                                                                    core::Diagnostics& diags);

// file_contexts (and .homedirs, .local): REGEX [-TYPE] CONTEXT per line, as
// libselinux's read_spec_entries splits them. Errors: RP3502.
std::vector<core::selinux::FileContextSpec> parse_file_contexts(std::string_view text,
                                                                const std::string& file,
                                                                core::Diagnostics& diags);
// file_contexts.subs / .subs_dist: ALIAS TARGET per line. Errors: RP3502.
std::vector<core::selinux::Substitution> parse_substitutions(std::string_view text, const std::string& file,
                                                             core::Diagnostics& diags);
// `ls -Z` (with or without -l, -d, -R headers) or `stat -c '%C %n'` output. Errors: RP3503.
std::vector<core::selinux::PathLabel> parse_label_snapshot(std::string_view text, const std::string& file,
                                                           core::Diagnostics& diags);
// `getsebool -a`: NAME --> on|off. Errors: RP3504.
std::vector<core::selinux::BooleanSetting> parse_getsebool(std::string_view text, const std::string& file,
                                                           core::Diagnostics& diags);
// `ps -eZ` (LABEL PID TTY TIME CMD, or any ps -Z layout with a LABEL and a
// PID column and CMD/COMMAND last). Errors: RP3505.
std::vector<core::selinux::ProcessLabel> parse_ps_z(std::string_view text, const std::string& file,
                                                    core::Diagnostics& diags);

// audit.log lines or ausearch output: the AVC records, with the path and
// the process's ids from SYSCALL, PATH and CWD records of the same event
// when present. Lines that are not audit records: RP3506 (warning).
struct AuditEvent {
  core::selinux::AvcRecord avc;
  std::string exe;                 // SYSCALL exe=
  std::string cwd;                 // CWD cwd=
  std::vector<std::string> paths;  // PATH name=
  bool has_ids = false;
  uint32_t uid = 0, euid = 0, fsuid = 0, gid = 0;
};
std::vector<AuditEvent> parse_audit_log(std::string_view text, const std::string& file,
                                        core::Diagnostics& diags);

}  // namespace rampart::importers
