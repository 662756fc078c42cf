#pragma once
// The Windows importers (docs/importers/windows.md): Windows Firewall
// policy from registry exports, .wfw hives, PowerShell and netsh; services,
// listeners and IIS bindings of a host. Each takes the bytes of a file (or
// a path) and `file`, the name diagnostics and origins show.

#include <memory>
#include <string>
#include <string_view>

#include "rampart/importers/registry.h"

namespace rampart::importers::windows {

// `windows.reg`: a `reg export` of the firewall policy keys (local store
// and/or Group Policy store), UTF-16LE with a byte order mark or UTF-8.
core::ImportResult parse_reg(std::string_view bytes, const std::string& file);
// `windows.wfw`: a hive written by `netsh advfirewall export`, read with libhivex.
core::ImportResult read_wfw(const std::string& path, const std::string& file);
core::ImportResult parse_wfw(std::string_view bytes, const std::string& file);
// `windows.powershell`: Get-NetFirewallRule joined with its filters, as
// JSON (ConvertTo-Json) or CSV (Export-Csv).
core::ImportResult parse_powershell(std::string_view bytes, const std::string& file);
// `windows.netsh`: `netsh advfirewall firewall show rule name=all verbose`
// (English), optionally after `netsh advfirewall show allprofiles`.
core::ImportResult parse_netsh(std::string_view bytes, const std::string& file);
// `windows.services`: `sc qc` / `sc queryex` output, or Win32_Service JSON.
core::ImportResult parse_services(std::string_view bytes, const std::string& file);
// `windows.listeners`: Get-NetTCPConnection / Get-NetUDPEndpoint JSON
// joined with processes and services, or `netstat -abno` output.
core::ImportResult parse_listeners(std::string_view bytes, const std::string& file);
// `windows.iis`: IIS applicationHost.config site bindings.
core::ImportResult parse_iis(std::string_view bytes, const std::string& file);

}  // namespace rampart::importers::windows
