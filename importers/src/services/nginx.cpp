// services.nginx: nginx.conf and the files it includes
// (docs/importers/services-nginx.md).
//
// nginx is two services. The master (`nginx-master`) runs as root: it opens
// and creates the logs, reads certificates, writes the pid file and binds
// the listening sockets. The workers (`nginx`) run as the `user` directive
// says: they serve `root` / `alias` directories, connect to unix sockets
// (`fastcgi_pass unix:`, `proxy_pass http://unix:`), and write the logs
// through descriptors the master opened (no permission check then). A log
// path with variables is opened by the workers themselves, at each request.

#include <map>
#include <set>

#include "../linux/native.h"
#include "rampart/core/dac.h"
#include "rampart/importers/linux.h"

namespace rampart::importers {

using native::Sink;

namespace {

struct Token {
  std::string text;
  bool quoted = false;
  char punct = 0;  // ';', '{', '}' or 0
  uint32_t line = 0, column = 0;
};

struct Directive {
  std::string name;
  std::vector<Token> args;
  std::vector<Directive> block;
  bool has_block = false;
  uint32_t line = 0, column = 0;
  std::string file;
};

const std::set<std::string> kKnown{
    // core, events
    "worker_processes", "worker_connections", "worker_rlimit_nofile", "worker_rlimit_core", "worker_priority",
    "worker_cpu_affinity", "worker_shutdown_timeout", "multi_accept", "accept_mutex", "accept_mutex_delay",
    "use", "daemon", "master_process", "pcre_jit", "thread_pool", "timer_resolution", "env", "load_module",
    "lock_file", "debug_connection", "worker_aio_requests", "ssl_engine", "working_directory",
    // http core
    "sendfile", "sendfile_max_chunk", "tcp_nopush", "tcp_nodelay", "keepalive_timeout", "keepalive_requests",
    "keepalive_disable", "types_hash_max_size", "types_hash_bucket_size", "server_tokens",
    "server_names_hash_bucket_size", "server_names_hash_max_size", "server_name", "server_name_in_redirect",
    "port_in_redirect", "absolute_redirect", "default_type", "charset", "source_charset",
    "client_max_body_size", "client_body_buffer_size", "client_header_buffer_size",
    "large_client_header_buffers", "client_body_timeout", "client_header_timeout", "send_timeout",
    "reset_timedout_connection", "index", "try_files", "return", "rewrite", "rewrite_log", "set", "break",
    "error_page", "recursive_error_pages", "internal", "log_format", "log_not_found", "log_subrequest",
    "open_log_file_cache", "open_file_cache", "open_file_cache_valid", "open_file_cache_min_uses",
    "open_file_cache_errors", "autoindex", "autoindex_exact_size", "autoindex_localtime", "autoindex_format",
    "expires", "add_header", "add_trailer", "etag", "if_modified_since", "ignore_invalid_headers",
    "underscores_in_headers", "merge_slashes", "msie_padding", "msie_refresh", "resolver", "resolver_timeout",
    "limit_rate", "limit_rate_after", "limit_req", "limit_req_zone", "limit_req_status",
    "limit_req_log_level", "limit_conn", "limit_conn_zone", "limit_conn_status", "limit_conn_log_level",
    "allow", "deny", "satisfy", "auth_basic", "auth_request", "auth_request_set", "real_ip_header",
    "set_real_ip_from", "real_ip_recursive", "gzip", "gzip_vary", "gzip_proxied", "gzip_comp_level",
    "gzip_buffers", "gzip_http_version", "gzip_types", "gzip_min_length", "gzip_disable", "gzip_static",
    "gunzip", "ssi", "sub_filter", "sub_filter_once", "sub_filter_types", "directio", "aio", "output_buffers",
    "postpone_output", "chunked_transfer_encoding", "http2", "http2_push", "http2_max_field_size",
    "http2_max_header_size", "http2_max_requests", "http3", "quic_retry", "lingering_close", "lingering_time",
    "lingering_timeout", "variables_hash_max_size", "variables_hash_bucket_size", "map_hash_bucket_size",
    "map_hash_max_size", "valid_referers", "referer_hash_bucket_size", "stub_status", "userid", "userid_name",
    "userid_domain", "userid_path", "userid_expires", "secure_link", "secure_link_md5", "secure_link_secret",
    "mp4", "flv", "image_filter", "xslt_stylesheet", "dav_methods", "create_full_put_path", "dav_access",
    "mirror", "slice", "split_clients", "uninitialized_variable_warn", "disable_symlinks", "types",
    "hostname",
    // ssl (certificates are read by the master)
    "ssl", "ssl_protocols", "ssl_ciphers", "ssl_prefer_server_ciphers", "ssl_session_cache",
    "ssl_session_timeout", "ssl_session_tickets", "ssl_stapling", "ssl_stapling_verify", "ssl_ecdh_curve",
    "ssl_buffer_size", "ssl_verify_client", "ssl_verify_depth", "ssl_early_data", "ssl_conf_command",
    "ssl_reject_handshake",
    // proxy / fastcgi / uwsgi / scgi / grpc settings
    "proxy_set_header", "proxy_http_version", "proxy_redirect", "proxy_buffering", "proxy_buffers",
    "proxy_buffer_size", "proxy_busy_buffers_size", "proxy_read_timeout", "proxy_send_timeout",
    "proxy_connect_timeout", "proxy_next_upstream", "proxy_intercept_errors", "proxy_hide_header",
    "proxy_pass_header", "proxy_ignore_headers", "proxy_cache", "proxy_cache_valid", "proxy_cache_key",
    "proxy_cache_bypass", "proxy_no_cache", "proxy_cache_use_stale", "proxy_cache_lock",
    "proxy_cache_methods", "proxy_request_buffering", "proxy_max_temp_file_size",
    "proxy_temp_file_write_size", "proxy_ssl_server_name", "proxy_ssl_verify", "proxy_ssl_protocols",
    "proxy_ssl_name", "proxy_set_body", "proxy_pass_request_body", "proxy_pass_request_headers",
    "proxy_cookie_domain", "proxy_cookie_path", "proxy_bind", "proxy_socket_keepalive", "fastcgi_param",
    "fastcgi_index", "fastcgi_split_path_info", "fastcgi_buffers", "fastcgi_buffer_size",
    "fastcgi_busy_buffers_size", "fastcgi_read_timeout", "fastcgi_send_timeout", "fastcgi_connect_timeout",
    "fastcgi_intercept_errors", "fastcgi_next_upstream", "fastcgi_keep_conn", "fastcgi_hide_header",
    "fastcgi_ignore_headers", "fastcgi_cache", "fastcgi_cache_key", "fastcgi_cache_valid",
    "fastcgi_cache_bypass", "fastcgi_no_cache", "fastcgi_cache_use_stale", "fastcgi_temp_file_write_size",
    "fastcgi_max_temp_file_size", "fastcgi_request_buffering", "fastcgi_buffering", "fastcgi_pass_header",
    "fastcgi_catch_stderr", "uwsgi_param", "uwsgi_read_timeout", "uwsgi_buffers", "uwsgi_buffer_size",
    "scgi_param", "grpc_set_header", "grpc_read_timeout", "keepalive", "keepalive_time", "least_conn",
    "ip_hash", "hash", "random", "zone", "server", "upstream", "map", "geo", "events", "http", "stream",
    "mail", "location", "if", "limit_except", "include", "user", "error_log", "access_log", "pid", "root",
    "alias", "listen", "fastcgi_pass", "proxy_pass", "uwsgi_pass", "scgi_pass", "grpc_pass", "memcached_pass",
    "ssl_certificate", "ssl_certificate_key", "ssl_trusted_certificate", "ssl_client_certificate",
    "ssl_dhparam", "ssl_crl", "ssl_password_file", "ssl_session_ticket_key", "auth_basic_user_file",
    "client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path", "uwsgi_temp_path", "scgi_temp_path",
    "proxy_cache_path", "fastcgi_cache_path", "proxy_protocol", "preread_buffer_size", "proxy_timeout",
    "proxy_responses", "ssl_preread"};

class Config {
 public:
  Config(core::ImportResult& r, const FileSource* includes, std::string conf_dir)
      : r_(r), includes_(includes), conf_dir_(std::move(conf_dir)) {
    prefix_ = conf_dir_.size() > 5 && conf_dir_.substr(conf_dir_.size() - 5) == "/conf"
                  ? conf_dir_.substr(0, conf_dir_.size() - 5)
                  : "/usr/share/nginx";
  }

