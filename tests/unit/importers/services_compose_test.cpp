// services.compose: what a docker compose file says about identities,
// capabilities, bind mounts and published ports. Every expectation below is
// worked out by hand from docker's documented behaviour (see
// docs/importers/services-compose.md), never read back from the importer.

#include <gtest/gtest.h>

#include <algorithm>

#include "rampart/core/dac.h"
#include "rampart/importers/linux.h"

namespace rampart::importers {
namespace {

using core::cap_bit;
using core::Capability;
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

// The listeners of the importing host, as "proto/ports on bind by process".
std::vector<std::string> listeners(const core::ImportResult& r) {
  std::vector<std::string> out;
  for (const auto& h : r.fragment.hosts) {
    EXPECT_EQ(h.name, "");  // the host block the import sits in
    for (const auto& l : h.listeners) {
      EXPECT_EQ(l.process, r.fragment.services.at(l.service.index()).name);
      out.push_back(core::protocol_name(l.protocol) + "/" + core::port_set_to_string(l.ports) + " on " +
                    l.bind.to_string() + " by " + r.fragment.services.at(l.service.index()).name);
    }
  }
  return out;
}

constexpr core::CapabilitySet kDockerDefault =
    cap_bit(Capability::Chown) | cap_bit(Capability::DacOverride) | cap_bit(Capability::FOwner) |
    cap_bit(Capability::FSetId) | cap_bit(Capability::Kill) | cap_bit(Capability::SetGid) |
    cap_bit(Capability::SetUid) | cap_bit(Capability::SetPCap) | cap_bit(Capability::NetBindService) |
    cap_bit(Capability::NetRaw) | cap_bit(Capability::SysChroot) | cap_bit(Capability::Mknod) |
    cap_bit(Capability::AuditWrite) | cap_bit(Capability::SetFCap);

const char* kApp = R"(# a web application
name: shop
x-common: &common
  restart: unless-stopped
  user: "0:0"
services:
  web:
    <<: *common
    image: nginx:1.25
    ports:
      - "80:80"
      - "443:443"
    volumes:
      - ./html:/usr/share/nginx/html:ro
      - type: bind
        source: /etc/letsencrypt
        target: /etc/letsencrypt
        read_only: true
  db:
    image: postgres:16
    user: "999:999"
    ports:
      - "127.0.0.1:5432:5432"
    volumes:
      - pgdata:/var/lib/postgresql/data
  worker:
    image: shop/worker
    user: "1000:1000"
    group_add: ["2000"]
    cap_drop: [ALL]
    read_only: true
    volumes:
      - /srv/uploads:/data/uploads
volumes:
  pgdata: {}
)";

TEST(Compose, ServicesIdentitiesAndBindMounts) {
  auto r = parse_compose(kApp, "compose.yaml", "/srv/shop");
  EXPECT_TRUE(messages(r, core::Severity::Error).empty()) << messages(r, core::Severity::Error)[0];
  EXPECT_TRUE(messages(r, core::Severity::Warning).empty());
  ASSERT_EQ(r.fragment.services.size(), 3u);

  // web: root through the merged anchor, docker's default capabilities.
  const auto* web = service(r, "web");
  ASSERT_TRUE(web);
  EXPECT_EQ(web->uid, 0u);
  EXPECT_EQ(web->gid, 0u);
  EXPECT_TRUE(web->capabilities_declared);
  EXPECT_EQ(web->capabilities, kDockerDefault);
  // Its view: the container's own root hides the host, two bind mounts show
  // host paths again; ./html is relative to the project folder.
  ASSERT_EQ(web->view.size(), 3u);
  EXPECT_EQ(web->view[0].path, "/");
  ASSERT_TRUE(web->view[0].cover.has_value());
  EXPECT_FALSE(web->view[0].read_only);
  EXPECT_EQ(web->view[1].path, "/srv/shop/html");
  EXPECT_TRUE(web->view[1].read_only);
  EXPECT_FALSE(web->view[1].cover.has_value());
  EXPECT_EQ(web->view[2].path, "/etc/letsencrypt");
  EXPECT_TRUE(web->view[2].read_only);
  EXPECT_TRUE(has(web, Operation::Read, "/srv/shop/html/**"));
  EXPECT_TRUE(has(web, Operation::Read, "/etc/letsencrypt"));

  // db: a named volume is the container's own storage: no host path.
  const auto* db = service(r, "db");
  ASSERT_TRUE(db);
  EXPECT_EQ(db->uid, 999u);
  EXPECT_EQ(db->gid, 999u);
  EXPECT_EQ(db->capabilities, 0u);  // not root: no effective capability
  EXPECT_EQ(db->view.size(), 1u);

  // worker: 1000:1000 with group 2000, read-only root, a writable bind mount.
  const auto* worker = service(r, "worker");
  ASSERT_TRUE(worker);
  EXPECT_EQ(worker->uid, 1000u);
  EXPECT_EQ(worker->gid, 1000u);
  EXPECT_EQ(worker->supplementary_gids, std::vector<uint32_t>{2000});
  EXPECT_EQ(worker->capabilities, 0u);
  ASSERT_EQ(worker->view.size(), 2u);
  EXPECT_TRUE(worker->view[0].read_only);
  EXPECT_EQ(worker->view[1].path, "/srv/uploads");
  EXPECT_FALSE(worker->view[1].read_only);

  // Services are named objects, as the policy names them.
  ASSERT_EQ(r.objects.size(), 3u);
  EXPECT_EQ(r.objects[0].native_id, "web");
  EXPECT_TRUE(r.names.empty());  // numeric ids are the host's: nothing to resolve
}

TEST(Compose, PublishedPortsBindBothFamiliesUnlessAnAddressIsGiven) {
  auto r = parse_compose(kApp, "compose.yaml", "/srv/shop");
  EXPECT_EQ(listeners(r), (std::vector<std::string>{
                              "tcp/80 on 0.0.0.0 by web",
                              "tcp/80 on :: by web",
                              "tcp/443 on 0.0.0.0 by web",
                              "tcp/443 on :: by web",
                              "tcp/5432 on 127.0.0.1 by db",
                          }));
  for (const auto& h : r.fragment.hosts) {
    for (const auto& l : h.listeners) EXPECT_TRUE(l.forwarded) << l.to_string();
  }
}

TEST(Compose, PortSyntaxes) {
  auto r = parse_compose(R"(services:
  app:
    user: "1:1"
    ports:
      - 9000-9002:9000-9002
      - "127.0.0.1:8080:80/udp"
      - "[::1]:6001:6001"
      - "::1:6002:6002"
      - 3000
      - "127.0.0.1::3001"
      - target: 53
        published: "5353"
        host_ip: 10.0.0.5
        protocol: udp
        mode: host
      - target: 7000
        published: 7000-7001
)",
                         "c.yaml");
  EXPECT_TRUE(messages(r, core::Severity::Error).empty());
  EXPECT_EQ(listeners(r), (std::vector<std::string>{
                              "tcp/9000-9002 on 0.0.0.0 by app",
                              "tcp/9000-9002 on :: by app",
                              "udp/8080 on 127.0.0.1 by app",
                              "tcp/6001 on ::1 by app",
                              "tcp/6002 on ::1 by app",
                              "tcp/32768-60999 on 0.0.0.0 by app",
                              "tcp/32768-60999 on :: by app",
                              "tcp/32768-60999 on 127.0.0.1 by app",
                              "udp/5353 on 10.0.0.5 by app",
                              "tcp/7000-7001 on 0.0.0.0 by app",
                              "tcp/7000-7001 on :: by app",
                          }));
  // A host port the kernel picks, and one of a range: said, not silent.
  auto w = messages(r, core::Severity::Warning);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0],
            "c.yaml:9:9: warning: tcp/3000 of service `app` is published on a host port the kernel picks at "
            "start: rampart counts the whole range 32768-60999 as listening [RP3406]");
  EXPECT_NE(w[2].find("c.yaml:16:9: warning: tcp/7000 of service `app` is published on one host port of "
                      "7000-7001"),
            std::string::npos)
      << w[2];
}

