// `nft list ruleset` output (and `nft -f` files in the same block form) into
// the intermediate form. docs/importers/netfilter.md lists the expressions
// and statements and what rampart makes of each.

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "ir.h"
#include "rampart/importers/netfilter.h"

namespace rampart::importers {
namespace nf {
namespace {

using core::Origin;

struct Tok {
  std::string text;
  uint32_t line = 0, column = 0;
  bool string = false;        // was "quoted"
  bool newline = false;       // a line break (ends a statement)
  size_t begin = 0, end = 0;  // byte offsets in the file
};

// Words, "strings", and the punctuation { } ; , as tokens; `#` comments
// dropped; line breaks kept (they end rules).
std::vector<Tok> tokenize(std::string_view text, std::string& error, uint32_t& eline, uint32_t& ecol) {
  std::vector<Tok> out;
  uint32_t line = 1, col = 1;
  size_t i = 0;
  auto push_nl = [&]() {
    if (out.empty() || !out.back().newline) out.push_back(Tok{"\n", line, col, false, true});
  };
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n') {
      push_nl();
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
    if (c == '\\' && i + 1 < text.size() && text[i + 1] == '\n') {  // line continuation
      i += 2;
      ++line;
      col = 1;
      continue;
    }
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (c == '{' || c == '}' || c == ';' || c == ',') {
      out.push_back(Tok{std::string(1, c), line, col, false, false, i, i + 1});
      ++i;
      ++col;
      continue;
    }
    if (c == '"') {
      Tok t{"", line, col, true, false, i, i};
      ++i;
      ++col;
      bool closed = false;
      while (i < text.size() && text[i] != '\n') {
        if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] != '\n') {
          t.text += text[i + 1];
          i += 2;
          col += 2;
          continue;
        }
        if (text[i] == '"') {
          closed = true;
          ++i;
          ++col;
          break;
        }
        t.text += text[i++];
        ++col;
      }
      if (!closed) {
        error = "a string is not closed on its line";
        eline = t.line;
        ecol = t.column;
        return {};
      }
      t.end = i;
      out.push_back(std::move(t));
      continue;
    }
    Tok t{"", line, col, false, false, i, i};
    while (i < text.size() && !std::strchr(" \t\r\n{};,\"#", text[i])) {
      t.text += text[i++];
      ++col;
    }
    t.end = i;
    out.push_back(std::move(t));
  }
  push_nl();
  return out;
}

bool is_verdict_word(std::string_view w) {
  return w == "accept" || w == "drop" || w == "reject" || w == "return" || w == "continue" || w == "jump" ||
         w == "goto" || w == "queue";
}

// Named priorities (ip, ip6, inet).
std::optional<int> named_priority(std::string_view w) {
  if (w == "raw") return -300;
  if (w == "mangle") return -150;
  if (w == "dstnat") return -100;
  if (w == "filter") return 0;
  if (w == "security") return 50;
  if (w == "srcnat") return 100;
  return std::nullopt;
}

std::optional<int> signed_number(std::string_view w) {
  bool neg = !w.empty() && w[0] == '-';
  auto n = parse_number(neg ? w.substr(1) : w, 1u << 30);
  if (!n) return std::nullopt;
  return neg ? -int(*n) : int(*n);
}

// A named set or map, its elements as written.
struct NamedSet {
  std::vector<std::string> key_type;  // "ipv4_addr", "inet_service" (several: a concatenation)
  bool is_map = false;
  // Each element: the key (one word per concatenated part), and for maps the value words.
  struct Element {
    std::vector<std::string> key;
    std::vector<std::string> value;
  };
  std::vector<Element> elements;
  Origin origin;
};

enum class Kind {
  Addr4,
  Addr6,
  Port,
  Proto,
  IcmpType,
  IcmpCode,
  Icmp6Type,
  Icmp6Code,
  State,
  Direction,
  Iface,
  Family,
  EtherType,
  FibType,
  Mark,
  Unknown
};

// What one selector (`ip saddr`, `tcp dport`, `ct state`, ...) reads.
struct Selector {
  Kind kind = Kind::Unknown;
  std::string text;
  bool source = false;                 // saddr / sport
  bool in = true;                      // iifname vs oifname
  uint8_t protocol = 0;                // Port: the protocol (0: th, any port protocol); Icmp*: the protocol
  std::optional<core::Family> family;  // ip / ip6 selectors imply their family
  bool fib_source = false;
};

class Parser {
 public:
  Parser(std::string_view text, Ruleset& rs) : text_(text), rs_(rs) {}

  void run() {
    std::string err;
    uint32_t el = 0, ec = 0;
    toks_ = tokenize(text_, err, el, ec);
    if (!err.empty()) {
      rs_.diagnostics.error(codes::kSyntax, Origin::native_line(rs_.file, el, ec), err);
      return;
    }
    pos_ = 0;
    while (pos_ < toks_.size() && ok_) {
      if (toks_[pos_].newline || toks_[pos_].text == ";") {
        ++pos_;
        continue;
      }
      const Tok& t = toks_[pos_];
      if (t.text == "table") {
        table();
      } else if (t.text == "flush" || t.text == "delete" || t.text == "destroy") {
        skip_statement();  // `flush ruleset` at the top of an nft -f file
      } else if (t.text == "define" || t.text == "include") {
        fail(t, fmt::format("`{}`: rampart reads `nft list ruleset` output, where variables and includes are "
                            "already expanded",
                            t.text));
      } else {
        fail(t, fmt::format("unexpected `{}`: expected `table FAMILY NAME {{ ... }}`", t.text));
      }
    }
    if (ok_ && rs_.tables.empty()) {
      rs_.diagnostics.error(codes::kSyntax, Origin::native_line(rs_.file, 1),
                            "no table in the file: is it `nft list ruleset` output?");
    }
    if (!ok_) return;
    for (auto& p : pending_) finish_rule(p);
  }

 private:
  // ---- token helpers -------------------------------------------------------------

  Origin at(const Tok& t) const { return Origin::native_line(rs_.file, t.line, t.column); }
  void fail(const Tok& t, std::string message) {
    if (ok_) rs_.diagnostics.error(codes::kSyntax, at(t), std::move(message));
    ok_ = false;
  }
  const Tok& cur() const {
    static const Tok end{"", 0, 0, false, true};
    return pos_ < toks_.size() ? toks_[pos_] : (toks_.empty() ? end : toks_.back());
  }
  bool at_end() const { return pos_ >= toks_.size(); }
  bool expect(const std::string& what) {
    skip_newlines();
    if (cur().text != what || cur().string) {
      fail(cur(), fmt::format("expected `{}`, found `{}`", what, cur().newline ? "end of line" : cur().text));
      return false;
    }
    ++pos_;
    return true;
  }
  void skip_newlines() {
    while (pos_ < toks_.size() && toks_[pos_].newline) ++pos_;
  }
  void skip_statement() {
    while (pos_ < toks_.size() && !toks_[pos_].newline && toks_[pos_].text != ";") ++pos_;
  }
  // Skips a balanced { ... } starting at the current `{`.
  void skip_block() {
    int depth = 0;
    while (pos_ < toks_.size()) {
      if (!toks_[pos_].string) {
        if (toks_[pos_].text == "{") ++depth;
        if (toks_[pos_].text == "}" && --depth == 0) {
          ++pos_;
          return;
        }
      }
      ++pos_;
    }
    fail(toks_.back(), "a `{` is not closed");
  }

