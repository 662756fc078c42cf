// libFuzzer target for the docker compose importer (services.compose,
// importers/src/services/compose.cpp, yaml-cpp underneath).
//
// Any bytes must give facts or located diagnostics in RP3406, never a
// crash, a hang or a leak; and what comes back must hold together: every
// listener names a service of the fragment and has ports, every path of a
// service's view and accesses is absolute and normalised, a service whose
// identity is unknown has no uid and no gid, and without errors the
// fragment merges into a policy.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rampart/core/dac.h"
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
  std::string_view text(reinterpret_cast<const char*>(data), size);
  core::ImportResult r = importers::parse_compose(text, "fuzz.yaml", "/srv/app");
  for (const auto& d : r.diagnostics.items()) {
    check(d.code == "RP3406", "a diagnostic with another code");
    check(!d.message.empty(), "a diagnostic without a message");
    check(d.origin.file == "fuzz.yaml" && d.origin.line > 0, "a diagnostic without a file and line");
  }
  const core::Policy& f = r.fragment;
  check(r.names.empty(), "a name sent to the host's passwd (compose names are the image's)");
  for (const auto& s : f.services) {
    check(!s.name.empty(), "a service without a name");
    check(s.capabilities_declared && (s.capabilities & ~core::kAllCapabilities) == 0,
          "capabilities out of range");
    check((s.uid == core::kNoId) == (s.gid == core::kNoId), "half an identity");
    check(s.uid == core::kNoId || s.uid == 0 || s.capabilities == 0, "a non-root service with capabilities");
    check(!s.view.empty() && s.view[0].path == "/" && s.view[0].cover,
          "a service without its container root");
    for (const auto& a : s.accesses)
      check(!a.path.empty() && a.path[0] == '/', "an access path not absolute");
    for (const auto& m : s.view) check(normalised(m.path), "a view path not absolute and normalised");
  }
  for (const auto& h : f.hosts) {
    check(h.name.empty(), "listeners on a named host");
    for (const auto& l : h.listeners) {
      check(l.service.index() < f.services.size(), "a listener of no service");
      check(!l.ports.empty(), "a listener without ports");
    }
  }
  for (const auto& o : r.objects) {
    check(o.kind == core::ObjectKind::Service && o.index < f.services.size(), "a dangling service object");
  }
  if (r.diagnostics.has_errors()) return 0;
  core::Policy merged;
  core::merge(merged, r.fragment);
  check(merged.services.size() == f.services.size(), "merge lost services");
  return 0;
}
