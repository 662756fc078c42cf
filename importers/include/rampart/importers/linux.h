#pragma once
// Linux host importers (docs/importers/linux-*.md) and the services importers
// (docs/importers/services-*.md): what a host's own files say about its users,
// groups, file tree, listeners and the services that run on it. Every parse_*
// function reads text already in memory; `file` names it in diagnostics.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rampart/importers/registry.h"

namespace rampart::importers {

// Where an importer finds the files a file includes (nginx `include`,
// supervisord's [include], php-fpm's include=, systemd drop-ins). `root`
// maps the host's absolute paths to a copy (a collected folder); empty
// means the live file system.
class FileSource {
 public:
  virtual ~FileSource() = default;
  // Paths matching a shell glob (`*`, `?`, `[...]` within a component), sorted.
  virtual std::vector<std::string> glob(const std::string& pattern) const = 0;
  virtual std::optional<std::string> read(const std::string& path) const = 0;
};

// The real file system; absolute paths are looked up under `root` when given.
std::unique_ptr<FileSource> disk_source(std::string root = {});
// Files held in memory (tests and fuzzing).
std::unique_ptr<FileSource> memory_source(std::vector<std::pair<std::string, std::string>> files);

// linux.*
core::ImportResult parse_passwd(std::string_view text, const std::string& file);
core::ImportResult parse_group(std::string_view text, const std::string& file);
core::ImportResult parse_find(std::string_view text, const std::string& file);
core::ImportResult parse_stat(std::string_view text, const std::string& file);
core::ImportResult parse_ls(std::string_view text, const std::string& file);
core::ImportResult parse_getfacl(std::string_view text, const std::string& file);
core::ImportResult parse_ss(std::string_view text, const std::string& file);
core::ImportResult parse_mounts(std::string_view text, const std::string& file);
// A folder written by `rampart collect` (its manifest.json names the files).
core::ImportResult import_host_folder(const std::string& dir, const std::string& display_dir,
                                      const core::Origin& where);

// services.*: `includes` (may be null) serves included files; `base` is the
// directory relative include paths start from.
core::ImportResult parse_supervisor(std::string_view text, const std::string& file,
                                    const FileSource* includes, const std::string& base);
core::ImportResult parse_systemd(std::string_view text, const std::string& file,
                                 const std::vector<std::pair<std::string, std::string>>& dropins = {});
core::ImportResult parse_nginx(std::string_view text, const std::string& file, const FileSource* includes,
                               const std::string& base);
core::ImportResult parse_phpfpm(std::string_view text, const std::string& file, const FileSource* includes,
                                const std::string& base);
// `project_dir`: the host folder the compose file is in (relative bind
// sources start there).
core::ImportResult parse_compose(std::string_view text, const std::string& file,
                                 const std::string& project_dir = "/");

// The name a native service gets in the policy language: unit, program or
// pool names with characters a name cannot hold (`.`, `@`, `:`) get `_`.
std::string policy_name(std::string_view native);

// `rampart collect`: gathers the files and command outputs the linux.host
// importer reads into `out` (docs/importers/linux-host.md). Never opens a
// socket. Returns the number of items that failed; `log` gets one line per item.
struct CollectOptions {
  std::string out;
  std::vector<std::string> roots{"/"};  // file-tree snapshots start here (find -xdev)
  std::string sysroot;                  // read the host's files under this folder (tests)
};
int collect_host(const CollectOptions& options, std::ostream& log);

}  // namespace rampart::importers
