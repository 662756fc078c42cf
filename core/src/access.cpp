#include "rampart/core/access.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace rampart::core {
namespace {
constexpr std::array<std::string_view, kCapabilityCount> kCapabilityNames{
    "chown",         "dac_override",   "dac_read_search", "fowner",        "fsetid",
    "kill",          "setgid",         "setuid",          "setpcap",       "linux_immutable",
    "net_bind_service", "net_broadcast", "net_admin",     "net_raw",       "ipc_lock",
    "ipc_owner",     "sys_module",     "sys_rawio",       "sys_chroot",    "sys_ptrace",
    "sys_pacct",     "sys_admin",      "sys_boot",        "sys_nice",      "sys_resource",
    "sys_time",      "sys_tty_config", "mknod",           "lease",         "audit_write",
    "audit_control", "setfcap",        "mac_override",    "mac_admin",     "syslog",
    "wake_alarm",    "block_suspend",  "audit_read",      "perfmon",       "bpf",
    "checkpoint_restore"};

constexpr std::array<std::string_view, 9> kOperationNames{
    "read", "write", "append", "execute", "create", "delete", "list", "search", "connect"};
}  // namespace

std::string file_type_name(FileType t) {
  switch (t) {
    case FileType::Regular: return "file";
    case FileType::Directory: return "directory";
    case FileType::Symlink: return "symlink";
    case FileType::Socket: return "socket";
    case FileType::Fifo: return "fifo";
    case FileType::CharDevice: return "char-device";
    case FileType::BlockDevice: return "block-device";
  }
  return "file";
}

std::optional<Capability> capability_by_name(std::string_view name) {
  std::string lower;
  for (char c : name) lower += char(std::tolower(static_cast<unsigned char>(c)));
  std::string_view n = lower;
  if (n.substr(0, 4) == "cap_") n.remove_prefix(4);
  for (unsigned i = 0; i < kCapabilityCount; ++i) {
    if (kCapabilityNames[i] == n) return Capability(i);
  }
  return std::nullopt;
}

std::string capability_name(Capability c) {
  std::string out = "CAP_";
  for (char ch : kCapabilityNames.at(unsigned(c))) out += char(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

std::string operation_name(Operation op) { return std::string(kOperationNames.at(unsigned(op))); }

std::optional<Operation> operation_by_name(std::string_view name) {
  for (unsigned i = 0; i < kOperationNames.size(); ++i) {
    if (kOperationNames[i] == name) return Operation(i);
  }
  return std::nullopt;
}

}  // namespace rampart::core
