// iptables-save / ip6tables-save output (and iptables-restore input) into the
// intermediate form. docs/importers/netfilter.md lists every match and target
// and what rampart makes of it.

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <functional>
#include <memory>
#include <set>

#include "ir.h"
#include "line_source.h"
#include "rampart/importers/netfilter.h"

namespace rampart::importers {
namespace nf {
namespace {

using core::Origin;

const LineSource::Options kIptablesLines{'\n', /*strip_cr=*/false, /*final_empty=*/true};

struct Token {
  std::string text;
  uint32_t column = 1;
};

// Splits a line as iptables-restore does: blanks separate words; "..." and
// '...' quote (a backslash escapes inside double quotes).
std::optional<std::vector<Token>> split_words(std::string_view line, std::string& error, uint32_t& column) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    if (i >= line.size()) break;
    Token t;
    t.column = uint32_t(i + 1);
    bool any = false;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
      char c = line[i];
      if (c == '"' || c == '\'') {
        char q = c;
        size_t start = i++;
        bool closed = false;
        while (i < line.size()) {
          if (q == '"' && line[i] == '\\' && i + 1 < line.size()) {
            t.text += line[i + 1];
            i += 2;
            continue;
          }
          if (line[i] == q) {
            closed = true;
            ++i;
            break;
          }
          t.text += line[i++];
        }
        if (!closed) {
          error = "a quoted word is not closed on its line";
          column = uint32_t(start + 1);
          return std::nullopt;
        }
        any = true;
        continue;
      }
      t.text += c;
      any = true;
      ++i;
    }
    if (any) out.push_back(std::move(t));
  }
  return out;
}

bool is_base_option(std::string_view t) {
  static const std::set<std::string_view> kBase{"-s",
                                                "--source",
                                                "--src",
                                                "-d",
                                                "--destination",
                                                "--dst",
                                                "-p",
                                                "--protocol",
                                                "-i",
                                                "--in-interface",
                                                "-o",
                                                "--out-interface",
                                                "-f",
                                                "--fragment",
                                                "-m",
                                                "--match",
                                                "-j",
                                                "--jump",
                                                "-g",
                                                "--goto",
                                                "-c",
                                                "--set-counters",
                                                "-4",
                                                "--ipv4",
                                                "-6",
                                                "--ipv6"};
  return kBase.count(t) > 0;
}

// The built-in chains of each table, with their hook and priority.
struct Builtin {
  std::string_view table, chain;
  Hook hook;
  int priority;
};
constexpr std::array<Builtin, 19> kBuiltins{{
    {"raw", "PREROUTING", Hook::Prerouting, -300},
    {"raw", "OUTPUT", Hook::Output, -300},
    {"mangle", "PREROUTING", Hook::Prerouting, -150},
    {"mangle", "INPUT", Hook::Input, -150},
    {"mangle", "FORWARD", Hook::Forward, -150},
    {"mangle", "OUTPUT", Hook::Output, -150},
    {"mangle", "POSTROUTING", Hook::Postrouting, -150},
    {"nat", "PREROUTING", Hook::Prerouting, -100},
    {"nat", "INPUT", Hook::Input, 100},
    {"nat", "OUTPUT", Hook::Output, -100},
    {"nat", "POSTROUTING", Hook::Postrouting, 100},
    {"filter", "INPUT", Hook::Input, 0},
    {"filter", "FORWARD", Hook::Forward, 0},
    {"filter", "OUTPUT", Hook::Output, 0},
    {"security", "INPUT", Hook::Input, 50},
    {"security", "FORWARD", Hook::Forward, 50},
    {"security", "OUTPUT", Hook::Output, 50},
    {"broute", "BROUTING", Hook::None, 0},
    {"", "", Hook::None, 0},
}};

const Builtin* builtin(std::string_view table, std::string_view chain) {
  for (const auto& b : kBuiltins) {
    if (!b.table.empty() && b.table == table && b.chain == chain) return &b;
  }
  return nullptr;
}

bool known_table(std::string_view t) {
  return t == "filter" || t == "nat" || t == "mangle" || t == "raw" || t == "security";
}

// Targets that decide nothing and let the packet go on.
bool continuing_target(std::string_view t) {
  static const std::set<std::string_view> kContinue{
      "LOG",         "NFLOG",       "ULOG",     "AUDIT",   "TRACE",   "MARK",      "CONNMARK",
      "CONNSECMARK", "SECMARK",     "TOS",      "TTL",     "HL",      "DSCP",      "ECN",
      "TCPMSS",      "TCPOPTSTRIP", "CLASSIFY", "CT",      "NOTRACK", "SET",       "CHECKSUM",
      "TEE",         "IDLETIMER",   "LED",      "RATEEST", "HMARK",   "CLUSTERIP", "SNAT",
      "MASQUERADE",  "DNAT",        "REDIRECT", "NETMAP",  "TPROXY",  "JOOL",      "FULLCONENAT"};
  return kContinue.count(t) > 0;
}

uint8_t flag_bits(std::string_view list, bool& ok) {
  uint8_t bits = 0;
  size_t pos = 0;
  ok = true;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    std::string_view f =
        list.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    if (f == "FIN")
      bits |= 0x01;
    else if (f == "SYN")
      bits |= 0x02;
    else if (f == "RST")
      bits |= 0x04;
    else if (f == "PSH")
      bits |= 0x08;
    else if (f == "ACK")
      bits |= 0x10;
    else if (f == "URG")
      bits |= 0x20;
    else if (f == "ECE")
      bits |= 0x40;
    else if (f == "CWR")
      bits |= 0x80;
    else if (f == "ALL")
      bits |= 0xff;
    else if (f == "NONE")
      bits |= 0;
    else
      ok = false;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return bits;
}

