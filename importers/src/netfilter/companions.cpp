// Companion inputs of a netfilter import: `ipset save` output (the members of
// the sets `-m set` names) and an interface map (ipassmt: the addresses
// behind each interface).

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "ir.h"

namespace rampart::importers::nf {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string> words_of(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) ++i;
    if (i >= s.size()) break;
    std::string w;
    if (s[i] == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') w += s[i++];
      if (i < s.size()) ++i;
    } else {
      while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\r') w += s[i++];
    }
    out.push_back(std::move(w));
  }
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    size_t at = s.find(sep, pos);
    out.push_back(s.substr(pos, at == std::string::npos ? std::string::npos : at - pos));
    if (at == std::string::npos) break;
    pos = at + 1;
  }
  return out;
}

bool known_set_type(const std::string& t) {
  static const char* kTypes[] = {
      "hash:ip",         "hash:net",         "bitmap:ip",         "hash:ip,port",  "hash:net,port",
      "hash:ip,port,ip", "hash:ip,port,net", "hash:net,port,net", "hash:net,net",  "list:set",
      "bitmap:port",     "hash:mac",         "hash:ip,mac",       "bitmap:ip,mac", "hash:net,iface",
      "hash:ip,mark",    "hash:net,port,net"};
  return std::find(std::begin(kTypes), std::end(kTypes), t) != std::end(kTypes);
}

}  // namespace

bool looks_like_ipset_line(std::string_view line) {
  line = trim(line);
  return line.substr(0, 7) == "create " || line.substr(0, 4) == "add ";
}

