// libFuzzer target for the policy language: any bytes must give either a
// policy or located diagnostics, never a crash, a hang or a leak. The same
// bytes are also read as a question and as a packet against a small policy.
//
// Imports are served from memory: every `import rules.csv "..."` gets the
// same small table, so NAME["id"] references are exercised without reading
// native files. `include` does read files, relative to an empty temporary
// folder; inputs that could name devices or /proc are skipped.

#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "rampart/core/import.h"
#include "rampart/dsl/frontend.h"
#include "rampart/importers/table.h"

namespace {

using namespace rampart;

constexpr std::string_view kTable = R"([filter web]
combining = allow-union
name,action,protocol,source,ports,unknown
ssh,allow,tcp,192.168.1.0/24,22,
geo,allow,tcp,any,443,geoip
[filter acl]
default = allow
stateless = true
action,direction,protocol,ports
deny,both,udp,53
)";

class MemoryResolver : public core::ImportResolver {
 public:
  bool supports(const std::string& format) const override { return format == "rules.csv"; }
  std::vector<std::string> formats() const override { return {"rules.csv"}; }
  core::ImportResult import(const core::ImportRequest& request) const override {
    return importers::parse_rules_csv(kTable, request.display_path);
  }
};

constexpr std::string_view kPolicy = R"(
zone office = 192.168.1.0/24;
firewall fw allow-union { allow tcp from office to any port 22; }
host web1 { interface eth0 address 10.0.1.10/24, 2001:db8::10; inbound fw; listen tcp/22; }
host db { address 10.0.2.5; }
)";

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    abort();
  }
}

void check_diagnostics(const core::Diagnostics& diags) {
  for (const auto& d : diags.items()) {
    check(!d.code.empty(), "a diagnostic without a code");
    check(!d.message.empty(), "a diagnostic without a message");
    check(d.origin.known(), "a diagnostic without a location");
  }
}

bool names_special_files(std::string_view text) {
  for (std::string_view bad : {"dev", "proc", "sys", "run", "fd"}) {
    if (text.find(bad) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  static std::string dir = (std::filesystem::temp_directory_path() / "rampart-fuzz-XXXXXX").string();
  if (!mkdtemp(dir.data()) || chdir(dir.c_str()) != 0) abort();
  atexit([] { rmdir(dir.c_str()); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static const MemoryResolver resolver;
  static const core::Policy policy = [] {
    auto l = dsl::load_policy_text(kPolicy, "base.rampart", "", resolver);
    check(l.policy.has_value(), "the fuzzer's own policy does not load");
    return *l.policy;
  }();

  if (!(text.find("include") != std::string_view::npos && names_special_files(text))) {
    auto load = dsl::load_policy_text(text, "fuzz.rampart", "", resolver);
    check(load.policy.has_value() != load.diagnostics.has_errors(), "a policy and errors, or neither");
    check_diagnostics(load.diagnostics);
  }

  auto q = dsl::parse_question(text, policy);
  check(q.question.has_value() != q.diagnostics.has_errors(), "a question and errors, or neither");
  check_diagnostics(q.diagnostics);

  auto p = dsl::parse_packet(text, policy);
  check(p.packet.has_value() != p.diagnostics.has_errors(), "a packet and errors, or neither");
  check_diagnostics(p.diagnostics);
  if (p.packet) check(p.destination.valid(), "a packet without a destination host");
  return 0;
}
