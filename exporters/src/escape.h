#pragma once
// Escaping for the formats people open: names in a report come from untrusted
// input (policy files, native configurations), so every piece of text goes
// through one of these before it reaches HTML or DOT.

#include <string>
#include <string_view>

namespace rampart::exporters::detail {

// `s` with every byte sequence that is not valid UTF-8 (overlong forms,
// surrogates, code points above U+10FFFF, truncated sequences) and every
// control character but tab and newline replaced by U+FFFD.
std::string clean_utf8(std::string_view s);

// Text for HTML element content and double- or single-quoted attribute
// values: clean_utf8, then & < > " ' as character references.
std::string html_escape(std::string_view s);

// The inside of a DOT double-quoted string used as a label: clean_utf8, then
// backslash and quote escaped, `&` written as `&amp;` (Graphviz decodes
// entity references in labels), newline and tab as Graphviz's `\n` and a
// space.
std::string dot_escape(std::string_view s);

}  // namespace rampart::exporters::detail
