// libFuzzer target for windows.powershell (docs/importers/windows.md).

#include "windows_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto r = rampart::importers::windows::parse_powershell(bytes, "fuzz.powershell");
  rampart::windows_fuzz::check_firewall(r, "fuzz.powershell");
  return 0;
}