void parse_ipset_save(std::string_view text, const std::string& file, Ruleset& rs, uint32_t first_line) {
  size_t pos = 0;
  uint32_t no = first_line - 1;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    ++no;
    std::string_view line = trim(raw);
    auto origin = core::Origin::native_line(file, no, 1);
    if (!line.empty() && line.front() != '#') {
      auto w = words_of(line);
      if (w[0] == "create") {
        if (w.size() < 3) {
          rs.diagnostics.error(codes::kCompanion, origin, "`create` needs a set name and a type");
        } else if (!known_set_type(w[2])) {
          // Still recorded: a rule naming it becomes unknown.
          IpSet s;
          s.name = w[1];
          s.type = w[2];
          s.origin = origin;
          rs.ipsets[s.name] = s;
        } else {
          IpSet s;
          s.name = w[1];
          s.type = w[2];
          s.origin = origin;
          for (size_t i = 3; i + 1 < w.size(); ++i) {
            if (w[i] == "family") s.family = w[i + 1] == "inet6" ? core::Family::V6 : core::Family::V4;
          }
          if (rs.ipsets.count(s.name)) {
            rs.diagnostics.error(codes::kCompanion, origin, fmt::format("set `{}` is created twice", s.name));
          }
          rs.ipsets[s.name] = s;
        }
      } else if (w[0] == "add") {
        if (w.size() < 3) {
          rs.diagnostics.error(codes::kCompanion, origin, "`add` needs a set name and a member");
        } else {
          auto it = rs.ipsets.find(w[1]);
          if (it == rs.ipsets.end()) {
            rs.diagnostics.error(codes::kCompanion, origin,
                                 fmt::format("`add` to set `{}`, which is not created", w[1]));
          } else {
            IpSet::Member m;
            m.parts = split(w[2], ',');
            m.nomatch = std::find(w.begin() + 3, w.end(), "nomatch") != w.end();
            m.line = no;
            it->second.members.push_back(std::move(m));
          }
        }
      } else {
        rs.diagnostics.error(codes::kCompanion, origin,
                             fmt::format("`{}`: ipset save output has `create` and `add` lines", w[0]));
      }
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
}

namespace {

// A port dimension: `80`, `tcp:80`, `udp:1000-2000`, `icmp:8/0`, `icmp:echo-request`.
std::optional<core::ServiceMatch> port_part(const std::string& text, bool source, core::Family family) {
  std::string proto = "tcp", rest = text;
  auto colon = text.find(':');
  if (colon != std::string::npos) {
    proto = text.substr(0, colon);
    rest = text.substr(colon + 1);
  }
  auto p = protocol_number(proto == "icmpv6" ? "ipv6-icmp" : proto);
  if (!p) return std::nullopt;
  core::ServiceMatch m = core::ServiceMatch::protocol(*p);
  if (core::has_icmp(*p)) {
    auto t = icmp_type(rest, *p == core::proto::kIcmpV6 ? core::Family::V6 : family);
    if (!t) return std::nullopt;
    m.icmp_types = core::ByteSet::single(t->type);
    if (t->code) m.icmp_codes = core::ByteSet::single(*t->code);
    return m;
  }
  if (!core::has_ports(*p)) return m;
  auto dash = rest.find('-');
  auto lo = service_port(rest.substr(0, dash));
  auto hi = dash == std::string::npos ? lo : service_port(rest.substr(dash + 1));
  if (!lo || !hi || *hi < *lo) return std::nullopt;
  (source ? m.src_ports : m.dst_ports) = core::PortSet::range(*lo, *hi);
  return m;
}

struct SetEval {
  Ruleset& rs;
  core::Family family;
  const ConjContext& cx;
  int depth = 0;

  // The dimensions of a type: "hash:ip,port" -> {"ip", "port"}.
  static std::vector<std::string> dims(const std::string& type) {
    auto colon = type.find(':');
    return split(type.substr(colon + 1), ',');
  }

  // A one-dimensional address set: its members, nomatch entries taken out.
  std::optional<core::AddressSet> addresses(const IpSet& s) {
    std::vector<core::AddressSet> in, out;
    for (const auto& m : s.members) {
      if (m.parts.size() != 1) return std::nullopt;
      std::string err;
      auto a = parse_address(m.parts[0], s.family, err);
      if (!a) return std::nullopt;
      (m.nomatch ? out : in).push_back(std::move(*a));
    }
    return unite_all(std::move(in)).subtract(unite_all(std::move(out)));
  }

  std::optional<std::vector<Conj>> eval(const IpSet& s, const std::vector<std::string>& flags) {
    if (++depth > 8) return std::nullopt;
    if (s.family != family && s.type != "list:set") return std::vector<Conj>{};  // never matches
    if (s.type == "list:set") {
      std::vector<Conj> out;
      for (const auto& m : s.members) {
        auto it = rs.ipsets.find(m.parts.at(0));
        if (it == rs.ipsets.end() || m.nomatch) return std::nullopt;
        auto sub = eval(it->second, flags);
        if (!sub) return std::nullopt;
        out.insert(out.end(), sub->begin(), sub->end());
      }
      return out;
    }
    auto d = dims(s.type);
    if (flags.size() < d.size()) return std::nullopt;
    bool addr_only =
        std::all_of(d.begin(), d.end(), [](const std::string& x) { return x == "ip" || x == "net"; });
    if (d.size() == 1 && addr_only) {
      auto a = addresses(s);
      if (!a) return std::nullopt;
      auto m = core::AddressMatch::of(*a);
      return std::vector<Conj>{flags[0] == "src" ? conj_src(m) : conj_dst(m)};
    }
    // Several dimensions: one alternative per member; members that differ
    // only in their one address are grouped into one alternative.
    size_t addr_dims = size_t(
        std::count_if(d.begin(), d.end(), [](const std::string& x) { return x == "ip" || x == "net"; }));
    std::map<std::vector<std::string>, std::vector<core::AddressSet>> groups;
    std::vector<Conj> out;
    for (const auto& mem : s.members) {
      if (mem.nomatch || mem.parts.size() != d.size()) return std::nullopt;
      Conj c;
      std::vector<std::string> rest;
      std::optional<core::AddressSet> address;
      for (size_t i = 0; i < d.size(); ++i) {
        bool src = flags[i] == "src";
        Conj part;
        if (d[i] == "ip" || d[i] == "net") {
          std::string err;
          auto a = parse_address(mem.parts[i], s.family, err);
          if (!a) return std::nullopt;
          if (addr_dims == 1) {
            address = *a;
            continue;
          }
          part = src ? conj_src(core::AddressMatch::of(*a)) : conj_dst(core::AddressMatch::of(*a));
        } else if (d[i] == "port") {
          auto svc = port_part(mem.parts[i], src, s.family);
          if (!svc) return std::nullopt;
          part = conj_services(core::ServiceSet::of(*svc));
          rest.push_back(mem.parts[i]);
        } else {
          return std::nullopt;  // mac, iface, mark: not modelled
        }
        auto next = intersect(c, part, cx);
        if (!next) {
          c.m.services = core::ServiceSet::none();
          break;
        }
        c = std::move(*next);
      }
      if (c.m.services.empty()) continue;
      if (address) {
        groups[rest].push_back(*address);
        continue;
      }
      out.push_back(std::move(c));
      if (out.size() > 4096) return std::nullopt;
    }
    for (auto& [rest, addrs] : groups) {
      // Rebuild the group's alternative: its address union and its other parts.
      Conj c;
      for (size_t i = 0, r = 0; i < d.size(); ++i) {
        bool src = flags[i] == "src";
        Conj part;
        if (d[i] == "ip" || d[i] == "net") {
          core::AddressMatch m = core::AddressMatch::of(unite_all(addrs));
          part = src ? conj_src(m) : conj_dst(m);
        } else {
          part = conj_services(core::ServiceSet::of(*port_part(rest[r++], src, s.family)));
        }
        auto next = intersect(c, part, cx);
        if (!next) {
          c.m.services = core::ServiceSet::none();
          break;
        }
        c = std::move(*next);
      }
      if (!c.m.services.empty()) out.push_back(std::move(c));
      if (out.size() > 4096) return std::nullopt;
    }
    return out;
  }
};

}  // namespace

std::optional<std::vector<Conj>> ipset_match(Ruleset& rs, const std::string& name, const std::string& flags,
                                             bool negated, core::Family family, const ConjContext& cx,
                                             std::string& error) {
  auto f = split(flags, ',');
  for (const auto& x : f) {
    if (x != "src" && x != "dst") {
      error = fmt::format("`{}`: set flags are `src` and `dst`, separated by commas", flags);
      return std::nullopt;
    }
  }
  auto it = rs.ipsets.find(name);
  if (it == rs.ipsets.end()) {
    if (f.size() != 1) return std::nullopt;
    // A set rampart has no members for: a symbol the host may bind with
    // `let NAME = ...;` (taken to hold addresses), else unknown.
    core::AddressMatch m;
    m.set = core::AddressSet();
    m.symbols = {name};
    m.negated = negated;
    return std::vector<Conj>{f[0] == "src" ? conj_src(m) : conj_dst(m)};
  }
  SetEval ev{rs, family, cx};
  auto alts = ev.eval(it->second, f);
  if (!alts) return std::nullopt;
  if (!negated) return alts;
  // The negation of a union of conditions on one address field is the
  // complement of the union of their sets; anything else is unknown.
  core::AddressSet src, dst;
  bool src_only = true, dst_only = true;
  for (const auto& c : *alts) {
    bool plain = c.m.services.is_any() && c.m.unknowns.empty() && c.ifaces.empty() &&
                 c.m.states == core::kAllConnStates;
    bool s = plain && c.m.dst.is_any() && c.m.src.symbols.empty() && !c.m.src.negated;
    bool d = plain && c.m.src.is_any() && c.m.dst.symbols.empty() && !c.m.dst.negated;
    src_only &= s;
    dst_only &= d;
    if (s) src = src.unite(c.m.src.set);
    if (d) dst = dst.unite(c.m.dst.set);
  }
  if (alts->empty()) return std::vector<Conj>{Conj{}};
  if (src_only) {
    auto m = core::AddressMatch::of(src);
    m.negated = true;
    return std::vector<Conj>{conj_src(m)};
  }
  if (dst_only) {
    auto m = core::AddressMatch::of(dst);
    m.negated = true;
    return std::vector<Conj>{conj_dst(m)};
  }
  return std::nullopt;
}

// ---- ipassmt -------------------------------------------------------------------

void parse_ipassmt(std::string_view text, const std::string& file, Ruleset& rs) {
  // NAME = [A, B, ...]  or  NAME = all_but_those_ips [A, ...]; lists may
  // span lines; `#` starts a comment.
  struct Tok {
    std::string text;
    uint32_t line, column;
  };
  std::vector<Tok> toks;
  uint32_t line = 1, col = 1;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n') {
      ++line;
      col = 1;
      ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
      ++col;
      continue;
    }
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (c == '=' || c == '[' || c == ']' || c == ',') {
      toks.push_back({std::string(1, c), line, col});
      ++i;
      ++col;
      continue;
    }
    Tok t{"", line, col};
    while (i < text.size() && !std::strchr(" \t\r\n=[],#", text[i])) {
      t.text += text[i++];
      ++col;
    }
    toks.push_back(std::move(t));
  }
  size_t k = 0;
  auto err = [&](const Tok& t, const std::string& msg) {
    rs.diagnostics.error(codes::kCompanion, core::Origin::native_line(file, t.line, t.column), msg);
  };
  while (k < toks.size()) {
    const Tok& name = toks[k];
    if (k + 2 >= toks.size() || toks[k + 1].text != "=") {
      err(name, "an interface map line is `NAME = [ADDRESSES]` or `NAME = all_but_those_ips [ADDRESSES]`");
      return;
    }
    k += 2;
    bool all_but = false;
    if (toks[k].text == "all_but_those_ips") {
      all_but = true;
      ++k;
    }
    if (k >= toks.size() || toks[k].text != "[") {
      err(toks[std::min(k, toks.size() - 1)], "expected `[`");
      return;
    }
    ++k;
    std::vector<core::AddressSet> items;
    bool v4 = false, v6 = false;
    while (k < toks.size() && toks[k].text != "]") {
      if (toks[k].text == ",") {
        ++k;
        continue;
      }
      std::string e;
      auto a = parse_address(toks[k].text, std::nullopt, e);
      if (!a) {
        err(toks[k], e);
        return;
      }
      v4 |= !a->only(core::Family::V4).empty();
      v6 |= !a->only(core::Family::V6).empty();
      items.push_back(std::move(*a));
      ++k;
    }
    core::AddressSet set = unite_all(std::move(items));
    if (k >= toks.size()) {
      err(name, "the list is not closed with `]`");
      return;
    }
    ++k;
    if (all_but) {
      core::AddressSet universe;
      if (v4 || !v6) universe = universe.unite(core::AddressSet::any_v4());
      if (v6) universe = universe.unite(core::AddressSet::any_v6());
      set = universe.subtract(set);
    }
    if (rs.interfaces.ranges.count(name.text))
      err(name, fmt::format("interface `{}` is mapped twice", name.text));
    rs.interfaces.ranges[name.text] = set;
  }
  rs.interfaces.file = file;
}

}  // namespace rampart::importers::nf