  // Reads a file into directives; false when it has errors.
  std::vector<Directive> parse(std::string_view text, const std::string& file, int depth) {
    Sink sink(r_.diagnostics, "RP3403", file);
    std::vector<Token> toks = tokenize(text, sink);
    size_t i = 0;
    std::vector<Directive> out = directives(toks, i, sink, file, depth, false);
    if (i < toks.size()) sink.error(toks[i].line, toks[i].column, "unexpected `}`");
    return out;
  }

  void run(std::string_view text, const std::string& file) {
    std::vector<Directive> top = parse(text, file, 0);
    Sink sink(r_.diagnostics, "RP3403", file);
    master_ = native::add_service(r_, "nginx-master", sink.at(1, 1));
    workers_ = native::add_service(r_, "nginx", sink.at(1, 1));
    auto& m = r_.fragment.services[master_];
    m.uid = 0;
    m.gid = 0;
    m.user_name = m.group_name = "root";
    native::name_object(r_, "nginx-master", core::ObjectKind::Service, master_);
    native::name_object(r_, "nginx", core::ObjectKind::Service, workers_);
    bool user_given = false;
    for (const auto& d : top) {
      if (d.name == "user") {
        user_given = true;
        Sink s(r_.diagnostics, "RP3403", d.file);
        if (d.args.empty() || d.args.size() > 2) {
          s.error(d.line, d.column, "`user` takes a user and an optional group");
          continue;
        }
        std::string user = d.args[0].text, group = d.args.size() > 1 ? d.args[1].text : user;
        native::name_ref(r_, core::NameRef::Target::ServiceUser, workers_, user,
                         s.at(d.args[0].line, d.args[0].column), false, true);
        native::name_ref(r_, core::NameRef::Target::ServiceGroup, workers_, group,
                         s.at(d.args.back().line, d.args.back().column));
        r_.fragment.services[workers_].user_name = user;
        r_.fragment.services[workers_].group_name = group;
      }
    }
    if (!user_given) {
      // nginx's built-in default (`nobody`, and the group `nogroup` on Debian).
      native::name_ref(r_, core::NameRef::Target::ServiceUser, workers_, "nobody", sink.at(1, 1), false,
                       true);
      native::name_ref(r_, core::NameRef::Target::ServiceGroup, workers_, "nogroup", sink.at(1, 1));
    }
    r_.fragment.services[workers_].program = r_.fragment.services[master_].program = "/usr/sbin/nginx";
    walk(top, "main", "");
    if (!own_.listeners.empty()) r_.fragment.hosts.push_back(std::move(own_));
  }

