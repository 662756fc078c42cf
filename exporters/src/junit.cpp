#include "rampart/exporters/junit.h"

#include <fmt/format.h>

namespace rampart::exporters {
namespace {

std::string xml(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 admits no control characters but tab, newline, return.
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += fmt::format("&#x{:X};", 0xFFFD);
        } else {
          out += char(c);
        }
    }
  }
  return out;
}

}  // namespace

std::string render_junit(const core::Report& report) {
  struct Case {
    std::string classname, name, file;
    uint32_t line = 0;
    std::string failure_type, message, detail;  // empty type: passed
  };
  std::vector<Case> cases;
  for (const auto& d : report.diagnostics) {
    if (d.severity != core::Severity::Error) continue;
    cases.push_back(Case{"input", d.code + " " + d.message, d.origin.file, d.origin.line, "bad-input",
                         d.message, d.to_string()});
  }
  for (const auto& r : report.results) {
    Case c{r.origin.file.empty() ? report.command : r.origin.file.str(),
           r.text,
           r.origin.file,
           r.origin.line,
           {},
           {},
           {}};
    if (r.verdict != core::Verdict::Holds) {
      c.failure_type = core::verdict_name(r.verdict);
      c.message = r.reason;
      c.detail = fmt::format("{}\n{}", r.origin.to_string(), r.reason);
      if (r.network) c.detail += "\nwitness: " + r.network->packet.to_string();
      if (r.access) c.detail += "\nwitness: " + r.access->subject.name + " " + r.access->decisive.detail;
    }
    cases.push_back(std::move(c));
  }
  for (const auto& f : report.findings) {
    Case c{f.rule_id, f.message, f.origin.file, f.origin.line, {}, {}, {}};
    if (f.severity != core::Severity::Note) {
      c.failure_type = f.rule_id;
      c.message = f.message;
      c.detail = f.origin.to_string() + "\n" + f.message + (f.fix.empty() ? "" : "\nfix: " + f.fix);
    }
    cases.push_back(std::move(c));
  }
  size_t failures = 0;
  for (const auto& c : cases) failures += !c.failure_type.empty();
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  bool internal = !report.internal_error.empty();
  out += fmt::format("<testsuites name=\"rampart\" tests=\"{}\" failures=\"{}\" errors=\"{}\">\n",
                     cases.size(), failures, internal ? 1 : 0);
  out += fmt::format("  <testsuite name=\"rampart {}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">\n",
                     xml(report.command), cases.size(), failures, internal ? 1 : 0);
  for (const auto& c : cases) {
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\"", xml(c.classname), xml(c.name));
    if (!c.file.empty()) out += fmt::format(" file=\"{}\"", xml(c.file));
    if (c.line) out += fmt::format(" line=\"{}\"", c.line);
    if (c.failure_type.empty()) {
      out += "/>\n";
      continue;
    }
    out += ">\n";
    out += fmt::format("      <failure type=\"{}\" message=\"{}\">{}</failure>\n", xml(c.failure_type),
                       xml(c.message), xml(c.detail));
    out += "    </testcase>\n";
  }
  if (internal) {
    out += fmt::format(
        "    <testcase classname=\"rampart\" name=\"internal error\">\n      <error type=\"internal\" "
        "message=\"{}\"/>\n    </testcase>\n",
        xml(report.internal_error));
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace rampart::exporters
