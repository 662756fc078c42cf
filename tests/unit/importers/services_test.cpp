// services.*: the accesses each configuration implies, on samples written
// the way the distributions and panels ship them.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "rampart/importers/linux.h"

namespace rampart::importers {
namespace {

using core::Operation;

std::vector<std::string> messages(const core::ImportResult& r, core::Severity s) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.sorted()) {
    if (d.severity == s) out.push_back(d.to_string());
  }
  return out;
}

const core::Service* service(const core::ImportResult& r, const std::string& name) {
  for (const auto& s : r.fragment.services) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

bool has(const core::Service* s, Operation op, const std::string& path) {
  return s && std::any_of(s->accesses.begin(), s->accesses.end(),
                          [&](const core::DeclaredAccess& a) { return a.operation == op && a.path == path; });
}

const core::NameRef* ref(const core::ImportResult& r, core::NameRef::Target t, size_t index) {
  for (const auto& n : r.names) {
    if (n.target == t && n.index == index) return &n;
  }
  return nullptr;
}

size_t index_of(const core::ImportResult& r, const std::string& name) {
  return size_t(service(r, name) - r.fragment.services.data());
}

// ---- supervisord ----

TEST(Supervisor, ProgramAndSupervisordOpeningItsLogs) {
  auto r = parse_supervisor(R"(; panel plugin file
[program:app]
command=/usr/bin/python3 -u /opt/app/main.py --port 8000
directory=/opt/app
user=www
umask=002
stdout_logfile=/var/log/app/%(program_name)s.out.log
stderr_logfile=AUTO
autorestart=true ; inline comment
environment=A="1",
    B="2"

[program:worker]
command=/opt/app/bin/worker
process_name=%(program_name)s_%(process_num)02d
numprocs=2
stdout_logfile=/var/log/app/%(process_name)s.log
redirect_stderr=true
priority=5
frobnicate=yes
)",
                            "app.ini", nullptr, "/etc/supervisord.d");
  EXPECT_TRUE(messages(r, core::Severity::Error).empty());
  auto warnings = messages(r, core::Severity::Warning);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "app.ini:20:1: warning: `frobnicate` is not a [program:x] setting rampart knows; it is "
            "ignored [RP3401]");
  const core::Service* app = service(r, "app");
  ASSERT_TRUE(app);
  EXPECT_EQ(app->umask, 002);
  EXPECT_EQ(app->program, "/usr/bin/python3");
  EXPECT_TRUE(has(app, Operation::Execute, "/usr/bin/python3"));
  EXPECT_TRUE(has(app, Operation::Read, "/opt/app/main.py"));
  EXPECT_TRUE(has(app, Operation::Search, "/opt/app"));
  const core::NameRef* user = ref(r, core::NameRef::Target::ServiceUser, index_of(r, "app"));
  ASSERT_TRUE(user);
  EXPECT_EQ(user->name, "www");
  EXPECT_TRUE(user->primary_group);
  EXPECT_TRUE(user->user_groups);  // supervisord calls setgroups with the user's groups
  // The logs are supervisord's, as root, not the program's.
  const core::Service* sd = service(r, "supervisord");
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->uid, 0u);
  EXPECT_TRUE(has(sd, Operation::Create, "/var/log/app/app.out.log"));
  EXPECT_TRUE(has(sd, Operation::Create, "/tmp/app-stderr---supervisor-XXXXXX.log"));
  EXPECT_TRUE(has(sd, Operation::Create, "/var/log/app/worker_00.log"));
  EXPECT_TRUE(has(sd, Operation::Create, "/var/log/app/worker_01.log"));
  EXPECT_FALSE(has(app, Operation::Create, "/var/log/app/app.out.log"));
  const core::Service* worker = service(r, "worker");
  ASSERT_TRUE(worker);
  EXPECT_EQ(worker->uid, 0u);  // no user=: supervisord's own, root
}

TEST(Supervisor, LongValuesExpandWithoutRecursion) {
  // std::regex's matcher recursed once per character: a 200,000-character
  // value overflowed the stack. Expansions around it still apply.
  std::string tail(200000, 'a');
  auto r = parse_supervisor("[program:app]\ncommand=/bin/app --name=%(program_name)s --x=%(" + tail +
                                ")s %(program_name)05d\nstdout_logfile=/var/log/%(program_name)s.log\n",
                            "app.ini", nullptr, "/etc/supervisord.d");
  EXPECT_TRUE(messages(r, core::Severity::Error).empty());
  auto warnings = messages(r, core::Severity::Warning);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("`%(aaaa"), std::string::npos) << warnings[0].substr(0, 200);
  const core::Service* app = service(r, "app");
  ASSERT_TRUE(app);
  EXPECT_EQ(app->program, "/bin/app");
  EXPECT_TRUE(has(service(r, "supervisord"), Operation::Create, "/var/log/app.log"));
}

