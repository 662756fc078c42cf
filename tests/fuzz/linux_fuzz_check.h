#pragma once
// Shared by the Linux host and services fuzz targets (linux_fuzz.cpp,
// services_*_fuzz.cpp, linux_host_fuzz.cpp): what an importer returns for
// any bytes must hold together. Diagnostics carry an expected code, a
// message, a file and a line; every path is absolute and normalised; every
// name reference and imported object points at something that exists; and
// without errors the fragment merges into a policy.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "rampart/core/policy.h"
#include "rampart/importers/linux.h"

namespace rampart::fuzz {

inline bool normalised(const std::string& p) {
  if (p.empty() || p[0] != '/') return false;
  if (p.size() > 1 && p.back() == '/') return false;
  return p.find("//") == std::string::npos && p.find("/./") == std::string::npos &&
         p.find("/../") == std::string::npos;
}

// `codes`: the codes the importer may use. A diagnostic located by JSON
// pointer (a linux.host manifest) has no line; `line_required` says whether
// one is needed.
inline void check_import(const core::ImportResult& r, std::initializer_list<std::string_view> codes,
                         bool line_required = true) {
  for (const auto& d : r.diagnostics.items()) {
    bool known = false;
    for (auto c : codes) known |= d.code == c;
    check(known, "a diagnostic with another code");
    check(!d.message.empty(), "a diagnostic without a message");
    check(!d.origin.file.empty(), "a diagnostic without a file");
    if (line_required) check(d.origin.line > 0, "a diagnostic without a line");
  }
  const core::Policy& f = r.fragment;
  for (const auto& n : f.files) {
    check(normalised(n.path), "a file path not absolute and normalised");
    check(n.mode <= 07777, "a mode above 07777");
  }
  for (const auto& m : f.mounts) check(normalised(m.path), "a mount path not absolute and normalised");
  for (const auto& s : f.services) {
    check(!s.name.empty(), "a service without a name");
    for (const auto& a : s.accesses)
      check(!a.path.empty() && a.path[0] == '/', "an access path not absolute");
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
  if (r.diagnostics.has_errors()) return;
  core::Policy merged;
  core::merge(merged, r.fragment);
  check(merged.services.size() == f.services.size() && merged.files.size() == f.files.size(),
        "merge lost services or files");
}

// The services' includes: the input itself under the names a configuration
// may include (so includes of includes, and cycles, are exercised).
inline std::unique_ptr<importers::FileSource> includes_of(std::string_view text) {
  return importers::memory_source({{"/etc/x/a.conf", std::string(text)},
                                   {"/etc/x/conf.d/b.conf", std::string(text)},
                                   {"/etc/x/pool.d/www.conf", std::string(text)}});
}

}  // namespace rampart::fuzz
