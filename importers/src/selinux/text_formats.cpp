// The SELinux text formats rampart reads (docs/importers/selinux.md):
// file_contexts (libselinux's read_spec_entries), .subs / .subs_dist, label
// snapshots (`ls -Z`, `ls -lZ`, `stat -c '%C %n'`), `getsebool -a`,
// `ps -eZ`, and audit records for `rampart explain --avc`.

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

#include "rampart/core/dac.h"
#include "rampart/importers/selinux.h"

namespace rampart::importers {

namespace sel = core::selinux;
using core::Origin;

namespace {

// Lines with their 1-based numbers; a final line without '\n' counts.
template <typename F>
void for_each_line(std::string_view text, F&& f) {
  uint32_t n = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = text.find('\n', i);
    if (end == std::string_view::npos) end = text.size();
    f(text.substr(i, end - i), ++n);
    i = end + 1;
  }
}

bool space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

std::vector<std::pair<std::string_view, uint32_t>> tokens(std::string_view line) {
  std::vector<std::pair<std::string_view, uint32_t>> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && space(line[i])) ++i;
    size_t start = i;
    while (i < line.size() && !space(line[i])) ++i;
    if (i > start) out.emplace_back(line.substr(start, i - start), uint32_t(start + 1));
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

bool looks_like_context(std::string_view t) {
  return !t.empty() && t[0] != '/' && std::count(t.begin(), t.end(), ':') >= 2 &&
         t.find_first_of("\"'=") == std::string_view::npos;
}

bool valid_context_text(std::string_view t, std::string& why) {
  if (std::count(t.begin(), t.end(), ':') < 2) {
    why = "a context has at least three fields, user:role:type";
    return false;
  }
  size_t c1 = t.find(':'), c2 = t.find(':', c1 + 1);
  if (c1 == 0 || c2 == c1 + 1 || c2 + 1 >= t.size() || t[c2 + 1] == ':') {
    why = "a context has an empty user, role or type";
    return false;
  }
  for (char c : t) {
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) {
      why = "a context holds printable ASCII only";
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<sel::FileContextSpec> parse_file_contexts(std::string_view text, const std::string& file,
                                                      core::Diagnostics& diags) {
  std::vector<sel::FileContextSpec> out;
  for_each_line(text, [&](std::string_view line, uint32_t n) {
    size_t i = 0;
    while (i < line.size() && space(line[i])) ++i;
    if (i == line.size() || line[i] == '#') return;
    std::vector<std::pair<std::string_view, uint32_t>> items;
    for (auto& t : tokens(line)) {
      if (items.size() == 3) break;  // read_spec_entries reads three; the rest is ignored
      items.push_back(t);
    }
    for (const auto& [t, col] : items) {
      for (char c : t) {
        if (static_cast<unsigned char>(c) > 0x7f) {
          diags.error("RP3502", Origin::native_line(file, n, col),
                      "non-ASCII characters in a file_contexts entry");
          return;
        }
      }
      if (t.size() >= 0xffff) {
        diags.error("RP3502", Origin::native_line(file, n, col),
                    "a file_contexts entry longer than 65534 characters");
        return;
      }
    }
    if (items.size() < 2) {
      diags.error("RP3502", Origin::native_line(file, n, 1),
                  "a file_contexts line needs REGEX [TYPE] CONTEXT");
      return;
    }
    sel::FileContextSpec s;
    s.regex = std::string(items[0].first);
    s.origin = Origin::native_line(file, n, 1);
    std::string_view ctx = items.back().first;
    if (items.size() == 3) {
      std::string_view type = items[1].first;
      if (type.size() != 2 || type[0] != '-' ||
          std::string_view("bcdpls-").find(type[1]) == std::string_view::npos) {
        diags.error("RP3502", Origin::native_line(file, n, items[1].second),
                    fmt::format("`{}` is not a file type (--, -d, -l, -s, -p, -c or -b)", type));
        return;
      }
      s.file_type = type[1];
    }
    std::string why;
    if (ctx != "<<none>>" && !valid_context_text(ctx, why)) {
      diags.error("RP3502", Origin::native_line(file, n, items.back().second),
                  fmt::format("`{}`: {}", ctx, why));
      return;
    }
    s.context = std::string(ctx);
    // libselinux compiles each regex (PCRE2) when it first needs it; a regex
    // that does not compile makes every later lookup fail. Refuse it here.
    size_t stem = 0;
    if (s.regex.size() > 1) {
      size_t slash = s.regex.find('/', 1);
      if (slash != std::string::npos &&
          s.regex.substr(0, slash).find_first_of(".^$?*+|[({") == std::string::npos)
        stem = slash;
    }
    int depth = 0;
    bool escaped = false, bracket = false;
    for (size_t k = stem; k < s.regex.size(); ++k) {
      char c = s.regex[k];
      if (escaped) {
        escaped = false;
        continue;
      }
      if (c == '\\') {
        escaped = true;
        continue;
      }
      if (bracket) {
        if (c == ']') bracket = false;
        continue;
      }
      if (c == '[')
        bracket = true;
      else if (c == '(')
        ++depth;
      else if (c == ')' && --depth < 0)
        break;
    }
    if (depth != 0 || bracket || escaped) {
      diags.error(
          "RP3502", Origin::native_line(file, n, 1),
          fmt::format("`{}` is not a regular expression libselinux can compile (unbalanced)", s.regex));
      return;
    }
    out.push_back(std::move(s));
  });
  return out;
}

std::vector<sel::Substitution> parse_substitutions(std::string_view text, const std::string& file,
                                                   core::Diagnostics& diags) {
  std::vector<sel::Substitution> out;
  for_each_line(text, [&](std::string_view line, uint32_t n) {
    // selabel_subs_init: lines of at most 1022 characters; `#` starts a
    // comment line; SOURCE and DESTINATION separated by blanks; a line with
    // only one field is skipped.
    std::string_view t = trim(line);
    if (t.empty() || t[0] == '#') return;
    auto items = tokens(line);
    if (items.size() < 2) return;
    if (line.size() > 1022) {
      diags.error("RP3502", Origin::native_line(file, n, 1),
                  "a substitution line longer than 1022 characters");
      return;
    }
    out.push_back(sel::Substitution{std::string(items[0].first), std::string(items[1].first),
                                    Origin::native_line(file, n, 1)});
  });
  return out;
}

std::vector<sel::PathLabel> parse_label_snapshot(std::string_view text, const std::string& file,
                                                 core::Diagnostics& diags) {
  static const std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::vector<sel::PathLabel> out;
  std::string dir;  // the current `DIR:` header of ls output
  for_each_line(text, [&](std::string_view raw, uint32_t n) {
    std::string_view line = raw;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view t = trim(line);
    if (t.empty()) return;
    auto items = tokens(line);
    if (items.size() == 1 && t.back() == ':' && t[0] == '/') {
      dir = std::string(t.substr(0, t.size() - 1));
      return;
    }
    if (items.size() == 2 && items[0].first == "total") return;
    size_t ctx_index = std::string::npos;
    for (size_t k = 0; k < items.size() && k < 6; ++k) {
      if (looks_like_context(items[k].first)) {
        ctx_index = k;
        break;
      }
    }
    if (ctx_index == std::string::npos) {
      diags.error("RP3503", Origin::native_line(file, n, 1),
                  "not a label line: expected `CONTEXT NAME` (ls -Z, stat -c '%C %n') or an ls -lZ line");
      return;
    }
    size_t name_index = ctx_index + 1;
    if (ctx_index > 0) {
      // ls -lZ: MODE LINKS OWNER GROUP CONTEXT SIZE DATE... NAME (older
      // coreutils: MODE OWNER GROUP CONTEXT NAME).
      std::string_view mode = items[0].first;
      bool is_mode = mode.size() >= 10 && std::string_view("-dlcbps").find(mode[0]) != std::string_view::npos;
      if (!is_mode) {
        diags.error("RP3503", Origin::native_line(file, n, 1),
                    "text before the context that is no ls -l mode");
        return;
      }
      if (ctx_index == 4) {
        size_t k = ctx_index + 1;
        if (k < items.size() && items[k].first.back() == ',') ++k;  // device: MAJOR, MINOR
        ++k;                                                        // size
        if (k < items.size() &&
            std::find(std::begin(kMonths), std::end(kMonths), items[k].first) != std::end(kMonths)) {
          k += 3;  // Mon DD HH:MM|YYYY
        } else if (k < items.size() && items[k].first.size() == 10 && items[k].first[4] == '-') {
          k += 2;  // YYYY-MM-DD HH:MM (long-iso); full-iso adds a zone
          if (k < items.size() && (items[k].first[0] == '+' || items[k].first[0] == '-') &&
              items[k].first.size() == 5)
            ++k;
        } else {
          k += 1;
        }
        name_index = k;
      }
    }
    if (name_index >= items.size()) {
      diags.error("RP3503", Origin::native_line(file, n, items[ctx_index].second),
                  "a label without a file name");
      return;
    }
    std::string name(line.substr(items[name_index].second - 1));
    while (!name.empty() && space(name.back())) name.pop_back();
    if (auto arrow = name.find(" -> "); arrow != std::string::npos && items[0].first[0] == 'l')
      name.resize(arrow);
    std::string path;
    if (!name.empty() && name[0] == '/') {
      path = name;
    } else if (!dir.empty()) {
      path = dir + "/" + name;
    } else {
      diags.error("RP3503", Origin::native_line(file, n, items[name_index].second),
                  fmt::format("`{}` is relative and no `DIR:` header says where it is; list absolute paths "
                              "(ls -Zd /path, stat -c '%C %n' /path)",
                              name));
      return;
    }
    path = core::normalise_path(path);
    if (path.empty()) {
      diags.error("RP3503", Origin::native_line(file, n, items[name_index].second), "not a path");
      return;
    }
    std::string_view ctx = items[ctx_index].first;
    std::string why;
    if (!valid_context_text(ctx, why)) {
      diags.error("RP3503", Origin::native_line(file, n, items[ctx_index].second),
                  fmt::format("`{}`: {}", ctx, why));
      return;
    }
    out.push_back(
        sel::PathLabel{path, std::string(ctx), Origin::native_line(file, n, items[ctx_index].second)});
  });
  return out;
}

std::vector<sel::BooleanSetting> parse_getsebool(std::string_view text, const std::string& file,
                                                 core::Diagnostics& diags) {
  std::vector<sel::BooleanSetting> out;
  for_each_line(text, [&](std::string_view line, uint32_t n) {
    auto items = tokens(line);
    if (items.empty()) return;
    if (items.size() < 3 || items[1].first != "-->" || (items[2].first != "on" && items[2].first != "off")) {
      diags.error("RP3504", Origin::native_line(file, n, 1),
                  "not a getsebool line: expected `NAME --> on|off`");
      return;
    }
    bool name_ok = std::all_of(items[0].first.begin(), items[0].first.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
    if (!name_ok) {
      diags.error("RP3504", Origin::native_line(file, n, 1),
                  fmt::format("`{}` is not a boolean name", items[0].first));
      return;
    }
    out.push_back(sel::BooleanSetting{std::string(items[0].first), items[2].first == "on",
                                      Origin::native_line(file, n, 1)});
  });
  return out;
}

std::vector<sel::ProcessLabel> parse_ps_z(std::string_view text, const std::string& file,
                                          core::Diagnostics& diags) {
  std::vector<sel::ProcessLabel> out;
  // Column layout: ps -eZ's by default; a header line names them.
  size_t label_col = 0, pid_col = 1, columns = 5;
  bool header_seen = false;
  for_each_line(text, [&](std::string_view line, uint32_t n) {
    auto items = tokens(line);
    if (items.empty()) return;
    if (!header_seen &&
        (items[0].first == "LABEL" ||
         std::any_of(items.begin(), items.end(), [](const auto& t) { return t.first == "LABEL"; }))) {
      header_seen = true;
      columns = items.size();
      for (size_t k = 0; k < items.size(); ++k) {
        if (items[k].first == "LABEL") label_col = k;
        if (items[k].first == "PID") pid_col = k;
      }
      return;
    }
    if (items.size() < std::max(label_col, pid_col) + 2 || items.size() < columns) {
      diags.error("RP3505", Origin::native_line(file, n, 1),
                  "not a ps -eZ line: expected LABEL PID TTY TIME CMD");
      return;
    }
    std::string_view label = items[label_col].first, pid = items[pid_col].first;
    uint32_t pid_value = 0;
    auto [p, ec] = std::from_chars(pid.data(), pid.data() + pid.size(), pid_value);
    std::string why;
    if (ec != std::errc() || p != pid.data() + pid.size()) {
      diags.error("RP3505", Origin::native_line(file, n, items[pid_col].second),
                  fmt::format("`{}` is not a process id", pid));
      return;
    }
    if (!valid_context_text(label, why)) {
      diags.error("RP3505", Origin::native_line(file, n, items[label_col].second),
                  fmt::format("`{}`: {}", label, why));
      return;
    }
    std::string command(trim(line.substr(items[columns - 1].second - 1)));
    out.push_back(sel::ProcessLabel{std::string(label), pid_value, command, Origin::native_line(file, n, 1)});
  });
  return out;
}

// ---- audit records -----------------------------------------------------------------

namespace {

// audit's untrusted strings: quoted, or hex when they hold odd characters.
std::string audit_value(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return std::string(v.substr(1, v.size() - 2));
  if (v.size() >= 2 && v.size() % 2 == 0 && std::all_of(v.begin(), v.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) && !std::islower(static_cast<unsigned char>(c));
      })) {
    std::string out;
    for (size_t i = 0; i < v.size(); i += 2) {
      out += char(std::stoi(std::string(v.substr(i, 2)), nullptr, 16));
    }
    bool printable = std::all_of(out.begin(), out.end(), [](char c) { return c != 0; });
    if (printable) return out;
  }
  return std::string(v);
}

// key=value pairs, values quoted or not.
std::map<std::string, std::string> fields(std::string_view s) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && space(s[i])) ++i;
    size_t eq = s.find('=', i);
    if (eq == std::string_view::npos) break;
    size_t ks = i;
    std::string_view key = s.substr(ks, eq - ks);
    if (key.find(' ') != std::string_view::npos) {
      i = s.find(' ', i);
      if (i == std::string_view::npos) break;
      continue;
    }
    size_t vs = eq + 1, ve = vs;
    if (vs < s.size() && s[vs] == '"') {
      ve = s.find('"', vs + 1);
      ve = ve == std::string_view::npos ? s.size() : ve + 1;
    } else {
      while (ve < s.size() && !space(s[ve])) ++ve;
    }
    // Only the fields audit_log_untrustedstring writes may be hex-encoded;
    // a number such as uid=33 is never decoded.
    std::string_view v = s.substr(vs, ve - vs);
    bool untrusted =
        key == "name" || key == "comm" || key == "exe" || key == "cwd" || key == "path" || key == "proctitle";
    if (untrusted)
      out.emplace(std::string(key), audit_value(v));
    else if (v.size() >= 2 && v.front() == '"' && v.back() == '"')
      out.emplace(std::string(key), std::string(v.substr(1, v.size() - 2)));
    else
      out.emplace(std::string(key), std::string(v));
    i = ve;
  }
  return out;
}

