#include "rampart/exporters/text.h"

#include <fmt/format.h>

#include <algorithm>

namespace rampart::exporters {
namespace {

struct Paint {
  bool on;
  std::string operator()(const std::string& text, const char* code) const {
    if (!on) return text;
    return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
  }
};
constexpr const char* kGreen = "32";
constexpr const char* kRed = "31";
constexpr const char* kYellow = "33";
constexpr const char* kBold = "1";
constexpr const char* kDim = "2";
constexpr const char* kCyan = "36";

std::string verdict_label(const core::Result& r, const Paint& paint) {
  if (r.is_query) {
    return r.verdict == core::Verdict::Unknown ? paint("UNKNOWN ", kYellow) : paint("ANSWER  ", kCyan);
  }
  switch (r.verdict) {
    case core::Verdict::Holds: return paint("HOLDS   ", kGreen);
    case core::Verdict::Violated: return paint("VIOLATED", kRed);
    case core::Verdict::Unknown: return paint("UNKNOWN ", kYellow);
  }
  return "";
}

std::string pad(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

}  // namespace

std::string render_witness(const core::NetworkWitness& w, const TextStyle& style, const std::string& indent) {
  Paint paint{style.color};
  std::string out;
  out += fmt::format("{}{} {}\n", indent, w.packet.to_string(),
                     w.admitted ? paint("admitted", kGreen) : paint("not admitted", kRed));
  size_t where_width = 0;
  std::vector<std::pair<std::string, std::string>> lines;
  for (const auto& s : w.steps) {
    std::string where = fmt::format("{} {}[{}] {}{}", s.host, core::direction_name(s.direction),
                                    s.layer_index, s.filter, s.reply ? " (reply)" : "");
    std::string what = fmt::format("{} by {}", core::decision_name(s.decision),
                                   s.by_default ? "the default" : "`" + s.rule + "`");
    if (s.origin.known()) what += "  " + paint(s.origin.to_string(), kDim);
    if (!s.via.empty()) {
      std::string via;
      for (const auto& v : s.via) via += (via.empty() ? "" : " -> ") + v;
      what += fmt::format("  via {}", via);
    }
    where_width = std::max(where_width, where.size());
    lines.emplace_back(where,
                       (s.decision == core::Decision::Allow ? paint("allow", kGreen) : paint("deny", kRed)) +
                           what.substr(std::string(core::decision_name(s.decision)).size()));
  }
  for (const auto& [where, what] : lines)
    out += fmt::format("{}  {}  {}\n", indent, pad(where, where_width), what);
  if (!w.listener.empty()) {
    out += fmt::format("{}  {} {}", indent, w.admitted ? "accepted by" : "would be accepted by", w.listener);
    if (w.listener_origin.known()) out += "  " + paint(w.listener_origin.to_string(), kDim);
    out += "\n";
  } else if (!w.listener_reason.empty()) {
    out += fmt::format("{}  {}\n", indent, w.listener_reason);
  }
  if (w.reply) out += fmt::format("{}  reply checked: {}\n", indent, w.reply->to_string());
  for (const auto& a : w.assumptions) {
    out += fmt::format("{}  assuming {} = {}{}\n", indent, a.condition, a.value ? "true" : "false",
                       a.description.empty() ? "" : " (" + a.description + ")");
  }
  return out;
}

// The lines that name a set of sources for people: its CIDR blocks, or
// "all IPv4 except ..." when the complement is the shorter list (JSON always
// carries the blocks themselves).
std::vector<std::string> source_lines(const core::AddressSet& sources) {
  std::vector<std::string> lines;
  for (core::Family f : {core::Family::V4, core::Family::V6}) {
    core::AddressSet part = sources.only(f);
    if (part.empty()) continue;
    core::AddressSet all = f == core::Family::V4 ? core::AddressSet::any_v4() : core::AddressSet::any_v6();
    auto blocks = part.to_cidrs();
    auto missing = all.subtract(part).to_cidrs();
    const char* name = f == core::Family::V4 ? "IPv4" : "IPv6";
    if (missing.empty()) {
      lines.push_back(fmt::format("all {}", name));
    } else if (missing.size() < blocks.size() && missing.size() <= 8) {
      std::string list;
      for (const auto& c : missing) list += (list.empty() ? "" : ", ") + c.to_string();
      lines.push_back(fmt::format("all {} except {}", name, list));
    } else {
      for (const auto& c : blocks) lines.push_back(c.to_string());
    }
  }
  return lines;
}

std::string render_set(const core::SetAnswer& set, const TextStyle& style, const std::string& indent) {
  Paint paint{style.color};
  std::string out;
  auto entries = [&](const std::vector<core::SetEntry>& list) {
    std::string s;
    if (list.empty()) return indent + "  (none)\n";
    size_t width = 0;
    for (const auto& e : list) {
      for (const auto& line : source_lines(e.sources)) width = std::max(width, line.size());
    }
    for (const auto& e : list) {
      std::string services = e.services.to_string();
      for (const auto& line : source_lines(e.sources)) {
        s += fmt::format("{}  {}  {}\n", indent, pad(line, width), services);
      }
    }
    return s;
  };
  bool same = set.must == set.may && set.subjects == set.may_subjects;
  if (!set.subjects.empty() || !set.may_subjects.empty() || !set.domains.empty()) {
    if (!same) out += indent + "must:\n";
    for (const auto& s : set.subjects) out += fmt::format("{}  {}\n", indent, s);
    if (!same) {
      out += indent + "may:\n";
      for (const auto& s : set.may_subjects) out += fmt::format("{}  {}\n", indent, s);
    }
    if (!set.domains.empty()) {
      out +=
          fmt::format("{}SELinux domains (DAC aside){}:\n", indent, set.domains_known ? "" : ", not exact");
      std::string line;
      for (const auto& d : set.domains) {
        if (!line.empty() && line.size() + d.size() > 76) {
          out += fmt::format("{}  {}\n", indent, line);
          line.clear();
        }
        line += (line.empty() ? "" : " ") + d;
      }
      if (!line.empty()) out += fmt::format("{}  {}\n", indent, line);
    }
    return out;
  }
  if (same) {
    out += entries(set.must);
  } else {
    out += indent + paint("must", kBold) + " (whatever the unknown conditions are):\n" + entries(set.must);
    out += indent + paint("may", kBold) + " (for some value of them):\n" + entries(set.may);
  }
  if (!set.projection.empty()) {
    out += fmt::format(
        "{}  {}\n", indent,
        paint(fmt::format("{}{}", set.projection, set.certified ? "; certified exact" : ""), kDim));
  }
  return out;
}

std::string render_diagnostics(const std::vector<core::Diagnostic>& diagnostics, const TextStyle& style) {
  Paint paint{style.color};
  std::string out;
  for (const auto& d : diagnostics) {
    const char* colour = d.severity == core::Severity::Error
                             ? kRed
                             : (d.severity == core::Severity::Warning ? kYellow : kCyan);
    out += fmt::format("{}: {}: {}", d.origin.to_string(), paint(core::severity_name(d.severity), colour),
                       d.message);
    if (!d.code.empty()) out += paint(fmt::format(" [{}]", d.code), kDim);
    out += "\n";
    for (const auto& n : d.notes) out += fmt::format("  {}: note: {}\n", n.origin.to_string(), n.message);
    if (!d.help.empty()) out += fmt::format("  help: {}\n", d.help);
  }
  return out;
}

std::string render_text(const core::Report& report, const TextStyle& style) {
  Paint paint{style.color};
  std::string out = render_diagnostics(report.diagnostics, style);
  if (!report.internal_error.empty()) {
    out += fmt::format("{}: {}\n", paint("internal error", kRed), report.internal_error);
    out += "  this is a bug in rampart, not in your input; please report it with the files that caused it\n";
    return out;
  }
  size_t text_width = 0;
  for (const auto& r : report.results) text_width = std::max(text_width, r.text.size());
  text_width = std::min<size_t>(text_width, 60);
  for (const auto& r : report.results) {
    // `rampart explain` answers have no statement to point at.
    if (r.origin.known()) {
      out += fmt::format("{}  {}  {}\n", verdict_label(r, paint), pad(r.text, text_width),
                         paint(r.origin.to_string(), kDim));
    } else {
      out += fmt::format("{}  {}\n", verdict_label(r, paint), r.text);
    }
    const std::string indent(10, ' ');
    if (!r.reason.empty()) out += fmt::format("{}{}\n", indent, r.reason);
    if (r.set) out += render_set(*r.set, style, indent);
    // The trace is what `explain` is asked for.
    bool show_witness = r.network && (style.verbose || r.verdict != core::Verdict::Holds ||
                                      r.kind == "reach" || r.kind == "explain");
    if (show_witness) out += render_witness(*r.network, style, indent);
    if (!r.unknowns.empty()) {
      std::string list;
      for (const auto& u : r.unknowns) list += (list.empty() ? "" : ", ") + u;
      out += fmt::format("{}depends on: {}\n", indent, list);
    }
  }
  for (const auto& f : report.findings) {
    if (f.access && !report.resources.empty()) continue;  // the per-file tables below say it
    const char* colour = f.severity == core::Severity::Error ? kRed : kYellow;
    out += fmt::format("{}  {}  {}\n", paint(pad(core::severity_name(f.severity), 8), colour), f.message,
                       paint(f.origin.to_string(), kDim));
    for (const auto& n : f.related) out += fmt::format("          {}: {}\n", n.origin.to_string(), n.message);
    if (f.set) out += render_set(*f.set, style, std::string(10, ' '));
    if (f.network) {
      if (f.baseline) out += "          after the change:\n";
      out += render_witness(*f.network, style, std::string(f.baseline ? 12 : 10, ' '));
    }
    if (f.baseline) {
      out += "          before the change:\n";
      out += render_witness(*f.baseline, style, std::string(12, ' '));
    }
    if (!f.fix.empty()) out += fmt::format("          fix: {}\n", f.fix);
  }
  for (const auto& rr : report.resources) {
    out += fmt::format("\n{} on {}\n", paint(rr.path, kBold), rr.host);
    if (!rr.created_as.empty()) out += fmt::format("  created as {}\n", rr.created_as);
    size_t sw = 7, rw = 7, ow = 6;
    for (const auto& a : rr.accesses) {
      sw = std::max(sw, a.service.size());
      rw = std::max(rw, a.run_as.size());
      ow = std::max(ow, a.operation.size());
    }
    for (const auto& a : rr.accesses) {
      out +=
          fmt::format("  {}  {}  {}  {}  {}\n", pad(a.service, sw), pad(a.run_as, rw), pad(a.operation, ow),
                      a.granted   ? paint("granted", kGreen)
                      : a.unknown ? paint("unknown", kYellow)
                                  : paint("denied ", kRed),
                      a.why);
      // On an SELinux host, each half on its own where they disagree.
      if (!a.dac.empty() && a.dac.substr(0, 7) != a.selinux.substr(0, 7)) {
        out +=
            fmt::format("  {}  DAC {}; SELinux {}\n", std::string(sw + rw + ow + 4, ' '), a.dac, a.selinux);
      }
    }
    for (const auto& f : rr.fixes) out += fmt::format("  {} {}\n", paint("fix:", kBold), f);
    const bool denied = std::any_of(rr.accesses.begin(), rr.accesses.end(),
                                    [](const auto& a) { return !a.granted && !a.unknown; });
    if (rr.fixes.empty() && denied) out += "  no verified least-privilege fix found\n";
  }
  if (report.command == "conflicts" && report.findings.empty()) {
    out += paint("no conflicts: every declared access is granted", kGreen) + "\n";
  }
  auto s = report.summary();
  size_t claims = s.holds + s.violated + s.unknown;
  if (!report.results.empty()) {
    std::string summary = fmt::format("{} claim{}: {} hold, {} violated, {} unknown", claims,
                                      claims == 1 ? "" : "s", s.holds, s.violated, s.unknown);
    if (s.queries) {
      summary += fmt::format("; {} quer{}", s.queries, s.queries == 1 ? "y" : "ies");
      if (s.unanswered_queries) summary += fmt::format(" ({} not answered exactly)", s.unanswered_queries);
    }
    out += "\n" + paint(summary, kBold) + "\n";
  }
  return out;
}

}  // namespace rampart::exporters
