// `windows.services` (`sc qc` / `sc queryex` output, Win32_Service JSON)
// and `windows.listeners` (Get-NetTCPConnection / Get-NetUDPEndpoint JSON
// joined with processes and services, `netstat -abno`)
// (docs/importers/windows.md#services-and-listeners).

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "rampart/importers/windows.h"
#include "windows/common.h"

namespace rampart::importers::windows {

namespace {

using Json = nlohmann::json;

struct ServiceInfo {
  std::string name, path, start_name;
  std::optional<uint32_t> pid;
  bool running = true;
  bool driver = false;
  core::Origin origin;
};

// Services (and the users their accounts map to) into a fragment.
class ServiceBuilder {
 public:
  explicit ServiceBuilder(core::ImportResult& out) : out_(out) {}

  // Returns the fragment id of the service.
  core::ServiceId add(const ServiceInfo& info) {
    if (auto it = by_name_.find(lower(info.name)); it != by_name_.end()) return it->second;
    core::Service s;
    s.name = info.name;
    s.program = info.path.empty() ? std::string() : executable_of(info.path);
    Account a = accounts_.resolve(info.start_name);
    s.user_name = a.name;
    s.uid = a.uid;
    s.gid = a.uid;
    s.origin = info.origin;
    if (!a.name.empty() && !users_.count(a.name)) {
      core::User u;
      u.name = a.name;
      u.uid = a.uid;
      u.primary_gid = a.uid;
      u.origin = info.origin;
      users_.insert(a.name);
      out_.objects.push_back(
          core::ImportedObject{a.name, core::ObjectKind::User, uint32_t(out_.fragment.users.size())});
      out_.fragment.users.push_back(std::move(u));
    }
    core::ServiceId id(uint32_t(out_.fragment.services.size()));
    out_.objects.push_back(core::ImportedObject{s.name, core::ObjectKind::Service, id.value});
    out_.fragment.services.push_back(std::move(s));
    by_name_.emplace(lower(info.name), id);
    return id;
  }

 private:
  core::ImportResult& out_;
  Accounts accounts_;
  std::set<std::string> users_;
  std::map<std::string, core::ServiceId> by_name_;
};

std::string json_text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  return {};
}

const Json* member(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (iequals(it.key(), key)) return it.value().is_null() ? nullptr : &it.value();
  }
  return nullptr;
}

// Win32_Service objects (an array, or one object).
std::vector<ServiceInfo> json_services(const Json& list, const std::string& file, const std::string& base,
                                       core::Diagnostics& diags) {
  std::vector<ServiceInfo> out;
  Json items = list.is_array() ? list : Json::array({list});
  for (size_t i = 0; i < items.size(); ++i) {
    std::string pointer = list.is_array() ? fmt::format("{}/{}", base, i) : base;
    const Json& o = items[i];
    if (!o.is_object()) {
      diags.error(codes::kSyntax, core::Origin::native_json(file, pointer), "a service is a JSON object");
      continue;
    }
    ServiceInfo s;
    const Json* name = member(o, "Name");
    if (!name || json_text(*name).empty()) {
      diags.error(codes::kBadEntry, core::Origin::native_json(file, pointer), "a service needs its `Name`");
      continue;
    }
    s.name = json_text(*name);
    if (const Json* p = member(o, "PathName")) s.path = json_text(*p);
    if (const Json* a = member(o, "StartName")) s.start_name = json_text(*a);
    if (const Json* pid = member(o, "ProcessId")) {
      auto n = to_number(json_text(*pid), 0xffffffffu);
      if (!n) {
        diags.error(codes::kBadEntry, core::Origin::native_json(file, pointer + "/ProcessId"),
                    "`ProcessId` is a number");
        continue;
      }
      if (*n != 0) s.pid = uint32_t(*n);
    }
    if (const Json* st = member(o, "State"))
      s.running = iequals(json_text(*st), "Running") || json_text(*st) == "4";
    if (const Json* t = member(o, "ServiceType")) s.driver = iends_with(json_text(*t), "Driver");
    s.origin = core::Origin::native_rule(file, s.name);
    s.origin.json_pointer = pointer;
    out.push_back(std::move(s));
  }
  return out;
}