TEST(Supervisor, IncludesSocketsAndSupervisordSettings) {
  auto files = memory_source({{"/etc/supervisor/conf.d/a.conf", "[program:a]\ncommand=/bin/a\nuser=nobody\n"},
                              {"/etc/supervisor/conf.d/b.conf",
                               "[fcgi-program:b]\ncommand=/usr/bin/php-cgi\n"
                               "socket=unix:///run/b.sock\nsocket_owner=www:www\n"
                               "socket_mode=0660\n"}});
  auto r = parse_supervisor(R"([unix_http_server]
file=/var/run/supervisor.sock
chmod=0700

[supervisord]
logfile=/var/log/supervisor/supervisord.log
pidfile=/var/run/supervisord.pid
childlogdir=/var/log/supervisor
umask=027

[include]
files = conf.d/*.conf
)",
                            "supervisord.conf", files.get(), "/etc/supervisor");
  EXPECT_TRUE(r.diagnostics.empty()) << messages(r, core::Severity::Error).front();
  const core::Service* sd = service(r, "supervisord");
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->umask, 027);
  EXPECT_TRUE(has(sd, Operation::Create, "/var/log/supervisor/supervisord.log"));
  EXPECT_TRUE(has(sd, Operation::Create, "/var/log/supervisor/a-stdout---supervisor-XXXXXX.log"));
  EXPECT_TRUE(has(sd, Operation::Create, "/run/b.sock"));
  EXPECT_TRUE(service(r, "a"));
  ASSERT_EQ(r.fragment.files.size(), 2u);
  EXPECT_EQ(r.fragment.files[0].path, "/var/run/supervisor.sock");
  EXPECT_EQ(r.fragment.files[0].mode, 0700);
  EXPECT_EQ(r.fragment.files[1].type, core::FileType::Socket);
  EXPECT_EQ(r.fragment.files[1].mode, 0660);
}

TEST(Supervisor, Errors) {
  auto r = parse_supervisor(
      "[program:x]\nuser=www\numask=999\n[program:y]\ncommand=/bin/y\nthis is not a setting\n", "bad.ini",
      nullptr, "/etc");
  auto errors = messages(r, core::Severity::Error);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], "bad.ini:1:1: error: [program:x] has no `command` [RP3401]");
  EXPECT_EQ(errors[1], "bad.ini:6:1: error: expected `key = value`, got `this is not a setting` [RP3401]");
}

// ---- nginx ----

const char* kNginx = R"(user www-data;
worker_processes auto;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log;
include /etc/nginx/modules-enabled/*.conf;

events { worker_connections 768; }

http {
  include /etc/nginx/mime.types;
  access_log /var/log/nginx/access.log;
  upstream php { server unix:/run/php/php8.2-fpm.sock; }
  server {
    listen 80 default_server;
    listen [::]:80 default_server;
    listen 127.0.0.1:8080;
    root /var/www/html;
    ssl_certificate /etc/ssl/certs/site.pem;
    access_log /var/log/nginx/$host.access.log;
    location ~ \.php$ { fastcgi_pass php; }
    location /api/ { proxy_pass http://unix:/run/api.sock:/; }
    location /files/ { alias /srv/files/; auth_basic_user_file /etc/nginx/htpasswd; }
    gzip_magic on;
  }
}
stream {
  server { listen 53 udp; proxy_pass 10.0.0.53:53; }
}
)";

TEST(Nginx, MasterAndWorkers) {
  auto files = memory_source({{"/etc/nginx/mime.types", "types { text/html html; }\n"},
                              {"/etc/nginx/modules-enabled/50-mod.conf", "load_module modules/mod.so;\n"}});
  auto r = parse_nginx(kNginx, "nginx.conf", files.get(), "/etc/nginx");
  EXPECT_TRUE(messages(r, core::Severity::Error).empty()) << messages(r, core::Severity::Error).front();
  auto warnings = messages(r, core::Severity::Warning);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(
      warnings[0],
      "nginx.conf:23:5: warning: `gzip_magic` is not a directive rampart knows; it is ignored [RP3403]");
  const core::Service* master = service(r, "nginx-master");
  const core::Service* workers = service(r, "nginx");
  ASSERT_TRUE(master && workers);
  EXPECT_EQ(master->uid, 0u);
  EXPECT_TRUE(has(master, Operation::Create, "/var/log/nginx/error.log"));
  EXPECT_TRUE(has(master, Operation::Create, "/var/log/nginx/access.log"));
  EXPECT_TRUE(has(master, Operation::Create, "/run/nginx.pid"));
  EXPECT_TRUE(has(master, Operation::Read, "/etc/ssl/certs/site.pem"));
  EXPECT_FALSE(has(workers, Operation::Create, "/var/log/nginx/access.log"));  // inherited from the master
  EXPECT_TRUE(
      has(workers, Operation::Create, "/var/log/nginx/$host.access.log"));  // a variable: the worker opens it
  EXPECT_TRUE(has(workers, Operation::Search, "/var/www/html"));
  EXPECT_TRUE(has(workers, Operation::Read, "/var/www/html/**"));
  EXPECT_TRUE(has(workers, Operation::Read, "/srv/files/**"));
  EXPECT_TRUE(has(workers, Operation::Read, "/etc/nginx/htpasswd"));
  EXPECT_TRUE(has(workers, Operation::Connect, "/run/php/php8.2-fpm.sock"));
  EXPECT_TRUE(has(workers, Operation::Connect, "/run/api.sock"));
  const core::NameRef* user = ref(r, core::NameRef::Target::ServiceUser, index_of(r, "nginx"));
  const core::NameRef* group = ref(r, core::NameRef::Target::ServiceGroup, index_of(r, "nginx"));
  ASSERT_TRUE(user && group);
  EXPECT_EQ(user->name, "www-data");
  EXPECT_EQ(group->name, "www-data");  // a group named like the user (nginx's rule)
  ASSERT_EQ(r.fragment.hosts.size(), 1u);
  const auto& ls = r.fragment.hosts[0].listeners;
  ASSERT_EQ(ls.size(), 4u);
  EXPECT_EQ(ls[0].bind.kind, core::Bind::Kind::AnyV4);
  EXPECT_EQ(ls[1].bind.kind, core::Bind::Kind::AnyV6);
  EXPECT_EQ(ls[2].bind.to_string(), "127.0.0.1");
  EXPECT_EQ(ls[2].ports, core::PortSet::single(8080));
  EXPECT_EQ(ls[3].protocol, 17);
  EXPECT_EQ(ls[0].service.index(), index_of(r, "nginx"));
}

TEST(Nginx, UnclosedBlockIsTheOuterOne) {
  // The last `}` closes `server`, not `http`.
  auto r = parse_nginx("http {\n  server {\n    listen 80;\n  }\n", "x.conf", nullptr, "/etc/nginx");
  auto errors = messages(r, core::Severity::Error);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "x.conf:1:1: error: the block of `http` is not closed [RP3403]");
  auto ok = parse_nginx("http {\n  server {\n    listen 80;\n  }\n}\n", "y.conf", nullptr, "/etc/nginx");
  EXPECT_FALSE(ok.diagnostics.has_errors());
}

TEST(Nginx, ErrorsAreLocated) {
  auto r = parse_nginx("http {\n  server {\n    listen 80\n  }\n", "bad.conf", nullptr, "/etc/nginx");
  auto errors = messages(r, core::Severity::Error);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], "bad.conf:1:1: error: the block of `http` is not closed [RP3403]");
  EXPECT_EQ(errors[1], "bad.conf:3:5: error: `listen` is not ended by `;` or a block [RP3403]");
  auto r2 = parse_nginx("include missing.conf;\n", "n.conf", memory_source({}).get(), "/etc/nginx");
  ASSERT_EQ(messages(r2, core::Severity::Error).size(), 1u);
  EXPECT_EQ(messages(r2, core::Severity::Error)[0],
            "n.conf:1:9: error: cannot read the included file `/etc/nginx/missing.conf` [RP3403]");
}

TEST(Nginx, IncludesThatMultiplyStopAtTheFileBudget) {
  // Three folders of 100 files, each file including the whole next folder:
  // nginx reads 100 + 100^2 + 100^3 files. rampart stops at its budget of
  // files read, with one error.
  std::vector<std::pair<std::string, std::string>> files;
  for (int level = 0; level < 3; ++level) {
    for (int i = 0; i < 100; ++i) {
      files.emplace_back(fmt::format("/etc/nginx/l{}/{}.conf", level, i),
                         level < 2 ? fmt::format("include /etc/nginx/l{}/*.conf;\n", level + 1) : "");
    }
  }
  auto source = memory_source(files);
  auto r = parse_nginx("http {\n  include l0/*.conf;\n}\n", "nginx.conf", source.get(), "/etc/nginx");
  auto errors = messages(r, core::Severity::Error);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_NE(errors[0].find("more than 4096 files read by includes"), std::string::npos) << errors[0];

  // A folder whose files include the folder: the depth limit, said once,
  // then the budget of files (each level below the limit still reads 200).
  std::vector<std::pair<std::string, std::string>> loop;
  for (int i = 0; i < 200; ++i)
    loop.emplace_back(fmt::format("/etc/nginx/conf.d/{}.conf", i), "include /etc/nginx/conf.d/*.conf;\n");
  auto looped = memory_source(loop);
  auto l = parse_nginx("http {\n  include conf.d/*.conf;\n}\n", "nginx.conf", looped.get(), "/etc/nginx");
  auto loop_errors = messages(l, core::Severity::Error);
  ASSERT_EQ(loop_errors.size(), 2u) << ::testing::PrintToString(loop_errors);
  EXPECT_NE(loop_errors[0].find("includes nest too deep"), std::string::npos) << loop_errors[0];
  EXPECT_NE(loop_errors[1].find("more than 4096 files read by includes"), std::string::npos)
      << loop_errors[1];
}

TEST(Nginx, ARelativeUnixSocketIsAnError) {
  // Found by fuzzing: `listen unix:` with a relative path made an access
  // with an empty path. nginx itself takes such a path relative to its
  // prefix; rampart does not guess the prefix.
  auto r =
      parse_nginx("http {\n  server {\n    listen unix:run/a.sock;\n    fastcgi_pass unix:b.sock;\n  }\n}\n",
                  "u.conf", nullptr, "/etc/nginx");
  auto errors = messages(r, core::Severity::Error);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], "u.conf:3:5: error: `unix:run/a.sock` is not an absolute unix socket path [RP3403]");
  EXPECT_EQ(errors[1], "u.conf:4:5: error: `unix:b.sock` is not an absolute unix socket path [RP3403]");
  for (const auto& s : r.fragment.services) {
    for (const auto& a : s.accesses) EXPECT_FALSE(a.path.empty());
  }
}

// ---- php-fpm ----

TEST(PhpFpm, SocketOwnerModeAndAcls) {
  auto r = parse_phpfpm(R"([global]
pid = /run/php/php8.2-fpm.pid
error_log = /var/log/php8.2-fpm.log

[www]
user = www-data
group = www-data
listen = /run/php/php8.2-fpm.sock
listen.owner = www-data
listen.group = www-data
listen.mode = 0660
pm = dynamic
php_admin_value[error_log] = /var/log/fpm-$pool.log
slowlog = /var/log/php-slow.log
chdir = /

[api]
user = api
listen = 127.0.0.1:9001
listen.acl_users = nginx,www-data

[acl]
user = app
listen = /run/php/acl.sock
listen.acl_users = nginx
listen.acl_groups = web
)",
                        "php-fpm.conf", nullptr, "/etc/php/8.2/fpm");
  EXPECT_TRUE(messages(r, core::Severity::Error).empty()) << messages(r, core::Severity::Error).front();
  const core::Service* master = service(r, "php-fpm");
  ASSERT_TRUE(master);
  EXPECT_TRUE(has(master, Operation::Create, "/var/log/php8.2-fpm.log"));
  EXPECT_TRUE(has(master, Operation::Create, "/var/log/php-slow.log"));
  const core::Service* www = service(r, "php-fpm-www");
  ASSERT_TRUE(www);
  EXPECT_TRUE(has(www, Operation::Create, "/var/log/fpm-www.log"));  // PHP opens it in the worker
  ASSERT_EQ(r.fragment.files.size(), 2u);
  const core::FileNode& sock = r.fragment.files[0];
  EXPECT_EQ(sock.type, core::FileType::Socket);
  EXPECT_EQ(sock.mode, 0660);
  const core::NameRef* owner = ref(r, core::NameRef::Target::FileOwner, 0);
  ASSERT_TRUE(owner);
  EXPECT_TRUE(owner->primary_group);  // listen.owner also sets the group (the owner's primary)
  const core::FileNode& acl = r.fragment.files[1];
  EXPECT_EQ(acl.uid, 0u);
  EXPECT_EQ(acl.access_acl.entries.size(), 6u);  // base three, nginx, web, mask
  EXPECT_EQ(acl.mode, 0660);
  ASSERT_EQ(r.fragment.hosts.size(), 1u);
  EXPECT_EQ(r.fragment.hosts[0].listeners.at(0).bind.to_string(), "127.0.0.1");
}

TEST(PhpFpm, PoolWithoutUserIsAnError) {
  auto r = parse_phpfpm("[www]\nlisten = /run/x.sock\nlisten.bogus = 1\n", "pool.conf", nullptr, "/etc");
  auto errors = messages(r, core::Severity::Error);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0],
            "pool.conf:1:1: error: pool `[www]` needs `user` and `listen` (php-fpm refuses to start without "
            "them) [RP3404]");
  EXPECT_EQ(messages(r, core::Severity::Warning).size(), 1u);
}

// ---- systemd ----

TEST(Systemd, IdentityCapabilitiesAndView) {
  auto r = parse_systemd(R"([Unit]
Description=My app
After=network.target

[Service]
Type=simple
User=app
Group=app
SupplementaryGroups=adm ssl-cert
UMask=0027
ExecStartPre=+/usr/local/bin/prepare %n
ExecStart=/usr/local/bin/app --config /etc/app.conf
ExecReload=/bin/kill -HUP $MAINPID
CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_DAC_READ_SEARCH
AmbientCapabilities=CAP_NET_BIND_SERVICE
ProtectSystem=strict
ProtectHome=yes
ReadWritePaths=/srv/app -/var/lib/app-extra
InaccessiblePaths=/etc/ssl/private
LogsDirectory=app
StandardOutput=append:/var/log/app-stdout.log
NoNewPrivileges=yes
Frobnicate=1

[Install]
WantedBy=multi-user.target
)",
                         "/etc/systemd/system/app.service");
  EXPECT_TRUE(messages(r, core::Severity::Error).empty()) << messages(r, core::Severity::Error).front();
  auto warnings = messages(r, core::Severity::Warning);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("`Frobnicate=` is not a setting rampart knows"), std::string::npos);
  const core::Service* app = service(r, "app");
  ASSERT_TRUE(app);
  EXPECT_EQ(app->umask, 027);
  EXPECT_TRUE(app->capabilities_declared);
  EXPECT_EQ(app->capabilities,
            core::cap_bit(core::Capability::NetBindService));  // ambient within the bounding set
  EXPECT_EQ(app->program, "/usr/local/bin/app");
  EXPECT_TRUE(has(app, Operation::Execute, "/bin/kill"));
  // The `+` line runs as root with every capability, outside the sandbox.
  const core::Service* pre = service(r, "app-exec-start-pre");
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->uid, 0u);
  EXPECT_EQ(pre->capabilities, core::kAllCapabilities);
  EXPECT_TRUE(pre->view.empty());
  // PID 1 opens StandardOutput= files itself.
  EXPECT_TRUE(has(service(r, "systemd"), Operation::Create, "/var/log/app-stdout.log"));
  // The view: / read-only, API file systems and the writable paths, homes covered.
  auto mount = [&](const std::string& p) -> const core::Mount* {
    for (const auto& m : app->view) {
      if (m.path == p) return &m;
    }
    return nullptr;
  };
  ASSERT_TRUE(mount("/"));
  EXPECT_TRUE(mount("/")->read_only);
  EXPECT_FALSE(mount("/srv/app")->read_only);
  EXPECT_FALSE(mount("/var/lib/app-extra")->read_only);
  EXPECT_FALSE(mount("/var/log/app")->read_only);
  ASSERT_TRUE(mount("/home") && mount("/home")->cover);
  EXPECT_EQ(mount("/home")->cover->mode, 0);
  ASSERT_TRUE(mount("/etc/ssl/private") && mount("/etc/ssl/private")->cover);
  // LogsDirectory= is a directory systemd makes, owned by the unit's user.
  ASSERT_EQ(r.fragment.files.size(), 1u);
  EXPECT_EQ(r.fragment.files[0].path, "/var/log/app");
  EXPECT_TRUE(ref(r, core::NameRef::Target::FileOwner, 0));
  size_t supplementary = std::count_if(r.names.begin(), r.names.end(), [](const core::NameRef& n) {
    return n.target == core::NameRef::Target::ServiceSupplementary;
  });
  EXPECT_EQ(supplementary, 2u);
}

// Capability lines as systemd replays them (config_parse_capability_set):
// `~` inverts the whole line, an empty assignment empties the set, later
// lines merge into earlier ones.
TEST(Systemd, CapabilityLinesReplayedLikeSystemd) {
  auto caps_of = [](const std::string& lines) {
    auto r = parse_systemd("[Service]\nExecStart=/usr/sbin/d\n" + lines, "d.service");
    EXPECT_FALSE(r.diagnostics.has_errors());
    return r.fragment.services.at(0).capabilities;
  };
  using core::cap_bit;
  using C = core::Capability;
  const auto all = core::kAllCapabilities;
  EXPECT_EQ(caps_of(""), all);                         // root, no bounding set: everything
  EXPECT_EQ(caps_of("CapabilityBoundingSet=\n"), 0u);  // an empty assignment: nothing
  EXPECT_EQ(caps_of("CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_CHOWN\n"),
            all & ~cap_bit(C::SysAdmin) & ~cap_bit(C::Chown));
  EXPECT_EQ(caps_of("CapabilityBoundingSet=CAP_CHOWN\nCapabilityBoundingSet=CAP_FOWNER\n"),
            cap_bit(C::Chown) | cap_bit(C::FOwner));
  EXPECT_EQ(caps_of("CapabilityBoundingSet=CAP_CHOWN CAP_FOWNER\nCapabilityBoundingSet=~CAP_CHOWN\n"),
            cap_bit(C::FOwner));
  EXPECT_EQ(
      caps_of("CapabilityBoundingSet=CAP_CHOWN\nCapabilityBoundingSet=\nCapabilityBoundingSet=CAP_FOWNER\n"),
      cap_bit(C::FOwner));
  EXPECT_EQ(caps_of("CapabilityBoundingSet=~\n"), all);
  // Not root: only ambient capabilities within the bounding set.
  auto r = parse_systemd(
      "[Service]\nUser=app\nExecStart=/usr/bin/a\nAmbientCapabilities=CAP_CHOWN CAP_FOWNER\n"
      "CapabilityBoundingSet=~CAP_FOWNER\n",
      "a.service");
  EXPECT_EQ(r.fragment.services.at(0).capabilities, cap_bit(C::Chown));
  auto bad =
      parse_systemd("[Service]\nExecStart=/x\nCapabilityBoundingSet=CAP_CHOWN CAP_NOPE\n", "b.service");
  ASSERT_EQ(messages(bad, core::Severity::Error).size(), 1u);
  EXPECT_NE(messages(bad, core::Severity::Error)[0].find("`CAP_NOPE` is not a Linux capability"),
            std::string::npos);
}

TEST(Systemd, DynamicUserRootAndBangPrefix) {
  auto dyn = parse_systemd("[Service]\nDynamicUser=yes\nExecStart=/usr/bin/thing\n", "thing.service");
  EXPECT_TRUE(dyn.diagnostics.empty());
  const core::NameRef* u = ref(dyn, core::NameRef::Target::ServiceUser, 0);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->name, "thing");
  ASSERT_TRUE(u->fallback);
  EXPECT_GE(*u->fallback, 61184u);
  EXPECT_LE(*u->fallback, 65519u);
  EXPECT_FALSE(dyn.fragment.services[0].view.empty());  // implies ProtectSystem=strict and more
  auto root = parse_systemd("[Service]\nExecStart=/usr/sbin/daemon\nCapabilityBoundingSet=~CAP_SYS_ADMIN\n",
                            "daemon.service");
  EXPECT_EQ(root.fragment.services[0].uid, 0u);
  EXPECT_EQ(root.fragment.services[0].capabilities,
            core::kAllCapabilities & ~core::cap_bit(core::Capability::SysAdmin));
  auto bang = parse_systemd("[Service]\nUser=app\nExecStart=!/usr/bin/x\n", "x.service");
  EXPECT_EQ(bang.fragment.services[0].uid, 0u);  // `!`: User= is not applied
  auto none = parse_systemd("[Unit]\nDescription=x\n", "none.service");
  ASSERT_EQ(messages(none, core::Severity::Error).size(), 1u);
  EXPECT_EQ(messages(none, core::Severity::Error)[0],
            "none.service:1:1: error: `none.service` has no ExecStart=: it starts no process [RP3402]");
}

}  // namespace
}  // namespace rampart::importers