  // ---- tables, sets, chains ----------------------------------------------------------

  void table() {
    const Tok& kw = toks_[pos_++];
    std::string family = "ip", name;
    if (cur().newline || at_end()) {
      fail(kw, "`table` needs a name");
      return;
    }
    std::string first = cur().text;
    ++pos_;
    static const std::set<std::string> kFamilies{"ip", "ip6", "inet", "arp", "bridge", "netdev"};
    if (kFamilies.count(first) && !cur().newline && cur().text != "{") {
      family = first;
      name = cur().text;
      ++pos_;
    } else {
      name = first;
    }
    Table t;
    t.family = family;
    t.name = name;
    t.origin = at(kw);
    for (const auto& existing : rs_.tables) {
      if (existing.family == family && existing.name == name) {
        fail(kw, fmt::format("table `{} {}` appears twice", family, name));
        return;
      }
    }
    if (cur().text != "{") {
      // `table inet x` with no body (an nft -f declaration): an empty table.
      rs_.tables.push_back(std::move(t));
      return;
    }
    ++pos_;
    rs_.tables.push_back(std::move(t));
    size_t ti = rs_.tables.size() - 1;
    sets_.emplace_back();
    while (ok_) {
      skip_newlines();
      if (at_end()) {
        fail(kw, fmt::format("table `{}` is not closed with `}}`", name));
        return;
      }
      const Tok& w = cur();
      if (w.text == "}") {
        ++pos_;
        break;
      }
      if (w.text == ";") {
        ++pos_;
        continue;
      }
      if (w.text == "chain") {
        chain(ti);
      } else if (w.text == "set" || w.text == "map") {
        named_set(ti, w.text == "map");
      } else if (w.text == "flags" || w.text == "comment") {
        skip_statement();
      } else {
        // counter, quota, limit, ct helper, flowtable, secmark, synproxy objects.
        skip_statement_or_block();
      }
    }
  }

  void skip_statement_or_block() {
    while (pos_ < toks_.size() && !toks_[pos_].newline && toks_[pos_].text != ";") {
      if (toks_[pos_].text == "{" && !toks_[pos_].string) {
        skip_block();
        return;
      }
      ++pos_;
    }
  }

  void named_set(size_t ti, bool is_map) {
    const Tok& kw = toks_[pos_++];
    if (cur().newline) {
      fail(kw, "a set needs a name");
      return;
    }
    std::string name = cur().text;
    ++pos_;
    NamedSet s;
    s.is_map = is_map;
    s.origin = at(kw);
    if (!expect("{")) return;
    while (ok_) {
      skip_newlines();
      if (at_end()) {
        fail(kw, "a set is not closed with `}`");
        return;
      }
      const Tok& w = cur();
      if (w.text == "}") {
        ++pos_;
        break;
      }
      if (w.text == ";") {
        ++pos_;
        continue;
      }
      if (w.text == "type") {
        ++pos_;
        while (!cur().newline && cur().text != ";" && cur().text != "}") {
          if (cur().text == ":") break;
          if (cur().text != ".") s.key_type.push_back(cur().text);
          ++pos_;
        }
        skip_statement();
      } else if (w.text == "typeof") {
        ++pos_;
        std::vector<std::string> words;
        while (!cur().newline && cur().text != ";" && cur().text != "}" && cur().text != ":") {
          words.push_back(cur().text);
          ++pos_;
        }
        // typeof ip saddr . tcp dport
        std::vector<std::string> part;
        auto flush = [&]() {
          std::string joined = fmt::format("{}", fmt::join(part, " "));
          if (joined == "ip saddr" || joined == "ip daddr")
            s.key_type.push_back("ipv4_addr");
          else if (joined == "ip6 saddr" || joined == "ip6 daddr")
            s.key_type.push_back("ipv6_addr");
          else if (joined.find("port") != std::string::npos)
            s.key_type.push_back("inet_service");
          else if (joined == "iifname" || joined == "oifname" || joined == "meta iifname" ||
                   joined == "meta oifname")
            s.key_type.push_back("ifname");
          else if (joined == "meta l4proto" || joined == "ip protocol" || joined == "ip6 nexthdr")
            s.key_type.push_back("inet_proto");
          else
            s.key_type.push_back("typeof " + joined);
          part.clear();
        };
        for (const auto& x : words) {
          if (x == ".")
            flush();
          else
            part.push_back(x);
        }
        if (!part.empty()) flush();
        skip_statement();
      } else if (w.text == "elements") {
        ++pos_;
        if (!expect("=")) return;
        if (!expect("{")) return;
        elements(s);
      } else {
        skip_statement_or_block();
      }
    }
    sets_[ti][name] = std::move(s);
  }

  // `{ a, b . c, d : accept, e timeout 1h expires 30m }` after `elements =`.
  void elements(NamedSet& s) {
    NamedSet::Element e;
    bool in_value = false;
    bool skipping = false;  // after an element: timeout, expires, counter, comment ...
    auto push = [&]() {
      if (!e.key.empty()) s.elements.push_back(e);
      e = {};
      in_value = false;
      skipping = false;
    };
    while (ok_) {
      if (at_end()) {
        fail(toks_.back(), "element list is not closed");
        return;
      }
      const Tok& t = cur();
      if (t.newline) {
        ++pos_;
        continue;
      }
      if (!t.string && t.text == "}") {
        ++pos_;
        push();
        return;
      }
      if (!t.string && t.text == ",") {
        ++pos_;
        push();
        continue;
      }
      if (!t.string && t.text == "{") {
        skip_block();
        continue;
      }
      ++pos_;
      if (skipping) continue;
      if (!t.string && t.text == ":") {
        in_value = true;
        continue;
      }
      if (!t.string && t.text == ".") continue;
      static const std::set<std::string> kAfter{"timeout", "expires", "counter",
                                                "comment", "packets", "bytes"};
      if (!t.string && kAfter.count(t.text) && !e.key.empty()) {
        skipping = true;
        continue;
      }
      (in_value ? e.value : e.key).push_back(t.text);
    }
  }

