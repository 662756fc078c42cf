#include <filesystem>

#include "families.h"
#include "native.h"
#include "rampart/importers/linux.h"
#include "snapshots.h"

namespace rampart::importers {

namespace {

using Parse = core::ImportResult (*)(std::string_view, const std::string&);

class TextImporter : public Importer {
 public:
  TextImporter(std::string format, std::string description, Parse parse)
      : format_(std::move(format)), description_(std::move(description)), parse_(parse) {}
  std::string format() const override { return format_; }
  std::string description() const override { return description_; }
  core::ImportResult import(const core::ImportRequest& request) const override {
    core::ImportResult out;
    auto text = read_native_file(request.path, request.origin, out.diagnostics);
    if (!text) return out;
    out = parse_(*text, request.display_path);
    out.fragment.source_files.push_back(request.display_path);
    return out;
  }

 private:
  std::string format_, description_;
  Parse parse_;
};

// A file-tree snapshot, read line by line from the file (bounded memory).
class SnapshotImporter : public Importer {
 public:
  using Read = core::ImportResult (*)(LineSource&, const std::string&);
  SnapshotImporter(std::string format, std::string description, Read read, bool nul_lines = false)
      : format_(std::move(format)),
        description_(std::move(description)),
        read_(read),
        nul_lines_(nul_lines) {}
  std::string format() const override { return format_; }
  std::string description() const override { return description_; }
  core::ImportResult import(const core::ImportRequest& request) const override {
    core::ImportResult out;
    if (!check_native_file(request.path, request.origin, out.diagnostics)) return out;
    // find -printf '...\0' ends its lines at NUL bytes when there is one.
    bool nul = nul_lines_ && file_contains(request.path, '\0');
    LineSource lines(request.path, LineSource::Options{nul ? '\0' : '\n'});
    if (!lines.ok()) {
      read_native_file(request.path, request.origin, out.diagnostics);  // says why
      return out;
    }
    out = read_(lines, request.display_path);
    out.fragment.source_files.push_back(request.display_path);
    return out;
  }

 private:
  std::string format_, description_;
  Read read_;
  bool nul_lines_;
};

class HostImporter : public Importer {
 public:
  std::string format() const override { return "linux.host"; }
  std::string description() const override {
    return "a folder written by `rampart collect` (docs/importers/linux-host.md)";
  }
  core::ImportResult import(const core::ImportRequest& request) const override {
    return import_host_folder(request.path, request.display_path, request.origin);
  }
};

}  // namespace

void register_linux(Registry& r) {
  r.add(std::make_unique<TextImporter>("linux.passwd", "/etc/passwd (docs/importers/linux-accounts.md)",
                                       parse_passwd));
  r.add(std::make_unique<TextImporter>("linux.group", "/etc/group (docs/importers/linux-accounts.md)",
                                       parse_group));
  r.add(std::make_unique<SnapshotImporter>(
      "linux.find", "find -printf '%m %U %G %y %p\\n' (docs/importers/linux-snapshots.md)", read_find, true));
  r.add(std::make_unique<SnapshotImporter>(
      "linux.stat", "stat -c '%a %u %g %F %n' (docs/importers/linux-snapshots.md)", read_stat));
  r.add(std::make_unique<SnapshotImporter>("linux.ls", "ls -lnRa (docs/importers/linux-snapshots.md)",
                                           read_ls));
  r.add(std::make_unique<SnapshotImporter>(
      "linux.getfacl", "getfacl -R -n -p (docs/importers/linux-snapshots.md)", read_getfacl));
  r.add(std::make_unique<TextImporter>("linux.ss", "ss -ltnupH (docs/importers/linux-ss.md)", parse_ss));
  r.add(std::make_unique<TextImporter>("linux.mounts", "/proc/mounts (docs/importers/linux-mounts.md)",
                                       parse_mounts));
  r.add(std::make_unique<HostImporter>());
}

}  // namespace rampart::importers
