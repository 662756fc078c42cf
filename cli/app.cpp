#include "app.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

#include "graphviz.h"
#include "rampart/core/evaluator.h"
#include "rampart/core/result.h"
#include "rampart/core/selinux_eval.h"
#include "rampart/dsl/frontend.h"
#include "rampart/exporters/html.h"
#include "rampart/exporters/json.h"
#include "rampart/exporters/junit.h"
#include "rampart/exporters/markdown.h"
#include "rampart/exporters/picture.h"
#include "rampart/exporters/sarif.h"
#include "rampart/exporters/text.h"
#include "rampart/importers/linux.h"
#include "rampart/importers/registry.h"
#include "rampart/importers/selinux.h"
#include "rampart/solver/diff.h"
#include "rampart/solver/lint.h"
#include "rampart/solver/session.h"

namespace rampart::cli {
namespace {

struct Options {
  std::string format = "text";
  std::string color = "auto";
  std::string output;
  bool verbose = false;
  // Every solver call (and each exact set computation) is bounded by default,
  // so no input runs forever: exhausted means unknown (exit 3).
  double timeout_seconds = 120;
  uint64_t rlimit = 0;
  bool no_proof = false;  // lint: skip the solver's proof of the verdicts
};

// RAMPART_INJECT_FAULT=corrupt-set|mutate-witness breaks the solver's output
// on purpose, so tests can see the safety nets turn it into exit code 4.
solver::FaultInjection faults_from_environment() {
  solver::FaultInjection f;
  if (const char* v = std::getenv("RAMPART_INJECT_FAULT")) {
    std::string s = v;
    f.corrupt_exact_set = s == "corrupt-set";
    f.mutate_witness = s == "mutate-witness";
  }
  return f;
}

solver::Limits limits_of(const Options& o) {
  solver::Limits l;
  l.timeout_ms = unsigned(std::min(o.timeout_seconds * 1000, double(std::numeric_limits<unsigned>::max())));
  l.rlimit = o.rlimit;
  return l;
}

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

bool use_color(const Options& o, bool terminal) {
  if (o.color == "always") return true;
  if (o.color == "never") return false;
  if (std::getenv("NO_COLOR")) return false;
  return terminal && o.output.empty();
}

// Each host's picture for the HTML report: drawn by Graphviz when it is
// there (one `dot` run per host, all within one deadline), else left to the
// report's table fallback with a note saying why.
// $RAMPART_DOT_TIMEOUT (seconds, default 30) bounds all the drawing.
std::vector<exporters::HtmlPicture> draw_pictures(const core::Policy& policy, const core::Report& report) {
  double seconds = 30;
  if (const char* v = std::getenv("RAMPART_DOT_TIMEOUT")) {
    char* end = nullptr;
    double d = std::strtod(v, &end);
    if (end != v && *end == '\0' && d > 0 && d < 86400) seconds = d;
  }
  auto budget = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  auto deadline = std::chrono::steady_clock::now() + budget;
  std::vector<exporters::HtmlPicture> out;
  std::string give_up;  // once dot is missing or too slow, do not try again
  for (auto& picture : exporters::build_pictures(policy, report)) {
    exporters::HtmlPicture p;
    p.picture = std::move(picture);
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (give_up.empty() && left.count() <= 0)
      give_up = fmt::format("drawing stopped: Graphviz took longer than {} s in all", seconds);
    if (give_up.empty()) {
      Drawing d = draw_svg(exporters::render_dot(p.picture), left);
      std::string svg = d.ok ? exporters::svg_element(d.svg) : std::string();
      if (d.ok && exporters::is_inline_safe_svg(svg)) {
        p.svg = std::move(svg);
        p.note = "drawn by Graphviz";
      } else if (d.ok) {
        p.note = "Graphviz's drawing was not plain SVG and is shown as tables";
      } else {
        p.note = d.timed_out ? fmt::format("shown as tables: Graphviz did not finish within {} s", seconds)
                             : "shown as tables: " + d.error;
        if (d.missing || d.timed_out) give_up = p.note;
      }
    } else {
      p.note = give_up;
    }
    out.push_back(std::move(p));
  }
  return out;
}

// Prints a report in the chosen format and returns its exit code. `policy`
// (the new one for a diff) feeds the pictures of html and dot; null when
// loading failed.
int emit(const core::Report& report, const Options& o, Streams& s, const core::Policy* policy = nullptr) {
  std::string text;
  if (o.format == "html") {
    exporters::HtmlInput input;
    input.report = &report;
    input.policy = policy;
    if (policy) input.pictures = draw_pictures(*policy, report);
    input.version = RAMPART_VERSION;
    text = exporters::render_html(input);
  } else if (o.format == "dot") {
    // DOT holds pictures only: problems in the input go to standard error.
    if (!report.diagnostics.empty() || !report.internal_error.empty()) {
      exporters::TextStyle style{use_color(o, s.err_is_terminal), false};
      s.err << exporters::render_diagnostics(report.diagnostics, style);
      if (!report.internal_error.empty())
        s.err << "rampart: internal error: " << report.internal_error << "\n";
    }
    if (policy) text = exporters::render_dot(exporters::build_pictures(*policy, report));
  } else if (o.format == "json") {
    text = exporters::render_json(report);
  } else if (o.format == "markdown") {
    text = exporters::render_markdown(report);
  } else if (o.format == "sarif") {
    text = exporters::render_sarif(report);
  } else if (o.format == "junit") {
    text = exporters::render_junit(report);
  } else {
    exporters::TextStyle style{use_color(o, s.out_is_terminal), o.verbose};
    text = exporters::render_text(report, style);
  }
  if (!o.output.empty()) {
    std::ofstream f(o.output, std::ios::binary);
    f << text;
    if (!f) {
      s.err << fmt::format("rampart: cannot write `{}`\n", o.output);
      return core::exit_code::kBadInput;
    }
  } else {
    s.out << text;
  }
  return report.exit_code();
}

// Loads a policy; on failure the report carries the diagnostics.
std::optional<core::Policy> load(const std::string& path, core::Report& report) {
  importers::Registry registry = importers::default_registry();
  dsl::PolicyLoad load = dsl::load_policy_file(path, registry);
  report.inputs.push_back(path);
  report.diagnostics = load.diagnostics.sorted();
  return std::move(load.policy);
}

core::Result answer(solver::Session& session, const core::Question& q) {
  return session.answer(q);
}

int cmd_check(const std::string& file, const Options& o, Streams& s) {
  core::Report report;
  report.command = "check";
  auto policy = load(file, report);
  if (!policy) return emit(report, o, s);
  solver::Session session(*policy, limits_of(o), faults_from_environment());
  for (const auto& q : policy->questions) report.results.push_back(answer(session, q));
  if (policy->questions.empty()) {
    report.diagnostics.push_back(core::Diagnostic{core::Severity::Warning,
                                                  "RP2403",
                                                  "the policy asks no question "
                                                  "(no `assert` or `query` statement)",
                                                  core::Origin::policy(file, 0, 0),
                                                  {},
                                                  {}});
  }
  return emit(report, o, s, &*policy);
}

int cmd_query(const std::string& file, const std::string& question, const Options& o, Streams& s) {
  core::Report report;
  report.command = "query";
  auto policy = load(file, report);
  if (!policy) return emit(report, o, s);
  auto q = dsl::parse_question(question, *policy);
  if (!q.question) {
    auto d = q.diagnostics.sorted();
    report.diagnostics.insert(report.diagnostics.end(), d.begin(), d.end());
    return emit(report, o, s, &*policy);
  }
  solver::Session session(*policy, limits_of(o), faults_from_environment());
  report.results.push_back(answer(session, *q.question));
  return emit(report, o, s, &*policy);
}

namespace fs = std::filesystem;

// A diff side named as a folder: its policy.rampart, or its only *.rampart file.
std::string policy_in(const std::string& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return path;
  if (fs::exists(fs::path(path) / "policy.rampart")) return (fs::path(path) / "policy.rampart").string();
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator(path, ec)) {
    if (e.path().extension() == ".rampart") found.push_back(e.path().string());
  }
  if (found.size() == 1) return found[0];
  throw UsageError(fmt::format("`{}` is a folder with {} policy files; name one, or add policy.rampart", path,
                               found.empty() ? "no" : "several"));
}

std::string run_command(const std::string& command, int& status) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) {
    status = -1;
    return out;
  }
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, p)) > 0) out.append(buffer, n);
  status = pclose(p);
  return out;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

