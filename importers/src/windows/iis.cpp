// `windows.iis`: the site bindings of IIS's applicationHost.config
// (docs/importers/windows.md#iis-bindings). A small XML reader is enough:
// elements, attributes, comments, processing instructions, CDATA and the
// predefined and numeric entities.

#include <fmt/format.h>

#include <vector>

#include "rampart/importers/windows.h"
#include "windows/common.h"

namespace rampart::importers::windows {

namespace {

struct Element {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attributes;
  uint32_t line = 0;
  std::string attribute(std::string_view key) const {
    for (const auto& [k, v] : attributes) {
      if (k == key) return v;
    }
    return {};
  }
};

class XmlReader {
 public:
  XmlReader(std::string_view text, const std::string& file, core::Diagnostics& diags)
      : text_(text), file_(file), diags_(diags) {}

  // Calls `on_start(stack)` for every element, with its ancestors before it.
  template <typename F>
  bool run(F&& on_start) {
    std::vector<Element> stack;
    while (pos_ < text_.size()) {
      size_t lt = text_.find('<', pos_);
      count_lines(pos_, lt == std::string_view::npos ? text_.size() : lt);
      if (lt == std::string_view::npos) break;
      pos_ = lt;
      if (starts("<!--")) {
        if (!skip_to("-->")) return fail("a comment is not closed");
      } else if (starts("<![CDATA[")) {
        if (!skip_to("]]>")) return fail("a CDATA section is not closed");
      } else if (starts("<?")) {
        if (!skip_to("?>")) return fail("a processing instruction is not closed");
      } else if (starts("<!")) {
        if (!skip_to(">")) return fail("a declaration is not closed");
      } else if (starts("</")) {
        size_t gt = text_.find('>', pos_);
        if (gt == std::string_view::npos) return fail("an end tag is not closed");
        std::string name(trim(text_.substr(pos_ + 2, gt - pos_ - 2)));
        if (stack.empty() || stack.back().name != name) {
          return fail(
              fmt::format("`</{}>` does not close `<{}>`", name, stack.empty() ? "" : stack.back().name));
        }
        stack.pop_back();
        count_lines(pos_, gt + 1);
        pos_ = gt + 1;
      } else {
        Element e;
        e.line = line_;
        bool empty = false;
        if (!start_tag(e, empty)) return false;
        stack.push_back(std::move(e));
        on_start(stack);
        if (empty) stack.pop_back();
        if (stack.size() > 256) return fail("elements nest deeper than 256");
      }
    }
    if (!stack.empty())
      return fail(fmt::format("`<{}>` is not closed", stack.back().name), stack.back().line);
    return true;
  }

 private:
  bool starts(std::string_view s) const { return text_.substr(pos_, s.size()) == s; }
  bool skip_to(std::string_view end) {
    size_t at = text_.find(end, pos_);
    if (at == std::string_view::npos) return false;
    count_lines(pos_, at + end.size());
    pos_ = at + end.size();
    return true;
  }
  void count_lines(size_t from, size_t to) {
    for (size_t i = from; i < to && i < text_.size(); ++i) {
      if (text_[i] == '\n') ++line_;
    }
  }
  bool fail(const std::string& message, uint32_t line = 0) {
    diags_.error(codes::kSyntax, core::Origin::native_line(file_, line ? line : line_), message);
    return false;
  }
  static bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ':' || uint8_t(c) >= 0x80;
  }
  void blanks() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\r' || text_[pos_] == '\n')) {
      if (text_[pos_] == '\n') ++line_;
      ++pos_;
    }
  }
  std::string name() {
    size_t s = pos_;
    while (pos_ < text_.size() && name_char(text_[pos_])) ++pos_;
    return std::string(text_.substr(s, pos_ - s));
  }
  std::optional<std::string> unescape(std::string_view v) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] != '&') {
        out += v[i];
        continue;
      }
      size_t semi = v.find(';', i);
      if (semi == std::string_view::npos) return std::nullopt;
      std::string_view ent = v.substr(i + 1, semi - i - 1);
      if (ent == "amp")
        out += '&';
      else if (ent == "lt")
        out += '<';
      else if (ent == "gt")
        out += '>';
      else if (ent == "quot")
        out += '"';
      else if (ent == "apos")
        out += '\'';
      else if (ent.size() > 1 && ent[0] == '#') {
        bool hex = ent[1] == 'x' || ent[1] == 'X';
        std::string digits(ent.substr(hex ? 2 : 1));
        if (digits.empty() || digits.size() > 6 ||
            digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") != std::string::npos) {
          return std::nullopt;
        }
        unsigned long cp = std::stoul(digits, nullptr, hex ? 16 : 10);
        if (cp == 0 || cp > 0x10FFFF) return std::nullopt;
        if (cp < 0x80)
          out += char(cp);
        else if (cp < 0x800)
          out += char(0xC0 | (cp >> 6)), out += char(0x80 | (cp & 0x3F));
        else if (cp < 0x10000)
          out += char(0xE0 | (cp >> 12)), out += char(0x80 | ((cp >> 6) & 0x3F)),
              out += char(0x80 | (cp & 0x3F));
        else
          out += char(0xF0 | (cp >> 18)), out += char(0x80 | ((cp >> 12) & 0x3F)),
              out += char(0x80 | ((cp >> 6) & 0x3F)), out += char(0x80 | (cp & 0x3F));
      } else {
        return std::nullopt;
      }
      i = semi;
    }
    return out;
  }
  bool start_tag(Element& e, bool& empty) {
    ++pos_;
    e.name = name();
    if (e.name.empty()) return fail("a `<` that starts no element");
    while (true) {
      blanks();
      if (pos_ >= text_.size()) return fail(fmt::format("the start tag `<{}` is not closed", e.name), e.line);
      if (text_[pos_] == '>') {
        ++pos_;
        return true;
      }
      if (starts("/>")) {
        pos_ += 2;
        empty = true;
        return true;
      }
      std::string key = name();
      if (key.empty()) return fail(fmt::format("unexpected `{}` in the tag `<{}>`", text_[pos_], e.name));
      blanks();
      if (pos_ >= text_.size() || text_[pos_] != '=')
        return fail(fmt::format("attribute `{}` has no `=`", key));
      ++pos_;
      blanks();
      if (pos_ >= text_.size() || (text_[pos_] != '"' && text_[pos_] != '\'')) {
        return fail(fmt::format("the value of attribute `{}` is not quoted", key));
      }
      char q = text_[pos_++];
      size_t end = text_.find(q, pos_);
      if (end == std::string_view::npos)
        return fail(fmt::format("the value of attribute `{}` is not closed", key));
      auto value = unescape(text_.substr(pos_, end - pos_));
      if (!value) return fail(fmt::format("a bad `&` entity in attribute `{}`", key));
      count_lines(pos_, end);
      pos_ = end + 1;
      e.attributes.emplace_back(std::move(key), std::move(*value));
    }
  }

  std::string_view text_;
  const std::string& file_;
  core::Diagnostics& diags_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
};

}  // namespace

