#include "families.h"

namespace rampart::importers {

// The linux importers register here as they are written.
void register_linux(Registry& r) { (void)r; }

}  // namespace rampart::importers
