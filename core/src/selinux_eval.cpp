// SELinux decisions: libsepol's context_struct_compute_av over the plain
// model, libselinux's selabel_lookup for labels, security_compute_sid for
// created files, and the host's view that joins its facts and settings.
// Meaning: docs/semantics/selinux.md.

#include "rampart/core/selinux_eval.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "rampart/core/diagnostic.h"

namespace rampart::core::selinux {

namespace {
bool contains(const std::vector<uint32_t>& sorted, uint32_t v) {
  return std::binary_search(sorted.begin(), sorted.end(), v);
}

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<bool> bool_setting(const std::string& v) {
  std::string l = lower(v);
  if (l == "true" || l == "on" || l == "1" || l == "yes") return true;
  if (l == "false" || l == "off" || l == "0" || l == "no") return false;
  return std::nullopt;
}

std::string basename_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// libselinux get_stem_from_spec: the text before the second '/', when it
// holds no regex meta character.
size_t spec_stem_length(const std::string& re) {
  if (re.empty()) return 0;
  size_t slash = re.find('/', 1);
  if (slash == std::string::npos) return 0;
  for (size_t i = 0; i < slash; ++i) {
    if (std::string_view(".^$?*+|[({").find(re[i]) != std::string_view::npos) return 0;
  }
  return slash;
}

// libselinux spec_hasMetaChars.
bool has_meta(const std::string& re) {
  for (size_t i = 0; i < re.size(); ++i) {
    switch (re[i]) {
      case '.':
      case '^':
      case '$':
      case '?':
      case '*':
      case '+':
      case '|':
      case '[':
      case '(':
      case '{': return true;
      case '\\': ++i; break;
      default: break;
    }
  }
  return false;
}

// Limits on one file_contexts match. libselinux matches with PCRE2's
// defaults (ten million steps); a line of a file an attacker wrote could
// backtrack for hours within them, so rampart stops earlier and calls the
// label unknown. Debian's reference policy needs fewer than 300 per path.
constexpr uint32_t kRegexMatchLimit = 1'000'000;
constexpr uint32_t kRegexDepthLimit = 100'000;
constexpr size_t kRegexHeapLimitKiB = 64 * 1024;

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  int n = pcre2_get_error_message(code, buffer, sizeof buffer);
  return n < 0 ? fmt::format("PCRE2 error {}", code)
               : std::string(reinterpret_cast<const char*>(buffer), size_t(n));
}

struct Pcre2CodeFree {
  void operator()(pcre2_code* c) const { pcre2_code_free(c); }
};
struct Pcre2MatchDataFree {
  void operator()(pcre2_match_data* d) const { pcre2_match_data_free(d); }
};
struct Pcre2MatchContextFree {
  void operator()(pcre2_match_context* c) const { pcre2_match_context_free(c); }
};

// What one lookup needs from PCRE2: the limits and a match block.
struct RegexMatcher {
  std::unique_ptr<pcre2_match_context, Pcre2MatchContextFree> context{pcre2_match_context_create(nullptr)};
  std::unique_ptr<pcre2_match_data, Pcre2MatchDataFree> data{pcre2_match_data_create(1, nullptr)};
  RegexMatcher() {
    if (!context || !data) throw std::bad_alloc();
    pcre2_set_match_limit(context.get(), kRegexMatchLimit);
    pcre2_set_depth_limit(context.get(), kRegexDepthLimit);
    pcre2_set_heap_limit(context.get(), kRegexHeapLimitKiB);
  }
};

char type_letter(FileType t) {
  switch (t) {
    case FileType::Regular: return '-';
    case FileType::Directory: return 'd';
    case FileType::Symlink: return 'l';
    case FileType::Socket: return 's';
    case FileType::Fifo: return 'p';
    case FileType::CharDevice: return 'c';
    case FileType::BlockDevice: return 'b';
  }
  return 0;
}

// selabel_sub: the first alias (most recent line first) that prefixes the path.
std::optional<std::string> substitute(const std::vector<const Substitution*>& subs, const std::string& src) {
  for (const auto* s : subs) {
    const std::string& from = s->from;
    if (src.compare(0, from.size(), from) != 0) continue;
    if (src.size() != from.size() && src[from.size()] != '/') continue;
    size_t len =
        (src.size() > from.size() && src[from.size()] == '/' && s->to == "/") ? from.size() + 1 : from.size();
    return s->to + src.substr(len);
  }
  return std::nullopt;
}

}  // namespace

