#pragma once
// Where an element of the model came from, so every answer can point back at
// the line, JSON pointer or native rule id that is responsible for it.

#include <fmt/format.h>

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace rampart::core {

// The name of the file an origin points into. Names are interned for the
// life of the process: the millions of origins of one large native file share
// one copy of its path, 8 bytes each instead of a string each. Interning is
// thread-safe; reading a name takes no lock.
class SourceFile {
 public:
  SourceFile() = default;             // the empty name
  SourceFile(std::string_view name);  // NOLINT(google-explicit-constructor): a path converts freely
  SourceFile(const std::string& name) : SourceFile(std::string_view(name)) {}  // NOLINT
  SourceFile(const char* name) : SourceFile(std::string_view(name)) {}         // NOLINT

  const std::string& str() const { return name_ ? *name_ : empty_name(); }
  operator const std::string&() const { return str(); }  // NOLINT: reads as the path it is
  bool empty() const { return name_ == nullptr; }
  size_t find(std::string_view what, size_t from = 0) const { return str().find(what, from); }
  size_t rfind(std::string_view what, size_t from = std::string::npos) const {
    return str().rfind(what, from);
  }

  // Interned: equal names are the same string.
  friend bool operator==(const SourceFile& a, const SourceFile& b) { return a.name_ == b.name_; }
  friend bool operator==(const SourceFile& a, std::string_view b) { return a.str() == b; }
  friend bool operator==(const SourceFile& a, const std::string& b) { return a.str() == b; }
  friend bool operator==(const SourceFile& a, const char* b) { return a.str() == b; }
  // By name, not by address, so that sorted output does not depend on the
  // order files were read in.
  friend std::strong_ordering operator<=>(const SourceFile& a, const SourceFile& b) {
    return a.name_ == b.name_ ? std::strong_ordering::equal : a.str().compare(b.str()) <=> 0;
  }

 private:
  static const std::string& empty_name();
  const std::string* name_ = nullptr;  // the empty name
};

struct Origin {
  enum class Kind : uint8_t {
    None,        // synthesised (e.g. an implicit default)
    Policy,      // a policy-language file: line and column
    NativeLine,  // a line-based native file: line (column when known)
    NativeJson,  // a JSON native file: JSON pointer (line when known)
    NativeRule,  // a native rule identified by id and/or name (line when known)
  };
  Kind kind = Kind::None;
  SourceFile file;
  uint32_t line = 0;    // 1-based; 0 = unknown
  uint32_t column = 0;  // 1-based; 0 = unknown
  uint32_t end_line = 0;
  uint32_t end_column = 0;
  std::string json_pointer;
  std::string native_id;
  std::string native_name;

  static Origin policy(SourceFile file, uint32_t line, uint32_t column) {
    Origin o;
    o.kind = Kind::Policy;
    o.file = std::move(file);
    o.line = line;
    o.column = column;
    return o;
  }
  static Origin native_line(SourceFile file, uint32_t line, uint32_t column = 0) {
    Origin o;
    o.kind = Kind::NativeLine;
    o.file = std::move(file);
    o.line = line;
    o.column = column;
    return o;
  }
  static Origin native_json(SourceFile file, std::string pointer) {
    Origin o;
    o.kind = Kind::NativeJson;
    o.file = std::move(file);
    o.json_pointer = std::move(pointer);
    return o;
  }
  static Origin native_rule(SourceFile file, std::string id, std::string name = {}) {
    Origin o;
    o.kind = Kind::NativeRule;
    o.file = std::move(file);
    o.native_id = std::move(id);
    o.native_name = std::move(name);
    return o;
  }

  bool known() const { return kind != Kind::None; }
  // `file:line:col`, `file:line`, `file#/json/pointer`, `file[rule-id]`.
  std::string to_string() const;
  std::string kind_name() const;  // "policy", "native-line", ...

  friend bool operator==(const Origin&, const Origin&) = default;
  friend auto operator<=>(const Origin&, const Origin&) = default;
};

}  // namespace rampart::core

template <>
struct fmt::formatter<rampart::core::SourceFile> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(const rampart::core::SourceFile& f, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(f.str(), ctx);
  }
};
