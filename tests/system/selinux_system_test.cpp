// SELinux against the real thing: Debian's reference policy
// (selinux-policy-default) read by rampart's importer and decided by
// rampart's evaluator, compared with libsepol's own decision function
// (sepol_compute_av_reason_buffer), setools' sesearch and libselinux's
// matchpathcon. Skips, with the reason, when the policy or the tools are not
// installed (scripts/deps.sh installs them).

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "rampart/core/selinux_eval.h"
#include "rampart/importers/registry.h"
#include "rampart/importers/selinux.h"
#include "rampart/solver/session.h"
#include "selinux_oracle.h"

namespace rampart {
namespace {

namespace sel = core::selinux;

const char* kPolicy = "/etc/selinux/default/policy/policy.33";
const char* kFileContexts = "/etc/selinux/default/contexts/files/file_contexts";

#ifdef RAMPART_SANITIZED
constexpr int kScale = 5;
#else
constexpr int kScale = 1;
#endif

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool have(const char* path) {
  return access(path, R_OK) == 0;
}

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

bool have_program(const char* name) {
  return !run(std::string("command -v ") + name + " 2>/dev/null").empty();
}

// One policy for every test: rampart's model and libsepol's oracle.
struct Fixture {
  std::shared_ptr<sel::CompiledPolicy> policy;
  std::unique_ptr<testing::SepolOracle> oracle;
};

Fixture& fixture() {
  static Fixture f = [] {
    Fixture x;
    if (!have(kPolicy)) return x;
    core::Diagnostics diags;
    x.policy = importers::read_compiled_policy(read_file(kPolicy), kPolicy, core::Origin{}, diags);
    x.oracle = std::make_unique<testing::SepolOracle>(kPolicy);
    return x;
  }();
  return f;
}

#define NEED_POLICY()                                                                           \
  if (!fixture().policy)                                                                        \
  GTEST_SKIP() << kPolicy                                                                       \
               << " is not installed (apt-get install selinux-policy-default; scripts/deps.sh " \
                  "installs it)"

// Contexts the tuples use: a source context a process of the type can have
// (or object_r when no role holds it), a target object context; users and
// levels vary so the UBAC and MCS constraints are exercised.
struct Contexts {
  const sel::CompiledPolicy& p;
  std::mt19937_64& rng;

  std::string level() {
    static const char* levels[] = {"s0",          "s0",      "s0", "s0:c1", "s0:c2.c5", "s0-s0:c0.c1023",
                                   "s0:c0.c1023", "s0-s0:c1"};
    return levels[rng() % std::size(levels)];
  }

  // A valid process context for `type`, varying the user among those allowed.
  std::string source(uint32_t type) {
    std::vector<std::pair<uint32_t, uint32_t>> pairs;  // (user, role)
    for (uint32_t r = 0; r < p.roles.size(); ++r) {
      if (r == p.object_role || !std::binary_search(p.roles[r].types.begin(), p.roles[r].types.end(), type))
        continue;
      for (uint32_t u = 0; u < p.users.size(); ++u) {
        if (std::binary_search(p.users[u].roles.begin(), p.users[u].roles.end(), r)) pairs.push_back({u, r});
      }
    }
    if (pairs.empty()) return fmt::format("system_u:object_r:{}:{}", p.types[type].name, level());
    auto [u, r] = pairs[rng() % pairs.size()];
    // Users with a single-level range (user_u, xdm) only hold s0.
    std::string lv = p.users[u].range.low == p.users[u].range.high ? "s0" : level();
    return fmt::format("{}:{}:{}:{}", p.users[u].name, p.roles[r].name, p.types[type].name, lv);
  }