constexpr uint8_t kPortProtocols[] = {core::proto::kTcp, core::proto::kUdp, core::proto::kDccp,
                                      core::proto::kSctp, core::proto::kUdpLite};

core::ByteSet port_protocols() {
  core::ByteSet s;
  for (uint8_t p : kPortProtocols) s.add(p);
  return s;
}

// A match module loaded with -m (or implicitly by -p).
struct Module {
  std::string name;
  bool known = false;
  size_t unknown_part = 0;  // index into RuleParse::unknown_parts when !known
};

class Parser;

// One rule being read.
struct RuleParse {
  std::vector<Conj> alts{Conj{}};
  std::vector<std::string> unknown_parts;  // text of each unmodelled match, for its condition
  std::vector<std::string> dropped;        // conditions replaced by unknown ones (too many alternatives)
  std::vector<std::string> reported;       // parts made unknown by their own condition
  std::optional<uint8_t> protocol;         // -p, when positive and one protocol
  std::vector<Module> modules;
  std::string target;
  bool goto_ = false;
  std::vector<std::string> target_options;
  bool ok = true;
};

class Parser {
 public:
  // `open` gives the lines afresh (a byte order mark skipped) for each of
  // the two passes: from memory, or from the file read in chunks.
  using Open = std::function<std::unique_ptr<LineSource>()>;
  Parser(Open open, Ruleset& rs, core::Family family) : open_(std::move(open)), rs_(rs), family_(family) {}

  void run() {
    // `ipset save` output may come in the same file, before or after the
    // tables: read it first, so set matches can be resolved.
    std::string ipset_text;
    uint32_t ipset_first = 0, ipset_next = 0;
    for_each_line([&](std::string_view line, uint32_t no) {
      if (!looks_like_ipset_line(line)) return;
      if (ipset_text.empty()) ipset_first = ipset_next = no;
      while (ipset_next < no) {
        ipset_text += "\n";
        ++ipset_next;
      }
      ipset_text += std::string(line) + "\n";
      ++ipset_next;
    });
    if (!ipset_text.empty()) parse_ipset_save(ipset_text, rs_.file, rs_, ipset_first);
    for_each_line([&](std::string_view line, uint32_t no) {
      line_ = no;
      if (!abandoned_ && !looks_like_ipset_line(line)) handle(line);
    });
    if (table_) {
      rs_.diagnostics.error(
          codes::kSyntax, table().origin,
          fmt::format("table `{}` has no COMMIT line: iptables-restore would load nothing of it",
                      table().name));
      rs_.tables.erase(rs_.tables.begin() + long(*table_));
      table_.reset();
    }
    if (rs_.tables.empty() && !rs_.diagnostics.has_errors()) {
      rs_.diagnostics.error(
          codes::kSyntax, Origin::native_line(rs_.file, 1),
          fmt::format("no table (`*filter` ... `COMMIT`) in the file: is it {} output?", rs_.tool));
    }
  }

 private:
  // Every line, `\r` kept, and an empty last one after a last `\n`.
  template <typename F>
  void for_each_line(F f) {
    auto lines = open_();
    TextLine line;
    while (lines->next(line)) f(line.text, line.number);
  }

  Table& table() { return rs_.tables.at(*table_); }

  Origin at(uint32_t column = 0) const { return Origin::native_line(rs_.file, line_, column); }
  void error(uint32_t column, std::string message) {
    rs_.diagnostics.error(codes::kSyntax, at(column), std::move(message));
  }

  void handle(std::string_view raw) {
    std::string_view line = raw;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    size_t lead = line.find_first_not_of(" \t");
    if (lead == std::string_view::npos) return;
    line.remove_prefix(lead);
    uint32_t col = uint32_t(lead + 1);
    if (line.front() == '#') {
      comment(line);
      return;
    }
    if (line.front() == '*') {
      start_table(std::string(line.substr(1)), col);
      return;
    }
    if (line == "COMMIT") {
      if (!table_ && !skipping_) error(col, "COMMIT outside a table");
      table_.reset();
      skipping_ = false;
      return;
    }
    if (skipping_) return;
    if (!table_) {
      if (line.substr(0, 6) == "table " || line.substr(0, 6) == "flush ") {
        error(col, fmt::format("this looks like nft syntax; import it as `netfilter.nft`, not `{}`",
                               format_name()));
        abandoned_ = true;
      } else {
        error(col, "rules and chains belong in a table: `*filter` ... `COMMIT`");
      }
      return;
    }
    if (line.front() == ':') {
      declare_chain(line, col);
      return;
    }
    rule_line(raw, line, col);
  }

  std::string format_name() const {
    return family_ == core::Family::V4 ? "netfilter.iptables-save" : "netfilter.ip6tables-save";
  }

  void comment(std::string_view line) {
    // `# Generated by ip6tables-save v1.8.9 ...`
    bool v6 = line.find("ip6tables-save") != std::string_view::npos;
    bool v4 = !v6 && line.find("iptables-save") != std::string_view::npos;
    if ((v6 && family_ == core::Family::V4) || (v4 && family_ == core::Family::V6)) {
      if (!warned_family_) {
        error(1, fmt::format("the file says it was written by {}; import it as `{}`",
                             v6 ? "ip6tables-save" : "iptables-save",
                             v6 ? "netfilter.ip6tables-save" : "netfilter.iptables-save"));
      }
      warned_family_ = true;
    }
  }

  void start_table(std::string name, uint32_t col) {
    if (table_)
      error(col, fmt::format("table `{}` starts before table `{}` is committed", name, table().name));
    table_.reset();
    if (!known_table(name)) {
      error(col, fmt::format("unknown table `{}` (filter, nat, mangle, raw, security)", name));
      skipping_ = true;
      return;
    }
    skipping_ = false;
    Table t;
    t.family = family_ == core::Family::V4 ? "ip" : "ip6";
    t.name = name;
    t.origin = at(col);
    for (size_t i = 0; i < rs_.tables.size(); ++i) {
      if (rs_.tables[i].name == name) {
        rs_.diagnostics.warning(
            codes::kModel, at(col),
            fmt::format("table `{}` appears again: as with iptables-restore, it replaces the "
                        "earlier one",
                        name));
        rs_.tables[i] = std::move(t);
        table_ = i;
        return;
      }
    }
    rs_.tables.push_back(std::move(t));
    table_ = rs_.tables.size() - 1;
  }