// The same policy file as it was at a git revision: the repository's tree at
// REV is exported into a temporary folder, and the path is mapped into it.
std::string policy_at_revision(const std::string& path, const std::string& rev, std::string& temp_dir) {
  fs::path abs = fs::absolute(path);
  fs::path dir = fs::is_directory(abs) ? abs : abs.parent_path();
  int status = 0;
  std::string top =
      run_command("git -C " + shell_quote(dir.string()) + " rev-parse --show-toplevel 2>/dev/null", status);
  while (!top.empty() && (top.back() == '\n' || top.back() == '\r')) top.pop_back();
  if (status != 0 || top.empty())
    throw UsageError(fmt::format("`{}` is not inside a git repository (--base)", path));
  run_command("git -C " + shell_quote(top) + " rev-parse --verify --quiet " + shell_quote(rev + "^{commit}") +
                  " >/dev/null",
              status);
  if (status != 0) throw UsageError(fmt::format("`{}` is not a git revision of {}", rev, top));
  char tmpl[] = "/tmp/rampart-base-XXXXXX";
  if (!mkdtemp(tmpl)) throw UsageError("cannot create a temporary folder for --base");
  temp_dir = tmpl;
  run_command("git -C " + shell_quote(top) + " archive --format=tar " + shell_quote(rev) + " | tar -x -C " +
                  shell_quote(temp_dir),
              status);
  if (status != 0) throw UsageError(fmt::format("cannot read the files at `{}`", rev));
  fs::path rel = fs::relative(abs, fs::weakly_canonical(top));
  return (fs::path(temp_dir) / rel).string();
}