 private:
  std::vector<Token> tokenize(std::string_view text, Sink& sink) {
    std::vector<Token> out;
    uint32_t line = 1, col = 1;
    size_t i = 0;
    auto adv = [&](size_t n) {
      for (size_t k = 0; k < n && i < text.size(); ++k, ++i) {
        if (text[i] == '\n') {
          ++line;
          col = 1;
        } else {
          ++col;
        }
      }
    };
    while (i < text.size()) {
      char c = text[i];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        adv(1);
        continue;
      }
      if (c == '#') {
        while (i < text.size() && text[i] != '\n') adv(1);
        continue;
      }
      Token t;
      t.line = line;
      t.column = col;
      if (c == ';' || c == '{' || c == '}') {
        t.punct = c;
        t.text = std::string(1, c);
        adv(1);
        out.push_back(std::move(t));
        continue;
      }
      if (c == '"' || c == '\'') {
        char q = c;
        adv(1);
        bool closed = false;
        while (i < text.size()) {
          if (text[i] == '\\' && i + 1 < text.size()) {
            t.text += text[i + 1];
            adv(2);
            continue;
          }
          if (text[i] == q) {
            closed = true;
            adv(1);
            break;
          }
          t.text += text[i];
          adv(1);
        }
        if (!closed) {
          sink.error(t.line, t.column, "a quoted string is not closed");
          return out;
        }
        t.quoted = true;
        out.push_back(std::move(t));
        continue;
      }
      bool in_var = false;  // inside `${name}`
      while (i < text.size()) {
        char d = text[i];
        if (d == '{' && !t.text.empty() && t.text.back() == '$')
          in_var = true;
        else if (d == '}' && in_var)
          in_var = false;
        else if (d == ' ' || d == '\t' || d == '\r' || d == '\n' || d == ';' || d == '{' || d == '}')
          break;
        if (d == '\\' && i + 1 < text.size()) {
          t.text += text[i + 1];
          adv(2);
          continue;
        }
        t.text += d;
        adv(1);
      }
      out.push_back(std::move(t));
    }
    return out;
  }

