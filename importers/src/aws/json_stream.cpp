// Streaming reading of large JSON files (json_util.h, stream_json_file):
// nlohmann's SAX interface over a file stream, one DOM per element of the
// root object's arrays, never the whole document.

#include <fmt/format.h>

#include <fstream>

#include "json_util.h"

namespace rampart::importers::aws {
namespace {

// Calls `f(chunk, offset of its first byte)` for each chunk of the file.
template <typename F>
void for_each_chunk(const std::string& path, F&& f) {
  std::ifstream in(path, std::ios::binary);
  std::string buf(size_t(1) << 16, '\0');
  size_t offset = 0;
  while (in) {
    in.read(buf.data(), std::streamsize(buf.size()));
    auto n = size_t(in.gcount());
    if (n == 0) break;
    if (!f(std::string_view(buf.data(), n), offset)) return;
    offset += n;
  }
}

// line_column() over a file.
std::pair<uint32_t, uint32_t> file_line_column(const std::string& path, size_t offset) {
  uint32_t line = 1, column = 1;
  for_each_chunk(path, [&](std::string_view chunk, size_t base) {
    for (size_t i = 0; i < chunk.size(); ++i) {
      if (base + i >= offset) return false;
      if (chunk[i] == '\n') {
        ++line;
        column = 1;
      } else if ((static_cast<unsigned char>(chunk[i]) & 0xC0) != 0x80) {
        ++column;
      }
    }
    return true;
  });
  return {line, column};
}

// The offset of the first bracket nested deeper than `max`, as
// parse_json's scan finds it, and whether the file holds anything but blanks.
struct Scan {
  std::optional<size_t> too_deep;
  bool blank = true;
};

Scan scan_file(const std::string& path, size_t max) {
  Scan out;
  size_t depth = 0;
  bool in_string = false, escaped = false;
  for_each_chunk(path, [&](std::string_view chunk, size_t base) {
    for (size_t i = 0; i < chunk.size(); ++i) {
      char c = chunk[i];
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out.blank = false;
      if (out.too_deep) continue;
      if (in_string) {
        if (escaped)
          escaped = false;
        else if (c == '\\')
          escaped = true;
        else if (c == '"')
          in_string = false;
        continue;
      }
      if (c == '"') {
        in_string = true;
      } else if (c == '[' || c == '{') {
        if (++depth > max) out.too_deep = base + i;
      } else if ((c == ']' || c == '}') && depth > 0) {
        --depth;
      }
    }
    return !(out.too_deep && !out.blank);
  });
  return out;
}

// The offset of the first occurrence of `needle` in the file.
std::optional<size_t> file_find(const std::string& path, const std::string& needle) {
  if (needle.empty()) return 0;
  std::optional<size_t> found;
  std::string window;  // the last needle.size() - 1 bytes of the previous chunk, then this chunk
  size_t window_base = 0;
  for_each_chunk(path, [&](std::string_view chunk, size_t base) {
    window.append(chunk);
    auto at = window.find(needle);
    if (at != std::string::npos) {
      found = window_base + at;
      return false;
    }
    size_t keep = std::min(window.size(), needle.size() - 1);
    window.erase(0, window.size() - keep);
    window_base = base + chunk.size() - keep;
    return true;
  });
  return found;
}

// First pass: well-formed and not too deep; nothing is built.
class Checker {
 public:
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(Json::number_integer_t) { return true; }
  bool number_unsigned(Json::number_unsigned_t) { return true; }
  bool number_float(Json::number_float_t, const Json::string_t&) { return true; }
  bool string(Json::string_t&) { return true; }
  bool binary(Json::binary_t&) { return true; }
  bool start_object(std::size_t) { return open(); }
  bool start_array(std::size_t) { return open(); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(Json::string_t&) { return true; }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) {
    failed = true;
    syntax = dynamic_cast<const Json::parse_error*>(&ex) != nullptr;
    byte = position;
    what = ex.what();
    return false;
  }

  bool failed = false, deep = false, syntax = false;
  size_t byte = 0;
  std::string what;

