#include "families.h"
#include "rampart/importers/netfilter.h"

namespace rampart::importers {

void register_netfilter(Registry& r) {
  r.add(make_iptables_save_importer(core::Family::V4));
  r.add(make_iptables_save_importer(core::Family::V6));
  r.add(make_nft_importer());
}

}  // namespace rampart::importers
