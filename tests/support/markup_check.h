#pragma once
// A strict well-formedness check of HTML written the XML way (every element
// closed, attribute values quoted, entities well formed, no stray `<`), for
// the exporters' tests: HTML5's void elements need no end tag, and SVG
// elements may close themselves. Returns an empty string when the markup is
// well formed, else what is wrong and where.

#include <cctype>
#include <set>
#include <string>
#include <vector>

namespace rampart::testing {

inline std::string markup_problem(const std::string& s) {
  static const std::set<std::string> kVoid = {"meta", "br", "hr", "img", "link", "input", "wbr", "col"};
  std::vector<std::string> open;
  auto where = [&](size_t i) { return " at offset " + std::to_string(i); };
  auto check_entity = [&](size_t i) -> std::string {
    size_t end = s.find(';', i);
    if (end == std::string::npos || end - i > 10) return "bad entity" + where(i);
    std::string name = s.substr(i + 1, end - i - 1);
    if (name.empty()) return "empty entity" + where(i);
    if (name[0] == '#') {
      bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
      size_t from = hex ? 2 : 1;
      if (from >= name.size()) return "bad character reference" + where(i);
      for (size_t k = from; k < name.size(); ++k) {
        if (hex ? !std::isxdigit(static_cast<unsigned char>(name[k]))
                : !std::isdigit(static_cast<unsigned char>(name[k])))
          return "bad character reference" + where(i);
      }
      return {};
    }
    static const std::set<std::string> kNamed = {"amp", "lt", "gt", "quot", "apos", "nbsp"};
    if (!kNamed.count(name)) return "unknown entity &" + name + ";" + where(i);
    return {};
  };
  size_t i = 0;
  if (s.rfind("<!DOCTYPE html>", 0) == 0) i = 15;
  while (i < s.size()) {
    char c = s[i];
    if (c == '&') {
      if (auto p = check_entity(i); !p.empty()) return p;
      ++i;
      continue;
    }
    if (c == '>') return "stray `>`" + where(i);
    if (c != '<') {
      ++i;
      continue;
    }
    if (s.compare(i, 4, "<!--") == 0) {
      size_t end = s.find("-->", i + 4);
      if (end == std::string::npos) return "unterminated comment" + where(i);
      i = end + 3;
      continue;
    }
    bool closing = i + 1 < s.size() && s[i + 1] == '/';
    size_t k = i + (closing ? 2 : 1);
    size_t name_start = k;
    while (k < s.size() && (std::isalnum(static_cast<unsigned char>(s[k])) || s[k] == '-' || s[k] == ':'))
      ++k;
    std::string name = s.substr(name_start, k - name_start);
    if (name.empty()) return "stray `<`" + where(i);
    for (auto& ch : name) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    // Attributes: name="value" or name='value'.
    bool self_closing = false;
    while (true) {
      while (k < s.size() && std::isspace(static_cast<unsigned char>(s[k]))) ++k;
      if (k >= s.size()) return "unterminated tag <" + name + where(i);
      if (s[k] == '>') break;
      if (s.compare(k, 2, "/>") == 0) {
        self_closing = true;
        ++k;
        break;
      }
      if (closing) return "attributes on an end tag" + where(k);
      size_t a = k;
      while (k < s.size() &&
             (std::isalnum(static_cast<unsigned char>(s[k])) || s[k] == '-' || s[k] == ':' || s[k] == '_'))
        ++k;
      if (k == a) return "bad attribute" + where(k);
      if (k >= s.size() || s[k] != '=') return "attribute without a quoted value" + where(k);
      ++k;
      if (k >= s.size() || (s[k] != '"' && s[k] != '\'')) return "unquoted attribute value" + where(k);
      char q = s[k++];
      while (k < s.size() && s[k] != q) {
        if (s[k] == '<') return "`<` in an attribute value" + where(k);
        if (s[k] == '&') {
          if (auto p = check_entity(k); !p.empty()) return p;
        }
        ++k;
      }
      if (k >= s.size()) return "unterminated attribute value" + where(a);
      ++k;
    }
    i = k + 1;
    if (closing) {
      if (open.empty() || open.back() != name)
        return "</" + name + "> closes " + (open.empty() ? std::string("nothing") : "<" + open.back() + ">") +
               where(i);
      open.pop_back();
    } else if (!self_closing && !kVoid.count(name)) {
      open.push_back(name);
      if (name == "style" || name == "script") {
        size_t end = s.find("</" + name + ">", i);
        if (end == std::string::npos) return "unterminated <" + name + ">";
        i = end;
      }
    }
  }
  if (!open.empty()) return "<" + open.back() + "> is never closed";
  return {};
}

}  // namespace rampart::testing
