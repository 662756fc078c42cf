// The Windows importers (docs/importers/windows.md).

#include "families.h"
#include "rampart/importers/windows.h"

namespace rampart::importers {

namespace {

using Parse = core::ImportResult (*)(std::string_view, const std::string&);

class TextImporter : public Importer {
 public:
  TextImporter(std::string format, std::string description, Parse parse)
      : format_(std::move(format)), description_(std::move(description)), parse_(parse) {}
  std::string format() const override { return format_; }
  std::string description() const override { return description_; }
  core::ImportResult import(const core::ImportRequest& request) const override {
    core::ImportResult out;
    auto bytes = read_native_file(request.path, request.origin, out.diagnostics);
    if (!bytes) return out;
    return parse_(*bytes, request.display_path);
  }

 private:
  std::string format_, description_;
  Parse parse_;
};

class WfwImporter : public Importer {
 public:
  std::string format() const override { return "windows.wfw"; }
  std::string description() const override {
    return "Windows Firewall policy written by `netsh advfirewall export` (a registry hive)";
  }
  core::ImportResult import(const core::ImportRequest& request) const override {
    core::ImportResult out;
    // Reading it first reports a missing or unreadable file like every importer.
    if (!read_native_file(request.path, request.origin, out.diagnostics)) return out;
    return windows::read_wfw(request.path, request.display_path);
  }
};

}  // namespace

void register_windows(Registry& r) {
  r.add(std::make_unique<TextImporter>("windows.reg", "Windows Firewall policy from `reg export` (.reg)",
                                       windows::parse_reg));
  r.add(std::make_unique<WfwImporter>());
  r.add(std::make_unique<TextImporter>(
      "windows.powershell", "Windows Firewall rules from Get-NetFirewallRule and its filters (JSON or CSV)",
      windows::parse_powershell));
  r.add(std::make_unique<TextImporter>(
      "windows.netsh", "Windows Firewall rules from `netsh advfirewall firewall show rule name=all verbose`",
      windows::parse_netsh));
  r.add(std::make_unique<TextImporter>(
      "windows.services", "Windows services from `sc qc` or Win32_Service JSON", windows::parse_services));
  r.add(std::make_unique<TextImporter>(
      "windows.listeners",
      "listening sockets from Get-NetTCPConnection / Get-NetUDPEndpoint JSON or `netstat -abno`",
      windows::parse_listeners));
  r.add(std::make_unique<TextImporter>("windows.iis", "IIS site bindings from applicationHost.config",
                                       windows::parse_iis));
}

}  // namespace rampart::importers
