#include "families.h"

namespace rampart::importers {

// The aws importers register here as they are written.
void register_aws(Registry& r) { (void)r; }

}  // namespace rampart::importers
