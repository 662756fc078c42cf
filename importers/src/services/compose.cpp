// services.compose: docker compose files (docs/importers/services-compose.md).

#include "../linux/native.h"
#include "rampart/importers/linux.h"

namespace rampart::importers {

core::ImportResult parse_compose(std::string_view text, const std::string& file) {
  core::ImportResult r;
  (void)text;
  r.diagnostics.error("RP3405", core::Origin::native_line(file, 1), "compose files are not read yet");
  return r;
}

}  // namespace rampart::importers