std::string mode_name(Mode m) {
  switch (m) {
    case Mode::Enforcing: return "enforcing";
    case Mode::Permissive: return "permissive";
    case Mode::Disabled: return "disabled";
  }
  return "enforcing";
}

std::string label_source_name(Label::Source s) {
  switch (s) {
    case Label::Source::Declared: return "declared";
    case Label::Source::Snapshot: return "on-disk snapshot";
    case Label::Source::FileContexts: return "file_contexts";
    case Label::Source::Created: return "computed for the new file";
    case Label::Source::Unknown: return "unknown";
  }
  return "unknown";
}

// A file_contexts line's regex, compiled by PCRE2 as libselinux compiles it
// (regex_prepare_data: `^REST$`, PCRE2_DOTALL) the first time a lookup
// reaches it.
struct HostView::SpecData {
  int stem = -1;     // index into stems, -1: none
  std::string rest;  // the regex after the stem
  bool compiled = false;
  std::string error;  // why the regex does not compile; empty when it does
  std::unique_ptr<pcre2_code, Pcre2CodeFree> code;
};

HostView::HostView(std::shared_ptr<const CompiledPolicy> policy) : policy_(std::move(policy)) {
  init_common();
}

void HostView::init_common() {
  const CompiledPolicy& p = *policy_;
  booleans_.clear();
  boolean_sources_.clear();
  for (const auto& b : p.booleans) {
    booleans_.push_back(b.value);
    boolean_sources_.push_back("policy default");
  }
  // fs_use_xattr for the file system new files live on.
  for (const auto& f : p.fs_use) {
    if (f.filesystem == filesystem_name_) {
      if (auto c = parse_context(p, f.context)) filesystem_ = *c;
    }
  }
  std::string def = p.mls ? "unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023"
                          : "unconfined_u:unconfined_r:unconfined_t";
  if (auto c = parse_context(p, def)) {
    login_context_ = *c;
    login_how_ =
        fmt::format("assumed: users log in as {} (Debian's seusers default; set selinux.login_context)", def);
  } else {
    login_how_ =
        "unknown: the policy has no unconfined_u:unconfined_r:unconfined_t; set selinux.login_context";
  }
}

