// libFuzzer target for netfilter.nft (`nft list ruleset` output) with its
// companions (`ipset save` output, the interface map): any bytes must give
// core elements or located RP33xx diagnostics, never a crash, a hang or a
// leak, and what comes back must hold together and evaluate
// (netfilter_fuzz_check.h).

#include "netfilter_fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rampart;
  fuzz::NetfilterInput in = fuzz::split_input(data, size);
  fuzz::check_result(importers::parse_nft_ruleset(in.dump, "fuzz.rules", in.companions));
  // The whole input as one ruleset too: a NUL byte in a ruleset must not hang or crash either.
  std::string_view all(reinterpret_cast<const char*>(data), size);
  if (all.size() != in.dump.size()) fuzz::check_result(importers::parse_nft_ruleset(all, "fuzz.rules"));
  return 0;
}
