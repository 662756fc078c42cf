#pragma once
// How deep a JSON text nests, checked before nlohmann parses it: a file an
// attacker wrote must not make a reader walk (or a diagnostic dump) a tree
// thousands of levels deep. Private to the importers; every JSON reader
// refuses more than kMaxJsonDepth levels (docs/diagnostics.md).

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace rampart::importers {

inline constexpr size_t kMaxJsonDepth = 256;

// The byte offset of the first `[` or `{` nested deeper than `max`, if any.
// Brackets inside strings do not count.
std::optional<size_t> json_too_deep(std::string_view text, size_t max = kMaxJsonDepth);

// 1-based line and column of byte `offset` in `text`; columns count UTF-8
// characters, not bytes.
std::pair<uint32_t, uint32_t> text_line_column(std::string_view text, size_t offset);

}  // namespace rampart::importers