  std::string target(uint32_t type) {
    return fmt::format("{}:object_r:{}:{}", p.users[rng() % p.users.size()].name, p.types[type].name,
                       level());
  }
};

std::vector<uint32_t> members_or_self(const sel::CompiledPolicy& p, uint32_t t) {
  if (!p.types[t].attribute) return {t};
  return p.members_of[t];
}

// ---- 1. access vectors: rampart == libsepol ----------------------------------------

TEST(SelinuxSystem, AccessVectorsEqualLibsepol) {
  NEED_POLICY();
  auto& fx = fixture();
  const sel::CompiledPolicy& p = *fx.policy;
  sel::HostView view(fx.policy);
  std::mt19937_64 rng(20261126);
  Contexts ctx{p, rng};
  std::vector<uint32_t> plain_types;
  for (uint32_t t = 0; t < p.types.size(); ++t) {
    if (!p.types[t].attribute) plain_types.push_back(t);
  }
  const int kTuples = 12000 / kScale;
  size_t compared = 0, from_rules = 0, random = 0, conditional = 0, flips = 0, allowed_seen = 0;
  size_t constrained = 0, flip_changed = 0;  // decisions a constraint changed; flips that changed the vector
  std::vector<std::string> disagreements;
  for (int i = 0; i < kTuples; ++i) {
    uint32_t s = 0, t = 0;
    uint16_t cls = 0;
    uint32_t perm = 0;
    bool drawn = i % 2 == 0;
    if (drawn) {
      // Drawn from an allow rule, through its attributes.
      const sel::AllowRule& r = p.allows[rng() % p.allows.size()];
      auto ss = members_or_self(p, r.source), ts = members_or_self(p, r.target);
      if (ss.empty() || ts.empty()) {
        --i;
        continue;
      }
      s = ss[rng() % ss.size()];
      t = ts[rng() % ts.size()];
      cls = r.cls;
      std::vector<uint32_t> bits;
      for (unsigned b = 0; b < 32; ++b) {
        if (r.permissions & (1u << b)) bits.push_back(1u << b);
      }
      perm = bits[rng() % bits.size()];
      ++from_rules;
    } else {
      s = plain_types[rng() % plain_types.size()];
      t = plain_types[rng() % plain_types.size()];
      cls = uint16_t(rng() % p.classes.size());
      size_t n = p.classes[cls].permissions.size();
      if (n == 0) {
        --i;
        continue;
      }
      perm = 1u << (rng() % n);
      ++random;
    }
    std::string sc = ctx.source(s), tc = ctx.target(t);
    auto s_ctx = sel::parse_context(p, sc), t_ctx = sel::parse_context(p, tc);
    sepol_security_id_t ssid = fx.oracle->sid(sc), tsid = fx.oracle->sid(tc);
    // rampart and libsepol agree on which contexts are valid.
    ASSERT_EQ(bool(s_ctx), ssid != 0) << sc;
    ASSERT_EQ(bool(t_ctx), tsid != 0) << tc;
    // The booleans the pair's conditional rules involve: each flipped, then all.
    std::set<uint32_t> involved;
    for (uint32_t a : p.self_and_attributes(t)) {
      auto [lo, hi] = p.allows_on(cls, a);
      for (const auto* r = lo; r != hi; ++r) {
        if (r->condition == sel::kNone || !p.has_attribute(s, r->source)) continue;
        for (const auto& n : p.conditions[r->condition].expr) {
          if (n.op == sel::CondNode::Op::Bool) involved.insert(n.boolean);
        }
      }
    }
    if (!involved.empty()) ++conditional;
    std::vector<std::vector<uint32_t>> states{{}};
    for (uint32_t b : involved) states.push_back({b});
    if (involved.size() > 1) states.push_back(std::vector<uint32_t>(involved.begin(), involved.end()));
    uint32_t at_default = 0;
    for (const auto& flip : states) {
      for (uint32_t b : flip) {
        view.set_boolean(b, !p.booleans[b].value);
        fx.oracle->set_boolean(b, !p.booleans[b].value);
      }
      sel::AvDecision av = view.compute_av(*s_ctx, *t_ctx, cls, perm);
      uint32_t mine = av.allowed;
      uint32_t theirs = fx.oracle->allowed(ssid, tsid, cls, perm);
      ++compared;
      if (av.te_allowed != av.allowed) ++constrained;
      if (flip.empty()) at_default = theirs;
      if (!flip.empty()) ++flips;
      if (!flip.empty() && theirs != at_default) ++flip_changed;
      if (theirs & perm) ++allowed_seen;
      if (mine != theirs && disagreements.size() < 20) {
        disagreements.push_back(fmt::format("{} -> {} : {} {}: rampart {:#x}, libsepol {:#x}", sc, tc,
                                            p.classes[cls].name, p.permissions_text(cls, perm), mine,
                                            theirs));
      }
      for (uint32_t b : flip) {
        view.set_boolean(b, p.booleans[b].value);
        fx.oracle->set_boolean(b, p.booleans[b].value);
      }
    }
  }
  for (const auto& d : disagreements) ADD_FAILURE() << d;
  std::printf(
      "access vectors: %zu decisions compared (%zu tuples drawn from allow rules, %zu random; %zu with "
      "conditional rules, %zu decisions under flipped booleans of which %zu changed the vector; %zu allowed; "
      "%zu "
      "where a constraint removed permissions), %zu disagreements\n",
      compared, from_rules, random, conditional, flips, flip_changed, allowed_seen, constrained,
      disagreements.size());
  EXPECT_GE(from_rules + random, size_t(10000 / kScale));
}

// ---- 2. labels: rampart == matchpathcon -----------------------------------------------

// A string a file_contexts regex may match: literals kept, `.` an `x`,
// classes one of their characters, groups one alternative, quantifiers a
// small count.
class Instantiate {
 public:
  Instantiate(const std::string& re, std::mt19937_64& rng) : re_(re), rng_(rng) {}
  std::string run() {
    std::string out = alternatives();
    return out;
  }

