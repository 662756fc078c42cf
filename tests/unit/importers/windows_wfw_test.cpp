// windows.wfw: a hive built by libhivex's own hivexregedit from
// tests/data/windows/wfw/policy.reg (make_wfw.py) reads exactly as that
// registry export does; a file that is not a hive is located, never a crash.

#include "windows_test_util.h"

namespace rampart::windows_test {
namespace {

TEST(WindowsWfw, HiveReadsAsItsRegistrySource) {
  auto hive = importers::windows::read_wfw(
      std::string(RAMPART_SOURCE_DIR) + "/tests/data/windows/wfw/policy.wfw", "policy.wfw");
  ASSERT_FALSE(hive.diagnostics.has_errors()) << dump(hive.diagnostics);
  EXPECT_EQ(codes_of(hive.diagnostics, core::Severity::Warning),
            (std::vector<std::string>{"policy.wfw[T20-UnknownFutureToken] RP3204"}));
  auto reg = importers::windows::parse_reg(read("tests/data/windows/wfw/policy.reg"), "policy.reg");
  ASSERT_FALSE(reg.diagnostics.has_errors()) << dump(reg.diagnostics);
  ASSERT_EQ(hive.fragment.rule_sets.size(), reg.fragment.rule_sets.size());
  for (const char* p : {"domain", "private", "public"}) {
    for (bool inbound : {true, false}) {
      const auto& h = rules_of(hive, p, inbound);
      const auto& g = rules_of(reg, p, inbound);
      EXPECT_EQ(h.default_action, g.default_action) << p;
      ASSERT_EQ(h.rules().size(), g.rules().size()) << p;
      for (size_t i = 0; i < h.rules().size(); ++i) {
        // The hive orders values by name; the .reg file by line. Both list
        // T01..T20 in order here.
        EXPECT_EQ(h.rules()[i].match, g.rules()[i].match) << p << " " << h.rules()[i].origin.native_id;
        EXPECT_EQ(h.rules()[i].origin.native_id, g.rules()[i].origin.native_id);
        EXPECT_EQ(h.rules()[i].name, g.rules()[i].name);
      }
    }
  }
  // No Group Policy store in a .wfw: every local rule applies in domain too.
  EXPECT_EQ(rules_of(hive, "domain", true).rules().size(), 16u);  // T12 is two rules
  EXPECT_EQ(rules_of(hive, "domain", true).rules()[0].origin.to_string(), "policy.wfw[T01-SinglePort]");
  EXPECT_EQ(rules_of(hive, "public", true).default_origin.to_string(),
            "policy.wfw[PublicProfile\\DoNotAllowExceptions]");
  // The same bytes through memory (the fuzz entry point).
  auto mem = importers::windows::parse_wfw(read("tests/data/windows/wfw/policy.wfw"), "policy.wfw");
  EXPECT_EQ(dump(mem.diagnostics), dump(hive.diagnostics));
  EXPECT_EQ(mem.fragment.rule_sets.size(), hive.fragment.rule_sets.size());
}

TEST(WindowsWfw, NotAHive) {
  for (const std::string& bytes : {std::string("regf"), std::string("hello"), std::string(),
                                   read("tests/data/windows/wfw/policy.wfw").substr(0, 5000)}) {
    auto r = importers::windows::parse_wfw(bytes, "bad.wfw");
    EXPECT_EQ(codes_of(r.diagnostics, core::Severity::Error), (std::vector<std::string>{"bad.wfw RP3207"}))
        << bytes.size();
  }
}

// The empty hive make_wfw.py starts from: one root key and nothing else.
std::string empty_hive() {
  std::string hbin(4096, '\0'), base(4096, '\0');
  auto put = [](std::string& s, size_t at, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) s[at + size_t(i)] = char((v >> (8 * i)) & 0xFF);
  };
  hbin.replace(0, 4, "hbin");
  put(hbin, 8, 4096, 4);
  // The root nk cell at 0x20 (88 bytes), its sk cell at 0x78 (48), then free.
  put(hbin, 0x20, uint32_t(-88), 4);
  hbin.replace(0x24, 2, "nk");
  put(hbin, 0x26, 0x2C, 2);
  put(hbin, 0x24 + 20, 0, 4);           // subkeys
  put(hbin, 0x24 + 28, 0xFFFFFFFF, 4);  // subkey list
  put(hbin, 0x24 + 32, 0xFFFFFFFF, 4);  // volatile list
  put(hbin, 0x24 + 40, 0xFFFFFFFF, 4);  // value list
  put(hbin, 0x24 + 44, 0x78, 4);        // security
  put(hbin, 0x24 + 48, 0xFFFFFFFF, 4);  // class name
  put(hbin, 0x24 + 72, 4, 2);           // name length
  hbin.replace(0x24 + 76, 4, "ROOT");
  put(hbin, 0x78, uint32_t(-48), 4);
  hbin.replace(0x7C, 2, "sk");
  put(hbin, 0x80, 0x78, 4);
  put(hbin, 0x84, 0x78, 4);
  put(hbin, 0x88, 1, 4);
  put(hbin, 0x8C, 20, 4);
  put(hbin, 0x90, 1, 1);
  put(hbin, 0x92, 0x8004, 2);
  put(hbin, 0xA8, 4096 - 0xA8, 4);
  base.replace(0, 4, "regf");
  for (auto [at, v] : {std::pair{4, 1}, {8, 1}, {20, 1}, {24, 3}, {32, 1}, {36, 0x20}, {40, 4096}, {44, 1}}) {
    put(base, size_t(at), uint64_t(v), 4);
  }
  uint32_t sum = 0;
  for (size_t i = 0; i < 508; i += 4) {
    sum ^= uint32_t(uint8_t(base[i])) | uint32_t(uint8_t(base[i + 1])) << 8 |
           uint32_t(uint8_t(base[i + 2])) << 16 | uint32_t(uint8_t(base[i + 3])) << 24;
  }
  put(base, 508, sum, 4);
  return base + hbin;
}

TEST(WindowsWfw, HiveWithoutFirewallKeys) {
  auto r = importers::windows::parse_wfw(empty_hive(), "empty.wfw");
  EXPECT_EQ(codes_of(r.diagnostics, core::Severity::Error), (std::vector<std::string>{"empty.wfw RP3206"}));
}

}  // namespace
}  // namespace rampart::windows_test
