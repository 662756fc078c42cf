// libFuzzer target for windows.reg (docs/importers/windows.md).

#include "windows_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto r = rampart::importers::windows::parse_reg(bytes, "fuzz.reg");
  rampart::windows_fuzz::check_firewall(r, "fuzz.reg");
  return 0;
}
