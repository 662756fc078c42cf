#pragma once
// User mistakes as data: a stable code, a severity, a message and a location.
// Checkers add to a Diagnostics collection and keep going, so one run reports
// every mistake it can find. Internal invariant failures are InternalError,
// never a Diagnostic the user is blamed for.

#include <stdexcept>
#include <string>
#include <vector>

#include "rampart/core/origin.h"

namespace rampart::core {

enum class Severity : uint8_t { Note, Warning, Error };
std::string severity_name(Severity s);

struct DiagnosticNote {
  Origin origin;
  std::string message;
  friend bool operator==(const DiagnosticNote&, const DiagnosticNote&) = default;
};

struct Diagnostic {
  Severity severity = Severity::Error;
  std::string code;  // stable, e.g. "RP2001"; see docs/diagnostics.md
  std::string message;  // lowercase, no final period, user input in backticks
  Origin origin;
  std::vector<DiagnosticNote> notes;
  std::string help;

  // `FILE:LINE:COL: error: message [RP2001]`
  std::string to_string() const;
  friend bool operator==(const Diagnostic&, const Diagnostic&) = default;
};

class Diagnostics {
 public:
  Diagnostic& error(std::string code, Origin origin, std::string message);
  Diagnostic& warning(std::string code, Origin origin, std::string message);
  Diagnostic& note(std::string code, Origin origin, std::string message);
  void add(Diagnostic d) { items_.push_back(std::move(d)); }
  void append(const Diagnostics& other);

  bool has_errors() const;
  size_t error_count() const;
  bool empty() const { return items_.empty(); }
  // Sorted by file, line, column, then code and message; duplicates removed.
  std::vector<Diagnostic> sorted() const;
  const std::vector<Diagnostic>& items() const { return items_; }

 private:
  std::vector<Diagnostic> items_;
};

// A broken invariant inside rampart (exit code 4). Never thrown for bad input.
class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

[[noreturn]] void internal_error(const std::string& what);
#define RAMPART_CHECK(cond, msg)                                                        \
  do {                                                                                  \
    if (!(cond)) ::rampart::core::internal_error(std::string(__FILE__ ":") +            \
                                                 std::to_string(__LINE__) + ": " + (msg)); \
  } while (0)

}  // namespace rampart::core
