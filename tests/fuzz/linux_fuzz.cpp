// libFuzzer target for the Linux host formats (linux.passwd, linux.group,
// linux.find, linux.stat, linux.ls, linux.getfacl, linux.ss, linux.mounts).
// The first byte picks the parser; the rest is the file. The services
// formats have targets of their own (services_*_fuzz.cpp), and so has a
// collected folder's manifest (linux_host_fuzz.cpp).
//
// Any bytes must give facts or located diagnostics in the parser's own
// code, never a crash, a hang or a leak; and what comes back must hold
// together (linux_fuzz_check.h).

#include "linux_fuzz_check.h"

using namespace rampart;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const unsigned which = data[0] % 8;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  static const char* const kCodes[] = {"RP3601", "RP3602", "RP3603", "RP3604",
                                       "RP3605", "RP3606", "RP3607", "RP3608"};
  core::ImportResult r;
  switch (which) {
    case 0: r = importers::parse_passwd(text, "fuzz"); break;
    case 1: r = importers::parse_group(text, "fuzz"); break;
    case 2: r = importers::parse_find(text, "fuzz"); break;
    case 3: r = importers::parse_stat(text, "fuzz"); break;
    case 4: r = importers::parse_ls(text, "fuzz"); break;
    case 5: r = importers::parse_getfacl(text, "fuzz"); break;
    case 6: r = importers::parse_ss(text, "fuzz"); break;
    default: r = importers::parse_mounts(text, "fuzz"); break;
  }
  fuzz::check_import(r, {kCodes[which]});
  return 0;
}
