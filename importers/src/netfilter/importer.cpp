// The netfilter importers behind the registry: read the file and its
// companions (`PATH.ipset`, `PATH.ipassmt`), parse, lower.

#include <filesystem>

#include "ir.h"
#include "line_source.h"
#include "rampart/importers/netfilter.h"

namespace rampart::importers {
namespace {

NetfilterCompanions companions_for(const core::ImportRequest& request, core::Diagnostics& diags) {
  NetfilterCompanions c;
  std::error_code ec;
  for (const char* ext : {".ipset", ".ipassmt"}) {
    std::string path = request.path + ext;
    if (!std::filesystem::exists(path, ec)) continue;
    auto text = read_native_file(path, request.origin, diags);
    if (!text) continue;
    if (std::string(ext) == ".ipset") {
      c.ipset_text = std::move(*text);
      c.ipset_file = request.display_path + ext;
    } else {
      c.ipassmt_text = std::move(*text);
      c.ipassmt_file = request.display_path + ext;
    }
  }
  return c;
}

class IptablesSaveImporter : public Importer {
 public:
  explicit IptablesSaveImporter(core::Family family) : family_(family) {}
  std::string format() const override {
    return family_ == core::Family::V4 ? "netfilter.iptables-save" : "netfilter.ip6tables-save";
  }
  std::string description() const override {
    return family_ == core::Family::V4 ? "iptables-save output (docs/importers/netfilter.md)"
                                       : "ip6tables-save output (docs/importers/netfilter.md)";
  }
  core::ImportResult import(const core::ImportRequest& request) const override {
    core::ImportResult out;
    if (!check_native_file(request.path, request.origin, out.diagnostics)) return out;
    auto companions = companions_for(request, out.diagnostics);
    if (out.diagnostics.has_errors()) return out;
    // Read line by line from the file: a 1 GB dump is never held whole.
    out = read_iptables_save_file(request.path, request.display_path, family_, companions);
    out.fragment.source_files.push_back(request.display_path);
    return out;
  }

 private:
  core::Family family_;
};

class NftImporter : public Importer {
 public:
  std::string format() const override { return "netfilter.nft"; }
  std::string description() const override {
    return "`nft list ruleset` output (docs/importers/netfilter.md)";
  }
  core::ImportResult import(const core::ImportRequest& request) const override {
    core::ImportResult out;
    auto text = read_native_file(request.path, request.origin, out.diagnostics);
    if (!text) return out;
    auto companions = companions_for(request, out.diagnostics);
    if (out.diagnostics.has_errors()) return out;
    out = parse_nft_ruleset(*text, request.display_path, companions);
    out.fragment.source_files.push_back(request.display_path);
    return out;
  }
};

}  // namespace

std::unique_ptr<Importer> make_iptables_save_importer(core::Family family) {
  return std::make_unique<IptablesSaveImporter>(family);
}
std::unique_ptr<Importer> make_nft_importer() {
  return std::make_unique<NftImporter>();
}

}  // namespace rampart::importers
