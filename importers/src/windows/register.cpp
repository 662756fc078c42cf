#include "families.h"

namespace rampart::importers {

// The windows importers register here as they are written.
void register_windows(Registry& r) { (void)r; }

}  // namespace rampart::importers
