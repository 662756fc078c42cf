// File-tree snapshots as admins produce them: find -printf, stat -c, ls -lnR
// and getfacl -R -n -p (docs/importers/linux-snapshots.md). Each gives file
// nodes without a host: the host block that imports them owns them.

#include "snapshots.h"

#include <map>
#include <set>

#include "native.h"
#include "rampart/core/dac.h"
#include "rampart/importers/linux.h"

namespace rampart::importers {

using core::FileType;
using native::Sink;

namespace {

// A path the kernel cannot resolve in one call (PATH_MAX, 4096 bytes with
// its NUL): no process opens it by that name (ENAMETOOLONG), so it is left
// out of the model, with a warning. Keeping it would also cost memory
// quadratic in its depth (a 40 KB line of `/a/a/...` took 1.3 GB).
bool path_too_long(const std::string& path, Sink& sink, uint32_t line) {
  if (path.size() < 4096) return false;
  sink.warning(line, 1,
               fmt::format("a path of {} bytes, longer than PATH_MAX (4096): no process can open it by name, "
                           "so it is left out of the model",
                           path.size()));
  return true;
}

// Nodes of one listing: a path given twice must say the same thing.
class Nodes {
 public:
  Nodes(core::ImportResult& r, Sink& sink) : r_(r), sink_(sink) {}
  void add(core::FileNode n, uint32_t line) {
    if (path_too_long(n.path, sink_, line)) return;
    auto it = index_.find(n.path);
    if (it != index_.end()) {
      const core::FileNode& o = r_.fragment.files[it->second];
      if (o.uid != n.uid || o.gid != n.gid || o.mode != n.mode || o.type != n.type) {
        sink_.error(line, 1,
                    fmt::format("`{}` is listed again (line {}) with other owner, mode or type", n.path,
                                o.origin.line));
      }
      return;
    }
    index_.emplace(n.path, r_.fragment.files.size());
    r_.fragment.files.push_back(std::move(n));
  }