 private:
  const std::string& re_;
  std::mt19937_64& rng_;
  size_t i_ = 0;

  std::string alternatives() {
    std::vector<std::string> alts{sequence()};
    while (i_ < re_.size() && re_[i_] == '|') {
      ++i_;
      alts.push_back(sequence());
    }
    return alts[rng_() % alts.size()];
  }
  std::string sequence() {
    std::string out;
    while (i_ < re_.size() && re_[i_] != '|' && re_[i_] != ')') {
      std::string atom = this->atom();
      int lo = 1, hi = 1;
      if (i_ < re_.size()) {
        char q = re_[i_];
        if (q == '?')
          lo = 0, hi = 1, ++i_;
        else if (q == '*')
          lo = 0, hi = 2, ++i_;
        else if (q == '+')
          lo = 1, hi = 2, ++i_;
        else if (q == '{') {
          size_t end = re_.find('}', i_);
          std::string body = re_.substr(i_ + 1, end - i_ - 1);
          lo = hi = std::atoi(body.c_str());
          i_ = end + 1;
        }
      }
      int n = lo + int(rng_() % (hi - lo + 1));
      for (int k = 0; k < n; ++k) out += atom;
    }
    return out;
  }
  std::string atom() {
    char c = re_[i_++];
    switch (c) {
      case '\\': return std::string(1, re_[i_++]);
      case '.': return std::string(1, "xyz1_"[rng_() % 5]);
      case '^':
      case '$': return "";
      case '(': {
        if (re_.compare(i_, 2, "?:") == 0) i_ += 2;
        std::string inner = alternatives();
        if (i_ < re_.size() && re_[i_] == ')') ++i_;
        return inner;
      }
      case '[': {
        bool negated = i_ < re_.size() && re_[i_] == '^';
        if (negated) ++i_;
        std::string chars;
        bool first = true;
        while (i_ < re_.size() && (re_[i_] != ']' || first)) {
          first = false;
          if (re_[i_] == '[' && re_.compare(i_, 2, "[:") == 0) {
            size_t end = re_.find(":]", i_);
            std::string cls = re_.substr(i_ + 2, end - i_ - 2);
            chars += cls == "digit" ? "7" : cls == "alpha" ? "q" : "a";
            i_ = end + 2;
            continue;
          }
          if (re_[i_] == '\\') ++i_;
          if (i_ + 2 < re_.size() && re_[i_ + 1] == '-' && re_[i_ + 2] != ']') {
            chars += re_[i_];
            i_ += 3;
            continue;
          }
          chars += re_[i_++];
        }
        ++i_;
        if (negated) return "q";
        return chars.empty() ? "q" : std::string(1, chars[rng_() % chars.size()]);
      }
      default: return std::string(1, c);
    }
  }
};

TEST(SelinuxSystem, LabelsEqualMatchpathcon) {
  NEED_POLICY();
  if (!have(kFileContexts)) GTEST_SKIP() << kFileContexts << " is not installed";
  if (!have_program("matchpathcon")) GTEST_SKIP() << "matchpathcon is not installed (selinux-utils)";
  auto& fx = fixture();
  // The policy and file_contexts through the importers, on one host.
  importers::Registry registry = importers::default_registry();
  core::Policy model;
  model.hosts.push_back(core::Host{});
  model.hosts[0].name = "h";
  for (auto [format, path] :
       {std::pair{"selinux.policy", kPolicy}, std::pair{"selinux.file_contexts", kFileContexts}}) {
    core::ImportRequest req;
    req.format = format;
    req.path = path;
    req.display_path = path;
    core::ImportResult r = registry.import(req);
    ASSERT_FALSE(r.diagnostics.has_errors())
        << (r.diagnostics.items().empty() ? "" : r.diagnostics.items()[0].to_string());
    core::merge(model, std::move(r.fragment));
  }
  for (auto& f : model.selinux) f.host = core::HostId(0);
  {}
  auto view = sel::HostView::build(model, core::HostId(0));
  ASSERT_TRUE(view);
  size_t specs = 0;
  for (const auto& f : model.selinux) specs += f.file_contexts.size();

  // Paths: instances of every file_contexts regex, and random paths from a
  // vocabulary of common directories; only paths that do not exist here (so
  // matchpathcon's realpath and lstat do not change them) or that exist and
  // are their own real path (then both sides use their file type).
  std::mt19937_64 rng(7);
  std::set<std::string> paths;
  std::vector<std::string> regexes;
  for (const auto& f : model.selinux) {
    for (const auto& s : f.file_contexts) regexes.push_back(s.regex);
  }
  auto usable = [](const std::string& p) {
    // matchpathcon drops a trailing '/' from its argument; such paths are left out.
    if (p.empty() || p[0] != '/' || p.size() > 200 || (p.size() > 1 && p.back() == '/')) return false;
    for (char c : p) {
      if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return false;
    }
    return true;
  };
  for (int round = 0; round < 2; ++round) {
    for (const auto& re : regexes) {
      if (rng() % 3 != 0) continue;
      std::string p = Instantiate(re, rng).run();
      if (usable(p)) paths.insert(p);
    }
  }
  static const char* words[] = {
      "usr",   "bin",     "sbin",    "lib",         "lib64", "var",    "log",   "etc",
      "home",  "alice",   ".ssh",    "www",         "html",  "nginx",  "httpd", "tmp",
      "run",   "lock",    "cache",   "spool",       "mail",  "opt",    "srv",   "share",
      "local", "systemd", "system",  "cron.d",      "ssl",   "certs",  "mysql", "postgresql",
      "data",  "apache2", "cgi-bin", "public_html", "root",  "boot",   "dev",   "proc",
      "sys",   "selinux", "docker",  "containers",  "x.log", "app.py", "ld.so"};
  while (paths.size() < 1500) {
    std::string p;
    int depth = 1 + int(rng() % 5);
    for (int k = 0; k < depth; ++k) p += std::string("/") + words[rng() % std::size(words)];
    paths.insert(p);
  }
  std::vector<std::string> list;
  std::map<std::string, char> types;
  for (const auto& p : paths) {
    struct stat st;
    if (lstat(p.c_str(), &st) == 0) {
      std::error_code ec;
      if (std::filesystem::canonical(p, ec).string() != p) continue;
      char t = S_ISDIR(st.st_mode)    ? 'd'
               : S_ISREG(st.st_mode)  ? '-'
               : S_ISLNK(st.st_mode)  ? 'l'
               : S_ISSOCK(st.st_mode) ? 's'
               : S_ISFIFO(st.st_mode) ? 'p'
               : S_ISCHR(st.st_mode)  ? 'c'
                                      : 'b';
      types[p] = t;
    }
    list.push_back(p);
  }
  std::string tmp =
      std::filesystem::temp_directory_path() / fmt::format("rampart-matchpathcon-{}.txt", getpid());
  {
    std::ofstream out(tmp);
    for (const auto& p : list) out << p << "\n";
  }
  std::string output = run(fmt::format("xargs -d '\\n' matchpathcon < {} 2>/dev/null", tmp));
  std::filesystem::remove(tmp);
  std::map<std::string, std::string> theirs;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    auto tab = line.find('\t');
    if (tab != std::string::npos) theirs[line.substr(0, tab)] = line.substr(tab + 1);
  }
  size_t compared = 0, labelled = 0, none = 0, existing = 0;
  std::vector<std::string> disagreements;
  for (const auto& p : list) {
    auto it = theirs.find(p);
    ASSERT_NE(it, theirs.end()) << "matchpathcon printed nothing for " << p;
    auto t = types.find(p);
    sel::FileContextMatch m = view->match(p, t == types.end() ? 0 : t->second);
    ASSERT_TRUE(m.error.empty()) << p << ": " << m.error;
    std::string mine = m.spec ? m.spec->context : "<<none>>";
    ++compared;
    if (t != types.end()) ++existing;
    (mine == "<<none>>" ? none : labelled)++;
    if (mine != it->second && disagreements.size() < 20) {
      disagreements.push_back(fmt::format("{}: rampart {} (line `{}`), matchpathcon {}", p, mine,
                                          m.spec ? m.spec->regex : "-", it->second));
    }
  }
  for (const auto& d : disagreements) ADD_FAILURE() << d;
  std::printf(
      "labels: %zu paths compared with matchpathcon (%zu file_contexts lines; %zu labelled, %zu <<none>>; "
      "%zu "
      "existing here), %zu disagreements\n",
      compared, specs, labelled, none, existing, disagreements.size());
  EXPECT_GE(compared, size_t(1000));
  (void)fx;
}

// ---- 3. the solver: who can, against a brute force through libsepol ------------------

// A host with the reference policy, `/` labelled root_t and `/f` labelled
// `file_type`, and `selinux.boolean.*` settings.
core::Policy one_file_host(const std::shared_ptr<sel::CompiledPolicy>& policy, const std::string& file_type,
                           const std::map<std::string, std::string>& settings = {}) {
  core::Policy m;
  core::Host h;
  h.name = "h";
  h.settings = settings;
  m.add(h);
  auto node = [](const std::string& path, core::FileType type, const std::string& label) {
    core::FileNode n;
    n.host = core::HostId(0);
    n.path = path;
    n.type = type;
    n.mode = type == core::FileType::Directory ? 0755 : 0666;
    n.selinux_label = label;
    return n;
  };
  m.files = {node("/", core::FileType::Directory, "system_u:object_r:root_t:s0"),
             node("/f", core::FileType::Regular, "system_u:object_r:" + file_type + ":s0")};
  sel::HostFacts facts;
  facts.host = core::HostId(0);
  facts.policy = policy;
  m.selinux.push_back(facts);
  return m;
}

core::Question who_can(core::Operation op, const std::string& path) {
  core::Question q;
  q.is_query = true;
  q.text = fmt::format("who can {} \"{}\"", core::operation_name(op), path);
  core::AccessQuestion a;
  a.claim = core::AccessClaim::WhoCan;
  a.operation = op;
  a.path = path;
  a.host = core::HostId(0);
  q.body = a;
  return q;
}

TEST(SelinuxSystem, WhoCanWriteEqualsBruteForceThroughLibsepol) {
  NEED_POLICY();
  auto& fx = fixture();
  const sel::CompiledPolicy& p = *fx.policy;
  uint16_t dir = uint16_t(p.class_index("dir")), file = uint16_t(p.class_index("file"));
  uint32_t search = p.classes[dir].bit("search");
  uint32_t write_open = p.classes[file].bit("write") | p.classes[file].bit("open");
  sepol_security_id_t root = fx.oracle->sid("system_u:object_r:root_t:s0");
  ASSERT_NE(root, 0u);
  struct Case {
    std::string type;
    std::map<std::string, std::string> settings;
  };
  std::vector<Case> cases{{"httpd_log_t", {}},
                          {"httpd_sys_rw_content_t", {}},
                          {"httpd_sys_content_t", {}},
                          {"httpd_sys_content_t", {{"selinux.boolean.httpd_unified", "true"}}},
                          {"etc_t", {}},
                          {"shadow_t", {}},
                          {"var_log_t", {}},
                          {"user_home_t", {}}};
  size_t types_checked = 0;
  for (const auto& c : cases) {
    core::Policy model = one_file_host(fx.policy, c.type, c.settings);
    solver::Session session(model);
    core::Result r = session.answer(who_can(core::Operation::Write, "/f"));
    ASSERT_TRUE(r.set) << r.reason;
    ASSERT_TRUE(r.set->domains_known) << r.reason;
    std::set<std::string> mine(r.set->domains.begin(), r.set->domains.end());
    // The brute force: every type of the policy in the context rampart
    // assumes for its processes (libsepol must accept it), decided by
    // libsepol: search on / and open+write on /f; a permissive type is let through.
    auto view = sel::HostView::build(model, core::HostId(0));
    ASSERT_TRUE(view);
    for (const auto& [key, value] : c.settings) {
      uint32_t b = p.boolean(key.substr(std::string("selinux.boolean.").size()));
      ASSERT_NE(b, sel::kNone);
      fx.oracle->set_boolean(b, value == "true");
    }
    sepol_security_id_t target = fx.oracle->sid("system_u:object_r:" + c.type + ":s0");
    ASSERT_NE(target, 0u) << c.type;
    std::set<std::string> theirs;
    size_t domains = 0;
    for (uint32_t t = 0; t < p.types.size(); ++t) {
      if (p.types[t].attribute) continue;
      ++types_checked;
      std::optional<sel::Context> ctx = view->assumed_domain_context(t);
      if (!ctx) continue;
      ++domains;
      sepol_security_id_t s = fx.oracle->sid(sel::context_text(p, *ctx));
      ASSERT_NE(s, 0u) << "libsepol refuses the context rampart assumes: " << sel::context_text(p, *ctx);
      bool permissive = ebitmap_get_bit(&fx.oracle->db().permissive_map, t + 1) != 0;
      bool ok = (fx.oracle->allowed(s, root, dir, search) & search) == search &&
                (fx.oracle->allowed(s, target, file, write_open) & write_open) == write_open;
      if (ok || permissive) theirs.insert(p.types[t].name);
    }
    for (const auto& [key, value] : c.settings) {
      uint32_t b = p.boolean(key.substr(std::string("selinux.boolean.").size()));
      fx.oracle->set_boolean(b, p.booleans[b].value);
    }
    std::vector<std::string> only_mine, only_theirs;
    std::set_difference(mine.begin(), mine.end(), theirs.begin(), theirs.end(),
                        std::back_inserter(only_mine));
    std::set_difference(theirs.begin(), theirs.end(), mine.begin(), mine.end(),
                        std::back_inserter(only_theirs));
    EXPECT_TRUE(only_mine.empty()) << c.type
                                   << ": rampart only: " << fmt::format("{}", fmt::join(only_mine, " "));
    EXPECT_TRUE(only_theirs.empty()) << c.type
                                     << ": libsepol only: " << fmt::format("{}", fmt::join(only_theirs, " "));
    EXPECT_FALSE(theirs.empty()) << c.type;
    std::printf("who can write %s%s: %zu of %zu domains (libsepol: %zu)\n", c.type.c_str(),
                c.settings.empty() ? "" : " (httpd_unified on)", mine.size(), domains, theirs.size());
  }
  EXPECT_GE(types_checked, size_t(5 * 3000));
}

// ---- 4. the solver against the evaluator: domain questions and DAC ∧ SELinux ---------------

// Random `can domain D OP /f` and `can SERVICE OP /f` questions on random
// labels; the session replays every answer through the evaluator and throws
// on a disagreement, and the answers must agree with decide_file_access.
TEST(SelinuxSystem, SolverAgreesWithEvaluator) {
  NEED_POLICY();
  auto& fx = fixture();
  const sel::CompiledPolicy& p = *fx.policy;
  std::mt19937_64 rng(61);
  sel::HostView bare(fx.policy);
  std::vector<uint32_t> domains = bare.domains();
  std::vector<uint32_t> file_types;
  for (uint32_t t = 0; t < p.types.size(); ++t) {
    if (!p.types[t].attribute && !std::binary_search(domains.begin(), domains.end(), t))
      file_types.push_back(t);
  }
  const core::Operation ops[] = {core::Operation::Read,   core::Operation::Write,  core::Operation::Append,
                                 core::Operation::Create, core::Operation::Delete, core::Operation::Execute};
  size_t asked = 0, granted = 0, unknown = 0;
  for (int round = 0; round < 60 / kScale; ++round) {
    std::string type = p.types[file_types[rng() % file_types.size()]].name;
    core::Policy model = one_file_host(fx.policy, type);
    // A service in a random domain, run as root (DAC grants; capabilities filtered by SELinux).
    core::Service svc;
    svc.host = core::HostId(0);
    svc.name = "svc";
    svc.uid = 0;
    svc.domain = p.types[domains[rng() % domains.size()]].name;
    model.services.push_back(svc);
    solver::Session session(model);
    core::FileTree tree(model, core::HostId(0));
    auto view = sel::HostView::build(model, core::HostId(0));
    ASSERT_TRUE(view);
    for (int k = 0; k < 6; ++k) {
      core::Operation op = ops[rng() % std::size(ops)];
      std::string path = op == core::Operation::Create ? "/new" : "/f";
      core::Question q;
      q.text = "can";
      core::AccessQuestion a;
      a.claim = core::AccessClaim::Can;
      a.operation = op;
      a.path = path;
      a.host = core::HostId(0);
      bool as_domain = k % 2 == 0;
      core::Subject s;
      if (as_domain) {
        s.kind = core::Subject::Kind::Domain;
        s.domain = p.types[domains[rng() % domains.size()]].name;
      } else {
        s.kind = core::Subject::Kind::Service;
        s.service = core::ServiceId(0);
      }
      a.subjects = {s};
      q.body = a;
      core::Result r;
      ASSERT_NO_THROW(r = session.answer(q)) << type << " " << core::operation_name(op) << " " << s.domain;
      ++asked;
      // The evaluator's own answer.
      core::Verdict expected;
      if (as_domain) {
        sel::SubjectContext sc = view->domain_context(p.type(s.domain));
        sel::SelinuxDecision d = sel::decide_selinux(tree, *view, sc, op, path);
        expected = !d.known    ? core::Verdict::Unknown
                   : d.granted ? core::Verdict::Holds
                               : core::Verdict::Violated;
      } else {
        core::Credentials c = core::credentials_of(model, model.services[0]);
        core::AccessDecision d = core::decide_file_access(tree, &*view, c, op, path);
        expected = d.unknown   ? core::Verdict::Unknown
                   : d.granted ? core::Verdict::Holds
                               : core::Verdict::Violated;
      }
      EXPECT_EQ(int(r.verdict), int(expected)) << type << " " << core::operation_name(op) << ": " << r.reason;
      granted += r.verdict == core::Verdict::Holds;
      unknown += r.verdict == core::Verdict::Unknown;
    }
  }
  std::printf("solver vs evaluator: %zu questions (%zu granted, %zu unknown), 0 replay failures\n", asked,
              granted, unknown);
}

// ---- 5. allow rules: rampart's model == sesearch ---------------------------------------

// `sesearch -A -s TYPE` for a few domains: the same rules (source, target,
// class, permissions, and the boolean of a conditional rule), as rampart
// reads them from the compiled policy.
TEST(SelinuxSystem, AllowRulesEqualSesearch) {
  NEED_POLICY();
  if (!have_program("sesearch")) GTEST_SKIP() << "sesearch is not installed (setools)";
  auto& fx = fixture();
  const sel::CompiledPolicy& p = *fx.policy;
  size_t compared = 0;
  for (const char* domain : {"httpd_t", "initrc_t", "sshd_t"}) {
    uint32_t s = p.type(domain);
    ASSERT_NE(s, sel::kNone);
    // rampart: every rule whose source is the type or one of its attributes.
    std::set<std::string> mine;
    for (const auto& r : p.allows) {
      if (!p.has_attribute(s, r.source)) continue;
      std::string text = p.rule_text(r);
      text = text.substr(0, text.find("  (if "));
      if (r.condition != sel::kNone) {
        // sesearch prints one rule per (boolean expression, branch); the
        // reference policy's conditions are single booleans.
        const auto& expr = p.conditions[r.condition].expr;
        if (expr.size() != 1 || expr[0].op != sel::CondNode::Op::Bool) continue;
        text += fmt::format(" [ {} ]:{}", p.booleans[expr[0].boolean].name, r.when ? "True" : "False");
      }
      mine.insert(text);
    }
    std::string out = run(fmt::format("sesearch -A -s {} {} 2>/dev/null", domain, kPolicy));
    std::set<std::string> theirs;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("allow ", 0) != 0) continue;
      // Multi-boolean conditions are left out on both sides.
      auto open = line.find("[ ");
      if (open != std::string::npos && line.find_first_of("&|!^", open) != std::string::npos) continue;
      theirs.insert(line);
    }
    std::vector<std::string> only_mine, only_theirs;
    std::set_difference(mine.begin(), mine.end(), theirs.begin(), theirs.end(),
                        std::back_inserter(only_mine));
    std::set_difference(theirs.begin(), theirs.end(), mine.begin(), mine.end(),
                        std::back_inserter(only_theirs));
    for (size_t i = 0; i < only_mine.size() && i < 5; ++i)
      ADD_FAILURE() << domain << ": rampart only: " << only_mine[i];
    for (size_t i = 0; i < only_theirs.size() && i < 5; ++i)
      ADD_FAILURE() << domain << ": sesearch only: " << only_theirs[i];
    compared += theirs.size();
    std::printf("sesearch -A -s %s: %zu rules, rampart %zu\n", domain, theirs.size(), mine.size());
  }
  EXPECT_GE(compared, size_t(50));
}

}  // namespace
}  // namespace rampart
