#include <algorithm>
#include <filesystem>

#include "../linux/native.h"
#include "families.h"
#include "rampart/importers/linux.h"

namespace rampart::importers {

namespace {

namespace fs = std::filesystem;

// A configuration file copied from a host keeps the host's layout below
// some folder: `web1/etc/nginx/nginx.conf` is the host's
// /etc/nginx/nginx.conf, and its `include /etc/nginx/conf.d/*.conf` is read
// from `web1/etc/nginx/conf.d/`. The host's root is the folder above the
// last `etc` component of the path; without one, the file's own folder.
struct HostLayout {
  std::string root;       // folder on disk standing for the host's /
  std::string host_path;  // the file's path on the host
};

HostLayout layout_of(const std::string& path) {
  std::string p = fs::path(path).lexically_normal().string();
  if (p.rfind("etc/", 0) == 0) p = "./" + p;
  auto at = p.rfind("/etc/");
  if (at == std::string::npos) {
    std::string dir = fs::path(p).parent_path().string();
    return HostLayout{dir.empty() ? "." : dir, "/" + fs::path(p).filename().string()};
  }
  return HostLayout{p.substr(0, at), p.substr(at)};
}

// A compose project lives anywhere (/srv/app, /opt/stack, /home/u/proj):
// the host's root is the folder above the last top-level folder of the
// file system hierarchy (etc, home, mnt, opt, root, srv, usr, var) in the
// path; without one, the file's own folder stands for the host's /.
HostLayout compose_layout_of(const std::string& path) {
  std::string p = fs::path(path).lexically_normal().string();
  if (p.empty() || p[0] != '/') p = "./" + p;
  size_t best = std::string::npos;
  for (const char* top : {"/etc/", "/home/", "/mnt/", "/opt/", "/root/", "/srv/", "/usr/", "/var/"}) {
    auto at = p.rfind(top);
    if (at != std::string::npos && (best == std::string::npos || at > best)) best = at;
  }
  if (best == std::string::npos) return layout_of(path);
  return HostLayout{best == 0 ? "/" : p.substr(0, best), p.substr(best)};
}

std::string dir_of(const std::string& host_path) {
  auto slash = host_path.rfind('/');
  return slash == 0 ? "/" : host_path.substr(0, slash);
}

enum class Kind { Supervisor, Systemd, Nginx, PhpFpm, Compose };

class ServiceImporter : public Importer {
 public:
  ServiceImporter(std::string format, std::string description, Kind kind)
      : format_(std::move(format)), description_(std::move(description)), kind_(kind) {}
  std::string format() const override { return format_; }
  std::string description() const override { return description_; }
  core::ImportResult import(const core::ImportRequest& request) const override {
    core::ImportResult out;
    auto text = read_native_file(request.path, request.origin, out.diagnostics);
    if (!text) return out;
    HostLayout l = layout_of(request.path);
    auto source = disk_source(l.root);
    switch (kind_) {
      case Kind::Supervisor:
        out = parse_supervisor(*text, request.display_path, source.get(), dir_of(l.host_path));
        break;
      case Kind::Nginx:
        out = parse_nginx(*text, request.display_path, source.get(), dir_of(l.host_path));
        break;
      case Kind::PhpFpm:
        out = parse_phpfpm(*text, request.display_path, source.get(), dir_of(l.host_path));
        break;
      case Kind::Compose:
        out = parse_compose(*text, request.display_path, dir_of(compose_layout_of(request.path).host_path));
        break;
      case Kind::Systemd: {
        // Drop-ins: UNIT.d/*.conf beside the unit, in name order.
        std::vector<std::pair<std::string, std::string>> dropins;
        std::string d = request.path + ".d";
        std::error_code ec;
        if (fs::is_directory(d, ec)) {
          std::vector<std::string> names;
          for (const auto& e : fs::directory_iterator(d, ec)) {
            if (e.path().extension() == ".conf") names.push_back(e.path().string());
          }
          std::sort(names.begin(), names.end());
          for (const auto& n : names) {
            if (auto t = read_native_file(n, request.origin, out.diagnostics)) dropins.emplace_back(n, *t);
          }
        }
        out = parse_systemd(*text, request.display_path, dropins);
        break;
      }
    }
    out.fragment.source_files.push_back(request.display_path);
    return out;
  }

 private:
  std::string format_, description_;
  Kind kind_;
};

}  // namespace

void register_services(Registry& r) {
  r.add(std::make_unique<ServiceImporter>(
      "services.supervisor", "supervisord.conf and program files (docs/importers/services-supervisor.md)",
      Kind::Supervisor));
  r.add(std::make_unique<ServiceImporter>(
      "services.systemd", "a systemd .service unit (docs/importers/services-systemd.md)", Kind::Systemd));
  r.add(std::make_unique<ServiceImporter>(
      "services.nginx", "nginx.conf and its includes (docs/importers/services-nginx.md)", Kind::Nginx));
  r.add(std::make_unique<ServiceImporter>(
      "services.php-fpm", "php-fpm.conf and pools (docs/importers/services-php-fpm.md)", Kind::PhpFpm));
  r.add(std::make_unique<ServiceImporter>(
      "services.compose", "docker compose files (docs/importers/services-compose.md)", Kind::Compose));
}

}  // namespace rampart::importers
