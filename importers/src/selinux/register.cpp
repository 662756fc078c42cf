// The SELinux importers (docs/importers/selinux.md). Each returns one
// HostFacts without a host; an import inside a host block attaches it there.

#include <fmt/format.h>

#include <filesystem>

#include "families.h"
#include "rampart/importers/selinux.h"

namespace rampart::importers {

namespace {

namespace sel = core::selinux;

core::ImportResult with_facts(const core::ImportRequest& request, sel::HostFacts facts,
                              core::Diagnostics diags) {
  core::ImportResult out;
  out.diagnostics = std::move(diags);
  facts.origin = request.origin;
  out.fragment.selinux.push_back(std::move(facts));
  out.fragment.source_files.push_back(request.display_path);
  return out;
}

class CompiledPolicyImporter : public Importer {
 public:
  std::string format() const override { return "selinux.policy"; }
  std::string description() const override { return "a compiled SELinux policy, policy.NN (libsepol)"; }
  core::ImportResult import(const core::ImportRequest& request) const override {
    core::Diagnostics diags;
    auto bytes = read_native_file(request.path, request.origin, diags);
    if (!bytes) return core::ImportResult{{}, {}, {}, diags};
    sel::HostFacts facts;
    facts.policy = read_compiled_policy(*bytes, request.display_path, request.origin, diags);
    if (!facts.policy) return core::ImportResult{{}, {}, {}, diags};
    return with_facts(request, std::move(facts), std::move(diags));
  }
};

// file_contexts, with the files libselinux reads next to it: .homedirs and
// .local (appended, in that order), .subs_dist and .subs (path aliases).
class FileContextsImporter : public Importer {
 public:
  std::string format() const override { return "selinux.file_contexts"; }
  std::string description() const override {
    return "file_contexts with its .homedirs, .local, .subs and .subs_dist companions";
  }
  core::ImportResult import(const core::ImportRequest& request) const override {
    core::Diagnostics diags;
    auto text = read_native_file(request.path, request.origin, diags);
    if (!text) return core::ImportResult{{}, {}, {}, diags};
    sel::HostFacts facts;
    facts.file_contexts = parse_file_contexts(*text, request.display_path, diags);
    std::error_code ec;
    for (const char* suffix : {".homedirs", ".local"}) {
      std::string path = request.path + suffix;
      if (!std::filesystem::is_regular_file(path, ec)) continue;
      auto more = read_native_file(path, request.origin, diags);
      if (!more) continue;
      auto specs = parse_file_contexts(*more, request.display_path + suffix, diags);
      facts.file_contexts.insert(facts.file_contexts.end(), specs.begin(), specs.end());
    }
    if (std::filesystem::is_regular_file(request.path + ".subs_dist", ec)) {
      if (auto s = read_native_file(request.path + ".subs_dist", request.origin, diags))
        facts.subs_dist = parse_substitutions(*s, request.display_path + ".subs_dist", diags);
    }
    if (std::filesystem::is_regular_file(request.path + ".subs", ec)) {
      if (auto s = read_native_file(request.path + ".subs", request.origin, diags))
        facts.subs = parse_substitutions(*s, request.display_path + ".subs", diags);
    }
    return with_facts(request, std::move(facts), std::move(diags));
  }
};

template <typename Parse, typename Field>
class TextImporter : public Importer {
 public:
  TextImporter(std::string format, std::string description, Parse parse, Field field)
      : format_(std::move(format)), description_(std::move(description)), parse_(parse), field_(field) {}
  std::string format() const override { return format_; }
  std::string description() const override { return description_; }
  core::ImportResult import(const core::ImportRequest& request) const override {
    core::Diagnostics diags;
    auto text = read_native_file(request.path, request.origin, diags);
    if (!text) return core::ImportResult{{}, {}, {}, diags};
    sel::HostFacts facts;
    facts.*field_ = parse_(*text, request.display_path, diags);
    return with_facts(request, std::move(facts), std::move(diags));
  }

 private:
  std::string format_, description_;
  Parse parse_;
  Field field_;
};

template <typename Parse, typename Field>
std::unique_ptr<Importer> text_importer(std::string format, std::string description, Parse parse,
                                        Field field) {
  return std::make_unique<TextImporter<Parse, Field>>(std::move(format), std::move(description), parse,
                                                      field);
}

}  // namespace

void register_selinux(Registry& r) {
  r.add(std::make_unique<CompiledPolicyImporter>());
  r.add(std::make_unique<FileContextsImporter>());
  r.add(text_importer("selinux.labels", "on-disk SELinux labels: ls -Z, ls -lZ or stat -c '%C %n' output",
                      &parse_label_snapshot, &sel::HostFacts::labels));
  r.add(text_importer("selinux.booleans", "SELinux boolean states: getsebool -a output", &parse_getsebool,
                      &sel::HostFacts::booleans));
  r.add(text_importer("selinux.processes", "process labels: ps -eZ output", &parse_ps_z,
                      &sel::HostFacts::processes));
}

}  // namespace rampart::importers
