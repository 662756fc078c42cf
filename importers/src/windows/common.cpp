#include "windows/common.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

#include "json_nesting.h"

namespace rampart::importers::windows {

namespace {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

std::optional<std::string> decode_utf16(std::string_view bytes, bool little, const std::string& file,
                                        core::Diagnostics& diags) {
  std::string out;
  out.reserve(bytes.size() / 2);
  uint32_t line = 1;
  auto unit = [&](size_t i) -> uint16_t {
    auto b0 = uint8_t(bytes[i]), b1 = uint8_t(bytes[i + 1]);
    return little ? uint16_t(b0 | (b1 << 8)) : uint16_t((b0 << 8) | b1);
  };
  if (bytes.size() % 2 != 0) {
    diags.error(codes::kEncoding, core::Origin::native_line(file, 0),
                "the file is UTF-16 but has an odd number of bytes: it is cut short");
    return std::nullopt;
  }
  for (size_t i = 0; i < bytes.size(); i += 2) {
    uint32_t u = unit(i);
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (i + 2 >= bytes.size()) {
        diags.error(codes::kEncoding, core::Origin::native_line(file, line),
                    "a UTF-16 surrogate pair is cut short");
        return std::nullopt;
      }
      uint32_t lo = unit(i + 2);
      if (lo < 0xDC00 || lo > 0xDFFF) {
        diags.error(codes::kEncoding, core::Origin::native_line(file, line), "an unpaired UTF-16 surrogate");
        return std::nullopt;
      }
      u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
      i += 2;
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      diags.error(codes::kEncoding, core::Origin::native_line(file, line), "an unpaired UTF-16 surrogate");
      return std::nullopt;
    }
    if (u == 0) {
      diags.error(codes::kEncoding, core::Origin::native_line(file, line), "a NUL character in the text");
      return std::nullopt;
    }
    if (u == '\n') ++line;
    append_utf8(out, u);
  }
  return out;
}

// The byte offset of the first invalid UTF-8 sequence, or npos.
size_t invalid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = uint8_t(s[i]);
    if (c < 0x80) {
      if (c == 0) return i;
      ++i;
      continue;
    }
    size_t n = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0)
      n = 1, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0)
      n = 2, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0)
      n = 3, cp = c & 0x07;
    else
      return i;
    if (i + n >= s.size()) return i;
    for (size_t k = 1; k <= n; ++k) {
      auto d = uint8_t(s[i + k]);
      if ((d & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return i;
    }
    i += n + 1;
  }
  return std::string_view::npos;
}

}  // namespace

std::optional<std::string> decode_text(std::string_view bytes, const std::string& file,
                                       core::Diagnostics& diags) {
  if (bytes.size() >= 2 && uint8_t(bytes[0]) == 0xFF && uint8_t(bytes[1]) == 0xFE) {
    return decode_utf16(bytes.substr(2), true, file, diags);
  }
  if (bytes.size() >= 2 && uint8_t(bytes[0]) == 0xFE && uint8_t(bytes[1]) == 0xFF) {
    return decode_utf16(bytes.substr(2), false, file, diags);
  }
  if (bytes.size() >= 3 && bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  // UTF-16LE without a byte order mark: ASCII text with every second byte zero.
  if (bytes.size() >= 4 && bytes.size() % 2 == 0 && bytes[0] != 0 && bytes[1] == 0 && bytes[2] != 0 &&
      bytes[3] == 0) {
    return decode_utf16(bytes, true, file, diags);
  }
  size_t bad = invalid_utf8(bytes);
  if (bad != std::string_view::npos) {
    auto line = uint32_t(std::count(bytes.begin(), bytes.begin() + long(bad), '\n') + 1);
    diags.error(codes::kEncoding, core::Origin::native_line(file, line),
                bytes[bad] == 0 ? "a NUL byte in the text: is this a binary file?"
                                : "the text is neither UTF-8 nor UTF-16 with a byte order mark");
    return std::nullopt;
  }
  return std::string(bytes);
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && lower(a) == lower(b);
}
bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}
bool iends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    size_t at = s.find(sep, pos);
    out.emplace_back(trim(s.substr(pos, at == std::string_view::npos ? std::string_view::npos : at - pos)));
    if (at == std::string_view::npos) break;
    pos = at + 1;
  }
  return out;
}

std::optional<uint64_t> to_number(std::string_view s, uint64_t max) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

std::optional<std::pair<uint16_t, uint16_t>> parse_port_range(std::string_view text, std::string& error) {
  text = trim(text);
  bool numeric = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '-' || c == ' ';
  });
  if (!numeric) return std::nullopt;
  auto dash = text.find('-');
  auto lo = to_number(trim(text.substr(0, dash)), 65535);
  auto hi = dash == std::string_view::npos ? lo : to_number(trim(text.substr(dash + 1)), 65535);
  if (!lo || !hi) {
    error = fmt::format("`{}` is not a port or a port range (0-65535)", text);
    return std::nullopt;
  }
  if (*hi < *lo) {
    error = fmt::format("port range `{}` ends before it starts", text);
    return std::nullopt;
  }
  return std::pair{uint16_t(*lo), uint16_t(*hi)};
}

