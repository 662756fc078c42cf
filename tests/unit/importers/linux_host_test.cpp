// linux.host: reading a folder written by `rampart collect` (its manifest's
// errors located by JSON pointer, failed items warned about), and the
// collector itself run against a fake host root (CollectOptions::sysroot),
// so that no root privilege and no change to this machine is needed. The
// collector on the real machine is tests/system/linux_host_system_test.cpp.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "rampart/importers/linux.h"

namespace rampart::importers {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> messages(const core::ImportResult& r, core::Severity s) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.sorted()) {
    if (d.severity == s) out.push_back(d.to_string());
  }
  return out;
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "rampart-lh-XXXXXX").string();
    path = mkdtemp(t.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

const core::Service* service(const core::ImportResult& r, const std::string& name) {
  for (const auto& s : r.fragment.services) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

TEST(LinuxHostFolder, ManifestProblemsAreLocated) {
  TempDir d;
  core::Origin at = core::Origin::native_line("policy.rampart", 3, 3);
  auto none = import_host_folder(d.path.string(), "web1", at);
  ASSERT_EQ(messages(none, core::Severity::Error).size(), 1u);
  EXPECT_EQ(messages(none, core::Severity::Error)[0],
            "policy.rampart:3:3: error: `web1` has no manifest.json: it is not a folder written by `rampart "
            "collect` [RP3609]");

  write(d.path / "manifest.json", R"({"rampart_collect": "1", "items": []})");
  auto wrong = import_host_folder(d.path.string(), "web1", at);
  ASSERT_EQ(messages(wrong, core::Severity::Error).size(), 1u);
  EXPECT_NE(messages(wrong, core::Severity::Error)[0].find("not a rampart collect manifest"),
            std::string::npos);

  write(d.path / "manifest.json", "{\"items\":\n" + std::string(400, '[') + std::string(400, ']') + "}");
  auto deep = import_host_folder(d.path.string(), "web1", at);
  EXPECT_EQ(messages(deep, core::Severity::Error),
            (std::vector<std::string>{"web1/manifest.json:2:256: error: not a rampart collect manifest: JSON "
                                      "nested deeper than 256 levels [RP3609]"}));

  write(d.path / "etc/passwd", "root:x:0:0:root:/root:/bin/bash\nwww:x:1000:1000::/home/www:/bin/sh\n");
  write(d.path / "etc/group", "root:x:0:\nwww:x:10x0:\n");
  write(d.path / "manifest.json", R"({"rampart_collect": 1, "items": [
    {"what": "users", "format": "linux.passwd", "file": "etc/passwd", "ok": true},
    {"what": "groups", "format": "linux.group", "file": "etc/group", "ok": true},
    {"what": "ACLs", "format": "linux.getfacl", "file": "acls.getfacl", "ok": "yes", "error": 7},
    {"what": "escape", "format": "linux.passwd", "file": "../../etc/shadow", "ok": true},
    {"what": "later", "format": "windows.firewall", "file": "etc/passwd", "ok": true},
    {"format": 3}
  ]})");
  auto r = import_host_folder(d.path.string(), "web1", at);
  auto errors = messages(r, core::Severity::Error);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0], "web1/etc/group:2:7: error: `10x0` is not a gid (0-4294967294) [RP3602]");
  EXPECT_NE(errors[1].find("web1/manifest.json#/items/3: error: `../../etc/shadow` is not a file inside"),
            std::string::npos);
  EXPECT_NE(errors[2].find("web1/manifest.json#/items/5: error: an item without a `format`"),
            std::string::npos);
  auto warnings = messages(r, core::Severity::Warning);
  ASSERT_EQ(warnings.size(), 2u);
  // `"ok": "yes"` is not true: the item counts as failed.
  EXPECT_NE(
      warnings[0].find("#/items/2: warning: ACLs was not collected: failed; its facts are not in the model"),
      std::string::npos);
  EXPECT_NE(warnings[1].find("#/items/4: warning: format `windows.firewall` is not one rampart reads"),
            std::string::npos);
  ASSERT_EQ(r.fragment.users.size(), 2u);
  EXPECT_EQ(r.fragment.users[1].name, "www");
}

TEST(LinuxHostFolder, OnlyRegularFilesInsideTheFolderAreRead) {
  // A folder someone else wrote: a FIFO would block a read forever,
  // /dev/zero never ends, and a symlink out of the folder would read this
  // machine's files. Each is refused without reading; a symlink that stays
  // inside the folder is followed.
  TempDir d, outside;
  write(d.path / "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
  write(outside.path / "secret", "s3cret:x:0:0::/:/bin/sh\n");
  ASSERT_EQ(mkfifo((d.path / "fifo").c_str(), 0600), 0);
  fs::create_symlink("/dev/zero", d.path / "zero");
  fs::create_symlink(outside.path / "secret", d.path / "leak");
  fs::create_symlink("etc/passwd", d.path / "inside");
  fs::create_directories(d.path / "dir");
  write(d.path / "manifest.json", R"({"rampart_collect": 1, "items": [
    {"format": "linux.passwd", "file": "fifo", "ok": true},
    {"format": "linux.passwd", "file": "zero", "ok": true},
    {"format": "linux.passwd", "file": "leak", "ok": true},
    {"format": "linux.passwd", "file": "dir", "ok": true},
    {"format": "linux.passwd", "file": "inside", "ok": true}
  ]})");
  auto r = import_host_folder(d.path.string(), "web1", core::Origin::native_line("p.rampart", 1, 1));
  auto errors = messages(r, core::Severity::Error);
  const std::vector<std::string> expected{
      "#/items/0: error: cannot read `web1/fifo`: it is not a regular file",
      "#/items/1: error: cannot read `web1/zero`: it leads outside the folder",
      "#/items/2: error: cannot read `web1/leak`: it leads outside the folder",
      "#/items/3: error: cannot read `web1/dir`: it is not a regular file",
  };
  ASSERT_EQ(errors.size(), expected.size()) << ::testing::PrintToString(errors);
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NE(errors[i].find(expected[i]), std::string::npos) << errors[i];
  ASSERT_EQ(r.fragment.users.size(), 1u);
  EXPECT_EQ(r.fragment.users[0].name, "root");
}