// `sc qc NAME` / `sc queryex NAME` blocks, one after another.
std::vector<ServiceInfo> sc_services(std::string_view text, const std::string& file,
                                     core::Diagnostics& diags) {
  std::vector<ServiceInfo> out;
  std::optional<ServiceInfo> cur;
  std::string last_key;
  auto flush = [&]() {
    if (cur && !cur->driver) out.push_back(std::move(*cur));
    cur.reset();
  };
  auto lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    auto line_no = uint32_t(i + 1);
    std::string_view line = trim(lines[i]);
    if (line.empty() || line.front() == '[') continue;  // `[SC] QueryServiceConfig SUCCESS`
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      diags.error(
          codes::kSyntax, core::Origin::native_line(file, line_no),
          fmt::format("expected `KEY : value` of `sc qc`; got `{}`", std::string(line.substr(0, 60))));
      continue;
    }
    std::string key(trim(line.substr(0, colon)));
    std::string value(trim(line.substr(colon + 1)));
    if (key == "SERVICE_NAME") {
      flush();
      cur = ServiceInfo{};
      cur->name = value;
      cur->origin = core::Origin::native_rule(file, value);
      cur->origin.line = line_no;
      if (value.empty())
        diags.error(codes::kBadEntry, core::Origin::native_line(file, line_no), "an empty SERVICE_NAME");
      continue;
    }
    if (!cur) {
      diags.error(codes::kSyntax, core::Origin::native_line(file, line_no),
                  "a `sc qc` block starts with `SERVICE_NAME:`");
      continue;
    }
    if (key.empty()) continue;  // a continuation line (DEPENDENCIES)
    if (key == "BINARY_PATH_NAME")
      cur->path = value;
    else if (key == "SERVICE_START_NAME")
      cur->start_name = value;
    else if (key == "TYPE")
      cur->driver = value.find("DRIVER") != std::string::npos;
    else if (key == "STATE")
      cur->running = value.find("RUNNING") != std::string::npos;
    else if (key == "PID") {
      auto n = to_number(value, 0xffffffffu);
      if (!n)
        diags.error(codes::kBadEntry, core::Origin::native_line(file, line_no), "PID is a number");
      else if (*n != 0)
        cur->pid = uint32_t(*n);
    }
  }
  flush();
  return out;
}

// JSON starts with `{` or `[`; `sc qc` output starts with `[SC] ...`.
bool is_json(std::string_view text) {
  std::string_view t = trim(text);
  if (t.empty() || istarts_with(t, "[SC]")) return false;
  return t.front() == '[' || t.front() == '{';
}

// `0.0.0.0`, `::`, an address; IPv6 may come in brackets, with a zone.
std::optional<core::Bind> bind_of(std::string_view text) {
  std::string_view t = trim(text);
  if (t.size() >= 2 && t.front() == '[' && t.back() == ']') t = t.substr(1, t.size() - 2);
  if (t == "*") return core::Bind{};
  auto pct = t.find('%');
  auto a = core::Address::parse(t.substr(0, pct));
  if (!a) return std::nullopt;
  core::Bind b;
  if (a->bits == 0) {
    b.kind = a->family == core::Family::V4 ? core::Bind::Kind::AnyV4 : core::Bind::Kind::AnyV6;
  } else {
    b.kind = core::Bind::Kind::Address;
    b.address = *a;
  }
  return b;
}

void add_listener(core::Host& host, core::Listener l) {
  for (const auto& e : host.listeners) {
    if (e.protocol == l.protocol && e.ports == l.ports && e.bind == l.bind && e.service == l.service &&
        e.process == l.process) {
      return;
    }
  }
  host.listeners.push_back(std::move(l));
}

}  // namespace

core::ImportResult parse_services(std::string_view bytes, const std::string& file) {
  core::ImportResult out;
  auto text = decode_text(bytes, file, out.diagnostics);
  if (!text) return out;
  std::vector<ServiceInfo> services;
  if (is_json(*text)) {
    auto doc = parse_json(trim(*text), file, out.diagnostics);
    if (!doc) return out;
    const Json* list = &*doc;
    std::string base;
    if (doc->is_object() && member(*doc, "Services")) {
      list = member(*doc, "Services");
      base = "/Services";
    }
    services = json_services(*list, file, base, out.diagnostics);
  } else {
    services = sc_services(*text, file, out.diagnostics);
  }
  if (out.diagnostics.has_errors()) return out;
  if (services.empty()) {
    out.diagnostics.error(codes::kEmpty, core::Origin::native_line(file, 0),
                          "no service in the file (`sc qc` blocks or Win32_Service objects)");
    return out;
  }
  ServiceBuilder builder(out);
  for (const auto& s : services) builder.add(s);
  out.fragment.source_files.push_back(file);
  return out;
}

