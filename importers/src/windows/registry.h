#pragma once
// Registry content of the Windows Firewall policy stores, whether read from
// a `.reg` export or from a `.wfw` hive: keys are classified by path and
// their values collected into a FirewallInput.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "windows/firewall.h"

namespace rampart::importers::windows {

struct RegValue {
  enum class Type : uint8_t { String, Dword, Other };
  std::string name;
  Type type = Type::Other;
  std::string text;     // String
  uint32_t dword = 0;   // Dword
  core::Origin origin;  // where the value is (its rule id or setting name filled in by the collector)
};

class StoreCollector {
 public:
  StoreCollector(std::string file, core::Diagnostics& diags) : file_(std::move(file)), diags_(diags) {}

  // Starts a key; returns false when the key is not part of a firewall
  // policy store (its values are then ignored).
  bool key(const std::string& path);
  void value(RegValue v);
  // The rules and settings read; RP3206 when the file held no store key.
  std::optional<FirewallInput> finish(const std::string& format);

 private:
  enum class Role : uint8_t { Rules, Domain, Standard, Private, Public };
  struct Key {
    bool group_policy = false;
    Role role = Role::Rules;
  };
  void setting(ProfileSettings& s, const RegValue& v, const std::string& where);

  std::string file_;
  core::Diagnostics& diags_;
  std::optional<Key> current_;
  bool any_key_ = false;
  bool gp_private_or_public_ = false;
  // Rules by store and id (a later value of the same id replaces the earlier).
  std::vector<WinRule> rules_;
  std::map<std::pair<bool, std::string>, size_t> rule_index_;
  std::array<ProfileSettings, 3> local_, gp_;
  ProfileSettings gp_standard_;
  bool has_settings_ = false;
};

// `.reg` text (already decoded to UTF-8) into the collector.
void read_reg_text(std::string_view text, StoreCollector& collector, const std::string& file,
                   core::Diagnostics& diags);

}  // namespace rampart::importers::windows