  void declare_chain(std::string_view line, uint32_t col) {
    std::string err;
    uint32_t ecol = 0;
    auto words = split_words(line.substr(1), err, ecol);
    if (!words || words->empty()) {
      error(col, "a chain line is `:NAME POLICY [PACKETS:BYTES]`");
      return;
    }
    const std::string& name = (*words)[0].text;
    std::string policy = words->size() > 1 ? (*words)[1].text : "-";
    if (table().find(name)) {
      error(col, fmt::format("chain `{}` is declared twice", name));
      return;
    }
    Chain c;
    c.name = name;
    c.origin = at(col);
    c.policy_origin = at(col);
    c.policy_origin.kind = Origin::Kind::NativeRule;
    c.policy_origin.native_id = fmt::format("{} policy {}", name, policy);
    const Builtin* b = builtin(table().name, name);
    if (b) {
      c.base = true;
      c.hook = b->hook;
      c.priority = b->priority;
      c.type = table().name == "nat" ? "nat" : "filter";
      if (policy == "ACCEPT")
        c.policy = core::Action::Allow;
      else if (policy == "DROP")
        c.policy = core::Action::Deny;
      else
        error(col + 1 + uint32_t(name.size()) + 1,
              fmt::format("the policy of built-in chain `{}` is ACCEPT or DROP, not `{}`", name, policy));
    } else if (policy != "-") {
      error(col, fmt::format("`{}` is not a built-in chain of table `{}`, so its policy must be `-`", name,
                             table().name));
    }
    table().chains.push_back(std::move(c));
  }

  struct Pending {
    std::string table;
    std::string chain;
    RuleParse parse;
    Rule rule;
    uint32_t line = 0;
    uint32_t target_column = 0;
    bool insert = false;
    size_t insert_at = 0;
  };

  void rule_line(std::string_view raw, std::string_view line, uint32_t col) {
    std::string err;
    uint32_t ecol = 0;
    auto words_opt = split_words(raw, err, ecol);
    if (!words_opt) {
      error(ecol, err);
      return;
    }
    auto& words = *words_opt;
    size_t i = 0;
    // `[PACKETS:BYTES] -A ...` from iptables-save -c.
    if (i < words.size() && !words[i].text.empty() && words[i].text.front() == '[') ++i;
    if (i >= words.size()) {
      error(col, "an empty rule");
      return;
    }
    const std::string cmd = words[i].text;
    bool insert = false;
    if (cmd == "-N" || cmd == "--new-chain") {
      if (i + 1 >= words.size()) {
        error(words[i].column, "`-N` needs a chain name");
        return;
      }
      std::string line_text = ":" + words[i + 1].text + " -";
      declare_chain(line_text, words[i + 1].column);
      return;
    }
    if (cmd == "-I" || cmd == "--insert")
      insert = true;
    else if (cmd != "-A" && cmd != "--append") {
      error(words[i].column,
            fmt::format("`{}`: rampart reads `-A CHAIN ...` (and `-I`, `-N`) rule lines", cmd));
      return;
    }
    if (i + 1 >= words.size()) {
      error(words[i].column, fmt::format("`{}` needs a chain name", cmd));
      return;
    }
    std::string chain = words[i + 1].text;
    if (!table().find(chain)) {
      error(words[i + 1].column,
            fmt::format("chain `{}` is not declared in table `{}`", chain, table().name));
      return;
    }
    i += 2;
    Pending p;
    p.table = table().name;
    p.chain = chain;
    p.line = line_;
    p.insert = insert;
    if (insert && i < words.size() && parse_number(words[i].text, 1u << 30)) {
      p.insert_at = size_t(*parse_number(words[i].text, 1u << 30));
      if (p.insert_at == 0) {
        error(words[i].column, "rule numbers start at 1");
        return;
      }
      --p.insert_at;
      ++i;
    }
    p.rule.name = std::string(line);
    p.rule.origin = at(col);
    cx_ = ConjContext{&rs_, p.rule.origin, p.rule.name};
    parse_options(words, i, p);
    if (!p.parse.ok) return;
    finish_rule(p);
  }

  // ---- options -------------------------------------------------------------

  std::optional<std::string> value(const std::vector<Token>& w, size_t& i, bool& neg,
                                   const std::string& option) {
    if (i >= w.size()) {
      error(w.back().column, fmt::format("`{}` needs a value", option));
      return std::nullopt;
    }
    // Old iptables wrote `--dport ! 22`.
    if (w[i].text == "!") {
      neg = !neg;
      ++i;
      if (i >= w.size()) {
        error(w.back().column, fmt::format("`{}` needs a value", option));
        return std::nullopt;
      }
    }
    value_column_ = w[i].column;
    return w[i++].text;
  }

  void add(RuleParse& rp, std::vector<Conj> alts, const std::string& text) {
    auto prod = product(rp.alts, alts, cx_);
    if (!prod) {
      // Too many alternatives: the condition becomes unknown instead.
      rp.dropped.push_back(text);
      core::ConditionId c =
          rs_.condition(fmt::format("{}: {}", cx_.origin.to_string(), text),
                        fmt::format("`{}` (too many alternatives for rampart to expand)", text), cx_.origin);
      prod = product(rp.alts, {conj_unknown(c)}, cx_);
    }
    rp.alts = std::move(*prod);
  }
  void add(RuleParse& rp, Conj c, const std::string& text) { add(rp, std::vector<Conj>{std::move(c)}, text); }