namespace {

std::optional<core::Address> v4_address(std::string_view text) {
  // Exactly four decimal parts (MS-GPFAS ADDRV4), each at most 255.
  auto parts = split(text, '.');
  if (parts.size() != 4) return std::nullopt;
  uint32_t bits = 0;
  for (const auto& p : parts) {
    auto n = to_number(p, 255);
    if (!n || p.size() > 3) return std::nullopt;
    bits = (bits << 8) | uint32_t(*n);
  }
  return core::Address::v4(bits);
}

std::optional<core::Address> v6_address(std::string_view text) {
  if (text.find(':') == std::string_view::npos) return std::nullopt;
  auto pct = text.find('%');  // a zone index (fe80::1%12) names an interface, not an address
  auto a = core::Address::parse(text.substr(0, pct));
  if (!a || a->family != core::Family::V6) return std::nullopt;
  return a;
}

std::optional<core::AddressSet> parse_item(std::string_view text, core::Family family, std::string& error) {
  text = trim(text);
  const char* what = family == core::Family::V4 ? "IPv4" : "IPv6";
  auto addr = [&](std::string_view t) { return family == core::Family::V4 ? v4_address(t) : v6_address(t); };
  if (auto dash = text.find('-'); dash != std::string_view::npos) {
    auto lo = addr(trim(text.substr(0, dash)));
    auto hi = addr(trim(text.substr(dash + 1)));
    if (!lo || !hi) {
      error = fmt::format("`{}` is not an {} address range", text, what);
      return std::nullopt;
    }
    if (hi->bits < lo->bits) {
      error = fmt::format("address range `{}` ends before it starts", text);
      return std::nullopt;
    }
    return core::AddressSet::range(*lo, *hi);
  }
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    auto base = addr(trim(text.substr(0, slash)));
    std::string_view rest = trim(text.substr(slash + 1));
    if (!base) {
      error = fmt::format("`{}` is not an {} subnet", text, what);
      return std::nullopt;
    }
    unsigned width = core::family_bits(family);
    std::optional<unsigned> prefix;
    if (auto n = to_number(rest, width); n && rest.size() <= 3) {
      prefix = unsigned(*n);
    } else if (family == core::Family::V4) {
      if (auto mask = v4_address(rest)) {
        // A mask must be contiguous ones then zeros.
        uint32_t m = uint32_t(mask->bits);
        uint32_t inv = ~m;
        if ((inv & (inv + 1)) == 0) prefix = unsigned(32 - std::popcount(inv));
      }
    }
    if (!prefix) {
      error = fmt::format("`{}` is not a prefix length or a contiguous subnet mask", rest);
      return std::nullopt;
    }
    return core::AddressSet::of(core::Cidr{*base, *prefix});
  }
  auto a = addr(text);
  if (!a) {
    error = fmt::format("`{}` is not an {} address", text, what);
    return std::nullopt;
  }
  return core::AddressSet::of(*a);
}

}  // namespace

std::optional<core::AddressSet> parse_v4_item(std::string_view text, std::string& error) {
  return parse_item(text, core::Family::V4, error);
}
std::optional<core::AddressSet> parse_v6_item(std::string_view text, std::string& error) {
  return parse_item(text, core::Family::V6, error);
}
std::optional<core::AddressSet> parse_address_item(std::string_view text, std::string& error) {
  return parse_item(text, text.find(':') == std::string_view::npos ? core::Family::V4 : core::Family::V6,
                    error);
}

std::optional<AddressKeyword> address_keyword(std::string_view text) {
  static const std::map<std::string, std::string> kKeywords = {
      {"localsubnet", "LocalSubnet"},
      {"dns", "DNS"},
      {"dhcp", "DHCP"},
      {"wins", "WINS"},
      {"defaultgateway", "DefaultGateway"},
      {"intranet", "IntrAnet"},
      {"internet", "IntErnet"},
      {"ply2renders", "Ply2Renders"},
      {"playtodevice", "Ply2Renders"},
      {"rmtintranet", "RmtIntrAnet"},
      {"intranetremoteaccess", "RmtIntrAnet"},
      {"captiveportal", "CaptivePortal"},
  };
  std::string key = lower(trim(text));
  if (auto it = kKeywords.find(key); it != kKeywords.end()) return AddressKeyword{it->second, std::nullopt};
  // PowerShell restricts a keyword to one family with a 4 or 6 suffix.
  if (key.size() > 1 && (key.back() == '4' || key.back() == '6')) {
    if (auto it = kKeywords.find(key.substr(0, key.size() - 1)); it != kKeywords.end()) {
      return AddressKeyword{it->second, key.back() == '4' ? core::Family::V4 : core::Family::V6};
    }
  }
  return std::nullopt;
}