namespace {

struct Socket {
  uint8_t protocol = core::proto::kTcp;
  std::string address;
  uint16_t port = 0;
  std::optional<uint32_t> pid;
  std::string service;  // netstat -b: the component
  std::string process;  // full path, or System
  core::Origin origin;
};

void json_sockets(const Json& list, uint8_t protocol_or_0, const std::string& file, const std::string& base,
                  std::vector<Socket>& out, core::Diagnostics& diags) {
  Json items = list.is_array() ? list : Json::array({list});
  for (size_t i = 0; i < items.size(); ++i) {
    std::string pointer = list.is_array() ? fmt::format("{}/{}", base, i) : base;
    const Json& o = items[i];
    core::Origin at = core::Origin::native_json(file, pointer);
    if (!o.is_object()) {
      diags.error(codes::kSyntax, at, "a connection or endpoint is a JSON object");
      continue;
    }
    Socket s;
    s.origin = at;
    const Json* state = member(o, "State");
    s.protocol = protocol_or_0 ? protocol_or_0 : state ? core::proto::kTcp : core::proto::kUdp;
    if (s.protocol == core::proto::kTcp && state) {
      std::string st = json_text(*state);
      if (!iequals(st, "Listen") && st != "2") continue;  // MSFT_NetTCPConnection State: Listen = 2
    }
    const Json* addr = member(o, "LocalAddress");
    const Json* port = member(o, "LocalPort");
    auto n = port ? to_number(json_text(*port), 65535) : std::nullopt;
    if (!addr || !n) {
      diags.error(codes::kBadEntry, at, "a listener needs `LocalAddress` and `LocalPort` (0-65535)");
      continue;
    }
    s.address = json_text(*addr);
    s.port = uint16_t(*n);
    if (const Json* pid = member(o, "OwningProcess")) {
      auto p = to_number(json_text(*pid), 0xffffffffu);
      if (!p) {
        diags.error(codes::kBadEntry, at, "`OwningProcess` is a process id");
        continue;
      }
      s.pid = uint32_t(*p);
    }
    out.push_back(std::move(s));
  }
}

// `netstat -abno`: connection lines, each followed by its component
// (service) and `[executable]` lines when known.
std::vector<Socket> netstat_sockets(std::string_view text, const std::string& file,
                                    core::Diagnostics& diags) {
  std::vector<Socket> out;
  std::optional<Socket> cur;
  bool listening = false;
  auto flush = [&]() {
    if (cur && listening) out.push_back(std::move(*cur));
    cur.reset();
  };
  auto lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    auto line_no = uint32_t(i + 1);
    std::string_view line = trim(lines[i]);
    if (line.empty() || line == "Active Connections" || istarts_with(line, "Proto ")) continue;
    std::vector<std::string> words;
    for (size_t p = 0; p < line.size();) {
      while (p < line.size() && (line[p] == ' ' || line[p] == '\t')) ++p;
      size_t s = p;
      while (p < line.size() && line[p] != ' ' && line[p] != '\t') ++p;
      if (p > s) words.emplace_back(line.substr(s, p - s));
    }
    if (!words.empty() && (words[0] == "TCP" || words[0] == "UDP")) {
      flush();
      bool tcp = words[0] == "TCP";
      if (words.size() != (tcp ? 5u : 4u)) {
        diags.error(
            codes::kSyntax, core::Origin::native_line(file, line_no),
            tcp ? "a TCP line is `TCP LOCAL FOREIGN STATE PID`" : "a UDP line is `UDP LOCAL FOREIGN PID`");
        continue;
      }
      Socket s;
      s.protocol = tcp ? core::proto::kTcp : core::proto::kUdp;
      s.origin = core::Origin::native_line(file, line_no);
      const std::string& local = words[1];
      auto colon = local.rfind(':');
      auto port = colon == std::string::npos ? std::nullopt : to_number(local.substr(colon + 1), 65535);
      auto pid = to_number(words.back(), 0xffffffffu);
      if (!port || !pid) {
        diags.error(codes::kBadEntry, core::Origin::native_line(file, line_no),
                    "the local address is `ADDRESS:PORT` and the last column a process id");
        continue;
      }
      s.address = local.substr(0, colon);
      s.port = uint16_t(*port);
      s.pid = uint32_t(*pid);
      if (*pid == 4) s.process = "System";
      listening = !tcp || words[3] == "LISTENING";
      cur = std::move(s);
      continue;
    }
    if (!cur) {
      if (!listening && out.empty() && i < 8) continue;  // headers of other locales are skipped
      continue;
    }
    if (line.front() == '[' && line.back() == ']') {
      std::string exe(line.substr(1, line.size() - 2));
      if (iequals(exe, "System")) cur->process = "System";
      // A bare executable name cannot be compared with a rule's full
      // program path: it is not used as the program.
      continue;
    }
    if (line == "Can not obtain ownership information") continue;
    if (words.size() == 1) cur->service = words[0];
  }
  flush();
  return out;
}

}  // namespace

