// services.compose: docker compose files (docs/importers/services-compose.md).
//
// Each entry of `services:` is a service of the importing host: the
// identity its processes run with (`user:`, `group_add:`), their
// capabilities (docker's default set, `cap_add`, `cap_drop`, `privileged`),
// the host paths they reach (bind mounts, in a view where everything else
// of the host is hidden), and the host's listeners it adds (published
// `ports:`; with `network_mode: host`, its `expose` and port targets).
// yaml-cpp is used here only: no yaml-cpp type leaves this file.

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <set>

#include "../linux/native.h"
#include "rampart/core/dac.h"
#include "rampart/importers/linux.h"

namespace rampart::importers {

using native::Sink;

namespace {

constexpr const char* kCode = "RP3406";

// docker's default capabilities (moby oci/caps/defaults.go).
core::CapabilitySet docker_default_caps() {
  using C = core::Capability;
  core::CapabilitySet s = 0;
  for (C c : {C::Chown, C::DacOverride, C::FOwner, C::FSetId, C::Kill, C::SetGid, C::SetUid, C::SetPCap,
              C::NetBindService, C::NetRaw, C::SysChroot, C::Mknod, C::AuditWrite, C::SetFCap}) {
    s |= core::cap_bit(c);
  }
  return s;
}

// The first ephemeral port range of Linux (net.ipv4.ip_local_port_range),
// from which the kernel picks the host port of a port published without one.
constexpr uint16_t kEphemeralLow = 32768;
constexpr uint16_t kEphemeralHigh = 60999;

const std::set<std::string> kTopKeys{"version", "name",    "services", "networks",
                                     "volumes", "secrets", "configs"};

// Service keys with no effect on identity, file access or listeners.
const std::set<std::string> kInert{"image",
                                   "build",
                                   "command",
                                   "entrypoint",
                                   "environment",
                                   "env_file",
                                   "depends_on",
                                   "restart",
                                   "healthcheck",
                                   "labels",
                                   "logging",
                                   "networks",
                                   "container_name",
                                   "hostname",
                                   "domainname",
                                   "deploy",
                                   "working_dir",
                                   "stop_signal",
                                   "stop_grace_period",
                                   "ulimits",
                                   "tmpfs",
                                   "extra_hosts",
                                   "dns",
                                   "dns_search",
                                   "dns_opt",
                                   "profiles",
                                   "init",
                                   "tty",
                                   "stdin_open",
                                   "mem_limit",
                                   "mem_reservation",
                                   "memswap_limit",
                                   "mem_swappiness",
                                   "cpus",
                                   "cpu_shares",
                                   "cpu_quota",
                                   "cpu_period",
                                   "cpuset",
                                   "cpu_count",
                                   "cpu_percent",
                                   "pids_limit",
                                   "shm_size",
                                   "oom_kill_disable",
                                   "oom_score_adj",
                                   "pull_policy",
                                   "platform",
                                   "links",
                                   "external_links",
                                   "mac_address",
                                   "scale",
                                   "annotations",
                                   "attach",
                                   "blkio_config",
                                   "storage_opt",
                                   "sysctls",
                                   "stop_grace_period",
                                   "runtime",
                                   "isolation",
                                   "develop",
                                   "post_start",
                                   "pre_stop",
                                   "label_file",
                                   "cgroup",
                                   "cgroup_parent",
                                   "extends"};
// Service keys that change what the container may access on the host, and
// that rampart does not model.
const std::set<std::string> kNotModelled{
    "security_opt", "userns_mode", "volumes_from", "devices", "secrets",
    "configs",      "pid",         "ipc",          "uts",     "device_cgroup_rules"};

struct Pos {
  uint32_t line = 1, column = 1;
};

Pos pos(const YAML::Node& n) {
  YAML::Mark m = n.Mark();
  if (m.line < 0 || m.column < 0) return {};
  return Pos{uint32_t(m.line) + 1, uint32_t(m.column) + 1};
}

std::string kind_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "null";
    case YAML::NodeType::Scalar: return "a scalar";
    case YAML::NodeType::Sequence: return "a sequence";
    case YAML::NodeType::Map: return "a mapping";
    default: return "nothing";
  }
}

struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

class Reader {
 public:
  Reader(core::ImportResult& r, const std::string& file, std::string project_dir)
      : r_(r), sink_(r.diagnostics, kCode, file), project_dir_(std::move(project_dir)) {}

  void error(const YAML::Node& at, std::string message) {
    Pos p = pos(at);
    sink_.error(p.line, p.column, std::move(message));
  }
  void warning(const YAML::Node& at, std::string message) {
    Pos p = pos(at);
    sink_.warning(p.line, p.column, std::move(message));
  }

  // A mapping's entries with YAML merge keys (`<<: *anchor`, `<<: [*a, *b]`)
  // applied: the mapping's own keys win, then the merged mappings in order.
  // Duplicate keys are errors, as compose reports them.
  // Counts one more item of a list or entry of a mapping read; past the
  // bound, says so once (at `at`) and returns false.
  bool within_item_budget(const YAML::Node& at) {
    if (++items_ <= kMaxItems) return true;
    if (items_ == kMaxItems + 1)
      error(at, fmt::format("the file expands (through aliases) to more than {} list items and mapping "
                            "entries",
                            kMaxItems));
    return false;
  }

  std::vector<Entry> entries(const YAML::Node& map, int depth = 0) {
    std::vector<Entry> out;
    std::set<std::string> seen;
    std::vector<YAML::Node> merges;
    for (auto it = map.begin(); it != map.end(); ++it) {
      // Copies: the iterator hands out a proxy that does not outlive the line.
      YAML::Node k = it->first;
      YAML::Node v = it->second;
      // An alias repeats a mapping wherever it is named (10,000 services
      // `*a` of a 10,000-key mapping are 10^8 entries): entries count
      // against the same bound as list items.
      if (!within_item_budget(k)) break;
      if (!k.IsScalar()) {
        error(k, fmt::format("a key must be a string, not {}", kind_of(k)));
        continue;
      }
      std::string key = k.Scalar();
      if (key == "<<" && k.Tag() == "?") {
        merges.push_back(v);
        continue;
      }
      if (!seen.insert(key).second) {
        error(k, fmt::format("`{}` is given twice in this mapping", key));
        continue;
      }
      out.push_back(Entry{key, k, v});
    }
    for (const auto& m : merges) {
      std::vector<YAML::Node> sources;
      if (m.IsMap()) {
        sources.push_back(m);
      } else if (m.IsSequence()) {
        for (const auto& x : m) sources.push_back(x);
      } else {
        error(m,
              fmt::format("a merge key `<<` takes a mapping or a sequence of mappings, not {}", kind_of(m)));
        continue;
      }
      for (const auto& s : sources) {
        if (!s.IsMap()) {
          error(s, fmt::format("a merge key `<<` takes mappings, not {}", kind_of(s)));
          continue;
        }
        if (depth > 32 || ++merged_ > 4096) {
          error(s, "merge keys nest deeper than 32 or merge more than 4096 mappings");
          return out;
        }
        for (auto& e : entries(s, depth + 1)) {
          if (seen.insert(e.key).second) out.push_back(std::move(e));
        }
      }
    }
    return out;
  }

  void run(const YAML::Node& doc) {
    if (!doc || doc.IsNull()) {
      sink_.error(1, 1, "the file holds no compose document");
      return;
    }
    if (!doc.IsMap()) {
      error(doc, fmt::format("a compose file is a mapping (`services:` ...), not {}", kind_of(doc)));
      return;
    }
    bool has_services = false;
    for (const auto& e : entries(doc)) {
      if (e.key.rfind("x-", 0) == 0) continue;  // extensions, by the specification
      if (e.key == "services") {
        has_services = true;
        services(e.value);
      } else if (e.key == "include") {
        warning(e.key_node, "`include` is not followed: the services of included files are not in the model");
      } else if (!kTopKeys.count(e.key)) {
        warning(e.key_node, fmt::format("`{}` is not a compose key rampart knows; it is ignored", e.key));
      }
    }
    if (!has_services) sink_.warning(1, 1, "the file has no `services`: nothing is imported");
    if (!host_.listeners.empty()) r_.fragment.hosts.push_back(std::move(host_));
  }

