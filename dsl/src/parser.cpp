// The AST builder: the only file that sees ANTLR. It calls the generated
// contexts' typed accessors directly and copies what it needs into ast::.

#include "parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "RampartLexer.h"
#include "RampartParser.h"
#include "antlr4-runtime.h"
#include "codes.h"

namespace rampart::dsl {
namespace {

using rampart_grammar::RampartLexer;
using rampart_grammar::RampartParser;
using P = RampartParser;

// ANTLR counts columns from 0; people and SARIF count from 1. Converted here only.
core::Origin origin_at(const std::string& file, size_t line, size_t char_position) {
  return core::Origin::policy(file, uint32_t(line), uint32_t(char_position + 1));
}

// How people read a token kind in a message: keywords and punctuation in
// backticks, the others by what they are.
std::string token_kind_name(const antlr4::dfa::Vocabulary& vocabulary, size_t type) {
  switch (type) {
    case antlr4::Token::EOF: return "end of file";
    case RampartLexer::IDENT: return "a name";
    case RampartLexer::IPV4: return "an IPv4 address";
    case RampartLexer::IPV6: return "an IPv6 address";
    case RampartLexer::INT: return "a number";
    case RampartLexer::STRING: return "a string";
    default: break;
  }
  std::string literal = vocabulary.getLiteralName(type);
  if (literal.size() >= 2) return "`" + literal.substr(1, literal.size() - 2) + "`";
  return vocabulary.getDisplayName(type);
}

// A token as written, in backticks: short, and without control characters.
std::string token_text(antlr4::Token* t) {
  if (!t || t->getType() == antlr4::Token::EOF) return "end of file";
  std::string raw = t->getText();
  std::string out;
  for (unsigned char c : raw) {
    if (out.size() >= 40) {
      out += "...";
      break;
    }
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", unsigned(c));
    } else {
      out += char(c);
    }
  }
  return "`" + out + "`";
}

// Keywords that the grammar also accepts as names (rule `ident`).
bool soft_keyword(size_t type) {
  switch (type) {
    case RampartLexer::HOST:
    case RampartLexer::NETWORK:
    case RampartLexer::FILE:
    case RampartLexer::LABEL:
    case RampartLexer::DOMAIN:
    case RampartLexer::PROGRAM:
    case RampartLexer::KIND:
    case RampartLexer::MODE:
    case RampartLexer::STATE:
    case RampartLexer::TYPE:
    case RampartLexer::CODE:
    case RampartLexer::IS: return true;
    default: return false;
  }
}

class ErrorCollector : public antlr4::BaseErrorListener {
 public:
  ErrorCollector(const std::string& file, core::Diagnostics& diags) : file_(file), diags_(diags) {}

  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offending, size_t line,
                   size_t char_position, const std::string& message, std::exception_ptr) override {
    ++count_;
    auto* parser = dynamic_cast<antlr4::Parser*>(recognizer);
    if (!parser) {
      // The lexer: BAD_CHAR takes any character, so this is not expected.
      diags_.error(codes::kBadCharacter, origin_at(file_, line, char_position), "unexpected character");
      return;
    }
    if (offending && offending->getType() == RampartLexer::BAD_CHAR) {
      if (offending->getText() == "\"") {
        diags_.error(codes::kBadString, origin_at(file_, line, char_position),
                     "unterminated string: a string ends with `\"` on the same line");
      } else {
        diags_.error(codes::kBadCharacter, origin_at(file_, line, char_position),
                     fmt::format("unexpected character {}", token_text(offending)));
      }
      return;
    }
    std::string expected = expected_tokens(parser);
    if (message.rfind("missing ", 0) == 0) {
      // Reported at the offending token, which is often on the next line;
      // the missing token belongs right after the previous one.
      antlr4::Token* previous = previous_token(parser, offending);
      if (previous) {
        std::string prev = previous->getText();
        size_t end = previous->getCharPositionInLine() + utf8_length(prev);
        size_t prev_line = previous->getLine();
        if (prev.find('\n') != std::string::npos) {  // a string can span lines
          prev_line += size_t(std::count(prev.begin(), prev.end(), '\n'));
          end = utf8_length(prev.substr(prev.rfind('\n') + 1));
        }
        diags_.error(codes::kSyntax, origin_at(file_, prev_line, end),
                     fmt::format("missing {} after {}", expected, token_text(previous)));
        return;
      }
      diags_.error(codes::kSyntax, origin_at(file_, line, char_position),
                   fmt::format("missing {} before {}", expected, token_text(offending)));
      return;
    }
    std::string text = fmt::format("unexpected {}", token_text(offending));
    if (message.rfind("no viable alternative", 0) != 0 && !expected.empty()) text += "; expected " + expected;
    if (offending && expected.find("a name") != std::string::npos &&
        is_keyword(parser, offending->getType())) {
      text += fmt::format(" ({} is a keyword and cannot be a name)", token_text(offending));
    }
    diags_.error(codes::kSyntax, origin_at(file_, line, char_position), text);
  }