  void chain(size_t ti) {
    const Tok& kw = toks_[pos_++];
    if (cur().newline) {
      fail(kw, "a chain needs a name");
      return;
    }
    Chain c;
    c.name = cur().text;
    c.origin = at(kw);
    ++pos_;
    if (rs_.tables[ti].find(c.name)) {
      fail(kw, fmt::format("chain `{}` appears twice in table `{}`", c.name, rs_.tables[ti].name));
      return;
    }
    if (cur().text != "{") {
      rs_.tables[ti].chains.push_back(std::move(c));
      return;
    }
    ++pos_;
    rs_.tables[ti].chains.push_back(c);
    size_t ci = rs_.tables[ti].chains.size() - 1;
    while (ok_) {
      while (!at_end() && (cur().newline || cur().text == ";")) ++pos_;
      if (at_end()) {
        fail(kw, fmt::format("chain `{}` is not closed with `}}`", c.name));
        return;
      }
      if (cur().text == "}" && !cur().string) {
        ++pos_;
        return;
      }
      const Tok& first = cur();
      if (first.text == "type" && !first.string) {
        chain_type(ti, ci);
        continue;
      }
      if (first.text == "policy" && !first.string) {
        ++pos_;
        Chain& ch = rs_.tables[ti].chains[ci];
        if (cur().text == "accept")
          ch.policy = core::Action::Allow;
        else if (cur().text == "drop")
          ch.policy = core::Action::Deny;
        else {
          fail(cur(), "a chain policy is `accept` or `drop`");
          return;
        }
        ch.policy_origin = at(first);
        ch.policy_origin.kind = Origin::Kind::NativeRule;
        ch.policy_origin.native_id = fmt::format("{} policy {}", ch.name, cur().text);
        ++pos_;
        continue;
      }
      if ((first.text == "comment" || first.text == "devices" || first.text == "flags") && !first.string) {
        skip_statement_or_block();
        continue;
      }
      // A rule: tokens to the end of the line (or `;`), braces balanced.
      size_t start = pos_;
      int depth = 0;
      while (!at_end()) {
        const Tok& t = cur();
        if (!t.string && t.text == "{") ++depth;
        if (!t.string && t.text == "}") {
          if (depth == 0) break;
          --depth;
        }
        if (depth == 0 && (t.newline || (!t.string && t.text == ";"))) break;
        ++pos_;
      }
      if (depth != 0) {
        fail(first, "a `{` in this rule is not closed");
        return;
      }
      Pending p;
      p.table = ti;
      p.chain = ci;
      p.tokens.assign(toks_.begin() + long(start), toks_.begin() + long(pos_));
      p.tokens.erase(std::remove_if(p.tokens.begin(), p.tokens.end(), [](const Tok& t) { return t.newline; }),
                     p.tokens.end());
      pending_.push_back(std::move(p));
    }
  }

  void chain_type(size_t ti, size_t ci) {
    Chain& ch = rs_.tables[ti].chains[ci];
    const Tok& kw = toks_[pos_++];
    ch.base = true;
    ch.type = cur().text;
    ch.policy_origin = at(kw);
    ch.policy_origin.kind = Origin::Kind::NativeRule;
    ch.policy_origin.native_id = fmt::format("{} policy accept", ch.name);
    ++pos_;
    while (!at_end() && !cur().newline && cur().text != ";") {
      const std::string w = cur().text;
      ++pos_;
      if (w == "hook") {
        const std::string h = cur().text;
        ++pos_;
        if (h == "prerouting")
          ch.hook = Hook::Prerouting;
        else if (h == "input")
          ch.hook = Hook::Input;
        else if (h == "forward")
          ch.hook = Hook::Forward;
        else if (h == "output")
          ch.hook = Hook::Output;
        else if (h == "postrouting")
          ch.hook = Hook::Postrouting;
        else
          ch.hook = Hook::None;  // ingress, egress
      } else if (w == "device") {
        ++pos_;
      } else if (w == "priority") {
        const Tok& pt = cur();
        ++pos_;
        std::optional<int> p = named_priority(pt.text);
        if (!p) p = signed_number(pt.text);
        if (!p) {
          fail(pt, fmt::format("`{}` is not a chain priority", pt.text));
          return;
        }
        // `filter + 10`, `raw - 5`
        if (!at_end() && (cur().text == "+" || cur().text == "-")) {
          bool minus = cur().text == "-";
          ++pos_;
          auto n = signed_number(cur().text);
          if (!n) {
            fail(cur(), "expected a number after the priority name");
            return;
          }
          ++pos_;
          *p += minus ? -*n : *n;
        }
        ch.priority = *p;
      }
    }
  }

  // ---- rules ---------------------------------------------------------------------

  struct Pending {
    size_t table = 0, chain = 0;
    std::vector<Tok> tokens;
  };

  struct RuleState {
    std::vector<Conj> alts{Conj{}};
    std::vector<std::string> unknown_parts;
    std::vector<std::string> reported;
    Rule rule;
    bool verdict_set = false;
    std::vector<Rule> extra;  // verdict map entries
    bool ok = true;
  };

  void finish_rule(Pending& p) {
    toks_rule_ = &p.tokens;
    rp_ = 0;
    Table& t = rs_.tables[p.table];
    Chain& c = t.chains[p.chain];
    table_index_ = p.table;
    RuleState st;
    const Tok& first = p.tokens.front();
    std::string text;
    if (p.tokens.front().line == p.tokens.back().line) {
      text = std::string(text_.substr(p.tokens.front().begin, p.tokens.back().end - p.tokens.front().begin));
    } else {
      for (const auto& tk : p.tokens) {
        if (!text.empty()) text += ' ';
        text += tk.string ? "\"" + tk.text + "\"" : tk.text;
      }
    }
    st.rule.name = text;
    st.rule.origin = at(first);
    cx_ = ConjContext{&rs_, st.rule.origin, text};
    family_ = t.family == "ip"    ? std::optional(core::Family::V4)
              : t.family == "ip6" ? std::optional(core::Family::V6)
                                  : std::nullopt;
    while (rp_ < p.tokens.size() && st.ok) statement(st);
    if (!st.ok) {
      ok_ = false;
      return;
    }
    // Unknown parts: one condition each.
    std::vector<std::string> texts = st.reported;
    for (const auto& part : st.unknown_parts) {
      core::ConditionId cid =
          rs_.condition(fmt::format("{}: {}", st.rule.origin.to_string(), part),
                        fmt::format("`{}`: rampart does not model this", part), st.rule.origin);
      auto prod = product(st.alts, {conj_unknown(cid)}, cx_);
      st.alts = std::move(*prod);
      for (auto& e : st.extra) {
        auto p2 = product(e.alts, {conj_unknown(cid)}, cx_);
        e.alts = std::move(*p2);
      }
      texts.push_back(part);
    }
    if (st.rule.verdict == Verdict::Undecided) texts.push_back(st.rule.undecided);
    if (!texts.empty()) {
      bool effect = st.rule.verdict != Verdict::Continue || !st.extra.empty();
      rs_.diagnostics.warning(
          codes::kUnknown, st.rule.origin,
          fmt::format(
              "chain {}: {} `{}`: rampart does not model {}, so {}", c.name,
              texts.size() == 1 ? "part" : "parts", fmt::join(texts, "`, `"),
              texts.size() == 1 ? "it" : "them",
              effect ? "this rule's match is unknown and answers that depend on it carry must and may sets"
                     : "this rule's match is unknown (it decides nothing, so answers do not change)"));
    }
    if (!st.extra.empty()) {
      for (auto& e : st.extra) c.rules.push_back(std::move(e));
      return;
    }
    st.rule.alts = std::move(st.alts);
    c.rules.push_back(std::move(st.rule));
  }

  const Tok& rt(size_t k = 0) const {
    static const Tok end{"", 0, 0, false, true};
    return rp_ + k < toks_rule_->size() ? (*toks_rule_)[rp_ + k] : end;
  }
  bool rule_end() const { return rp_ >= toks_rule_->size(); }
  void rfail(RuleState& st, const Tok& t, std::string message) {
    st.ok = false;
    rs_.diagnostics.error(codes::kSyntax, at(t.line ? t : toks_rule_->back()), std::move(message));
  }