int cmd_diff(std::vector<std::string> sides, const std::string& base, const std::vector<std::string>& fail_on,
             const Options& o, Streams& s) {
  core::Report report;
  report.command = "diff";
  std::string temp_dir;
  if (!base.empty()) {
    if (sides.size() != 1) throw UsageError("with --base, give one policy: rampart diff --base REV POLICY");
    sides.insert(sides.begin(), policy_at_revision(sides[0], base, temp_dir));
  } else if (sides.size() != 2) {
    throw UsageError("give two policies (OLD NEW), or --base REV and one");
  }
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      if (!dir.empty()) fs::remove_all(dir, ec);
    }
  } cleanup{temp_dir};
  solver::DiffOptions options;
  options.limits = limits_of(o);
  std::vector<std::string> gates;
  for (const auto& item : fail_on) {
    size_t start = 0;
    for (size_t i = 0; i <= item.size(); ++i) {
      if (i == item.size() || item[i] == ',') {
        if (i > start) gates.push_back(item.substr(start, i - start));
        start = i + 1;
      }
    }
  }
  for (const auto& g : gates) {
    if (g == "new-exposure")
      options.fail_on.push_back(solver::Gate::NewExposure);
    else if (g == "broken-assert")
      options.fail_on.push_back(solver::Gate::BrokenAssert);
    else if (g == "any-change")
      options.fail_on.push_back(solver::Gate::AnyChange);
    else
      throw UsageError(fmt::format("unknown gate `{}` (new-exposure, broken-assert, any-change)", g));
  }
  auto before = load(policy_in(sides[0]), report);
  auto after = load(policy_in(sides[1]), report);
  if (!before || !after) return emit(report, o, s);
  solver::diff(*before, *after, options, report);
  return emit(report, o, s, &*after);
}

int cmd_lint(const std::string& file, const Options& o, Streams& s) {
  core::Report report;
  report.command = "lint";
  auto policy = load(file, report);
  if (!policy) return emit(report, o, s);
  solver::LintOptions options;
  options.limits = limits_of(o);
  options.certify = !o.no_proof;
  // A progress bar on a terminal, on standard error, for long runs.
  bool bar = s.err_is_terminal && o.format == "text";
  if (bar) {
    options.progress = [&s](size_t done, size_t total) {
      if (total == 0) return;
      size_t width = 30, filled = width * done / total;
      s.err << "\r  linting [" << std::string(filled, '#') << std::string(width - filled, '.') << "] " << done
            << "/" << total << " rules" << std::flush;
    };
  }
  solver::lint(*policy, options, report);
  if (bar) s.err << "\r" << std::string(60, ' ') << "\r" << std::flush;
  return emit(report, o, s, &*policy);
}

