#pragma once
// Helpers shared by the language's unit tests: loading policy text with the
// importers rampart ships, temporary folders for includes and imports, and
// diagnostics reduced to `FILE:LINE:COL CODE` so tests state exactly where a
// mistake is reported.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "rampart/core/diagnostic.h"
#include "rampart/core/policy.h"
#include "rampart/dsl/frontend.h"
#include "rampart/importers/registry.h"

namespace rampart::testing {

// A fresh folder under the system temporary folder, removed at the end.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rampart-dsl-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

  // Writes `content` to `relative` (creating folders) and returns its full path.
  std::string write(const std::string& relative, std::string_view content) const {
    auto p = path_ / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << content;
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

// Diagnostics as `FILE:LINE:COL CODE`, sorted, with `strip` removed from the
// front of every path (so temporary folders do not show).
inline std::vector<std::string> located_codes(const core::Diagnostics& diags, const std::string& strip = {}) {
  std::vector<std::string> out;
  for (const auto& d : diags.sorted()) {
    std::string where = d.origin.to_string();
    if (!strip.empty() && where.rfind(strip, 0) == 0) where = where.substr(strip.size());
    out.push_back(where + " " + d.code);
  }
  return out;
}

// Every diagnostic as the user sees it (`FILE:LINE:COL: error: message [CODE]`
// and its notes), for failure messages.
inline std::string dump(const core::Diagnostics& diags) {
  std::string out;
  for (const auto& d : diags.sorted()) out += d.to_string() + "\n";
  return out;
}

// Loads policy text named `p.rampart` (relative paths resolve against
// `base_dir`) with the importers rampart ships.
inline dsl::PolicyLoad load(std::string_view text, const std::string& base_dir = {}) {
  static const importers::Registry registry = importers::default_registry();
  return dsl::load_policy_text(text, "p.rampart", base_dir, registry);
}

// Loads text that must bind without any error.
inline core::Policy load_ok(std::string_view text, const std::string& base_dir = {}) {
  auto l = load(text, base_dir);
  EXPECT_TRUE(l.policy.has_value()) << dump(l.diagnostics);
  EXPECT_FALSE(l.diagnostics.has_errors()) << dump(l.diagnostics);
  if (!l.policy) return core::Policy{};
  return std::move(*l.policy);
}

// Loads text that must fail; returns its diagnostics as `FILE:LINE:COL CODE`.
inline std::vector<std::string> load_errors(std::string_view text, const std::string& base_dir = {}) {
  auto l = load(text, base_dir);
  EXPECT_FALSE(l.policy.has_value());
  EXPECT_TRUE(l.diagnostics.has_errors());
  std::string strip = base_dir.empty() ? std::string() : base_dir + "/";
  return located_codes(l.diagnostics, strip);
}

inline core::AddressSet addrs(std::string_view text) {
  auto r = core::AddressSet::parse(text);
  if (!r.set) throw std::runtime_error("bad address set in a test: " + std::string(text));
  return *r.set;
}

inline const core::Zone& zone(const core::Policy& p, std::string_view name) {
  auto id = p.find_zone(name);
  if (!id) throw std::runtime_error("no zone " + std::string(name));
  return p.zones.at(id->index());
}

inline const core::Host& host(const core::Policy& p, std::string_view name) {
  auto id = p.find_host(name);
  if (!id) throw std::runtime_error("no host " + std::string(name));
  return p.host(*id);
}

inline const core::PacketFilter& filter(const core::Policy& p, std::string_view name) {
  for (const auto& f : p.filters) {
    if (f.name == name) return f;
  }
  throw std::runtime_error("no filter " + std::string(name));
}

inline const std::vector<core::Rule>& rules(const core::Policy& p, std::string_view filter_name) {
  return p.rule_set(filter(p, filter_name).inbound).rules();
}

}  // namespace rampart::testing
