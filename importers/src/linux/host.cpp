// linux.host: a folder written by `rampart collect`, and the collector
// itself (docs/importers/linux-host.md). The folder holds copies of the
// host's files and the output of a few commands, and manifest.json says
// what each is, where it came from, when, and what failed.

#include <dirent.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "json_nesting.h"
#include "native.h"
#include "rampart/core/dac.h"
#include "rampart/importers/linux.h"

namespace rampart::importers {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kFindFormat = "%m %U %G %y %p\\n";

void append(core::ImportResult& into, core::ImportResult from) {
  core::MergeOffsets off = core::merge(into.fragment, std::move(from.fragment));
  for (auto& n : from.names) {
    using T = core::NameRef::Target;
    bool service =
        n.target == T::ServiceUser || n.target == T::ServiceGroup || n.target == T::ServiceSupplementary;
    n.index += service ? off.services : off.files;
    into.names.push_back(std::move(n));
  }
  for (auto& o : from.objects) {
    switch (o.kind) {
      case core::ObjectKind::User: o.index += off.users; break;
      case core::ObjectKind::Group: o.index += off.groups; break;
      case core::ObjectKind::Service: o.index += off.services; break;
      case core::ObjectKind::Host: o.index += off.hosts; break;
      case core::ObjectKind::Filter: o.index += off.filters; break;
      case core::ObjectKind::Zone: o.index += off.zones; break;
    }
    bool dup = std::any_of(into.objects.begin(), into.objects.end(),
                           [&](const core::ImportedObject& x) { return x.native_id == o.native_id; });
    if (!dup) into.objects.push_back(o);
  }
  into.diagnostics.append(from.diagnostics);
}

std::optional<std::string> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string dir_of(const std::string& p) {
  auto slash = p.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : p.substr(0, slash);
}

}  // namespace

namespace {

// Manifest values of the wrong JSON type read as absent (never an exception).
bool ok_of(const json& item) {
  auto it = item.find("ok");
  return it != item.end() && it->is_boolean() && it->get<bool>();
}

std::string string_of(const json& item, const char* key, const std::string& otherwise) {
  auto it = item.find(key);
  return it != item.end() && it->is_string() ? it->get<std::string>() : otherwise;
}

}  // namespace