  size_t count() const { return count_; }

 private:
  static size_t utf8_length(const std::string& s) {
    return size_t(std::count_if(s.begin(), s.end(),
                                [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
  }

  static bool is_keyword(antlr4::Parser* parser, size_t type) {
    if (type == antlr4::Token::EOF) return false;
    std::string literal = parser->getVocabulary().getLiteralName(type);
    return literal.size() > 2 && std::isalpha(static_cast<unsigned char>(literal[1]));
  }

  static antlr4::Token* previous_token(antlr4::Parser* parser, antlr4::Token* offending) {
    if (!offending) return nullptr;
    auto* stream = dynamic_cast<antlr4::BufferedTokenStream*>(parser->getTokenStream());
    size_t index = offending->getTokenIndex();
    if (!stream || index == 0 || index == INVALID_INDEX || index > stream->size()) return nullptr;
    return stream->get(index - 1);
  }

  // What the parser expected, for people: `a`, `b` or a name.
  static std::string expected_tokens(antlr4::Parser* parser) {
    std::vector<ssize_t> types;
    try {
      types = parser->getExpectedTokens().toList();
    } catch (const std::exception&) {
      return {};
    }
    bool name = std::find(types.begin(), types.end(), ssize_t(RampartLexer::IDENT)) != types.end();
    std::vector<std::string> names;
    for (ssize_t t : types) {
      if (name && soft_keyword(size_t(t))) continue;  // "a name" covers them
      names.push_back(token_kind_name(parser->getVocabulary(), size_t(t)));
    }
    if (names.empty()) return {};
    constexpr size_t kShown = 8;
    std::string out;
    size_t shown = std::min(names.size(), kShown);
    for (size_t i = 0; i < shown; ++i) {
      if (i > 0) out += (i + 1 == shown && names.size() <= kShown) ? " or " : ", ";
      out += names[i];
    }
    if (names.size() > kShown) out += fmt::format(" or {} more", names.size() - kShown);
    return out;
  }

  std::string file_;
  core::Diagnostics& diags_;
  size_t count_ = 0;
};

class Builder {
 public:
  Builder(const std::string& file, antlr4::CharStream& input, core::Diagnostics& diags)
      : file_(file), input_(input), diags_(diags) {}

  core::Origin origin(antlr4::Token* t) const {
    if (!t) return core::Origin::policy(file_, 0, 0);
    return origin_at(file_, t->getLine(), t->getCharPositionInLine());
  }
  core::Origin origin(antlr4::tree::TerminalNode* n) const { return origin(n ? n->getSymbol() : nullptr); }
  core::Origin origin(antlr4::ParserRuleContext* ctx) const {
    if (!ctx) return core::Origin::policy(file_, 0, 0);
    core::Origin o = origin(ctx->getStart());
    if (auto* stop = ctx->getStop()) {
      o.end_line = uint32_t(stop->getLine());
      o.end_column = uint32_t(stop->getCharPositionInLine() + stop->getText().size());
    }
    return o;
  }

  std::string text(antlr4::ParserRuleContext* ctx) const {
    if (!ctx || !ctx->getStart() || !ctx->getStop()) return {};
    size_t a = ctx->getStart()->getStartIndex();
    size_t b = ctx->getStop()->getStopIndex();
    if (b < a || b == INVALID_INDEX) return {};
    return input_.getText(antlr4::misc::Interval(a, b));
  }

  std::string unquote(antlr4::Token* t) {
    std::string raw = t ? t->getText() : "\"\"";
    std::string out;
    for (size_t i = 1; i + 1 < raw.size(); ++i) {
      char c = raw[i];
      if (c == '\\' && i + 2 < raw.size()) {
        char n = raw[++i];
        switch (n) {
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          case '\\': out += '\\'; break;
          case '"': out += '"'; break;
          default:
            diags_.error(codes::kBadString, origin(t), fmt::format("unknown escape `\\{}` in a string", n));
            out += n;
        }
      } else {
        out += c;
      }
    }
    return out;
  }
  std::string unquote(antlr4::tree::TerminalNode* n) { return unquote(n ? n->getSymbol() : nullptr); }

  static void require(const void* p) {
    if (!p) core::internal_error("incomplete parse tree after a successful parse");
  }

  ast::Ident ident(P::IdentContext* c) {
    require(c);
    return ast::Ident{c->getText(), origin(c)};
  }
  ast::Number number(antlr4::tree::TerminalNode* n) {
    require(n);
    return ast::Number{n->getText(), origin(n)};
  }

  ast::ObjectRef object_ref(P::ObjectRefContext* c) {
    require(c);
    ast::ObjectRef r;
    r.name = ident(c->ident());
    if (c->STRING()) r.native_id = unquote(c->STRING());
    r.text = text(c);
    r.origin = origin(c);
    return r;
  }

  ast::AddrAtom addr_atom(P::AddrAtomContext* c, size_t depth) {
    require(c);
    ast::AddrAtom a;
    a.origin = origin(c);
    if (c->ANY()) {
      a.kind = ast::AddrAtom::Kind::Any;
    } else if (c->ANY4()) {
      a.kind = ast::AddrAtom::Kind::Any4;
    } else if (c->ANY6()) {
      a.kind = ast::AddrAtom::Kind::Any6;
    } else if (!c->IPV4().empty() || !c->IPV6().empty()) {
      auto tokens = c->IPV4().empty() ? c->IPV6() : c->IPV4();
      a.text = tokens.at(0)->getText();
      if (c->DASH()) {
        a.kind = ast::AddrAtom::Kind::Range;
        a.high = tokens.at(1)->getText();
      } else {
        a.kind = ast::AddrAtom::Kind::Literal;
      }
    } else if (c->objectRef()) {
      a.kind = ast::AddrAtom::Kind::Ref;
      a.ref = object_ref(c->objectRef());
    } else {
      a.kind = ast::AddrAtom::Kind::Group;
      if (depth >= kMaxNesting) {
        diags_.error(codes::kNestingTooDeep, a.origin,
                     fmt::format("address expressions nest deeper than {} levels", kMaxNesting));
        a.kind = ast::AddrAtom::Kind::Any;
        return a;
      }
      a.group = std::make_unique<ast::AddrExpr>(addr_expr(c->addrExpr(), depth + 1));
    }
    return a;
  }

  ast::AddrExpr addr_expr(P::AddrExprContext* c, size_t depth = 0) {
    require(c);
    ast::AddrExpr e;
    e.text = text(c);
    e.origin = origin(c);
    for (auto* t : c->addrTerm()) {
      ast::AddrTerm term;
      auto atoms = t->addrAtom();
      term.base = addr_atom(atoms.at(0), depth);
      for (size_t i = 1; i < atoms.size(); ++i) term.excepts.push_back(addr_atom(atoms[i], depth));
      e.terms.push_back(std::move(term));
    }
    return e;
  }

  std::vector<ast::PortRange> port_list(P::PortListContext* c) {
    require(c);
    std::vector<ast::PortRange> out;
    for (auto* r : c->portRange()) {
      ast::PortRange pr;
      auto ints = r->INT();
      pr.low = number(ints.at(0));
      if (ints.size() > 1) pr.high = number(ints.at(1));
      pr.origin = origin(r);
      out.push_back(std::move(pr));
    }
    return out;
  }

  ast::ServiceAtom service_atom(P::ServiceAtomContext* c) {
    require(c);
    ast::ServiceAtom s;
    s.text = text(c);
    s.origin = origin(c);
    if (c->protoName()) {
      s.kind = ast::ServiceAtom::Kind::Protocol;
      s.protocol = c->protoName()->getText();
      if (auto* pt = c->portOrType()) {
        if (pt->portList()) {
          s.ports = port_list(pt->portList());
        } else {
          auto ints = pt->INT();
          s.icmp_type = number(ints.at(0));
          s.icmp_code = number(ints.at(1));
        }
      }
    } else if (c->PROTO()) {
      s.kind = ast::ServiceAtom::Kind::ProtocolNumber;
      s.number = number(c->INT());
    } else if (c->ANY()) {
      s.kind = ast::ServiceAtom::Kind::Any;
    } else {
      s.kind = ast::ServiceAtom::Kind::Name;
      s.name = ident(c->ident());
    }
    return s;
  }

  ast::ServiceList service_list(P::ServiceListContext* c) {
    require(c);
    ast::ServiceList l;
    l.text = text(c);
    l.origin = origin(c);
    for (auto* a : c->serviceAtom()) l.atoms.push_back(service_atom(a));
    return l;
  }

  ast::Endpoint endpoint(P::EndpointSpecContext* c) {
    require(c);
    ast::Endpoint e;
    e.addresses = addr_expr(c->addrExpr());
    if (c->portList()) {
      e.ports = port_list(c->portList());
      e.has_ports = true;
    }
    e.origin = origin(c);
    return e;
  }

  std::unique_ptr<ast::Import> import(P::ImportStmtContext* c) {
    require(c);
    auto i = std::make_unique<ast::Import>();
    i->format = text(c->format);
    i->format_origin = origin(c->format);
    i->path = unquote(c->path);
    i->path_origin = origin(c->path);
    if (c->name) i->name = ident(c->name);
    i->origin = origin(c);
    return i;
  }

  ast::OwnerSpec owner_spec(P::OwnerSpecContext* c) {
    require(c);
    ast::OwnerSpec o;
    o.user = ident(c->user);
    if (c->group) o.group = ident(c->group);
    o.origin = origin(c);
    return o;
  }

  std::unique_ptr<ast::User> user(P::UserDeclContext* c) {
    require(c);
    auto u = std::make_unique<ast::User>();
    u->name = ident(c->name);
    for (auto* o : c->userOption()) {
      if (o->UID()) {
        u->uid = number(o->INT());
      } else if (o->GROUP()) {
        u->primary_group = ident(o->primary);
      } else {
        for (auto* g : o->ident()) u->groups.push_back(ident(g));
      }
    }
    if (c->host) u->host = ident(c->host);
    u->origin = origin(c);
    return u;
  }

  std::unique_ptr<ast::Group> group(P::GroupDeclContext* c) {
    require(c);
    auto g = std::make_unique<ast::Group>();
    g->name = ident(c->name);
    if (c->INT()) g->gid = number(c->INT());
    auto idents = c->ident();
    for (auto* i : idents) {
      if (i == c->name || i == c->host) continue;
      g->members.push_back(ident(i));
    }
    if (c->host) g->host = ident(c->host);
    g->origin = origin(c);
    return g;
  }

  std::vector<std::pair<std::string, core::Origin>> strings(std::vector<antlr4::tree::TerminalNode*> nodes) {
    std::vector<std::pair<std::string, core::Origin>> out;
    for (auto* n : nodes) out.emplace_back(unquote(n), origin(n));
    return out;
  }

  std::unique_ptr<ast::FileDecl> file_decl(P::FileDeclContext* c) {
    require(c);
    auto f = std::make_unique<ast::FileDecl>();
    f->kind = c->fileKind()->getText();
    f->path = unquote(c->path);
    f->path_origin = origin(c->path);
    for (auto* o : c->fileOption()) {
      if (o->OWNER()) {
        f->owner = owner_spec(o->ownerSpec());
      } else if (o->MODE()) {
        f->mode = number(o->INT());
      } else if (o->ACL()) {
        f->acl = strings(o->STRING());
      } else if (o->DEFAULT_ACL()) {
        f->default_acl = strings(o->STRING());
      } else if (o->IMMUTABLE()) {
        f->immutable = true;
      } else if (o->APPEND_ONLY()) {
        f->append_only = true;
      } else if (o->LABEL()) {
        f->label = unquote(o->STRING().at(0));
      }
    }
    if (c->host) f->host = ident(c->host);
    f->origin = origin(c);
    return f;
  }

  std::unique_ptr<ast::Mount> mount(P::MountDeclContext* c) {
    require(c);
    auto m = std::make_unique<ast::Mount>();
    m->path = unquote(c->path);
    m->path_origin = origin(c->path);
    m->read_only = c->READ_ONLY() != nullptr;
    if (c->host) m->host = ident(c->host);
    m->origin = origin(c);
    return m;
  }

  std::unique_ptr<ast::Service> service(P::ServiceDeclContext* c) {
    require(c);
    auto s = std::make_unique<ast::Service>();
    s->name = ident(c->name);
    if (c->host) s->host = ident(c->host);
    s->run_as = owner_spec(c->ownerSpec());
    for (auto* o : c->serviceOption()) {
      if (o->GROUPS()) {
        for (auto* g : o->ident()) s->groups.push_back(ident(g));
      } else if (o->UMASK()) {
        s->umask = number(o->INT());
      } else if (o->CAPABILITIES()) {
        s->capabilities_declared = true;
        if (o->NONE()) s->no_capabilities = true;
        for (auto* cap : o->ident()) s->capabilities.push_back(ident(cap));
      } else if (o->DOMAIN()) {
        s->domain = ident(o->ident().at(0));
      } else if (o->PROGRAM()) {
        s->program = unquote(o->STRING());
      }
    }
    for (auto* a : c->accessDecl()) {
      ast::Access access;
      access.verb = a->accessVerb()->getText();
      access.paths = strings(a->STRING());
      access.origin = origin(a);
      s->accesses.push_back(std::move(access));
    }
    s->origin = origin(c);
    return s;
  }

  std::unique_ptr<ast::Zone> zone(P::ZoneDeclContext* c) {
    auto z = std::make_unique<ast::Zone>();
    z->name = ident(c->name);
    for (auto* a : c->zoneAttr()) {
      if (a->UNTRUSTED()) z->untrusted = true;
      if (a->TRUSTED()) z->trusted = true;
      if (a->CLIENT_PORTS()) {
        z->client_ports = port_list(a->portList());
        z->has_client_ports = true;
      }
    }
    z->addresses = addr_expr(c->addrExpr());
    z->origin = origin(c);
    return z;
  }

  ast::Rule rule(P::RuleStmtContext* c) {
    ast::Rule r;
    if (c->label) r.label = ident(c->label);
    if (c->PRIORITY()) r.priority = number(c->INT());
    r.action = c->ruleAction()->getText();
    r.action_origin = origin(c->ruleAction());
    auto* body = c->ruleBody();
    require(body);
    if (body->serviceList()) r.services = service_list(body->serviceList());
    if (body->src) r.from = endpoint(body->src);
    if (body->dst) r.to = endpoint(body->dst);
    if (body->dstPorts) {
      r.dst_ports = port_list(body->dstPorts);
      r.has_dst_ports = true;
    }
    for (auto* o : body->ruleOption()) {
      ast::RuleOption opt;
      opt.origin = origin(o);
      if (o->STATE()) {
        opt.kind = ast::RuleOption::Kind::State;
        for (auto* s : o->stateName()) opt.states.push_back(s->getText());
      } else if (o->IN()) {
        opt.kind = ast::RuleOption::Kind::InInterface;
        opt.text = unquote(o->ifaceName);
      } else if (o->OUT()) {
        opt.kind = ast::RuleOption::Kind::OutInterface;
        opt.text = unquote(o->ifaceName);
      } else {
        opt.kind = ast::RuleOption::Kind::Unknown;
        opt.text = unquote(o->reason);
      }
      r.options.push_back(std::move(opt));
    }
    r.text = text(c);
    r.origin = origin(c);
    return r;
  }

  std::unique_ptr<ast::Firewall> firewall(P::FirewallDeclContext* c) {
    auto f = std::make_unique<ast::Firewall>();
    f->name = ident(c->name);
    for (auto* o : c->firewallOption()) {
      ast::FirewallOption opt;
      opt.origin = origin(o);
      if (o->DEFAULT()) {
        opt.keyword = "default";
        opt.value = o->ruleAction()->getText();
      } else if (o->SCOPE()) {
        opt.keyword = "scope";
        opt.value = o->HOST() ? "host" : "network";
      } else {
        opt.keyword = o->getText();
      }
      f->options.push_back(std::move(opt));
    }
    for (auto* r : c->ruleStmt()) f->rules.push_back(rule(r));
    f->origin = origin(c);
    return f;
  }

  std::vector<ast::InterfaceAddress> if_addrs(std::vector<P::IfAddrContext*> addrs) {
    std::vector<ast::InterfaceAddress> out;
    for (auto* a : addrs) out.push_back(ast::InterfaceAddress{a->getText(), origin(a)});
    return out;
  }

  std::vector<std::vector<ast::ObjectRef>> layers(P::LayerListContext* c) {
    require(c);
    std::vector<std::vector<ast::ObjectRef>> out;
    for (auto* l : c->layer()) {
      std::vector<ast::ObjectRef> members;
      for (auto* m : l->objectRef()) members.push_back(object_ref(m));
      out.push_back(std::move(members));
    }
    return out;
  }

  std::unique_ptr<ast::Host> host(P::HostDeclContext* c) {
    auto h = std::make_unique<ast::Host>();
    h->name = ident(c->name);
    if (c->bound) h->bound = object_ref(c->bound);
    for (auto* item : c->hostItem()) {
      ast::HostItem it;
      it.origin = origin(item);
      if (auto* i = dynamic_cast<P::InterfaceItemContext*>(item)) {
        it.kind = ast::HostItem::Kind::Interface;
        it.interface_name = ident(i->ifName);
        if (i->kind) it.interface_kind = ident(i->kind);
        it.addresses = if_addrs(i->ifAddr());
      } else if (auto* a = dynamic_cast<P::AddressItemContext*>(item)) {
        it.kind = ast::HostItem::Kind::Address;
        it.addresses = if_addrs(a->ifAddr());
      } else if (auto* in = dynamic_cast<P::InboundItemContext*>(item)) {
        it.kind = ast::HostItem::Kind::Inbound;
        it.layers = layers(in->layerList());
      } else if (auto* out = dynamic_cast<P::OutboundItemContext*>(item)) {
        it.kind = ast::HostItem::Kind::Outbound;
        it.layers = layers(out->layerList());
      } else if (auto* l = dynamic_cast<P::ListenItemContext*>(item)) {
        it.kind = ast::HostItem::Kind::Listen;
        it.listen_service = service_atom(l->serviceAtom());
        if (l->bindAddr()) {
          it.bind = l->bindAddr()->getText();
          it.bind_origin = origin(l->bindAddr());
        }
        if (l->owner) it.owner = ident(l->owner);
      } else if (auto* let = dynamic_cast<P::LetItemContext*>(item)) {
        it.kind = ast::HostItem::Kind::Let;
        it.symbol = ident(let->symbol);
        it.value = addr_expr(let->addrExpr());
      } else if (auto* lp = dynamic_cast<P::LetPortsItemContext*>(item)) {
        it.kind = ast::HostItem::Kind::LetPorts;
        it.symbol = ident(lp->symbol);
        it.port_value = port_list(lp->portList());
      } else if (auto* set = dynamic_cast<P::SetItemContext*>(item)) {
        it.kind = ast::HostItem::Kind::Set;
        it.setting_key = text(set->key);
        auto* v = set->value;
        it.setting_value = v->STRING() ? unquote(v->STRING()) : v->getText();
      } else if (auto* imp = dynamic_cast<P::HostImportItemContext*>(item)) {
        it.kind = ast::HostItem::Kind::Import;
        it.import = import(imp->importStmt());
      } else if (auto* s = dynamic_cast<P::HostServiceItemContext*>(item)) {
        it.kind = ast::HostItem::Kind::Service;
        it.service = service(s->serviceDecl());
      } else if (auto* u = dynamic_cast<P::HostUserItemContext*>(item)) {
        it.kind = ast::HostItem::Kind::User;
        it.user = user(u->userDecl());
      } else if (auto* g = dynamic_cast<P::HostGroupItemContext*>(item)) {
        it.kind = ast::HostItem::Kind::Group;
        it.group = group(g->groupDecl());
      } else if (auto* f = dynamic_cast<P::HostFileItemContext*>(item)) {
        it.kind = ast::HostItem::Kind::File;
        it.file = file_decl(f->fileDecl());
      } else if (auto* m = dynamic_cast<P::HostMountItemContext*>(item)) {
        it.kind = ast::HostItem::Kind::Mount;
        it.mount = mount(m->mountDecl());
      } else {
        core::internal_error("unhandled host item in the parse tree");
      }
      h->items.push_back(std::move(it));
    }
    h->origin = origin(c);
    return h;
  }

  ast::Endpoint source(P::SourceContext* c) {
    require(c);
    ast::Endpoint e;
    e.addresses = addr_expr(c->addrExpr());
    if (c->portList()) {
      e.ports = port_list(c->portList());
      e.has_ports = true;
    }
    e.origin = origin(c);
    return e;
  }

  ast::Subject subject(P::SubjectContext* c) {
    require(c);
    ast::Subject s;
    if (c->USER()) s.kind = "user";
    if (c->SERVICE()) s.kind = "service";
    if (c->DOMAIN()) s.kind = "domain";
    s.name = ident(c->ident());
    s.origin = origin(c);
    return s;
  }

  std::unique_ptr<ast::Question> question(P::QuestionContext* c) {
    require(c);
    auto q = std::make_unique<ast::Question>();
    q->text = text(c);
    q->origin = origin(c);
    auto network = [&](auto* n, ast::Question::Kind kind) {
      q->kind = kind;
      q->source = source(n->source());
      q->target = addr_expr(n->target()->addrExpr());
      q->services = service_list(n->serviceList());
      if (auto* t = n->thatCan()) {
        q->that_can_operation = t->operation()->getText();
        q->that_can_path = unquote(t->path);
      }
    };
    auto access = [&](auto* a, ast::Question::Kind kind) {
      q->kind = kind;
      q->operation = a->operation()->getText();
      q->path = unquote(a->path);
      q->path_origin = origin(a->path);
      if (a->host) q->host = ident(a->host);
    };
    if (auto* r = dynamic_cast<P::ReachQuestionContext*>(c)) {
      network(r, ast::Question::Kind::Reach);
    } else if (auto* nr = dynamic_cast<P::NotReachQuestionContext*>(c)) {
      network(nr, ast::Question::Kind::NotReach);
    } else if (auto* o = dynamic_cast<P::OnlyReachQuestionContext*>(c)) {
      network(o, ast::Question::Kind::OnlyReach);
    } else if (auto* al = dynamic_cast<P::AllReachQuestionContext*>(c)) {
      network(al, ast::Question::Kind::AllReach);
    } else if (auto* can = dynamic_cast<P::CanQuestionContext*>(c)) {
      access(can, ast::Question::Kind::Can);
      q->subjects.push_back(subject(can->subject()));
    } else if (auto* ncan = dynamic_cast<P::NotCanQuestionContext*>(c)) {
      access(ncan, ast::Question::Kind::NotCan);
      q->subjects.push_back(subject(ncan->subject()));
    } else if (auto* ocan = dynamic_cast<P::OnlyCanQuestionContext*>(c)) {
      access(ocan, ast::Question::Kind::OnlyCan);
      for (auto* s : ocan->subject()) q->subjects.push_back(subject(s));
    } else if (auto* who = dynamic_cast<P::WhoCanQuestionContext*>(c)) {
      access(who, ast::Question::Kind::WhoCan);
    } else if (auto* nc = dynamic_cast<P::NoConflictsQuestionContext*>(c)) {
      q->kind = ast::Question::Kind::NoConflicts;
      if (nc->host) q->host = ident(nc->host);
    } else {
      core::internal_error("unhandled question in the parse tree");
    }
    return q;
  }

  ast::SourceFile source_file(P::FileContext* c) {
    ast::SourceFile f;
    f.path = file_;
    for (auto* s : c->statement()) {
      ast::Statement st;
      using K = ast::Statement::Kind;
      if (s->importStmt()) {
        st.kind = K::Import;
        st.import = import(s->importStmt());
      } else if (auto* inc = s->includeStmt()) {
        st.kind = K::Include;
        st.include = std::make_unique<ast::Include>(ast::Include{unquote(inc->path), origin(inc)});
      } else if (s->zoneDecl()) {
        st.kind = K::Zone;
        st.zone = zone(s->zoneDecl());
      } else if (auto* p = s->portsDecl()) {
        st.kind = K::Ports;
        st.ports = std::make_unique<ast::Ports>(
            ast::Ports{ident(p->name), service_list(p->serviceList()), origin(p)});
      } else if (s->firewallDecl()) {
        st.kind = K::Firewall;
        st.firewall = firewall(s->firewallDecl());
      } else if (s->hostDecl()) {
        st.kind = K::Host;
        st.host = host(s->hostDecl());
      } else if (s->serviceDecl()) {
        st.kind = K::Service;
        st.service = service(s->serviceDecl());
      } else if (s->userDecl()) {
        st.kind = K::User;
        st.user = user(s->userDecl());
      } else if (s->groupDecl()) {
        st.kind = K::Group;
        st.group = group(s->groupDecl());
      } else if (s->fileDecl()) {
        st.kind = K::File;
        st.file = file_decl(s->fileDecl());
      } else if (s->mountDecl()) {
        st.kind = K::Mount;
        st.mount = mount(s->mountDecl());
      } else if (s->assertStmt()) {
        st.kind = K::Assert;
        st.question = question(s->assertStmt()->question());
      } else if (s->queryStmt()) {
        st.kind = K::Query;
        st.question = question(s->queryStmt()->question());
      } else {
        core::internal_error("unhandled statement in the parse tree");
      }
      f.statements.push_back(std::move(st));
    }
    return f;
  }

  ast::PacketEnd packet_end(P::PacketEndContext* c) {
    require(c);
    ast::PacketEnd e;
    e.origin = origin(c);
    if (c->IPV4()) e.address = c->IPV4()->getText();
    if (c->IPV6()) e.address = c->IPV6()->getText();
    if (c->ident()) e.host = ident(c->ident());
    if (c->INT()) e.port = number(c->INT());
    return e;
  }

  ast::Packet packet(P::PacketSpecContext* c) {
    ast::Packet p;
    p.protocol = c->protoName()->getText();
    auto ends = c->packetEnd();
    p.src = packet_end(ends.at(0));
    p.dst = packet_end(ends.at(1));
    auto ints = c->INT();
    if (c->TYPE()) p.icmp_type = number(ints.at(0));
    if (c->CODE()) p.icmp_code = number(ints.at(1));
    p.origin = origin(c);
    return p;
  }

 private:
  std::string file_;
  antlr4::CharStream& input_;
  core::Diagnostics& diags_;
};

// Owns the ANTLR pipeline for one text.
struct Pipeline {
  antlr4::ANTLRInputStream input;
  RampartLexer lexer;
  antlr4::CommonTokenStream tokens;
  RampartParser parser;
  ErrorCollector errors;

  // `text` must be valid UTF-8 (see invalid_utf8): ANTLR throws otherwise.
  Pipeline(std::string_view text, const std::string& file, core::Diagnostics& diags)
      : input(std::string(text)), lexer(&input), tokens(&lexer), parser(&tokens), errors(file, diags) {
    lexer.removeErrorListeners();
    lexer.addErrorListener(&errors);
    parser.removeErrorListeners();
    parser.addErrorListener(&errors);
  }
};

bool too_large(std::string_view text, const std::string& file, core::Diagnostics& diags) {
  if (text.size() <= kMaxSourceBytes) return false;
  diags.error(codes::kInputTooLarge, core::Origin::policy(file, 1, 1),
              fmt::format("policy text is larger than {} MiB", kMaxSourceBytes >> 20));
  return true;
}

// The byte offset of the first byte that is not part of well-formed UTF-8
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or npos.
size_t invalid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t more = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      more = 1;
      cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      more = 2;
      cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      more = 3;
      cp = c & 0x07u;
    } else {
      return i;
    }
    for (size_t k = 1; k <= more; ++k) {
      if (i + k >= s.size() || (static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    }
    if ((more == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (more == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return i;
    }
    i += more + 1;
  }
  return std::string_view::npos;
}

bool not_utf8(std::string_view text, const std::string& file, core::Diagnostics& diags) {
  size_t bad = invalid_utf8(text);
  if (bad == std::string_view::npos) return false;
  size_t line = 1, column = 1;
  for (size_t i = 0; i < bad; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
  diags.error(
      codes::kBadCharacter, core::Origin::policy(file, uint32_t(line), uint32_t(column)),
      fmt::format("the text is not valid UTF-8 (byte 0x{:02x})", static_cast<unsigned char>(text[bad])));
  return true;
}

// Deeply nested brackets would exhaust the stack inside the generated
// recursive-descent parser, so they are refused before parsing
// (docs/language.md): every bracket counts except those inside strings,
// brackets in comments included. Strings are taken from the lexer's own
// tokens, so an unterminated `"` hides nothing from the count.
bool too_deep(Pipeline& p, const std::string& file, core::Diagnostics& diags) {
  p.tokens.fill();
  const std::vector<antlr4::Token*>& tokens = p.tokens.getTokens();
  std::string text = p.input.toString();  // UTF-8; token indexes count code points
  size_t depth = 0, line = 1, column = 0, index = 0, next = 0;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) == 0x80) continue;  // inside a multi-byte character
    while (next < tokens.size() &&
           (tokens[next]->getType() == antlr4::Token::EOF || tokens[next]->getStopIndex() < index)) {
      ++next;
    }
    bool in_string = next < tokens.size() && tokens[next]->getStartIndex() <= index &&
                     tokens[next]->getType() == RampartLexer::STRING;
    if (!in_string && (c == '(' || c == '{' || c == '[')) {
      if (++depth > kMaxNesting) {
        diags.error(codes::kNestingTooDeep, origin_at(file, line, column),
                    fmt::format("brackets nest deeper than {} levels", kMaxNesting));
        return true;
      }
    } else if (!in_string && (c == ')' || c == '}' || c == ']') && depth > 0) {
      --depth;
    }
    if (c == '\n') {
      ++line;
      column = 0;
    } else {
      ++column;
    }
    ++index;
  }
  return false;
}

// Runs `entry` on a checked text; nothing when the text cannot be parsed.
template <typename Entry, typename Build>
auto parse_with(std::string_view text, const std::string& file, core::Diagnostics& diags, Entry entry,
                Build build)
    -> decltype(build(std::declval<Builder&>(), entry(std::declval<RampartParser&>()))) {
  if (too_large(text, file, diags) || not_utf8(text, file, diags)) return std::nullopt;
  Pipeline p(text, file, diags);
  if (too_deep(p, file, diags)) return std::nullopt;
  // Two-stage parsing (ANTLR's SLL, then LL only when SLL fails): SLL
  // prediction ignores the parser's call stack and is several times
  // cheaper; when it parses a text, LL would have built the same tree. On
  // any syntax error it bails out and the text is parsed again with full
  // LL and the usual error listener, so the diagnostics are LL's.
  auto* simulator = p.parser.getInterpreter<antlr4::atn::ParserATNSimulator>();
  simulator->setPredictionMode(antlr4::atn::PredictionMode::SLL);
  p.parser.removeErrorListeners();
  p.parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  decltype(entry(p.parser)) tree = nullptr;
  try {
    tree = entry(p.parser);
  } catch (const antlr4::ParseCancellationException&) {
    tree = nullptr;
  }
  if (!tree) {
    p.tokens.seek(0);
    p.parser.reset();
    p.parser.addErrorListener(&p.errors);
    p.parser.setErrorHandler(std::make_shared<antlr4::DefaultErrorStrategy>());
    simulator->setPredictionMode(antlr4::atn::PredictionMode::LL);
    tree = entry(p.parser);
  }
  if (p.errors.count() > 0) return std::nullopt;
  Builder b(file, p.input, diags);
  return build(b, tree);
}

}  // namespace

std::optional<ast::SourceFile> parse_source(std::string_view text, const std::string& file,
                                            core::Diagnostics& diags) {
  return parse_with(
      text, file, diags, [](RampartParser& p) { return p.file(); },
      [](Builder& b, P::FileContext* tree) -> std::optional<ast::SourceFile> { return b.source_file(tree); });
}

std::optional<ast::Question> parse_question_syntax(std::string_view text, const std::string& file,
                                                   core::Diagnostics& diags) {
  return parse_with(
      text, file, diags, [](RampartParser& p) { return p.questionEntry(); },
      [](Builder& b, P::QuestionEntryContext* tree) -> std::optional<ast::Question> {
        return std::move(*b.question(tree->question()));
      });
}

std::optional<ast::Packet> parse_packet_syntax(std::string_view text, const std::string& file,
                                               core::Diagnostics& diags) {
  return parse_with(
      text, file, diags, [](RampartParser& p) { return p.packetEntry(); },
      [](Builder& b, P::PacketEntryContext* tree) -> std::optional<ast::Packet> {
        return b.packet(tree->packetSpec());
      });
}

}  // namespace rampart::dsl
