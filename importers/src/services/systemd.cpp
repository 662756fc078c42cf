// services.systemd: a .service unit file and its drop-ins
// (docs/importers/services-systemd.md). The unit is a service named after
// it, with the identity, capabilities and umask its main process
// (ExecStart=) runs with, and its own view of the file tree
// (ProtectSystem=, ProtectHome=, PrivateTmp=, ReadWritePaths=,
// ReadOnlyPaths=, InaccessiblePaths=, the *Directory= settings).

#include <map>
#include <set>

#include "../linux/native.h"
#include "ini.h"
#include "rampart/core/dac.h"
#include "rampart/importers/linux.h"

namespace rampart::importers {

using native::Sink;

namespace {

// Settings read below; every other key of these sections is known to have
// no effect on file access or identity, or is warned about.
const std::set<std::string> kInert{
    // [Unit]
    "Description", "Documentation", "After", "Before", "Wants", "Requires", "Requisite", "BindsTo", "PartOf",
    "Upholds", "Conflicts", "OnFailure", "OnSuccess", "PropagatesReloadTo", "ReloadPropagatedFrom",
    "JoinsNamespaceOf", "RequiresMountsFor", "OnFailureJobMode", "IgnoreOnIsolate", "StopWhenUnneeded",
    "RefuseManualStart", "RefuseManualStop", "AllowIsolate", "DefaultDependencies", "CollectMode",
    "FailureAction", "SuccessAction", "StartLimitIntervalSec", "StartLimitBurst", "StartLimitAction",
    "RebootArgument", "SourcePath", "ConditionPathExists", "ConditionPathIsDirectory",
    "ConditionFileNotEmpty", "ConditionVirtualization", "ConditionHost", "ConditionKernelCommandLine",
    "ConditionSecurity", "ConditionCapability", "ConditionACPower", "ConditionNeedsUpdate",
    "ConditionFirstBoot", "ConditionPathExistsGlob", "ConditionDirectoryNotEmpty",
    "ConditionFileIsExecutable", "ConditionUser", "ConditionGroup", "ConditionControlGroupController",
    "AssertPathExists", "JobTimeoutSec", "JobTimeoutAction",
    // [Install]
    "WantedBy", "RequiredBy", "Alias", "Also", "DefaultInstance", "UpheldBy",
    // [Service], no effect on who may touch which file
    "Type", "Restart", "RestartSec", "RestartPreventExitStatus", "RestartForceExitStatus",
    "SuccessExitStatus", "PIDFile", "BusName", "RemainAfterExit", "GuessMainPID", "TimeoutSec",
    "TimeoutStartSec", "TimeoutStopSec", "TimeoutAbortSec", "RuntimeMaxSec", "WatchdogSec", "NotifyAccess",
    "KillMode", "KillSignal", "SendSIGKILL", "SendSIGHUP", "FinalKillSignal", "Environment",
    "PassEnvironment", "UnsetEnvironment", "LimitNOFILE", "LimitNPROC", "LimitCORE", "LimitMEMLOCK",
    "LimitAS", "LimitFSIZE", "LimitSTACK", "LimitRTPRIO", "Nice", "IOSchedulingClass", "IOSchedulingPriority",
    "CPUSchedulingPolicy", "CPUSchedulingPriority", "CPUAffinity", "OOMScoreAdjust", "OOMPolicy", "MemoryMax",
    "MemoryHigh", "MemoryLimit", "CPUQuota", "CPUWeight", "TasksMax", "IOWeight", "Slice", "Delegate",
    "StandardInput", "SyslogIdentifier", "SyslogFacility", "SyslogLevel", "LogLevelMax", "TTYPath",
    "TTYReset", "TTYVHangup", "NoNewPrivileges", "RestrictSUIDSGID", "RemoveIPC", "PrivateNetwork",
    "PrivateDevices", "PrivateIPC", "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs",
    "ProtectControlGroups", "ProtectClock", "ProtectHostname", "RestrictNamespaces", "RestrictRealtime",
    "RestrictAddressFamilies", "LockPersonality", "MemoryDenyWriteExecute", "SystemCallFilter",
    "SystemCallArchitectures", "SystemCallErrorNumber", "IPAddressAllow", "IPAddressDeny", "DevicePolicy",
    "DeviceAllow", "KeyringMode", "FileDescriptorStoreMax", "Sockets", "USBFunctionDescriptors", "ExitType",
    "ConfigurationDirectoryMode", "RuntimeDirectoryPreserve", "TimerSlackNSec", "Personality",
    "IgnoreSIGPIPE", "UtmpIdentifier", "UtmpMode", "PAMName", "LoadCredential", "SetCredential",
    "ManagedOOMSwap", "ManagedOOMMemoryPressure", "CoredumpFilter", "ProtectHostname", "OOMPolicy"};
// Settings that change file access in ways rampart does not model.
const std::set<std::string> kNotModelled{
    "RootDirectory",   "RootImage",        "BindPaths",  "BindReadOnlyPaths", "TemporaryFileSystem",
    "PrivateUsers",    "ProtectProc",      "ProcSubset", "NoExecPaths",       "ExecPaths",
    "MountAPIVFS",     "SecureBits",       "MountFlags", "PrivateMounts",     "SELinuxContext",
    "AppArmorProfile", "SmackProcessLabel"};
const std::set<std::string> kExec{"ExecStart", "ExecStartPre", "ExecStartPost", "ExecReload",
                                  "ExecStop",  "ExecStopPost", "ExecCondition"};
const std::map<std::string, std::pair<std::string, std::string>> kDirectories{
    {"LogsDirectory", {"/var/log", "LogsDirectoryMode"}},
    {"StateDirectory", {"/var/lib", "StateDirectoryMode"}},
    {"CacheDirectory", {"/var/cache", "CacheDirectoryMode"}},
    {"RuntimeDirectory", {"/run", "RuntimeDirectoryMode"}},
    {"ConfigurationDirectory", {"/etc", "ConfigurationDirectoryMode"}}};

struct Setting {
  std::string value;
  core::Origin origin;
};

uint32_t dynamic_id(const std::string& name) {
  // systemd picks a free id in 61184-65519 from a hash of the name; which one
  // does not matter to access decisions as long as no file is owned by it.
  uint32_t h = 2166136261u;
  for (unsigned char c : name) h = (h ^ c) * 16777619u;
  return 61184 + h % (65519 - 61184 + 1);
}

class Unit {
 public:
  Unit(core::ImportResult& r, const std::string& file) : r_(r), file_(file) {
    std::string base = file.substr(file.rfind('/') + 1);
    unit_ = base;
    name_ = base.size() > 8 && base.substr(base.size() - 8) == ".service" ? base.substr(0, base.size() - 8)
                                                                          : base;
    auto at = name_.find('@');
    prefix_ = name_.substr(0, at);
    instance_ = at == std::string::npos ? "" : name_.substr(at + 1);
  }

