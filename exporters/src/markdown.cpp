#include "rampart/exporters/markdown.h"

#include <fmt/format.h>

namespace rampart::exporters {
namespace {

// Table cells must not break the table.
std::string cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += "<br>";
    } else {
      out += c;
    }
  }
  return out;
}

std::string code(const std::string& s) {
  if (s.find('`') == std::string::npos) return "`" + s + "`";
  return "``" + s + "``";
}

const char* verdict_mark(core::Verdict v) {
  switch (v) {
    case core::Verdict::Holds: return "holds";
    case core::Verdict::Violated: return "**violated**";
    case core::Verdict::Unknown: return "*unknown*";
  }
  return "";
}

}  // namespace

std::string render_markdown(const core::Report& report) {
  std::string out;
  out += fmt::format("## rampart {}\n\n", report.command);
  if (!report.internal_error.empty()) {
    out +=
        fmt::format("**Internal error** (a bug in rampart, not in the input): {}\n", report.internal_error);
    return out;
  }
  if (!report.diagnostics.empty()) {
    out += "### Problems in the input\n\n";
    for (const auto& d : report.diagnostics) {
      out += fmt::format("- {} **{}** {} [{}]\n", code(d.origin.to_string()), core::severity_name(d.severity),
                         d.message, d.code);
    }
    out += "\n";
  }
  if (!report.results.empty()) {
    auto s = report.summary();
    out += fmt::format("{} hold, {} violated, {} unknown", s.holds, s.violated, s.unknown);
    if (s.queries) out += fmt::format("; {} quer{}", s.queries, s.queries == 1 ? "y" : "ies");
    out += "\n\n| verdict | claim | where | why |\n|---|---|---|---|\n";
    for (const auto& r : report.results) {
      out += fmt::format("| {} | {} | {} | {} |\n", r.is_query ? "answer" : verdict_mark(r.verdict),
                         code(r.text), code(r.origin.to_string()), cell(r.reason));
    }
    out += "\n";
    for (const auto& r : report.results) {
      if (!r.set && !r.network && !r.access) continue;
      if (r.verdict == core::Verdict::Holds && !r.set && !r.is_query) continue;
      out += fmt::format("#### {}\n\n", code(r.text));
      if (r.set) {
        if (!r.set->subjects.empty() || !r.set->may_subjects.empty()) {
          for (const auto& s : r.set->subjects) out += fmt::format("- {}\n", s);
        } else {
          out += "| sources | services |\n|---|---|\n";
          for (const auto& e : r.set->must) {
            std::string blocks;
            for (const auto& c : e.sources.to_cidrs()) blocks += (blocks.empty() ? "" : ", ") + c.to_string();
            out += fmt::format("| {} | {} |\n", blocks, e.services.to_string());
          }
          if (r.set->must != r.set->may) out += "\n*(must shown; the may set differs, see JSON)*\n";
        }
        out += "\n";
      }
      if (r.network) {
        out += fmt::format("Witness: {} — {}\n\n", code(r.network->packet.to_string()),
                           r.network->admitted ? "admitted" : "not admitted");
        out += "| host | layer | decision | rule | where |\n|---|---|---|---|---|\n";
        for (const auto& st : r.network->steps) {
          out += fmt::format("| {} | {} {} | {} | {} | {} |\n", st.host, core::direction_name(st.direction),
                             cell(st.filter) + (st.reply ? " (reply)" : ""), core::decision_name(st.decision),
                             cell(st.rule), code(st.origin.to_string()));
        }
        out += "\n";
      }
      if (r.access) {
        out += fmt::format("Witness: {} ({} uid {}) {} {}: {} — {}\n\n", r.access->subject.name,
                           r.access->subject.kind, r.access->subject.uid,
                           core::operation_name(r.access->operation), code(r.access->path),
                           r.access->granted ? "granted" : "denied", r.access->decisive.detail);
      }
    }
  }
  if (!report.resources.empty()) {
    for (const auto& rr : report.resources) {
      out += fmt::format("### {} on {}\n\n", code(rr.path), rr.host);
      if (!rr.created_as.empty()) out += fmt::format("Created as {}.\n\n", rr.created_as);
      out += "| service | runs as | access | verdict | why |\n|---|---|---|---|---|\n";
      for (const auto& a : rr.accesses) {
        out += fmt::format("| {} | {} | {} | {} | {} |\n", a.service, a.run_as, a.operation,
                           a.granted   ? "granted"
                           : a.unknown ? "*unknown*"
                                       : "**denied**",
                           cell(a.why));
      }
      out += "\n";
      for (const auto& f : rr.fixes) out += fmt::format("**Fix** (verified): {}\n\n", f);
      if (rr.fixes.empty()) out += "No verified least-privilege fix was found.\n\n";
    }
  }
  bool other_findings = false;
  for (const auto& f : report.findings) other_findings |= !(f.access && !report.resources.empty());
  if (other_findings) {
    out += "### Findings\n\n";
    for (const auto& f : report.findings) {
      if (f.access && !report.resources.empty()) continue;  // in the per-file tables
      out += fmt::format("- **{}** {} ({})\n", f.rule_id, f.message, code(f.origin.to_string()));
      if (!f.fix.empty()) out += fmt::format("  - fix: {}\n", f.fix);
    }
    out += "\n";
  }
  if (report.command == "conflicts" && report.findings.empty()) {
    out += "No conflicts: every declared access is granted.\n";
  }
  return out;
}

}  // namespace rampart::exporters
