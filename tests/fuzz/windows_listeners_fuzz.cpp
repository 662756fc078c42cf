// libFuzzer target for windows.listeners (docs/importers/windows.md).

#include "windows_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto r = rampart::importers::windows::parse_listeners(bytes, "fuzz.listeners");
  rampart::windows_fuzz::check_host(r, "fuzz.listeners");
  return 0;
}