std::optional<HostView> HostView::build(const Policy& policy, HostId host) {
  std::vector<const HostFacts*> facts;
  for (const auto& f : policy.selinux) {
    if (f.host == host) facts.push_back(&f);
  }
  std::shared_ptr<const CompiledPolicy> compiled;
  for (const auto* f : facts) {
    if (f->policy && !compiled) compiled = f->policy;
  }
  if (!compiled) return std::nullopt;
  HostView v(compiled);
  v.model_ = &policy;
  v.host_ = host;
  const Host& h = policy.host(host);
  const CompiledPolicy& p = *compiled;
  if (auto it = h.settings.find("selinux.filesystem"); it != h.settings.end()) {
    v.filesystem_name_ = it->second;
    v.filesystem_.reset();
    for (const auto& f : p.fs_use) {
      if (f.filesystem == it->second) {
        if (auto c = parse_context(p, f.context)) v.filesystem_ = *c;
      }
    }
  }
  // Booleans: policy defaults, then getsebool imports in order, then the
  // language's `set selinux.boolean.NAME = ...;`.
  for (const auto* f : facts) {
    for (const auto& b : f->booleans) {
      uint32_t i = p.boolean(b.name);
      if (i == kNone) continue;  // reported by the binder
      v.booleans_[i] = b.value;
      v.boolean_sources_[i] = b.origin.to_string();
    }
  }
  for (const auto& [key, value] : h.settings) {
    const std::string prefix = "selinux.boolean.";
    if (key.compare(0, prefix.size(), prefix) != 0) continue;
    uint32_t i = p.boolean(key.substr(prefix.size()));
    auto b = bool_setting(value);
    if (i == kNone || !b) continue;  // reported by the binder
    v.booleans_[i] = *b;
    v.boolean_sources_[i] = fmt::format("set {} = {}", key, value);
  }
  if (auto it = h.settings.find("selinux.mode"); it != h.settings.end()) {
    std::string m = lower(it->second);
    v.mode_ = m == "permissive" ? Mode::Permissive : m == "disabled" ? Mode::Disabled : Mode::Enforcing;
  }
  if (auto it = h.settings.find("selinux.login_context"); it != h.settings.end()) {
    std::string err;
    if (auto c = parse_context(p, it->second, &err)) {
      v.login_context_ = *c;
      v.login_how_ = fmt::format("set selinux.login_context = \"{}\"", it->second);
    } else {
      v.login_context_.reset();
      v.login_how_ = fmt::format("unknown: selinux.login_context `{}` is not valid: {}", it->second, err);
    }
  }
  // Labelling: file_contexts lines in load order, then libselinux's
  // sort_specs (exact paths after every regex, each group in order).
  std::vector<const FileContextSpec*> regexes, exact;
  for (const auto* f : facts) {
    for (const auto& s : f->file_contexts) (has_meta(s.regex) ? regexes : exact).push_back(&s);
    for (const auto& s : f->subs) v.subs_.insert(v.subs_.begin(), &s);
    for (const auto& s : f->subs_dist) v.subs_dist_.insert(v.subs_dist_.begin(), &s);
    for (const auto& l : f->labels) v.labels_.push_back(&l);
    for (const auto& pr : f->processes) v.processes_.push_back(&pr);
  }
  v.specs_ = regexes;
  v.specs_.insert(v.specs_.end(), exact.begin(), exact.end());
  v.spec_data_ = std::make_shared<std::vector<SpecData>>(v.specs_.size());
  std::vector<std::string> stems;
  for (size_t i = 0; i < v.specs_.size(); ++i) {
    const std::string& re = v.specs_[i]->regex;
    size_t len = spec_stem_length(re);
    auto& d = (*v.spec_data_)[i];
    if (len) {
      std::string stem = re.substr(0, len);
      auto it = std::find(stems.begin(), stems.end(), stem);
      d.stem = int(it - stems.begin());
      if (it == stems.end()) stems.push_back(stem);
      d.rest = re.substr(len);
    } else {
      d.rest = re;
    }
  }
  v.stems_ = std::move(stems);
  std::stable_sort(v.labels_.begin(), v.labels_.end(),
                   [](const PathLabel* a, const PathLabel* b) { return a->path < b->path; });
  return v;
}

bool HostView::condition_holds(uint32_t condition) const {
  const CompiledPolicy& p = *policy_;
  if (condition >= p.conditions.size()) return false;
  std::vector<int> s;
  for (const auto& n : p.conditions[condition].expr) {
    switch (n.op) {
      case CondNode::Op::Bool:
        if (n.boolean >= booleans_.size()) return false;
        s.push_back(booleans_[n.boolean] ? 1 : 0);
        break;
      case CondNode::Op::Not:
        if (s.empty()) return false;
        s.back() = !s.back();
        break;
      default: {
        if (s.size() < 2) return false;
        int b = s.back();
        s.pop_back();
        int& a = s.back();
        switch (n.op) {
          case CondNode::Op::Or: a = a || b; break;
          case CondNode::Op::And: a = a && b; break;
          case CondNode::Op::Xor: a = a ^ b; break;
          case CondNode::Op::Eq: a = a == b; break;
          case CondNode::Op::Neq: a = a != b; break;
          default: return false;
        }
      }
    }
  }
  return s.size() == 1 && s[0];
}

