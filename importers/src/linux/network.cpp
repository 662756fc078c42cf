// linux.ss (`ss -ltnupH`: listening sockets with their processes) and
// linux.mounts (/proc/mounts). docs/importers/linux-ss.md, linux-mounts.md.

#include <map>

#include "native.h"
#include "rampart/core/dac.h"
#include "rampart/importers/linux.h"

namespace rampart::importers {

using native::Sink;

core::ImportResult parse_ss(std::string_view text, const std::string& file) {
  core::ImportResult r;
  Sink sink(r.diagnostics, "RP3607", file);
  core::Host own;  // the importing host (an empty name)
  for (const auto& line : native::lines(text)) {
    if (native::trim(line.text).empty()) continue;
    auto f = native::fields(line.text, 7);
    if (!f.empty() && (f[0].text == "Netid" || f[0].text == "State")) {
      sink.error(line.number, 1, "a header line: run ss with -H (`ss -ltnupH`)");
      continue;
    }
    size_t at = 0;
    uint8_t proto = 0;
    if (!f.empty() && (f[0].text == "tcp" || f[0].text == "udp")) {
      proto = f[0].text == "tcp" ? 6 : 17;
      at = 1;
    } else if (!f.empty() && (f[0].text == "LISTEN" || f[0].text == "UNCONN")) {
      proto = f[0].text == "LISTEN" ? 6 : 17;  // one protocol listed: no Netid column
    } else if (!f.empty()) {
      sink.error(
          line.number, 1,
          fmt::format("`{}` is not tcp or udp: rampart reads `ss -ltnupH` (TCP and UDP only)", f[0].text));
      continue;
    }
    f = native::fields(line.text, at + 6);
    if (f.size() < at + 5) {
      sink.error(line.number, 1,
                 "expected `NETID STATE RECV-Q SEND-Q LOCAL:PORT PEER:PORT [PROCESS]` (`ss -ltnupH`)");
      continue;
    }
    std::string_view state = f[at].text;
    if (state != "LISTEN" && state != "UNCONN") {
      sink.error(line.number, f[at].column,
                 fmt::format("state `{}`: rampart reads listening sockets only (`ss -l`)", state));
      continue;
    }
    const native::Field& local = f[at + 3];
    auto colon = local.text.rfind(':');
    if (colon == std::string_view::npos) {
      sink.error(line.number, local.column, fmt::format("`{}` is not ADDRESS:PORT", local.text));
      continue;
    }
    std::string_view addr = local.text.substr(0, colon), port_text = local.text.substr(colon + 1);
    if (port_text == "*") continue;  // not bound to a port
    auto port = native::number(port_text, 65535);
    if (!port) {
      sink.error(line.number, uint32_t(local.column + colon + 1),
                 fmt::format("`{}` is not a port", port_text));
      continue;
    }
    std::string device;
    if (auto pct = addr.find('%'); pct != std::string_view::npos) {
      device = std::string(addr.substr(pct + 1));
      addr = addr.substr(0, pct);
    }
    if (addr.size() >= 2 && addr.front() == '[' && addr.back() == ']') addr = addr.substr(1, addr.size() - 2);
    core::Bind bind;
    if (addr == "*") {
      bind.kind = core::Bind::Kind::Any;
    } else {
      auto a = core::Address::parse(std::string(addr));
      if (!a) {
        sink.error(line.number, local.column, fmt::format("`{}` is not an IP address", addr));
        continue;
      }
      bool unspecified = a->bits == 0;
      if (unspecified)
        bind.kind = a->family == core::Family::V4 ? core::Bind::Kind::AnyV4 : core::Bind::Kind::AnyV6;
      else {
        bind.kind = core::Bind::Kind::Address;
        bind.address = *a;
      }
      if (!device.empty() && !a->is_loopback()) {
        sink.warning(
            line.number, local.column,
            fmt::format("the socket is bound to device `{}` (SO_BINDTODEVICE), which rampart does not "
                        "model: it is taken to accept on every address its bind covers",
                        device));
      }
    }
    core::Listener l;
    l.protocol = proto;
    l.ports = core::PortSet::single(uint16_t(*port));
    l.bind = bind;
    l.origin = sink.at(line.number, 1);
    if (f.size() > at + 5) {
      std::string_view proc = f[at + 5].text;
      auto q1 = proc.find("((\"");
      auto q2 = q1 == std::string_view::npos ? q1 : proc.find('"', q1 + 3);
      if (q1 == std::string_view::npos || q2 == std::string_view::npos) {
        sink.error(line.number, f[at + 5].column,
                   fmt::format("`{}` is not a process column (`users:((\"NAME\",pid=N,fd=N))`)", proc));
        continue;
      }
      l.process = std::string(proc.substr(q1 + 3, q2 - q1 - 3));
    }
    own.listeners.push_back(std::move(l));
  }
  if (!own.listeners.empty()) r.fragment.hosts.push_back(std::move(own));
  return r;
}

core::ImportResult parse_mounts(std::string_view text, const std::string& file) {
  core::ImportResult r;
  Sink sink(r.diagnostics, "RP3608", file);
  std::map<std::string, size_t> at;
  for (const auto& line : native::lines(text)) {
    if (native::trim(line.text).empty() || line.text[0] == '#') continue;
    auto f = native::fields(line.text);
    if (f.size() < 4) {
      sink.error(line.number, 1, "expected `DEVICE MOUNTPOINT TYPE OPTIONS ...` (/proc/mounts)");
      continue;
    }
    std::string path;
    if (!native::unescape_octal(f[1].text, path) || path.empty() || path[0] != '/') {
      sink.error(line.number, f[1].column, fmt::format("`{}` is not an absolute mount point", f[1].text));
      continue;
    }
    bool ro = false;
    for (auto o : native::split(f[3].text, ',')) ro = ro || o == "ro";
    core::Mount m;
    m.path = core::normalise_path(path);
    m.read_only = ro;
    m.origin = sink.at(line.number, 1);
    // Mounted over: the last mount on a path is the one seen.
    if (auto it = at.find(m.path); it != at.end())
      r.fragment.mounts[it->second] = std::move(m);
    else {
      at.emplace(m.path, r.fragment.mounts.size());
      r.fragment.mounts.push_back(std::move(m));
    }
  }
  return r;
}

}  // namespace rampart::importers