  void add(RuleState& st, std::vector<Conj> alts, const std::string& text) {
    auto prod = product(st.alts, alts, cx_);
    if (!prod) {
      core::ConditionId c =
          rs_.condition(fmt::format("{}: {}", cx_.origin.to_string(), text),
                        fmt::format("`{}` (too many alternatives for rampart to expand)", text), cx_.origin);
      st.reported.push_back(text);
      prod = product(st.alts, {conj_unknown(c)}, cx_);
    }
    st.alts = std::move(*prod);
  }

  static bool statement_word(const std::string& w) {
    static const std::set<std::string> kWords{
        "ip",         "ip6",      "tcp",      "udp",    "sctp",     "dccp",     "udplite",  "th",
        "icmp",       "icmpv6",   "meta",     "ct",     "fib",      "iifname",  "oifname",  "iif",
        "oif",        "counter",  "log",      "limit",  "comment",  "notrack",  "dnat",     "snat",
        "masquerade", "redirect", "tproxy",   "mark",   "xt",       "quota",    "ether",    "vlan",
        "arp",        "socket",   "osf",      "rt",     "exthdr",   "frag",     "hbh",      "dst",
        "mh",         "srh",      "ah",       "esp",    "comp",     "ipsec",    "tunnel",   "numgen",
        "jhash",      "symhash",  "synproxy", "dup",    "fwd",      "nftrace",  "pkttype",  "iiftype",
        "oiftype",    "skuid",    "skgid",    "cpu",    "cgroup",   "iifgroup", "oifgroup", "l4proto",
        "nfproto",    "priority", "set",      "update", "add",      "meter",    "flow",     "ibrname",
        "obrname",    "iifkind",  "oifkind",  "sdif",   "sdifname", "time",     "day",      "hour",
        "random",     "secmark",  "ipv6",     "inet"};
    return kWords.count(w) > 0 || is_verdict_word(w);
  }

  // One statement of a rule.
  void statement(RuleState& st) {
    const Tok& t = rt();
    const std::string w = t.string ? "" : t.text;
    if (w == ";") {
      ++rp_;
      return;
    }
    if (is_verdict_word(w)) {
      verdict(st);
      return;
    }
    if (w == "counter") {
      ++rp_;
      if (rt().text == "packets")
        rp_ += 4;  // packets N bytes N
      else if (rt().text == "name")
        rp_ += 2;
      return;
    }
    if (w == "log") {
      ++rp_;
      static const std::set<std::string> kWithValue{"prefix",  "level",           "group",
                                                    "snaplen", "queue-threshold", "flags"};
      while (!rule_end() && kWithValue.count(rt().text)) {
        std::string k = rt().text;
        rp_ += 2;
        if (k == "flags") {
          while (!rule_end() && rt().text == ",") rp_ += 2;
        }
      }
      return;
    }
    if (w == "comment") {
      rp_ += 2;
      return;
    }
    if (w == "notrack") {
      ++rp_;
      st.rule.notrack = true;
      return;
    }
    if (w == "nftrace") {  // legacy `nftrace set 1`
      rp_ += 3;
      return;
    }
    if (w == "limit" || w == "quota") {
      unknown_until_statement(st, /*as_match=*/true);
      return;
    }
    if (w == "dnat" || w == "snat" || w == "masquerade" || w == "redirect" || w == "tproxy") {
      st.rule.dnat = w == "dnat" || w == "redirect" || w == "tproxy";
      // NAT statements end the rule (they are terminal in nat chains).
      rp_ = toks_rule_->size();
      if (!st.verdict_set) {
        st.rule.verdict = Verdict::Continue;
        st.verdict_set = true;
      }
      return;
    }
    if (w == "xt") {
      // iptables-nft rules nft cannot print: `xt match recent`, `xt target LOG`.
      std::string kind = rt(1).text, name = rt(2).text;
      rp_ += 3;
      if (kind == "target") {
        if (name == "LOG" || name == "NFLOG" || name == "MARK" || name == "CONNMARK" || name == "TCPMSS" ||
            name == "CT" || name == "NOTRACK" || name == "CHECKSUM" || name == "CLASSIFY") {
          st.rule.verdict = Verdict::Continue;
        } else {
          st.rule.verdict = Verdict::Undecided;
          st.rule.undecided = fmt::format("xt target {}", name);
        }
        st.verdict_set = true;
      } else {
        st.unknown_parts.push_back(fmt::format("xt {} {}", kind, name));
      }
      return;
    }
    // An expression (or an assignment statement: `meta mark set 1`).
    expression(st);
  }

  void verdict(RuleState& st) {
    const Tok& t = rt();
    std::string w = t.text;
    ++rp_;
    if (st.verdict_set && st.rule.verdict != Verdict::Continue) {
      rfail(st, t, "a rule has one verdict");
      return;
    }
    st.verdict_set = true;
    if (w == "accept")
      st.rule.verdict = Verdict::Accept;
    else if (w == "drop")
      st.rule.verdict = Verdict::Drop;
    else if (w == "reject") {
      st.rule.verdict = Verdict::Drop;
      if (rt().text == "with") {
        // reject with icmp type X / icmp X / icmpx type X / tcp reset
        rp_ += 2;
        if (!rule_end() && rt().text == "type") ++rp_;
        if (!rule_end() && !statement_word(rt().text) && rt().text != "reset")
          ++rp_;
        else if (rt().text == "reset")
          ++rp_;
      }
    } else if (w == "return")
      st.rule.verdict = Verdict::Return;
    else if (w == "continue")
      st.rule.verdict = Verdict::Continue;
    else if (w == "jump" || w == "goto") {
      st.rule.verdict = w == "jump" ? Verdict::Jump : Verdict::Goto;
      st.rule.target = rt().text;
      if (rule_end()) {
        rfail(st, t, fmt::format("`{}` needs a chain", w));
        return;
      }
      ++rp_;
    } else if (w == "queue") {
      st.rule.verdict = Verdict::Undecided;
      st.rule.undecided = "`queue` hands the packet to a program, which decides";
      while (!rule_end() && !statement_word(rt().text)) ++rp_;
    }
  }

  // Skips an expression or statement rampart does not model, up to the next
  // statement (a verdict, counter, log, comment, limit, or a selector rampart
  // reads); as a match it becomes an unknown condition.
  void unknown_until_statement(RuleState& st, bool as_match) {
    std::string text = rt().text;
    ++rp_;
    int depth = 0;
    while (!rule_end()) {
      const Tok& t = rt();
      if (!t.string && t.text == "{") ++depth;
      if (!t.string && t.text == "}") --depth;
      if (depth == 0 && !t.string &&
          (is_verdict_word(t.text) || t.text == "counter" || t.text == "log" || t.text == "comment" ||
           t.text == "limit" || t.text == "notrack" || starts_selector())) {
        break;
      }
      text += " " + (t.string ? "\"" + t.text + "\"" : t.text);
      ++rp_;
    }
    if (as_match) st.unknown_parts.push_back(text);
  }