  void unknown_part(RuleParse& rp, const std::string& text) { rp.unknown_parts.push_back(text); }

  std::optional<core::PortSet> ports(const std::string& text, uint32_t column, bool allow_list) {
    core::PortSet out;
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t comma = text.find(',', pos);
      std::string item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      if (comma != std::string::npos && !allow_list) {
        error(column, fmt::format("`{}`: one port or range; use -m multiport for lists", text));
        return std::nullopt;
      }
      auto colon = item.find(':');
      std::optional<uint16_t> lo, hi;
      if (colon == std::string::npos) {
        lo = hi = service_port(item);
      } else {
        lo = colon == 0 ? std::optional<uint16_t>(0) : service_port(item.substr(0, colon));
        hi = colon + 1 == item.size() ? std::optional<uint16_t>(65535) : service_port(item.substr(colon + 1));
      }
      if (!lo || !hi) {
        error(column, fmt::format("`{}` is not a port or a range `LOW:HIGH`", item));
        return std::nullopt;
      }
      // iptables swaps a reversed range.
      if (*hi < *lo) std::swap(lo, hi);
      out.add(*lo, *hi);
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
    return out;
  }

  core::ServiceSet port_condition(core::ByteSet protos, const core::PortSet& ps, bool source, bool neg) {
    core::ServiceMatch m;
    m.protocols = std::move(protos);
    core::PortSet eff = neg ? ps.complement() : ps;
    (source ? m.src_ports : m.dst_ports) = eff;
    return core::ServiceSet::of(m);
  }

  core::ByteSet multiport_protocols(const RuleParse& rp) {
    if (rp.protocol && core::has_ports(*rp.protocol)) return core::ByteSet::single(*rp.protocol);
    return port_protocols();
  }

  // ICMP type[/code], negated or not, as service clauses of `protocol`.
  std::optional<core::ServiceSet> icmp_condition(const std::string& text, bool neg, uint8_t protocol,
                                                 core::Family fam, uint32_t column) {
    core::ServiceMatch base = core::ServiceMatch::protocol(protocol);
    if (text == "any") {
      if (neg) return core::ServiceSet::none();
      return core::ServiceSet::of(base);
    }
    auto t = icmp_type(text, fam);
    if (!t) {
      error(column, fmt::format("`{}` is not an ICMP{} type", text, fam == core::Family::V6 ? "v6" : ""));
      return std::nullopt;
    }
    core::ServiceSet out;
    if (!neg) {
      core::ServiceMatch m = base;
      m.icmp_types = core::ByteSet::single(t->type);
      if (t->code) m.icmp_codes = core::ByteSet::single(*t->code);
      out.clauses.push_back(m);
      return out;
    }
    core::ServiceMatch other_type = base;
    other_type.icmp_types = core::ByteSet::single(t->type).complement();
    if (!other_type.icmp_types.empty()) out.clauses.push_back(other_type);
    if (t->code) {
      core::ServiceMatch other_code = base;
      other_code.icmp_types = core::ByteSet::single(t->type);
      other_code.icmp_codes = core::ByteSet::single(*t->code).complement();
      out.clauses.push_back(other_code);
    }
    return out;
  }

  void tcp_flags(RuleParse& rp, uint8_t mask, uint8_t comp, bool neg, const std::string& text) {
    auto test = [&](uint8_t flags) { return ((flags & mask) == comp) != neg; };
    add(rp, tcp_flags_conj(rs_, cx_, test, text, rp.reported), text);
  }