// cond_evaluate_expr returns -1 for a malformed expression and then no rule
// of the condition is enabled; a well-formed one enables its true or false list.
bool HostView::rule_enabled(const AllowRule& r) const {
  if (r.condition == kNone) return true;
  const auto& expr = policy_->conditions.at(r.condition).expr;
  int depth = 0;
  for (const auto& n : expr) {
    if (n.op == CondNode::Op::Bool)
      ++depth;
    else if (n.op != CondNode::Op::Not)
      --depth;
    if (depth < 1 || (n.op == CondNode::Op::Bool && n.boolean >= booleans_.size())) return false;
  }
  if (depth != 1) return false;
  return condition_holds(r.condition) == r.when;
}

bool HostView::constraint_holds(const Constraint& c, const Context& s, const Context& t) const {
  const CompiledPolicy& p = *policy_;
  std::vector<bool> st;
  using K = ConstraintNode::Kind;
  using O = ConstraintNode::Op;
  for (const auto& e : c.expr) {
    switch (e.kind) {
      case K::Not:
        if (st.empty()) return false;
        st.back() = !st.back();
        break;
      case K::And:
      case K::Or: {
        if (st.size() < 2) return false;
        bool b = st.back();
        st.pop_back();
        st.back() = e.kind == K::And ? (st.back() && b) : (st.back() || b);
        break;
      }
      case K::Attr: {
        auto levels = [&](const Level*& a, const Level*& b) {
          switch (e.attr) {
            case ConstraintNode::kL1L2: a = &s.range.low, b = &t.range.low; return true;
            case ConstraintNode::kL1H2: a = &s.range.low, b = &t.range.high; return true;
            case ConstraintNode::kH1L2: a = &s.range.high, b = &t.range.low; return true;
            case ConstraintNode::kH1H2: a = &s.range.high, b = &t.range.high; return true;
            case ConstraintNode::kL1H1: a = &s.range.low, b = &s.range.high; return true;
            case ConstraintNode::kL2H2: a = &t.range.low, b = &t.range.high; return true;
            default: return false;
          }
        };
        const Level *l1 = nullptr, *l2 = nullptr;
        if (levels(l1, l2)) {
          switch (e.op) {
            case O::Eq: st.push_back(*l1 == *l2); break;
            case O::Neq: st.push_back(!(*l1 == *l2)); break;
            case O::Dom: st.push_back(dominates(*l1, *l2)); break;
            case O::DomBy: st.push_back(dominates(*l2, *l1)); break;
            case O::Incomp: st.push_back(incomparable(*l2, *l1)); break;
          }
          break;
        }
        uint32_t v1 = 0, v2 = 0;
        if (e.attr == ConstraintNode::kUser) {
          v1 = s.user, v2 = t.user;
        } else if (e.attr == ConstraintNode::kType) {
          v1 = s.type, v2 = t.type;
        } else if (e.attr == ConstraintNode::kRole) {
          v1 = s.role, v2 = t.role;
          const auto& d1 = p.roles.at(v1).dominates;
          const auto& d2 = p.roles.at(v2).dominates;
          if (e.op == O::Dom) {
            st.push_back(contains(d1, v2));
            break;
          }
          if (e.op == O::DomBy) {
            st.push_back(contains(d2, v1));
            break;
          }
          if (e.op == O::Incomp) {
            st.push_back(!contains(d1, v2) && !contains(d2, v1));
            break;
          }
        } else {
          return false;
        }
        if (e.op == O::Eq)
          st.push_back(v1 == v2);
        else if (e.op == O::Neq)
          st.push_back(v1 != v2);
        else
          return false;
        break;
      }
      case K::Names: {
        if (e.attr & ConstraintNode::kXTarget) return false;  // validatetrans only
        const Context& x = (e.attr & ConstraintNode::kTarget) ? t : s;
        uint32_t v = (e.attr & ConstraintNode::kUser)   ? x.user
                     : (e.attr & ConstraintNode::kRole) ? x.role
                                                        : x.type;
        bool in = contains(e.names, v);
        if (e.op == O::Eq)
          st.push_back(in);
        else if (e.op == O::Neq)
          st.push_back(!in);
        else
          return false;
        break;
      }
    }
  }
  return st.size() == 1 && st[0];
}

