// rules.csv: one or more filters as CSV rule tables (docs/importers/rules-csv.md).
//
//   [filter sg-web]
//   combining = allow-union
//   stateless = false
//   scope = network
//   name,direction,action,protocol,source,destination,source_ports,ports,priority,unknown
//   ssh-office,inbound,allow,tcp,192.168.1.0/24,any,,22,,

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <map>

#include "rampart/importers/table.h"

namespace rampart::importers {
namespace {

using core::Origin;

constexpr std::array<std::string_view, 10> kColumns{"name",         "direction", "action", "protocol",
                                                    "source",       "destination", "source_ports",
                                                    "ports",        "priority",  "unknown"};

struct Cell {
  std::string text;
  uint32_t column = 1;  // 1-based, where the cell starts
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// RFC 4180 fields on one line: commas, double quotes, "" inside quotes.
// A cell's column is where its text starts, after leading blanks.
std::optional<std::vector<Cell>> split_csv(std::string_view line, std::string& error,
                                           uint32_t& error_column) {
  std::vector<Cell> cells;
  size_t i = 0;
  while (true) {
    Cell c;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    c.column = uint32_t(i + 1);
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            c.text += '"';
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        c.text += line[i++];
      }
      if (!closed) {
        error = "unterminated quoted field";
        error_column = c.column;
        return std::nullopt;
      }
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
      if (i < line.size() && line[i] != ',') {
        error = "text after a closing quote";
        error_column = uint32_t(i + 1);
        return std::nullopt;
      }
    } else {
      size_t start = i;
      while (i < line.size() && line[i] != ',') ++i;
      c.text = std::string(trim(line.substr(start, i - start)));
    }
    cells.push_back(std::move(c));
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  return cells;
}

std::optional<uint64_t> to_number(std::string_view s, uint64_t max) {
  uint64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ';')) ++i;
    size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != ';') ++i;
    if (i > start) out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