 private:
  void services(const YAML::Node& node) {
    if (node.IsNull()) return;
    if (!node.IsMap()) {
      error(node, fmt::format("`services` must be a mapping of service names, not {}", kind_of(node)));
      return;
    }
    for (const auto& e : entries(node)) {
      if (e.key.rfind("x-", 0) == 0) continue;
      if (e.key.empty()) {
        error(e.key_node, "a service needs a name");
        continue;
      }
      if (!e.value.IsMap() && !e.value.IsNull()) {
        error(e.value, fmt::format("service `{}` must be a mapping, not {}", e.key, kind_of(e.value)));
        continue;
      }
      service(e);
    }
  }

  std::optional<std::string> scalar(const Entry& e, const char* what) {
    if (!e.value.IsScalar()) {
      error(e.value, fmt::format("`{}` must be {}, not {}", e.key, what, kind_of(e.value)));
      return std::nullopt;
    }
    return e.value.Scalar();
  }

  std::optional<bool> boolean(const Entry& e) {
    auto v = scalar(e, "true or false");
    if (!v) return std::nullopt;
    std::string l = native::lower(*v);
    if (l == "true") return true;
    if (l == "false") return false;
    error(e.value, fmt::format("`{}` must be true or false, not `{}`", e.key, *v));
    return std::nullopt;
  }

  std::vector<YAML::Node> sequence(const Entry& e, const char* what) {
    std::vector<YAML::Node> out;
    if (!e.value.IsSequence()) {
      error(e.value, fmt::format("`{}` must be a sequence of {}, not {}", e.key, what, kind_of(e.value)));
      return out;
    }
    for (const auto& x : e.value) {
      // Aliases can repeat one long sequence in every service: a bound on
      // the items read keeps a small file from expanding without end.
      if (!within_item_budget(x)) break;
      out.push_back(x);
    }
    return out;
  }

  std::vector<std::string> strings(const Entry& e) {
    std::vector<std::string> out;
    for (const auto& x : sequence(e, "strings")) {
      if (!x.IsScalar()) {
        error(x, fmt::format("an item of `{}` must be a string, not {}", e.key, kind_of(x)));
        continue;
      }
      out.push_back(x.Scalar());
    }
    return out;
  }

  struct Caps {
    core::CapabilitySet set = 0;
    bool all = false;
  };
  Caps capabilities(const Entry& e) {
    Caps c;
    for (const auto& x : sequence(e, "capability names")) {
      if (!x.IsScalar()) {
        error(x, fmt::format("an item of `{}` must be a capability name, not {}", e.key, kind_of(x)));
        continue;
      }
      std::string name = native::lower(x.Scalar());
      if (name == "all" || name == "cap_all") {
        c.all = true;
        continue;
      }
      auto cap = core::capability_by_name(name);
      if (!cap) {
        error(x, fmt::format("`{}` is not a Linux capability", x.Scalar()));
        continue;
      }
      c.set |= core::cap_bit(*cap);
    }
    return c;
  }