  void states(RuleParse& rp, const std::string& list, bool neg, uint32_t column, const std::string& text) {
    uint8_t bits = 0;
    bool nat = false;
    size_t pos = 0;
    while (pos <= list.size()) {
      size_t comma = list.find(',', pos);
      std::string s = list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      if (auto b = conn_state_bits(s))
        bits |= *b;
      else if (s == "SNAT" || s == "DNAT")
        nat = true;
      else {
        error(column,
              fmt::format("`{}` is not a connection state (NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED, "
                          "SNAT, DNAT)",
                          s));
        rp.ok = false;
        return;
      }
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
    if (!nat) {
      add(rp, conj_states(neg ? uint8_t(core::kAllConnStates & ~bits) : bits), text);
      return;
    }
    // SNAT / DNAT are about the nat table's rewriting, which rampart does not
    // model: that part of the list is unknown.
    core::ConditionId c =
        rs_.condition(fmt::format("{}: {}", cx_.origin.to_string(), text),
                      fmt::format("`{}`: whether the connection is NATed", text), cx_.origin);
    rp.reported.push_back(text);
    if (neg) {
      Conj a = conj_states(uint8_t(core::kAllConnStates & ~bits));
      a.m.unknowns.push_back(c);
      add(rp, a, text);
    } else {
      Conj unk = conj_unknown(c);
      std::vector<Conj> alts{unk};
      if (bits) alts.insert(alts.begin(), conj_states(bits));
      add(rp, std::move(alts), text);
    }
  }

  void parse_options(const std::vector<Token>& w, size_t i, Pending& p) {
    RuleParse& rp = p.parse;
    bool neg = false;
    uint32_t neg_column = 0;
    auto take_neg = [&]() {
      bool n = neg;
      neg = false;
      return n;
    };
    while (i < w.size() && rp.ok) {
      const Token& tok = w[i];
      const std::string& t = tok.text;
      if (t == "!") {
        if (neg) {
          error(tok.column, "`!` twice");
          rp.ok = false;
          return;
        }
        neg = true;
        neg_column = tok.column;
        ++i;
        continue;
      }
      if (is_base_option(t)) {
        ++i;
        base_option(w, i, t, tok.column, take_neg(), p);
        continue;
      }
      if (t.size() > 1 && t[0] == '-') {
        ++i;
        module_option(w, i, t, tok.column, neg, neg_column, rp);
        neg = false;
        continue;
      }
      error(tok.column, fmt::format("unexpected `{}`", t));
      rp.ok = false;
      return;
    }
    if (neg && rp.ok) {
      error(neg_column, "`!` with nothing after it");
      rp.ok = false;
    }
  }

  void base_option(const std::vector<Token>& w, size_t& i, const std::string& opt, uint32_t column, bool neg,
                   Pending& p) {
    RuleParse& rp = p.parse;
    std::string text_neg = neg ? "! " : "";
    if (opt == "-f" || opt == "--fragment") {
      // rampart's packets are never fragments.
      if (!neg) rp.alts.clear();
      return;
    }
    if (opt == "-4" || opt == "--ipv4" || opt == "-6" || opt == "--ipv6") {
      bool v6 = opt == "-6" || opt == "--ipv6";
      if (v6 != (family_ == core::Family::V6)) rp.alts.clear();  // a rule for the other tool only
      return;
    }
    if (opt == "-c" || opt == "--set-counters") {
      if (i + 1 >= w.size()) {
        error(column, "`-c` needs packet and byte counts");
        rp.ok = false;
        return;
      }
      i += 2;
      return;
    }
    auto v = value(w, i, neg, opt);
    if (!v) {
      rp.ok = false;
      return;
    }
    std::string text = fmt::format("{}{} {}", neg ? "! " : "", opt, *v);
    if (opt == "-s" || opt == "--source" || opt == "--src" || opt == "-d" || opt == "--destination" ||
        opt == "--dst") {
      bool src = opt == "-s" || opt == "--source" || opt == "--src";
      std::vector<core::AddressSet> items;
      size_t pos = 0;
      const std::string& s = *v;
      while (pos <= s.size()) {
        size_t comma = s.find(',', pos);
        std::string item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        std::string err;
        auto a = parse_address(item, family_, err);
        if (!a) {
          error(column, err);
          rp.ok = false;
          return;
        }
        items.push_back(std::move(*a));
        if (comma == std::string::npos) break;
        pos = comma + 1;
      }
      core::AddressMatch m = core::AddressMatch::of(unite_all(std::move(items)));
      m.negated = neg;
      add(rp, src ? conj_src(m) : conj_dst(m), text);
      return;
    }
    if (opt == "-p" || opt == "--protocol") {
      std::string lower;
      for (char c : *v) lower += char(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "all" || lower == "0") {
        if (neg) rp.alts.clear();
        return;
      }
      auto proto = protocol_number(lower);
      if (!proto) {
        error(column, fmt::format("unknown protocol `{}`", *v));
        rp.ok = false;
        return;
      }
      core::ServiceMatch m;
      m.protocols = neg ? core::ByteSet::single(*proto).complement() : core::ByteSet::single(*proto);
      add(rp, conj_services(core::ServiceSet::of(m)), text);
      if (!neg) {
        rp.protocol = *proto;
        // -p tcp loads the tcp match, so --dport works without -m tcp.
        const char* implicit = nullptr;
        switch (*proto) {
          case core::proto::kTcp: implicit = "tcp"; break;
          case core::proto::kUdp: implicit = "udp"; break;
          case core::proto::kSctp: implicit = "sctp"; break;
          case core::proto::kDccp: implicit = "dccp"; break;
          case core::proto::kIcmp: implicit = "icmp"; break;
          case core::proto::kIcmpV6: implicit = "icmp6"; break;
          default: break;
        }
        if (implicit) rp.modules.push_back(Module{implicit, true, 0});
      }
      return;
    }
    if (opt == "-i" || opt == "--in-interface" || opt == "-o" || opt == "--out-interface") {
      bool in = opt == "-i" || opt == "--in-interface";
      core::InterfaceMatch m;
      m.names = {*v};
      m.negated = neg;
      add(rp, conj_iface(in, m), text);
      return;
    }
    if (opt == "-m" || opt == "--match") {
      if (neg) {
        error(column, "`!` before `-m`");
        rp.ok = false;
        return;
      }
      static const std::set<std::string_view> kKnown{"tcp",     "udp",       "sctp",    "dccp",  "icmp",
                                                     "icmp6",   "multiport", "iprange", "state", "conntrack",
                                                     "comment", "set",       "addrtype"};
      // Reverse-path filtering passes every packet the interface map allows:
      // with a map, rampart decides it; without one, it is unknown.
      bool rpfilter = *v == "rpfilter" && !rs_.interfaces.empty();
      Module m{*v, kKnown.count(*v) > 0 || rpfilter, 0};
      if (!m.known) {
        m.unknown_part = rp.unknown_parts.size();
        rp.unknown_parts.push_back("-m " + *v);
      }
      rp.modules.push_back(m);
      return;
    }
    if (opt == "-j" || opt == "--jump" || opt == "-g" || opt == "--goto") {
      if (neg) {
        error(column, fmt::format("`!` before `{}`", opt));
        rp.ok = false;
        return;
      }
      if (!rp.target.empty()) {
        error(column, "a rule has one target");
        rp.ok = false;
        return;
      }
      rp.target = *v;
      rp.goto_ = opt == "-g" || opt == "--goto";
      p.target_column = column;
      // Target options run to the next base option.
      while (i < w.size() && !is_base_option(w[i].text) &&
             !(w[i].text == "!" && i + 1 < w.size() && is_base_option(w[i + 1].text))) {
        rp.target_options.push_back(w[i].text);
        ++i;
      }
      return;
    }
    error(column, fmt::format("unknown option `{}`", opt));
    rp.ok = false;
  }

  // Is `opt` an option of the known module `mod`?
  static bool module_has(const std::string& mod, const std::string& opt) {
    static const std::map<std::string, std::set<std::string>> kOptions{
        {"tcp",
         {"--sport", "--source-port", "--dport", "--destination-port", "--tcp-flags", "--syn",
          "--tcp-option"}},
        {"udp", {"--sport", "--source-port", "--dport", "--destination-port"}},
        {"sctp", {"--sport", "--source-port", "--dport", "--destination-port", "--chunk-types"}},
        {"dccp",
         {"--sport", "--source-port", "--dport", "--destination-port", "--dccp-types", "--dccp-option"}},
        {"icmp", {"--icmp-type"}},
        {"icmp6", {"--icmpv6-type"}},
        {"multiport", {"--sports", "--source-ports", "--dports", "--destination-ports", "--ports"}},
        {"iprange", {"--src-range", "--dst-range"}},
        {"state", {"--state"}},
        {"conntrack",
         {"--ctstate", "--ctproto", "--ctorigsrc", "--ctorigdst", "--ctreplsrc", "--ctrepldst",
          "--ctorigsrcport", "--ctorigdstport", "--ctreplsrcport", "--ctrepldstport", "--ctstatus",
          "--ctexpire", "--ctdir"}},
        {"comment", {"--comment"}},
        {"set",
         {"--match-set", "--set", "--return-nomatch", "--update-counters", "--update-subcounters",
          "--packets-eq", "--packets-lt", "--packets-gt", "--bytes-eq", "--bytes-lt", "--bytes-gt"}},
        {"addrtype", {"--src-type", "--dst-type", "--limit-iface-in", "--limit-iface-out"}},
        {"rpfilter", {"--loose", "--validmark", "--accept-local", "--invert"}},
    };
    auto it = kOptions.find(mod);
    return it != kOptions.end() && it->second.count(opt) > 0;
  }

  static uint8_t module_protocol(const std::string& mod) {
    if (mod == "tcp") return core::proto::kTcp;
    if (mod == "udp") return core::proto::kUdp;
    if (mod == "sctp") return core::proto::kSctp;
    if (mod == "dccp") return core::proto::kDccp;
    return 0;
  }

  void module_option(const std::vector<Token>& w, size_t& i, const std::string& opt, uint32_t column,
                     bool neg, uint32_t neg_column, RuleParse& rp) {
    (void)neg_column;
    const Module* mod = nullptr;
    for (auto it = rp.modules.rbegin(); it != rp.modules.rend(); ++it) {
      if (it->known && module_has(it->name, opt)) {
        mod = &*it;
        break;
      }
    }
    if (!mod) {
      // An option of a module rampart does not model: it joins that module's
      // text, with its values.
      const Module* unknown = nullptr;
      for (auto it = rp.modules.rbegin(); it != rp.modules.rend(); ++it) {
        if (!it->known) {
          unknown = &*it;
          break;
        }
      }
      if (!unknown) {
        error(column, fmt::format("unknown option `{}` (no loaded match has it)", opt));
        rp.ok = false;
        return;
      }
      std::string& part = rp.unknown_parts.at(unknown->unknown_part);
      part += (neg ? " ! " : " ") + opt;
      while (i < w.size() && !is_base_option(w[i].text) &&
             !(w[i].text.size() > 2 && w[i].text.substr(0, 2) == "--") && w[i].text != "!") {
        part += " " + quoted(w[i].text);
        ++i;
      }
      return;
    }
    const std::string mname = mod->name;
    auto need = [&](const std::string& o) -> std::optional<std::string> {
      auto v = value(w, i, neg, o);
      if (!v) rp.ok = false;
      return v;
    };
    auto prefix = [&]() { return std::string(neg ? "! " : ""); };
    if (opt == "--sport" || opt == "--source-port" || opt == "--dport" || opt == "--destination-port") {
      auto v = need(opt);
      if (!v) return;
      auto ps = ports(*v, value_column_, false);
      if (!ps) {
        rp.ok = false;
        return;
      }
      bool source = opt == "--sport" || opt == "--source-port";
      add(rp, conj_services(port_condition(core::ByteSet::single(module_protocol(mname)), *ps, source, neg)),
          fmt::format("{}{} {}", prefix(), opt, *v));
      return;
    }
    if (opt == "--syn") {
      tcp_flags(rp, 0x17, 0x02, neg, prefix() + "--syn");
      return;
    }
    if (opt == "--tcp-flags") {
      if (i + 1 >= w.size()) {
        error(column, "`--tcp-flags` needs a mask and the flags set");
        rp.ok = false;
        return;
      }
      if (w[i].text == "!") {
        neg = !neg;
        ++i;
      }
      if (i + 1 >= w.size()) {
        error(column, "`--tcp-flags` needs a mask and the flags set");
        rp.ok = false;
        return;
      }
      bool ok1 = false, ok2 = false;
      uint8_t mask = flag_bits(w[i].text, ok1);
      uint8_t comp = flag_bits(w[i + 1].text, ok2);
      if (!ok1 || !ok2) {
        error(w[i].column, "TCP flags are FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, ALL, NONE");
        rp.ok = false;
        return;
      }
      std::string text = fmt::format("{}--tcp-flags {} {}", prefix(), w[i].text, w[i + 1].text);
      i += 2;
      tcp_flags(rp, mask, comp, neg, text);
      return;
    }
    if (opt == "--tcp-option" || opt == "--chunk-types" || opt == "--dccp-types" || opt == "--dccp-option") {
      auto v = need(opt);
      if (!v) return;
      std::string text = fmt::format("-m {} {}{} {}", mname, prefix(), opt, *v);
      if (opt == "--chunk-types" && i < w.size() && !is_base_option(w[i].text) &&
          w[i].text.substr(0, 2) != "--") {
        text += " " + w[i++].text;
      }
      unknown_part(rp, text);
      return;
    }
    if (opt == "--icmp-type" || opt == "--icmpv6-type") {
      auto v = need(opt);
      if (!v) return;
      bool v6 = opt == "--icmpv6-type";
      auto s = icmp_condition(*v, neg, v6 ? core::proto::kIcmpV6 : core::proto::kIcmp,
                              v6 ? core::Family::V6 : core::Family::V4, value_column_);
      if (!s) {
        rp.ok = false;
        return;
      }
      if (s->empty())
        rp.alts.clear();
      else
        add(rp, conj_services(*s), fmt::format("{}{} {}", prefix(), opt, *v));
      return;
    }
    if (mname == "multiport") {
      auto v = need(opt);
      if (!v) return;
      auto ps = ports(*v, value_column_, true);
      if (!ps) {
        rp.ok = false;
        return;
      }
      std::string text = fmt::format("-m multiport {}{} {}", prefix(), opt, *v);
      core::ByteSet protos = multiport_protocols(rp);
      if (opt == "--ports") {
        // Either port: a disjunction, or (negated) neither.
        if (neg) {
          core::ServiceMatch m;
          m.protocols = protos;
          m.src_ports = ps->complement();
          m.dst_ports = ps->complement();
          add(rp, conj_services(core::ServiceSet::of(m)), text);
        } else {
          add(rp,
              std::vector<Conj>{conj_services(port_condition(protos, *ps, true, false)),
                                conj_services(port_condition(protos, *ps, false, false))},
              text);
        }
        return;
      }
      bool source = opt == "--sports" || opt == "--source-ports";
      add(rp, conj_services(port_condition(protos, *ps, source, neg)), text);
      return;
    }
    if (opt == "--src-range" || opt == "--dst-range") {
      auto v = need(opt);
      if (!v) return;
      std::string err;
      auto a = v->find('-') == std::string::npos ? std::optional<core::AddressSet>()
                                                 : parse_address(*v, family_, err);
      if (!a) {
        error(column, err.empty() ? fmt::format("`{}` is not an address range `FROM-TO`", *v) : err);
        rp.ok = false;
        return;
      }
      core::AddressMatch m = core::AddressMatch::of(*a);
      m.negated = neg;
      add(rp, opt == "--src-range" ? conj_src(m) : conj_dst(m),
          fmt::format("-m iprange {}{} {}", prefix(), opt, *v));
      return;
    }
    if (opt == "--state" || opt == "--ctstate") {
      auto v = need(opt);
      if (!v) return;
      states(rp, *v, neg, value_column_, fmt::format("-m {} {}{} {}", mname, prefix(), opt, *v));
      return;
    }
    if (opt == "--ctdir") {
      auto v = need(opt);
      if (!v) return;
      // In rampart the original direction is a connection's new packet and
      // the reply direction its established reply.
      uint8_t bits = 0;
      if (*v == "ORIGINAL")
        bits = core::conn_state_bit(core::ConnState::New);
      else if (*v == "REPLY")
        bits = core::conn_state_bit(core::ConnState::Established);
      else {
        error(column, "`--ctdir` is ORIGINAL or REPLY");
        rp.ok = false;
        return;
      }
      add(rp, conj_states(neg ? uint8_t(core::kAllConnStates & ~bits) : bits), "--ctdir " + *v);
      return;
    }
    if (mname == "conntrack") {
      auto v = need(opt);
      if (!v) return;
      unknown_part(rp, fmt::format("-m conntrack {}{} {}", prefix(), opt, quoted(*v)));
      return;
    }
    if (opt == "--comment") {
      if (!need(opt)) return;
      return;
    }
    if (opt == "--match-set" || opt == "--set") {
      if (i < w.size() && w[i].text == "!") {
        neg = !neg;
        ++i;
      }
      if (i + 1 >= w.size()) {
        error(column, "`--match-set` needs a set name and its flags (src, dst, ...)");
        rp.ok = false;
        return;
      }
      std::string name = w[i].text, flags = w[i + 1].text;
      i += 2;
      std::string text = fmt::format("-m set {}--match-set {} {}", prefix(), name, flags);
      std::string err;
      auto alts = ipset_match(rs_, name, flags, neg, family_, cx_, err);
      if (!err.empty()) {
        error(column, err);
        rp.ok = false;
        return;
      }
      if (!alts) {
        unknown_part(rp, text);
        return;
      }
      add(rp, std::move(*alts), text);
      return;
    }
    if (opt == "--return-nomatch" || opt == "--update-counters" || opt == "--update-subcounters") return;
    if (mname == "set") {
      auto v = need(opt);
      if (!v) return;
      unknown_part(rp, fmt::format("-m set {}{} {}", prefix(), opt, *v));
      return;
    }
    if (opt == "--src-type" || opt == "--dst-type") {
      auto v = need(opt);
      if (!v) return;
      uint16_t types = 0;
      size_t pos = 0;
      while (pos <= v->size()) {
        size_t comma = v->find(',', pos);
        std::string item = v->substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        auto t = addrtype::parse(item);
        if (!t) {
          error(column,
                fmt::format("`{}` is not an address type (LOCAL, UNICAST, BROADCAST, MULTICAST, ...)", item));
          rp.ok = false;
          return;
        }
        types |= *t;
        if (comma == std::string::npos) break;
        pos = comma + 1;
      }
      add(rp, conj_addrtype(AddrType{opt == "--src-type", types, neg}),
          fmt::format("{}{} {}", prefix(), opt, *v));
      return;
    }
    if (mname == "rpfilter") {
      if (opt == "--invert") rp.alts.clear();  // under the map, reverse-path checks always pass
      return;
    }
    if (opt == "--limit-iface-in" || opt == "--limit-iface-out") {
      unknown_part(rp, "-m addrtype " + opt);
      return;
    }
    error(column, fmt::format("option `{}` is not handled", opt));
    rp.ok = false;
  }

  static std::string quoted(const std::string& s) {
    if (s.find_first_of(" \t\"") == std::string::npos && !s.empty()) return s;
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  }

  // ---- targets and rule completion -------------------------------------------

  void finish_rule(Pending& p) {
    Table* table = &this->table();
    Chain* chain = table->find(p.chain);
    if (!chain) return;
    RuleParse& rp = p.parse;
    Rule& r = p.rule;
    cx_ = ConjContext{&rs_, r.origin, r.name};
    // Unknown matches: each a condition of its own.
    std::vector<std::string> unknown_texts;
    for (const auto& part : rp.unknown_parts) {
      // `-m recent --set` adds the source to a list and always matches
      // (`! --set` never does); only the checks (--rcheck, --update,
      // --remove) depend on what came before.
      if (part.rfind("-m recent", 0) == 0 && part.find("--set") != std::string::npos &&
          part.find("--rcheck") == std::string::npos && part.find("--update") == std::string::npos &&
          part.find("--remove") == std::string::npos) {
        if (part.find("! --set") != std::string::npos) rp.alts.clear();
        continue;
      }
      core::ConditionId c =
          rs_.condition(fmt::format("{}: {}", r.origin.to_string(), part),
                        fmt::format("`{}`: rampart does not model this match", part), r.origin);
      auto prod = product(rp.alts, {conj_unknown(c)}, cx_);
      rp.alts = std::move(*prod);
      unknown_texts.push_back(part);
    }
    for (const auto& d : rp.dropped) unknown_texts.push_back(d);
    for (const auto& d : rp.reported) unknown_texts.push_back(d);
    const std::string& t = rp.target;
    if (t.empty()) {
      r.verdict = Verdict::Continue;
    } else if (t == "ACCEPT") {
      r.verdict = Verdict::Accept;
    } else if (t == "DROP" || t == "REJECT") {
      r.verdict = Verdict::Drop;
    } else if (t == "RETURN") {
      r.verdict = Verdict::Return;
    } else if (table->find(t) && !table->find(t)->base) {
      r.verdict = rp.goto_ ? Verdict::Goto : Verdict::Jump;
      r.target = t;
    } else if (table->find(t)) {
      error(p.target_column, fmt::format("`{}` is a built-in chain; rules cannot jump to it", t));
      return;
    } else if (rp.goto_) {
      error(p.target_column, fmt::format("`-g {}`: no chain `{}` in table `{}`", t, t, table->name));
      return;
    } else if (continuing_target(t)) {
      r.verdict = Verdict::Continue;
      if (t == "NOTRACK") r.notrack = true;
      if (t == "CT" && std::find(rp.target_options.begin(), rp.target_options.end(), "--notrack") !=
                           rp.target_options.end()) {
        r.notrack = true;
      }
      if (t == "DNAT" || t == "REDIRECT" || t == "NETMAP" || t == "TPROXY") r.dnat = true;
    } else {
      r.verdict = Verdict::Undecided;
      r.undecided = t == "QUEUE" || t == "NFQUEUE"
                        ? fmt::format("`-j {}` hands the packet to a program, which decides", t)
                        : fmt::format("`-j {}` is a target rampart does not know", t);
      unknown_texts.push_back("-j " + t);
    }
    r.alts = std::move(rp.alts);
    if (!unknown_texts.empty()) {
      bool effect = r.verdict != Verdict::Continue;
      rs_.diagnostics.warning(
          codes::kUnknown, r.origin,
          fmt::format(
              "chain {}: {} {}: rampart does not model {}, so {}", p.chain,
              unknown_texts.size() == 1 ? "part" : "parts",
              fmt::format("`{}`", fmt::join(unknown_texts, "`, `")),
              unknown_texts.size() == 1 ? "it" : "them",
              effect
                  ? "this rule's match is unknown and answers that depend on it carry must and may sets"
                  : "this rule's match is unknown (its target decides nothing, so answers do not change)"));
    }
    if (p.insert) {
      size_t at = std::min(p.insert_at, chain->rules.size());
      chain->rules.insert(chain->rules.begin() + long(at), std::move(r));
    } else {
      chain->rules.push_back(std::move(r));
    }
  }

  Open open_;
  Ruleset& rs_;
  core::Family family_;
  uint32_t line_ = 0;
  std::optional<size_t> table_;
  uint32_t value_column_ = 0;
  bool abandoned_ = false;
  bool skipping_ = false;
  bool warned_family_ = false;
  ConjContext cx_;
};

}  // namespace

