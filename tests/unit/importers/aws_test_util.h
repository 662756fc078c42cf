#pragma once
// Helpers for the AWS family's importer tests: imports through the registry,
// temporary account folders, and admission of concrete packets through the
// core evaluator (must / may over every value of the unknown conditions).

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "rampart/core/evaluator.h"
#include "rampart/core/policy.h"
#include "rampart/importers/registry.h"

namespace rampart::aws_test {

namespace fs = std::filesystem;

inline std::string dump(const core::Diagnostics& diags) {
  std::string out;
  for (const auto& d : diags.sorted()) out += d.to_string() + "\n";
  return out;
}

// Imports PATH (relative to the source tree, or absolute) with FORMAT.
inline core::ImportResult import(const std::string& format, const std::string& path) {
  importers::Registry registry = importers::default_registry();
  core::ImportRequest req;
  req.format = format;
  req.path = fs::path(path).is_absolute() ? path : (fs::path(RAMPART_SOURCE_DIR) / path).string();
  req.display_path = path;
  req.origin = core::Origin::policy("test.rampart", 1, 1);
  return registry.import(req);
}

// A temporary folder of files, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "rampart-aws-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(fs::path(path_) / name, std::ios::binary) << text;
    return (fs::path(path_) / name).string();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::optional<uint32_t> object(const core::ImportResult& r, const std::string& id,
                                      core::ObjectKind kind) {
  for (const auto& o : r.objects)
    if (o.native_id == id && o.kind == kind) return o.index;
  return std::nullopt;
}

inline const core::PacketFilter& filter(const core::ImportResult& r, const std::string& id) {
  auto i = object(r, id, core::ObjectKind::Filter);
  if (!i) throw std::runtime_error("no filter " + id);
  return r.fragment.filters.at(*i);
}

inline core::HostId host(const core::ImportResult& r, const std::string& id) {
  auto i = object(r, id, core::ObjectKind::Host);
  if (!i) throw std::runtime_error("no host " + id);
  return core::HostId(*i);
}

inline core::Packet packet(const std::string& proto, const std::string& src, uint16_t sport,
                           const std::string& dst, uint16_t dport) {
  core::Packet p;
  p.src = *core::Address::parse(src);
  p.dst = *core::Address::parse(dst);
  p.family = p.src.family;
  p.protocol = *core::protocol_by_name(proto);
  if (core::has_icmp(p.protocol)) {
    p.icmp_type = uint8_t(sport);
    p.icmp_code = uint8_t(dport);
  } else if (core::has_ports(p.protocol)) {
    p.src_port = sport;
    p.dst_port = dport;
  }
  return p;
}

// A rule set's decision on one packet: "allow", "deny", or "unknown:KEY".
inline std::string decide(const core::Policy& p, core::RuleSetId rs, const core::Packet& pk) {
  auto r = core::evaluate_rule_set(p, rs, pk, core::HostId{}, {}, "fwd", core::Valuation{});
  if (auto* need = std::get_if<core::AtomNeeded>(&r)) return "unknown:" + need->key;
  return std::get<core::RuleSetOutcome>(r).decision == core::Decision::Allow ? "allow" : "deny";
}

enum class Admission { Yes, No, Maybe };

inline const char* to_string(Admission a) {
  return a == Admission::Yes ? "yes" : a == Admission::No ? "no" : "maybe";
}

// A packet from the network (its source an address) to a host: admitted for
// every value of the unknown conditions (Yes), for none (No), or for some.
inline Admission admits(const core::Policy& p, core::HostId dst, const core::Packet& pk) {
  core::Endpoint src;
  src.kind = core::Endpoint::Kind::Addresses;
  src.addresses = core::AddressSet::of(pk.src);
  core::Destination d;
  d.kind = core::Destination::Kind::Host;
  d.host = dst;
  auto path = core::path_for(p, src, d);
  auto all = core::evaluate_all(p, path, pk);
  size_t yes = 0;
  for (const auto& e : all) yes += e.outcome.admitted ? 1 : 0;
  return yes == all.size() ? Admission::Yes : yes == 0 ? Admission::No : Admission::Maybe;
}

// A packet a host sends (to an address outside the model or to another host).
inline Admission sends(const core::Policy& p, core::HostId from, const core::Packet& pk,
                       std::optional<core::HostId> to = std::nullopt) {
  core::Endpoint src;
  src.kind = core::Endpoint::Kind::Host;
  src.host = from;
  src.addresses = p.host(from).addresses();
  core::Destination d;
  if (to) {
    d.kind = core::Destination::Kind::Host;
    d.host = *to;
  } else {
    d.kind = core::Destination::Kind::Addresses;
    d.addresses = core::AddressSet::of(pk.dst);
  }
  auto path = core::path_for(p, src, d);
  auto all = core::evaluate_all(p, path, pk);
  size_t yes = 0;
  for (const auto& e : all) yes += e.outcome.admitted ? 1 : 0;
  return yes == all.size() ? Admission::Yes : yes == 0 ? Admission::No : Admission::Maybe;
}

// Diagnostics as `ORIGIN CODE` lines, sorted.
inline std::vector<std::string> codes(const core::Diagnostics& diags, core::Severity severity) {
  std::vector<std::string> out;
  for (const auto& d : diags.sorted())
    if (d.severity == severity) out.push_back(d.origin.to_string() + " " + d.code);
  return out;
}

}  // namespace rampart::aws_test