std::string event_id(std::string_view line) {
  size_t a = line.find("audit(");
  if (a == std::string_view::npos) return {};
  size_t b = line.find(')', a);
  if (b == std::string_view::npos) return {};
  return std::string(line.substr(a + 6, b - a - 6));
}

}  // namespace

std::vector<AuditEvent> parse_audit_log(std::string_view text, const std::string& file,
                                        core::Diagnostics& diags) {
  std::vector<AuditEvent> out;
  struct Extra {
    std::string exe, cwd;
    std::vector<std::string> paths;
    bool has_ids = false;
    uint32_t uid = 0, euid = 0, fsuid = 0, gid = 0;
  };
  std::map<std::string, Extra> extras;
  for_each_line(text, [&](std::string_view raw, uint32_t n) {
    std::string_view line = trim(raw);
    if (line.empty() || line[0] == '#' || line.substr(0, 4) == "----") return;
    std::string ev = event_id(line);
    size_t avc = line.find("avc:");
    if (avc == std::string_view::npos) {
      auto f = fields(line);
      auto type = f.find("type");
      if (type == f.end()) {
        diags.warning("RP3506", Origin::native_line(file, n, 1), "not an audit record: skipped");
        return;
      }
      Extra& x = extras[ev];
      auto num = [&](const char* key, uint32_t& v) {
        auto it = f.find(key);
        if (it == f.end()) return false;
        auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
        return ec == std::errc();
      };
      if (type->second == "SYSCALL") {
        if (auto it = f.find("exe"); it != f.end()) x.exe = it->second;
        bool a = num("uid", x.uid), b = num("euid", x.euid), c = num("fsuid", x.fsuid), d = num("gid", x.gid);
        x.has_ids = a && b && c && d;
      } else if (type->second == "CWD") {
        if (auto it = f.find("cwd"); it != f.end()) x.cwd = it->second;
      } else if (type->second == "PATH") {
        if (auto it = f.find("name"); it != f.end()) x.paths.push_back(it->second);
      }
      return;
    }
    sel::AvcRecord r;
    r.event = ev;
    r.line = n;
    std::string_view rest = line.substr(avc + 4);
    rest = trim(rest);
    if (rest.substr(0, 6) == "denied") {
      r.denied = true;
      rest.remove_prefix(6);
    } else if (rest.substr(0, 7) == "granted") {
      r.denied = false;
      rest.remove_prefix(7);
    } else {
      diags.error("RP3506", Origin::native_line(file, n, uint32_t(avc + 1)),
                  "an AVC record says neither denied nor granted");
      return;
    }
    size_t open = rest.find('{'), close = rest.find('}');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
      diags.error("RP3506", Origin::native_line(file, n, uint32_t(avc + 1)),
                  "an AVC record without `{ permissions }`");
      return;
    }
    for (auto& [t, col] : tokens(rest.substr(open + 1, close - open - 1))) r.permissions.emplace_back(t);
    auto f = fields(rest.substr(close + 1));
    auto get = [&](const char* k) {
      auto it = f.find(k);
      return it == f.end() ? std::string() : it->second;
    };
    r.scontext = get("scontext");
    r.tcontext = get("tcontext");
    r.tclass = get("tclass");
    r.comm = get("comm");
    r.name = get("name");
    r.path = get("path");
    r.dev = get("dev");
    std::string pid = get("pid"), ino = get("ino"), permissive = get("permissive");
    std::from_chars(pid.data(), pid.data() + pid.size(), r.pid);
    std::from_chars(ino.data(), ino.data() + ino.size(), r.inode);
    if (permissive == "0" || permissive == "1") r.permissive = permissive == "1";
    if (r.scontext.empty() || r.tcontext.empty() || r.tclass.empty() || r.permissions.empty()) {
      diags.error("RP3506", Origin::native_line(file, n, uint32_t(avc + 1)),
                  "an AVC record needs permissions, scontext=, tcontext= and tclass=");
      return;
    }
    AuditEvent e;
    e.avc = std::move(r);
    out.push_back(std::move(e));
  });
  for (auto& e : out) {
    auto it = extras.find(e.avc.event);
    if (e.avc.event.empty() || it == extras.end()) continue;
    e.exe = it->second.exe;
    e.cwd = it->second.cwd;
    e.paths = it->second.paths;
    e.has_ids = it->second.has_ids;
    e.uid = it->second.uid;
    e.euid = it->second.euid;
    e.fsuid = it->second.fsuid;
    e.gid = it->second.gid;
  }
  return out;
}

}  // namespace rampart::importers