void read_companions(const NetfilterCompanions& c, Ruleset& rs) {
  if (!c.ipset_text.empty()) parse_ipset_save(c.ipset_text, c.ipset_file, rs);
  if (!c.ipassmt_text.empty()) parse_ipassmt(c.ipassmt_text, c.ipassmt_file, rs);
}

}  // namespace nf

core::ImportResult parse_iptables_save(std::string_view text, const std::string& file, core::Family family,
                                       const NetfilterCompanions& companions) {
  nf::Ruleset rs;
  rs.file = file;
  rs.tool = family == core::Family::V4 ? "iptables-save" : "ip6tables-save";
  nf::read_companions(companions, rs);
  nf::Parser([text] { return std::make_unique<LineSource>(text, nf::kIptablesLines); }, rs, family).run();
  return nf::lower(std::move(rs), nf::LowerOptions{true, family});
}

core::ImportResult read_iptables_save_file(const std::string& path, const std::string& file,
                                           core::Family family, const NetfilterCompanions& companions) {
  nf::Ruleset rs;
  rs.file = file;
  rs.tool = family == core::Family::V4 ? "iptables-save" : "ip6tables-save";
  nf::read_companions(companions, rs);
  nf::Parser([&path] { return std::make_unique<LineSource>(path, nf::kIptablesLines); }, rs, family).run();
  return nf::lower(std::move(rs), nf::LowerOptions{true, family});
}

}  // namespace rampart::importers
