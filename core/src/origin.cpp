#include "rampart/core/origin.h"

#include <fmt/format.h>

namespace rampart::core {

std::string Origin::to_string() const {
  switch (kind) {
    case Kind::None:
      return file.empty() ? "<builtin>" : file;
    case Kind::Policy:
    case Kind::NativeLine:
      if (line == 0) return file;
      if (column == 0) return fmt::format("{}:{}", file, line);
      return fmt::format("{}:{}:{}", file, line, column);
    case Kind::NativeJson:
      if (line != 0) return fmt::format("{}:{} ({})", file, line, json_pointer.empty() ? "/" : json_pointer);
      return fmt::format("{}#{}", file, json_pointer.empty() ? "/" : json_pointer);
    case Kind::NativeRule: {
      std::string id = native_id.empty() ? native_name : native_id;
      if (line != 0) return fmt::format("{}:{} [{}]", file, line, id);
      return fmt::format("{}[{}]", file, id);
    }
  }
  return file;
}

std::string Origin::kind_name() const {
  switch (kind) {
    case Kind::None: return "none";
    case Kind::Policy: return "policy";
    case Kind::NativeLine: return "native-line";
    case Kind::NativeJson: return "native-json";
    case Kind::NativeRule: return "native-rule";
  }
  return "none";
}

}  // namespace rampart::core