AvDecision HostView::compute_av(const Context& s, const Context& t, uint16_t cls, uint32_t requested) const {
  const CompiledPolicy& p = *policy_;
  AvDecision d;
  d.requested = requested;
  std::vector<uint32_t> sources = p.self_and_attributes(s.type);
  std::sort(sources.begin(), sources.end());
  for (uint32_t tt : p.self_and_attributes(t.type)) {
    auto [lo, hi] = p.allows_on(cls, tt);
    for (const AllowRule* r = lo; r != hi; ++r) {
      if (!std::binary_search(sources.begin(), sources.end(), r->source) || !rule_enabled(*r)) continue;
      d.te_allowed |= r->permissions;
      if (r->permissions & requested) d.rules.push_back(uint32_t(r - p.allows.data()));
    }
  }
  d.allowed = d.te_allowed;
  const Class& c = p.classes.at(cls);
  for (size_t i = 0; i < c.constraints.size(); ++i) {
    const Constraint& k = c.constraints[i];
    if ((k.permissions & d.allowed) && !constraint_holds(k, s, t)) {
      uint32_t removed = k.permissions & d.allowed & requested;
      if (removed) d.constraints.push_back({uint32_t(i), removed});
      d.allowed &= ~k.permissions;
    }
  }
  if (c.name == "process" && s.role != t.role) {
    uint32_t trans = c.bit("transition") | c.bit("dyntransition");
    if (d.allowed & trans) {
      bool ok = std::any_of(p.role_allows.begin(), p.role_allows.end(),
                            [&](const RoleAllow& ra) { return ra.role == s.role && ra.new_role == t.role; });
      if (!ok) {
        if (d.allowed & trans & requested) d.rbac_removed = true;
        d.allowed &= ~trans;
      }
    }
  }
  return d;
}

// ---- labelling ----------------------------------------------------------------------

FileContextMatch HostView::match(const std::string& path, char file_type) const {
  FileContextMatch out;
  std::string key = path;
  // lookup_common: duplicate slashes go first.
  for (size_t pos; (pos = key.find("//")) != std::string::npos;) key.erase(pos, 1);
  if (auto a = substitute(subs_, key)) {
    key = *a;
    if (auto b = substitute(subs_dist_, key)) key = *b;
  } else if (auto b = substitute(subs_dist_, key)) {
    key = *b;
  }
  out.key = key;
  int file_stem = -1;
  size_t stem_len = 0;
  if (key.size() > 1) {
    size_t slash = key.find('/', 1);
    if (slash != std::string::npos) {
      std::string stem = key.substr(0, slash);
      auto it = std::find(stems_.begin(), stems_.end(), stem);
      if (it != stems_.end()) {
        file_stem = int(it - stems_.begin());
        stem_len = slash;
      }
    }
  }
  auto& data = *spec_data_;
  RegexMatcher matcher;
  for (size_t i = specs_.size(); i-- > 0;) {
    const FileContextSpec& s = *specs_[i];
    SpecData& d = data[i];
    if (d.stem != -1 && d.stem != file_stem) continue;
    if (file_type && s.file_type && s.file_type != file_type) continue;
    if (!d.compiled) {
      d.compiled = true;
      std::string anchored = "^" + d.rest + "$";
      int code = 0;
      PCRE2_SIZE offset = 0;
      d.code.reset(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(anchored.data()), anchored.size(), PCRE2_DOTALL,
                                 &code, &offset, nullptr));
      if (!d.code) {
        // The offset is into `^REST$`; report it in the line's own regex.
        size_t in_line = s.regex.size() - d.rest.size() + (offset > 0 ? size_t(offset) - 1 : 0);
        d.error = fmt::format("PCRE2 cannot compile it: {} (at character {})", pcre2_message(code),
                              std::min(in_line, s.regex.size()) + 1);
      }
    }
    if (!d.code) {
      out.spec = &s;
      out.error = d.error;
      return out;
    }
    std::string_view subject = d.stem == -1 ? std::string_view(key) : std::string_view(key).substr(stem_len);
    int rc = pcre2_match(d.code.get(), reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0, 0,
                         matcher.data.get(), matcher.context.get());
    if (rc >= 0) {
      out.spec = &s;
      return out;
    }
    if (rc != PCRE2_ERROR_NOMATCH) {
      // libselinux's lookup fails on a match error; so does this one.
      out.spec = &s;
      out.error = fmt::format("PCRE2 gave up matching {}: {}", key, pcre2_message(rc));
      return out;
    }
  }
  return out;
}