  void service(const Entry& svc_entry) {
    const std::string& name = svc_entry.key;
    core::Origin origin = sink_.at(pos(svc_entry.key_node).line, pos(svc_entry.key_node).column);
    size_t svc = native::add_service(r_, policy_name(name), origin);
    native::name_object(r_, name, core::ObjectKind::Service, svc);
    std::vector<Entry> keys;
    if (svc_entry.value.IsMap()) keys = entries(svc_entry.value);
    std::map<std::string, const Entry*> by_key;
    for (const auto& e : keys) by_key[e.key] = &e;
    auto get = [&](const char* k) -> const Entry* {
      auto it = by_key.find(k);
      return it == by_key.end() ? nullptr : it->second;
    };
    for (const auto& e : keys) {
      static const std::set<std::string> kRead{"user",       "group_add", "cap_add", "cap_drop",
                                               "privileged", "read_only", "ports",   "network_mode",
                                               "volumes",    "expose"};
      if (e.key.rfind("x-", 0) == 0 || kRead.count(e.key) || kInert.count(e.key)) continue;
      if (kNotModelled.count(e.key)) {
        warning(e.key_node, fmt::format("`{}` changes what the container may access and is not modelled: "
                                        "answers about service `{}` may be wrong",
                                        e.key, name));
        continue;
      }
      warning(e.key_node,
              fmt::format("`{}` is not a compose service key rampart knows; it is ignored", e.key));
    }

    // Identity: numeric ids are the host's ids; a name is the image's.
    bool known = true;
    std::string shown;
    uint32_t uid = core::kNoId, gid = core::kNoId;
    if (const Entry* u = get("user")) {
      if (auto v = scalar(*u, "a string (`uid[:gid]` or `name[:group]`)")) {
        shown = *v;
        auto parts = native::split(*v, ':');
        if (v->empty() || parts.size() > 2 || parts[0].empty() || (parts.size() == 2 && parts[1].empty())) {
          error(u->value, fmt::format("`{}` is not a user: write `uid[:gid]` or `name[:group]`", *v));
          known = false;
        } else {
          auto n = native::number(parts[0]);
          auto g = parts.size() == 2 ? native::number(parts[1]) : std::nullopt;
          if (n) uid = *n;
          if (g) gid = *g;
          if (!n || !g) {
            known = false;
            warning(
                u->value,
                fmt::format("`user: {}` is resolved in the image's /etc/passwd and /etc/group, which rampart "
                            "does not read: the identity of service `{}` is unknown, and its file-access "
                            "answers are unknown; write numeric `uid:gid` to check them",
                            *v, name));
          }
        }
      } else {
        known = false;
      }
    } else {
      known = false;
      shown = "image default";
      warning(svc_entry.key_node,
              fmt::format(
                  "service `{}` has no `user`: the image's USER decides, which rampart does not read; its "
                  "identity is unknown, and its file-access answers are unknown",
                  name));
    }
    std::vector<uint32_t> supplementary;
    if (const Entry* g = get("group_add")) {
      for (const auto& x : sequence(*g, "groups")) {
        if (!x.IsScalar()) {
          error(x, fmt::format("an item of `group_add` must be a group, not {}", kind_of(x)));
          continue;
        }
        if (auto n = native::number(x.Scalar())) {
          supplementary.push_back(*n);
        } else {
          known = false;
          warning(
              x, fmt::format("group `{}` is resolved in the image's /etc/group, which rampart does not read: "
                             "the identity of service `{}` is unknown",
                             x.Scalar(), name));
        }
      }
    }
    // Capabilities (moby's TweakCapabilities): privileged gives all; cap_add
    // ALL gives all but cap_drop; cap_drop ALL gives cap_add alone; else the
    // default set less cap_drop plus cap_add.
    bool privileged = false;
    if (const Entry* p = get("privileged")) privileged = boolean(*p).value_or(false);
    Caps add, drop;
    if (const Entry* a = get("cap_add")) add = capabilities(*a);
    if (const Entry* d = get("cap_drop")) drop = capabilities(*d);
    core::CapabilitySet root_caps;
    if (privileged)
      root_caps = core::kAllCapabilities;
    else if (add.all)
      root_caps = core::kAllCapabilities & ~drop.set;
    else if (drop.all)
      root_caps = add.set;
    else
      root_caps = (docker_default_caps() & ~drop.set) | add.set;
    bool read_only = false;
    if (const Entry* ro = get("read_only")) read_only = boolean(*ro).value_or(false);

    core::Service& s = r_.fragment.services[svc];
    s.user_name = known ? fmt::format("{}", uid) : shown;
    s.group_name = known ? fmt::format("{}", gid) : "";
    s.uid = known ? uid : core::kNoId;
    s.gid = known ? gid : core::kNoId;
    if (known) s.supplementary_gids = supplementary;
    s.capabilities_declared = true;
    // A process of a non-root user has no effective capability (docker sets
    // no ambient set); an unknown identity keeps root's set, for the day it
    // is known (its answers are unknown meanwhile).
    s.capabilities = (known && uid != 0) ? 0 : root_caps;
    s.umask = 022;

    // The container's own file system hides the host's tree; bind mounts
    // show host paths again (under other paths inside the container).
    core::Mount root;
    root.path = "/";
    root.read_only = read_only;
    root.origin = origin;
    core::FileNode cover;
    cover.path = "/";
    cover.type = core::FileType::Directory;
    cover.mode = 0755;
    cover.uid = 0;
    cover.gid = 0;
    cover.origin = origin;
    root.cover = cover;
    s.view.push_back(std::move(root));
    if (const Entry* v = get("volumes")) volumes(svc, *v);

    std::string network_mode;
    if (const Entry* n = get("network_mode")) network_mode = scalar(*n, "a string").value_or("");
    bool host_net = network_mode == "host";
    if (const Entry* p = get("ports")) ports(svc, name, *p, host_net, network_mode == "none");
    if (const Entry* x = get("expose")) expose(svc, name, *x, host_net);
  }

