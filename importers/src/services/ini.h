#pragma once
// The INI dialects of supervisord, php-fpm and systemd, read with their
// line numbers. Each dialect differs in comments and continuation lines.

#include <string>
#include <vector>

#include "../linux/native.h"

namespace rampart::importers::ini {

struct Entry {
  std::string key;    // trimmed (lower-cased when the dialect says so)
  std::string value;  // trimmed, continuation lines joined
  uint32_t line = 0;
  uint32_t column = 1;
  uint32_t value_column = 1;
};

struct Section {
  std::string name;
  uint32_t line = 0;
  std::vector<Entry> entries;
};

struct Dialect {
  bool colon_separates = false;         // `key: value` too (Python's ConfigParser)
  bool inline_comments = false;         // ` ;` and ` #` end the value (supervisord)
  bool indented_continuation = false;   // a line starting with blanks continues the value (ConfigParser)
  bool backslash_continuation = false;  // a line ending in `\` continues on the next (systemd)
  bool lowercase_keys = false;
  bool strip_quotes = false;  // "value" -> value (php-fpm)
};

inline std::vector<Section> parse(std::string_view text, const Dialect& d, native::Sink& sink) {
  std::vector<Section> out;
  auto ls = native::lines(text);
  for (size_t i = 0; i < ls.size(); ++i) {
    std::string_view raw = ls[i].text;
    std::string_view l = native::trim(raw);
    if (l.empty() || l[0] == '#' || l[0] == ';') continue;
    bool indented = raw[0] == ' ' || raw[0] == '\t';
    if (indented && d.indented_continuation && !out.empty() && !out.back().entries.empty()) {
      out.back().entries.back().value += "\n" + std::string(l);
      continue;
    }
    if (l[0] == '[') {
      if (l.back() != ']') {
        sink.error(ls[i].number, uint32_t(raw.find('[') + 1), "a section header ends with `]`");
        continue;
      }
      out.push_back(Section{std::string(native::trim(l.substr(1, l.size() - 2))), ls[i].number, {}});
      continue;
    }
    size_t eq = l.find('=');
    if (d.colon_separates) {
      size_t colon = l.find(':');
      if (colon != std::string_view::npos && (eq == std::string_view::npos || colon < eq)) eq = colon;
    }
    uint32_t indent = uint32_t(raw.find_first_not_of(" \t"));
    if (eq == std::string_view::npos) {
      sink.error(ls[i].number, indent + 1, fmt::format("expected `key = value`, got `{}`", l));
      continue;
    }
    if (out.empty()) {
      sink.error(ls[i].number, indent + 1, "a setting before any `[section]`");
      continue;
    }
    Entry e;
    e.key = std::string(native::trim(l.substr(0, eq)));
    if (d.lowercase_keys) e.key = native::lower(e.key);
    std::string_view v = l.substr(eq + 1);
    size_t lead = v.find_first_not_of(" \t");
    if (lead == std::string_view::npos) lead = v.size();
    v = native::trim(v);
    e.line = ls[i].number;
    e.column = indent + 1;
    e.value_column = uint32_t(indent + eq + 1 + lead + 1);
    std::string value(v);
    if (d.inline_comments) {
      for (size_t k = 1; k < value.size(); ++k) {
        if ((value[k] == ';' || value[k] == '#') && (value[k - 1] == ' ' || value[k - 1] == '\t')) {
          value = std::string(native::trim(std::string_view(value).substr(0, k)));
          break;
        }
      }
    }
    if (d.backslash_continuation) {
      while (!value.empty() && value.back() == '\\' && i + 1 < ls.size()) {
        value.pop_back();
        ++i;
        std::string_view next = native::trim(ls[i].text);
        if (!next.empty() && (next[0] == '#' || next[0] == ';')) continue;  // comments inside are skipped
        value += " " + std::string(next);
      }
    }
    if (d.strip_quotes && value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    e.value = std::move(value);
    out.back().entries.push_back(std::move(e));
  }
  return out;
}

// Words of a command line, shell-like: blanks separate, quotes group.
inline std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  bool any = false;
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == quote)
        quote = 0;
      else if (c == '\\' && quote == '"' && i + 1 < s.size())
        cur += s[++i];
      else
        cur += c;
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
      any = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (any || !cur.empty()) out.push_back(cur);
      cur.clear();
      any = false;
    } else if (c == '\\' && i + 1 < s.size()) {
      cur += s[++i];
    } else {
      cur += c;
    }
  }
  if (any || !cur.empty()) out.push_back(cur);
  return out;
}

}  // namespace rampart::importers::ini
