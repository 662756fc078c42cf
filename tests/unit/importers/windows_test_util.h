#pragma once
// Helpers for the Windows importers' tests: reading fixtures, turning UTF-8
// text into what `reg export` writes (UTF-16LE, byte order mark, CRLF), the
// rules of one profile, and concrete decisions of a profile's rule set
// through the core evaluator.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <variant>

#include "rampart/core/evaluator.h"
#include "rampart/core/policy.h"
#include "rampart/importers/registry.h"
#include "rampart/importers/windows.h"

namespace rampart::windows_test {

namespace fs = std::filesystem;

inline std::string dump(const core::Diagnostics& diags) {
  std::string out;
  for (const auto& d : diags.sorted()) out += d.to_string() + "\n";
  return out;
}

// `FILE:LINE [id] CODE` of every diagnostic, sorted.
inline std::vector<std::string> codes_of(const core::Diagnostics& diags, core::Severity severity) {
  std::vector<std::string> out;
  for (const auto& d : diags.sorted()) {
    if (d.severity == severity) out.push_back(d.origin.to_string() + " " + d.code);
  }
  return out;
}

inline std::string read(const std::string& relative) {
  std::ifstream in(fs::path(RAMPART_SOURCE_DIR) / relative, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// UTF-8 text as `reg export` writes it: UTF-16LE with a byte order mark and
// CRLF line ends (code points above U+FFFF as surrogate pairs).
inline std::string as_reg_export(std::string_view utf8) {
  std::string out = "\xFF\xFE";
  auto put = [&](uint32_t u) {
    out += char(u & 0xFF);
    out += char(u >> 8);
  };
  for (size_t i = 0; i < utf8.size();) {
    auto c = uint8_t(utf8[i]);
    uint32_t cp = c;
    size_t n = 1;
    if (c >= 0xF0)
      cp = c & 0x07, n = 4;
    else if (c >= 0xE0)
      cp = c & 0x0F, n = 3;
    else if (c >= 0xC0)
      cp = c & 0x1F, n = 2;
    for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (uint8_t(utf8[i + k]) & 0x3F);
    i += n;
    if (cp == '\n') put('\r');
    if (cp >= 0x10000) {
      put(0xD800 + ((cp - 0x10000) >> 10));
      put(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      put(cp);
    }
  }
  return out;
}

inline const core::PacketFilter* profile(const core::ImportResult& r, const std::string& id) {
  for (const auto& o : r.objects) {
    if (o.kind == core::ObjectKind::Filter && o.native_id == id) return &r.fragment.filters.at(o.index);
  }
  return nullptr;
}

inline const core::RuleSet& rules_of(const core::ImportResult& r, const std::string& id, bool inbound) {
  const core::PacketFilter* f = profile(r, id);
  EXPECT_NE(f, nullptr) << id;
  static const core::RuleSet kEmpty;
  if (!f) return kEmpty;
  return r.fragment.rule_set(inbound ? f->inbound : f->outbound);
}

// The core rules that came from one Windows rule (by rule id).
inline std::vector<const core::Rule*> rules_with_id(const core::ImportResult& r,
                                                    const std::string& profile_id, bool inbound,
                                                    const std::string& rule_id) {
  std::vector<const core::Rule*> out;
  for (const auto& rule : rules_of(r, profile_id, inbound).rules()) {
    if (rule.origin.native_id == rule_id) out.push_back(&rule);
  }
  return out;
}

inline std::vector<std::string> condition_names(const core::Policy& p, const core::Rule& rule) {
  std::vector<std::string> out;
  for (auto c : rule.match.unknowns) out.push_back(p.condition(c).name);
  return out;
}

inline core::Packet tcp(const std::string& src, const std::string& dst, uint16_t dport,
                        uint16_t sport = 40000, uint8_t protocol = core::proto::kTcp) {
  core::Packet p;
  p.src = *core::Address::parse(src);
  p.dst = *core::Address::parse(dst);
  p.family = p.src.family;
  p.protocol = protocol;
  p.src_port = sport;
  p.dst_port = dport;
  return p;
}

inline core::Packet icmp(const std::string& src, const std::string& dst, uint8_t type, uint8_t code,
                         bool v6 = false) {
  core::Packet p;
  p.src = *core::Address::parse(src);
  p.dst = *core::Address::parse(dst);
  p.family = p.src.family;
  p.protocol = v6 ? core::proto::kIcmpV6 : core::proto::kIcmp;
  p.icmp_type = type;
  p.icmp_code = code;
  return p;
}

// What one profile's rule set decides for a packet, with no host (every
// symbol unknown) and the given local attributes: "allow", "deny", or
// "unknown:ATOM" when an atom the valuation leaves open is consulted.
struct Decided {
  std::string what;
  std::string rule;  // the deciding rule's id, or "default"
};
inline Decided decide(const core::ImportResult& r, const std::string& profile_id, bool inbound,
                      const core::Packet& p, const std::map<std::string, std::string>& attributes = {},
                      const core::Valuation& valuation = {}) {
  const core::PacketFilter* f = profile(r, profile_id);
  if (!f) return {"no profile", ""};
  auto out = core::evaluate_rule_set(r.fragment, inbound ? f->inbound : f->outbound, p, core::HostId{},
                                     attributes, "fwd", valuation);
  if (auto* need = std::get_if<core::AtomNeeded>(&out)) return {"unknown:" + need->key, ""};
  const auto& o = std::get<core::RuleSetOutcome>(out);
  std::string rule = "default";
  if (o.rule) rule = r.fragment.rule(*o.rule).origin.native_id;
  return {o.decision == core::Decision::Allow ? "allow" : "deny", rule};
}

}  // namespace rampart::windows_test
