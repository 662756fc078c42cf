#pragma once
// Shared by the SELinux text-format fuzz targets: any bytes must give
// records or diagnostics with the parser's own code, a message and a line,
// never a crash, a hang or a leak; and every record a parser returns without
// an error must carry a line of the input.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "rampart/core/diagnostic.h"
#include "rampart/importers/selinux.h"

namespace rampart::fuzz {

inline size_t lines_in(std::string_view text) {
  size_t n = 1;
  for (char c : text) n += c == '\n';
  return n;
}

// Every diagnostic: one of `codes`, a message, the file and a line within the input.
inline void check_diagnostics(const core::Diagnostics& diags, std::string_view text,
                              std::initializer_list<std::string_view> codes) {
  for (const auto& d : diags.items()) {
    bool known = false;
    for (auto c : codes) known |= d.code == c;
    check(known, "a diagnostic with another code");
    check(!d.message.empty(), "a diagnostic without a message");
    check(d.origin.file == "fuzz.txt", "a diagnostic in another file");
    check(d.origin.line > 0 && d.origin.line <= lines_in(text), "a diagnostic without a line of the input");
  }
}

inline void check_origin(const core::Origin& o, std::string_view text) {
  check(o.file == "fuzz.txt" && o.line > 0 && o.line <= lines_in(text),
        "a record without a line of the input");
}

}  // namespace rampart::fuzz
