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
    ASSERT_FALSE(m.error) << p;
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

}  // namespace
}  // namespace rampart