core::ImportResult import_host_folder(const std::string& dir, const std::string& display_dir,
                                      const core::Origin& where) {
  core::ImportResult out;
  std::string manifest_display = display_dir + "/manifest.json";
  core::Origin at = core::Origin::native_json(manifest_display, "");
  auto text = native::read_regular_file(dir + "/manifest.json", dir);
  if (!text) {
    out.diagnostics.error(
        "RP3609", where,
        fmt::format("`{}` has no manifest.json: it is not a folder written by `rampart collect`",
                    display_dir));
    return out;
  }
  if (auto deep = json_too_deep(*text)) {
    auto [line, column] = text_line_column(*text, *deep);
    out.diagnostics.error(
        "RP3609", core::Origin::native_line(manifest_display, line, column),
        fmt::format("not a rampart collect manifest: JSON nested deeper than {} levels", kMaxJsonDepth));
    return out;
  }
  json m;
  try {
    m = json::parse(*text);
  } catch (const std::exception& e) {
    out.diagnostics.error("RP3609", core::Origin::native_line(manifest_display, 1),
                          fmt::format("not JSON: {}", e.what()));
    return out;
  }
  if (!m.is_object() || !m.contains("rampart_collect") || m["rampart_collect"] != 1 || !m.contains("items") ||
      !m["items"].is_array()) {
    out.diagnostics.error("RP3609", at, "not a rampart collect manifest (version 1, with `items`)");
    return out;
  }
  auto files = disk_source(dir + "/files");
  std::set<std::string> read_items;  // format, file and source of each item read
  for (size_t i = 0; i < m["items"].size(); ++i) {
    const json& item = m["items"][i];
    core::Origin item_at = core::Origin::native_json(manifest_display, fmt::format("/items/{}", i));
    if (!item.is_object() || !item.contains("format") || !item["format"].is_string()) {
      out.diagnostics.error("RP3609", item_at, "an item without a `format`");
      continue;
    }
    std::string format = item["format"];
    std::string what = string_of(item, "what", format);
    if (!ok_of(item)) {
      std::string cmd =
          item.contains("command") && item["command"].is_string() ? item["command"].get<std::string>() : "";
      out.diagnostics.warning(
          "RP3609", item_at,
          fmt::format("{} was not collected{}: {}; its facts are not in the model", what,
                      cmd.empty() ? "" : fmt::format(" (`{}`)", cmd), string_of(item, "error", "failed")));
      if (!item.contains("file") || !item["file"].is_string()) continue;
    }
    if (!item.contains("file") || !item["file"].is_string()) {
      out.diagnostics.error("RP3609", item_at, "an item without a `file`");
      continue;
    }
    std::string file = item["file"];
    if (file.find("..") != std::string::npos || file.empty() || file[0] == '/') {
      out.diagnostics.error("RP3609", item_at, fmt::format("`{}` is not a file inside the folder", file));
      continue;
    }
    // `rampart collect` lists each file once; a manifest that repeats one
    // (5,000 times a 400 KB file took 23 s) gets it read once.
    if (!read_items.insert(format + '\0' + file + '\0' + string_of(item, "source", "/")).second) {
      out.diagnostics.warning("RP3609", item_at,
                              fmt::format("`{}` as {} is listed again; it is read once", file, format));
      continue;
    }
    std::string why;
    auto body = native::read_regular_file(dir + "/" + file, dir, &why);
    std::string shown = display_dir + "/" + file;
    if (!body) {
      if (ok_of(item)) {
        out.diagnostics.error("RP0001", item_at, fmt::format("cannot read `{}`: {}", shown, why));
      }
      continue;
    }
    std::string source = string_of(item, "source", "/");
    core::ImportResult r;
    if (format == "linux.passwd")
      r = parse_passwd(*body, shown);
    else if (format == "linux.group")
      r = parse_group(*body, shown);
    else if (format == "linux.find")
      r = parse_find(*body, shown);
    else if (format == "linux.stat")
      r = parse_stat(*body, shown);
    else if (format == "linux.ls")
      r = parse_ls(*body, shown);
    else if (format == "linux.getfacl")
      r = parse_getfacl(*body, shown);
    else if (format == "linux.ss")
      r = parse_ss(*body, shown);
    else if (format == "linux.mounts")
      r = parse_mounts(*body, shown);
    else if (format == "services.supervisor")
      r = parse_supervisor(*body, shown, files.get(), dir_of(source));
    else if (format == "services.nginx")
      r = parse_nginx(*body, shown, files.get(), dir_of(source));
    else if (format == "services.php-fpm")
      r = parse_phpfpm(*body, shown, files.get(), dir_of(source));
    else if (format == "services.compose")
      r = parse_compose(*body, shown, dir_of(source));
    else if (format == "services.systemd") {
      std::vector<std::pair<std::string, std::string>> dropins;
      if (item.contains("dropins") && item["dropins"].is_array()) {
        for (const auto& d : item["dropins"]) {
          if (!d.is_string()) continue;
          std::string f = d;
          if (f.find("..") != std::string::npos) continue;
          if (auto t = native::read_regular_file(dir + "/" + f, dir))
            dropins.emplace_back(display_dir + "/" + f, *t);
        }
      }
      r = parse_systemd(*body, shown, dropins);
    } else {
      out.diagnostics.warning("RP3609", item_at,
                              fmt::format("format `{}` is not one rampart reads; skipped", format));
      continue;
    }
    r.fragment.source_files.push_back(shown);
    append(out, std::move(r));
  }
  return out;
}

// ---- the collector -------------------------------------------------------------

namespace {

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

class Collector {
 public:
  Collector(const CollectOptions& o, std::ostream& log) : o_(o), log_(log) {}

  int run() {
    std::error_code ec;
    fs::create_directories(o_.out, ec);
    if (ec) {
      log_ << "cannot create " << o_.out << ": " << ec.message() << "\n";
      return 1;
    }
    manifest_["rampart_collect"] = 1;
    manifest_["started"] = now_utc();
    struct utsname u {};
    if (uname(&u) == 0) {
      manifest_["hostname"] = u.nodename;
      manifest_["kernel"] = std::string(u.sysname) + " " + u.release;
    }
    manifest_["uid"] = getuid();
    manifest_["roots"] = o_.roots;
    items_ = json::array();
    copy_item("users", "linux.passwd", "/etc/passwd", "etc/passwd");
    copy_item("groups", "linux.group", "/etc/group", "etc/group");
    copy_item("mounts", "linux.mounts", "/proc/self/mounts", "proc/mounts");
    files();
    acls();
    listeners();
    units();
    configs();
    manifest_["items"] = items_;
    manifest_["finished"] = now_utc();
    std::ofstream(o_.out + "/manifest.json") << manifest_.dump(2) << "\n";
    int failed = 0;
    for (const auto& i : items_) failed += i.value("ok", false) ? 0 : 1;
    return failed;
  }