TEST(Compose, HostNetworkListensDirectlyAndNoneNotAtAll) {
  auto r = parse_compose(R"(services:
  mon:
    user: "0"
    network_mode: host
    expose: ["9100", "9200/udp"]
    ports: ["8080:80"]
  quiet:
    user: "0:0"
    network_mode: none
    ports: ["81:81"]
)",
                         "c.yaml");
  EXPECT_EQ(listeners(r), (std::vector<std::string>{
                              "tcp/80 on * by mon",  // the target; docker discards 8080 in this mode
                              "tcp/9100 on * by mon",
                              "udp/9200 on * by mon",
                          }));
  for (const auto& h : r.fragment.hosts) {
    for (const auto& l : h.listeners) EXPECT_FALSE(l.forwarded);  // the host's own stack, INPUT included
  }
}

TEST(Compose, CapabilitiesFollowDocker) {
  auto r = parse_compose(R"(services:
  a: {user: "0:0", cap_add: [SYS_ADMIN, cap_net_admin], cap_drop: [NET_RAW, MKNOD]}
  b: {user: "0:0", cap_drop: [ALL], cap_add: [CHOWN]}
  c: {user: "0:0", cap_add: [ALL], cap_drop: [SETUID]}
  d: {user: "0:0", cap_add: [ALL], cap_drop: [ALL]}
  e: {user: "0:0", privileged: true, cap_drop: [ALL]}
  f: {user: "1000:1000", privileged: true, cap_add: [DAC_OVERRIDE]}
)",
                         "c.yaml");
  EXPECT_TRUE(messages(r, core::Severity::Error).empty());
  EXPECT_EQ(service(r, "a")->capabilities,
            (kDockerDefault & ~cap_bit(Capability::NetRaw) & ~cap_bit(Capability::Mknod)) |
                cap_bit(Capability::SysAdmin) | cap_bit(Capability::NetAdmin));
  EXPECT_EQ(service(r, "b")->capabilities, cap_bit(Capability::Chown));
  EXPECT_EQ(service(r, "c")->capabilities, core::kAllCapabilities & ~cap_bit(Capability::SetUid));
  EXPECT_EQ(service(r, "d")->capabilities, core::kAllCapabilities);  // cap_add ALL wins (moby)
  EXPECT_EQ(service(r, "e")->capabilities, core::kAllCapabilities);
  EXPECT_EQ(service(r, "f")->capabilities, 0u);  // a non-root process holds none
}

