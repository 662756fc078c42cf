#include "families.h"

namespace rampart::importers {

// The selinux importers register here as they are written.
void register_selinux(Registry& r) { (void)r; }

}  // namespace rampart::importers
