// services.php-fpm: php-fpm.conf and pool files
// (docs/importers/services-php-fpm.md).
//
// The master (`php-fpm`, root) writes the error log, the pools' access and
// slow logs, and binds each pool's socket. Each pool is a service
// `php-fpm-POOL` run as its `user` / `group`. A unix `listen` socket is a
// node with the owner, group, mode and ACL php-fpm gives it
// (fpm_unix_resolve_socket_permissions): listen.owner / listen.group (the
// owner's primary group when only the owner is set), listen.mode (0660),
// and with listen.acl_users / listen.acl_groups an ACL granting rw to each
// and the owner left as root.

#include <map>
#include <set>

#include "../linux/native.h"
#include "ini.h"
#include "rampart/core/dac.h"
#include "rampart/importers/linux.h"

namespace rampart::importers {

using native::Sink;

namespace {

const std::set<std::string> kGlobalKeys{"pid",
                                        "error_log",
                                        "syslog.facility",
                                        "syslog.ident",
                                        "log_level",
                                        "log_limit",
                                        "log_buffering",
                                        "emergency_restart_threshold",
                                        "emergency_restart_interval",
                                        "process_control_timeout",
                                        "process.max",
                                        "process.priority",
                                        "daemonize",
                                        "rlimit_files",
                                        "rlimit_core",
                                        "events.mechanism",
                                        "systemd_interval",
                                        "include"};
const std::set<std::string> kPoolKeys{"user",
                                      "group",
                                      "listen",
                                      "listen.backlog",
                                      "listen.owner",
                                      "listen.group",
                                      "listen.mode",
                                      "listen.acl_users",
                                      "listen.acl_groups",
                                      "listen.allowed_clients",
                                      "listen.setfib",
                                      "process.priority",
                                      "process.dumpable",
                                      "pm",
                                      "pm.max_children",
                                      "pm.start_servers",
                                      "pm.min_spare_servers",
                                      "pm.max_spare_servers",
                                      "pm.max_spawn_rate",
                                      "pm.process_idle_timeout",
                                      "pm.max_requests",
                                      "pm.status_path",
                                      "pm.status_listen",
                                      "ping.path",
                                      "ping.response",
                                      "access.log",
                                      "access.format",
                                      "access.suppress_path",
                                      "slowlog",
                                      "request_slowlog_timeout",
                                      "request_slowlog_trace_depth",
                                      "request_terminate_timeout",
                                      "request_terminate_timeout_track_finished",
                                      "rlimit_files",
                                      "rlimit_core",
                                      "chroot",
                                      "chdir",
                                      "catch_workers_output",
                                      "decorate_workers_output",
                                      "clear_env",
                                      "security.limit_extensions",
                                      "prefix",
                                      "apparmor_hat",
                                      "include"};

struct Context {
  core::ImportResult r;
  const FileSource* includes = nullptr;
  std::string base;
  std::optional<size_t> master;
  std::set<std::string> read;
  int depth = 0;
};

class Reader {
 public:
  Reader(Context& c, std::string file) : c_(c), sink_(c.r.diagnostics, "RP3404", file) {}

  void run(std::string_view text) {
    ini::Dialect d;
    d.strip_quotes = true;
    auto sections = ini::parse(text, d, sink_);
    for (const auto& s : sections) {
      if (s.name == "global")
        global(s);
      else
        pool(s);
    }
  }

 private:
  size_t master() {
    if (!c_.master) {
      c_.master = native::add_service(c_.r, "php-fpm", sink_.at(1, 1));
      core::Service& m = c_.r.fragment.services[*c_.master];
      m.uid = 0;
      m.gid = 0;
      m.user_name = m.group_name = "root";
      native::name_object(c_.r, "php-fpm", core::ObjectKind::Service, *c_.master);
    }
    return *c_.master;
  }

  std::optional<std::string> path(const ini::Entry& e, const std::string& v) {
    std::string p = v;
    if (!p.empty() && p[0] != '/') p = c_.base + "/" + p;
    if (p.empty() || p[0] != '/') {
      sink_.error(e.line, e.value_column, fmt::format("`{}` is not a path", v));
      return std::nullopt;
    }
    return core::normalise_path(p);
  }

  void global(const ini::Section& s) {
    for (const auto& e : s.entries) {
      if (!kGlobalKeys.count(e.key)) {
        sink_.warning(e.line, e.column,
                      fmt::format("`{}` is not a [global] setting rampart knows; it is ignored", e.key));
        continue;
      }
      if (e.key == "include")
        include(e);
      else if (e.key == "pid" || e.key == "error_log") {
        if (e.value == "syslog" || e.value.rfind("syslog", 0) == 0) continue;
        if (auto p = path(e, e.value)) {
          native::add_access(c_.r.fragment.services[master()], core::Operation::Create, *p,
                             sink_.at(e.line, e.value_column));
        }
      }
    }
  }

