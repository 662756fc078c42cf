// libFuzzer target for services.systemd (a unit file and its drop-ins).
// What follows a line `---`, if any, is a drop-in of the unit; the unit is
// a template instance (`fuzz@i.service`) so %i specifiers are exercised.
// Facts or RP3402 diagnostics, never a crash, a hang or a leak
// (linux_fuzz_check.h).

#include "linux_fuzz_check.h"

using namespace rampart;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::pair<std::string, std::string>> dropins;
  std::string_view unit = text;
  if (auto at = text.find("\n---\n"); at != std::string_view::npos) {
    unit = text.substr(0, at);
    dropins.emplace_back("fuzz.service.d/x.conf", std::string(text.substr(at + 5)));
  }
  fuzz::check_import(importers::parse_systemd(unit, "fuzz@i.service", dropins), {"RP3402"});
  return 0;
}
