#include "rampart/exporters/html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "escape.h"

namespace rampart::exporters {
namespace {

using detail::html_escape;

constexpr const char* kStyle = R"css(
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 80em; padding: 0 1em; color: #1c2329; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #cfd8dc; padding-bottom: 0.2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin-top: 1.5em; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92em; }
code { background: #eceff1; padding: 0 0.25em; border-radius: 3px; overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: 0.5em 0 1em; width: 100%; }
th, td { border: 1px solid #cfd8dc; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
th { background: #eceff1; font-weight: 600; }
table.findings td:nth-child(2) { min-width: 14em; }
table.findings td:nth-child(3) { min-width: 11em; }
table.trace { font-size: 0.9em; margin: 0.4em 0; }
table.trace th { background: #f5f7f8; }
table.trace td:last-child { min-width: 10em; }
table.summary { width: auto; }
table.summary td.count { text-align: right; font-variant-numeric: tabular-nums; min-width: 3em; }
.badge { display: inline-block; padding: 0 0.45em; border-radius: 3px; font-weight: 600; font-size: 0.9em;
         white-space: nowrap; }
.holds, .granted, .allow { background: #e8f5e9; color: #1b5e20; }
.violated, .denied, .error, .deny { background: #ffebee; color: #b71c1c; }
.unknown, .warning { background: #fff3e0; color: #8a4b00; }
.answer, .note { background: #e3f2fd; color: #0d47a1; }
tr.decisive td { background: #fff8e1; }
.muted { color: #607d8b; }
.status { font-weight: 600; }
figure.picture { margin: 1em 0; overflow-x: auto; border: 1px solid #cfd8dc; padding: 0.5em; }
figure.picture svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.9em; color: #607d8b; margin-top: 0.4em; }
ul.compact { margin: 0.2em 0; padding-left: 1.2em; }
nav ul { padding-left: 1.2em; }
footer { margin-top: 3em; font-size: 0.85em; color: #607d8b; }
@media print { figure.picture { break-inside: avoid; } }
)css";

std::string esc(const std::string& s) {
  return html_escape(s);
}
std::string code(const std::string& s) {
  return "<code>" + esc(s) + "</code>";
}

std::string badge(const std::string& cls, const std::string& text) {
  return fmt::format("<span class=\"badge {}\">{}</span>", cls, esc(text));
}

std::string verdict_badge(const core::Result& r) {
  if (r.is_query) return badge("answer", r.verdict == core::Verdict::Unknown ? "unknown" : "answer");
  return badge(core::verdict_name(r.verdict), core::verdict_name(r.verdict));
}

std::string origin_cell(const core::Origin& o) {
  return o.known() ? code(o.to_string()) : "<span class=\"muted\">—</span>";
}

const char* exit_meaning(int code) {
  switch (code) {
    case core::exit_code::kOk: return "every claim holds";
    case core::exit_code::kViolated: return "a claim is violated or a finding is an error";
    case core::exit_code::kBadInput: return "bad input";
    case core::exit_code::kUnknown: return "an answer is unknown";
    case core::exit_code::kInternal: return "internal error";
  }
  return "";
}

std::string render_set(const core::SetAnswer& set) {
  std::string out;
  if (!set.subjects.empty() || !set.may_subjects.empty()) {
    out += "<p>Subjects that can:</p><ul class=\"compact\">";
    for (const auto& s : set.subjects) out += "<li>" + esc(s) + "</li>";
    for (const auto& s : set.may_subjects) {
      if (std::find(set.subjects.begin(), set.subjects.end(), s) == set.subjects.end()) {
        out += "<li>" + esc(s) + " <span class=\"muted\">(only under some unknown conditions)</span></li>";
      }
    }
    if (set.subjects.empty() && set.may_subjects.empty()) out += "<li class=\"muted\">none</li>";
    return out + "</ul>";
  }
  auto table = [&](const std::vector<core::SetEntry>& entries, const char* title) {
    std::string t = fmt::format("<table class=\"trace\"><caption class=\"muted\">{}</caption>", title);
    t += "<tr><th>sources</th><th>services</th></tr>";
    for (const auto& e : entries) {
      t += fmt::format("<tr><td class=\"mono\">{}</td><td class=\"mono\">{}</td></tr>",
                       esc(e.sources.to_string()), esc(e.services.to_string()));
    }
    if (entries.empty()) t += "<tr><td colspan=\"2\" class=\"muted\">none</td></tr>";
    return t + "</table>";
  };
  std::string title = set.projection.empty() ? "exact set" : "exact set: " + set.projection;
  if (set.certified) title += " (certified by the solver)";
  out += table(set.must, esc(title).c_str());
  if (set.may != set.must) out += table(set.may, "admitted for some value of the unknown conditions");
  return out;
}

std::string render_network(const core::NetworkWitness& w, const std::string& caption) {
  std::string out =
      fmt::format("<p>{}{} — {}</p>", caption.empty() ? "" : esc(caption) + ": ", code(w.packet.to_string()),
                  w.admitted ? badge("allow", "admitted") : badge("deny", "not admitted"));
  if (!w.steps.empty()) {
    out +=
        "<table class=\"trace\"><tr><th>host</th><th>layer</th><th>member</th><th>decision</th><th>rule</th>"
        "<th>where</th></tr>";
    for (const auto& s : w.steps) {
      std::string rule = s.rule;
      if (s.by_default && rule != "default") rule += " (default)";
      for (const auto& v : s.via) rule += " via " + v;
      out +=
          fmt::format("<tr><td>{}</td><td>{} {} {}</td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                      esc(s.host), esc(core::direction_name(s.direction)), s.layer_index + 1, code(s.layer),
                      esc(s.filter), s.reply ? " <span class=\"muted\">(reply)</span>" : "",
                      badge(core::decision_name(s.decision), core::decision_name(s.decision)), esc(rule),
                      origin_cell(s.origin));
    }
    out += "</table>";
  }
  if (!w.listener.empty()) {
    out += fmt::format("<p>Listener: {} {}</p>", code(w.listener), origin_cell(w.listener_origin));
  } else if (!w.listener_reason.empty()) {
    out += fmt::format("<p>No listener: {}</p>", esc(w.listener_reason));
  }
  if (!w.assumptions.empty()) {
    out += "<p>Assuming:</p><ul class=\"compact\">";
    for (const auto& a : w.assumptions) {
      out += fmt::format("<li>{} is {}{}</li>", code(a.condition), a.value ? "true" : "false",
                         a.description.empty() ? "" : " — " + esc(a.description));
    }
    out += "</ul>";
  }
  return out;
}

std::string render_access(const core::AccessWitness& w, const std::string& caption) {
  const auto& s = w.subject;
  std::string out =
      fmt::format("<p>{}{} {} (uid {}, gid {}) {} {} — {}</p>", caption.empty() ? "" : esc(caption) + ": ",
                  esc(s.kind), code(s.name), s.uid, s.gid, esc(core::operation_name(w.operation)),
                  code(w.path), w.granted ? badge("granted", "granted") : badge("denied", "denied"));
  out += fmt::format("<p>{} check: {} on {} {}</p>", w.granted ? "Deciding" : "Denying",
                     esc(w.decisive.detail), code(w.decisive.path), origin_cell(w.decisive.origin));
  if (!w.checks.empty()) {
    out += "<table class=\"trace\"><tr><th>check</th><th>on</th><th>detail</th><th>where</th></tr>";
    for (const auto& c : w.checks) {
      bool decisive = c.kind == w.decisive.kind && c.path == w.decisive.path && c.detail == w.decisive.detail;
      out += fmt::format("<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                         decisive ? " class=\"decisive\"" : "", esc(c.kind), code(c.path), esc(c.detail),
                         origin_cell(c.origin));
    }
    out += "</table>";
  }
  return out;
}

std::string result_row(const core::Result& r) {
  std::string details = esc(r.reason);
  if (r.set) details += render_set(*r.set);
  if (r.network) details += render_network(*r.network, "witness");
  if (r.access) details += render_access(*r.access, "witness");
  if (!r.unknowns.empty()) {
    details += "<p>Depends on unknown conditions:</p><ul class=\"compact\">";
    for (const auto& u : r.unknowns) details += "<li>" + code(u) + "</li>";
    details += "</ul>";
  }
  return fmt::format("<tr class=\"result\"><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>\n",
                     verdict_badge(r), r.is_query ? "query " : "assert ", code(r.text), origin_cell(r.origin),
                     details);
}

std::string finding_row(const core::Finding& f) {
  std::string sev = core::severity_name(f.severity);
  std::string details = esc(f.message);
  for (const auto& n : f.related)
    details += fmt::format("<p class=\"muted\">{} {}</p>", esc(n.message), origin_cell(n.origin));
  if (f.set) details += render_set(*f.set);
  if (f.baseline) details += render_network(*f.baseline, "before");
  if (f.network) details += render_network(*f.network, f.baseline ? "after" : "witness");
  if (f.access_baseline) details += render_access(*f.access_baseline, "before");
  if (f.access) details += render_access(*f.access, f.access_baseline ? "after" : "witness");
  if (!f.fix.empty()) details += fmt::format("<p><strong>Fix</strong> (verified): {}</p>", esc(f.fix));
  return fmt::format("<tr class=\"finding\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                     badge(sev, sev), code(f.rule_id), origin_cell(f.origin), details);
}

std::string resource_table(const core::ResourceReport& rr) {
  std::string out = fmt::format("<h3>File {}</h3>\n", code(rr.path));
  if (!rr.created_as.empty()) out += fmt::format("<p>Created as {}.</p>", esc(rr.created_as));
  out +=
      "<table class=\"resource\"><tr><th>service</th><th>runs as</th><th>access</th><th>verdict</th>"
      "<th>why</th><th>declared at</th></tr>\n";
  for (const auto& a : rr.accesses) {
    out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                       esc(a.service), esc(a.run_as), esc(a.operation),
                       a.granted   ? badge("granted", "granted")
                       : a.unknown ? badge("unknown", "unknown")
                                   : badge("denied", "denied"),
                       esc(a.why), origin_cell(a.origin));
  }
  out += "</table>\n";
  for (const auto& f : rr.fixes) out += fmt::format("<p><strong>Fix</strong> (verified): {}</p>\n", esc(f));
  if (rr.fixes.empty() && std::any_of(rr.accesses.begin(), rr.accesses.end(),
                                      [](const auto& a) { return !a.granted && !a.unknown; })) {
    out += "<p>No verified least-privilege fix was found.</p>\n";
  }
  return out;
}

std::string picture_tables(const HostPicture& p) {
  std::string out;
  for (NodeKind k :
       {NodeKind::Source, NodeKind::Layer, NodeKind::Listener, NodeKind::Service, NodeKind::File}) {
    std::string rows;
    for (const auto& n : p.nodes) {
      if (n.kind != k) continue;
      std::string details;
      for (const auto& d : n.details) details += (details.empty() ? "" : "<br>") + esc(d);
      std::string mark;
      if (n.mark != Mark::Normal) {
        const char* cls = n.mark == Mark::Bad    ? "violated"
                          : n.mark == Mark::Good ? "holds"
                          : n.mark == Mark::Warn ? "warning"
                                                 : "note";
        mark = fmt::format(" {}", badge(cls, mark_name(n.mark)));
      }
      rows += fmt::format("<tr><td>{}{}</td><td>{}</td></tr>", esc(n.label), mark, details);
    }
    if (rows.empty()) continue;
    out += fmt::format("<table class=\"trace picture-{}\"><tr><th>{}</th><th>details</th></tr>{}</table>\n",
                       node_kind_name(k), node_kind_name(k), rows);
  }
  if (!p.edges.empty()) {
    out += "<table class=\"trace picture-edges\"><tr><th>from</th><th>to</th><th>label</th></tr>";
    for (const auto& e : p.edges) {
      const PictureNode* from = p.node(e.from);
      const PictureNode* to = p.node(e.to);
      std::string label = esc(e.label);
      if (e.mark == Mark::Bad) label = badge("denied", e.label.empty() ? "finding" : e.label);
      if (e.mark == Mark::Good) label = badge("granted", e.label);
      out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>", from ? esc(from->label) : "?",
                         to ? esc(to->label) : "?", label);
    }
    out += "</table>\n";
  }
  return out;
}

// Which host (by name) an answer or a finding is about; empty when none or
// several.
class Attribution {
 public:
  explicit Attribution(const core::Policy* policy) : policy_(policy) {}

  std::string of(const core::Result& r) const {
    if (policy_) {
      for (const auto& q : policy_->questions) {
        if (!(q.origin == r.origin) || q.text != r.text) continue;
        if (const auto* n = std::get_if<core::NetworkQuestion>(&q.body)) {
          if (n->destination.kind == core::Destination::Kind::Host && n->destination.host.valid())
            return policy_->host(n->destination.host).name;
          if (n->source.kind == core::Endpoint::Kind::Host && n->source.host.valid())
            return policy_->host(n->source.host).name;
        } else if (const auto* a = std::get_if<core::AccessQuestion>(&q.body)) {
          if (a->host.valid()) return policy_->host(a->host).name;
        } else if (const auto* c = std::get_if<core::ConflictsQuestion>(&q.body)) {
          if (c->host && c->host->valid()) return policy_->host(*c->host).name;
        }
      }
    }
    if (r.network) return of(*r.network);
    if (r.access) return of(*r.access);
    return {};
  }

  std::string of(const core::Finding& f) const {
    if (f.network) return of(*f.network);
    if (f.baseline) return of(*f.baseline);
    if (f.access) return of(*f.access);
    if (f.access_baseline) return of(*f.access_baseline);
    if (!policy_ || !f.origin.known()) return {};
    // A finding about a rule: the hosts whose layers hold the rule's set.
    std::set<std::string> hosts;
    for (uint32_t rs = 0; rs < policy_->rule_sets.size(); ++rs) {
      bool holds = false;
      for (const auto& c : policy_->rule_sets[rs].chains) {
        for (const auto& rule : c.rules) holds |= rule.origin == f.origin;
      }
      if (!holds) continue;
      for (uint32_t fi = 0; fi < policy_->filters.size(); ++fi) {
        const auto& filter = policy_->filters[fi];
        bool uses = (filter.inbound.valid() && filter.inbound.index() == rs) ||
                    (filter.outbound.valid() && filter.outbound.index() == rs);
        if (!uses) continue;
        for (const auto& h : policy_->hosts) {
          for (const auto* layers : {&h.inbound, &h.outbound}) {
            for (const auto& l : *layers) {
              for (auto m : l.members) {
                if (m.index() == fi) hosts.insert(h.name);
              }
            }
          }
        }
      }
    }
    for (const auto& h : policy_->hosts) {
      for (const auto& l : h.listeners) {
        if (l.origin == f.origin) hosts.insert(h.name);
      }
    }
    return hosts.size() == 1 ? *hosts.begin() : std::string();
  }

 private:
  std::string of(const core::NetworkWitness& w) const {
    std::set<std::string> hosts;
    for (const auto& s : w.steps) {
      if (s.direction == core::Direction::Inbound) hosts.insert(s.host);
    }
    if (hosts.empty()) {
      for (const auto& s : w.steps) hosts.insert(s.host);
    }
    return hosts.size() == 1 ? *hosts.begin() : std::string();
  }

  std::string of(const core::AccessWitness& w) const {
    if (!policy_) return {};
    std::set<std::string> hosts;
    if (w.subject.kind == "service") {
      for (const auto& s : policy_->services) {
        if (s.name == w.subject.name && s.host.valid()) hosts.insert(policy_->host(s.host).name);
      }
    } else {
      for (const auto& u : policy_->users) {
        if (u.name == w.subject.name && u.host.valid()) hosts.insert(policy_->host(u.host).name);
      }
    }
    return hosts.size() == 1 ? *hosts.begin() : std::string();
  }

  const core::Policy* policy_;
};

}  // namespace

std::string svg_element(const std::string& output) {
  size_t begin = output.find("<svg");
  size_t end = output.rfind("</svg>");
  if (begin == std::string::npos || end == std::string::npos || end < begin) return {};
  return output.substr(begin, end + 6 - begin);
}

bool is_inline_safe_svg(const std::string& svg) {
  // The elements Graphviz's SVG renderer writes, and nothing that runs,
  // embeds or fetches.
  static const std::set<std::string> kElements = {
      "svg",  "g",    "title", "desc",           "polygon",        "polyline", "ellipse",
      "path", "text", "defs",  "lineargradient", "radialgradient", "stop",     "tspan"};
  if (svg.rfind("<svg", 0) != 0 || svg.size() < 10 || svg.compare(svg.size() - 6, 6, "</svg>") != 0)
    return false;
  size_t i = 0;
  while ((i = svg.find('<', i)) != std::string::npos) {
    if (svg.compare(i, 4, "<!--") == 0) {
      size_t end = svg.find("-->", i + 4);
      if (end == std::string::npos) return false;
      i = end + 3;
      continue;
    }
    size_t end = svg.find('>', i);
    if (end == std::string::npos) return false;
    std::string tag = svg.substr(i + 1, end - i - 1);
    i = end + 1;
    if (!tag.empty() && tag[0] == '/') tag.erase(0, 1);
    size_t n = 0;
    while (n < tag.size() && (std::isalnum(static_cast<unsigned char>(tag[n])) || tag[n] == ':')) ++n;
    std::string name = tag.substr(0, n);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!kElements.count(name)) return false;  // also rejects <!DOCTYPE, <?xml, <script, <image, <a ...
    // Attribute names: no event handlers, no references out of the page.
    std::string rest = tag.substr(n);
    std::string lower = rest;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    bool in_value = false;
    char quote = 0;
    std::string attr;
    for (size_t k = 0; k <= lower.size(); ++k) {
      char c = k < lower.size() ? lower[k] : ' ';
      if (in_value) {
        if (c == quote) in_value = false;
        continue;
      }
      if (c == '"' || c == '\'') {
        in_value = true;
        quote = c;
        continue;
      }
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == ':' || c == '_') {
        attr += c;
        continue;
      }
      if (!attr.empty()) {
        if (attr.rfind("on", 0) == 0 || attr.find("href") != std::string::npos || attr == "style" ||
            attr == "src")
          return false;
        attr.clear();
      }
    }
    if (in_value) return false;
  }
  std::string lower = svg;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find("url(") == std::string::npos;
}

std::string render_html(const HtmlInput& input) {
  const core::Report& report = *input.report;
  std::string inputs;
  for (const auto& i : input.report->inputs) inputs += (inputs.empty() ? "" : ", ") + i;
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += fmt::format("<title>rampart {}{}</title>\n", esc(report.command),
                     inputs.empty() ? "" : ": " + esc(inputs));
  out += fmt::format("<style>{}</style>\n</head>\n<body>\n", kStyle);
  out += fmt::format("<header>\n<h1>rampart {}</h1>\n", esc(report.command));
  if (!inputs.empty()) {
    out += "<p>Input: ";
    for (size_t i = 0; i < report.inputs.size(); ++i) out += (i ? ", " : "") + code(report.inputs[i]);
    out += "</p>\n";
  }
  int exit = report.exit_code();
  out += fmt::format("<p class=\"status\">Exit code {}: {}</p>\n</header>\n", exit, exit_meaning(exit));

  if (!report.internal_error.empty()) {
    out += fmt::format(
        "<section id=\"internal-error\"><h2>Internal error</h2><p>A bug in rampart, not in the input: "
        "{}</p></section>\n",
        esc(report.internal_error));
  }

  // Summary.
  auto s = report.summary();
  size_t errors = 0, warnings = 0, notes = 0;
  for (const auto& f : report.findings) {
    (f.severity == core::Severity::Error     ? errors
     : f.severity == core::Severity::Warning ? warnings
                                             : notes)++;
  }
  size_t conflicted = 0;
  for (const auto& rr : report.resources) {
    conflicted += std::any_of(rr.accesses.begin(), rr.accesses.end(),
                              [](const auto& a) { return !a.granted && !a.unknown; });
  }
  out += "<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"summary\">\n";
  auto count_row = [&](const char* cls, const char* name, size_t n) {
    out += fmt::format("<tr class=\"{}\"><th>{}</th><td class=\"count\">{}</td></tr>\n", cls, name, n);
  };
  count_row("holds", "holds", s.holds);
  count_row("violated", "violated", s.violated);
  count_row("unknown", "unknown", s.unknown);
  if (s.queries) count_row("queries", "queries answered", s.queries - s.unanswered_queries);
  if (!report.findings.empty() || report.command != "check") {
    count_row("errors", "findings: errors", errors);
    count_row("warnings", "findings: warnings", warnings);
    count_row("notes", "findings: notes", notes);
  }
  if (!report.resources.empty()) count_row("conflicts", "files with a denied access", conflicted);
  out += "</table>\n";
  if (report.command == "conflicts" && report.findings.empty() && report.diagnostics.empty()) {
    out += "<p>No conflicts: every declared access is granted.</p>\n";
  }
  out += "</section>\n";

  if (!report.diagnostics.empty()) {
    out +=
        "<section id=\"diagnostics\">\n<h2>Problems in the input</h2>\n<table>\n"
        "<tr><th>severity</th><th>code</th><th>where</th><th>message</th></tr>\n";
    for (const auto& d : report.diagnostics) {
      std::string sev = core::severity_name(d.severity);
      std::string message = esc(d.message);
      for (const auto& n : d.notes)
        message +=
            fmt::format("<br><span class=\"muted\">{} {}</span>", esc(n.message), origin_cell(n.origin));
      out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", badge(sev, sev),
                         code(d.code), origin_cell(d.origin), message);
    }
    out += "</table>\n</section>\n";
  }

  // Sections: the policy's hosts in order, then other hosts the report
  // names, then what belongs to no single host.
  Attribution attribution(input.policy);
  std::vector<std::string> hosts;
  auto note_host = [&](const std::string& h) {
    if (!h.empty() && std::find(hosts.begin(), hosts.end(), h) == hosts.end()) hosts.push_back(h);
  };
  if (input.policy) {
    for (const auto& h : input.policy->hosts) note_host(h.name);
  }
  for (const auto& p : input.pictures) note_host(p.picture.host);
  std::vector<std::string> result_host, finding_host;
  for (const auto& r : report.results) note_host(result_host.emplace_back(attribution.of(r)));
  for (const auto& f : report.findings) note_host(finding_host.emplace_back(attribution.of(f)));
  for (const auto& rr : report.resources) note_host(rr.host);
  hosts.push_back("");  // across hosts

  if (hosts.size() > 2) {
    out += "<nav><h2>Hosts</h2><ul>\n";
    for (size_t i = 0; i + 1 < hosts.size(); ++i)
      out += fmt::format("<li><a href=\"#host-{}\">{}</a></li>\n", i, esc(hosts[i]));
    out += "</ul></nav>\n";
  }

  for (size_t i = 0; i < hosts.size(); ++i) {
    const std::string& host = hosts[i];
    std::string rows;
    for (size_t k = 0; k < report.results.size(); ++k) {
      if (result_host[k] == host) rows += result_row(report.results[k]);
    }
    for (size_t k = 0; k < report.findings.size(); ++k) {
      // Conflicts already show in the per-file tables; their findings keep
      // the witness and the fix, so they stay in the table too.
      if (finding_host[k] == host) rows += finding_row(report.findings[k]);
    }
    std::string resources;
    for (const auto& rr : report.resources) {
      if (rr.host == host) resources += resource_table(rr);
    }
    const HtmlPicture* picture = nullptr;
    for (const auto& p : input.pictures) {
      if (!host.empty() && p.picture.host == host) picture = &p;
    }
    if (host.empty() && rows.empty() && resources.empty()) continue;
    if (host.empty()) {
      out += "<section class=\"host\" id=\"across-hosts\">\n<h2>Across hosts</h2>\n";
    } else {
      out += fmt::format("<section class=\"host\" id=\"host-{}\">\n<h2>Host {}</h2>\n", i, esc(host));
    }
    if (!rows.empty()) {
      out +=
          "<table class=\"findings\">\n<tr><th>verdict</th><th>claim or finding</th><th>where</th>"
          "<th>why, with the trace or the deciding check</th></tr>\n";
      out += rows + "</table>\n";
    } else {
      out += "<p class=\"muted\">No answer or finding concerns this host.</p>\n";
    }
    out += resources;
    if (picture) {
      out += "<figure class=\"picture\">\n";
      if (!picture->svg.empty() && is_inline_safe_svg(picture->svg)) {
        out += picture->svg + "\n";
      } else {
        out += picture_tables(picture->picture);
      }
      out += fmt::format(
          "<figcaption>Host {}: sources and zones, each inbound layer, listeners, services and the "
          "files they touch{}{}</figcaption>\n</figure>\n",
          esc(host), picture->note.empty() ? "" : ". ", esc(picture->note));
    }
    out += "</section>\n";
  }
  out +=
      fmt::format("<footer>Generated by rampart{}. This page fetches nothing and runs no script.</footer>\n",
                  input.version.empty() ? "" : " " + esc(input.version));
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace rampart::exporters