int cmd_conflicts(const std::string& file, const std::string& host_name, const Options& o, Streams& s) {
  core::Report report;
  report.command = "conflicts";
  auto policy = load(file, report);
  if (!policy) return emit(report, o, s);
  std::optional<core::HostId> host;
  if (!host_name.empty()) {
    host = policy->find_host(host_name);
    if (!host) throw UsageError(fmt::format("no host is named `{}`", host_name));
  }
  solver::Session session(*policy, limits_of(o), faults_from_environment());
  session.conflicts(report, host);
  return emit(report, o, s, &*policy);
}

int cmd_explain(const std::string& file, const std::string& packet_text, const Options& o, Streams& s) {
  core::Report report;
  report.command = "explain";
  auto policy = load(file, report);
  if (!policy) return emit(report, o, s);
  // A question instead of a packet: explain the witness the solver finds.
  std::string first_word = packet_text.substr(0, packet_text.find_first_of(" \t"));
  if (first_word == "reach" || first_word == "not" || first_word == "all" || first_word == "only") {
    auto q = dsl::parse_question(packet_text, *policy);
    if (!q.question) {
      auto d = q.diagnostics.sorted();
      report.diagnostics.insert(report.diagnostics.end(), d.begin(), d.end());
      return emit(report, o, s, &*policy);
    }
    q.question->is_query = false;
    if (auto* n = std::get_if<core::NetworkQuestion>(&q.question->body);
        n && n->claim == core::NetworkClaim::QueryReach) {
      n->claim = core::NetworkClaim::Reach;
    }
    solver::Session session(*policy, limits_of(o), faults_from_environment());
    report.results.push_back(answer(session, *q.question));
    Options verbose = o;
    verbose.verbose = true;
    return emit(report, verbose, s, &*policy);
  }
  auto p = dsl::parse_packet(packet_text, *policy);
  if (!p.packet) {
    auto d = p.diagnostics.sorted();
    report.diagnostics.insert(report.diagnostics.end(), d.begin(), d.end());
    return emit(report, o, s, &*policy);
  }
  core::Endpoint source;
  if (p.source_host.valid()) {
    source.kind = core::Endpoint::Kind::Host;
    source.host = p.source_host;
  }
  core::Destination dest;
  dest.host = p.destination;
  core::NetworkPath path = core::path_for(*policy, source, dest);
  auto evals = core::evaluate_all(*policy, path, *p.packet);
  bool all = true, none = true;
  for (const auto& e : evals) {
    (e.outcome.admitted ? none : all) = false;
  }
  for (const auto& e : evals) {
    core::Result r;
    r.text = packet_text;
    r.kind = "explain";
    r.is_query = true;
    r.verdict = all || none ? core::Verdict::Holds : core::Verdict::Unknown;
    r.reason = e.outcome.admitted ? "admitted" : "not admitted";
    if (evals.size() > 1) r.reason += " under the assumptions below";
    r.network = core::describe(*policy, e.outcome, e.valuation);
    report.results.push_back(std::move(r));
  }
  return emit(report, o, s, &*policy);
}