  // `closed` (in a block): set when the block's `}` was found.
  std::vector<Directive> directives(const std::vector<Token>& toks, size_t& i, Sink& sink,
                                    const std::string& file, int depth, bool in_block,
                                    bool* closed = nullptr) {
    std::vector<Directive> out;
    while (i < toks.size()) {
      if (toks[i].punct == '}') {
        if (!in_block) return out;
        ++i;
        if (closed) *closed = true;
        return out;
      }
      if (toks[i].punct) {
        sink.error(toks[i].line, toks[i].column, fmt::format("unexpected `{}`", toks[i].text));
        ++i;
        continue;
      }
      Directive d;
      d.name = toks[i].text;
      d.line = toks[i].line;
      d.column = toks[i].column;
      d.file = file;
      ++i;
      while (i < toks.size() && !toks[i].punct) d.args.push_back(toks[i++]);
      if (i >= toks.size()) {
        sink.error(d.line, d.column, fmt::format("`{}` is not ended by `;` or a block", d.name));
        return out;
      }
      if (toks[i].punct == ';') {
        ++i;
      } else if (toks[i].punct == '{') {
        ++i;
        if (depth > 64) {
          sink.error(d.line, d.column, "blocks nest deeper than 64");
          return out;
        }
        d.has_block = true;
        bool block_closed = false;
        d.block = directives(toks, i, sink, file, depth + 1, true, &block_closed);
        if (!block_closed) {
          sink.error(d.line, d.column, fmt::format("the block of `{}` is not closed", d.name));
        }
      } else {
        // `}` right after the arguments: the `;` is missing. The `}` still
        // closes the block around (nginx reports the same place).
        sink.error(d.line, d.column, fmt::format("`{}` is not ended by `;` or a block", d.name));
      }
      if (d.name == "include" && !d.has_block) {
        include(d, sink, depth, out);
        continue;
      }
      out.push_back(std::move(d));
    }
    if (in_block) return out;
    return out;
  }

  // Counts one more against a budget of the whole configuration; past it,
  // says so once (at the directive where it ran out) and returns false.
  static bool within_budget(size_t& used, size_t max, std::string_view what, const Directive& d, Sink& sink) {
    if (++used <= max) return true;
    if (used == max + 1)
      sink.error(d.line, d.column,
                 fmt::format("more than {} {}: the configuration is not read further", max, what));
    return false;
  }

