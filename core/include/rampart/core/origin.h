#pragma once
// Where an element of the model came from, so every answer can point back at
// the line, JSON pointer or native rule id that is responsible for it.

#include <fmt/format.h>

#include <compare>
#include <cstdint>
#include <iosfwd>
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

// A short text an origin may carry (a JSON pointer, a native rule's id or
// name): 8 bytes, and no allocation while empty, as it is in most origins;
// an origin is in every rule and file node of a model.
class OriginText {
 public:
  OriginText() = default;
  OriginText(std::string_view text);  // NOLINT(google-explicit-constructor): text converts freely
  OriginText(const std::string& text) : OriginText(std::string_view(text)) {}  // NOLINT
  OriginText(const char* text) : OriginText(std::string_view(text)) {}         // NOLINT
  OriginText(const OriginText& o) : OriginText(o.view()) {}
  OriginText(OriginText&& o) noexcept : data_(o.data_) { o.data_ = nullptr; }
  OriginText& operator=(const OriginText& o) {
    if (this != &o) *this = OriginText(o);
    return *this;
  }
  OriginText& operator=(OriginText&& o) noexcept {
    if (this != &o) {
      delete[] data_;
      data_ = o.data_;
      o.data_ = nullptr;
    }
    return *this;
  }
  ~OriginText() { delete[] data_; }

  std::string_view view() const;
  std::string str() const { return std::string(view()); }
  operator std::string_view() const { return view(); }  // NOLINT: reads as the text it is
  bool empty() const { return data_ == nullptr; }

  friend bool operator==(const OriginText& a, const OriginText& b) { return a.view() == b.view(); }
  friend bool operator==(const OriginText& a, std::string_view b) { return a.view() == b; }
  friend bool operator==(const OriginText& a, const std::string& b) { return a.view() == b; }
  friend bool operator==(const OriginText& a, const char* b) { return a.view() == b; }
  friend std::strong_ordering operator<=>(const OriginText& a, const OriginText& b) {
    return a.view().compare(b.view()) <=> 0;
  }
  friend std::ostream& operator<<(std::ostream& out, const OriginText& t);  // for test messages

 private:
  char* data_ = nullptr;  // a uint32_t length, then the bytes; null when empty
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
  OriginText json_pointer;
  OriginText native_id;
  OriginText native_name;

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
  static Origin native_json(SourceFile file, OriginText pointer) {
    Origin o;
    o.kind = Kind::NativeJson;
    o.file = std::move(file);
    o.json_pointer = std::move(pointer);
    return o;
  }
  static Origin native_rule(SourceFile file, OriginText id, OriginText name = {}) {
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
struct fmt::formatter<rampart::core::OriginText> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(const rampart::core::OriginText& t, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(t.view(), ctx);
  }
};

template <>
struct fmt::formatter<rampart::core::SourceFile> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(const rampart::core::SourceFile& f, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(f.str(), ctx);
  }
};