class Parser {
 public:
  Parser(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  core::ImportResult run() {
    size_t pos = 0;
    // Spreadsheets often save CSV with a UTF-8 byte order mark.
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") text_.remove_prefix(3);
    uint32_t line_no = 0;
    while (pos <= text_.size()) {
      size_t nl = text_.find('\n', pos);
      std::string_view line = text_.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      ++line_no;
      line_ = line_no;
      handle(line);
      if (nl == std::string_view::npos) break;
      pos = nl + 1;
    }
    finish_filter();
    if (result_.objects.empty() && !result_.diagnostics.has_errors()) {
      result_.diagnostics.error("RP3001", Origin::native_line(file_, 1), "no `[filter NAME]` section in the file");
    }
    return std::move(result_);
  }

 private:
  Origin at(uint32_t column = 0) const { return Origin::native_line(file_, line_, column); }

  void error(uint32_t column, std::string message) { result_.diagnostics.error("RP3001", at(column), std::move(message)); }

  void handle(std::string_view raw) {
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') return;
    uint32_t indent = uint32_t(raw.find_first_not_of(" \t") + 1);
    if (line.front() == '[') {
      finish_filter();
      if (line.back() != ']' || line.substr(0, 8) != "[filter ") {
        error(indent, "expected a section header `[filter NAME]`");
        in_filter_ = false;
        return;
      }
      std::string name(trim(line.substr(8, line.size() - 9)));
      if (name.empty()) {
        error(indent, "the filter needs a name: `[filter NAME]`");
        return;
      }
      start_filter(name, indent);
      return;
    }
    if (!in_filter_) {
      error(indent, "rules and settings belong in a `[filter NAME]` section");
      return;
    }
    if (!have_header_ && line.find('=') != std::string_view::npos && line.find(',') == std::string_view::npos) {
      setting(line, indent);
      return;
    }
    std::string err;
    uint32_t err_column = 0;
    auto cells = split_csv(raw, err, err_column);
    if (!cells) {
      error(err_column, err);
      return;
    }
    if (!have_header_) {
      header(*cells);
      return;
    }
    row(*cells);
  }

  void start_filter(const std::string& name, uint32_t column) {
    in_filter_ = true;
    have_header_ = false;
    columns_.clear();
    filter_ = core::PacketFilter{};
    filter_.name = name;
    filter_.kind = "rules.csv";
    filter_.origin = core::Origin::native_rule(file_, name);
    filter_.origin.line = line_;
    inbound_ = core::RuleSet{};
    inbound_.name = name + " inbound";
    outbound_ = core::RuleSet{};
    outbound_.name = name + " outbound";
    inbound_.chains.push_back(core::Chain{name, {}, filter_.origin});
    outbound_.chains.push_back(core::Chain{name, {}, filter_.origin});
    inbound_.origin = outbound_.origin = filter_.origin;
    inbound_.default_origin = outbound_.default_origin = filter_.origin;
    if (!names_.emplace(name, line_).second) error(column, fmt::format("filter `{}` is defined twice", name));
  }

  void setting(std::string_view line, uint32_t column) {
    auto eq = line.find('=');
    std::string key(trim(line.substr(0, eq)));
    std::string value(trim(line.substr(eq + 1)));
    if (key == "combining") {
      if (value == "first-match") combining_ = core::Combining::FirstMatch;
      else if (value == "allow-union") combining_ = core::Combining::AllowUnion;
      else if (value == "block-overrides-allow") combining_ = core::Combining::BlockOverridesAllow;
      else if (value == "priority") combining_ = core::Combining::PriorityDenyWins;
      else error(column, fmt::format("unknown combining `{}` (first-match, allow-union, block-overrides-allow, priority)", value));
      inbound_.combining = outbound_.combining = combining_;
    } else if (key == "default") {
      if (value != "allow" && value != "deny") {
        error(column, fmt::format("a default is `allow` or `deny`, not `{}`", value));
        return;
      }
      inbound_.default_action = outbound_.default_action = value == "allow" ? core::Action::Allow : core::Action::Deny;
      inbound_.default_origin = outbound_.default_origin = at(column);
    } else if (key == "stateless") {
      if (value != "true" && value != "false") error(column, "`stateless` is `true` or `false`");
      filter_.stateless = value == "true";
    } else if (key == "scope") {
      if (value != "host" && value != "network") error(column, "`scope` is `host` or `network`");
      filter_.scope = value == "network" ? core::FilterScope::Network : core::FilterScope::Host;
    } else {
      error(column, fmt::format("unknown setting `{}` (combining, default, stateless, scope)", key));
    }
  }

  void header(const std::vector<Cell>& cells) {
    have_header_ = true;
    for (const auto& c : cells) {
      auto it = std::find(kColumns.begin(), kColumns.end(), c.text);
      if (it == kColumns.end()) {
        error(c.column, fmt::format("unknown column `{}`", c.text));
        columns_.push_back("");
        continue;
      }
      if (std::find(columns_.begin(), columns_.end(), c.text) != columns_.end()) {
        error(c.column, fmt::format("column `{}` appears twice", c.text));
      }
      columns_.push_back(c.text);
    }
    for (const char* required : {"action"}) {
      if (std::find(columns_.begin(), columns_.end(), required) == columns_.end()) {
        error(1, fmt::format("the header needs a `{}` column", required));
      }
    }
  }

  std::optional<core::AddressSet> addresses(const Cell& c) {
    if (c.text.empty()) return core::AddressSet::any();
    core::AddressSet out;
    for (const auto& w : words(c.text)) {
      auto r = core::AddressSet::parse(w);
      if (!r.set) {
        error(c.column, r.error);
        return std::nullopt;
      }
      out = out.unite(*r.set);
    }
    return out;
  }

  std::optional<core::PortSet> ports(const Cell& c, const char* what) {
    if (c.text.empty()) return core::PortSet::all();
    core::PortSet out;
    for (const auto& w : words(c.text)) {
      auto dash = w.find('-');
      auto lo = to_number(std::string_view(w).substr(0, dash), 65535);
      auto hi = dash == std::string::npos ? lo : to_number(std::string_view(w).substr(dash + 1), 65535);
      if (!lo || !hi || *hi < *lo) {
        error(c.column, fmt::format("`{}` is not a {} or range (0-65535)", w, what));
        return std::nullopt;
      }
      out.add(uint16_t(*lo), uint16_t(*hi));
    }
    return out;
  }

  // The `ports` cell of an ICMP rule: `TYPE` or `TYPE:CODE`.
  void icmp_type_code(const Cell& c, core::ServiceMatch& svc) {
    auto colon = c.text.find(':');
    auto type = to_number(std::string_view(c.text).substr(0, colon), 255);
    auto code = colon == std::string::npos ? std::optional<uint64_t>()
                                           : to_number(std::string_view(c.text).substr(colon + 1), 255);
    if (!type || (colon != std::string::npos && !code)) {
      error(c.column, fmt::format("`{}` is not an ICMP type or type:code", c.text));
      return;
    }
    svc.icmp_types = core::ByteSet::single(uint8_t(*type));
    if (code) svc.icmp_codes = core::ByteSet::single(uint8_t(*code));
  }

  void row(const std::vector<Cell>& cells) {
    if (cells.size() != columns_.size()) {
      error(1, fmt::format("this row has {} fields; the header has {}", cells.size(), columns_.size()));
      return;
    }
    std::map<std::string, const Cell*> f;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (!columns_[i].empty()) f[columns_[i]] = &cells[i];
    }
    Cell empty;
    auto get = [&](const char* k) -> const Cell& { return f.count(k) ? *f[k] : empty; };
    size_t before = result_.diagnostics.error_count();

    core::Rule r;
    r.origin = at(1);
    r.origin.kind = core::Origin::Kind::NativeRule;
    r.name = get("name").text;
    r.origin.native_id = r.name.empty() ? fmt::format("line {}", line_) : r.name;
    const std::string& action = get("action").text;
    if (action == "allow") r.action = core::Action::Allow;
    else if (action == "deny") r.action = core::Action::Deny;
    else if (action == "bypass") r.action = core::Action::Bypass;
    else error(get("action").column, fmt::format("unknown action `{}` (allow, deny, bypass)", action));

    core::ServiceMatch svc;
    const Cell& proto = get("protocol");
    if (!proto.text.empty() && proto.text != "any") {
      auto p = core::protocol_by_name(proto.text);
      if (!p) {
        if (auto n = to_number(proto.text, 255)) p = uint8_t(*n);
      }
      if (!p) error(proto.column, fmt::format("unknown protocol `{}`", proto.text));
      else svc.protocols = core::ByteSet::single(*p);
    }
    bool one_protocol = !proto.text.empty() && proto.text != "any";
    uint8_t p = one_protocol && !svc.protocols.empty() ? svc.protocols.intervals()[0].lo : 0;
    const Cell& dports = get("ports");
    const Cell& sports = get("source_ports");
    if (!dports.text.empty() || !sports.text.empty()) {
      if (one_protocol && core::has_icmp(p)) {
        if (!sports.text.empty()) error(sports.column, "ICMP has no source ports");
        if (!dports.text.empty()) icmp_type_code(dports, svc);
      } else if (!one_protocol || !core::has_ports(p)) {
        error(dports.text.empty() ? sports.column : dports.column, "ports need a protocol with ports (tcp, udp, sctp)");
      } else {
        if (auto d = ports(dports, "port")) svc.dst_ports = *d;
        if (auto s = ports(sports, "port")) svc.src_ports = *s;
      }
    }
    r.match.services = core::ServiceSet::of(svc);
    if (auto s = addresses(get("source"))) r.match.src = core::AddressMatch::of(*s);
    if (auto d = addresses(get("destination"))) r.match.dst = core::AddressMatch::of(*d);
    const Cell& prio = get("priority");
    if (combining_ == core::Combining::PriorityDenyWins) {
      auto n = to_number(prio.text, 0xffffffffu);
      if (!n) error(prio.column, "a rule of a priority filter needs a priority (0-4294967295)");
      else r.priority = int64_t(*n);
    } else if (!prio.text.empty()) {
      error(prio.column, "`priority` applies only to filters with `combining = priority`");
    }
    if (r.action == core::Action::Bypass && combining_ != core::Combining::BlockOverridesAllow) {
      error(get("action").column, "`bypass` exists only with `combining = block-overrides-allow`");
    }
    if (combining_ == core::Combining::AllowUnion && r.action != core::Action::Allow) {
      error(get("action").column, "an allow-union filter holds only `allow` rules");
    }
    const Cell& unknown = get("unknown");
    if (!unknown.text.empty()) {
      conditions_.push_back(core::UnknownCondition{unknown.text,
                                                   fmt::format("marked unknown in {}", file_), at(unknown.column)});
      r.match.unknowns.push_back(core::ConditionId(uint32_t(conditions_.size() - 1)));
    }
    const std::string& dir = get("direction").text;
    if (dir != "" && dir != "inbound" && dir != "outbound" && dir != "both") {
      error(get("direction").column, fmt::format("unknown direction `{}` (inbound, outbound, both)", dir));
    }
    if (result_.diagnostics.error_count() != before) return;
    if (dir != "outbound") inbound_.chains[0].rules.push_back(r);
    if (dir == "outbound" || dir == "both") outbound_.chains[0].rules.push_back(r);
  }

