// libFuzzer target for netfilter.iptables-save and netfilter.ip6tables-save
// with their companions (`ipset save` output, the interface map): any bytes
// must give core elements or located RP33xx diagnostics, never a crash, a
// hang or a leak, and what comes back must hold together and evaluate
// (netfilter_fuzz_check.h).

#include "netfilter_fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rampart;
  fuzz::NetfilterInput in = fuzz::split_input(data, size);
  fuzz::check_result(importers::parse_iptables_save(in.dump, "fuzz.rules", core::Family::V4, in.companions));
  fuzz::check_result(importers::parse_iptables_save(in.dump, "fuzz.rules", core::Family::V6, in.companions));
  // The whole input as one dump too: a NUL byte in a dump must not hang or crash either.
  std::string_view all(reinterpret_cast<const char*>(data), size);
  if (all.size() != in.dump.size())
    fuzz::check_result(importers::parse_iptables_save(all, "fuzz.rules", core::Family::V4));
  return 0;
}
