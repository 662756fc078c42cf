#pragma once
// Small helpers the linux and services importers share: lines with their
// numbers, fields with their columns, numbers, and diagnostics in one code.

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rampart/core/import.h"

namespace rampart::importers::native {

// The whole of a regular file, or nullopt with `why`. Anything else (a FIFO
// that would block forever, /dev/zero that never ends, a directory) is
// refused without reading, and with `confine_to` (a collected folder) so is
// a path whose symlinks lead outside that folder.
std::optional<std::string> read_regular_file(const std::string& path, const std::string& confine_to,
                                             std::string* why = nullptr);

struct Line {
  std::string_view text;  // without the end of line (\n, \r\n)
  uint32_t number = 0;
};

// Lines of a text; a UTF-8 byte order mark is skipped. With `nul`, lines
// end at NUL bytes instead (find -printf '...\0'), so names may hold newlines.
inline std::vector<Line> lines(std::string_view text, bool nul = false) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<Line> out;
  size_t pos = 0;
  uint32_t n = 0;
  while (pos < text.size()) {
    size_t end = text.find(nul ? '\0' : '\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(pos, end - pos);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    out.push_back(Line{l, ++n});
    pos = end + 1;
  }
  return out;
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

struct Field {
  std::string_view text;
  uint32_t column = 1;
};

// Fields separated by blanks, with the column each starts at.
inline std::vector<Field> fields(std::string_view line, size_t max = 0) {
  std::vector<Field> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) break;
    if (max && out.size() + 1 == max) {
      out.push_back(Field{line.substr(i), uint32_t(i + 1)});
      break;
    }
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    out.push_back(Field{line.substr(start, i - start), uint32_t(start + 1)});
  }
  return out;
}

inline std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

inline std::optional<uint32_t> number(std::string_view s, uint64_t max = 0xfffffffeu) {
  uint64_t v = 0;
  if (s.empty() || s.size() > 12) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > max) return std::nullopt;
  return uint32_t(v);
}

inline std::optional<uint16_t> octal(std::string_view s, uint16_t max = 07777) {
  if (s.empty() || s.size() > 6) return std::nullopt;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '7') return std::nullopt;
    v = v * 8 + uint32_t(c - '0');
  }
  if (v > max) return std::nullopt;
  return uint16_t(v);
}

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
  return out;
}

inline bool is_true(std::string_view v) {
  std::string l = lower(v);
  return l == "true" || l == "yes" || l == "on" || l == "1";
}
inline bool is_false(std::string_view v) {
  std::string l = lower(v);
  return l == "false" || l == "no" || l == "off" || l == "0";
}

// Diagnostics of one importer, all in its own code.
class Sink {
 public:
  Sink(core::Diagnostics& diags, std::string code, std::string file)
      : diags_(diags), code_(std::move(code)), file_(std::move(file)) {}
  core::Origin at(uint32_t line, uint32_t column = 0) const {
    return core::Origin::native_line(file_, line, column);
  }
  void error(uint32_t line, uint32_t column, std::string message) {
    diags_.error(code_, at(line, column), std::move(message));
  }
  void warning(uint32_t line, uint32_t column, std::string message) {
    diags_.warning(code_, at(line, column), std::move(message));
  }
  const std::string& file() const { return file_; }
  const std::string& code() const { return code_; }
  bool has_errors() const { return diags_.has_errors(); }

 private:
  core::Diagnostics& diags_;
  std::string code_;
  std::string file_;
};

// Names an imported object as NAME["id"].
inline void name_object(core::ImportResult& r, std::string id, core::ObjectKind kind, size_t index) {
  for (const auto& o : r.objects) {
    if (o.native_id == id) return;  // the first of a name wins, as lookups do
  }
  r.objects.push_back(core::ImportedObject{std::move(id), kind, uint32_t(index)});
}

// A name reference for the binder.
inline void name_ref(core::ImportResult& r, core::NameRef::Target t, size_t index, std::string name,
                     core::Origin origin, bool primary_group = false, bool user_groups = false,
                     std::optional<uint32_t> fallback = std::nullopt, uint32_t entry = 0) {
  core::NameRef n;
  n.target = t;
  n.index = uint32_t(index);
  n.entry = entry;
  n.name = std::move(name);
  n.primary_group = primary_group;
  n.user_groups = user_groups;
  n.fallback = fallback;
  n.origin = std::move(origin);
  r.names.push_back(std::move(n));
}

// A service whose run-as user is resolved by the binder (NameRef).
inline size_t add_service(core::ImportResult& r, std::string name, const core::Origin& origin) {
  core::Service s;
  s.name = std::move(name);
  s.origin = origin;
  s.uid = core::kNoId;
  s.gid = core::kNoId;
  r.fragment.services.push_back(std::move(s));
  return r.fragment.services.size() - 1;
}

inline void add_access(core::Service& s, core::Operation op, std::string path, const core::Origin& origin) {
  for (const auto& a : s.accesses) {
    if (a.operation == op && a.path == path) return;
  }
  s.accesses.push_back(core::DeclaredAccess{op, std::move(path), origin});
}

// Decodes \ooo octal escapes (getfacl, /proc/mounts); false on a bad one.
inline bool unescape_octal(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\') {
      out += in[i];
      continue;
    }
    if (i + 1 < in.size() && in[i + 1] == '\\') {
      out += '\\';
      ++i;
      continue;
    }
    if (i + 3 >= in.size()) return false;
    int v = 0;
    for (size_t k = 1; k <= 3; ++k) {
      char c = in[i + k];
      if (c < '0' || c > '7') return false;
      v = v * 8 + (c - '0');
    }
    if (v > 255) return false;
    out += char(v);
    i += 3;
  }
  return true;
}

}  // namespace rampart::importers::native