TEST(Compose, SymbolicOrMissingUserIsAnUnknownIdentity) {
  auto r = parse_compose(R"(services:
  named:
    user: www-data
  uid_only:
    user: "33"
  implicit:
    image: redis
  groups:
    user: "1:1"
    group_add: [docker]
)",
                         "c.yaml");
  EXPECT_TRUE(messages(r, core::Severity::Error).empty());
  for (const char* n : {"named", "uid_only", "implicit", "groups"}) {
    const auto* s = service(r, n);
    ASSERT_TRUE(s) << n;
    EXPECT_EQ(s->uid, core::kNoId) << n;
    EXPECT_EQ(s->gid, core::kNoId) << n;
    core::Policy p;
    EXPECT_FALSE(core::credentials_of(p, *s).identity_known) << n;
  }
  EXPECT_EQ(service(r, "named")->user_name, "www-data");
  EXPECT_TRUE(r.names.empty());  // never looked up in the host's passwd
  auto w = messages(r, core::Severity::Warning);
  ASSERT_EQ(w.size(), 4u);
  EXPECT_NE(w[0].find("c.yaml:3:11: warning: `user: www-data` is resolved in the image's /etc/passwd"),
            std::string::npos)
      << w[0];
  EXPECT_NE(w[2].find("c.yaml:6:3: warning: service `implicit` has no `user`"), std::string::npos) << w[2];
}

TEST(Compose, ExtensionsAreSilentUnknownKeysAreWarnings) {
  auto r = parse_compose(R"(x-top: 1
services:
  a:
    user: "0:0"
    x-mine: {anything: [1]}
    colour: blue
    security_opt: [no-new-privileges]
    volumes:
      - type: bind
        source: ./d
        target: /d
        bogus: 1
flavour: 2
)",
                         "c.yaml", "/");
  EXPECT_TRUE(messages(r, core::Severity::Error).empty());
  EXPECT_EQ(
      messages(r, core::Severity::Warning),
      (std::vector<std::string>{
          "c.yaml:6:5: warning: `colour` is not a compose service key rampart knows; it is ignored [RP3406]",
          "c.yaml:7:5: warning: `security_opt` changes what the container may access and is not modelled: "
          "answers about service `a` may be wrong [RP3406]",
          "c.yaml:12:9: warning: `bogus` is not a volume key rampart knows; it is ignored [RP3406]",
          "c.yaml:13:1: warning: `flavour` is not a compose key rampart knows; it is ignored [RP3406]",
      }));
  EXPECT_EQ(service(r, "a")->view.at(1).path, "/d");
}

TEST(Compose, SchemaErrorsAreLocatedAndAllReported) {
  auto r = parse_compose(R"(services:
  a:
    user: [1]
    ports: 5
    cap_add: [NOT_A_CAP]
    read_only: maybe
  b:
    user: "1:1"
    ports:
      - "70000:80"
      - "80:80/icmp"
      - target: 80
        published: 8000-8002
        mode: bridge
      - {published: 80}
    volumes:
      - "./a:relative"
      - type: bind
        target: /x
  c: 5
)",
                         "c.yaml");
  EXPECT_EQ(
      messages(r, core::Severity::Error),
      (std::vector<std::string>{
          "c.yaml:3:11: error: `user` must be a string (`uid[:gid]` or `name[:group]`), not a sequence "
          "[RP3406]",
          "c.yaml:4:12: error: `ports` must be a sequence of ports, not a scalar [RP3406]",
          "c.yaml:5:15: error: `NOT_A_CAP` is not a Linux capability [RP3406]",
          "c.yaml:6:16: error: `read_only` must be true or false, not `maybe` [RP3406]",
          "c.yaml:10:9: error: `70000` is not a host port or range [RP3406]",
          "c.yaml:11:9: error: `icmp` is not a port protocol (tcp, udp, sctp) [RP3406]",
          "c.yaml:14:15: error: `bridge` is not a port mode (host, ingress) [RP3406]",
          "c.yaml:15:9: error: a port in long syntax needs a `target` [RP3406]",
          "c.yaml:17:9: error: the target `relative` of a volume must be an absolute path in the container "
          "[RP3406]",
          "c.yaml:18:9: error: a bind mount needs a source path [RP3406]",
          "c.yaml:20:6: error: service `c` must be a mapping, not a scalar [RP3406]",
      }));
}

