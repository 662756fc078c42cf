// `.wfw` files written by `netsh advfirewall export`: a registry hive
// holding the policy store, read with libhivex, never by scraping bytes
// (docs/importers/windows.md#wfw-files).

#include <fmt/format.h>
#include <hivex.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <set>

#include "rampart/importers/windows.h"
#include "windows/common.h"
#include "windows/registry.h"

namespace rampart::importers::windows {

namespace {

constexpr size_t kMaxDepth = 32;
constexpr size_t kMaxNodes = 200000;

struct Free {
  void operator()(void* p) const { std::free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Free>;

class HiveReader {
 public:
  HiveReader(hive_h* h, StoreCollector& collector, const std::string& file, core::Diagnostics& diags)
      : h_(h), collector_(collector), file_(file), diags_(diags) {}

  bool run() {
    hive_node_h root = hivex_root(h_);
    if (root == 0) return fail("the hive has no root key");
    return visit(root, "", 0);
  }

 private:
  bool fail(const std::string& what) {
    diags_.error(codes::kHive, core::Origin::native_line(file_, 0),
                 fmt::format("libhivex cannot read the hive: {}{}", what,
                             errno ? fmt::format(" ({})", std::strerror(errno)) : std::string()));
    return false;
  }

  bool visit(hive_node_h node, const std::string& parent, size_t depth) {
    if (depth > kMaxDepth) return fail("keys nest too deep");
    if (!visited_.insert(node).second) return fail("a key is its own descendant");
    if (visited_.size() > kMaxNodes) return fail("more keys than rampart reads from one hive");
    errno = 0;
    Owned<char> name(hivex_node_name(h_, node));
    if (!name) return fail("a key name is unreadable");
    std::string path = parent.empty() ? std::string(name.get()) : parent + "\\" + name.get();
    if (collector_.key(path)) {
      errno = 0;
      Owned<hive_value_h> values(hivex_node_values(h_, node));
      if (!values) return fail(fmt::format("the values of `{}` are unreadable", path));
      for (hive_value_h* v = values.get(); *v; ++v) {
        if (!value(*v, path)) return false;
      }
    }
    errno = 0;
    Owned<hive_node_h> children(hivex_node_children(h_, node));
    if (!children) return fail(fmt::format("the subkeys of `{}` are unreadable", path));
    for (hive_node_h* c = children.get(); *c; ++c) {
      if (!visit(*c, path, depth + 1)) return false;
    }
    return true;
  }

  bool value(hive_value_h v, const std::string& path) {
    errno = 0;
    Owned<char> key(hivex_value_key(h_, v));
    if (!key) return fail(fmt::format("a value name under `{}` is unreadable", path));
    // libhivex stores the hive's raw 32-bit type, which may be any number
    // (a crafted hive's, or a type later than hivex knows): read it as a
    // number, never as the enum, whose range does not hold every value.
    hive_type raw;
    size_t len = 0;
    if (hivex_value_type(h_, v, &raw, &len) != 0)
      return fail(fmt::format("value `{}` is unreadable", key.get()));
    static_assert(sizeof(raw) == sizeof(uint32_t), "hive_type is the registry's 32-bit type");
    uint32_t type = 0;
    std::memcpy(&type, &raw, sizeof type);
    RegValue rv;
    rv.name = key.get();
    rv.origin = core::Origin::native_rule(file_, rv.name);
    if (type == uint32_t(hive_t_REG_SZ) || type == uint32_t(hive_t_REG_EXPAND_SZ)) {
      errno = 0;
      Owned<char> s(hivex_value_string(h_, v));
      if (!s) return fail(fmt::format("string value `{}` is unreadable", rv.name));
      rv.type = RegValue::Type::String;
      rv.text = s.get();
    } else if (type == uint32_t(hive_t_REG_DWORD) || type == uint32_t(hive_t_REG_DWORD_BIG_ENDIAN)) {
      if (len != 4) return fail(fmt::format("dword value `{}` is {} bytes long", rv.name, len));
      errno = 0;
      rv.type = RegValue::Type::Dword;
      rv.dword = uint32_t(hivex_value_dword(h_, v));
    }
    collector_.value(std::move(rv));
    return true;
  }

  hive_h* h_;
  StoreCollector& collector_;
  const std::string& file_;
  core::Diagnostics& diags_;
  std::set<hive_node_h> visited_;
};

}  // namespace

core::ImportResult read_wfw(const std::string& path, const std::string& file) {
  core::ImportResult out;
  errno = 0;
  hive_h* h = hivex_open(path.c_str(), 0);
  if (!h) {
    out.diagnostics.error(codes::kHive, core::Origin::native_line(file, 0),
                          fmt::format("libhivex cannot open the file as a registry hive{}: a .wfw file is "
                                      "what `netsh advfirewall export` writes",
                                      errno ? fmt::format(" ({})", std::strerror(errno)) : std::string()));
    return out;
  }
  StoreCollector collector(file, out.diagnostics);
  bool ok = HiveReader(h, collector, file, out.diagnostics).run();
  hivex_close(h);
  if (!ok) return out;
  auto input = collector.finish(".wfw hive");
  if (!input) return out;
  out = build_firewall(*input, file, std::move(out.diagnostics));
  out.fragment.source_files.push_back(file);
  return out;
}

core::ImportResult parse_wfw(std::string_view bytes, const std::string& file) {
  // libhivex reads files only: hand it the bytes through an anonymous
  // in-memory file.
  core::ImportResult out;
  int fd = memfd_create("rampart-wfw", MFD_CLOEXEC);
  if (fd < 0) {
    out.diagnostics.error(codes::kHive, core::Origin::native_line(file, 0),
                          fmt::format("cannot hold the hive in memory: {}", std::strerror(errno)));
    return out;
  }
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) break;
    done += size_t(n);
  }
  if (done != bytes.size()) {
    close(fd);
    out.diagnostics.error(codes::kHive, core::Origin::native_line(file, 0), "cannot hold the hive in memory");
    return out;
  }
  out = read_wfw(fmt::format("/proc/self/fd/{}", fd), file);
  close(fd);
  return out;
}

}  // namespace rampart::importers::windows