TEST(LinuxHostFolder, AFileListedTwiceIsReadOnce) {
  TempDir d;
  write(d.path / "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
  write(d.path / "manifest.json", R"({"rampart_collect": 1, "items": [
    {"format": "linux.passwd", "file": "etc/passwd", "ok": true},
    {"format": "linux.passwd", "file": "etc/passwd", "ok": true}
  ]})");
  auto r = import_host_folder(d.path.string(), "web1", core::Origin::native_line("p.rampart", 1, 1));
  EXPECT_TRUE(messages(r, core::Severity::Error).empty());
  EXPECT_EQ(messages(r, core::Severity::Warning),
            (std::vector<std::string>{"web1/manifest.json#/items/1: warning: `etc/passwd` as linux.passwd is "
                                      "listed again; it is read once [RP3609]"}));
  EXPECT_EQ(r.fragment.users.size(), 1u);
}

TEST(LinuxHostCollect, ConfigurationsTravelWithTheirIncludes) {
  TempDir root, out;
  const fs::path& h = root.path;
  write(h / "etc/passwd", "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n");
  write(h / "etc/group", "root:x:0:\nwww-data:x:33:\n");
  write(h / "etc/nginx/nginx.conf", "user www-data;\nhttp {\n  include conf.d/*.conf;\n}\n");
  write(h / "etc/nginx/conf.d/site.conf",
        "server {\n  listen 8080;\n  root /srv/site;\n  fastcgi_pass unix:/run/php/fpm.sock;\n}\n");
  write(h / "etc/systemd/system/app.service",
        "[Service]\nUser=www-data\nExecStart=/usr/bin/app\nUMask=0077\n");
  write(h / "srv/site/index.html", "hello\n");
  CollectOptions o;
  o.out = (out.path / "web").string();
  o.roots = {"/srv"};
  o.sysroot = h.string();
  std::ostringstream log;
  collect_host(o, log);

  std::ifstream in(o.out + "/manifest.json");
  ASSERT_TRUE(in) << log.str();
  nlohmann::json m = nlohmann::json::parse(in);
  EXPECT_EQ(m["rampart_collect"], 1);
  EXPECT_EQ(m["roots"], nlohmann::json::array({"/srv"}));
  const nlohmann::json* nginx = nullptr;
  const nlohmann::json* unit = nullptr;
  for (const auto& item : m["items"]) {
    if (item["format"] == "services.nginx") nginx = &item;
    if (item["format"] == "services.systemd") unit = &item;
    EXPECT_TRUE(item.contains("collected"));
  }
  ASSERT_TRUE(nginx && unit) << m.dump(2);
  EXPECT_EQ((*nginx)["ok"], true);
  EXPECT_EQ((*nginx)["file"], "files/etc/nginx/nginx.conf");
  EXPECT_EQ((*nginx)["included"], nlohmann::json::array({"files/etc/nginx/conf.d/site.conf"}));
  EXPECT_TRUE(fs::is_regular_file(o.out + "/files/etc/nginx/conf.d/site.conf"));
  EXPECT_EQ((*unit)["file"], "files/etc/systemd/system/app.service");

  // The folder read back: the included server block is found in the copy.
  auto r = import_host_folder(o.out, "web", core::Origin::native_line("p.rampart", 1, 1));
  EXPECT_TRUE(messages(r, core::Severity::Error).empty())
      << ::testing::PrintToString(messages(r, core::Severity::Error));
  ASSERT_EQ(r.fragment.users.size(), 2u);
  const core::Service* workers = service(r, "nginx");
  const core::Service* app = service(r, "app");
  ASSERT_TRUE(workers && service(r, "nginx-master") && app);
  EXPECT_EQ(workers->user_name, "www-data");
  EXPECT_TRUE(
      std::any_of(workers->accesses.begin(), workers->accesses.end(), [](const core::DeclaredAccess& a) {
        return a.operation == core::Operation::Connect && a.path == "/run/php/fpm.sock";
      }));
  EXPECT_EQ(app->umask, 0077);
  EXPECT_EQ(app->user_name, "www-data");
  bool listener = false;
  for (const auto& host : r.fragment.hosts) {
    for (const auto& l : host.listeners) listener = listener || l.ports == core::PortSet::single(8080);
  }
  EXPECT_TRUE(listener);
}

}  // namespace
}  // namespace rampart::importers