TEST(Compose, YamlSyntaxErrorsAreLocated) {
  auto r = parse_compose("services:\n  a:\n    ports: [\"80:80\"\n", "bad.yaml");
  auto e = messages(r, core::Severity::Error);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].rfind("bad.yaml:", 0), 0u) << e[0];
  EXPECT_NE(e[0].find("YAML syntax error: end of sequence flow not found"), std::string::npos) << e[0];
  EXPECT_TRUE(r.fragment.services.empty());

  // 100,000 nested sequences: yaml-cpp's depth guard stops its parser, and
  // the message says so (yaml-cpp's own text is "bad file").
  auto deep = parse_compose(
      "services:\n  a:\n    labels: " + std::string(100000, '[') + std::string(100000, ']') + "\n",
      "deep.yaml");
  auto d = messages(deep, core::Severity::Error);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].rfind("deep.yaml:3:", 0), 0u) << d[0];
  EXPECT_NE(d[0].find("YAML nested too deeply"), std::string::npos) << d[0];

  auto dup = parse_compose("services:\n  a: {user: \"1:1\"}\n  a: {user: \"2:2\"}\n", "dup.yaml");
  EXPECT_EQ(messages(dup, core::Severity::Error),
            std::vector<std::string>{"dup.yaml:3:3: error: `a` is given twice in this mapping [RP3406]"});

  auto empty = parse_compose("", "empty.yaml");
  EXPECT_EQ(messages(empty, core::Severity::Error),
            std::vector<std::string>{"empty.yaml:1:1: error: the file holds no compose document [RP3406]"});
  auto list = parse_compose("- a\n- b\n", "list.yaml");
  EXPECT_EQ(
      messages(list, core::Severity::Error),
      std::vector<std::string>{
          "list.yaml:1:1: error: a compose file is a mapping (`services:` ...), not a sequence [RP3406]"});
}

TEST(Compose, AliasesThatMultiplyStopAtTheItemBudget) {
  // 1,000 services, each the alias of a 200-key mapping: 200,000 entries
  // from a 20 KB file. Reading stops at 100,000, with one error.
  std::string text = "x-base: &a\n";
  for (int k = 0; k < 200; ++k) text += "  label" + std::to_string(k) + ": v\n";
  text += "services:\n";
  for (int i = 0; i < 1000; ++i) text += "  s" + std::to_string(i) + ": *a\n";
  auto r = parse_compose(text, "bomb.yaml");
  auto e = messages(r, core::Severity::Error);
  ASSERT_EQ(e.size(), 1u) << ::testing::PrintToString(e);
  EXPECT_NE(e[0].find("expands (through aliases) to more than 100000 list items and mapping entries"),
            std::string::npos)
      << e[0];
}

TEST(Compose, MergeKeysOwnKeysWinThenMergedInOrder) {
  auto r = parse_compose(R"(x-a: &a {user: "1:1", read_only: true}
x-b: &b {user: "2:2", privileged: true}
services:
  s:
    <<: [*a, *b]
    read_only: false
)",
                         "m.yaml");
  EXPECT_TRUE(messages(r, core::Severity::Error).empty());
  const auto* s = service(r, "s");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->uid, 1u);                  // *a before *b
  EXPECT_FALSE(s->view.at(0).read_only);  // the service's own key wins
  EXPECT_EQ(s->capabilities, 0u);         // privileged, but not root
}

TEST(Compose, HomeRelativeSourcesAreSaidAndLeftOut) {
  auto r = parse_compose("services:\n  a:\n    user: \"0:0\"\n    volumes: [\"~/x:/x\"]\n", "h.yaml");
  EXPECT_EQ(service(r, "a")->view.size(), 1u);
  ASSERT_EQ(messages(r, core::Severity::Warning).size(), 1u);
}

}  // namespace
}  // namespace rampart::importers