 private:
  bool open() {
    if (++depth_ > kMaxJsonDepth) {
      deep = true;
      return false;
    }
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }
  size_t depth_ = 0;
};

// RP3101 for a file the checker rejected, worded and located as parse_json
// words and locates it for the same text.
void report(const std::string& path, const std::string& display, const Checker& c, core::Diagnostics& diags) {
  Scan scan = scan_file(path, kMaxJsonDepth);
  if (scan.too_deep) {
    auto [line, col] = file_line_column(path, *scan.too_deep);
    diags.error(codes::kMalformedJson, core::Origin::native_line(display, line, col),
                fmt::format("JSON nested deeper than {} levels", kMaxJsonDepth));
    return;
  }
  if (c.syntax) {
    auto [line, col] = file_line_column(path, c.byte > 0 ? c.byte - 1 : 0);
    auto colon = c.what.find(": ", c.what.find("parse error"));
    std::string message = colon == std::string::npos ? c.what : c.what.substr(colon + 2);
    if (scan.blank) message = "the file is empty; expected a JSON object";
    diags.error(codes::kMalformedJson, core::Origin::native_line(display, line, col),
                fmt::format("malformed JSON: {}", message));
    return;
  }
  // e.g. "number overflow parsing '1E400'": point at the number when it can be found.
  auto close = c.what.find("] ");
  std::string message = close == std::string::npos ? c.what : c.what.substr(close + 2);
  uint32_t line = 1, col = 1;
  auto q1 = message.find('\'');
  auto q2 = q1 == std::string::npos ? std::string::npos : message.find('\'', q1 + 1);
  if (q2 != std::string::npos) {
    if (auto at = file_find(path, message.substr(q1 + 1, q2 - q1 - 1)))
      std::tie(line, col) = file_line_column(path, *at);
  }
  diags.error(codes::kMalformedJson, core::Origin::native_line(display, line, col),
              fmt::format("malformed JSON: {}", message));
}

// Second pass: the root object's members, one DOM per element of a wanted
// array. Depths: 1 inside the root object, 2 inside one of its arrays.
class Builder {
 public:
  explicit Builder(JsonMembers& members) : m_(members) {}

  bool null() { return scalar(Json(nullptr), "null", true); }
  bool boolean(bool v) { return scalar(Json(v), "boolean"); }
  bool number_integer(Json::number_integer_t v) { return scalar(Json(v), "number"); }
  bool number_unsigned(Json::number_unsigned_t v) { return scalar(Json(v), "number"); }
  bool number_float(Json::number_float_t v, const Json::string_t&) { return scalar(Json(v), "number"); }
  bool string(Json::string_t& v) { return scalar(Json(std::move(v)), "string"); }
  bool binary(Json::binary_t&) { return true; }  // not in JSON text
  bool key(Json::string_t& k) {
    if (!stack_.empty())
      dom_key_ = std::move(k);
    else if (depth_ == 1)
      member_ = std::move(k);
    return true;
  }
  bool start_object(std::size_t) { return open(Json::object(), "object", false); }
  bool start_array(std::size_t) { return open(Json::array(), "array", true); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;  // the first pass accepted the file
  }

 private:
  bool building(bool starting) const { return !stack_.empty() || (starting && wanted_ && depth_ == 2); }

  Json* add(Json v) {
    if (stack_.empty()) {
      dom_ = std::move(v);
      return &dom_;
    }
    Json& parent = *stack_.back();
    if (parent.is_object()) {
      Json& slot = parent[dom_key_];
      slot = std::move(v);
      return &slot;
    }
    parent.push_back(std::move(v));
    return &parent.back();
  }

  bool scalar(Json v, const char* type, bool is_null = false) {
    if (depth_ == 0) {
      m_.root_not_object(type);
      return false;
    }
    if (building(true)) {
      bool top = stack_.empty();
      add(std::move(v));
      if (top) emit();
    } else if (depth_ == 1) {
      m_.begin_member(member_, type, is_null, false);
    }
    return true;
  }

  bool open(Json empty, const char* type, bool is_array) {
    if (depth_ == 0) {
      if (is_array) {
        m_.root_not_object(type);
        return false;
      }
    } else if (building(true)) {
      stack_.push_back(add(std::move(empty)));
    } else if (depth_ == 1) {
      wanted_ = m_.begin_member(member_, type, false, is_array) && is_array;
      index_ = 0;
    }
    ++depth_;
    return true;
  }

  bool close() {
    --depth_;
    if (!stack_.empty()) {
      stack_.pop_back();
      if (stack_.empty()) emit();
    } else if (depth_ == 1 && wanted_) {
      wanted_ = false;
      m_.end_member(member_);
    }
    return true;
  }

  void emit() {
    m_.element(member_, index_++, dom_);
    dom_ = Json();
  }

  JsonMembers& m_;
  size_t depth_ = 0;
  std::string member_;   // the root member being read
  bool wanted_ = false;  // inside a wanted array of the root object
  size_t index_ = 0;
  Json dom_;  // the element being built
  std::vector<Json*> stack_;
  std::string dom_key_;
};

}  // namespace

bool stream_json_file(const std::string& path, const std::string& display, JsonMembers& members,
                      core::Diagnostics& diags) {
  {
    std::ifstream in(path, std::ios::binary);
    Checker checker;
    if (!Json::sax_parse(in, &checker)) {
      report(path, display, checker, diags);
      return false;
    }
  }
  std::ifstream in(path, std::ios::binary);
  Builder builder(members);
  Json::sax_parse(in, &builder);
  return true;
}

}  // namespace rampart::importers::aws