  // --- volumes ---------------------------------------------------------------

  void bind(size_t svc, std::string source, bool read_only, const YAML::Node& at) {
    if (source.empty()) {
      error(at, "a bind mount needs a source path");
      return;
    }
    if (source[0] == '~') {
      warning(at,
              fmt::format("`{}` is relative to the home folder of whoever runs compose, which rampart does "
                          "not know: this bind mount is left out",
                          source));
      return;
    }
    if (source[0] != '/') source = project_dir_ + "/" + source;
    std::string path = core::normalise_path(source);
    if (path.empty()) {
      error(at, fmt::format("`{}` is not a path", source));
      return;
    }
    core::Origin o = sink_.at(pos(at).line, pos(at).column);
    core::Service& s = r_.fragment.services[svc];
    core::Mount m;
    m.path = path;
    m.read_only = read_only;
    m.origin = o;
    s.view.push_back(std::move(m));
    native::add_access(s, core::Operation::Read, path, o);
    native::add_access(s, core::Operation::Read, path == "/" ? "/**" : path + "/**", o);
  }

  static bool looks_like_path(const std::string& s) {
    return !s.empty() && (s[0] == '/' || s[0] == '.' || s[0] == '~');
  }

  void volumes(size_t svc, const Entry& e) {
    for (const auto& v : sequence(e, "volumes")) {
      if (v.IsScalar()) {
        // SOURCE:TARGET[:MODE], or TARGET alone (an anonymous volume).
        std::string text = v.Scalar();
        auto parts = native::split(text, ':');
        if (text.empty() || parts.size() > 3) {
          error(v, fmt::format("`{}` is not a volume: write `SOURCE:TARGET[:MODE]`", text));
          continue;
        }
        if (parts.size() == 1) continue;  // an anonymous volume: the container's own storage
        std::string source(parts[0]), target(parts[1]);
        if (target.empty() || target[0] != '/') {
          error(v,
                fmt::format("the target `{}` of a volume must be an absolute path in the container", target));
          continue;
        }
        bool ro = false;
        if (parts.size() == 3) {
          for (auto word : native::split(parts[2], ',')) {
            static const std::set<std::string> kModes{
                "rw",     "z",       "Z",        "nocopy", "shared",    "rshared",   "slave",
                "rslave", "private", "rprivate", "cached", "delegated", "consistent"};
            if (word == "ro") {
              ro = true;
            } else if (!kModes.count(std::string(word))) {
              error(v, fmt::format("`{}` is not a volume mode (ro, rw, z, Z, nocopy, a propagation or a "
                                   "consistency)",
                                   word));
            }
          }
        }
        if (!looks_like_path(source)) continue;  // a named volume
        bind(svc, source, ro, v);
        continue;
      }
      if (!v.IsMap()) {
        error(v, fmt::format("a volume must be a string or a mapping, not {}", kind_of(v)));
        continue;
      }
      std::string type, source, target;
      bool ro = false;
      for (const auto& f : entries(v)) {
        if (f.key == "type") {
          type = scalar(f, "a string").value_or("");
        } else if (f.key == "source") {
          source = scalar(f, "a string").value_or("");
        } else if (f.key == "target") {
          target = scalar(f, "a string").value_or("");
        } else if (f.key == "read_only") {
          ro = boolean(f).value_or(false);
        } else if (f.key == "bind" || f.key == "volume" || f.key == "tmpfs" || f.key == "image") {
          if (!f.value.IsMap())
            error(f.value, fmt::format("`{}` must be a mapping, not {}", f.key, kind_of(f.value)));
        } else if (f.key != "consistency" && f.key.rfind("x-", 0) != 0) {
          warning(f.key_node, fmt::format("`{}` is not a volume key rampart knows; it is ignored", f.key));
        }
      }
      static const std::set<std::string> kTypes{"bind", "volume", "tmpfs", "npipe", "cluster", "image"};
      if (!kTypes.count(type)) {
        error(v, type.empty()
                     ? std::string("a volume in long syntax needs a `type`")
                     : fmt::format("`{}` is not a volume type (bind, volume, tmpfs, npipe, cluster, image)",
                                   type));
        continue;
      }
      if (target.empty() || target[0] != '/') {
        error(v, "a volume needs a `target`: an absolute path in the container");
        continue;
      }
      if (type == "bind") bind(svc, source, ro, v);
    }
  }