 private:
  std::string host(const std::string& p) const { return o_.sysroot + p; }

  void record(json item) {
    log_ << (ok_of(item) ? "ok      " : "FAILED  ") << item.value("what", std::string()) << " -> "
         << item.value("file", std::string())
         << (item.contains("error") ? "  (" + item["error"].get<std::string>() + ")" : "") << "\n";
    items_.push_back(std::move(item));
  }

  bool copy(const std::string& from, const std::string& rel, std::string& error) {
    std::error_code ec;
    fs::create_directories(fs::path(o_.out + "/" + rel).parent_path(), ec);
    std::ifstream in(host(from), std::ios::binary);
    if (!in) {
      error = fs::exists(host(from), ec) ? "permission denied" : "no such file";
      return false;
    }
    std::ofstream outf(o_.out + "/" + rel, std::ios::binary);
    outf << in.rdbuf();
    return true;
  }

  void copy_item(const std::string& what, const std::string& format, const std::string& from,
                 const std::string& rel, json extra = json::object()) {
    json item = {
        {"what", what}, {"format", format}, {"file", rel}, {"source", from}, {"collected", now_utc()}};
    std::string error;
    item["ok"] = copy(from, rel, error);
    if (!item["ok"]) item["error"] = error;
    for (auto& [k, v] : extra.items()) item[k] = v;
    record(std::move(item));
  }

  // Runs a shell pipeline of local commands only (find, getfacl, xargs);
  // its standard error and exit status go to the manifest.
  void command_item(const std::string& what, const std::string& format, const std::string& command,
                    const std::string& rel) {
    json item = {
        {"what", what}, {"format", format}, {"file", rel}, {"command", command}, {"collected", now_utc()}};
    std::string err_file = o_.out + "/." + rel + ".stderr";
    std::string full =
        "(" + command + ") > " + shell_quote(o_.out + "/" + rel) + " 2> " + shell_quote(err_file);
    int status = std::system(full.c_str());
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    item["exit_code"] = code;
    auto err = slurp(err_file).value_or("");
    std::error_code ec;
    fs::remove(err_file, ec);
    if (err.size() > 4000) err = err.substr(0, 4000) + "...";
    if (!err.empty()) item["stderr"] = err;
    // find and getfacl exit 1 when some file could not be read: what they
    // printed is still right, and the manifest keeps what they said.
    std::error_code size_ec;
    auto size = fs::file_size(o_.out + "/" + rel, size_ec);
    item["ok"] = code == 0 || (code == 1 && !size_ec && size > 0);
    if (!item["ok"]) item["error"] = code == 127 ? "command not found" : fmt::format("exit status {}", code);
    record(std::move(item));
  }

  std::vector<std::string> ancestors() const {
    std::set<std::string> out;
    for (const auto& r : o_.roots) {
      for (std::string p = core::normalise_path(r); p != "/";) {
        p = core::parent_path(p);
        out.insert(p);
      }
    }
    return {out.begin(), out.end()};
  }

  std::string roots_quoted() const {
    std::string s;
    for (const auto& r : o_.roots) s += " " + shell_quote(o_.sysroot + core::normalise_path(r));
    return s;
  }

  void files() {
    std::string cmd;
    auto anc = ancestors();
    if (!anc.empty()) {
      cmd = "find";
      for (const auto& a : anc) cmd += " " + shell_quote(o_.sysroot + a);
      cmd += std::string(" -maxdepth 0 -printf '") + kFindFormat + "'; ";
    }
    cmd += "find" + roots_quoted() + " -xdev -printf '" + kFindFormat + "'";
    command_item("file tree", "linux.find", cmd, "files.find");
  }

  void acls() {
    std::string cmd = "find" + roots_quoted() + " -xdev -print0 | xargs -0 -r getfacl -n -p -s";
    command_item("ACLs", "linux.getfacl", cmd, "acls.getfacl");
  }

