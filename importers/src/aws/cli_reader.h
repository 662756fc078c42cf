#pragma once
// The AWS CLI reader (cli_reader.cpp).

#include <string>
#include <string_view>

#include "json_util.h"
#include "model.h"
#include "rampart/importers/registry.h"

namespace rampart::importers::aws {

// Reads one parsed `aws ec2 describe-...` output into the inventory. Returns
// whether the document held any output rampart reads. `file_name` names
// the prefix list of a `get-managed-prefix-list-entries` output.
bool read_cli_json(const Json& root, Reader& reader, Inventory& inventory, const std::string& file_name);

// One document in memory (what a folder import does for each file).
core::ImportResult parse_cli(std::string_view text, const std::string& file);

// `import aws.account "PATH"`: PATH is one JSON file or a folder of them.
core::ImportResult import_cli(const core::ImportRequest& request);

// UTF-16LE text with a byte order mark (PowerShell's `>`) as UTF-8; other
// text unchanged.
std::string decode_text(const std::string& text);

}  // namespace rampart::importers::aws