  bool starts_selector() {
    size_t save = rp_;
    RuleState scratch;
    bool yes = selector(scratch).has_value() || (rt().text == "tcp" && rt(1).text == "flags");
    rp_ = save;
    return yes;
  }

  // TCP flags as nft prints them: `tcp flags syn / fin,syn,rst,ack`,
  // `tcp flags & (fin|syn|rst|ack) == syn`, `tcp flags syn` (any of),
  // `tcp flags == syn`, `tcp flags { syn, syn | ack }`.
  void tcp_flags(RuleState& st) {
    const Tok start = rt();
    rp_ += 2;
    std::string text = "tcp flags";
    auto bits_of = [&](const std::string& words, bool& ok) {
      uint8_t b = 0;
      std::string w;
      ok = true;
      auto flush = [&]() {
        if (w.empty()) return;
        static const std::map<std::string, uint8_t> kBits{{"fin", 0x01}, {"syn", 0x02}, {"rst", 0x04},
                                                          {"psh", 0x08}, {"ack", 0x10}, {"urg", 0x20},
                                                          {"ecn", 0x40}, {"cwr", 0x80}};
        auto it = kBits.find(w);
        if (it != kBits.end())
          b |= it->second;
        else if (auto n = parse_number(w, 255))
          b |= uint8_t(*n);
        else
          ok = false;
        w.clear();
      };
      for (char c : words) {
        if (c == '|' || c == ',' || c == '(' || c == ')' || c == ' ')
          flush();
        else
          w += c;
      }
      flush();
      return b;
    };
    // Words of one flag value: `syn`, `syn,ack`, `(fin|syn)`, `fin | syn`.
    auto value_words = [&]() {
      std::string out;
      int paren = 0;
      while (!rule_end()) {
        const std::string& w = rt().text;
        bool joiner = w == "," || w == "|" || (!out.empty() && (out.back() == '|' || out.back() == ','));
        if (!out.empty() && paren == 0 && !joiner) break;
        for (char c : w) paren += c == '(' ? 1 : c == ')' ? -1 : 0;
        out += w;
        ++rp_;
        if (paren == 0 && !rule_end() && rt().text != "," && rt().text != "|" && out.back() != '|' &&
            out.back() != ',') {
          break;
        }
      }
      return out;
    };
    bool ok = true;
    std::function<bool(uint8_t)> test;
    if (rt().text == "&") {
      ++rp_;
      std::string m = value_words();
      uint8_t mask = bits_of(m, ok);
      std::string op = rt().text;
      if (op != "==" && op != "!=") {
        rfail(st, rt(), "expected `==` or `!=` after the flags mask");
        return;
      }
      ++rp_;
      std::string v = value_words();
      uint8_t comp = bits_of(v, ok);
      bool neg = op == "!=";
      text += fmt::format(" & {} {} {}", m, op, v);
      test = [=](uint8_t f) { return ((f & mask) == comp) != neg; };
    } else {
      std::string op;
      if (rt().text == "==" || rt().text == "!=") {
        op = rt().text;
        ++rp_;
      }
      bool neg = op == "!=";
      if (rt().text == "{") {
        ++rp_;
        std::vector<uint8_t> values;
        std::string cur;
        while (!rule_end() && rt().text != "}") {
          if (rt().text == ",") {
            values.push_back(bits_of(cur, ok));
            cur.clear();
          } else {
            cur += rt().text;
          }
          ++rp_;
        }
        if (!cur.empty()) values.push_back(bits_of(cur, ok));
        if (rule_end()) {
          rfail(st, start, "a set is not closed with `}`");
          return;
        }
        ++rp_;
        text += " { ... }";
        test = [=](uint8_t f) { return (std::find(values.begin(), values.end(), f) != values.end()) != neg; };
      } else {
        std::string v = value_words();
        uint8_t comp = bits_of(v, ok);
        text += " " + op + (op.empty() ? "" : " ") + v;
        if (rt().text == "/") {
          ++rp_;
          std::string m = value_words();
          uint8_t mask = bits_of(m, ok);
          text += " / " + m;
          test = [=](uint8_t f) { return ((f & mask) == comp) != neg; };
        } else if (!op.empty()) {
          test = [=](uint8_t f) { return (f == comp) != neg; };
        } else {
          test = [=](uint8_t f) { return (f & comp) != 0; };
        }
      }
    }
    if (!ok) {
      rfail(st, start, fmt::format("`{}`: TCP flags are fin, syn, rst, psh, ack, urg, ecn, cwr", text));
      return;
    }
    add(st, tcp_flags_conj(rs_, cx_, test, text, st.reported), text);
  }

  // Reads a selector at the current token; nullopt when rampart does not know it.
  std::optional<Selector> selector(RuleState& st) {
    Selector s;
    const std::string a = rt().text, b = rt(1).text;
    auto take = [&](int n, Kind k) {
      s.kind = k;
      for (int i = 0; i < n; ++i) s.text += (i ? " " : "") + rt(size_t(i)).text;
      rp_ += size_t(n);
      return s;
    };
    if (a == "ip" && (b == "saddr" || b == "daddr")) {
      s.source = b == "saddr";
      s.family = core::Family::V4;
      return take(2, Kind::Addr4);
    }
    if (a == "ip6" && (b == "saddr" || b == "daddr")) {
      s.source = b == "saddr";
      s.family = core::Family::V6;
      return take(2, Kind::Addr6);
    }
    if (a == "ip" && b == "protocol") {
      s.family = core::Family::V4;
      return take(2, Kind::Proto);
    }
    if (a == "ip6" && b == "nexthdr") {
      s.family = core::Family::V6;
      return take(2, Kind::Proto);
    }
    if (a == "meta" && b == "l4proto") return take(2, Kind::Proto);
    if (a == "meta" && b == "nfproto") return take(2, Kind::Family);
    if (a == "meta" && b == "protocol") return take(2, Kind::EtherType);
    if (a == "ct" && (b == "protocol" || b == "proto")) return take(2, Kind::Proto);
    if (a == "ct" && b == "l3proto") return take(2, Kind::Family);
    if (a == "meta" && (b == "iifname" || b == "oifname" || b == "iif" || b == "oif")) {
      s.in = b[0] == 'i';
      return take(2, Kind::Iface);
    }
    if (a == "iifname" || a == "oifname" || a == "iif" || a == "oif") {
      s.in = a[0] == 'i';
      return take(1, Kind::Iface);
    }
    static const std::map<std::string, uint8_t> kPortProto{
        {"tcp", core::proto::kTcp},   {"udp", core::proto::kUdp},         {"sctp", core::proto::kSctp},
        {"dccp", core::proto::kDccp}, {"udplite", core::proto::kUdpLite}, {"th", 0}};
    if (kPortProto.count(a) && (b == "sport" || b == "dport")) {
      s.protocol = kPortProto.at(a);
      s.source = b == "sport";
      return take(2, Kind::Port);
    }
    if ((a == "icmp" || a == "icmpv6") && (b == "type" || b == "code")) {
      bool v6 = a == "icmpv6";
      s.protocol = v6 ? core::proto::kIcmpV6 : core::proto::kIcmp;
      return take(
          2, b == "type" ? (v6 ? Kind::Icmp6Type : Kind::IcmpType) : (v6 ? Kind::Icmp6Code : Kind::IcmpCode));
    }
    if (a == "ct" && b == "state") return take(2, Kind::State);
    if (a == "ct" && b == "direction") return take(2, Kind::Direction);
    if (a == "fib" && (b == "saddr" || b == "daddr") && rt(2).text == "type") {
      s.fib_source = b == "saddr";
      return take(3, Kind::FibType);
    }
    (void)st;
    return std::nullopt;
  }

