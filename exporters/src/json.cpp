#include "rampart/exporters/json.h"

#include <nlohmann/json.hpp>

#include "rampart/core/address.h"

namespace rampart::exporters {
namespace {

using nlohmann::ordered_json;

ordered_json origin(const core::Origin& o) {
  ordered_json j;
  j["kind"] = o.kind_name();
  j["file"] = o.file;
  if (o.line) j["line"] = o.line;
  if (o.column) j["column"] = o.column;
  if (o.end_line) j["end_line"] = o.end_line;
  if (o.end_column) j["end_column"] = o.end_column;
  if (!o.json_pointer.empty()) j["json_pointer"] = o.json_pointer;
  if (!o.native_id.empty()) j["native_id"] = o.native_id;
  if (!o.native_name.empty()) j["native_name"] = o.native_name;
  j["text"] = o.to_string();
  return j;
}

ordered_json packet(const core::Packet& p) {
  ordered_json j;
  j["family"] = p.family == core::Family::V4 ? "ipv4" : "ipv6";
  j["protocol"] = core::protocol_name(p.protocol);
  j["protocol_number"] = p.protocol;
  j["source"] = p.src.to_string();
  j["destination"] = p.dst.to_string();
  if (core::has_ports(p.protocol)) {
    j["source_port"] = p.src_port;
    j["destination_port"] = p.dst_port;
  }
  if (core::has_icmp(p.protocol)) {
    j["icmp_type"] = p.icmp_type;
    j["icmp_code"] = p.icmp_code;
  }
  if (!p.in_interface.empty()) j["in_interface"] = p.in_interface;
  if (!p.out_interface.empty()) j["out_interface"] = p.out_interface;
  j["state"] = core::conn_state_name(p.state);
  j["text"] = p.to_string();
  return j;
}

ordered_json network_witness(const core::NetworkWitness& w) {
  ordered_json j;
  j["packet"] = packet(w.packet);
  if (w.reply) j["reply"] = packet(*w.reply);
  j["client_ports"] = core::port_set_to_string(w.client_ports);
  j["admitted"] = w.admitted;
  ordered_json steps = ordered_json::array();
  for (const auto& s : w.steps) {
    ordered_json st;
    st["host"] = s.host;
    st["direction"] = core::direction_name(s.direction);
    st["layer_index"] = s.layer_index;
    st["layer"] = s.layer;
    st["filter"] = s.filter;
    st["packet"] = s.reply ? "reply" : "forward";
    st["decision"] = core::decision_name(s.decision);
    st["rule"] = s.rule;
    st["by_default"] = s.by_default;
    st["origin"] = origin(s.origin);
    if (!s.via.empty()) st["via"] = s.via;
    steps.push_back(std::move(st));
  }
  j["trace"] = std::move(steps);
  ordered_json listener;
  if (!w.listener.empty()) {
    listener["accepted_by"] = w.listener;
    listener["origin"] = origin(w.listener_origin);
  } else {
    listener = nullptr;
  }
  j["listener"] = listener;
  if (!w.listener_reason.empty()) j["listener_reason"] = w.listener_reason;
  ordered_json assumptions = ordered_json::array();
  for (const auto& a : w.assumptions) {
    ordered_json aj;
    aj["condition"] = a.condition;
    aj["value"] = a.value;
    if (!a.description.empty()) aj["description"] = a.description;
    assumptions.push_back(std::move(aj));
  }
  j["assumptions"] = std::move(assumptions);
  return j;
}

ordered_json access_witness(const core::AccessWitness& w) {
  ordered_json j;
  ordered_json subject;
  subject["name"] = w.subject.name;
  subject["kind"] = w.subject.kind;
  subject["uid"] = w.subject.uid;
  subject["gid"] = w.subject.gid;
  subject["groups"] = w.subject.groups;
  subject["capabilities"] = w.subject.capabilities;
  if (!w.subject.domain.empty()) subject["domain"] = w.subject.domain;
  j["subject"] = std::move(subject);
  j["operation"] = core::operation_name(w.operation);
  j["path"] = w.path;
  j["granted"] = w.granted;
  auto check = [](const core::AccessCheck& c) {
    ordered_json cj;
    cj["kind"] = c.kind;
    cj["path"] = c.path;
    cj["detail"] = c.detail;
    cj["origin"] = origin(c.origin);
    return cj;
  };
  j["decisive"] = check(w.decisive);
  ordered_json checks = ordered_json::array();
  for (const auto& c : w.checks) checks.push_back(check(c));
  j["checks"] = std::move(checks);
  return j;
}

ordered_json set_entries(const std::vector<core::SetEntry>& entries) {
  ordered_json arr = ordered_json::array();
  for (const auto& e : entries) {
    ordered_json ej;
    ordered_json blocks = ordered_json::array();
    for (const auto& c : e.sources.to_cidrs()) blocks.push_back(c.to_string());
    ej["sources"] = std::move(blocks);
    ordered_json services = ordered_json::array();
    for (const auto& s : e.services.clauses) services.push_back(s.to_string());
    ej["services"] = std::move(services);
    arr.push_back(std::move(ej));
  }
  return arr;
}

ordered_json set_answer(const core::SetAnswer& s) {
  ordered_json j;
  j["projection"] = s.projection;
  j["certified"] = s.certified;
  if (!s.subjects.empty() || !s.may_subjects.empty() || !s.domains.empty()) {
    j["must"] = s.subjects;
    j["may"] = s.may_subjects;
    if (!s.domains.empty() || !s.domains_known) {
      j["selinux_domains"] = s.domains;
      j["selinux_domains_exact"] = s.domains_known;
    }
  } else {
    j["must"] = set_entries(s.must);
    j["may"] = set_entries(s.may);
  }
  return j;
}

ordered_json diagnostic(const core::Diagnostic& d) {
  ordered_json j;
  j["severity"] = core::severity_name(d.severity);
  j["code"] = d.code;
  j["message"] = d.message;
  j["origin"] = origin(d.origin);
  ordered_json notes = ordered_json::array();
  for (const auto& n : d.notes) {
    ordered_json nj;
    nj["message"] = n.message;
    nj["origin"] = origin(n.origin);
    notes.push_back(std::move(nj));
  }
  j["notes"] = std::move(notes);
  if (!d.help.empty()) j["help"] = d.help;
  return j;
}

}  // namespace

std::string render_json(const core::Report& report) {
  ordered_json j;
  j["schema"] = "rampart.report";
  j["version"] = kJsonSchemaVersion;
  j["tool"] = {{"name", "rampart"}, {"version", RAMPART_VERSION}};
  j["command"] = report.command;
  j["inputs"] = report.inputs;
  ordered_json results = ordered_json::array();
  for (const auto& r : report.results) {
    ordered_json rj;
    rj["text"] = r.text;
    rj["kind"] = r.kind;
    rj["query"] = r.is_query;
    rj["origin"] = origin(r.origin);
    rj["verdict"] = core::verdict_name(r.verdict);
    rj["reason"] = r.reason;
    rj["witness"] = r.network ? network_witness(*r.network) : ordered_json(nullptr);
    if (r.access) rj["access_witness"] = access_witness(*r.access);
    if (r.set) rj["set"] = set_answer(*r.set);
    rj["unknowns"] = r.unknowns;
    results.push_back(std::move(rj));
  }
  j["results"] = std::move(results);
  ordered_json findings = ordered_json::array();
  for (const auto& f : report.findings) {
    ordered_json fj;
    fj["rule_id"] = f.rule_id;
    fj["severity"] = core::severity_name(f.severity);
    fj["message"] = f.message;
    fj["origin"] = origin(f.origin);
    ordered_json related = ordered_json::array();
    for (const auto& n : f.related) related.push_back({{"message", n.message}, {"origin", origin(n.origin)}});
    fj["related"] = std::move(related);
    if (f.network) fj["witness"] = network_witness(*f.network);
    if (f.access) fj["access_witness"] = access_witness(*f.access);
    if (!f.fix.empty()) fj["fix"] = f.fix;
    findings.push_back(std::move(fj));
  }
  j["findings"] = std::move(findings);
  ordered_json resources = ordered_json::array();
  for (const auto& rr : report.resources) {
    ordered_json rj;
    rj["host"] = rr.host;
    rj["path"] = rr.path;
    if (!rr.created_as.empty()) rj["created_as"] = rr.created_as;
    ordered_json accesses = ordered_json::array();
    for (const auto& a : rr.accesses) {
      ordered_json aj{{"service", a.service},      {"run_as", a.run_as},   {"operation", a.operation},
                      {"granted", a.granted},      {"unknown", a.unknown}, {"why", a.why},
                      {"origin", origin(a.origin)}};
      if (!a.dac.empty()) {
        aj["dac"] = a.dac;
        aj["selinux"] = a.selinux;
      }
      accesses.push_back(std::move(aj));
    }
    rj["accesses"] = std::move(accesses);
    rj["fixes"] = rr.fixes;
    resources.push_back(std::move(rj));
  }
  j["resources"] = std::move(resources);
  ordered_json diags = ordered_json::array();
  for (const auto& d : report.diagnostics) diags.push_back(diagnostic(d));
  j["diagnostics"] = std::move(diags);
  auto s = report.summary();
  j["summary"] = {{"holds", s.holds},
                  {"violated", s.violated},
                  {"unknown", s.unknown},
                  {"queries", s.queries},
                  {"unanswered_queries", s.unanswered_queries}};
  if (!report.internal_error.empty()) j["internal_error"] = report.internal_error;
  j["exit_code"] = report.exit_code();
  return j.dump(2) + "\n";
}

}  // namespace rampart::exporters
