#include "rampart/core/diagnostic.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

namespace rampart::core {

std::string severity_name(Severity s) {
  switch (s) {
    case Severity::Note: return "note";
    case Severity::Warning: return "warning";
    case Severity::Error: return "error";
  }
  return "error";
}

std::string Diagnostic::to_string() const {
  std::string out = fmt::format("{}: {}: {}", origin.to_string(), severity_name(severity), message);
  if (!code.empty()) out += fmt::format(" [{}]", code);
  for (const auto& n : notes) out += fmt::format("\n  {}: note: {}", n.origin.to_string(), n.message);
  if (!help.empty()) out += fmt::format("\n  help: {}", help);
  return out;
}

Diagnostic& Diagnostics::error(std::string code, Origin origin, std::string message) {
  items_.push_back(Diagnostic{Severity::Error, std::move(code), std::move(message), std::move(origin), {}, {}});
  return items_.back();
}
Diagnostic& Diagnostics::warning(std::string code, Origin origin, std::string message) {
  items_.push_back(Diagnostic{Severity::Warning, std::move(code), std::move(message), std::move(origin), {}, {}});
  return items_.back();
}
Diagnostic& Diagnostics::note(std::string code, Origin origin, std::string message) {
  items_.push_back(Diagnostic{Severity::Note, std::move(code), std::move(message), std::move(origin), {}, {}});
  return items_.back();
}

void Diagnostics::append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Diagnostics::has_errors() const { return error_count() > 0; }

size_t Diagnostics::error_count() const {
  return size_t(std::count_if(items_.begin(), items_.end(),
                              [](const Diagnostic& d) { return d.severity == Severity::Error; }));
}

std::vector<Diagnostic> Diagnostics::sorted() const {
  std::vector<Diagnostic> out = items_;
  // Severity is part of the order so that equal diagnostics end up adjacent
  // (and std::unique removes every copy), the most severe first.
  auto key = [](const Diagnostic& d) {
    return std::tie(d.origin.file, d.origin.line, d.origin.column, d.origin.json_pointer, d.origin.native_id,
                    d.code, d.message);
  };
  auto less = [&](const Diagnostic& a, const Diagnostic& b) {
    if (key(a) != key(b)) return key(a) < key(b);
    return a.severity > b.severity;
  };
  std::stable_sort(out.begin(), out.end(), less);
  out.erase(std::unique(out.begin(), out.end(),
                        [&](const Diagnostic& a, const Diagnostic& b) {
                          return key(a) == key(b) && a.severity == b.severity;
                        }),
            out.end());
  return out;
}

void internal_error(const std::string& what) { throw InternalError(what); }

}  // namespace rampart::core