  void read(std::string_view text, const std::string& file) {
    Sink sink(r_.diagnostics, "RP3402", file);
    ini::Dialect d;
    d.backslash_continuation = true;
    for (const auto& s : ini::parse(text, d, sink)) {
      if (s.name != "Unit" && s.name != "Service" && s.name != "Install") {
        sink.warning(s.line, 1,
                     fmt::format("section `[{}]` is not read: rampart reads .service units", s.name));
        continue;
      }
      for (const auto& e : s.entries) setting(s.name, e, sink);
    }
  }

  void build() {
    Sink sink(r_.diagnostics, "RP3402", file_);
    core::Origin unit_origin = sink.at(1, 1);
    auto exec_start = lists_["ExecStart"];
    if (exec_start.empty()) {
      sink.error(1, 1, fmt::format("`{}` has no ExecStart=: it starts no process", unit_));
      return;
    }
    size_t svc = native::add_service(r_, policy_name(name_), unit_origin);
    native::name_object(r_, unit_, core::ObjectKind::Service, svc);
    Prefix main = prefix_of(exec_start.front().value);
    bool dynamic = is_true("DynamicUser");
    std::string user = scalar("User");
    identity(svc, main, dynamic, user);
    core::Service& s = r_.fragment.services[svc];
    for (const auto& e : exec_start) {
      Prefix p = prefix_of(e.value);
      if (!p.program.empty()) {
        native::add_access(r_.fragment.services[svc], core::Operation::Execute, p.program, e.origin);
        if (r_.fragment.services[svc].program.empty()) r_.fragment.services[svc].program = p.program;
      }
    }
    if (auto wd = scalars_.find("WorkingDirectory"); wd != scalars_.end()) {
      std::string v = wd->second.value;
      if (!v.empty() && v[0] == '-') v = v.substr(1);
      if (!v.empty() && v[0] == '/')
        native::add_access(r_.fragment.services[svc], core::Operation::Search, core::normalise_path(v),
                           wd->second.origin);
    }
    (void)s;
    // Other command lines: the same process identity, unless a prefix changes it.
    for (const auto& key : kExec) {
      if (key == "ExecStart") continue;
      for (const auto& e : lists_[key]) {
        Prefix p = prefix_of(e.value);
        if (p.program.empty()) continue;
        if (p.full == main.full && p.root_credentials == main.root_credentials) {
          native::add_access(r_.fragment.services[svc], core::Operation::Execute, p.program, e.origin);
          continue;
        }
        std::string sub = policy_name(name_ + "-" + dashed(key));
        size_t other = find_or_add(sub, e.origin);
        identity(other, p, dynamic, user, false);
        native::add_access(r_.fragment.services[other], core::Operation::Execute, p.program, e.origin);
      }
    }
    // Files systemd itself opens, as root, for the unit.
    for (const char* k : {"StandardOutput", "StandardError"}) {
      auto it = scalars_.find(k);
      if (it == scalars_.end()) continue;
      const std::string& v = it->second.value;
      for (const char* pre : {"file:", "append:", "truncate:"}) {
        if (v.rfind(pre, 0) == 0) {
          std::string p = v.substr(std::string(pre).size());
          if (!p.empty() && p[0] == '/')
            native::add_access(manager(), core::Operation::Create, core::normalise_path(p),
                               it->second.origin);
        }
      }
    }
    for (const auto& e : lists_["EnvironmentFile"]) {
      std::string v = e.value;
      if (!v.empty() && v[0] == '-') v = v.substr(1);
      if (!v.empty() && v[0] == '/')
        native::add_access(manager(), core::Operation::Read, core::normalise_path(v), e.origin);
    }
  }

