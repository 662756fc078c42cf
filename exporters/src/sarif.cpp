#include "rampart/exporters/sarif.h"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

namespace rampart::exporters {
namespace {

using nlohmann::ordered_json;

// RFC 3986: keep unreserved characters and `/`, percent-encode the rest. An
// absolute path becomes a file:// URI (SARIF forbids relative references
// that begin with a slash).
std::string uri(const std::string& path) {
  std::string out = !path.empty() && path[0] == '/' ? "file://" : "";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += char(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

ordered_json location(const core::Origin& o, const std::string& message = {}) {
  ordered_json loc;
  if (!o.file.empty()) {
    ordered_json physical;
    physical["artifactLocation"] = {{"uri", uri(o.file)}};
    if (o.line) {
      ordered_json region;
      region["startLine"] = o.line;
      if (o.column) region["startColumn"] = o.column;
      if (o.end_line) region["endLine"] = o.end_line;
      if (o.end_column) region["endColumn"] = o.end_column + 1;  // SARIF's end column is exclusive
      physical["region"] = std::move(region);
    }
    loc["physicalLocation"] = std::move(physical);
  }
  ordered_json logical = ordered_json::array();
  if (!o.json_pointer.empty()) {
    logical.push_back({{"fullyQualifiedName", o.json_pointer}, {"kind", "member"}});
  }
  if (!o.native_id.empty() || !o.native_name.empty()) {
    logical.push_back({{"name", o.native_id.empty() ? o.native_name : o.native_id}, {"kind", "object"}});
  }
  if (!logical.empty()) loc["logicalLocations"] = std::move(logical);
  if (!message.empty()) loc["message"] = {{"text", message}};
  return loc;
}

struct RuleInfo {
  std::string id;
  std::string description;
  std::string level;
};

// Stable rule ids: one per kind of finding, per kind of claim, per diagnostic code.
RuleInfo claim_rule(const core::Result& r) {
  return RuleInfo{"claim/" + r.kind, fmt::format("the `{}` claim of the policy", r.kind),
                  r.verdict == core::Verdict::Violated ? "error" : "warning"};
}

std::string level_of(core::Severity s) {
  switch (s) {
    case core::Severity::Error: return "error";
    case core::Severity::Warning: return "warning";
    case core::Severity::Note: return "note";
  }
  return "warning";
}

std::string finding_description(const std::string& id) {
  static const std::map<std::string, std::string> kKnown = {
      {"access-denied", "a service is denied an access it is declared to perform"},
      {"ownership-drift", "a file one service creates cannot be used by another service that needs it"},
      {"privileged-exposure",
       "a service running as root (or with CAP_DAC_OVERRIDE) listens where an untrusted zone reaches"},
      {"newly-admitted", "a change admits traffic that was not admitted before"},
      {"newly-blocked", "a change blocks traffic that was admitted before"},
      {"new-exposure", "a change admits traffic from an untrusted zone"},
      {"newly-granted", "a change grants a file access that was denied before"},
      {"revoked", "a change denies a file access that was granted before"},
      {"assert-broken", "an assertion that held before the change no longer holds"},
      {"assert-fixed", "an assertion that did not hold before the change holds now"},
  };
  auto it = kKnown.find(id);
  return it == kKnown.end() ? id : it->second;
}

}  // namespace

std::string render_sarif(const core::Report& report) {
  std::vector<RuleInfo> rules;
  std::map<std::string, size_t> index;
  auto rule = [&](const RuleInfo& info) {
    auto it = index.find(info.id);
    if (it != index.end()) return it->second;
    rules.push_back(info);
    index.emplace(info.id, rules.size() - 1);
    return rules.size() - 1;
  };
  ordered_json results = ordered_json::array();
  for (const auto& d : report.diagnostics) {
    size_t ri =
        rule(RuleInfo{d.code, "input problem " + d.code + " (docs/diagnostics.md)", level_of(d.severity)});
    ordered_json r;
    r["ruleId"] = d.code;
    r["ruleIndex"] = ri;
    r["level"] = level_of(d.severity);
    r["message"] = {{"text", d.message + (d.help.empty() ? "" : " (" + d.help + ")")}};
    if (auto l = location(d.origin); !l.is_null()) r["locations"] = ordered_json::array({l});
    if (!d.notes.empty()) {
      ordered_json related = ordered_json::array();
      int id = 0;
      for (const auto& n : d.notes) {
        ordered_json l = location(n.origin, n.message);
        l["id"] = id++;
        related.push_back(std::move(l));
      }
      r["relatedLocations"] = std::move(related);
    }
    results.push_back(std::move(r));
  }
  for (const auto& res : report.results) {
    RuleInfo info = claim_rule(res);
    size_t ri = rule(info);
    ordered_json r;
    r["ruleId"] = info.id;
    r["ruleIndex"] = ri;
    if (res.is_query) {
      r["kind"] = res.verdict == core::Verdict::Unknown ? "review" : "informational";
      r["level"] = "none";
    } else if (res.verdict == core::Verdict::Holds) {
      r["kind"] = "pass";
      r["level"] = "none";
    } else {
      r["kind"] = "fail";
      r["level"] = res.verdict == core::Verdict::Violated ? "error" : "warning";
    }
    std::string text = fmt::format("{}: {} — {}", res.text, core::verdict_name(res.verdict), res.reason);
    r["message"] = {{"text", text}};
    if (auto l = location(res.origin); !l.is_null()) r["locations"] = ordered_json::array({l});
    ordered_json related = ordered_json::array();
    int id = 0;
    if (res.network) {
      for (const auto& st : res.network->steps) {
        if (!st.origin.known()) continue;
        ordered_json l =
            location(st.origin, fmt::format("{} {} {}: {} by {}", st.host, core::direction_name(st.direction),
                                            st.filter, core::decision_name(st.decision), st.rule));
        l["id"] = id++;
        related.push_back(std::move(l));
      }
    }
    if (res.access && res.access->decisive.origin.known()) {
      ordered_json l = location(res.access->decisive.origin, res.access->decisive.detail);
      l["id"] = id++;
      related.push_back(std::move(l));
    }
    if (!related.empty()) r["relatedLocations"] = std::move(related);
    ordered_json props;
    props["verdict"] = core::verdict_name(res.verdict);
    if (res.network) props["witness"] = res.network->packet.to_string();
    r["properties"] = std::move(props);
    results.push_back(std::move(r));
  }
  for (const auto& f : report.findings) {
    size_t ri = rule(RuleInfo{f.rule_id, finding_description(f.rule_id), level_of(f.severity)});
    ordered_json r;
    r["ruleId"] = f.rule_id;
    r["ruleIndex"] = ri;
    r["level"] = level_of(f.severity);
    r["message"] = {{"text", f.message + (f.fix.empty() ? "" : " Fix: " + f.fix)}};
    if (auto l = location(f.origin); !l.is_null()) r["locations"] = ordered_json::array({l});
    ordered_json related = ordered_json::array();
    int id = 0;
    for (const auto& n : f.related) {
      ordered_json l = location(n.origin, n.message);
      l["id"] = id++;
      related.push_back(std::move(l));
    }
    if (f.network) {
      for (const auto& st : f.network->steps) {
        if (!st.origin.known()) continue;
        ordered_json l =
            location(st.origin, fmt::format("{} {} {}: {} by {}", st.host, core::direction_name(st.direction),
                                            st.filter, core::decision_name(st.decision), st.rule));
        l["id"] = id++;
        related.push_back(std::move(l));
      }
    }
    if (!related.empty()) r["relatedLocations"] = std::move(related);
    if (!f.fix.empty()) r["properties"] = {{"fix", f.fix}};
    results.push_back(std::move(r));
  }
  ordered_json rules_json = ordered_json::array();
  for (const auto& ri : rules) {
    rules_json.push_back({{"id", ri.id},
                          {"shortDescription", {{"text", ri.description}}},
                          {"defaultConfiguration", {{"level", ri.level}}}});
  }
  ordered_json driver;
  driver["name"] = "rampart";
  driver["version"] = RAMPART_VERSION;
  driver["semanticVersion"] = RAMPART_VERSION;
  driver["rules"] = std::move(rules_json);
  ordered_json run;
  run["tool"] = {{"driver", std::move(driver)}};
  ordered_json invocation;
  invocation["executionSuccessful"] = report.internal_error.empty();
  invocation["exitCode"] = report.exit_code();
  if (!report.internal_error.empty()) {
    invocation["toolExecutionNotifications"] =
        ordered_json::array({{{"level", "error"}, {"message", {{"text", report.internal_error}}}}});
  }
  run["invocations"] = ordered_json::array({invocation});
  run["columnKind"] = "unicodeCodePoints";
  run["results"] = std::move(results);
  ordered_json doc;
  doc["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  doc["version"] = "2.1.0";
  doc["runs"] = ordered_json::array({std::move(run)});
  return doc.dump(2) + "\n";
}

}  // namespace rampart::exporters
