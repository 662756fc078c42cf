#include "families.h"

namespace rampart::importers {

// The netfilter importers register here as they are written.
void register_netfilter(Registry& r) { (void)r; }

}  // namespace rampart::importers