 private:
  struct Prefix {
    bool full = false;              // `+`: no User=, no sandboxing
    bool root_credentials = false;  // `!`: no User=/Group=/SupplementaryGroups=
    std::string program;
  };

  static std::string dashed(const std::string& key) {
    std::string out;
    for (char c : key) {
      if (c >= 'A' && c <= 'Z') {
        if (!out.empty()) out += '-';
        out += char(c - 'A' + 'a');
      } else {
        out += c;
      }
    }
    return out;
  }

  core::Service& manager() {
    size_t i = find_or_add("systemd", core::Origin::native_line(file_, 1, 1));
    core::Service& m = r_.fragment.services[i];
    m.uid = m.gid = 0;
    m.user_name = m.group_name = "root";
    m.program = "/lib/systemd/systemd";
    return r_.fragment.services[i];
  }

  size_t find_or_add(const std::string& name, const core::Origin& origin) {
    for (size_t i = 0; i < r_.fragment.services.size(); ++i) {
      if (r_.fragment.services[i].name == name) return i;
    }
    size_t i = native::add_service(r_, name, origin);
    native::name_object(r_, name, core::ObjectKind::Service, i);
    return i;
  }

  Prefix prefix_of(const std::string& line) {
    Prefix p;
    size_t i = 0;
    while (i < line.size() && std::string("@-:+!|").find(line[i]) != std::string::npos) {
      if (line[i] == '+') p.full = true;
      if (line[i] == '!') {
        // `!!` only matters without ambient capabilities (Linux before 4.3).
        if (i + 1 < line.size() && line[i + 1] == '!')
          ++i;
        else
          p.root_credentials = true;
      }
      ++i;
    }
    auto w = ini::words(line.substr(i));
    if (!w.empty() && w[0][0] == '/') p.program = core::normalise_path(w[0]);
    return p;
  }