  void include(const Directive& d, Sink& sink, int depth, std::vector<Directive>& out) {
    if (d.args.size() != 1) {
      sink.error(d.line, d.column, "`include` takes one file or pattern");
      return;
    }
    if (!includes_) {
      sink.warning(d.line, d.column,
                   fmt::format("`include {}` is not followed here: its directives are not in the model",
                               d.args[0].text));
      return;
    }
    if (depth > 16) {
      if (!too_deep_reported_) sink.error(d.line, d.column, "includes nest too deep (more than 16 levels)");
      too_deep_reported_ = true;
      return;
    }
    if (!within_budget(includes_read_, kMaxIncludes, "include directives", d, sink)) return;
    std::string pattern = d.args[0].text;
    if (pattern.empty() || pattern[0] != '/') pattern = conf_dir_ + "/" + pattern;
    bool glob = pattern.find_first_of("*?[") != std::string::npos;
    auto files = includes_->glob(pattern);
    if (files.empty() && !glob) {
      sink.error(d.args[0].line, d.args[0].column,
                 fmt::format("cannot read the included file `{}`", pattern));
      return;
    }
    for (const auto& f : files) {
      // nginx reads a file again at every include that names it, so a few
      // files including one another's folder multiply: the files read,
      // counted over the whole configuration, are bounded.
      if (!within_budget(files_read_, kMaxFilesRead, "files read by includes", d, sink)) return;
      auto text = includes_->read(f);
      if (!text) {
        sink.error(d.args[0].line, d.args[0].column, fmt::format("cannot read the included file `{}`", f));
        continue;
      }
      auto inner = parse(*text, f, depth + 1);
      for (auto& x : inner) out.push_back(std::move(x));
    }
  }

  std::string path_of(const Token& t) const {
    std::string p = t.text;
    if (p.empty()) return p;
    if (p[0] != '/') p = prefix_ + "/" + p;
    return core::normalise_path(p);
  }

  core::Service& master() { return r_.fragment.services[master_]; }
  core::Service& workers() { return r_.fragment.services[workers_]; }

  void socket_use(const std::string& target, const Directive& d, Sink& sink) {
    // unix:/path (fastcgi_pass, server in upstream) or http://unix:/path:/uri (proxy_pass)
    std::string t = target;
    auto scheme = t.find("://");
    if (scheme != std::string::npos) t = t.substr(scheme + 3);
    if (t.rfind("unix:", 0) != 0) {
      // An upstream's servers are addresses, never other upstreams: only
      // their `unix:` ones are followed (no recursion, so no cycle).
      auto up = upstreams_.find(t);
      if (up != upstreams_.end()) {
        for (const auto& s : up->second) {
          if (s.rfind("unix:", 0) == 0) socket_use(s, d, sink);
        }
      }
      return;
    }
    std::string path = t.substr(5);
    if (scheme != std::string::npos) path = path.substr(0, path.find(':'));
    if (path.empty() || path[0] != '/') {
      sink.error(d.line, d.column, fmt::format("`{}` is not an absolute unix socket path", target));
      return;
    }
    native::add_access(workers(), core::Operation::Connect, core::normalise_path(path),
                       sink.at(d.line, d.column));
  }