  // The listening sockets as `ss -ltnupH` prints them, built from /proc
  // (ss itself would open a netlink socket).
  void listeners() {
    json item = {{"what", "listening sockets"},
                 {"format", "linux.ss"},
                 {"file", "listeners.ss"},
                 {"command", "(ss -ltnupH, built from /proc/net/{tcp,tcp6,udp,udp6} and /proc/*/fd)"},
                 {"collected", now_utc()}};
    std::map<std::string, std::pair<std::string, std::string>> owner;  // inode -> (comm, pid)
    if (DIR* d = opendir(host("/proc").c_str())) {
      while (dirent* e = readdir(d)) {
        std::string pid = e->d_name;
        if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
        std::string comm = slurp(host("/proc/" + pid + "/comm")).value_or("?");
        while (!comm.empty() && comm.back() == '\n') comm.pop_back();
        std::error_code ec;
        for (const auto& fd : fs::directory_iterator(host("/proc/" + pid + "/fd"), ec)) {
          std::error_code ec2;
          std::string target = fs::read_symlink(fd.path(), ec2).string();
          if (target.rfind("socket:[", 0) == 0) {
            owner.emplace(target.substr(8, target.size() - 9),
                          std::make_pair(comm, pid + ",fd=" + fd.path().filename().string()));
          }
        }
      }
      closedir(d);
    }
    bool dual = slurp(host("/proc/sys/net/ipv6/bindv6only")).value_or("0").rfind("0", 0) == 0;
    std::ostringstream outs;
    std::set<std::pair<std::string, std::string>> v4ports;  // (proto, port) bound on 0.0.0.0
    std::vector<std::string> errors;
    for (int pass = 0; pass < 2; ++pass) {
      for (const char* f : {"tcp", "udp", "tcp6", "udp6"}) {
        bool v6 = std::string(f).size() == 4;
        if ((pass == 0) == v6) continue;  // IPv4 first: it decides how to print IPv6 wildcards
        std::string proto = std::string(f).substr(0, 3);
        auto text = slurp(host(std::string("/proc/net/") + f));
        if (!text) {
          errors.push_back(std::string("cannot read /proc/net/") + f);
          continue;
        }
        auto ls = native::lines(*text);
        for (size_t i = 1; i < ls.size(); ++i) {
          auto w = native::fields(ls[i].text);
          if (w.size() < 10) continue;
          std::string local(w[1].text), remote(w[2].text), state(w[3].text), inode(w[9].text);
          bool listening =
              proto == "tcp" ? state == "0A" : (state == "07" && remote.find(":0000") != std::string::npos);
          if (!listening) continue;
          auto colon = local.find(':');
          std::string hex = local.substr(0, colon);
          unsigned port = unsigned(std::stoul(local.substr(colon + 1), nullptr, 16));
          std::string addr;
          if (!v6) {
            uint32_t a = uint32_t(std::stoul(hex, nullptr, 16));
            addr = fmt::format("{}.{}.{}.{}", a & 255, (a >> 8) & 255, (a >> 16) & 255, a >> 24);
            if (addr == "0.0.0.0") v4ports.insert({proto, std::to_string(port)});
          } else {
            uint8_t b[16];
            for (int k = 0; k < 4; ++k) {
              uint32_t word = uint32_t(std::stoul(hex.substr(size_t(k) * 8, 8), nullptr, 16));
              for (int j = 0; j < 4; ++j) b[k * 4 + j] = uint8_t(word >> (8 * j));
            }
            bool zero = std::all_of(b, b + 16, [](uint8_t x) { return x == 0; });
            if (zero) {
              // A dual-stack wildcard prints as `*`; a v6-only one as `[::]`.
              addr = dual && !v4ports.count({proto, std::to_string(port)}) ? "*" : "[::]";
            } else {
              std::string s;
              for (int k = 0; k < 8; ++k)
                s += fmt::format("{}{:x}", k ? ":" : "", (b[2 * k] << 8) | b[2 * k + 1]);
              auto parsed = core::Address::parse(s);
              addr = "[" + (parsed ? parsed->to_string() : s) + "]";
            }
          }
          std::string users;
          if (auto o = owner.find(inode); o != owner.end()) {
            users = fmt::format(" users:((\"{}\",pid={}))", o->second.first, o->second.second);
          }
          outs << fmt::format("{} {} 0 0 {}:{} {}:*{}\n", proto, proto == "tcp" ? "LISTEN" : "UNCONN", addr,
                              port, v6 ? "[::]" : "0.0.0.0", users);
        }
      }
    }
    std::ofstream(o_.out + "/listeners.ss") << outs.str();
    item["ok"] = errors.empty();
    if (!errors.empty()) item["error"] = errors.front();
    if (getuid() != 0) item["note"] = "not root: sockets of other users' processes have no process name";
    record(std::move(item));
  }

