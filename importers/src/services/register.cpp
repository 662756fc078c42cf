#include "families.h"

namespace rampart::importers {

// The services importers register here as they are written.
void register_services(Registry& r) { (void)r; }

}  // namespace rampart::importers