  void listen(const Directive& d, Sink& sink, bool stream) {
    if (d.args.empty()) {
      sink.error(d.line, d.column, "`listen` needs an address or port");
      return;
    }
    std::string a = d.args[0].text;
    if (a.rfind("unix:", 0) == 0) {
      const std::string path = a.substr(5);
      if (path.empty() || path[0] != '/') {
        sink.error(d.line, d.column, fmt::format("`{}` is not an absolute unix socket path", a));
        return;
      }
      native::add_access(master(), core::Operation::Create, core::normalise_path(path),
                         sink.at(d.line, d.column));
      return;
    }
    bool udp = false, v6only = true;
    for (size_t k = 1; k < d.args.size(); ++k) {
      if (d.args[k].text == "udp") udp = true;
      if (d.args[k].text == "ipv6only=off") v6only = false;
      if (d.args[k].text == "quic") udp = true;
    }
    std::string host, port = "80";
    if (a[0] == '[') {
      auto close = a.find(']');
      host = a.substr(1, close == std::string::npos ? std::string::npos : close - 1);
      if (close != std::string::npos && close + 1 < a.size() && a[close + 1] == ':')
        port = a.substr(close + 2);
    } else if (auto colon = a.rfind(':'); colon != std::string::npos) {
      host = a.substr(0, colon);
      port = a.substr(colon + 1);
    } else if (a.find_first_not_of("0123456789") == std::string::npos) {
      port = a;
    } else {
      host = a;
    }
    auto p = native::number(port, 65535);
    if (!p) {
      sink.error(d.args[0].line, d.args[0].column, fmt::format("`{}` is not a port", port));
      return;
    }
    core::Listener l;
    l.protocol = udp ? 17 : 6;
    l.ports = core::PortSet::single(uint16_t(*p));
    if (host.empty() || host == "*") {
      l.bind.kind = core::Bind::Kind::AnyV4;
    } else {
      if (host == "localhost") host = "127.0.0.1";
      auto addr = core::Address::parse(host);
      if (!addr) {
        sink.warning(
            d.args[0].line, d.args[0].column,
            fmt::format("`{}` is a host name, which rampart does not resolve: this listener is left out",
                        host));
        return;
      }
      if (addr->bits == 0) {
        l.bind.kind = addr->family == core::Family::V4
                          ? core::Bind::Kind::AnyV4
                          : (v6only ? core::Bind::Kind::AnyV6 : core::Bind::Kind::Any);
      } else {
        l.bind.kind = core::Bind::Kind::Address;
        l.bind.address = *addr;
      }
    }
    l.service = core::ServiceId(uint32_t(workers_));
    l.process = "nginx";
    l.origin = sink.at(d.line, d.column);
    (void)stream;
    own_.listeners.push_back(std::move(l));
  }

  void log(const Directive& d, Sink& sink, bool access) {
    if (d.args.empty()) {
      sink.error(d.line, d.column, fmt::format("`{}` needs a file", d.name));
      return;
    }
    const std::string& f = d.args[0].text;
    if (f == "off" || f == "stderr" || f.rfind("syslog:", 0) == 0 || f.rfind("memory:", 0) == 0 ||
        f == "/dev/null")
      return;
    std::string path = path_of(d.args[0]);
    if (access && f.find('$') != std::string::npos) {
      // Opened by a worker for each request (ngx_http_log_module).
      native::add_access(workers(), core::Operation::Create, path, sink.at(d.args[0].line, d.args[0].column));
      return;
    }
    native::add_access(master(), core::Operation::Create, path, sink.at(d.args[0].line, d.args[0].column));
  }

