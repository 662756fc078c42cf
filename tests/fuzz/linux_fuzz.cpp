// libFuzzer target for the Linux host and services importers (linux.passwd,
// linux.group, linux.find, linux.stat, linux.ls, linux.getfacl, linux.ss,
// linux.mounts, services.supervisor, services.systemd, services.nginx,
// services.php-fpm). The first byte picks the parser; the rest is the file.
// For the services, the same bytes are also served as the files their
// includes name (so includes of includes, and cycles, are exercised).
//
// Any bytes must give facts or located diagnostics in the parser's own
// code, never a crash, a hang or a leak; and what comes back must hold
// together: every name reference and imported object points at something
// that exists, every path is absolute and normalised, and without errors
// the fragment merges into a policy.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rampart/core/policy.h"
#include "rampart/importers/linux.h"

namespace {

using namespace rampart;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    abort();
  }
}

bool normalised(const std::string& p) {
  if (p.empty() || p[0] != '/') return false;
  if (p.size() > 1 && p.back() == '/') return false;
  return p.find("//") == std::string::npos && p.find("/./") == std::string::npos &&
         p.find("/../") == std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const unsigned which = data[0] % 12;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  static const char* const kCodes[] = {"RP3601", "RP3602", "RP3603", "RP3604", "RP3605", "RP3606",
                                       "RP3607", "RP3608", "RP3401", "RP3402", "RP3403", "RP3404"};
  // Included files: the input itself under several names a configuration may include.
  auto includes = importers::memory_source({{"/etc/x/a.conf", std::string(text)},
                                            {"/etc/x/conf.d/b.conf", std::string(text)},
                                            {"/etc/x/pool.d/www.conf", std::string(text)}});
  core::ImportResult r;
  switch (which) {
    case 0: r = importers::parse_passwd(text, "fuzz"); break;
    case 1: r = importers::parse_group(text, "fuzz"); break;
    case 2: r = importers::parse_find(text, "fuzz"); break;
    case 3: r = importers::parse_stat(text, "fuzz"); break;
    case 4: r = importers::parse_ls(text, "fuzz"); break;
    case 5: r = importers::parse_getfacl(text, "fuzz"); break;
    case 6: r = importers::parse_ss(text, "fuzz"); break;
    case 7: r = importers::parse_mounts(text, "fuzz"); break;
    case 8: r = importers::parse_supervisor(text, "fuzz", includes.get(), "/etc/x"); break;
    case 9: {
      // A drop-in: what follows a line `---`, if any.
      std::vector<std::pair<std::string, std::string>> dropins;
      std::string_view unit = text;
      if (auto at = text.find("\n---\n"); at != std::string_view::npos) {
        unit = text.substr(0, at);
        dropins.emplace_back("fuzz.service.d/x.conf", std::string(text.substr(at + 5)));
      }
      r = importers::parse_systemd(unit, "fuzz@i.service", dropins);
      break;
    }
    case 10: r = importers::parse_nginx(text, "fuzz", includes.get(), "/etc/x"); break;
    default: r = importers::parse_phpfpm(text, "fuzz", includes.get(), "/etc/x"); break;
  }
  for (const auto& d : r.diagnostics.items()) {
    check(d.code == kCodes[which], "a diagnostic with another code");
    check(!d.message.empty(), "a diagnostic without a message");
    check(!d.origin.file.empty() && d.origin.line > 0, "a diagnostic without a file and line");
  }
  const core::Policy& f = r.fragment;
  for (const auto& n : f.files) {
    check(normalised(n.path), "a file path not absolute and normalised");
    check(n.mode <= 07777, "a mode above 07777");
  }
  for (const auto& m : f.mounts) check(normalised(m.path), "a mount path not absolute and normalised");
  for (const auto& s : f.services) {
    check(!s.name.empty(), "a service without a name");
    for (const auto& a : s.accesses) check(!a.path.empty() && a.path[0] == '/', "an access path not absolute");
    for (const auto& m : s.view) check(normalised(m.path), "a view path not absolute and normalised");
  }
  for (const auto& o : r.objects) {
    switch (o.kind) {
      case core::ObjectKind::User: check(o.index < f.users.size(), "a dangling user object"); break;
      case core::ObjectKind::Group: check(o.index < f.groups.size(), "a dangling group object"); break;
      case core::ObjectKind::Service: check(o.index < f.services.size(), "a dangling service object"); break;
      default: check(false, "an object of an unexpected kind");
    }
  }
  using T = core::NameRef::Target;
  for (const auto& n : r.names) {
    switch (n.target) {
      case T::ServiceUser:
      case T::ServiceGroup:
      case T::ServiceSupplementary: check(n.index < f.services.size(), "a dangling service name"); break;
      case T::FileOwner:
      case T::FileGroup: check(n.index < f.files.size(), "a dangling file name"); break;
      case T::AclUser:
      case T::AclGroup:
        check(n.index < f.files.size() && n.entry < f.files[n.index].access_acl.entries.size(),
              "a dangling ACL entry name");
        break;
      default: break;
    }
  }
  if (r.diagnostics.has_errors()) return 0;
  core::Policy merged;
  core::merge(merged, r.fragment);
  check(merged.services.size() == f.services.size() && merged.files.size() == f.files.size(),
        "merge lost services or files");
  return 0;
}