  // Words of one value: `x`, `{ a, b }`, `a,b`, `@set`.
  struct Value {
    std::vector<std::vector<std::string>> elements;  // each: the concatenated parts
    std::string set;                                 // @name
    std::string text;
  };

  std::optional<Value> value(RuleState& st) {
    Value v;
    if (rule_end()) {
      rfail(st, rt(), "a value is missing");
      return std::nullopt;
    }
    if (!rt().string && rt().text == "{") {
      ++rp_;
      std::vector<std::string> el;
      v.text = "{ ";
      while (!rule_end() && !(rt().text == "}" && !rt().string)) {
        const Tok& t = rt();
        ++rp_;
        v.text += t.text + " ";
        if (!t.string && t.text == ",") {
          if (!el.empty()) v.elements.push_back(el);
          el.clear();
        } else if (!t.string && t.text == ".") {
          continue;
        } else if (!t.string && t.text == "{") {
          rfail(st, t, "nested braces in a set are not supported");
          return std::nullopt;
        } else {
          el.push_back(t.text);
        }
      }
      if (rule_end()) {
        rfail(st, rt(), "a set is not closed with `}`");
        return std::nullopt;
      }
      ++rp_;
      v.text += "}";
      if (!el.empty()) v.elements.push_back(el);
      return v;
    }
    if (!rt().string && !rt().text.empty() && rt().text[0] == '@') {
      v.set = rt().text.substr(1);
      v.text = rt().text;
      ++rp_;
      return v;
    }
    // One word, or `a,b,c` (a list without braces, as `ct state` prints it),
    // or a concatenation `a . b`.
    std::vector<std::string> el{rt().text};
    v.text = rt().text;
    ++rp_;
    while (!rule_end() && !rt().string && rt().text == ".") {
      el.push_back(rt(1).text);
      v.text += " . " + rt(1).text;
      rp_ += 2;
    }
    v.elements.push_back(el);
    while (!rule_end() && !rt().string && rt().text == ",") {
      v.text += "," + rt(1).text;
      v.elements.push_back({rt(1).text});
      rp_ += 2;
    }
    return v;
  }

  // The elements of a named set, in the form a value has.
  const NamedSet* named(const std::string& name) const {
    auto& m = sets_.at(table_index_);
    auto it = m.find(name);
    return it == m.end() ? nullptr : &it->second;
  }

  // The condition that one selector's value is one of `elements` (each a
  // single word). nullopt (with `unknown` set) when a value cannot be read.
  std::optional<Conj> membership(RuleState& st, const Selector& s, const std::vector<std::string>& words,
                                 bool neg, const std::string& op, bool& unknown) {
    unknown = false;
    auto bad = [&](const std::string& w) -> std::optional<Conj> {
      rfail(st, where_, fmt::format("`{}` is not a value of `{}`", w, s.text));
      return std::nullopt;
    };
    switch (s.kind) {
      case Kind::Addr4:
      case Kind::Addr6: {
        std::vector<core::AddressSet> items;
        for (const auto& w : words) {
          std::string err;
          auto a = parse_address(w, s.kind == Kind::Addr4 ? core::Family::V4 : core::Family::V6, err);
          if (!a) return bad(w);
          items.push_back(std::move(*a));
        }
        core::AddressSet set = unite_all(std::move(items));
        if (op == "<" || op == ">" || op == "<=" || op == ">=") {
          unknown = true;
          return std::nullopt;
        }
        core::AddressMatch m = core::AddressMatch::of(set);
        m.negated = neg;
        Conj c = s.source ? conj_src(m) : conj_dst(m);
        c.m.family = s.family;
        return c;
      }
      case Kind::Port: {
        core::PortSet ps;
        for (const auto& w : words) {
          auto dash = w.find('-');
          auto lo = service_port(w.substr(0, dash));
          auto hi = dash == std::string::npos ? lo : service_port(w.substr(dash + 1));
          if (!lo || !hi || *hi < *lo) return bad(w);
          if (op == "<") {
            if (*lo > 0) ps.add(0, uint16_t(*lo - 1));
          } else if (op == "<=") {
            ps.add(0, *lo);
          } else if (op == ">") {
            if (*hi < 65535) ps.add(uint16_t(*hi + 1), 65535);
          } else if (op == ">=") {
            ps.add(*lo, 65535);
          } else {
            ps.add(*lo, *hi);
          }
        }
        core::ServiceMatch m;
        if (s.protocol)
          m.protocols = core::ByteSet::single(s.protocol);
        else {
          for (uint8_t p : {core::proto::kTcp, core::proto::kUdp, core::proto::kDccp, core::proto::kSctp,
                            core::proto::kUdpLite}) {
            m.protocols.add(p);
          }
        }
        (s.source ? m.src_ports : m.dst_ports) = neg ? ps.complement() : ps;
        return conj_services(core::ServiceSet::of(m));
      }
      case Kind::Proto: {
        core::ByteSet ps;
        for (const auto& w : words) {
          auto dash = protocol_number(w) ? std::string::npos : w.find('-');
          auto lo = protocol_number(w.substr(0, dash));
          auto hi = dash == std::string::npos ? lo : protocol_number(w.substr(dash + 1));
          if (!lo || !hi || *hi < *lo) return bad(w);
          ps.add(*lo, *hi);
        }
        core::ServiceMatch m;
        m.protocols = neg ? ps.complement() : ps;
        Conj c = conj_services(core::ServiceSet::of(m));
        c.m.family = s.family;
        return c;
      }
      case Kind::IcmpType:
      case Kind::Icmp6Type:
      case Kind::IcmpCode:
      case Kind::Icmp6Code: {
        bool code = s.kind == Kind::IcmpCode || s.kind == Kind::Icmp6Code;
        core::Family fam = s.protocol == core::proto::kIcmpV6 ? core::Family::V6 : core::Family::V4;
        core::ByteSet bs;
        for (const auto& w : words) {
          auto dash = code || icmp_type(w, fam) ? std::string::npos : w.find('-');
          std::optional<uint8_t> lo, hi;
          if (code) {
            auto n = parse_number(w, 255);
            if (!n) {
              auto t = icmp_type(w, fam);  // names like port-unreachable carry a code
              if (!t || !t->code) {
                unknown = true;
                return std::nullopt;
              }
              n = *t->code;
            }
            lo = hi = uint8_t(*n);
          } else {
            auto t1 = icmp_type(w.substr(0, dash), fam);
            auto t2 = dash == std::string::npos ? t1 : icmp_type(w.substr(dash + 1), fam);
            if (!t1 || !t2 || t1->code) return bad(w);
            lo = t1->type;
            hi = t2->type;
          }
          if (*hi < *lo) return bad(w);
          bs.add(*lo, *hi);
        }
        core::ServiceMatch m = core::ServiceMatch::protocol(s.protocol);
        (code ? m.icmp_codes : m.icmp_types) = neg ? bs.complement() : bs;
        return conj_services(core::ServiceSet::of(m));
      }
      case Kind::State: {
        uint8_t bits = 0;
        for (const auto& w : words) {
          auto b = conn_state_bits(w);
          if (!b) return bad(w);
          bits |= *b;
        }
        return conj_states(neg ? uint8_t(core::kAllConnStates & ~bits) : bits);
      }
      case Kind::Direction: {
        uint8_t bits = 0;
        for (const auto& w : words) {
          if (w == "original")
            bits |= core::conn_state_bit(core::ConnState::New);
          else if (w == "reply")
            bits |= core::conn_state_bit(core::ConnState::Established);
          else
            return bad(w);
        }
        return conj_states(neg ? uint8_t(core::kAllConnStates & ~bits) : bits);
      }
      case Kind::Iface: {
        core::InterfaceMatch m;
        for (auto w : words) {
          // nft's wildcard `eth*` is netfilter's `eth+`.
          if (!w.empty() && w.back() == '*') w.back() = '+';
          m.names.push_back(w);
        }
        m.negated = neg;
        return conj_iface(s.in, m);
      }
      case Kind::Family:
      case Kind::EtherType: {
        std::set<core::Family> fams;
        for (const auto& w : words) {
          if (w == "ipv4" || w == "ip")
            fams.insert(core::Family::V4);
          else if (w == "ipv6" || w == "ip6")
            fams.insert(core::Family::V6);
          else if (s.kind == Kind::EtherType || w == "arp" || w == "bridge" || w == "netdev") {
            // Not an IP packet: never one of rampart's.
          } else {
            return bad(w);
          }
        }
        if (neg) {
          std::set<core::Family> all{core::Family::V4, core::Family::V6};
          std::set<core::Family> rest;
          for (auto f : all) {
            if (!fams.count(f)) rest.insert(f);
          }
          fams = rest;
        }
        if (fams.empty()) return Conj{};  // handled by the caller as never
        if (fams.size() == 2) return Conj{};
        return conj_family(*fams.begin());
      }
      case Kind::FibType: {
        uint16_t types = 0;
        for (const auto& w : words) {
          auto t = addrtype::parse(w);
          if (!t) return bad(w);
          types |= *t;
        }
        return conj_addrtype(AddrType{s.fib_source, types, neg});
      }
      case Kind::Mark:
      case Kind::Unknown: break;
    }
    unknown = true;
    return std::nullopt;
  }