  void walk(const std::vector<Directive>& ds, const std::string& ctx, const std::string& parent_root) {
    // Upstreams first: a *_pass may name one declared later.
    for (const auto& d : ds) {
      if (d.name != "upstream" || d.args.empty()) continue;
      auto& servers = upstreams_[d.args[0].text];
      for (const auto& s : d.block) {
        if (s.name == "server" && !s.args.empty()) servers.insert(s.args[0].text);
      }
    }
    for (const auto& d : ds) {
      Sink sink(r_.diagnostics, "RP3403", d.file);
      const std::string& n = d.name;
      if (!kKnown.count(n)) {
        sink.warning(d.line, d.column,
                     fmt::format("`{}` is not a directive rampart knows; it is ignored", n));
        continue;
      }
      if (n == "map" || n == "geo" || n == "types" || n == "split_clients" || n == "upstream") continue;
      if (n == "http" || n == "events" || n == "stream" || n == "mail") {
        walk(d.block, n, "");
        continue;
      }
      if (n == "server" && d.has_block) {
        bool has_listen = std::any_of(d.block.begin(), d.block.end(),
                                      [](const Directive& x) { return x.name == "listen"; });
        if (!has_listen && ctx == "http") {
          Directive def = d;
          def.args = {Token{"80", false, 0, d.line, d.column}};
          listen(def, sink, false);
        }
        walk(d.block, ctx == "stream" ? "stream" : "server", parent_root);
        continue;
      }
      if ((n == "location" || n == "if" || n == "limit_except") && d.has_block) {
        std::string root = parent_root;
        for (const auto& x : d.block) {
          if ((x.name == "root" || x.name == "alias") && !x.args.empty()) root = x.args[0].text;
        }
        walk(d.block, ctx, root);
        continue;
      }
      if (n == "error_log")
        log(d, sink, false);
      else if (n == "access_log")
        log(d, sink, true);
      else if (n == "pid" && !d.args.empty() && d.args[0].text != "off")
        native::add_access(master(), core::Operation::Create, path_of(d.args[0]), sink.at(d.line, d.column));
      else if (n == "listen")
        listen(d, sink, ctx == "stream");
      else if ((n == "root" || n == "alias") && !d.args.empty()) {
        if (d.args[0].text.find('$') != std::string::npos) {
          sink.warning(
              d.args[0].line, d.args[0].column,
              fmt::format("`{}` holds variables: the directories it names are not known", d.args[0].text));
          continue;
        }
        std::string root = path_of(d.args[0]);
        native::add_access(workers(), core::Operation::Search, root, sink.at(d.line, d.column));
        native::add_access(workers(), core::Operation::Read, root == "/" ? "/**" : root + "/**",
                           sink.at(d.line, d.column));
      } else if ((n == "fastcgi_pass" || n == "proxy_pass" || n == "uwsgi_pass" || n == "scgi_pass" ||
                  n == "grpc_pass" || n == "memcached_pass") &&
                 !d.args.empty()) {
        socket_use(d.args[0].text, d, sink);
      } else if ((n == "ssl_certificate" || n == "ssl_certificate_key" || n == "ssl_trusted_certificate" ||
                  n == "ssl_client_certificate" || n == "ssl_dhparam" || n == "ssl_crl" ||
                  n == "ssl_password_file" || n == "ssl_session_ticket_key") &&
                 !d.args.empty()) {
        if (d.args[0].text.find('$') != std::string::npos || d.args[0].text.rfind("data:", 0) == 0) continue;
        native::add_access(master(), core::Operation::Read, path_of(d.args[0]), sink.at(d.line, d.column));
      } else if (n == "auth_basic_user_file" && !d.args.empty()) {
        native::add_access(workers(), core::Operation::Read, path_of(d.args[0]), sink.at(d.line, d.column));
      } else if ((n == "client_body_temp_path" || n == "proxy_temp_path" || n == "fastcgi_temp_path" ||
                  n == "uwsgi_temp_path" || n == "scgi_temp_path" || n == "proxy_cache_path" ||
                  n == "fastcgi_cache_path") &&
                 !d.args.empty() && d.args[0].text != "off") {
        // Workers write request bodies and responses there (a fresh name each time).
        native::add_access(workers(), core::Operation::Create, path_of(d.args[0]) + "/0000000001",
                           sink.at(d.line, d.column));
      }
    }
  }

  core::ImportResult& r_;
  const FileSource* includes_;
  std::string conf_dir_, prefix_;
  size_t master_ = 0, workers_ = 0;
  static constexpr size_t kMaxIncludes = 1024, kMaxFilesRead = 4096;
  size_t includes_read_ = 0;
  size_t files_read_ = 0;
  bool too_deep_reported_ = false;
  std::map<std::string, std::set<std::string>> upstreams_;  // each server once, however often included
  core::Host own_;
};

}  // namespace

core::ImportResult parse_nginx(std::string_view text, const std::string& file, const FileSource* includes,
                               const std::string& base) {
  core::ImportResult r;
  Config(r, includes, base.empty() ? "/etc/nginx" : base).run(text, file);
  return r;
}

}  // namespace rampart::importers