  void include(const ini::Entry& e) {
    if (!c_.includes) {
      sink_.warning(e.line, e.value_column, "included files are not read here: import them one by one");
      return;
    }
    if (c_.depth >= 16) {
      sink_.error(e.line, e.value_column, "includes nest deeper than 16 files");
      return;
    }
    std::string pattern = e.value[0] == '/' ? e.value : c_.base + "/" + e.value;
    for (const auto& f : c_.includes->glob(pattern)) {
      if (!c_.read.insert(f).second) continue;
      auto text = c_.includes->read(f);
      if (!text) {
        sink_.error(e.line, e.value_column, fmt::format("cannot read the included file `{}`", f));
        continue;
      }
      ++c_.depth;
      Reader(c_, f).run(*text);
      --c_.depth;
    }
  }

  void pool(const ini::Section& s) {
    std::string name = s.name;
    std::map<std::string, const ini::Entry*> keys;
    for (const auto& e : s.entries) {
      bool bracketed = e.key.rfind("php_value[", 0) == 0 || e.key.rfind("php_admin_value[", 0) == 0 ||
                       e.key.rfind("php_flag[", 0) == 0 || e.key.rfind("php_admin_flag[", 0) == 0 ||
                       e.key.rfind("env[", 0) == 0;
      if (!bracketed && !kPoolKeys.count(e.key)) {
        sink_.warning(e.line, e.column,
                      fmt::format("`{}` is not a pool setting rampart knows; it is ignored", e.key));
        continue;
      }
      keys[e.key] = &e;
    }
    auto get = [&](const std::string& k) -> const ini::Entry* {
      auto it = keys.find(k);
      return it == keys.end() ? nullptr : it->second;
    };
    auto value = [&](const ini::Entry* e) {
      std::string v = e->value;
      for (size_t at = v.find("$pool"); at != std::string::npos; at = v.find("$pool", at + name.size())) {
        v.replace(at, 5, name);
      }
      return v;
    };
    if (const ini::Entry* e = get("include")) include(*e);
    if (const ini::Entry* e = get("chroot")) {
      sink_.warning(e->line, e->column,
                    "`chroot` is not modelled: the pool's paths are taken as the host's, outside the chroot");
    }
    const ini::Entry* user = get("user");
    const ini::Entry* listen = get("listen");
    if (!user || !listen) {
      sink_.error(
          s.line, 1,
          fmt::format("pool `[{}]` needs `user` and `listen` (php-fpm refuses to start without them)", name));
      return;
    }
    size_t svc = native::add_service(c_.r, policy_name("php-fpm-" + name), sink_.at(s.line, 1));
    native::name_object(c_.r, name, core::ObjectKind::Service, svc);
    core::Service* sv = &c_.r.fragment.services[svc];
    sv->user_name = value(user);
    native::name_ref(c_.r, core::NameRef::Target::ServiceUser, svc, value(user),
                     sink_.at(user->line, user->value_column), true, true);
    if (const ini::Entry* g = get("group")) {
      sv->group_name = value(g);
      native::name_ref(c_.r, core::NameRef::Target::ServiceGroup, svc, value(g),
                       sink_.at(g->line, g->value_column));
    }
    if (const ini::Entry* e = get("chdir")) {
      if (auto p = path(*e, value(e)))
        native::add_access(*sv, core::Operation::Search, *p, sink_.at(e->line, e->value_column));
    }
    for (const char* k : {"php_admin_value[error_log]", "php_value[error_log]"}) {
      const ini::Entry* e = get(k);
      if (!e || value(e) == "syslog") continue;
      // PHP opens its error_log itself, in the worker, as the pool's user.
      if (auto p = path(*e, value(e)))
        native::add_access(c_.r.fragment.services[svc], core::Operation::Create, *p,
                           sink_.at(e->line, e->value_column));
    }
    for (const char* k : {"access.log", "slowlog"}) {
      const ini::Entry* e = get(k);
      if (!e) continue;
      if (auto p = path(*e, value(e))) {
        native::add_access(c_.r.fragment.services[master()], core::Operation::Create, *p,
                           sink_.at(e->line, e->value_column));
      }
    }
    std::string l = value(listen);
    bool unix = l.find('/') != std::string::npos;
    if (!unix) {
      tcp_listener(l, *listen, svc);
      return;
    }
    auto sock = path(*listen, l);
    if (!sock) return;
    core::FileNode n;
    n.path = *sock;
    n.type = core::FileType::Socket;
    n.uid = 0;  // the master's
    n.gid = 0;
    n.mode = 0660;
    n.origin = sink_.at(listen->line, listen->value_column);
    if (const ini::Entry* m = get("listen.mode")) {
      auto v = native::octal(value(m), 0777);
      if (!v)
        sink_.error(m->line, m->value_column, fmt::format("`{}` is not a mode (octal)", m->value));
      else
        n.mode = *v;
    }
    size_t index = c_.r.fragment.files.size();
    const ini::Entry* acl_users = get("listen.acl_users");
    const ini::Entry* acl_groups = get("listen.acl_groups");
    if (acl_users || acl_groups) {
      using Tag = core::AclEntry::Tag;
      std::vector<core::AclEntry> e{{Tag::UserObj, core::kNoId, uint8_t((n.mode >> 6) & 7)},
                                    {Tag::GroupObj, core::kNoId, uint8_t((n.mode >> 3) & 7)},
                                    {Tag::Other, core::kNoId, uint8_t(n.mode & 7)}};
      std::vector<std::pair<Tag, std::string>> named;
      for (auto [entry, tag] : {std::pair{acl_users, Tag::User}, std::pair{acl_groups, Tag::Group}}) {
        if (!entry) continue;
        const std::string list = value(entry);  // the views below point into it
        for (auto w : native::split(list, ',')) {
          w = native::trim(w);
          if (!w.empty()) named.emplace_back(tag, std::string(w));
        }
      }
      uint8_t mask = uint8_t((n.mode >> 3) & 7);
      uint32_t placeholder = core::kNoId - 1;
      for (const auto& [tag, who] : named) {
        e.push_back(core::AclEntry{tag, placeholder--, 6});  // rw, resolved by the binder
        mask |= 6;
      }
      e.push_back(core::AclEntry{Tag::Mask, core::kNoId, mask});  // acl_calc_mask
      n.access_acl.entries = e;
      n.mode = uint16_t((n.mode & ~070) | (mask << 3));
      c_.r.fragment.files.push_back(std::move(n));
      const ini::Entry* at = acl_users ? acl_users : acl_groups;
      for (size_t k = 0; k < named.size(); ++k) {
        native::name_ref(
            c_.r,
            named[k].first == Tag::User ? core::NameRef::Target::AclUser : core::NameRef::Target::AclGroup,
            index, named[k].second, sink_.at(at->line, at->value_column), false, false, std::nullopt,
            uint32_t(3 + k));
      }
      if (get("listen.owner") || get("listen.group")) {
        const ini::Entry* o = get("listen.owner") ? get("listen.owner") : get("listen.group");
        sink_.warning(
            o->line, o->column,
            "with listen.acl_users or listen.acl_groups, php-fpm ignores listen.owner and listen.group");
      }
      return;
    }
    c_.r.fragment.files.push_back(std::move(n));
    if (const ini::Entry* o = get("listen.owner")) {
      native::name_ref(c_.r, core::NameRef::Target::FileOwner, index, value(o),
                       sink_.at(o->line, o->value_column), true);
    }
    if (const ini::Entry* g = get("listen.group")) {
      native::name_ref(c_.r, core::NameRef::Target::FileGroup, index, value(g),
                       sink_.at(g->line, g->value_column));
    }
  }