core::ImportResult parse_iis(std::string_view bytes, const std::string& file) {
  core::ImportResult out;
  auto text = decode_text(bytes, file, out.diagnostics);
  if (!text) return out;
  core::Host here;  // no name: the host block the import sits in
  bool saw_sites = false;
  XmlReader reader(*text, file, out.diagnostics);
  bool ok = reader.run([&](const std::vector<Element>& stack) {
    const Element& e = stack.back();
    if (e.name == "sites") saw_sites = true;
    // configuration/system.applicationHost/sites/site/bindings/binding
    if (e.name != "binding" || stack.size() < 4 || stack[stack.size() - 2].name != "bindings" ||
        stack[stack.size() - 3].name != "site" || stack[stack.size() - 4].name != "sites") {
      return;
    }
    const Element& site = stack[stack.size() - 3];
    std::string site_name = site.attribute("name");
    std::string protocol = lower(e.attribute("protocol"));
    std::string info = e.attribute("bindingInformation");
    core::Origin at = core::Origin::native_rule(file, site_name.empty() ? "site" : site_name,
                                                fmt::format("{} {}", protocol, info));
    at.line = e.line;
    if (protocol == "net.pipe" || protocol == "net.msmq" || protocol == "msmq.formatname")
      return;  // not on the network
    std::string address = "*";
    std::optional<uint64_t> port;
    if (protocol == "http" || protocol == "https" || protocol == "ftp") {
      // IP:PORT:HOST, where IP is `*` (all unassigned), an IPv4 address or
      // an IPv6 address in brackets.
      size_t colon = std::string::npos;
      if (!info.empty() && info.front() == '[') {
        if (auto close = info.find("]:"); close != std::string::npos) colon = close + 1;
      } else {
        colon = info.find(':');
      }
      size_t colon2 = colon == std::string::npos ? std::string::npos : info.find(':', colon + 1);
      if (colon == std::string::npos || colon2 == std::string::npos) {
        out.diagnostics.error(
            codes::kBadEntry, at,
            fmt::format("`bindingInformation` of a {} binding is `IP:PORT:HOST`; got `{}`", protocol, info));
        return;
      }
      address = info.substr(0, colon);
      port = to_number(info.substr(colon + 1, colon2 - colon - 1), 65535);
      if (address.empty()) address = "*";
    } else if (protocol == "net.tcp") {
      port = to_number(info.substr(0, info.find(':')), 65535);  // PORT:HOST
    } else {
      out.diagnostics.warning(
          codes::kNotModelled, at,
          fmt::format("binding protocol `{}` is not modelled; the binding is left out", protocol));
      return;
    }
    if (!port || *port == 0) {
      out.diagnostics.error(codes::kBadEntry, at, fmt::format("`{}` names no port (1-65535)", info));
      return;
    }
    core::Listener l;
    l.protocol = core::proto::kTcp;
    l.ports = core::PortSet::single(uint16_t(*port));
    l.origin = at;
    if (address != "*") {
      std::string a = address;
      if (a.size() >= 2 && a.front() == '[' && a.back() == ']') a = a.substr(1, a.size() - 2);
      auto addr = core::Address::parse(a);
      if (!addr) {
        out.diagnostics.error(codes::kBadEntry, at, fmt::format("`{}` is not an IP address", address));
        return;
      }
      l.bind.kind = core::Bind::Kind::Address;
      l.bind.address = *addr;
    }
    // HTTP and HTTPS sites are served by http.sys in the kernel: the
    // listening process is System, as Windows' own IIS rules (App=System)
    // expect.
    if (protocol == "http" || protocol == "https") l.process = "System";
    for (const auto& x : here.listeners) {
      if (x.protocol == l.protocol && x.ports == l.ports && x.bind == l.bind && x.process == l.process)
        return;
    }
    here.listeners.push_back(std::move(l));
  });
  if (!ok || out.diagnostics.has_errors()) return out;
  if (!saw_sites) {
    out.diagnostics.error(codes::kEmpty, core::Origin::native_line(file, 0),
                          "no `<sites>` element: is this IIS's applicationHost.config?");
    return out;
  }
  out.fragment.hosts.push_back(std::move(here));
  out.fragment.source_files.push_back(file);
  return out;
}

}  // namespace rampart::importers::windows
