#pragma once
// `rules.csv`: rule tables as spreadsheets and simple exporters write them
// (docs/importers/rules-csv.md). Also the importer the language's own tests
// use to exercise imports.

#include <memory>
#include <string_view>

#include "rampart/importers/registry.h"

namespace rampart::importers {

std::unique_ptr<Importer> make_rules_csv_importer();

// Parses the text of a rules.csv file (`file` names it in diagnostics).
core::ImportResult parse_rules_csv(std::string_view text, const std::string& file);

}  // namespace rampart::importers