  void units() {
    std::set<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(host("/etc/systemd/system"), ec)) {
      std::string n = e.path().filename().string();
      if (n.size() > 8 && n.substr(n.size() - 8) == ".service") names.insert(n);
    }
    // Units running now: their cgroups (no D-Bus, no socket).
    for (const auto& e : fs::directory_iterator(host("/sys/fs/cgroup/system.slice"), ec)) {
      std::string n = e.path().filename().string();
      if (n.size() > 8 && n.substr(n.size() - 8) == ".service") names.insert(n);
    }
    const char* dirs[] = {"/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system",
                          "/lib/systemd/system"};
    std::set<std::string> done;
    for (const auto& alias : names) {
      std::string found, n = alias;
      for (const char* d : dirs) {
        std::string p = std::string(d) + "/" + alias;
        std::error_code e2;
        auto st = fs::status(host(p), e2);
        if (fs::is_regular_file(st)) {
          // An alias links to the unit's own file, whose name is the unit's;
          // a masked unit links to /dev/null, not a file.
          std::string real = fs::canonical(host(p), e2).string();
          if (!e2 && real.size() > o_.sysroot.size())
            real = real.substr(o_.sysroot.size());
          else
            real = p;
          found = real;
          n = real.substr(real.rfind('/') + 1);
          break;
        }
      }
      if (found.empty() || !done.insert(found).second) continue;
      json dropins = json::array();
      for (const char* d : dirs) {
        std::string dd = std::string(d) + "/" + n + ".d";
        std::vector<std::string> confs;
        for (const auto& e : fs::directory_iterator(host(dd), ec)) {
          if (e.path().extension() == ".conf") confs.push_back(dd + "/" + e.path().filename().string());
        }
        std::sort(confs.begin(), confs.end());
        for (const auto& c : confs) {
          std::string err;
          if (copy(c, "files" + c, err)) dropins.push_back("files" + c);
        }
      }
      copy_item("systemd unit " + n, "services.systemd", found, "files" + found, {{"dropins", dropins}});
    }
  }

  // A configuration family: copy the main file and every file its parser
  // reads through includes.
  class Recorder : public FileSource {
   public:
    Recorder(const FileSource& inner, std::set<std::string>& read) : inner_(inner), read_(read) {}
    std::vector<std::string> glob(const std::string& p) const override { return inner_.glob(p); }
    std::optional<std::string> read(const std::string& p) const override {
      read_.insert(p);
      return inner_.read(p);
    }

   private:
    const FileSource& inner_;
    std::set<std::string>& read_;
  };

  void config(const std::string& what, const std::string& format, const std::string& main) {
    std::error_code ec;
    if (!fs::is_regular_file(host(main), ec)) return;
    auto disk = disk_source(o_.sysroot);
    std::set<std::string> read;
    Recorder rec(*disk, read);
    auto text = disk->read(main).value_or("");
    std::string base = dir_of(main);
    if (format == "services.nginx")
      parse_nginx(text, main, &rec, base);
    else if (format == "services.supervisor")
      parse_supervisor(text, main, &rec, base);
    else if (format == "services.php-fpm")
      parse_phpfpm(text, main, &rec, base);
    json included = json::array();
    for (const auto& f : read) {
      std::string err;
      if (copy(f, "files" + f, err)) included.push_back("files" + f);
    }
    copy_item(what, format, main, "files" + main, {{"included", included}});
  }

  void configs() {
    for (const char* p :
         {"/etc/nginx/nginx.conf", "/www/server/nginx/conf/nginx.conf", "/usr/local/nginx/conf/nginx.conf"})
      config("nginx", "services.nginx", p);
    bool main_supervisor = false;
    for (const char* p : {"/etc/supervisor/supervisord.conf", "/etc/supervisord.conf"}) {
      std::error_code ec;
      main_supervisor = main_supervisor || fs::is_regular_file(host(p), ec);
      config("supervisord", "services.supervisor", p);
    }
    if (!main_supervisor) {
      auto disk = disk_source(o_.sysroot);
      for (const auto& f : disk->glob("/etc/supervisor/conf.d/*.conf"))
        config("supervisor program file", "services.supervisor", f);
      for (const auto& f : disk->glob("/etc/supervisord.d/*.ini"))
        config("supervisor program file", "services.supervisor", f);
    }
    auto disk = disk_source(o_.sysroot);
    for (const auto& f : disk->glob("/etc/php/*/fpm/php-fpm.conf")) config("php-fpm", "services.php-fpm", f);
    for (const auto& f : disk->glob("/www/server/php/*/etc/php-fpm.conf"))
      config("php-fpm", "services.php-fpm", f);
    config("php-fpm", "services.php-fpm", "/etc/php-fpm.conf");
  }

  const CollectOptions& o_;
  std::ostream& log_;
  json manifest_;
  json items_;
};

}  // namespace

int collect_host(const CollectOptions& options, std::ostream& log) {
  return Collector(options, log).run();
}

}  // namespace rampart::importers