  std::string specifiers(const std::string& v, const core::Origin& at) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] != '%' || i + 1 >= v.size()) {
        out += v[i];
        continue;
      }
      char c = v[++i];
      switch (c) {
        case '%': out += '%'; break;
        case 'n': out += unit_; break;
        case 'N': out += name_; break;
        case 'p': out += prefix_; break;
        case 'i':
        case 'I': out += instance_; break;
        case 't': out += "/run"; break;
        case 'S': out += "/var/lib"; break;
        case 'C': out += "/var/cache"; break;
        case 'L': out += "/var/log"; break;
        case 'E': out += "/etc"; break;
        case 'T': out += "/tmp"; break;
        case 'V': out += "/var/tmp"; break;
        default:
          r_.diagnostics.warning("RP3402", at,
                                 fmt::format("the specifier `%{}` is not expanded by rampart", c));
          out += '%';
          out += c;
      }
    }
    return out;
  }

  void setting(const std::string& section, const ini::Entry& e, Sink& sink) {
    core::Origin at = sink.at(e.line, e.value_column);
    std::string key = e.key;
    if (key == "ReadOnlyDirectories") key = "ReadOnlyPaths";
    if (key == "ReadWriteDirectories") key = "ReadWritePaths";
    if (key == "InaccessibleDirectories") key = "InaccessiblePaths";
    std::string v = specifiers(e.value, at);
    static const std::set<std::string> kLists{"ExecStart",
                                              "ExecStartPre",
                                              "ExecStartPost",
                                              "ExecReload",
                                              "ExecStop",
                                              "ExecStopPost",
                                              "ExecCondition",
                                              "ReadWritePaths",
                                              "ReadOnlyPaths",
                                              "InaccessiblePaths",
                                              "SupplementaryGroups",
                                              "LogsDirectory",
                                              "StateDirectory",
                                              "CacheDirectory",
                                              "RuntimeDirectory",
                                              "ConfigurationDirectory",
                                              "CapabilityBoundingSet",
                                              "AmbientCapabilities",
                                              "EnvironmentFile"};
    static const std::set<std::string> kScalars{"User",
                                                "Group",
                                                "DynamicUser",
                                                "UMask",
                                                "ProtectSystem",
                                                "ProtectHome",
                                                "PrivateTmp",
                                                "WorkingDirectory",
                                                "StandardOutput",
                                                "StandardError",
                                                "LogsDirectoryMode",
                                                "StateDirectoryMode",
                                                "CacheDirectoryMode",
                                                "RuntimeDirectoryMode"};
    if (section == "Service" && kLists.count(key)) {
      auto& list = lists_[key];
      if (key == "CapabilityBoundingSet" || key == "AmbientCapabilities")
        list.push_back(Setting{v, at});  // whole lines, empty ones included: caps() replays them
      else if (v.empty())
        list.clear();  // an empty assignment resets the list
      else if (key.rfind("Exec", 0) == 0 || key == "EnvironmentFile")
        list.push_back(Setting{v, at});
      else {
        for (const auto& w : ini::words(v)) list.push_back(Setting{w, at});
      }
      return;
    }
    if (section == "Service" && kScalars.count(key)) {
      scalars_[key] = Setting{v, at};
      return;
    }
    if (kNotModelled.count(key)) {
      sink.warning(
          e.line, e.column,
          fmt::format("`{}=` changes what the service may access and is not modelled: answers about this "
                      "service may be wrong",
                      key));
      return;
    }
    if (!kInert.count(key)) {
      sink.warning(e.line, e.column, fmt::format("`{}=` is not a setting rampart knows; it is ignored", key));
    }
  }

  std::string scalar(const std::string& k) const {
    auto it = scalars_.find(k);
    return it == scalars_.end() ? "" : it->second.value;
  }
  bool is_true(const std::string& k) const { return native::is_true(scalar(k)); }

  // systemd's config_parse_capability_set, line by line: a `~` inverts the
  // whole line; an empty line, `~` alone, or the first line of the bounding
  // set (the first non-empty set of the ambient one) replaces what came
  // before; later lines merge (added, or taken away when inverted). So
  // `CapabilityBoundingSet=` alone leaves no capability at all.
  core::CapabilitySet caps(const std::string& key, core::CapabilitySet dflt) {
    auto it = lists_.find(key);
    if (it == lists_.end() || it->second.empty()) return dflt;
    bool bounding = key == "CapabilityBoundingSet";
    core::CapabilitySet set = 0;
    bool seen = false;
    for (const auto& s : it->second) {
      std::string_view line = s.value;
      bool inv = !line.empty() && line[0] == '~';
      if (inv) line.remove_prefix(1);
      core::CapabilitySet sum = 0;
      for (const auto& w : ini::words(std::string(line))) {
        auto c = core::capability_by_name(native::lower(w));
        if (!c) {
          r_.diagnostics.error("RP3402", s.origin, fmt::format("`{}` is not a Linux capability", w));
          continue;
        }
        sum |= core::cap_bit(*c);
      }
      if (sum == 0 || (bounding ? !seen : set == 0))
        set = inv ? (core::kAllCapabilities & ~sum) : sum;
      else if (inv)
        set &= ~sum;
      else
        set |= sum;
      seen = true;
    }
    return set;
  }

  void identity(size_t svc, const Prefix& p, bool dynamic, const std::string& user, bool main = true) {
    core::Service& s = r_.fragment.services[svc];
    core::Origin at = r_.fragment.services[svc].origin;
    bool root = p.full || p.root_credentials || user.empty() || user == "root" || user == "0";
    if (p.full || p.root_credentials || user.empty()) {
      s.uid = s.gid = 0;
      s.user_name = s.group_name = "root";
    } else {
      auto u = scalars_.find("User");
      std::optional<uint32_t> fallback;
      if (dynamic) fallback = dynamic_id(user);
      native::name_ref(r_, core::NameRef::Target::ServiceUser, svc, user, u->second.origin, true, !dynamic,
                       fallback);
      s.user_name = user;
      if (auto g = scalars_.find("Group"); g != scalars_.end() && !g->second.value.empty()) {
        native::name_ref(r_, core::NameRef::Target::ServiceGroup, svc, g->second.value, g->second.origin,
                         false, false, fallback);
        s.group_name = g->second.value;
      }
      for (const auto& g : lists_["SupplementaryGroups"]) {
        native::name_ref(r_, core::NameRef::Target::ServiceSupplementary, svc, g.value, g.origin);
      }
    }
    if (dynamic && user.empty()) {
      // DynamicUser= without User=: a user named after the unit.
      std::string name = name_;
      native::name_ref(r_, core::NameRef::Target::ServiceUser, svc, name, at, true, false, dynamic_id(name));
      s.user_name = name;
      root = false;
    }
    s.umask = 022;
    if (auto m = scalars_.find("UMask"); m != scalars_.end()) {
      auto v = native::octal(m->second.value, 0777);
      if (!v)
        r_.diagnostics.error("RP3402", m->second.origin,
                             fmt::format("`{}` is not a umask (octal)", m->second.value));
      else
        s.umask = *v;
    }
    core::CapabilitySet bounding = caps("CapabilityBoundingSet", core::kAllCapabilities);
    core::CapabilitySet ambient = caps("AmbientCapabilities", 0);
    s.capabilities_declared = true;
    s.capabilities = p.full ? core::kAllCapabilities : (root ? bounding : (ambient & bounding));
    if (!p.full) view(svc, dynamic, main);
  }

  void view(size_t svc, bool dynamic, bool main) {
    core::Service& s = r_.fragment.services[svc];
    auto mount = [&](const std::string& path, bool ro, const core::Origin& at,
                     std::optional<core::FileNode> cover = {}) {
      core::Mount m;
      m.path = core::normalise_path(path);
      m.read_only = ro;
      m.origin = at;
      if (cover) {
        cover->path = m.path;
        cover->origin = at;
      }
      m.cover = std::move(cover);
      s.view.push_back(std::move(m));
    };
    auto cover_dir = [](uint16_t mode) {
      core::FileNode n;
      n.type = core::FileType::Directory;
      n.mode = mode;
      return n;
    };
    std::string ps = native::lower(scalar("ProtectSystem"));
    core::Origin ps_at = scalars_.count("ProtectSystem") ? scalars_["ProtectSystem"].origin : s.origin;
    if (ps.empty() && dynamic) ps = "strict";
    if (ps == "strict") {
      mount("/", true, ps_at);
      for (const char* api : {"/dev", "/proc", "/sys"}) mount(api, false, ps_at);
    } else if (native::is_true(ps) || ps == "full") {
      for (const char* p : {"/usr", "/boot", "/efi"}) mount(p, true, ps_at);
      if (ps == "full") mount("/etc", true, ps_at);
    }
    std::string ph = native::lower(scalar("ProtectHome"));
    core::Origin ph_at = scalars_.count("ProtectHome") ? scalars_["ProtectHome"].origin : s.origin;
    if (ph.empty() && dynamic) ph = "read-only";
    for (const char* p : {"/home", "/root", "/run/user"}) {
      if (native::is_true(ph))
        mount(p, true, ph_at, cover_dir(0));
      else if (ph == "read-only")
        mount(p, true, ph_at);
      else if (ph == "tmpfs")
        mount(p, true, ph_at, cover_dir(0755));
    }
    std::string pt = scalar("PrivateTmp");
    core::Origin pt_at = scalars_.count("PrivateTmp") ? scalars_["PrivateTmp"].origin : s.origin;
    if (native::is_true(pt) || (pt.empty() && dynamic)) {
      for (const char* p : {"/tmp", "/var/tmp"}) mount(p, false, pt_at, cover_dir(01777));
    }
    auto paths = [&](const char* key, auto&& f) {
      for (const auto& e : lists_[key]) {
        size_t first = e.value.find_first_not_of("-+");
        std::string p = first == std::string::npos ? std::string() : e.value.substr(first);
        if (p.empty() || p[0] != '/') {
          r_.diagnostics.error("RP3402", e.origin, fmt::format("`{}` is not an absolute path", e.value));
          continue;
        }
        f(core::normalise_path(p), e.origin);
      }
    };
    paths("ReadOnlyPaths", [&](const std::string& p, const core::Origin& at) { mount(p, true, at); });
    paths("InaccessiblePaths",
          [&](const std::string& p, const core::Origin& at) { mount(p, true, at, cover_dir(0)); });
    paths("ReadWritePaths", [&](const std::string& p, const core::Origin& at) { mount(p, false, at); });
    for (const auto& [key, where] : kDirectories) {
      for (const auto& e : lists_[key]) {
        std::string rel = e.value.substr(0, e.value.find(':'));
        if (rel.empty() || rel[0] == '/' || rel.find("..") != std::string::npos) {
          r_.diagnostics.error("RP3402", e.origin,
                               fmt::format("`{}` is not a relative directory name", e.value));
          continue;
        }
        std::string path = core::normalise_path(where.first + "/" + rel);
        // systemd creates it, owned by the unit's user and group, and makes it
        // writable whatever ProtectSystem= says.
        mount(path, false, e.origin);
        if (!main) continue;
        uint16_t mode = 0755;
        if (auto m = scalars_.find(where.second); m != scalars_.end()) {
          auto v = native::octal(m->second.value, 07777);
          if (!v)
            r_.diagnostics.error("RP3402", m->second.origin,
                                 fmt::format("`{}` is not a mode (octal)", m->second.value));
          else
            mode = *v;
        }
        core::FileNode n;
        n.path = path;
        n.type = core::FileType::Directory;
        n.mode = mode;
        n.uid = s.uid;
        n.gid = s.gid;
        n.origin = e.origin;
        size_t index = r_.fragment.files.size();
        r_.fragment.files.push_back(std::move(n));
        for (const auto& ref : std::vector<core::NameRef>(r_.names)) {
          if (ref.index != svc) continue;
          if (ref.target == core::NameRef::Target::ServiceUser) {
            native::name_ref(r_, core::NameRef::Target::FileOwner, index, ref.name, ref.origin, true, false,
                             ref.fallback);
          } else if (ref.target == core::NameRef::Target::ServiceGroup) {
            native::name_ref(r_, core::NameRef::Target::FileGroup, index, ref.name, ref.origin, false, false,
                             ref.fallback);
          }
        }
      }
    }
  }

  core::ImportResult& r_;
  std::string file_, unit_, name_, prefix_, instance_;
  std::map<std::string, std::vector<Setting>> lists_;
  std::map<std::string, Setting> scalars_;
};

}  // namespace

core::ImportResult parse_systemd(std::string_view text, const std::string& file,
                                 const std::vector<std::pair<std::string, std::string>>& dropins) {
  core::ImportResult r;
  Unit u(r, file);
  u.read(text, file);
  for (const auto& [name, body] : dropins) u.read(body, name);
  if (!r.diagnostics.has_errors()) u.build();
  return r;
}

}  // namespace rampart::importers
