// linux.passwd and linux.group: /etc/passwd and /etc/group (passwd(5),
// group(5)); docs/importers/linux-accounts.md.

#include <map>

#include "native.h"
#include "rampart/importers/linux.h"

namespace rampart::importers {

using native::Sink;

core::ImportResult parse_passwd(std::string_view text, const std::string& file) {
  core::ImportResult r;
  Sink sink(r.diagnostics, "RP3601", file);
  std::map<std::string, uint32_t> seen;
  for (const auto& line : native::lines(text)) {
    std::string_view l = line.text;
    if (native::trim(l).empty() || l.front() == '#') continue;
    if (l.front() == '+' || l.front() == '-') {
      sink.warning(line.number, 1,
                   "NIS compat entries (`+`, `-`) are not read: their users are not in the model");
      continue;
    }
    auto f = native::split(l, ':');
    if (f.size() != 7) {
      sink.error(
          line.number, 1,
          fmt::format("a passwd line has 7 fields (name:password:uid:gid:gecos:home:shell); this one has {}",
                      f.size()));
      continue;
    }
    uint32_t col_uid = uint32_t(f[0].size() + f[1].size() + 3);
    uint32_t col_gid = uint32_t(col_uid + f[2].size() + 1);
    if (f[0].empty()) {
      sink.error(line.number, 1, "the user name is empty");
      continue;
    }
    auto uid = native::number(f[2]);
    auto gid = native::number(f[3]);
    if (!uid) {
      sink.error(line.number, col_uid, fmt::format("`{}` is not a uid (0-4294967294)", f[2]));
      continue;
    }
    if (!gid) {
      sink.error(line.number, col_gid, fmt::format("`{}` is not a gid (0-4294967294)", f[3]));
      continue;
    }
    std::string name(f[0]);
    if (auto [it, inserted] = seen.emplace(name, line.number); !inserted) {
      sink.warning(
          line.number, 1,
          fmt::format("user `{}` is listed again (first on line {}); like getpwnam(3), rampart keeps the "
                      "first",
                      name, it->second));
      continue;
    }
    core::User u;
    u.name = name;
    u.uid = *uid;
    u.primary_gid = *gid;
    u.home = std::string(f[5]);
    u.shell = std::string(f[6]);
    u.origin = sink.at(line.number, 1);
    r.fragment.users.push_back(std::move(u));
    // `seen` keeps names unique: no scan of the objects (quadratic in users).
    r.objects.push_back(
        core::ImportedObject{name, core::ObjectKind::User, uint32_t(r.fragment.users.size() - 1)});
  }
  return r;
}

core::ImportResult parse_group(std::string_view text, const std::string& file) {
  core::ImportResult r;
  Sink sink(r.diagnostics, "RP3602", file);
  std::map<std::string, uint32_t> seen;
  for (const auto& line : native::lines(text)) {
    std::string_view l = line.text;
    if (native::trim(l).empty() || l.front() == '#') continue;
    if (l.front() == '+' || l.front() == '-') {
      sink.warning(line.number, 1,
                   "NIS compat entries (`+`, `-`) are not read: their groups are not in the model");
      continue;
    }
    auto f = native::split(l, ':');
    if (f.size() != 4) {
      sink.error(
          line.number, 1,
          fmt::format("a group line has 4 fields (name:password:gid:members); this one has {}", f.size()));
      continue;
    }
    if (f[0].empty()) {
      sink.error(line.number, 1, "the group name is empty");
      continue;
    }
    auto gid = native::number(f[2]);
    if (!gid) {
      sink.error(line.number, uint32_t(f[0].size() + f[1].size() + 3),
                 fmt::format("`{}` is not a gid (0-4294967294)", f[2]));
      continue;
    }
    std::string name(f[0]);
    if (auto [it, inserted] = seen.emplace(name, line.number); !inserted) {
      sink.warning(
          line.number, 1,
          fmt::format("group `{}` is listed again (first on line {}); like getgrnam(3), rampart keeps the "
                      "first",
                      name, it->second));
      continue;
    }
    core::Group g;
    g.name = name;
    g.gid = *gid;
    if (!f[3].empty()) {
      for (auto m : native::split(f[3], ',')) {
        m = native::trim(m);
        if (!m.empty()) g.members.emplace_back(m);
      }
    }
    g.origin = sink.at(line.number, 1);
    r.fragment.groups.push_back(std::move(g));
    r.objects.push_back(
        core::ImportedObject{name, core::ObjectKind::Group, uint32_t(r.fragment.groups.size() - 1)});
  }
  return r;
}

std::string policy_name(std::string_view native) {
  std::string out;
  for (char c : native) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    out += ok ? c : '_';
  }
  if (out.empty()) return "_";
  if (out[0] == '-' || (out[0] >= '0' && out[0] <= '9')) out.insert(out.begin(), '_');
  // A `-` stands only between two letters, digits or `_`.
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '-' && (i + 1 == out.size() || out[i + 1] == '-')) out[i] = '_';
  }
  return out;
}

}  // namespace rampart::importers