Label HostView::label(const std::string& path, FileType type, const FileNode* node) const {
  const CompiledPolicy& p = *policy_;
  Label l;
  auto finish = [&](Label::Source src, const std::string& text, const Origin& origin, std::string how) {
    l.source = src;
    l.text = text;
    l.origin = origin;
    std::string err;
    std::string full = text;
    if (text.find(':') == std::string::npos) {
      // A bare type: the usual file context around it.
      full = fmt::format("system_u:object_r:{}{}", text, p.mls ? ":s0" : "");
      how += fmt::format(" (a bare type: assumed {})", full);
    } else if (p.mls && std::count(text.begin(), text.end(), ':') == 2) {
      full = text + ":s0";
      how += fmt::format(" (no level: assumed {})", full);
    }
    if (auto c = parse_context(p, full, &err)) {
      l.context = *c;
      l.text = full;
      l.note = std::move(how);
    } else {
      l.source = Label::Source::Unknown;
      l.note = fmt::format("{}: `{}` is not a valid context of the policy: {}", how, text, err);
    }
    return l;
  };
  if (node && !node->selinux_label.empty()) {
    return finish(Label::Source::Declared, node->selinux_label, node->origin, "declared with `label`");
  }
  auto it = std::lower_bound(labels_.begin(), labels_.end(), path,
                             [](const PathLabel* a, const std::string& b) { return a->path < b; });
  const PathLabel* seen = nullptr;
  for (; it != labels_.end() && (*it)->path == path; ++it) seen = *it;
  if (seen)
    return finish(Label::Source::Snapshot, seen->context, seen->origin,
                  "on disk (" + seen->origin.to_string() + ")");
  if (!specs_.empty()) {
    FileContextMatch m = match(path, type_letter(type));
    if (!m.error.empty()) {
      l.note = fmt::format(
          "file_contexts line `{}` ({}): {}; libselinux's lookup fails, so the label of {} "
          "is unknown",
          m.spec->regex, m.spec->origin.to_string(), m.error, path);
      l.origin = m.spec->origin;
      return l;
    }
    if (m.spec && m.spec->context != "<<none>>") {
      return finish(Label::Source::FileContexts, m.spec->context, m.spec->origin,
                    fmt::format("file_contexts `{}` ({})", m.spec->regex, m.spec->origin.to_string()));
    }
    l.note = m.spec ? fmt::format(
                          "file_contexts says <<none>> for {} (`{}`, {}): the label is whatever is on disk",
                          path, m.spec->regex, m.spec->origin.to_string())
                    : fmt::format("no file_contexts line matches {}", path);
    if (m.spec) l.origin = m.spec->origin;
    return l;
  }
  l.note = fmt::format("no label known for {} (no `label`, on-disk snapshot or file_contexts)", path);
  return l;
}

Context HostView::create_context(const Context& s, const Context& parent, uint16_t cls,
                                 const std::string& name, std::string* why) const {
  const CompiledPolicy& p = *policy_;
  Context n;
  n.user = s.user;
  n.role = p.object_role;
  n.type = parent.type;
  std::string how = fmt::format("inherits the directory's type {}", p.types.at(parent.type).name);
  auto [lo, hi] = p.transitions_on(cls, parent.type);
  const TypeTransition* found = nullptr;
  for (const TypeTransition* r = lo; r != hi; ++r) {
    if (r->source != s.type) continue;
    if (r->condition != kNone && condition_holds(r->condition) != r->when) continue;
    if (!found || (found->condition != kNone && r->condition == kNone)) found = r;
  }
  if (found) {
    n.type = found->result;
    how = fmt::format("type_transition {} {}:{} {};", p.types[found->source].name,
                      p.types[found->target].name, p.classes[cls].name, p.types[found->result].name);
  }
  for (const auto& nt : p.name_transitions) {
    if (nt.target == parent.type && nt.cls == cls && nt.name == name && contains(nt.sources, s.type)) {
      n.type = nt.result;
      how = fmt::format("type_transition {} {}:{} {} \"{}\";", p.types[s.type].name,
                        p.types[parent.type].name, p.classes[cls].name, p.types[nt.result].name, name);
    }
  }
  n.range.low = s.range.low;
  n.range.high = s.range.low;
  for (const auto& rt : p.range_transitions) {
    if (rt.source == s.type && rt.target == parent.type && rt.cls == cls) {
      n.range = rt.range;
      how += fmt::format("; range_transition gives {}", p.range_text(rt.range));
    }
  }
  if (why) *why = how;
  return n;
}

