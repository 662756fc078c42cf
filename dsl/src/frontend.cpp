#include "rampart/dsl/frontend.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <vector>

#include "binder.h"
#include "codes.h"
#include "parser.h"

namespace rampart::dsl {
namespace fs = std::filesystem;

namespace {

std::optional<std::string> read_file(const std::string& path, const core::Origin& where,
                                     core::Diagnostics& diags) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    diags.error(codes::kCannotRead, where, fmt::format("`{}` is a directory, not a policy file", path));
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.error(codes::kCannotRead, where, fmt::format("cannot read `{}`: {}", path,
                                                       fs::exists(path, ec) ? "permission denied" : "no such file"));
    return std::nullopt;
  }
  // Read a little past the size limit and no further, so an endless file
  // (`include "/dev/zero"`) is refused as too large (RP0003) instead of
  // filling memory.
  std::string text;
  std::vector<char> buffer(1 << 16);
  while (in && text.size() <= kMaxSourceBytes) {
    in.read(buffer.data(), std::streamsize(buffer.size()));
    text.append(buffer.data(), size_t(in.gcount()));
  }
  if (in.bad()) {
    diags.error(codes::kCannotRead, where, fmt::format("cannot read `{}`", path));
    return std::nullopt;
  }
  return text;
}

std::string canonical_key(const std::string& path) {
  std::error_code ec;
  auto c = fs::weakly_canonical(path, ec);
  return ec ? fs::path(path).lexically_normal().string() : c.string();
}

// Include chains are followed recursively; this bounds the recursion.
constexpr size_t kMaxIncludeDepth = 64;

// Parses the root and everything it includes, depth first, in order.
class Loader {
 public:
  explicit Loader(core::Diagnostics& diags) : diags_(diags) {}

  void load(const std::string& display, std::string text, std::vector<std::string>& stack) {
    auto file = parse_source(text, display, diags_);
    if (!file) return;
    files_.push_back(std::make_unique<ast::SourceFile>(std::move(*file)));
    const ast::SourceFile* f = files_.back().get();
    order_.emplace_back(display, f);
    for (const auto& st : f->statements) {
      if (st.kind != ast::Statement::Kind::Include) continue;
      const auto& inc = *st.include;
      std::string path = (fs::path(display).parent_path() / inc.path).lexically_normal().string();
      std::string key = canonical_key(path);
      if (std::find(stack.begin(), stack.end(), key) != stack.end()) {
        diags_.error(codes::kIncludeCycle, inc.origin, fmt::format("`{}` includes itself (through `{}`)", inc.path, display));
        continue;
      }
      if (!loaded_.insert(key).second) continue;  // already included elsewhere: once is enough
      if (stack.size() >= kMaxIncludeDepth) {
        diags_.error(codes::kNestingTooDeep, inc.origin,
                     fmt::format("includes nest deeper than {} files", kMaxIncludeDepth));
        continue;
      }
      auto content = read_file(path, inc.origin, diags_);
      if (!content) continue;
      stack.push_back(key);
      load(path, std::move(*content), stack);
      stack.pop_back();
    }
  }

  void mark_loaded(const std::string& key) { loaded_.insert(key); }
  std::vector<std::pair<std::string, const ast::SourceFile*>> order() const { return order_; }

 private:
  core::Diagnostics& diags_;
  std::vector<std::unique_ptr<ast::SourceFile>> files_;
  std::vector<std::pair<std::string, const ast::SourceFile*>> order_;
  std::set<std::string> loaded_;
};

PolicyLoad load(const std::string& display, std::string text, const std::string& key,
                const core::ImportResolver& resolver) {
  PolicyLoad out;
  Loader loader(out.diagnostics);
  std::vector<std::string> stack{key};
  loader.mark_loaded(key);
  try {
    loader.load(display, std::move(text), stack);
    if (out.diagnostics.has_errors()) return out;
    Binder binder(&resolver, out.diagnostics);
    out.policy = binder.bind(loader.order());
  } catch (const core::InternalError&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw;
  }
  if (out.diagnostics.has_errors()) out.policy.reset();
  return out;
}

}  // namespace

PolicyLoad load_policy_file(const std::string& path, const core::ImportResolver& resolver) {
  PolicyLoad out;
  auto text = read_file(path, core::Origin::policy(path, 0, 0), out.diagnostics);
  if (!text) return out;
  return load(path, std::move(*text), canonical_key(path), resolver);
}

PolicyLoad load_policy_text(std::string_view text, const std::string& display_name, const std::string& base_dir,
                            const core::ImportResolver& resolver) {
  std::string display = base_dir.empty() ? display_name : (fs::path(base_dir) / display_name).string();
  return load(display, std::string(text), canonical_key(display), resolver);
}

QuestionParse parse_question(std::string_view text, const core::Policy& policy) {
  QuestionParse out;
  auto q = parse_question_syntax(text, "<question>", out.diagnostics);
  if (!q) return out;
  Binder binder(nullptr, out.diagnostics);
  // `rampart query` takes claims too (docs/cli.md): `reach` is asked as a
  // query (the exact admitted set); `not reach`, `only`, `all` as claims.
  bool is_query = q->kind == ast::Question::Kind::Reach || q->kind == ast::Question::Kind::WhoCan;
  out.question = binder.bind_question(policy, *q, is_query);
  if (out.diagnostics.has_errors()) out.question.reset();
  return out;
}

PacketParse parse_packet(std::string_view text, const core::Policy& policy) {
  PacketParse out;
  auto p = parse_packet_syntax(text, "<packet>", out.diagnostics);
  if (!p) return out;
  Binder binder(nullptr, out.diagnostics);
  if (auto b = binder.bind_packet(policy, *p)) {
    out.packet = b->packet;
    out.destination = b->destination;
    out.source_host = b->source_host;
  }
  return out;
}

}  // namespace rampart::dsl