  void finish_filter() {
    if (!in_filter_) return;
    in_filter_ = false;
    if (!have_header_) {
      result_.diagnostics.error("RP3001", filter_.origin, fmt::format("filter `{}` has no header row", filter_.name));
      return;
    }
    core::Policy& frag = result_.fragment;
    // Unknown condition ids are local to this filter; the same name is the
    // same condition in the whole file.
    std::vector<core::ConditionId> ids;
    for (const auto& c : conditions_) ids.push_back(frag.condition_named(c.name, c.description, c.origin));
    for (auto* rs : {&inbound_, &outbound_}) {
      for (auto& rule : rs->chains[0].rules) {
        for (auto& c : rule.match.unknowns) c = ids.at(c.index());
      }
    }
    conditions_.clear();
    filter_.inbound = frag.add(std::move(inbound_));
    filter_.outbound = frag.add(std::move(outbound_));
    core::FilterId id = frag.add(std::move(filter_));
    result_.objects.push_back(core::ImportedObject{frag.filters.at(id.index()).name, core::ObjectKind::Filter, id.value});
    combining_ = core::Combining::FirstMatch;
  }

  std::string_view text_;
  std::string file_;
  uint32_t line_ = 0;
  bool in_filter_ = false;
  bool have_header_ = false;
  std::vector<std::string> columns_;
  core::Combining combining_ = core::Combining::FirstMatch;
  core::PacketFilter filter_;
  core::RuleSet inbound_, outbound_;
  std::vector<core::UnknownCondition> conditions_;
  std::map<std::string, uint32_t> names_;
  core::ImportResult result_;
};

class RulesCsvImporter : public Importer {
 public:
  std::string format() const override { return "rules.csv"; }
  std::string description() const override { return "rule tables in CSV (docs/importers/rules-csv.md)"; }
  core::ImportResult import(const core::ImportRequest& request) const override {
    core::ImportResult out;
    auto text = read_native_file(request.path, request.origin, out.diagnostics);
    if (!text) return out;
    out = parse_rules_csv(*text, request.display_path);
    out.fragment.source_files.push_back(request.display_path);
    return out;
  }
};

}  // namespace

core::ImportResult parse_rules_csv(std::string_view text, const std::string& file) {
  return Parser(text, file).run();
}

std::unique_ptr<Importer> make_rules_csv_importer() { return std::make_unique<RulesCsvImporter>(); }

}  // namespace rampart::importers
