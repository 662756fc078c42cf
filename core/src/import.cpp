#include "rampart/core/import.h"

namespace rampart::core {

std::string object_kind_name(ObjectKind k) {
  switch (k) {
    case ObjectKind::Filter: return "filter";
    case ObjectKind::Zone: return "zone";
    case ObjectKind::Host: return "host";
    case ObjectKind::Service: return "service";
    case ObjectKind::User: return "user";
    case ObjectKind::Group: return "group";
  }
  return "object";
}

}  // namespace rampart::core
