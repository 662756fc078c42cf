#pragma once
// The file-tree snapshot parsers over lines from memory or from a file read
// in chunks (snapshots.cpp; the text versions are in rampart/importers/linux.h).

#include <string>

#include "line_source.h"
#include "rampart/core/import.h"

namespace rampart::importers {

core::ImportResult read_find(LineSource& lines, const std::string& file);  // lines end at NUL or `\n`
core::ImportResult read_stat(LineSource& lines, const std::string& file);
core::ImportResult read_ls(LineSource& lines, const std::string& file);
core::ImportResult read_getfacl(LineSource& lines, const std::string& file);

}  // namespace rampart::importers