// `rampart explain FILE --avc 'LINE'` (or `--avc @audit.log`): each AVC
// record explained on the host with a compiled SELinux policy: the missing
// allow rule, the booleans whose other state would grant it, the
// constraint that removed it, and whether DAC would deny the access anyway
// (when the record's PATH and SYSCALL ids name a file of the model).
int cmd_explain_avc(const std::string& file, const std::string& host_name, const std::string& avc,
                    const Options& o, Streams& s) {
  namespace sel = core::selinux;
  core::Report report;
  report.command = "explain";
  auto policy = load(file, report);
  if (!policy) return emit(report, o, s);
  std::optional<core::HostId> host;
  if (!host_name.empty()) {
    host = policy->find_host(host_name);
    if (!host) throw UsageError(fmt::format("no host is named `{}`", host_name));
  } else {
    std::vector<core::HostId> with;
    for (size_t h = 0; h < policy->hosts.size(); ++h) {
      if (sel::HostView::build(*policy, core::HostId(uint32_t(h)))) with.push_back(core::HostId(uint32_t(h)));
    }
    if (with.size() != 1)
      throw UsageError(with.empty() ? "--avc: no host of the policy has a compiled SELinux policy"
                                    : "--avc: several hosts have an SELinux policy; name one with --host");
    host = with[0];
  }
  auto view = sel::HostView::build(*policy, *host);
  if (!view)
    throw UsageError(
        fmt::format("--avc: host `{}` has no compiled SELinux policy", policy->host(*host).name));
  std::string text = avc, display = "<avc>";
  if (!avc.empty() && avc[0] == '@') {
    display = avc.substr(1);
    std::ifstream in(display, std::ios::binary);
    if (!in) throw UsageError(fmt::format("cannot read `{}`", display));
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  core::Diagnostics diags;
  auto events = importers::parse_audit_log(text, display, diags);
  auto d = diags.sorted();
  report.diagnostics.insert(report.diagnostics.end(), d.begin(), d.end());
  if (diags.has_errors()) return emit(report, o, s);
  if (events.empty()) throw UsageError(fmt::format("--avc: no AVC record in {}", display));
  const sel::CompiledPolicy& p = view->policy();
  core::FileTree tree(*policy, *host);
  for (const auto& e : events) {
    const sel::AvcRecord& a = e.avc;
    core::Result r;
    r.text = fmt::format("avc: {} {{ {} }} {} -> {} : {}", a.denied ? "denied" : "granted",
                         fmt::join(a.permissions, " "), a.scontext, a.tcontext, a.tclass);
    r.kind = "explain";
    r.is_query = true;
    r.origin = core::Origin::native_line(display, uint32_t(a.line), 1);
    r.verdict = core::Verdict::Holds;
    std::string err;
    auto sc = sel::parse_context(p, a.scontext, &err);
    auto tc = sc ? sel::parse_context(p, a.tcontext, &err) : std::nullopt;
    uint32_t cls = p.class_index(a.tclass);
    if (!sc || !tc || cls == sel::kNone) {
      r.verdict = core::Verdict::Unknown;
      r.reason = cls == sel::kNone ? fmt::format("the policy has no class `{}`", a.tclass)
                                   : fmt::format("not a context of this policy: {}", err);
      report.results.push_back(std::move(r));
      continue;
    }
    uint32_t requested = 0;
    std::vector<std::string> unknown_perms;
    for (const auto& name : a.permissions) {
      uint32_t b = p.classes[cls].bit(name);
      if (b)
        requested |= b;
      else
        unknown_perms.push_back(name);
    }
    std::vector<std::string> parts;
    sel::AvDecision av = view->compute_av(*sc, *tc, uint16_t(cls), requested);
    sel::Explanation ex = sel::explain(*view, *sc, *tc, uint16_t(cls), requested);
    std::string pair = fmt::format("{} {}:{} {}", p.types[sc->type].name, p.types[tc->type].name, a.tclass,
                                   p.permissions_text(uint16_t(cls), requested));
    if (av.granted()) {
      parts.push_back(
          fmt::format("the policy grants {} under this host's booleans (the record predates a change, "
                      "or the booleans differ)",
                      pair));
    } else {
      parts.push_back(fmt::format("SELinux denies {}", pair));
      for (const auto& m : ex.missing) parts.push_back(fmt::format("no rule `{}`", m));
      for (const auto& b : ex.booleans) parts.push_back(b);
      for (const auto& c : ex.constraints) parts.push_back(c);
      if (ex.booleans.empty() && ex.constraints.empty())
        parts.push_back("no boolean of the policy would grant it");
      // A created object labelled otherwise by a transition rule (at most
      // five, the rest counted).
      for (size_t i = 0; i < ex.transitions.size() && i < 5; ++i) parts.push_back(ex.transitions[i]);
      if (ex.transitions.size() > 5)
        parts.push_back(fmt::format("{} more type transitions would label it so", ex.transitions.size() - 5));
    }
    for (const auto& n : unknown_perms) parts.push_back(fmt::format("the class has no permission `{}`", n));
    for (const auto& n : ex.notes) parts.push_back(n);
    if (a.permissive)
      parts.push_back(*a.permissive ? "logged in permissive mode: it was allowed"
                                    : "enforced: the access failed");
    // DAC, when the record names a file of the model and the process's ids.
    std::string path = e.paths.empty() ? a.path : e.paths.back();
    if (!path.empty() && path[0] != '/' && !e.cwd.empty()) path = e.cwd + "/" + path;
    std::optional<core::Operation> op;
    auto has = [&](const char* n) {
      return std::find(a.permissions.begin(), a.permissions.end(), n) != a.permissions.end();
    };
    if (has("append"))
      op = core::Operation::Append;
    else if (has("write"))
      op = core::Operation::Write;
    else if (has("create") || has("add_name"))
      op = core::Operation::Create;
    else if (has("unlink") || has("remove_name"))
      op = core::Operation::Delete;
    else if (has("execute"))
      op = core::Operation::Execute;
    else if (has("read"))
      op = a.tclass == "dir" ? core::Operation::List : core::Operation::Read;
    else if (has("search"))
      op = core::Operation::Search;
    if (!e.has_ids || path.empty() || path[0] != '/') {
      parts.push_back("DAC not judged: the record has no PATH and SYSCALL ids");
    } else if (!op || (!tree.find(path) && *op != core::Operation::Create)) {
      parts.push_back(fmt::format("DAC not judged: {} is not in the model", path));
    } else {
      core::Credentials c;
      c.name = a.comm.empty() ? "the process" : a.comm;
      c.kind = "process";
      c.uid = e.fsuid;
      c.gid = e.gid;
      c.capabilities = e.fsuid == 0 ? core::kAllCapabilities : 0;
      core::AccessDecision dac = core::decide_access(tree, c, *op, path);
      parts.push_back(dac.granted ? fmt::format("DAC grants {} {} (uid {}): SELinux alone denies",
                                                core::operation_name(*op), path, e.fsuid)
                                  : fmt::format("DAC would deny it anyway: {} ({})", dac.decisive.detail,
                                                core::errno_name(dac.error)));
    }
    r.reason = fmt::format("{}", fmt::join(parts, "; "));
    report.results.push_back(std::move(r));
  }
  return emit(report, o, s);
}

void add_output_options(CLI::App* cmd, Options& o) {
  cmd->add_option("--format", o.format, "output format")
      ->check(CLI::IsMember({"text", "json", "markdown", "sarif", "junit", "html", "dot"}))
      ->capture_default_str();
  cmd->add_option("--color", o.color, "colour: auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  cmd->add_option("-o,--output", o.output, "write the report to FILE instead of standard output");
  cmd->add_flag("-v,--verbose", o.verbose, "show every witness, even for claims that hold");
}

void add_solver_options(CLI::App* cmd, Options& o) {
  cmd->add_option("--timeout", o.timeout_seconds,
                  "seconds per solver call (0: no limit); exhausted = unknown (exit 3)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--rlimit", o.rlimit,
                  "Z3 resource limit per solver call (deterministic); exhausted = unknown");
}

}  // namespace

int run(const std::vector<std::string>& args, Streams streams) {
  CLI::App app{"rampart: proves or refutes who can reach what and who can touch what"};
  app.name("rampart");
  app.require_subcommand(1);
  app.set_version_flag("--version",
                       std::string("rampart ") + RAMPART_VERSION + " (" + solver::backend_version() + ")");
  app.footer(R"(Examples:
  rampart check examples/ssh-sg/policy.rampart
  rampart query examples/ssh-sg/policy.rampart 'reach 192.168.1.50 -> web1 tcp/22'
  rampart explain examples/ssh-sg/policy.rampart 'tcp 203.0.113.7:40000 -> web1:22'

Exit codes: 0 every claim holds, 1 a claim is violated, 2 bad input or usage,
3 an answer is unknown, 4 internal error. See docs/cli.md.)");

  Options opts;
  std::string file, question, packet;

  auto* check = app.add_subcommand("check", "run every `assert` and `query` of a policy");
  check->add_option("FILE", file, "policy file")->required();
  add_output_options(check, opts);
  add_solver_options(check, opts);
  check->footer(R"(Examples:
  rampart check policy.rampart
  rampart check --format json policy.rampart > report.json)");

  auto* query = app.add_subcommand("query", "answer one question about a policy");
  query->add_option("FILE", file, "policy file")->required();
  query->add_option("QUESTION", question, "a question in the policy language")->required();
  add_output_options(query, opts);
  add_solver_options(query, opts);
  query->footer(R"(Examples:
  rampart query policy.rampart 'reach 192.168.1.50 -> web1 tcp/22'
  rampart query policy.rampart 'not reach 203.0.113.7 -> web1 tcp/22')");

  auto* explain =
      app.add_subcommand("explain", "trace one packet (or a question's witness) through every layer");
  explain->add_option("FILE", file, "policy file")->required();
  std::string avc, avc_host;
  explain->add_option("PACKET", packet, "a packet, PROTO SRC[:PORT] -> DST[:PORT], or a question");
  explain->add_option("--avc", avc, "an AVC record from audit.log, or @FILE of audit lines, to explain");
  explain->add_option("--host", avc_host, "with --avc: the host whose SELinux policy decides");
  add_output_options(explain, opts);
  add_solver_options(explain, opts);
  explain->footer(R"(Examples:
  rampart explain policy.rampart 'tcp 192.168.1.50:40000 -> web1:22'
  rampart explain policy.rampart 'udp [2001:db8::1]:5353 -> [2001:db8::10]:53'
  rampart explain policy.rampart 'icmp 10.0.0.1 -> web1 type 8 code 0'
  rampart explain policy.rampart 'reach internet -> web1 tcp/22'
  rampart explain policy.rampart --avc 'type=AVC msg=audit(...): avc:  denied  { write } for ...'
  rampart explain policy.rampart --avc @/var/log/audit/audit.log)");

  std::string host_name;
  auto* conflicts =
      app.add_subcommand("conflicts", "report file-access conflicts between services, with verified fixes");
  conflicts->add_option("FILE", file, "policy file")->required();
  conflicts->add_option("--host", host_name, "only this host");
  add_output_options(conflicts, opts);
  add_solver_options(conflicts, opts);
  conflicts->footer(R"(Every declared access of every service is checked, and every file one
service creates is checked against the services that use it (ownership
drift). Each fix is applied to the model and checked again, and rejected if
it grants anything to a subject that did not need it. Exit 1 when a conflict
exists, 0 when none.

Examples:
  rampart conflicts examples/baota/policy.rampart
  rampart conflicts --format markdown examples/baota/policy.rampart > report.md)");

  std::vector<std::string> diff_sides, fail_on;
  std::string base;
  auto* diffcmd =
      app.add_subcommand("diff", "what a change newly admits, blocks, grants or revokes, exactly");
  diffcmd->add_option("POLICIES", diff_sides, "OLD NEW (files or folders), or one with --base")->required();
  diffcmd->add_option("--base", base, "compare with the same files at this git revision");
  diffcmd->add_option("--fail-on", fail_on, "exit 1 on: new-exposure, broken-assert, any-change (comma list)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  add_output_options(diffcmd, opts);
  add_solver_options(diffcmd, opts);
  diffcmd->footer(R"(Newly admitted and blocked traffic is computed per host as exact sets of
sources x services, certified by the solver, with one witness packet traced
under both policies. File accesses are compared for every user and service
present on both sides; assertions are matched by their text.

Examples:
  rampart diff old/policy.rampart new/policy.rampart
  rampart diff --base origin/main --fail-on new-exposure,broken-assert policy.rampart
  rampart diff --base HEAD~1 --format sarif --output diff.sarif policy.rampart)");

  importers::CollectOptions collect_opts;
  auto* collect = app.add_subcommand("collect",
                                     "gather this host's users, file modes, ACLs, listeners and service "
                                     "configurations into a folder for `import linux.host`");
  collect->add_option("--out", collect_opts.out, "the folder to write (created)")->required();
  collect
      ->add_option("--root", collect_opts.roots, "snapshot the file tree from here (repeatable; default /)")
      ->capture_default_str();
  collect->footer(R"(Copies files and runs local commands only (find, getfacl); never opens a
socket. manifest.json in the folder says what was collected, when, by which
command, and what failed. Exit 0 when the folder was written.

Examples:
  rampart collect --out /tmp/web1
  rampart collect --out /tmp/web1 --root /var/log --root /www   (docs/importers/linux-host.md))");

  auto* lintcmd = app.add_subcommand("lint", "find shadowed, redundant and overlapping rules, and exposures");
  lintcmd->add_option("FILE", file, "policy file")->required();
  add_output_options(lintcmd, opts);
  add_solver_options(lintcmd, opts);
  lintcmd->add_flag("--no-proof", opts.no_proof,
                    "skip the solver's proof of shadowed and redundant verdicts: much faster on long lists "
                    "(docs/performance.md); the verdicts are then not marked (proved)");
  lintcmd->footer(R"(Every rule set of the policy, written in the language or imported: rules no
packet reaches (shadowed, judged against the union of the earlier rules),
rules whose removal changes no decision (redundant), overlapping rules with
different actions (correlated) or a general rule after its exception,
allow rules overridden by blocks; administrative ports admitted from any or
an untrusted zone; rules for ports nothing listens on; listeners no rule
admits. Shadowed and redundant verdicts are proved by the solver (unless
--no-proof). Findings of error severity (exposures) give exit 1.

Examples:
  rampart lint policy.rampart
  rampart lint --format sarif --output lint.sarif policy.rampart)");

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    streams.out << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp& e) {
    streams.out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::CallForVersion& e) {
    streams.out << e.what() << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      // --help on a subcommand
      for (auto* sub : {check, query, explain, conflicts, diffcmd, lintcmd, collect}) {
        if (sub->parsed()) {
          streams.out << sub->help();
          return 0;
        }
      }
      streams.out << app.help();
      return 0;
    }
    streams.err << "rampart: " << e.what() << "\n"
                << "run `rampart --help` for usage\n";
    return core::exit_code::kBadInput;
  }

  try {
    if (check->parsed()) return cmd_check(file, opts, streams);
    if (query->parsed()) return cmd_query(file, question, opts, streams);
    if (explain->parsed()) {
      if (!avc.empty()) {
        if (!packet.empty()) throw UsageError("explain takes a packet or --avc, not both");
        return cmd_explain_avc(file, avc_host, avc, opts, streams);
      }
      if (packet.empty()) throw UsageError("explain needs a packet, a question or --avc");
      return cmd_explain(file, packet, opts, streams);
    }
    if (conflicts->parsed()) return cmd_conflicts(file, host_name, opts, streams);
    if (diffcmd->parsed()) return cmd_diff(diff_sides, base, fail_on, opts, streams);
    if (lintcmd->parsed()) return cmd_lint(file, opts, streams);
    if (collect->parsed()) {
      int failed = importers::collect_host(collect_opts, streams.err);
      if (!std::filesystem::exists(collect_opts.out + "/manifest.json")) return core::exit_code::kBadInput;
      if (failed)
        streams.err << fmt::format("{} item(s) could not be collected: see {}/manifest.json\n", failed,
                                   collect_opts.out);
      return core::exit_code::kOk;
    }
  } catch (const UsageError& e) {
    streams.err << "rampart: " << e.what() << "\n";
    return core::exit_code::kBadInput;
  } catch (const core::InternalError& e) {
    streams.err << "rampart: internal error: " << e.what()
                << "\n  this is a bug in rampart, not in your input; please report it with the files that "
                   "caused it\n";
    return core::exit_code::kInternal;
  } catch (const std::bad_alloc&) {
    streams.err << "rampart: out of memory\n";
    return core::exit_code::kInternal;
  } catch (const std::exception& e) {
    streams.err << "rampart: internal error: " << e.what() << "\n";
    return core::exit_code::kInternal;
  }
  return core::exit_code::kBadInput;
}

}  // namespace rampart::cli