core::ImportResult parse_listeners(std::string_view bytes, const std::string& file) {
  core::ImportResult out;
  auto text = decode_text(bytes, file, out.diagnostics);
  if (!text) return out;
  std::vector<Socket> sockets;
  std::vector<ServiceInfo> services;
  std::map<uint32_t, std::string> processes;  // pid -> path
  if (is_json(*text)) {
    auto doc = parse_json(trim(*text), file, out.diagnostics);
    if (!doc) return out;
    if (doc->is_object() && (member(*doc, "TCP") || member(*doc, "UDP") || member(*doc, "Services"))) {
      if (const Json* t = member(*doc, "TCP"))
        json_sockets(*t, core::proto::kTcp, file, "/TCP", sockets, out.diagnostics);
      if (const Json* u = member(*doc, "UDP"))
        json_sockets(*u, core::proto::kUdp, file, "/UDP", sockets, out.diagnostics);
      if (const Json* s = member(*doc, "Services"))
        services = json_services(*s, file, "/Services", out.diagnostics);
      if (const Json* p = member(*doc, "Processes")) {
        Json items = p->is_array() ? *p : Json::array({*p});
        for (size_t i = 0; i < items.size(); ++i) {
          const Json* id = member(items[i], "Id");
          const Json* path = member(items[i], "Path");
          const Json* name = member(items[i], "ProcessName");
          auto n = id ? to_number(json_text(*id), 0xffffffffu) : std::nullopt;
          if (!n) {
            out.diagnostics.error(codes::kBadEntry,
                                  core::Origin::native_json(file, fmt::format("/Processes/{}", i)),
                                  "a process needs its `Id`");
            continue;
          }
          if (path && !json_text(*path).empty())
            processes[uint32_t(*n)] = normalise_program(json_text(*path));
          else if (name && iequals(json_text(*name), "System"))
            processes[uint32_t(*n)] = "System";
        }
      }
    } else {
      json_sockets(*doc, 0, file, "", sockets, out.diagnostics);
    }
  } else {
    sockets = netstat_sockets(*text, file, out.diagnostics);
  }
  if (out.diagnostics.has_errors()) return out;
  if (sockets.empty() && services.empty()) {
    out.diagnostics.error(codes::kEmpty, core::Origin::native_line(file, 0),
                          "no listening socket in the file (TCP in state Listen, or UDP endpoints)");
    return out;
  }
  ServiceBuilder builder(out);
  std::map<uint32_t, std::vector<core::ServiceId>> by_pid;
  for (const auto& s : services) {
    core::ServiceId id = builder.add(s);
    if (s.pid && s.running) by_pid[*s.pid].push_back(id);
  }
  core::Host here;  // no name: the host block the import sits in
  for (auto& s : sockets) {
    auto bind = bind_of(s.address);
    if (!bind) {
      out.diagnostics.error(codes::kBadEntry, s.origin, fmt::format("`{}` is not an IP address", s.address));
      continue;
    }
    core::Listener l;
    l.protocol = s.protocol;
    l.ports = core::PortSet::single(s.port);
    l.bind = *bind;
    l.origin = s.origin;
    l.process = s.process;
    if (s.pid) {
      if (*s.pid == 4) l.process = "System";
      if (auto it = processes.find(*s.pid); it != processes.end()) l.process = it->second;
      // The service behind the socket, when its process hosts exactly one
      // (a shared svchost hosts several: which one listens is not known).
      if (auto it = by_pid.find(*s.pid); it != by_pid.end() && it->second.size() == 1)
        l.service = it->second.front();
    }
    if (!s.service.empty()) {
      ServiceInfo info;
      info.name = s.service;
      info.origin = s.origin;
      l.service = builder.add(info);
    }
    add_listener(here, std::move(l));
  }
  if (out.diagnostics.has_errors()) return out;
  out.fragment.hosts.push_back(std::move(here));
  out.fragment.source_files.push_back(file);
  return out;
}

}  // namespace rampart::importers::windows