  bool never_family(const Selector& s, const std::vector<std::string>& words, bool neg) {
    if (s.kind != Kind::Family && s.kind != Kind::EtherType) return false;
    std::set<core::Family> fams;
    for (const auto& w : words) {
      if (w == "ipv4" || w == "ip") fams.insert(core::Family::V4);
      if (w == "ipv6" || w == "ip6") fams.insert(core::Family::V6);
    }
    return neg ? fams.size() == 2 : fams.empty();
  }

  // The words of a named set's elements for a single-selector lookup.
  std::optional<std::vector<std::string>> set_words(RuleState& st, const std::string& name,
                                                    const Tok& where) {
    const NamedSet* ns = named(name);
    if (!ns) {
      rfail(st, where, fmt::format("no set `@{}` in this table", name));
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (const auto& e : ns->elements) {
      if (e.key.size() != 1) return std::nullopt;
      out.push_back(e.key[0]);
    }
    return out;
  }

  void expression(RuleState& st) {
    const Tok start = rt();
    if (rt().text == "tcp" && rt(1).text == "flags") {
      tcp_flags(st);
      return;
    }
    std::vector<Selector> sels;
    size_t save = rp_;
    while (true) {
      auto s = selector(st);
      if (!st.ok) return;
      if (!s) {
        rp_ = save;
        sels.clear();
        break;
      }
      sels.push_back(*s);
      if (rt().text == "." && !rt().string) {
        ++rp_;
        continue;
      }
      break;
    }
    if (sels.empty()) {
      // Something rampart does not model. An assignment (`... set X`) is a
      // statement and matches nothing; anything else is an unknown match.
      size_t k = rp_;
      bool assignment = false;
      for (size_t j = k; j < toks_rule_->size() && j < k + 6; ++j) {
        const Tok& t = (*toks_rule_)[j];
        if (!t.string && t.text == "set" && j > k) {
          assignment = true;
          break;
        }
        if (!t.string && (is_verdict_word(t.text) || t.text == "{")) break;
      }
      if (start.text == "add" || start.text == "update" || start.text == "meter" || start.text == "set" ||
          start.text == "dup" || start.text == "fwd" || start.text == "synproxy") {
        assignment = start.text != "synproxy" ? true : assignment;
      }
      unknown_until_statement(st, !assignment);
      return;
    }
    std::string text;
    for (size_t i = 0; i < sels.size(); ++i) text += (i ? " . " : "") + sels[i].text;
    // Assignment: `meta mark set 1`, `ct mark set 2`.
    if (rt().text == "set" && !rt().string) {
      ++rp_;
      value(st);
      return;
    }
    std::string op;
    static const std::set<std::string> kOps{
        "==", "!=", "<", ">", "<=", ">=", "eq", "ne", "lt", "gt", "le", "ge"};
    if (!rt().string && kOps.count(rt().text)) {
      op = rt().text;
      if (op == "eq") op = "==";
      if (op == "ne") op = "!=";
      if (op == "lt") op = "<";
      if (op == "gt") op = ">";
      if (op == "le") op = "<=";
      if (op == "ge") op = ">=";
      ++rp_;
    }
    bool neg = op == "!=";
    if (op == "==" || op == "!=") op.clear();
    if (!rt().string && rt().text == "vmap") {
      ++rp_;
      vmap(st, sels, text);
      return;
    }
    if (!rt().string && rt().text == "map") {
      // A map lookup in an expression (`dnat to ip saddr map { ... }`): not a match.
      ++rp_;
      value(st);
      return;
    }
    const Tok value_tok = rt();
    where_ = value_tok;
    auto v = value(st);
    if (!v) return;
    text += (neg ? " != " : " ") + v->text;
    if (sels.size() == 1) {
      std::vector<std::string> words;
      if (!v->set.empty()) {
        auto w = set_words(st, v->set, value_tok);
        if (!st.ok) return;
        if (!w) {
          st.unknown_parts.push_back(text);
          return;
        }
        words = *w;
      } else {
        for (const auto& e : v->elements) {
          if (e.size() != 1) {
            rfail(st, start, fmt::format("`{}`: a concatenated value for one selector", text));
            return;
          }
          words.push_back(e[0]);
        }
      }
      if (never_family(sels[0], words, neg)) {
        st.alts.clear();
        return;
      }
      bool unknown = false;
      auto c = membership(st, sels[0], words, neg, op, unknown);
      if (!st.ok) return;
      if (unknown || !c) {
        st.unknown_parts.push_back(text);
        return;
      }
      add(st, {*c}, text);
      return;
    }
    // A concatenation: one alternative per element.
    std::vector<std::vector<std::string>> elements;
    if (!v->set.empty()) {
      const NamedSet* ns = named(v->set);
      if (!ns) {
        rfail(st, value_tok, fmt::format("no set `@{}` in this table", v->set));
        return;
      }
      for (const auto& e : ns->elements) elements.push_back(e.key);
    } else {
      elements = v->elements;
    }
    if (neg || !op.empty()) {
      st.unknown_parts.push_back(text);
      return;
    }
    std::vector<Conj> alts;
    for (const auto& e : elements) {
      if (e.size() != sels.size()) {
        st.unknown_parts.push_back(text);
        return;
      }
      Conj c;
      bool ok = true;
      for (size_t i = 0; i < sels.size() && ok; ++i) {
        bool unknown = false;
        auto part = membership(st, sels[i], {e[i]}, false, "", unknown);
        if (!st.ok) return;
        if (unknown || !part) {
          st.unknown_parts.push_back(text);
          return;
        }
        auto x = intersect(c, *part, cx_);
        if (!x)
          ok = false;
        else
          c = std::move(*x);
      }
      if (ok) alts.push_back(std::move(c));
    }
    add(st, std::move(alts), text);
  }

  // `SELECTOR vmap { KEY : VERDICT, ... }` or `vmap @map`: one rule per element.
  void vmap(RuleState& st, const std::vector<Selector>& sels, const std::string& text) {
    where_ = rt();
    std::vector<NamedSet::Element> elements;
    std::string shown = text + " vmap ";
    if (!rule_end() && !rt().string && !rt().text.empty() && rt().text[0] == '@') {
      const NamedSet* ns = named(rt().text.substr(1));
      if (!ns) {
        rfail(st, rt(), fmt::format("no map `{}` in this table", rt().text));
        return;
      }
      shown += rt().text;
      ++rp_;
      elements = ns->elements;
    } else {
      if (rt().text != "{") {
        rfail(st, rt(), "expected `{` or `@map` after `vmap`");
        return;
      }
      ++rp_;
      NamedSet::Element e;
      bool in_value = false;
      while (!rule_end() && !(rt().text == "}" && !rt().string)) {
        const Tok& t = rt();
        ++rp_;
        if (!t.string && t.text == ",") {
          if (!e.key.empty()) elements.push_back(e);
          e = {};
          in_value = false;
        } else if (!t.string && t.text == ":") {
          in_value = true;
        } else if (!t.string && t.text == ".") {
          continue;
        } else {
          (in_value ? e.value : e.key).push_back(t.text);
        }
      }
      if (rule_end()) {
        rfail(st, rt(), "a verdict map is not closed with `}`");
        return;
      }
      ++rp_;
      if (!e.key.empty()) elements.push_back(e);
      shown += "{ ... }";
    }
    int index = 0;
    for (const auto& e : elements) {
      ++index;
      Rule r = st.rule;
      r.name = fmt::format("{} [{} : {}]", st.rule.name, fmt::join(e.key, " . "), fmt::join(e.value, " "));
      std::vector<Conj> alts = st.alts;
      if (e.key.size() != sels.size() || e.value.empty()) {
        rfail(st, rt(), fmt::format("`{}`: a map element is `KEY : VERDICT`", shown));
        return;
      }
      Conj key;
      bool ok = true, unknown = false;
      for (size_t i = 0; i < sels.size() && ok; ++i) {
        auto part = membership(st, sels[i], {e.key[i]}, false, "", unknown);
        if (!st.ok) return;
        if (unknown || !part) break;
        auto x = intersect(key, *part, cx_);
        if (!x)
          ok = false;
        else
          key = std::move(*x);
      }
      if (!ok) continue;
      if (unknown) {
        key = conj_unknown(rs_.condition(
            fmt::format("{}: {} element {}", cx_.origin.to_string(), shown, index),
            fmt::format("`{}` meets element `{}`", shown, fmt::join(e.key, " . ")), cx_.origin));
        st.reported.push_back(fmt::format("{} element {}", shown, fmt::join(e.key, " . ")));
      }
      auto prod = product(alts, {key}, cx_);
      r.alts = prod ? std::move(*prod) : std::vector<Conj>{};
      const std::string& vw = e.value[0];
      if (vw == "accept")
        r.verdict = Verdict::Accept;
      else if (vw == "drop" || vw == "reject")
        r.verdict = Verdict::Drop;
      else if (vw == "return")
        r.verdict = Verdict::Return;
      else if (vw == "continue")
        r.verdict = Verdict::Continue;
      else if ((vw == "jump" || vw == "goto") && e.value.size() > 1) {
        r.verdict = vw == "jump" ? Verdict::Jump : Verdict::Goto;
        r.target = e.value[1];
      } else if (vw == "queue") {
        r.verdict = Verdict::Undecided;
        r.undecided = "`queue` hands the packet to a program, which decides";
      } else {
        rfail(st, rt(), fmt::format("`{}` is not a verdict", fmt::join(e.value, " ")));
        return;
      }
      st.extra.push_back(std::move(r));
    }
    if (elements.empty()) {
      // An empty map decides nothing.
      Rule r = st.rule;
      r.alts.clear();
      st.extra.push_back(r);
    }
    st.verdict_set = true;
  }

  // ---- checks -------------------------------------------------------------------

 public:
  void check_targets() {
    for (auto& t : rs_.tables) {
      for (auto& c : t.chains) {
        for (auto& r : c.rules) {
          if ((r.verdict == Verdict::Jump || r.verdict == Verdict::Goto)) {
            const Chain* target = t.find(r.target);
            if (!target) {
              rs_.diagnostics.error(codes::kSyntax, r.origin,
                                    fmt::format("`{} {}`: no chain `{}` in table `{} {}`",
                                                r.verdict == Verdict::Jump ? "jump" : "goto", r.target,
                                                r.target, t.family, t.name));
            } else if (target->base) {
              rs_.diagnostics.error(codes::kSyntax, r.origin,
                                    fmt::format("`{}` is a base chain; rules cannot jump to it", r.target));
            }
          }
        }
      }
    }
  }

 private:
  std::string_view text_;
  Ruleset& rs_;
  std::vector<Tok> toks_;
  size_t pos_ = 0;
  bool ok_ = true;
  std::vector<std::map<std::string, NamedSet>> sets_;
  std::vector<Pending> pending_;
  const std::vector<Tok>* toks_rule_ = nullptr;
  size_t rp_ = 0;
  size_t table_index_ = 0;
  ConjContext cx_;
  std::optional<core::Family> family_;
  Tok where_;  // the value being read, for errors
};

}  // namespace
}  // namespace nf

core::ImportResult parse_nft_ruleset(std::string_view text, const std::string& file,
                                     const NetfilterCompanions& companions) {
  nf::Ruleset rs;
  rs.file = file;
  rs.tool = "nft";
  nf::read_companions(companions, rs);
  nf::Parser p(text, rs);
  p.run();
  if (!rs.diagnostics.has_errors()) p.check_targets();
  return nf::lower(std::move(rs), nf::LowerOptions{false, core::Family::V4});
}

}  // namespace rampart::importers
