// libFuzzer target for linux.host: a folder written by `rampart collect`,
// read through its manifest.json. The input is the manifest; the folder
// (made once, in a temporary directory) also holds a passwd, a group, a
// file snapshot and an nginx.conf that items may name, and an item may
// name manifest.json itself, which feeds the input to any format's parser.
// Facts or diagnostics (RP3609 for the manifest, the formats' own codes,
// RP0001 for an item that cannot be read), never a crash, a hang, a leak,
// or a file read from outside the folder (linux_fuzz_check.h).

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "linux_fuzz_check.h"

using namespace rampart;

namespace {

namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// Made on first use, removed at exit; never destroyed before the removal.
const fs::path* g_folder = nullptr;

void remove_folder() {
  std::error_code ec;
  fs::remove_all(*g_folder, ec);
}

const fs::path& folder() {
  if (g_folder) return *g_folder;
  char name[] = "/tmp/rampart-fuzz-host-XXXXXX";
  if (!mkdtemp(name)) std::abort();
  fs::path d = name;
  write(d / "etc/passwd", "root:x:0:0:root:/root:/bin/bash\nwww:x:1000:1000::/home/www:/sbin/nologin\n");
  write(d / "etc/group", "root:x:0:\nwww:x:1000:\n");
  write(d / "files.find", "755 0 0 d /var\n755 0 0 d /var/log\n640 1000 1000 f /var/log/app.log\n");
  write(d / "files/etc/nginx/nginx.conf",
        "user www;\nevents {}\nhttp { include conf.d/*.conf; server { listen 80; root /srv; } }\n");
  write(d / "files/etc/nginx/conf.d/a.conf", "server { listen 8080; }\n");
  g_folder = new fs::path(d);
  std::atexit(remove_folder);
  return *g_folder;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fs::path& dir = folder();
  write(dir / "manifest.json", std::string(reinterpret_cast<const char*>(data), size));
  auto r = importers::import_host_folder(dir.string(), "web1", core::Origin::policy("fuzz.rampart", 1, 1));
  fuzz::check_import(r,
                     {"RP3609", "RP0001", "RP3601", "RP3602", "RP3603", "RP3604", "RP3605", "RP3606",
                      "RP3607", "RP3608", "RP3401", "RP3402", "RP3403", "RP3404", "RP3405"},
                     false);
  for (const auto& d : r.diagnostics.items()) {
    fuzz::check(d.origin.file.rfind("web1", 0) == 0 || d.origin.file == "fuzz.rampart",
                "a diagnostic in a file outside the folder");
  }
  return 0;
}