std::optional<std::string> port_keyword(std::string_view text) {
  static const std::map<std::string, std::string> kKeywords = {
      {"rpc", "RPC"},
      {"rpc-epmap", "RPC-EPMap"},
      {"rpcepmap", "RPC-EPMap"},
      {"teredo", "Teredo"},
      {"edge", "Teredo"},
      {"iptlsin", "IPTLSIn"},
      {"iphttpsin", "IPHTTPSIn"},
      {"iphttps", "IPHTTPSIn"},
      {"iptlsout", "IPTLSOut"},
      {"iphttpsout", "IPHTTPSOut"},
      {"dhcp", "DHCP"},
      {"ply2disc", "Ply2Disc"},
      {"playtodiscovery", "Ply2Disc"},
      {"mdns", "mDNS"},
      {"cortanaout", "CortanaOut"},
      {"tcpcdpsvc", "TcpCDPSvc"},
      {"proximaltcpcdp", "TcpCDPSvc"},
  };
  if (auto it = kKeywords.find(lower(trim(text))); it != kKeywords.end()) return it->second;
  return std::nullopt;
}

std::string normalise_program(std::string_view path) {
  std::string_view t = trim(path);
  if (t.size() >= 2 && t.front() == '"' && t.back() == '"') t = trim(t.substr(1, t.size() - 2));
  if (iequals(t, "System")) return "System";
  static const std::array<std::pair<const char*, const char*>, 11> kVars = {{
      {"%systemroot%", "C:\\Windows"},
      {"%windir%", "C:\\Windows"},
      {"%systemdrive%", "C:"},
      {"%programfiles(x86)%", "C:\\Program Files (x86)"},
      {"%programfiles%", "C:\\Program Files"},
      {"%programw6432%", "C:\\Program Files"},
      {"%commonprogramfiles(x86)%", "C:\\Program Files (x86)\\Common Files"},
      {"%commonprogramfiles%", "C:\\Program Files\\Common Files"},
      {"%programdata%", "C:\\ProgramData"},
      {"%allusersprofile%", "C:\\ProgramData"},
      {"%public%", "C:\\Users\\Public"},
  }};
  std::string out;
  size_t i = 0;
  while (i < t.size()) {
    bool done = false;
    if (t[i] == '%') {
      for (const auto& [var, value] : kVars) {
        std::string_view v(var);
        if (istarts_with(t.substr(i), v)) {
          out += value;
          i += v.size();
          done = true;
          break;
        }
      }
    }
    if (!done) out += t[i] == '/' ? '\\' : t[i], ++i;
  }
  // NT object paths a service may be registered with.
  if (istarts_with(out, "\\??\\")) out.erase(0, 4);
  if (istarts_with(out, "\\SystemRoot\\")) out = "C:\\Windows\\" + out.substr(12);
  if (istarts_with(out, "system32\\")) out = "C:\\Windows\\" + out;
  return out;
}

std::string executable_of(std::string_view command_line) {
  std::string_view t = trim(command_line);
  if (!t.empty() && t.front() == '"') {
    auto close = t.find('"', 1);
    return normalise_program(
        t.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  }
  // Unquoted: up to the first `.exe` followed by a blank or the end, else
  // up to the first blank.
  std::string low = lower(t);
  size_t pos = 0;
  while ((pos = low.find(".exe", pos)) != std::string::npos) {
    size_t end = pos + 4;
    if (end == low.size() || low[end] == ' ' || low[end] == '\t') return normalise_program(t.substr(0, end));
    pos = end;
  }
  return normalise_program(t.substr(0, t.find(' ')));
}

Account Accounts::resolve(std::string_view start_name) {
  std::string_view t = trim(start_name);
  std::string l = lower(t);
  if (l.empty()) return {};
  if (l == "localsystem" || l == ".\\localsystem" || l == "nt authority\\system" || l == "system") {
    return {"LocalSystem", 0};
  }
  if (l == "nt authority\\localservice" || l == "nt authority\\local service" || l == "localservice") {
    return {"LocalService", 19};
  }
  if (l == "nt authority\\networkservice" || l == "nt authority\\network service" || l == "networkservice") {
    return {"NetworkService", 20};
  }
  std::string name(t);
  if (istarts_with(name, ".\\")) name.erase(0, 2);  // an account of this machine
  for (const auto& a : named_) {
    if (iequals(a.name, name)) return a;
  }
  named_.push_back(Account{name, uint32_t(100000 + named_.size())});
  return named_.back();
}

std::optional<nlohmann::json> parse_json(std::string_view body, const std::string& file,
                                         core::Diagnostics& diags) {
  if (auto deep = json_too_deep(body)) {
    auto [line, column] = text_line_column(body, *deep);
    diags.error(codes::kSyntax, core::Origin::native_line(file, line, column),
                fmt::format("JSON nested deeper than {} levels", kMaxJsonDepth));
    return std::nullopt;
  }
  try {
    return nlohmann::json::parse(body.begin(), body.end());
  } catch (const nlohmann::json::parse_error& e) {
    size_t offset = std::min<size_t>(e.byte > 0 ? e.byte - 1 : 0, body.size());
    auto line = uint32_t(std::count(body.begin(), body.begin() + long(offset), '\n') + 1);
    diags.error(codes::kSyntax, core::Origin::native_line(file, line), "malformed JSON");
    return std::nullopt;
  }
}

}  // namespace rampart::importers::windows
