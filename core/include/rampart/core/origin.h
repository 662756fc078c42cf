#pragma once
// Where an element of the model came from, so every answer can point back at
// the line, JSON pointer or native rule id that is responsible for it.

#include <cstdint>
#include <string>

namespace rampart::core {

struct Origin {
  enum class Kind : uint8_t {
    None,        // synthesised (e.g. an implicit default)
    Policy,      // a policy-language file: line and column
    NativeLine,  // a line-based native file: line (column when known)
    NativeJson,  // a JSON native file: JSON pointer (line when known)
    NativeRule,  // a native rule identified by id and/or name (line when known)
  };
  Kind kind = Kind::None;
  std::string file;
  uint32_t line = 0;    // 1-based; 0 = unknown
  uint32_t column = 0;  // 1-based; 0 = unknown
  uint32_t end_line = 0;
  uint32_t end_column = 0;
  std::string json_pointer;
  std::string native_id;
  std::string native_name;

  static Origin policy(std::string file, uint32_t line, uint32_t column) {
    Origin o;
    o.kind = Kind::Policy;
    o.file = std::move(file);
    o.line = line;
    o.column = column;
    return o;
  }
  static Origin native_line(std::string file, uint32_t line, uint32_t column = 0) {
    Origin o;
    o.kind = Kind::NativeLine;
    o.file = std::move(file);
    o.line = line;
    o.column = column;
    return o;
  }
  static Origin native_json(std::string file, std::string pointer) {
    Origin o;
    o.kind = Kind::NativeJson;
    o.file = std::move(file);
    o.json_pointer = std::move(pointer);
    return o;
  }
  static Origin native_rule(std::string file, std::string id, std::string name = {}) {
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