// ---- subjects ----------------------------------------------------------------------

std::optional<Context> HostView::assumed_domain_context(uint32_t type) const {
  const CompiledPolicy& p = *policy_;
  if (type >= p.types.size() || p.types[type].attribute) return std::nullopt;
  // Roles that may hold the type, system_r first; the first with a user wins.
  std::vector<uint32_t> roles;
  uint32_t system_r = p.role("system_r");
  if (system_r != kNone) roles.push_back(system_r);
  for (uint32_t r = 0; r < p.roles.size(); ++r) {
    if (r != system_r) roles.push_back(r);
  }
  uint32_t system_u = p.user("system_u");
  for (uint32_t role : roles) {
    if (role == p.object_role || !contains(p.roles[role].types, type)) continue;
    uint32_t user = kNone;
    if (system_u != kNone && contains(p.users[system_u].roles, role)) user = system_u;
    for (uint32_t u = 0; user == kNone && u < p.users.size(); ++u) {
      if (contains(p.users[u].roles, role)) user = u;
    }
    if (user == kNone) continue;
    Context c;
    c.user = user;
    c.role = role;
    c.type = type;
    if (p.mls) {
      c.range.low = p.users[user].default_level;
      c.range.high = c.range.low;
    }
    return c;
  }
  return std::nullopt;
}

