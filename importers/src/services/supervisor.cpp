// services.supervisor: supervisord's configuration (supervisord.conf and the
// program files it includes); docs/importers/services-supervisor.md.
//
// Each [program:NAME] is a service NAME run as `user=` (root without it),
// with its umask, its working directory and its command. The program's
// stdout_logfile and stderr_logfile are opened by supervisord itself, as
// root, before the program starts: they are accesses of a separate service,
// `supervisord`.

#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include "../linux/native.h"
#include "ini.h"
#include "rampart/core/dac.h"
#include "rampart/importers/linux.h"

namespace rampart::importers {

using native::Sink;

namespace {

// One `%(NAME)FLAGSWIDTHs|d` expansion starting at v[at] == '%': NAME of
// [A-Za-z0-9_]+, flags of `-#0 +`, digits, then s or d. A scan, not
// std::regex, whose matcher recurses once per character of a long value.
struct Expansion {
  std::string name;
  std::string spec;  // flags and width, e.g. "02"
  char conversion = 's';
  size_t end = 0;  // one past the conversion letter
};

std::optional<Expansion> expansion_at(const std::string& v, size_t at) {
  size_t i = at + 1;
  if (i >= v.size() || v[i] != '(') return std::nullopt;
  size_t name_begin = ++i;
  while (i < v.size() && (std::isalnum(static_cast<unsigned char>(v[i])) || v[i] == '_')) ++i;
  if (i == name_begin || i >= v.size() || v[i] != ')') return std::nullopt;
  Expansion ex;
  ex.name = v.substr(name_begin, i - name_begin);
  size_t spec_begin = ++i;
  while (i < v.size() && std::string_view("-#0 +").find(v[i]) != std::string_view::npos) ++i;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
  if (i >= v.size() || (v[i] != 's' && v[i] != 'd')) return std::nullopt;
  ex.spec = v.substr(spec_begin, i - spec_begin);
  ex.conversion = v[i];
  ex.end = i + 1;
  return ex;
}

const std::set<std::string> kProgramKeys{
    "command", "process_name", "numprocs", "numprocs_start", "priority", "autostart", "startsecs",
    "startretries", "autorestart", "exitcodes", "stopsignal", "stopwaitsecs", "stopasgroup", "killasgroup",
    "user", "redirect_stderr", "stdout_logfile", "stdout_logfile_maxbytes", "stdout_logfile_backups",
    "stdout_capture_maxbytes", "stdout_events_enabled", "stdout_syslog", "stderr_logfile",
    "stderr_logfile_maxbytes", "stderr_logfile_backups", "stderr_capture_maxbytes", "stderr_events_enabled",
    "stderr_syslog", "environment", "directory", "umask", "serverurl",
    // [eventlistener:x] and [fcgi-program:x]
    "buffer_size", "events", "result_handler", "socket", "socket_backlog", "socket_owner", "socket_mode"};
const std::set<std::string> kSupervisordKeys{
    "logfile",  "logfile_maxbytes", "logfile_backups", "loglevel",    "pidfile",   "umask",
    "nodaemon", "silent",           "minfds",          "minprocs",    "nocleanup", "childlogdir",
    "user",     "directory",        "strip_ansi",      "environment", "identifier"};

const std::set<std::string> kInterpreters{"python", "python2", "python3",  "php",  "node",
                                          "nodejs", "ruby",    "perl",     "bash", "sh",
                                          "dash",   "java",    "gunicorn", "uwsgi"};

struct Context {
  core::ImportResult r;
  const FileSource* includes = nullptr;
  std::set<std::string> read;         // files already read (include cycles)
  std::optional<size_t> supervisord;  // the service
  uint16_t supervisord_umask = 022;
  std::string childlogdir = "/tmp";
  int depth = 0;
};

class Reader {
 public:
  Reader(Context& c, std::string file, std::string here)
      : c_(c), sink_(c.r.diagnostics, "RP3401", file), here_(std::move(here)) {}