 private:
  core::ImportResult& r_;
  Sink& sink_;
  std::map<std::string, size_t> index_;
};

std::optional<FileType> type_of_letter(char c) {
  switch (c) {
    case 'f':
    case '-': return FileType::Regular;
    case 'd': return FileType::Directory;
    case 'l': return FileType::Symlink;
    case 's': return FileType::Socket;
    case 'p': return FileType::Fifo;
    case 'c': return FileType::CharDevice;
    case 'b': return FileType::BlockDevice;
    default: return std::nullopt;
  }
}

std::optional<std::string> absolute(std::string_view p) {
  if (p.empty() || p[0] != '/') return std::nullopt;
  return core::normalise_path(std::string(p));
}

}  // namespace

// find / -xdev -printf '%m %U %G %y %p\n'
core::ImportResult read_find(LineSource& lines, const std::string& file) {
  core::ImportResult r;
  Sink sink(r.diagnostics, "RP3603", file);
  Nodes nodes(r, sink);
  for (const auto& line : lines) {
    if (native::trim(line.text).empty()) continue;
    auto f = native::fields(line.text, 5);
    if (f.size() != 5) {
      sink.error(
          line.number, 1,
          "expected `MODE UID GID TYPE PATH`, as `find / -xdev -printf '%m %U %G %y %p\\n'` prints it");
      continue;
    }
    auto mode = native::octal(f[0].text);
    auto uid = native::number(f[1].text);
    auto gid = native::number(f[2].text);
    if (!mode) {
      sink.error(line.number, f[0].column,
                 fmt::format("`{}` is not a mode (octal, at most 7777)", f[0].text));
      continue;
    }
    if (!uid || !gid) {
      sink.error(line.number, uid ? f[2].column : f[1].column,
                 fmt::format("`{}` is not a numeric {} (use %U and %G, not %u and %g)",
                             uid ? f[2].text : f[1].text, uid ? "gid" : "uid"));
      continue;
    }
    if (f[3].text.size() != 1 ||
        (f[3].text[0] != 'D' && f[3].text[0] != 'U' && f[3].text[0] != '?' &&
         !type_of_letter(f[3].text[0])) ||
        f[3].text[0] == '-') {
      sink.error(line.number, f[3].column,
                 fmt::format("`{}` is not a %y file type (f d l s p c b)", f[3].text));
      continue;
    }
    if (f[3].text[0] == 'D' || f[3].text[0] == 'U' || f[3].text[0] == '?') {
      sink.warning(
          line.number, f[3].column,
          fmt::format("`{}` has a type rampart does not model (`{}`); it is left out", f[4].text, f[3].text));
      continue;
    }
    auto path = absolute(f[4].text);
    if (!path) {
      sink.error(line.number, f[4].column,
                 fmt::format("`{}` is not an absolute path: start find at an absolute path (`find / ...`)",
                             f[4].text));
      continue;
    }
    core::FileNode n;
    n.path = *path;
    n.type = *type_of_letter(f[3].text[0]);
    n.uid = *uid;
    n.gid = *gid;
    n.mode = *mode;
    n.acl_known = false;
    n.origin = sink.at(line.number, 1);
    nodes.add(std::move(n), line.number);
  }
  return r;
}

// stat -c '%a %u %g %F %n' PATH...
core::ImportResult read_stat(LineSource& lines, const std::string& file) {
  static const std::pair<std::string_view, FileType> kTypes[] = {
      {"regular empty file ", FileType::Regular},
      {"regular file ", FileType::Regular},
      {"directory ", FileType::Directory},
      {"symbolic link ", FileType::Symlink},
      {"socket ", FileType::Socket},
      {"fifo ", FileType::Fifo},
      {"character special file ", FileType::CharDevice},
      {"block special file ", FileType::BlockDevice}};
  core::ImportResult r;
  Sink sink(r.diagnostics, "RP3604", file);
  Nodes nodes(r, sink);
  for (const auto& line : lines) {
    if (native::trim(line.text).empty()) continue;
    auto f = native::fields(line.text, 4);
    if (f.size() != 4) {
      sink.error(line.number, 1,
                 "expected `MODE UID GID TYPE NAME`, as `stat -c '%a %u %g %F %n'` prints it");
      continue;
    }
    auto mode = native::octal(f[0].text);
    auto uid = native::number(f[1].text);
    auto gid = native::number(f[2].text);
    if (!mode) {
      sink.error(line.number, f[0].column,
                 fmt::format("`{}` is not a mode (%a: octal, at most 7777)", f[0].text));
      continue;
    }
    if (!uid || !gid) {
      sink.error(line.number, uid ? f[2].column : f[1].column,
                 fmt::format("`{}` is not a numeric id (use %u and %g, not %U and %G)",
                             uid ? f[2].text : f[1].text));
      continue;
    }
    std::string_view rest = f[3].text;
    std::optional<FileType> type;
    for (const auto& [name, t] : kTypes) {
      if (rest.substr(0, name.size()) == name) {
        type = t;
        rest.remove_prefix(name.size());
        break;
      }
    }
    if (!type) {
      sink.error(
          line.number, f[3].column,
          fmt::format("`{}` does not start with a %F file type (regular file, directory, symbolic link, "
                      "socket, fifo, character special file, block special file)",
                      f[3].text));
      continue;
    }
    auto path = absolute(rest);
    if (!path) {
      sink.error(line.number, uint32_t(f[3].column + (f[3].text.size() - rest.size())),
                 fmt::format("`{}` is not an absolute path: give stat absolute paths", rest));
      continue;
    }
    core::FileNode n;
    n.path = *path;
    n.type = *type;
    n.uid = *uid;
    n.gid = *gid;
    n.mode = *mode;
    n.acl_known = false;
    n.origin = sink.at(line.number, 1);
    nodes.add(std::move(n), line.number);
  }
  return r;
}

namespace {

// `drwxr-sr-x` (and a following `+` or `.`): type and mode.
bool parse_mode_string(std::string_view s, FileType& type, uint16_t& mode, bool& acl) {
  if (s.size() < 10 || s.size() > 11) return false;
  auto t = type_of_letter(s[0]);
  if (!t || s[0] == 'f') return false;
  type = *t;
  mode = 0;
  auto bit = [&](char c, char yes, uint16_t b) {
    if (c == yes)
      mode |= b;
    else if (c != '-')
      return false;
    return true;
  };
  auto special = [&](char c, uint16_t x, uint16_t sbit, char lower, char upper) {
    if (c == 'x')
      mode |= x;
    else if (c == lower)
      mode |= x | sbit;
    else if (c == upper)
      mode |= sbit;
    else if (c != '-')
      return false;
    return true;
  };
  if (!bit(s[1], 'r', 0400) || !bit(s[2], 'w', 0200) || !special(s[3], 0100, 04000, 's', 'S') ||
      !bit(s[4], 'r', 040) || !bit(s[5], 'w', 020) || !special(s[6], 010, 02000, 's', 'S') ||
      !bit(s[7], 'r', 04) || !bit(s[8], 'w', 02) || !special(s[9], 01, 01000, 't', 'T')) {
    return false;
  }
  acl = s.size() == 11 && s[10] == '+';
  return s.size() == 10 || s[10] == '+' || s[10] == '.';
}

bool is_date(std::string_view s) {
  return s.size() == 10 && s[4] == '-' && s[7] == '-' && std::isdigit((unsigned char)s[0]);
}

}  // namespace

// ls -lnRa --time-style=long-iso PATH (or the C locale's default dates)
core::ImportResult read_ls(LineSource& lines, const std::string& file) {
  core::ImportResult r;
  Sink sink(r.diagnostics, "RP3605", file);
  Nodes nodes(r, sink);
  std::string dir;
  uint32_t acl_lines = 0, first_acl = 0;
  for (const auto& line : lines) {
    std::string_view l = line.text;
    if (native::trim(l).empty()) continue;
    if (l.substr(0, 6) == "total ") continue;
    if (l.back() == ':' && (l[0] == '/' || l[0] == '.')) {
      auto p = absolute(l.substr(0, l.size() - 1));
      if (!p) {
        sink.error(line.number, 1,
                   fmt::format("`{}` is not an absolute directory: run ls -lnR on absolute paths",
                               l.substr(0, l.size() - 1)));
        dir.clear();
        continue;
      }
      dir = *p;
      continue;
    }
    auto f = native::fields(l);
    FileType type;
    uint16_t mode = 0;
    bool acl = false;
    if (f.empty() || !parse_mode_string(f[0].text, type, mode, acl)) {
      sink.error(line.number, 1,
                 "expected an `ls -ln` entry (`drwxr-xr-x 2 0 0 4096 DATE NAME`) or a `DIR:` header");
      continue;
    }
    if (dir.empty()) {
      sink.error(line.number, 1, "an entry before any `DIR:` header: run `ls -lnR` on a directory");
      continue;
    }
    bool device = type == FileType::CharDevice || type == FileType::BlockDevice;
    size_t date_at = device ? 6 : 5;  // mode links uid gid size | mode links uid gid major, minor
    if (f.size() <= date_at + 1) {
      sink.error(line.number, 1, "this entry has too few fields for `ls -ln`");
      continue;
    }
    auto uid = native::number(f[2].text);
    auto gid = native::number(f[3].text);
    if (!uid || !gid) {
      sink.error(line.number, uid ? f[3].column : f[2].column,
                 fmt::format("`{}` is not a numeric id: use `ls -n`", uid ? f[3].text : f[2].text));
      continue;
    }
    size_t date_fields = 3;  // C locale: `Mar  1 12:00` or `Mar  1  2023`
    if (is_date(f[date_at].text)) {
      date_fields =
          (f.size() > date_at + 2 && (f[date_at + 2].text[0] == '+' || f[date_at + 2].text[0] == '-') &&
           f[date_at + 2].text.size() == 5)
              ? 3
              : 2;  // full-iso has a zone; long-iso does not
    }
    if (f.size() <= date_at + date_fields) {
      sink.error(line.number, 1, "this entry has no name after its date");
      continue;
    }
    const native::Field& last_date = f[date_at + date_fields - 1];
    size_t name_start = last_date.column - 1 + last_date.text.size() + 1;
    if (name_start >= l.size()) {
      sink.error(line.number, 1, "this entry has no name after its date");
      continue;
    }
    std::string_view name = l.substr(name_start);
    if (type == FileType::Symlink) {
      auto arrow = name.find(" -> ");
      if (arrow != std::string_view::npos) name = name.substr(0, arrow);
    }
    if (name == "..") continue;
    std::string path = name == "." ? dir : (dir == "/" ? "/" : dir + "/") + std::string(name);
    if (name.find('/') != std::string_view::npos) {
      sink.error(line.number, uint32_t(name_start + 1), fmt::format("`{}` is not a file name", name));
      continue;
    }
    core::FileNode n;
    n.path = core::normalise_path(path);
    n.type = type;
    n.uid = *uid;
    n.gid = *gid;
    n.mode = mode;
    n.acl_known = !acl;  // `+`: an ACL ls does not show
    n.origin = sink.at(line.number, 1);
    if (acl && acl_lines++ == 0) first_acl = line.number;
    nodes.add(std::move(n), line.number);
  }
  if (acl_lines) {
    sink.warning(first_acl, 1,
                 fmt::format("{} entr{} an ACL (`+`) that ls does not show (the first here): import a "
                             "`getfacl -R -n -p` listing of them too, or they count as having none",
                             acl_lines, acl_lines == 1 ? "y has" : "ies have"));
  }
  return r;
}

// getfacl -R -n -p PATH
core::ImportResult read_getfacl(LineSource& lines, const std::string& file) {
  core::ImportResult r;
  Sink sink(r.diagnostics, "RP3606", file);
  using Tag = core::AclEntry::Tag;
  struct Block {
    std::string path;
    uint32_t line = 0;
    std::optional<uint32_t> uid, gid;
    std::string owner_name, group_name;
    uint16_t flags = 0;
    std::vector<core::AclEntry> access, deflt;
    std::vector<std::pair<size_t, std::string>> named;  // access entries with a name, not a number
    bool bad = false;
  };
  std::vector<Block> blocks;
  Block* b = nullptr;
  for (const auto& line : lines) {
    std::string_view l = native::trim(line.text);
    if (l.empty()) {
      b = nullptr;
      continue;
    }
    if (l.substr(0, 8) == "# file: ") {
      blocks.emplace_back();
      b = &blocks.back();
      b->line = line.number;
      std::string raw;
      if (!native::unescape_octal(l.substr(8), raw)) {
        sink.error(line.number, 9, "a bad `\\ooo` escape in the file name");
        b->bad = true;
        continue;
      }
      // Without -p, getfacl strips the leading `/`.
      b->path = core::normalise_path(raw.empty() || raw[0] != '/' ? "/" + raw : raw);
      if (path_too_long(b->path, sink, line.number)) b->bad = true;  // skipped, with the warning
      continue;
    }
    if (!b) {
      sink.error(line.number, 1, "expected `# file: PATH`, which starts each entry of `getfacl -R -n -p`");
      continue;
    }
    if (l.substr(0, 9) == "# owner: " || l.substr(0, 9) == "# group: ") {
      std::string_view v = l.substr(9);
      bool owner = l[2] == 'o';
      if (auto n = native::number(v))
        (owner ? b->uid : b->gid) = *n;
      else
        (owner ? b->owner_name : b->group_name) = std::string(v);
      continue;
    }
    if (l.substr(0, 9) == "# flags: ") {
      std::string_view v = l.substr(9);
      if (v.size() != 3) {
        sink.error(line.number, 10, fmt::format("`{}` is not a flags field (`sst`, `-s-`, ...)", v));
        b->bad = true;
        continue;
      }
      if (v[0] == 's') b->flags |= 04000;
      if (v[1] == 's') b->flags |= 02000;
      if (v[2] == 't') b->flags |= 01000;
      continue;
    }
    if (l[0] == '#') continue;  // another comment
    // TAG:QUALIFIER:PERMS, optionally `default:` first and `#effective:...` after.
    std::string_view entry = l.substr(0, l.find('#'));
    entry = native::trim(entry);
    bool is_default = false;
    if (entry.substr(0, 8) == "default:") {
      is_default = true;
      entry.remove_prefix(8);
    }
    auto parts = native::split(entry, ':');
    uint8_t perms = 0;
    bool ok = parts.size() == 3 && parts[2].size() == 3;
    if (ok) {
      const char want[] = {'r', 'w', 'x'};
      for (int i = 0; i < 3; ++i) {
        if (parts[2][i] == want[i])
          perms |= uint8_t(4 >> i);
        else if (parts[2][i] != '-')
          ok = false;
      }
    }
    if (!ok) {
      sink.error(line.number, 1, fmt::format("`{}` is not an ACL entry (TAG:QUALIFIER:rwx)", l));
      b->bad = true;
      continue;
    }
    core::AclEntry e;
    e.perms = perms;
    std::string_view tag = parts[0], q = parts[1];
    std::string named;
    if (tag == "user" || tag == "group") {
      e.tag = q.empty() ? (tag == "user" ? Tag::UserObj : Tag::GroupObj)
                        : (tag == "user" ? Tag::User : Tag::Group);
      if (!q.empty()) {
        if (auto n = native::number(q))
          e.qualifier = *n;
        else
          named = std::string(q);
      }
    } else if ((tag == "mask" || tag == "other") && q.empty()) {
      e.tag = tag == "mask" ? Tag::Mask : Tag::Other;
    } else {
      sink.error(line.number, 1, fmt::format("`{}` is not an ACL entry (user, group, mask, other)", l));
      b->bad = true;
      continue;
    }
    auto& list = is_default ? b->deflt : b->access;
    if (!named.empty()) {
      if (is_default) {
        sink.error(line.number, 1,
                   fmt::format("`{}` names `{}`: run getfacl with -n for numeric ids", l, named));
        b->bad = true;
        continue;
      }
      b->named.emplace_back(list.size(), named);
    }
    list.push_back(e);
  }
  Nodes nodes(r, sink);
  std::set<std::string> paths;
  for (const auto& blk : blocks) paths.insert(blk.path);
  for (const auto& blk : blocks) {
    if (blk.bad) continue;
    auto base = [&](const std::vector<core::AclEntry>& v, Tag t) -> const core::AclEntry* {
      for (const auto& e : v) {
        if (e.tag == t) return &e;
      }
      return nullptr;
    };
    const core::AclEntry *uo = base(blk.access, Tag::UserObj), *go = base(blk.access, Tag::GroupObj),
                         *ot = base(blk.access, Tag::Other), *mk = base(blk.access, Tag::Mask);
    if (!uo || !go || !ot || (!blk.uid && blk.owner_name.empty()) || (!blk.gid && blk.group_name.empty())) {
      sink.error(
          blk.line, 1,
          fmt::format("the entry of `{}` lacks its owner, group or a `user::`, `group::`, `other::` entry",
                      blk.path));
      continue;
    }
    core::FileNode n;
    n.path = blk.path;
    n.uid = blk.uid.value_or(core::kNoId);
    n.gid = blk.gid.value_or(core::kNoId);
    n.mode = uint16_t(blk.flags | (uo->perms << 6) | ((mk ? mk->perms : go->perms) << 3) | ot->perms);
    bool extended = blk.access.size() > 3;
    if (extended) {
      n.access_acl.entries = blk.access;
      std::stable_sort(n.access_acl.entries.begin(), n.access_acl.entries.end(),
                       [](const core::AclEntry& a, const core::AclEntry& c) {
                         return a.tag != c.tag ? a.tag < c.tag : a.qualifier < c.qualifier;
                       });
      if (!mk) {
        sink.error(blk.line, 1, fmt::format("the ACL of `{}` has named entries but no `mask::`", blk.path));
        continue;
      }
    }
    if (!blk.deflt.empty()) {
      n.default_acl.entries = blk.deflt;
      std::stable_sort(n.default_acl.entries.begin(), n.default_acl.entries.end(),
                       [](const core::AclEntry& a, const core::AclEntry& c) {
                         return a.tag != c.tag ? a.tag < c.tag : a.qualifier < c.qualifier;
                       });
    }
    // getfacl prints no file type. A default ACL, or entries listed below
    // the path, make it a directory; otherwise another listing must say.
    auto below = paths.upper_bound(blk.path == "/" ? "/" : blk.path + "/");
    bool parent_of_others = blk.path == "/" ? paths.size() > 1
                                            : (below != paths.end() &&
                                               below->compare(0, blk.path.size() + 1, blk.path + "/") == 0);
    if (!blk.deflt.empty() || parent_of_others) {
      n.type = FileType::Directory;
    } else {
      n.type = FileType::Regular;
      n.type_known = false;
    }
    n.origin = sink.at(blk.line, 1);
    size_t index = r.fragment.files.size();
    nodes.add(std::move(n), blk.line);
    if (index == r.fragment.files.size()) continue;  // a repeat
    if (!blk.owner_name.empty()) {
      native::name_ref(r, core::NameRef::Target::FileOwner, index, blk.owner_name, sink.at(blk.line, 1));
    }
    if (!blk.group_name.empty()) {
      native::name_ref(r, core::NameRef::Target::FileGroup, index, blk.group_name, sink.at(blk.line, 1));
    }
    for (const auto& [entry, name] : blk.named) {
      // Entry indices are before sorting: find it again by its position among same-tag entries.
      const core::AclEntry& raw = blk.access[entry];
      auto& sorted = r.fragment.files[index].access_acl.entries;
      for (size_t k = 0; k < sorted.size(); ++k) {
        if (sorted[k].tag == raw.tag && sorted[k].qualifier == core::kNoId && sorted[k].perms == raw.perms) {
          sorted[k].qualifier = core::kNoId - 1 - uint32_t(k);  // placeholder until the binder resolves it
          native::name_ref(
              r, raw.tag == Tag::User ? core::NameRef::Target::AclUser : core::NameRef::Target::AclGroup,
              index, name, sink.at(blk.line, 1), false, false, std::nullopt, uint32_t(k));
          break;
        }
      }
    }
  }
  return r;
}

// The same parsers over a text in memory.
core::ImportResult parse_find(std::string_view text, const std::string& file) {
  LineSource lines(text, LineSource::Options{text.find('\0') != std::string_view::npos ? '\0' : '\n'});
  return read_find(lines, file);
}
core::ImportResult parse_stat(std::string_view text, const std::string& file) {
  LineSource lines(text, LineSource::Options{});
  return read_stat(lines, file);
}
core::ImportResult parse_ls(std::string_view text, const std::string& file) {
  LineSource lines(text, LineSource::Options{});
  return read_ls(lines, file);
}
core::ImportResult parse_getfacl(std::string_view text, const std::string& file) {
  LineSource lines(text, LineSource::Options{});
  return read_getfacl(lines, file);
}

}  // namespace rampart::importers
