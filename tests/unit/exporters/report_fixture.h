#pragma once
// A small hand-built policy and report for the exporters' tests: one host
// behind two layers, a public and a loopback listener, two services and a
// shared log file one of them cannot append to. Names can be made hostile.

#include <string>

#include "rampart/core/policy.h"
#include "rampart/core/result.h"

namespace rampart::exporters::testing {

struct Fixture {
  core::Policy policy;
  core::Report report;
};

inline core::Origin at(uint32_t line) {
  return core::Origin::policy("site.rampart", line, 3);
}

inline Fixture make_fixture(const std::string& host_name = "web1", const std::string& odd = "nginx") {
  Fixture fx;
  core::Policy& p = fx.policy;
  p.zones.push_back(core::Zone{"office",
                               core::AddressSet::of(core::Cidr{*core::Address::parse("192.168.1.0"), 24}),
                               false, core::default_client_ports(), at(1)});
  p.zones.push_back(
      core::Zone{"internet", core::AddressSet::any(), true, core::default_client_ports(), at(2)});

  core::RuleSet rs;
  rs.name = "host_fw";
  rs.chains.push_back(core::Chain{"input", {}, at(4)});
  core::Rule web;
  web.name = "web";
  web.action = core::Action::Allow;
  web.origin = at(5);
  rs.rules().push_back(web);
  core::RuleSetId rsid = p.add(rs);
  core::PacketFilter fw{"host_fw", "firewall", rsid, {}, false, core::FilterScope::Host, at(4)};
  core::FilterId f1 = p.add(fw);
  core::PacketFilter sg{"sg-1", "aws-security-group", {}, {}, false, core::FilterScope::Network, at(8)};
  core::FilterId f2 = p.add(sg);

  core::Host h;
  h.name = host_name;
  h.inbound.push_back(core::Layer{{f2}, at(10)});
  h.inbound.push_back(core::Layer{{f1}, at(10)});
  core::Listener l80;
  l80.protocol = core::proto::kTcp;
  l80.ports = core::PortSet::single(80);
  l80.service = core::ServiceId(0);
  l80.origin = at(11);
  core::Listener l8000;
  l8000.protocol = core::proto::kTcp;
  l8000.ports = core::PortSet::single(8000);
  l8000.bind = core::Bind{core::Bind::Kind::Address, *core::Address::parse("127.0.0.1")};
  l8000.service = core::ServiceId(1);
  l8000.origin = at(12);
  h.listeners = {l80, l8000};
  core::HostId hid = p.add(h);

  p.users.push_back(core::User{hid, "www", 1000, 1000, {}, "", "", at(20)});
  p.groups.push_back(core::Group{hid, "www", 1000, {}, at(21)});
  core::FileNode log;
  log.host = hid;
  log.path = "/var/log/nginx/app.log";
  log.uid = 0;
  log.gid = 0;
  log.mode = 0644;
  p.files.push_back(log);

  core::Service nginx;
  nginx.host = hid;
  nginx.name = odd;
  nginx.user_name = "www";
  nginx.group_name = "www";
  nginx.uid = 1000;
  nginx.gid = 1000;
  nginx.accesses.push_back(core::DeclaredAccess{core::Operation::Append, "/var/log/nginx/app.log", at(30)});
  nginx.accesses.push_back(
      core::DeclaredAccess{core::Operation::Append, "/var/log/nginx/access.log", at(31)});
  core::Service app;
  app.host = hid;
  app.name = "app";
  app.user_name = "root";
  app.group_name = "root";
  app.accesses.push_back(core::DeclaredAccess{core::Operation::Create, "/var/log/nginx/app.log", at(35)});
  p.services = {nginx, app};

  core::Report& r = fx.report;
  r.command = "conflicts";
  r.inputs = {"site.rampart"};
  core::Result holds;
  holds.text = "reach internet -> " + host_name + " tcp/80";
  holds.kind = "reach";
  holds.origin = at(40);
  holds.verdict = core::Verdict::Holds;
  holds.reason = "a packet is admitted";
  core::NetworkWitness w;
  w.packet.src = *core::Address::parse("203.0.113.7");
  w.packet.dst = *core::Address::parse("10.0.1.10");
  w.packet.src_port = 40000;
  w.packet.dst_port = 80;
  w.admitted = true;
  w.listener = "tcp/80 on *";
  w.listener_origin = at(11);
  core::LayerStep step;
  step.host = host_name;
  step.layer = "host_fw";
  step.filter = "host_fw";
  step.decision = core::Decision::Allow;
  step.rule = "web";
  step.origin = at(5);
  w.steps.push_back(step);
  holds.network = w;
  r.results.push_back(holds);

  core::Result violated = holds;
  violated.text = "not reach internet -> " + host_name + " tcp/80";
  violated.kind = "not-reach";
  violated.origin = at(41);
  violated.verdict = core::Verdict::Violated;
  violated.reason = "a packet is admitted";
  r.results.push_back(violated);

  core::Result unknown;
  unknown.text = "can " + odd + " append \"/var/log/nginx/app.log\"";
  unknown.kind = "can";
  unknown.origin = at(42);
  unknown.verdict = core::Verdict::Unknown;
  unknown.reason = "the solver gave up";
  r.results.push_back(unknown);
  // No witness: the question it answers names the host.
  core::AccessQuestion aq;
  aq.operation = core::Operation::Append;
  aq.path = "/var/log/nginx/app.log";
  aq.host = hid;
  p.questions.push_back(core::Question{false, unknown.text, unknown.origin, aq});

  core::AccessWitness aw;
  aw.subject = core::SubjectInfo{odd, "service", 1000, 1000, {}, {}, ""};
  aw.operation = core::Operation::Append;
  aw.path = "/var/log/nginx/app.log";
  aw.granted = false;
  aw.decisive =
      core::AccessCheck{"mode-bits", "/var/log/nginx/app.log", "other class has r--, needs -w-", at(50)};
  aw.checks = {core::AccessCheck{"mode-bits", "/var/log/nginx", "owner class has rwx, needs --x", at(51)},
               aw.decisive};
  core::Finding conflict;
  conflict.rule_id = "access-conflict";
  conflict.severity = core::Severity::Error;
  conflict.message = odd + " cannot append to /var/log/nginx/app.log";
  conflict.origin = at(30);
  conflict.access = aw;
  conflict.fix = "run app as www:www";
  r.findings.push_back(conflict);

  core::ResourceReport rr;
  rr.host = host_name;
  rr.path = "/var/log/nginx/app.log";
  rr.created_as = "root:root -rw-r--r-- (by app)";
  rr.accesses.push_back(core::ResourceAccess{odd, "www:www", "append", false, "other class has r--", at(30)});
  rr.accesses.push_back(core::ResourceAccess{"app", "root:root", "create", true, "CAP_DAC_OVERRIDE", at(35)});
  rr.fixes.push_back("run app as www:www");
  r.resources.push_back(rr);
  return fx;
}

}  // namespace rampart::exporters::testing