  void run(std::string_view text) {
    ini::Dialect d;
    d.colon_separates = true;
    d.inline_comments = true;
    d.indented_continuation = true;
    d.lowercase_keys = true;
    auto sections = ini::parse(text, d, sink_);
    // [supervisord] first: its umask and childlogdir apply to every program.
    for (const auto& s : sections) {
      if (s.name == "supervisord") supervisord_section(s);
    }
    for (const auto& s : sections) {
      auto colon = s.name.find(':');
      std::string kind = s.name.substr(0, colon);
      if (s.name == "supervisord") continue;
      if ((kind == "program" || kind == "eventlistener" || kind == "fcgi-program") &&
          colon != std::string::npos) {
        program(s, s.name.substr(colon + 1), kind);
      } else if (s.name == "include") {
        include(s);
      } else if (s.name == "unix_http_server") {
        unix_http_server(s);
      } else if (s.name == "inet_http_server") {
        inet_http_server(s);
      } else if (kind == "group" || kind == "rpcinterface" || s.name == "supervisorctl") {
        // Process groups, RPC plugins and the client: nothing about files or identities.
      } else {
        sink_.warning(s.line, 1,
                      fmt::format("section `[{}]` is not one supervisord knows; it is ignored", s.name));
      }
    }
  }

 private:
  // %(name)s expansions (supervisord's "Python string expressions").
  std::string expand(const std::string& v, const std::map<std::string, std::string>& vars,
                     const ini::Entry& e) {
    std::string out;
    size_t last = 0;
    for (size_t i = v.find('%'); i != std::string::npos; i = v.find('%', i + 1)) {
      auto ex = expansion_at(v, i);
      if (!ex) continue;
      out += v.substr(last, i - last);
      auto found = vars.find(ex->name);
      if (found == vars.end()) {
        sink_.warning(
            e.line, e.value_column,
            fmt::format("`%({})` is not known to rampart; the value keeps it as written", ex->name));
        out += v.substr(i, ex->end - i);
      } else {
        std::string val = found->second;
        if (ex->conversion == 'd' && !ex->spec.empty() && ex->spec[0] == '0') {
          size_t width = 0;  // Python's `%(process_num)02d`; wider than 64 is left as it is
          for (char c : ex->spec) {
            if (c >= '0' && c <= '9') width = std::min<size_t>(width * 10 + size_t(c - '0'), 65);
          }
          if (width <= 64 && val.size() < width) val.insert(0, width - val.size(), '0');
        }
        out += val;
      }
      last = ex->end;
      i = ex->end - 1;
    }
    out += v.substr(last);
    std::string unescaped;
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i] == '%' && i + 1 < out.size() && out[i + 1] == '%') ++i;
      unescaped += out[i];
    }
    return unescaped;
  }

  size_t supervisord_service() {
    if (!c_.supervisord) {
      c_.supervisord = native::add_service(c_.r, "supervisord", sink_.at(1, 1));
      core::Service& s = c_.r.fragment.services[*c_.supervisord];
      s.uid = 0;
      s.gid = 0;
      s.user_name = "root";
      s.group_name = "root";
      s.umask = c_.supervisord_umask;
      native::name_object(c_.r, "supervisord", core::ObjectKind::Service, *c_.supervisord);
    }
    return *c_.supervisord;
  }

  std::optional<std::string> path_value(const ini::Entry& e, const std::string& v) {
    std::string p = v;
    if (!p.empty() && p[0] != '/') p = here_ + "/" + p;  // relative to supervisord's directory (%(here)s)
    if (p.empty() || p[0] != '/') {
      sink_.error(e.line, e.value_column, fmt::format("`{}` is not a path", v));
      return std::nullopt;
    }
    return core::normalise_path(p);
  }

  void supervisord_section(const ini::Section& s) {
    std::map<std::string, std::string> vars{{"here", here_}};
    size_t svc = supervisord_service();
    for (const auto& e : s.entries) {
      std::string v = expand(e.value, vars, e);
      core::Service& sv = c_.r.fragment.services[svc];
      if (!kSupervisordKeys.count(e.key)) {
        sink_.warning(e.line, e.column,
                      fmt::format("`{}` is not a [supervisord] setting rampart knows; it is ignored", e.key));
      } else if (e.key == "umask") {
        auto m = native::octal(v, 0777);
        if (!m)
          sink_.error(e.line, e.value_column, fmt::format("`{}` is not a umask (octal, at most 777)", v));
        else
          sv.umask = c_.supervisord_umask = *m;
      } else if (e.key == "user") {
        // supervisord drops to this user itself: so does everything it opens.
        native::name_ref(c_.r, core::NameRef::Target::ServiceUser, svc, v, sink_.at(e.line, e.value_column),
                         true, true);
        sv.uid = core::kNoId;
      } else if (e.key == "logfile" || e.key == "pidfile") {
        if (native::lower(v) == "syslog" || v == "NONE") continue;
        if (auto p = path_value(e, v))
          native::add_access(sv, core::Operation::Create, *p, sink_.at(e.line, e.value_column));
      } else if (e.key == "childlogdir") {
        if (auto p = path_value(e, v)) c_.childlogdir = *p;
      } else if (e.key == "directory") {
        if (auto p = path_value(e, v))
          native::add_access(sv, core::Operation::Search, *p, sink_.at(e.line, e.value_column));
      }
    }
  }

  void program(const ini::Section& s, const std::string& name, const std::string& kind) {
    std::map<std::string, const ini::Entry*> keys;
    for (const auto& e : s.entries) {
      if (!kProgramKeys.count(e.key)) {
        sink_.warning(e.line, e.column,
                      fmt::format("`{}` is not a [{}:x] setting rampart knows; it is ignored", e.key, kind));
        continue;
      }
      keys[e.key] = &e;
    }
    auto get = [&](const char* k) -> const ini::Entry* {
      auto it = keys.find(k);
      return it == keys.end() ? nullptr : it->second;
    };
    if (!get("command")) {
      sink_.error(s.line, 1, fmt::format("[{}:{}] has no `command`", kind, name));
      return;
    }
    std::string svc_name = policy_name(name);
    size_t svc = native::add_service(c_.r, svc_name, sink_.at(s.line, 1));
    native::name_object(c_.r, name, core::ObjectKind::Service, svc);
    core::Service* sv = &c_.r.fragment.services[svc];
    sv->umask = c_.supervisord_umask;
    if (const ini::Entry* u = get("user")) {
      native::name_ref(c_.r, core::NameRef::Target::ServiceUser, svc, u->value,
                       sink_.at(u->line, u->value_column), true, true);
      sv->user_name = u->value;
    } else {
      sv->uid = 0;
      sv->gid = 0;
      sv->user_name = "root";
      sv->group_name = "root";
    }
    if (const ini::Entry* m = get("umask")) {
      auto v = native::octal(m->value, 0777);
      if (!v)
        sink_.error(m->line, m->value_column,
                    fmt::format("`{}` is not a umask (octal, at most 777)", m->value));
      else
        sv->umask = *v;
    }
    uint32_t numprocs = 1, start = 0;
    if (const ini::Entry* n = get("numprocs")) {
      auto v = native::number(n->value, 10000);
      if (!v || *v == 0)
        sink_.error(n->line, n->value_column, fmt::format("`{}` is not a process count", n->value));
      else
        numprocs = *v;
    }
    if (const ini::Entry* n = get("numprocs_start")) {
      auto v = native::number(n->value, 1000000);
      if (!v)
        sink_.error(n->line, n->value_column, fmt::format("`{}` is not a number", n->value));
      else
        start = *v;
    }
    bool redirect = false;
    if (const ini::Entry* e = get("redirect_stderr")) redirect = native::is_true(e->value);
    for (uint32_t p = start; p < start + numprocs; ++p) {
      std::map<std::string, std::string> vars{{"here", here_},
                                              {"program_name", name},
                                              {"group_name", name},
                                              {"process_num", std::to_string(p)},
                                              {"numprocs", std::to_string(numprocs)}};
      if (const ini::Entry* e = get("process_name"))
        vars["process_name"] = expand(e->value, vars, *e);
      else
        vars["process_name"] = name;
      sv = &c_.r.fragment.services[svc];
      if (const ini::Entry* e = get("directory")) {
        std::string v = expand(e->value, vars, *e);
        if (auto path = path_value(*e, v))
          native::add_access(*sv, core::Operation::Search, *path, sink_.at(e->line, e->value_column));
      }
      if (const ini::Entry* e = get("command")) command(*e, expand(e->value, vars, *e), svc);
      for (const char* which : {"stdout_logfile", "stderr_logfile"}) {
        if (std::string(which) == "stderr_logfile" && redirect) continue;
        const ini::Entry* e = get(which);
        std::string v = e ? expand(e->value, vars, *e) : "AUTO";
        if (v == "NONE" || v == "none" || native::lower(v) == "syslog") continue;
        core::Origin at = e ? sink_.at(e->line, e->value_column) : sink_.at(s.line, 1);
        std::string path;
        if (v == "AUTO" || v == "auto") {
          // A fresh name in childlogdir each start: any name there needs the same permission.
          path = fmt::format("{}/{}-{}---supervisor-XXXXXX.log", c_.childlogdir, vars["process_name"],
                             std::string(which).substr(0, 6));
        } else if (auto p = path_value(e ? *e : ini::Entry{}, v)) {
          path = *p;
        } else {
          continue;
        }
        size_t sd = supervisord_service();
        native::add_access(c_.r.fragment.services[sd], core::Operation::Create, path, at);
      }
      if (kind == "fcgi-program") fcgi_socket(get("socket"), get("socket_owner"), get("socket_mode"), vars);
    }
  }

  void command(const ini::Entry& e, const std::string& text, size_t svc) {
    auto w = ini::words(text);
    core::Service& sv = c_.r.fragment.services[svc];
    if (w.empty()) {
      sink_.error(e.line, e.value_column, "`command` is empty");
      return;
    }
    if (w[0][0] != '/') {
      // supervisord looks a relative command up in its PATH, which rampart does not know.
      sink_.warning(e.line, e.value_column,
                    fmt::format("`{}` is found through supervisord's PATH, which rampart does not know: no "
                                "`executes` access is derived for it",
                                w[0]));
    } else {
      native::add_access(sv, core::Operation::Execute, core::normalise_path(w[0]),
                         sink_.at(e.line, e.value_column));
      if (sv.program.empty()) sv.program = core::normalise_path(w[0]);
    }
    std::string base = w[0].substr(w[0].rfind('/') + 1);
    while (!base.empty() && (std::isdigit((unsigned char)base.back()) || base.back() == '.')) base.pop_back();
    if (kInterpreters.count(base) || kInterpreters.count(w[0].substr(w[0].rfind('/') + 1))) {
      for (size_t i = 1; i < w.size(); ++i) {
        if (w[i].empty() || w[i][0] == '-') {
          if (w[i] == "-m" || w[i] == "-c") break;  // a module or inline code: no script file
          continue;
        }
        if (w[i][0] == '/')
          native::add_access(sv, core::Operation::Read, core::normalise_path(w[i]),
                             sink_.at(e.line, e.value_column));
        break;
      }
    }
  }

  // A socket supervisord binds for an fcgi program, then chowns and chmods.
  void fcgi_socket(const ini::Entry* sock, const ini::Entry* owner, const ini::Entry* mode,
                   const std::map<std::string, std::string>& vars) {
    if (!sock) return;
    std::string v = expand(sock->value, vars, *sock);
    if (v.rfind("unix://", 0) != 0) return;  // tcp:// sockets are network listeners
    socket_node(v.substr(7), *sock, owner, mode, 0700);
  }

  void socket_node(const std::string& raw, const ini::Entry& at, const ini::Entry* owner,
                   const ini::Entry* mode, uint16_t default_mode) {
    auto path = path_value(at, raw);
    if (!path) return;
    core::FileNode n;
    n.path = *path;
    n.type = core::FileType::Socket;
    n.mode = default_mode;
    n.origin = sink_.at(at.line, at.value_column);
    if (mode) {
      auto m = native::octal(mode->value, 0777);
      if (!m)
        sink_.error(mode->line, mode->value_column, fmt::format("`{}` is not a mode (octal)", mode->value));
      else
        n.mode = *m;
    }
    size_t index = c_.r.fragment.files.size();
    c_.r.fragment.files.push_back(std::move(n));
    if (owner) {
      auto colon = owner->value.find(':');
      native::name_ref(c_.r, core::NameRef::Target::FileOwner, index, owner->value.substr(0, colon),
                       sink_.at(owner->line, owner->value_column), colon == std::string::npos);
      if (colon != std::string::npos) {
        native::name_ref(c_.r, core::NameRef::Target::FileGroup, index, owner->value.substr(colon + 1),
                         sink_.at(owner->line, owner->value_column));
      }
    }
    size_t sd = supervisord_service();
    native::add_access(c_.r.fragment.services[sd], core::Operation::Create, *path,
                       sink_.at(at.line, at.value_column));
  }

  void unix_http_server(const ini::Section& s) {
    const ini::Entry *file = nullptr, *chown = nullptr, *chmod = nullptr;
    for (const auto& e : s.entries) {
      if (e.key == "file")
        file = &e;
      else if (e.key == "chown")
        chown = &e;
      else if (e.key == "chmod")
        chmod = &e;
      else if (e.key != "username" && e.key != "password")
        sink_.warning(e.line, e.column,
                      fmt::format("`{}` is not a [unix_http_server] setting rampart knows", e.key));
    }
    if (file) socket_node(file->value, *file, chown, chmod, 0700);
  }

  void inet_http_server(const ini::Section& s) {
    for (const auto& e : s.entries) {
      if (e.key != "port") continue;
      auto colon = e.value.rfind(':');
      auto port = native::number(colon == std::string::npos ? e.value : e.value.substr(colon + 1), 65535);
      if (!port) {
        sink_.error(e.line, e.value_column, fmt::format("`{}` is not HOST:PORT", e.value));
        continue;
      }
      std::string host = colon == std::string::npos ? "" : e.value.substr(0, colon);
      core::Listener l;
      l.protocol = 6;
      l.ports = core::PortSet::single(uint16_t(*port));
      if (!host.empty() && host != "*") {
        auto a = core::Address::parse(host == "localhost" ? "127.0.0.1" : host);
        if (!a) {
          sink_.error(e.line, e.value_column, fmt::format("`{}` is not an IP address", host));
          continue;
        }
        l.bind.kind = core::Bind::Kind::Address;
        l.bind.address = *a;
      } else {
        l.bind.kind = core::Bind::Kind::AnyV4;  // supervisord binds an IPv4 socket
      }
      l.service = core::ServiceId(uint32_t(supervisord_service()));
      l.process = "supervisord";
      l.origin = sink_.at(e.line, e.value_column);
      own_host().listeners.push_back(std::move(l));
    }
  }

  core::Host& own_host() {
    for (auto& h : c_.r.fragment.hosts) {
      if (h.name.empty()) return h;
    }
    c_.r.fragment.hosts.emplace_back();
    return c_.r.fragment.hosts.back();
  }

  void include(const ini::Section& s) {
    for (const auto& e : s.entries) {
      if (e.key != "files") {
        sink_.warning(e.line, e.column, fmt::format("`{}` is not an [include] setting", e.key));
        continue;
      }
      if (!c_.includes) {
        sink_.warning(e.line, e.value_column, "included files are not read here: import them one by one");
        continue;
      }
      if (c_.depth >= 16) {
        sink_.error(e.line, e.value_column, "includes nest deeper than 16 files");
        continue;
      }
      for (const auto& pattern : ini::words(e.value)) {
        std::string p = pattern[0] == '/' ? pattern : here_ + "/" + pattern;
        auto files = c_.includes->glob(p);
        for (const auto& f : files) {
          if (!c_.read.insert(f).second) continue;
          auto text = c_.includes->read(f);
          if (!text) {
            sink_.error(e.line, e.value_column, fmt::format("cannot read the included file `{}`", f));
            continue;
          }
          ++c_.depth;
          Reader(c_, f, f.substr(0, f.rfind('/'))).run(*text);
          --c_.depth;
        }
      }
    }
  }

  Context& c_;
  Sink sink_;
  std::string here_;
};

}  // namespace

core::ImportResult parse_supervisor(std::string_view text, const std::string& file,
                                    const FileSource* includes, const std::string& base) {
  Context c;
  c.includes = includes;
  c.read.insert(file);
  Reader(c, file, base.empty() ? "/etc/supervisor" : base).run(text);
  return std::move(c.r);
}

}  // namespace rampart::importers