  // --- ports -----------------------------------------------------------------

  struct Range {
    uint16_t lo = 0, hi = 0;
    bool given = false;
  };
  std::optional<Range> port_range(std::string_view text) {
    Range r;
    auto dash = text.find('-');
    auto lo = native::number(text.substr(0, dash), 65535);
    auto hi = dash == std::string_view::npos ? lo : native::number(text.substr(dash + 1), 65535);
    if (!lo || !hi || *lo > *hi || *lo == 0) return std::nullopt;
    r.lo = uint16_t(*lo);
    r.hi = uint16_t(*hi);
    r.given = true;
    return r;
  }

  std::optional<uint8_t> protocol(const std::string& p, const YAML::Node& at) {
    std::string l = native::lower(p);
    if (l.empty() || l == "tcp") return core::proto::kTcp;
    if (l == "udp") return core::proto::kUdp;
    if (l == "sctp") return core::proto::kSctp;
    error(at, fmt::format("`{}` is not a port protocol (tcp, udp, sctp)", p));
    return std::nullopt;
  }

  void listener(size_t svc, const std::string& name, uint8_t proto, core::PortSet ports, core::Bind bind,
                bool forwarded, const YAML::Node& at) {
    core::Listener l;
    l.forwarded = forwarded;
    l.protocol = proto;
    l.ports = std::move(ports);
    l.bind = bind;
    l.service = core::ServiceId(uint32_t(svc));
    l.process = name;
    l.origin = sink_.at(pos(at).line, pos(at).column);
    host_.listeners.push_back(std::move(l));
  }

