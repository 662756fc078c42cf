#include "json_util.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <map>
#include <tuple>

#include "known_keys.h"

namespace rampart::importers::aws {

std::string pointer_child(const std::string& base, std::string_view key) {
  std::string out = base;
  out += '/';
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string pointer_index(const std::string& base, size_t index) {
  return base + "/" + std::to_string(index);
}

std::pair<uint32_t, uint32_t> line_column(std::string_view text, size_t offset) {
  return text_line_column(text, offset);
}

namespace {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

}  // namespace

// ---- TextSource ---------------------------------------------------------------

TextSource::TextSource(std::string_view text) : buf_(text) {}

TextSource::TextSource(std::istream& in) : in_(&in) {}

bool TextSource::fill(size_t k) {
  if (!in_) return pos_ + k <= buf_.size();
  while (pos_ + k > buf_.size()) {
    if (!*in_) return false;
    // Keep the unread tail, then append one more chunk.
    storage_.erase(0, pos_);
    pos_ = 0;
    size_t have = storage_.size();
    storage_.resize(have + kChunk);
    in_->read(storage_.data() + have, std::streamsize(kChunk));
    storage_.resize(have + size_t(in_->gcount()));
    buf_ = storage_;
    if (in_->gcount() == 0) return pos_ + k <= buf_.size();
  }
  return true;
}

namespace {

// Walks valid JSON text (nlohmann accepted it) and records where each of
// the wanted pointers starts. Reads the text once, front to back, through
// a TextSource: the whole text in memory or a file read in chunks.
class Locator {
 public:
  Locator(TextSource& text, const std::set<std::string>& wanted) : t_(text), wanted_(wanted) {}

  std::map<std::string, std::pair<uint32_t, uint32_t>> run() {
    skip_ws();
    if (more()) value("");
    return std::move(found_);
  }

 private:
  bool more() { return t_.fill(1); }
  char cur() { return t_.at(0); }
  bool next_is(std::string_view s) {
    if (!t_.fill(s.size())) return false;
    for (size_t k = 0; k < s.size(); ++k)
      if (t_.at(k) != s[k]) return false;
    return true;
  }
  void skip_ws() {
    while (more()) {
      char c = cur();
      if (c == '\n') {
        ++line_;
        col_ = 1;
        t_.bump();
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++col_;
        t_.bump();
      } else if (c == '\xEF' && next_is("\xEF\xBB\xBF")) {
        t_.bump(3);  // a byte order mark
      } else {
        break;
      }
    }
  }
  void advance() {
    if ((static_cast<unsigned char>(cur()) & 0xC0) != 0x80) ++col_;
    t_.bump();
  }
  unsigned hex4() {
    unsigned v = 0;
    for (int k = 0; k < 4 && more(); ++k) {
      char c = cur();
      v = v * 16 + unsigned(c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0');
      advance();
    }
    return v;
  }
  std::string string_token() {
    std::string out;
    advance();  // the opening quote
    while (more() && cur() != '"') {
      char c = cur();
      if (c != '\\') {
        out += c;
        advance();
        continue;
      }
      advance();
      if (!more()) break;
      char e = cur();
      advance();
      switch (e) {
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && next_is("\\u")) {
            advance();
            advance();
            uint32_t lo = hex4();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default: out += e;
      }
    }
    if (more()) advance();  // the closing quote
    return out;
  }
  void value(const std::string& ptr) {
    if (wanted_.count(ptr)) found_[ptr] = {line_, col_};
    if (!more()) return;
    char c = cur();
    if (c == '{') {
      advance();
      skip_ws();
      while (more() && cur() != '}') {
        std::string key = string_token();
        skip_ws();
        if (more()) advance();  // ':'
        skip_ws();
        value(pointer_child(ptr, key));
        skip_ws();
        if (more() && cur() == ',') {
          advance();
          skip_ws();
        }
      }
      if (more()) advance();
    } else if (c == '[') {
      advance();
      skip_ws();
      size_t i = 0;
      while (more() && cur() != ']') {
        value(pointer_index(ptr, i++));
        skip_ws();
        if (more() && cur() == ',') {
          advance();
          skip_ws();
        }
      }
      if (more()) advance();
    } else if (c == '"') {
      string_token();
    } else {
      while (more() && cur() != ',' && cur() != '}' && cur() != ']' && cur() != ' ' && cur() != '\n' &&
             cur() != '\r' && cur() != '\t')
        advance();
    }
  }

  TextSource& t_;
  const std::set<std::string>& wanted_;
  uint32_t line_ = 1, col_ = 1;
  std::map<std::string, std::pair<uint32_t, uint32_t>> found_;
};

template <typename F>
void for_each_origin(core::Policy& p, F&& f) {
  for (auto& rs : p.rule_sets) {
    f(rs.origin);
    f(rs.default_origin);
    for (auto& ch : rs.chains) {
      f(ch.origin);
      for (auto& r : ch.rules) f(r.origin);
    }
  }
  for (auto& fl : p.filters) f(fl.origin);
  for (auto& c : p.conditions) f(c.origin);
  for (auto& z : p.zones) f(z.origin);
  for (auto& h : p.hosts) {
    f(h.origin);
    for (auto& i : h.interfaces) f(i.origin);
    for (auto& l : h.inbound) f(l.origin);
    for (auto& l : h.outbound) f(l.origin);
    for (auto& l : h.listeners) f(l.origin);
  }
}

}  // namespace

std::optional<Json> parse_json(std::string_view text, const std::string& file, core::Diagnostics& diags) {
  if (auto deep = json_too_deep(text, kMaxJsonDepth)) {
    auto [line, col] = line_column(text, *deep);
    diags.error(codes::kMalformedJson, core::Origin::native_line(file, line, col),
                fmt::format("JSON nested deeper than {} levels", kMaxJsonDepth));
    return std::nullopt;
  }
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    auto [line, col] = line_column(text, offset);
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ..."
    auto colon = what.find(": ", what.find("parse error"));
    std::string message = colon == std::string::npos ? what : what.substr(colon + 2);
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
      message = "the file is empty; expected a JSON object";
    diags.error(codes::kMalformedJson, core::Origin::native_line(file, line, col),
                fmt::format("malformed JSON: {}", message));
    return std::nullopt;
  } catch (const Json::exception& e) {
    // e.g. "number overflow parsing '1E400'": point at the number when it can be found.
    std::string what = e.what();
    auto close = what.find("] ");
    std::string message = close == std::string::npos ? what : what.substr(close + 2);
    uint32_t line = 1, col = 1;
    auto q1 = message.find('\'');
    auto q2 = q1 == std::string::npos ? std::string::npos : message.find('\'', q1 + 1);
    if (q2 != std::string::npos) {
      auto at = text.find(message.substr(q1 + 1, q2 - q1 - 1));
      if (at != std::string_view::npos) std::tie(line, col) = line_column(text, at);
    }
    diags.error(codes::kMalformedJson, core::Origin::native_line(file, line, col),
                fmt::format("malformed JSON: {}", message));
    return std::nullopt;
  }
}

void locate_origins(std::string_view text, const std::string& file, core::ImportResult& result) {
  TextSource source(text);
  locate_origins(source, file, result);
}

void locate_origins(TextSource& text, const std::string& file, core::ImportResult& result) {
  std::set<std::string> wanted;
  auto want = [&](core::Origin& o) {
    if (o.kind == core::Origin::Kind::NativeJson && o.file == file && o.line == 0)
      wanted.insert(o.json_pointer.str());
  };
  for_each_origin(result.fragment, want);
  std::vector<core::Diagnostic> diags = result.diagnostics.items();
  for (auto& d : diags) {
    want(d.origin);
    for (auto& n : d.notes) want(n.origin);
  }
  if (wanted.empty()) return;
  auto found = Locator(text, wanted).run();
  auto set = [&](core::Origin& o) {
    if (o.kind != core::Origin::Kind::NativeJson || o.file != file || o.line != 0) return;
    auto it = found.find(o.json_pointer.str());
    if (it == found.end()) return;
    o.line = it->second.first;
    o.column = it->second.second;
  };
  for_each_origin(result.fragment, set);
  core::Diagnostics out;
  for (auto& d : diags) {
    set(d.origin);
    for (auto& n : d.notes) set(n.origin);
    out.add(std::move(d));
  }
  result.diagnostics = std::move(out);
}

// ---- Reader -----------------------------------------------------------------

void Reader::error(const std::string& pointer, std::string message) {
  diags_.error(codes::kSchema, at(pointer), std::move(message));
}

void Reader::warning(const char* code, const std::string& pointer, std::string message) {
  diags_.warning(code, at(pointer), std::move(message));
}

void Reader::check_keys(const Json& obj, const std::string& pointer, std::string_view shape) {
  const auto& table = known_keys();
  auto it = table.find(shape);
  if (it == table.end()) core::internal_error(fmt::format("no key table for shape {}", shape));
  std::set<std::string, std::less<>> known(it->second.begin(), it->second.end());
  check_keys(obj, pointer, known, shape);
}

void Reader::check_keys(const Json& obj, const std::string& pointer,
                        const std::set<std::string, std::less<>>& known, std::string_view what) {
  if (!obj.is_object()) return;
  for (const auto& [key, value] : obj.items()) {
    if (!key.empty() && key[0] == '_') continue;
    if (known.count(key)) continue;
    warning(codes::kUnknownKey, pointer_child(pointer, key),
            fmt::format("unknown key `{}` in {}; ignored", key, what));
  }
}

bool Reader::is_object(const Json& v, const std::string& pointer, std::string_view what) {
  if (v.is_object()) return true;
  error(pointer, fmt::format("expected {} (a JSON object), found {}", what, v.type_name()));
  return false;
}

const Json* Reader::member(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<std::string> Reader::string(const Json& obj, const std::string& pointer, std::string_view key,
                                          bool required) {
  const Json* v = member(obj, key);
  if (!v) {
    if (required) error(pointer, fmt::format("missing `{}`", key));
    return std::nullopt;
  }
  if (!v->is_string()) {
    error(pointer_child(pointer, key), fmt::format("`{}` must be a string, not {}", key, v->type_name()));
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<int64_t> Reader::integer(const Json& obj, const std::string& pointer, std::string_view key,
                                       bool required, int64_t lo, int64_t hi) {
  const Json* v = member(obj, key);
  if (!v) {
    if (required) error(pointer, fmt::format("missing `{}`", key));
    return std::nullopt;
  }
  std::string p = pointer_child(pointer, key);
  int64_t n = 0;
  if (v->is_number_integer()) {
    n = v->get<int64_t>();
    if (v->is_number_unsigned() && v->get<uint64_t>() > uint64_t(INT64_MAX)) n = INT64_MAX;
  } else if (v->is_string()) {
    // Terraform plans and some tools write numbers as strings.
    const std::string& s = v->get_ref<const std::string&>();
    char* end = nullptr;
    errno = 0;
    long long parsed = s.empty() ? 0 : std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || errno != 0) {
      error(p, fmt::format("`{}` must be an integer, not `{}`", key, s));
      return std::nullopt;
    }
    n = parsed;
  } else {
    error(p, fmt::format("`{}` must be an integer, not {}", key, v->type_name()));
    return std::nullopt;
  }
  if (n < lo || n > hi) {
    error(p, fmt::format("`{}` is {}; expected {} to {}", key, n, lo, hi));
    return std::nullopt;
  }
  return n;
}

std::optional<bool> Reader::boolean(const Json& obj, const std::string& pointer, std::string_view key,
                                    bool required) {
  const Json* v = member(obj, key);
  if (!v) {
    if (required) error(pointer, fmt::format("missing `{}`", key));
    return std::nullopt;
  }
  if (!v->is_boolean()) {
    error(pointer_child(pointer, key),
          fmt::format("`{}` must be true or false, not {}", key, v->type_name()));
    return std::nullopt;
  }
  return v->get<bool>();
}

const Json* Reader::array(const Json& obj, const std::string& pointer, std::string_view key, bool required) {
  const Json* v = member(obj, key);
  if (!v) {
    if (required) error(pointer, fmt::format("missing `{}`", key));
    return nullptr;
  }
  if (!v->is_array()) {
    error(pointer_child(pointer, key), fmt::format("`{}` must be an array, not {}", key, v->type_name()));
    return nullptr;
  }
  return v;
}

std::string text_or(const Json& obj, std::string_view key, const std::string& fallback) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

unsigned cidr_prefix(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return text.find(':') == std::string_view::npos ? 32 : 128;
  unsigned n = 0;
  for (char c : text.substr(slash + 1)) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + unsigned(c - '0');
    if (n > 128) return 128;
  }
  return n;
}

std::optional<core::AddressSet> Reader::cidr_text(const std::string& text, const std::string& pointer,
                                                  std::optional<core::Family> family) {
  auto r = core::AddressSet::parse(text, /*strict=*/false);
  bool one_block =
      r.set && text.find('-') == std::string::npos && text != "any" && text != "any4" && text != "any6";
  if (!r.set || !one_block) {
    error(pointer, fmt::format("`{}` is not a CIDR block{}", text, r.error.empty() ? "" : ": " + r.error));
    return std::nullopt;
  }
  if (family && !(r.set->only(*family) == *r.set)) {
    error(pointer,
          fmt::format("`{}` is not an {} block", text, *family == core::Family::V4 ? "IPv4" : "IPv6"));
    return std::nullopt;
  }
  return r.set;
}

std::optional<core::AddressSet> Reader::cidr(const Json& obj, const std::string& pointer,
                                             std::string_view key, bool required,
                                             std::optional<core::Family> family) {
  auto s = string(obj, pointer, key, required);
  if (!s) return std::nullopt;
  return cidr_text(*s, pointer_child(pointer, key), family);
}

std::optional<core::Address> Reader::address(const Json& obj, const std::string& pointer,
                                             std::string_view key, bool required,
                                             std::optional<core::Family> family) {
  auto s = string(obj, pointer, key, required);
  if (!s) return std::nullopt;
  auto a = core::Address::parse(*s);
  if (!a || (family && a->family != *family)) {
    error(pointer_child(pointer, key),
          fmt::format("`{}` is not an {} address", *s,
                      family ? (*family == core::Family::V4 ? "IPv4" : "IPv6") : "IP"));
    return std::nullopt;
  }
  return a;
}

}  // namespace rampart::importers::aws