  void tcp_listener(const std::string& l, const ini::Entry& e, size_t svc) {
    std::string host, port = l;
    if (auto colon = l.rfind(':'); colon != std::string::npos) {
      host = l.substr(0, colon);
      port = l.substr(colon + 1);
    }
    auto p = native::number(port, 65535);
    if (!p) {
      sink_.error(e.line, e.value_column, fmt::format("`{}` is not a socket path, PORT or ADDRESS:PORT", l));
      return;
    }
    core::Listener li;
    li.protocol = 6;
    li.ports = core::PortSet::single(uint16_t(*p));
    if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    if (host.empty()) {
      li.bind.kind = core::Bind::Kind::Any;  // a port alone: every address, both families
    } else {
      if (host == "localhost") host = "127.0.0.1";
      auto a = core::Address::parse(host);
      if (!a) {
        sink_.error(e.line, e.value_column, fmt::format("`{}` is not an IP address", host));
        return;
      }
      if (a->bits == 0)
        li.bind.kind = a->family == core::Family::V4 ? core::Bind::Kind::AnyV4 : core::Bind::Kind::AnyV6;
      else {
        li.bind.kind = core::Bind::Kind::Address;
        li.bind.address = *a;
      }
    }
    li.service = core::ServiceId(uint32_t(svc));
    li.origin = sink_.at(e.line, e.value_column);
    for (auto& h : c_.r.fragment.hosts) {
      if (h.name.empty()) {
        h.listeners.push_back(std::move(li));
        return;
      }
    }
    c_.r.fragment.hosts.emplace_back();
    c_.r.fragment.hosts.back().listeners.push_back(std::move(li));
  }

  Context& c_;
  Sink sink_;
};

}  // namespace

core::ImportResult parse_phpfpm(std::string_view text, const std::string& file, const FileSource* includes,
                                const std::string& base) {
  Context c;
  c.includes = includes;
  c.base = base.empty() ? "/etc/php-fpm.d" : base;
  c.read.insert(file);
  Reader(c, file).run(text);
  return std::move(c.r);
}

}  // namespace rampart::importers