  // A published port: listeners on the host at the host ip (docker binds
  // 0.0.0.0 and :: when none is given).
  void publish(size_t svc, const std::string& name, uint8_t proto, Range published, Range target,
               const std::string& host_ip, const YAML::Node& at) {
    core::PortSet ports;
    if (!published.given) {
      warning(at, fmt::format("{}/{} of service `{}` is published on a host port the kernel picks at start: "
                              "rampart counts the whole range {}-{} as listening",
                              core::protocol_name(proto), target.lo, name, kEphemeralLow, kEphemeralHigh));
      ports = core::PortSet::range(kEphemeralLow, kEphemeralHigh);
    } else if (published.hi - published.lo != target.hi - target.lo) {
      if (target.lo != target.hi) {
        error(at, fmt::format("the host ports {}-{} and the container ports {}-{} are not ranges of the same "
                              "length",
                              published.lo, published.hi, target.lo, target.hi));
        return;
      }
      warning(at,
              fmt::format("{}/{} of service `{}` is published on one host port of {}-{}, picked at start: "
                          "rampart counts the whole range as listening",
                          core::protocol_name(proto), target.lo, name, published.lo, published.hi));
      ports = core::PortSet::range(published.lo, published.hi);
    } else {
      ports = core::PortSet::range(published.lo, published.hi);
    }
    std::vector<core::Bind> binds;
    if (host_ip.empty()) {
      binds.push_back(core::Bind{core::Bind::Kind::AnyV4, {}});
      binds.push_back(core::Bind{core::Bind::Kind::AnyV6, {}});
    } else {
      std::string ip = host_ip;
      if (ip.size() > 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
      auto a = core::Address::parse(ip);
      if (!a) {
        error(at, fmt::format("`{}` is not an IP address", host_ip));
        return;
      }
      core::Bind b;
      if (a->bits == 0)
        b.kind = a->family == core::Family::V4 ? core::Bind::Kind::AnyV4 : core::Bind::Kind::AnyV6;
      else {
        b.kind = core::Bind::Kind::Address;
        b.address = *a;
      }
      binds.push_back(b);
    }
    // DNAT to the container: the host's INPUT filters do not see it.
    for (const auto& b : binds) listener(svc, name, proto, ports, b, true, at);
  }

  // The container's own port, on the host itself (network_mode: host).
  void host_port(size_t svc, const std::string& name, uint8_t proto, Range target, const YAML::Node& at) {
    listener(svc, name, proto, core::PortSet::range(target.lo, target.hi),
             core::Bind{core::Bind::Kind::Any, {}}, false, at);
  }

  void ports(size_t svc, const std::string& name, const Entry& e, bool host_net, bool no_net) {
    for (const auto& p : sequence(e, "ports")) {
      uint8_t proto = core::proto::kTcp;
      Range published, target;
      std::string host_ip;
      if (p.IsScalar()) {
        // [[HOST_IP:]PUBLISHED:]TARGET[/PROTOCOL]
        std::string text = p.Scalar();
        std::string spec = text;
        if (auto slash = spec.rfind('/'); slash != std::string::npos) {
          auto pr = protocol(spec.substr(slash + 1), p);
          if (!pr) continue;
          proto = *pr;
          spec = spec.substr(0, slash);
        }
        auto last = spec.rfind(':');
        std::string target_text = last == std::string::npos ? spec : spec.substr(last + 1);
        std::string rest = last == std::string::npos ? "" : spec.substr(0, last);
        std::string published_text = rest;
        if (auto colon = rest.rfind(':'); colon != std::string::npos) {
          host_ip = rest.substr(0, colon);
          published_text = rest.substr(colon + 1);
          if (host_ip.empty()) {
            error(p, fmt::format("`{}` is not a port: the host address before `:` is empty", text));
            continue;
          }
        }
        auto t = port_range(target_text);
        if (!t) {
          error(p, fmt::format(
                       "`{}` is not a port mapping: write `[[HOST_IP:]HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`",
                       text));
          continue;
        }
        target = *t;
        if (last != std::string::npos && !published_text.empty()) {
          auto h = port_range(published_text);
          if (!h) {
            error(p, fmt::format("`{}` is not a host port or range", published_text));
            continue;
          }
          published = *h;
        }
      } else if (p.IsMap()) {
        bool has_target = false;
        bool bad = false;
        for (const auto& f : entries(p)) {
          if (f.key == "target") {
            auto v = scalar(f, "a port number");
            auto t = v ? port_range(*v) : std::nullopt;
            if (!t || t->lo != t->hi) {
              if (v) error(f.value, fmt::format("`{}` is not a port", *v));
              bad = true;
            } else {
              target = *t;
              has_target = true;
            }
          } else if (f.key == "published") {
            auto v = scalar(f, "a port or a range");
            if (!v) {
              bad = true;
            } else if (!v->empty()) {
              auto h = port_range(*v);
              if (!h) {
                error(f.value, fmt::format("`{}` is not a host port or range", *v));
                bad = true;
              } else {
                published = *h;
              }
            }
          } else if (f.key == "host_ip") {
            host_ip = scalar(f, "an IP address").value_or("");
          } else if (f.key == "protocol") {
            auto v = scalar(f, "tcp, udp or sctp");
            auto pr = v ? protocol(*v, f.value) : std::nullopt;
            if (!pr)
              bad = true;
            else
              proto = *pr;
          } else if (f.key == "mode") {
            auto v = scalar(f, "host or ingress");
            if (v && *v != "host" && *v != "ingress") {
              error(f.value, fmt::format("`{}` is not a port mode (host, ingress)", *v));
              bad = true;
            }
          } else if (f.key != "name" && f.key != "app_protocol" && f.key.rfind("x-", 0) != 0) {
            warning(f.key_node, fmt::format("`{}` is not a port key rampart knows; it is ignored", f.key));
          }
        }
        if (!has_target) {
          if (!bad) error(p, "a port in long syntax needs a `target`");
          continue;
        }
        if (bad) continue;
      } else {
        error(p, fmt::format("a port must be a string, a number or a mapping, not {}", kind_of(p)));
        continue;
      }
      if (no_net) continue;  // network_mode: none publishes nothing
      if (host_net)
        host_port(svc, name, proto, target, p);
      else
        publish(svc, name, proto, published, target, host_ip, p);
    }
  }

  void expose(size_t svc, const std::string& name, const Entry& e, bool host_net) {
    for (const auto& x : sequence(e, "ports")) {
      if (!x.IsScalar()) {
        error(x, fmt::format("an item of `expose` must be a port, not {}", kind_of(x)));
        continue;
      }
      std::string spec = x.Scalar();
      uint8_t proto = core::proto::kTcp;
      if (auto slash = spec.rfind('/'); slash != std::string::npos) {
        auto pr = protocol(spec.substr(slash + 1), x);
        if (!pr) continue;
        proto = *pr;
        spec = spec.substr(0, slash);
      }
      auto t = port_range(spec);
      if (!t) {
        error(x, fmt::format("`{}` is not a port or range", x.Scalar()));
        continue;
      }
      // Without the host's network, an exposed port is reached only from
      // other containers: no listener of the host.
      if (host_net) host_port(svc, name, proto, *t, x);
    }
  }

  core::ImportResult& r_;
  Sink sink_;
  std::string project_dir_;
  core::Host host_;
  size_t merged_ = 0;  // mappings merged so far (a bound against alias bombs)
  static constexpr size_t kMaxItems = 100000;
  size_t items_ = 0;  // items of sequences and entries of mappings read so far
};

}  // namespace