std::vector<uint32_t> HostView::domains() const {
  const CompiledPolicy& p = *policy_;
  std::vector<uint32_t> out;
  for (uint32_t r = 0; r < p.roles.size(); ++r) {
    if (r == p.object_role) continue;
    out.insert(out.end(), p.roles[r].types.begin(), p.roles[r].types.end());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  out.erase(std::remove_if(out.begin(), out.end(), [&](uint32_t t) { return !assumed_domain_context(t); }),
            out.end());
  return out;
}

SubjectContext HostView::domain_context(uint32_t type) const {
  SubjectContext s;
  s.context = assumed_domain_context(type);
  s.assumed = true;
  s.how = s.context
              ? fmt::format("a process of domain {}: assumed {}", policy_->types.at(type).name,
                            context_text(*policy_, *s.context))
              : fmt::format("no role may hold {}: it is not a process domain", policy_->types.at(type).name);
  return s;
}

SubjectContext HostView::service_context(const Service& svc) const {
  const CompiledPolicy& p = *policy_;
  SubjectContext out;
  std::string prog = basename_of(svc.program);
  for (const auto* pr : processes_) {
    if (pr->command == svc.name || (!prog.empty() && pr->command == prog)) {
      std::string err;
      if (auto c = parse_context(p, pr->context, &err)) {
        out.context = *c;
        out.how = fmt::format("from ps -eZ: {} (pid {}, {})", pr->context, pr->pid, pr->origin.to_string());
        return out;
      }
    }
  }
  if (!svc.domain.empty()) {
    uint32_t t = p.type(svc.domain);
    if (t == kNone || p.types[t].attribute) {
      out.how = fmt::format("declared domain `{}` is not a type of the policy", svc.domain);
      return out;
    }
    out = domain_context(t);
    out.how = fmt::format("declared domain {}: {}", svc.domain,
                          out.context ? "assumed " + context_text(p, *out.context) : out.how);
    return out;
  }
  if (!svc.program.empty()) {
    const FileNode* node = nullptr;
    for (const auto& f : model_ ? model_->files : std::vector<FileNode>{}) {
      if (f.host == host_ && f.path == svc.program) node = &f;
    }
    Label l = label(svc.program, FileType::Regular, node);
    if (!l.context) {
      out.how = fmt::format("the domain follows from {}'s label, which is unknown: {}", svc.program, l.note);
      return out;
    }
    uint16_t process = uint16_t(p.class_index("process"));
    for (const char* starter : {"init_t", "initrc_t"}) {
      uint32_t st = p.type(starter);
      if (st == kNone || process == uint16_t(kNone)) continue;
      auto [lo, hi] = p.transitions_on(process, l.context->type);
      for (const TypeTransition* r = lo; r != hi; ++r) {
        if (r->source != st) continue;
        if (r->condition != kNone && condition_holds(r->condition) != r->when) continue;
        out = domain_context(r->result);
        out.how = fmt::format("{} is {}; {} runs it in {} (type_transition {} {}:process {};){}", svc.program,
                              p.types[l.context->type].name, starter, p.types[r->result].name, starter,
                              p.types[l.context->type].name, p.types[r->result].name,
                              out.context ? ": assumed " + context_text(p, *out.context) : "");
        return out;
      }
    }
    out.how =
        fmt::format("{} is {}, and neither init_t nor initrc_t has a type transition on it: declare `domain`",
                    svc.program, p.types[l.context->type].name);
    return out;
  }
  out.how = "no domain known: declare `domain NAME` or `program \"PATH\"`, or import ps -eZ output";
  return out;
}

SubjectContext HostView::user_context(const core::User& u) const {
  SubjectContext s;
  s.context = login_context_;
  s.assumed = true;
  s.how = login_how_;
  (void)u;
  return s;
}

SubjectContext HostView::context_of(const Credentials& who) const {
  const CompiledPolicy& p = *policy_;
  if (who.kind == "domain") {
    uint32_t t = p.type(who.domain);
    if (t == kNone)
      return SubjectContext{std::nullopt, fmt::format("`{}` is not a type of the policy", who.domain), true};
    return domain_context(t);
  }
  if (model_) {
    if (who.kind == "service") {
      for (const auto& s : model_->services) {
        if (s.host == host_ && s.name == who.name) return service_context(s);
      }
    } else {
      for (const auto& u : model_->users) {
        if (u.host == host_ && u.name == who.name) return user_context(u);
      }
    }
  }
  if (!who.domain.empty()) {
    uint32_t t = p.type(who.domain);
    if (t != kNone) return domain_context(t);
  }
  if (who.kind == "user") return user_context(core::User{});
  return SubjectContext{std::nullopt, fmt::format("no SELinux domain known for {}", who.name), false};
}

std::pair<uint16_t, uint32_t> HostView::capability_permission(Capability c) const {
  const CompiledPolicy& p = *policy_;
  unsigned n = unsigned(c);
  std::string name = capability_name(c).substr(4);
  for (auto& ch : name) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  uint32_t cls = p.class_index(n < 32 ? "capability" : "capability2");
  if (cls == kNone) return {0, 0};
  return {uint16_t(cls), p.classes[cls].bit(name)};
}

uint16_t HostView::cls(std::string_view name) const {
  uint32_t c = policy_->class_index(name);
  if (c == kNone) internal_error(fmt::format("the SELinux policy has no class {}", name));
  return uint16_t(c);
}

uint32_t HostView::perm(uint16_t c, std::string_view name) const {
  return policy_->classes.at(c).bit(name);
}

uint16_t HostView::class_of(FileType t) const {
  switch (t) {
    case FileType::Regular: return cls("file");
    case FileType::Directory: return cls("dir");
    case FileType::Symlink: return cls("lnk_file");
    case FileType::Socket: return cls("sock_file");
    case FileType::Fifo: return cls("fifo_file");
    case FileType::CharDevice: return cls("chr_file");
    case FileType::BlockDevice: return cls("blk_file");
  }
  return cls("file");
}

}  // namespace rampart::core::selinux
