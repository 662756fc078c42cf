#pragma once
// Helpers for the netfilter importer tests: a host with an imported filter as
// its layers, and concrete packets decided by core's reference evaluator
// (allow / deny / unknown over every value of the unknown conditions).

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "rampart/core/evaluator.h"
#include "rampart/core/policy.h"
#include "rampart/importers/netfilter.h"

namespace rampart::importers::nftest {

inline std::string dump(const core::Diagnostics& diags) {
  std::string out;
  for (const auto& d : diags.sorted()) out += d.to_string() + "\n";
  return out;
}

inline std::string read_data(const std::string& name) {
  std::ifstream in(std::string(RAMPART_SOURCE_DIR) + "/tests/data/netfilter/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `FILE:LINE[:COL] CODE` of every diagnostic of a severity, sorted.
inline std::vector<std::string> codes_of(const core::ImportResult& r, core::Severity s) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.sorted()) {
    if (d.severity == s) out.push_back(d.origin.to_string() + " " + d.code);
  }
  return out;
}

inline core::ImportResult v4(std::string_view text, const NetfilterCompanions& c = {}) {
  return parse_iptables_save(text, "fw.rules", core::Family::V4, c);
}
inline core::ImportResult v6(std::string_view text, const NetfilterCompanions& c = {}) {
  return parse_iptables_save(text, "fw.rules", core::Family::V6, c);
}
inline core::ImportResult nft(std::string_view text, const NetfilterCompanions& c = {}) {
  return parse_nft_ruleset(text, "ruleset.nft", c);
}

struct Pkt {
  std::string proto = "tcp";
  std::string src, dst;
  uint16_t sport = 40000, dport = 0;
  uint8_t type = 0, code = 0;
};
inline Pkt tcp(std::string src, std::string dst, uint16_t dport, uint16_t sport = 40000) {
  return Pkt{"tcp", std::move(src), std::move(dst), sport, dport};
}
inline Pkt udp(std::string src, std::string dst, uint16_t dport, uint16_t sport = 40000) {
  return Pkt{"udp", std::move(src), std::move(dst), sport, dport};
}
inline Pkt icmp(std::string src, std::string dst, uint8_t type, uint8_t code = 0) {
  Pkt p{"icmp", std::move(src), std::move(dst), 0, 0, type, code};
  if (p.src.find(':') != std::string::npos) p.proto = "icmpv6";
  return p;
}

// One host `h` with the import's object as its inbound and outbound layer.
class Harness {
 public:
  Harness(core::ImportResult r, const std::string& object,
          const std::vector<std::pair<std::string, std::string>>& interfaces,
          const std::map<std::string, std::string>& bindings = {}) {
    EXPECT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
    uint32_t index = UINT32_MAX;
    for (const auto& o : r.objects) {
      if (o.native_id == object) index = o.index;
    }
    EXPECT_NE(index, UINT32_MAX) << "no object " << object;
    core::MergeOffsets off = core::merge(policy_, std::move(r.fragment));
    filter_ = core::FilterId(index + off.filters);
    core::Host h;
    h.name = "h";
    for (const auto& [name, address] : interfaces) {
      core::Interface i;
      i.name = name;
      if (!address.empty()) i.addresses.push_back(core::InterfaceAddress{*core::Address::parse(address), 32});
      h.interfaces.push_back(i);
    }
    for (const auto& [sym, set] : bindings) h.bindings[sym] = *core::AddressSet::parse(set).set;
    h.inbound.push_back(core::Layer{{filter_}, {}});
    h.outbound.push_back(core::Layer{{filter_}, {}});
    host_ = policy_.add(h);
  }

  const core::Policy& policy() const { return policy_; }

  // "allow", "deny" or "unknown": the host's layers on a packet arriving
  // from the network (inbound) or leaving the host (outbound).
  std::string in(const Pkt& p) const { return decide(p, true); }
  std::string out(const Pkt& p) const { return decide(p, false); }

 private:
  std::string decide(const Pkt& spec, bool inbound) const {
    core::Packet p;
    auto proto = core::protocol_by_name(spec.proto);
    EXPECT_TRUE(proto) << spec.proto;
    p.protocol = *proto;
    p.src = *core::Address::parse(spec.src);
    p.dst = *core::Address::parse(spec.dst);
    p.family = p.src.family;
    if (core::has_ports(p.protocol)) {
      p.src_port = spec.sport;
      p.dst_port = spec.dport;
    }
    if (core::has_icmp(p.protocol)) {
      p.icmp_type = spec.type;
      p.icmp_code = spec.code;
    }
    core::Endpoint src;
    core::Destination dst;
    if (inbound) {
      dst.host = host_;
    } else {
      src.kind = core::Endpoint::Kind::Host;
      src.host = host_;
      dst.kind = core::Destination::Kind::Addresses;
      dst.addresses = core::AddressSet::any();
    }
    core::NetworkPath path = core::path_for(policy_, src, dst);
    auto all = core::evaluate_all(policy_, path, p);
    int yes = 0, no = 0;
    for (const auto& e : all) (e.outcome.layers_admit ? yes : no)++;
    if (no == 0) return "allow";
    if (yes == 0) return "deny";
    return "unknown";
  }

  core::Policy policy_;
  core::FilterId filter_;
  core::HostId host_;
};

}  // namespace rampart::importers::nftest
