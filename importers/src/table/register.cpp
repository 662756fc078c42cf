#include "families.h"
#include "rampart/importers/table.h"

namespace rampart::importers {

void register_table(Registry& r) { r.add(make_rules_csv_importer()); }

}  // namespace rampart::importers
