#include "rampart/core/atoms.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace rampart::core {

std::string condition_atom(const std::string& occurrence, const std::string& condition_name) {
  return fmt::format("{}/cond:{}", occurrence, condition_name);
}

std::string symbol_atom(const std::string& occurrence, const std::string& host, const std::string& symbol,
                        const char* field) {
  return fmt::format("{}/sym:{}:{}:{}", occurrence, host, symbol, field);
}

std::string attribute_atom(const std::string& occurrence, const std::string& host, const AttributeMatch& m) {
  std::vector<std::string> values;
  for (const auto& v : m.values) {
    std::string lower;
    for (char c : v) lower += char(std::tolower(static_cast<unsigned char>(c)));
    values.push_back(lower);
  }
  std::sort(values.begin(), values.end());
  return fmt::format("{}/attr:{}:{}{}{}", occurrence, host, m.attribute, m.negated ? "!=" : "=",
                     fmt::join(values, ","));
}

std::string interface_atom(const std::string& occurrence, const std::string& host, const char* which,
                           const InterfaceMatch& m) {
  std::vector<std::string> names = m.names;
  std::sort(names.begin(), names.end());
  return fmt::format("{}/iface:{}:{}{}{}", occurrence, host, which, m.negated ? "!=" : "=", fmt::join(names, ","));
}

}  // namespace rampart::core