core::ImportResult parse_compose(std::string_view text, const std::string& file,
                                 const std::string& project_dir) {
  core::ImportResult r;
  std::string dir = core::normalise_path(project_dir.empty() ? "/" : project_dir);
  if (dir.empty()) dir = "/";
  Reader reader(r, file, dir == "/" ? "" : dir);
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    uint32_t line = e.mark.line >= 0 ? uint32_t(e.mark.line) + 1 : 1;
    uint32_t col = e.mark.column >= 0 ? uint32_t(e.mark.column) + 1 : 1;
    // yaml-cpp's depth guard says "bad file"; say what it means.
    bool too_deep = dynamic_cast<const YAML::DeepRecursion*>(&e) != nullptr;
    r.diagnostics.error(kCode, core::Origin::native_line(file, line, col),
                        too_deep ? std::string("YAML nested too deeply here (yaml-cpp's parser stops at "
                                               "2,000 levels of its own recursion)")
                                 : fmt::format("YAML syntax error: {}", e.msg));
    return r;
  }
  try {
    reader.run(doc);
  } catch (const YAML::Exception& e) {
    // yaml-cpp throws on a node it cannot walk (a recursive alias): located
    // where it says, never a crash.
    uint32_t line = e.mark.line >= 0 ? uint32_t(e.mark.line) + 1 : 1;
    uint32_t col = e.mark.column >= 0 ? uint32_t(e.mark.column) + 1 : 1;
    r.diagnostics.error(kCode, core::Origin::native_line(file, line, col),
                        fmt::format("cannot read this YAML: {}", e.msg));
  }
  return r;
}

}  // namespace rampart::importers
