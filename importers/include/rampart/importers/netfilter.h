#pragma once
// Linux netfilter: `iptables-save` / `ip6tables-save` output and `nft list
// ruleset` output (docs/importers/netfilter.md). Each import yields the
// filters `filter` (input and output paths, for the host itself) and
// `forward` (the forward path, for hosts behind it), and a zone per ipset of
// addresses.

#include <memory>
#include <string>
#include <string_view>

#include "rampart/core/address.h"
#include "rampart/importers/registry.h"

namespace rampart::importers {

// Companion inputs: `ipset save` output and an interface map (ipassmt), as
// text, with the file names diagnostics show. Empty text: none.
struct NetfilterCompanions {
  std::string ipset_text;
  std::string ipset_file;
  std::string ipassmt_text;
  std::string ipassmt_file;
};

// `family` V4 reads iptables-save output, V6 ip6tables-save output.
core::ImportResult parse_iptables_save(std::string_view text, const std::string& file, core::Family family,
                                       const NetfilterCompanions& companions = {});
core::ImportResult parse_nft_ruleset(std::string_view text, const std::string& file,
                                     const NetfilterCompanions& companions = {});

// Formats `netfilter.iptables-save`, `netfilter.ip6tables-save`, `netfilter.nft`.
std::unique_ptr<Importer> make_iptables_save_importer(core::Family family);
std::unique_ptr<Importer> make_nft_importer();

}  // namespace rampart::importers
