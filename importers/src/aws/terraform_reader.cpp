// `terraform show -json` plans into the AWS family's inventory: security
// groups and network ACLs, either side of the change (docs/importers/aws.md).

#include "terraform_reader.h"

#include <fmt/format.h>

#include "json_util.h"

namespace rampart::importers::aws {
namespace {

using KeySet = std::set<std::string, std::less<>>;

const KeySet kPlanKeys{"format_version",
                       "terraform_version",
                       "variables",
                       "planned_values",
                       "resource_changes",
                       "resource_drift",
                       "relevant_attributes",
                       "output_changes",
                       "prior_state",
                       "configuration",
                       "proposed_unknown",
                       "checks",
                       "timestamp",
                       "applyable",
                       "complete",
                       "errored",
                       "deferred_changes",
                       "action_invocations",
                       "values"};
const KeySet kChangeKeys{
    "address", "previous_address", "module_address", "mode",   "type",          "name",
    "index",   "deposed",          "provider_name",  "change", "action_reason", "importing"};
const KeySet kGroupKeys{"arn",         "description", "egress",
                        "id",          "ingress",     "name",
                        "name_prefix", "owner_id",    "revoke_rules_on_delete",
                        "tags",        "tags_all",    "timeouts",
                        "vpc_id",      "region"};
const KeySet kInlineRuleKeys{"cidr_blocks",     "description", "from_port",       "ipv6_cidr_blocks",
                             "prefix_list_ids", "protocol",    "security_groups", "self",
                             "to_port"};
const KeySet kGroupRuleKeys{"cidr_blocks",
                            "description",
                            "from_port",
                            "id",
                            "ipv6_cidr_blocks",
                            "prefix_list_ids",
                            "protocol",
                            "security_group_id",
                            "security_group_rule_id",
                            "self",
                            "source_security_group_id",
                            "to_port",
                            "type",
                            "timeouts",
                            "region"};
const KeySet kVpcRuleKeys{"arn",
                          "cidr_ipv4",
                          "cidr_ipv6",
                          "description",
                          "from_port",
                          "id",
                          "ip_protocol",
                          "prefix_list_id",
                          "referenced_security_group_id",
                          "security_group_id",
                          "security_group_rule_id",
                          "tags",
                          "tags_all",
                          "to_port",
                          "region"};
const KeySet kAclKeys{"arn",        "egress", "id",       "ingress", "owner_id",
                      "subnet_ids", "tags",   "tags_all", "vpc_id",  "default_network_acl_id",
                      "region"};
const KeySet kInlineAclKeys{"action",          "cidr_block", "from_port", "icmp_code", "icmp_type",
                            "ipv6_cidr_block", "protocol",   "rule_no",   "to_port"};
const KeySet kAclRuleKeys{"cidr_block",  "egress",          "from_port",      "icmp_code", "icmp_type",
                          "id",          "ipv6_cidr_block", "network_acl_id", "protocol",  "rule_action",
                          "rule_number", "to_port",         "region"};

struct Resource {
  std::string address;
  std::string type;
  std::string module;  // "module.a." (with instance keys) or ""
  std::string index;   // "[0]" / "[\"k\"]" or ""
  const Json* values = nullptr;
  const Json* unknown = nullptr;  // after_unknown, when reading the planned side
  std::string pointer;            // of `values`
};

// "module.a[0].module.b.aws_x.y[1]" -> module prefix "module.a[0].module.b.", resource "aws_x.y", index
// "[1]".
void split_address(const std::string& address, std::string& module, std::string& resource,
                   std::string& index) {
  module.clear();
  // An index walks the address once: a copy per module, or a search for `[`
  // to the end of the address per module, is quadratic in its length.
  size_t at = 0;
  while (address.compare(at, 7, "module.") == 0) {
    size_t dot = address.find('.', at + 7);
    size_t end = dot;
    size_t name_end = std::min(dot, address.size());
    size_t bracket = address.find_first_of("[.", at + 7);
    if (bracket != std::string::npos && bracket < name_end && address[bracket] == '[') {
      size_t close = address.find(']', bracket);
      end = close == std::string::npos ? address.size() : address.find('.', close);
    }
    if (end == std::string::npos) break;
    at = std::min(end + 1, address.size());  // an unclosed `[` ends the address
  }
  module = address.substr(0, at);
  std::string rest = address.substr(at);
  size_t bracket = rest.find('[');
  resource = bracket == std::string::npos ? rest : rest.substr(0, bracket);
  index = bracket == std::string::npos ? "" : rest.substr(bracket);
}

// `module.a["x"].module.b[0]` -> `module.a.module.b`: every `[...]` goes
// (a scan, not std::regex, whose matcher recurses once per character).
std::string strip_indexes(const std::string& module) {
  std::string out;
  out.reserve(module.size());
  for (size_t i = 0; i < module.size();) {
    if (module[i] == '[') {
      size_t close = module.find(']', i + 1);
      if (close != std::string::npos) {
        i = close + 1;
        continue;
      }
    }
    out += module[i++];
  }
  return out;
}

class PlanReader {
 public:
  PlanReader(Reader& r, Inventory& inv, PlanSide side) : r_(r), inv_(inv), side_(side) {}

  void read(const Json& root) {
    if (!root.is_object()) {
      r_.diags().error(
          codes::kNoInput, r_.at(""),
          fmt::format("expected the JSON object `terraform show -json` prints, found {}", root.type_name()));
      return;
    }
    r_.check_keys(root, "", kPlanKeys, "a Terraform plan");
    auto version = r_.string(root, "", "format_version", false);
    if (!version) {
      r_.diags().error(codes::kNoInput, r_.at(""), "not a Terraform plan: no `format_version`");
      return;
    }
    if (version->empty() || (version->front() != '0' && version->rfind("1.", 0) != 0)) {
      r_.warning(
          codes::kNotModelled, "/format_version",
          fmt::format("plan format {} is newer than rampart knows (0.x and 1.x); read as 1.x", *version));
    }
    configuration(root);
    collect(root);
    for (const auto& res : resources_) by_address_[res.address] = &res;
    // Groups and ACLs first, so that rules can find them.
    for (const auto& res : resources_) {
      if (res.type == "aws_security_group" || res.type == "aws_default_security_group")
        group(res);
      else if (res.type == "aws_network_acl" || res.type == "aws_default_network_acl")
        acl(res);
    }
    for (const auto& res : resources_) {
      if (res.type == "aws_security_group_rule")
        group_rule(res);
      else if (res.type == "aws_vpc_security_group_ingress_rule")
        vpc_rule(res, false);
      else if (res.type == "aws_vpc_security_group_egress_rule")
        vpc_rule(res, true);
      else if (res.type == "aws_network_acl_rule")
        acl_rule(res);
    }
    inv_.have_groups = true;
    inv_.have_nacls = true;
  }

 private:
  // ---- where the resources are ------------------------------------------------------

  void collect(const Json& root) {
    const Json* changes = Reader::member(root, "resource_changes");
    if (changes) {
      if (!changes->is_array()) {
        r_.error("/resource_changes", "`resource_changes` must be an array");
        return;
      }
      for (size_t i = 0; i < changes->size(); ++i)
        change((*changes)[i], pointer_index("/resource_changes", i));
      return;
    }
    // A plan without changes, or `terraform show -json` of a state.
    if (side_ == PlanSide::After) {
      if (const Json* pv = Reader::member(root, "planned_values"))
        root_module(*pv, "/planned_values");
      else if (const Json* v = Reader::member(root, "values"))
        root_module(*v, "/values");
    } else {
      if (const Json* ps = Reader::member(root, "prior_state")) {
        if (const Json* v = Reader::member(*ps, "values")) root_module(*v, "/prior_state/values");
      } else if (const Json* v = Reader::member(root, "values")) {
        root_module(*v, "/values");
      }
    }
  }

  void root_module(const Json& values, const std::string& p) {
    if (const Json* m = Reader::member(values, "root_module"))
      module_values(*m, pointer_child(p, "root_module"));
  }

  // The resources of a module of `planned_values` / `values`, and of its children.
  void module_values(const Json& module, const std::string& p) {
    if (!module.is_object()) return;
    if (const Json* rs = Reader::member(module, "resources"); rs && rs->is_array()) {
      for (size_t i = 0; i < rs->size(); ++i) {
        const Json& res = (*rs)[i];
        std::string rp = pointer_index(pointer_child(p, "resources"), i);
        if (!res.is_object() || text_or(res, "mode", "managed") != "managed") continue;
        add_resource(res, rp, Reader::member(res, "values"), nullptr, pointer_child(rp, "values"));
      }
    }
    if (const Json* cm = Reader::member(module, "child_modules"); cm && cm->is_array()) {
      for (size_t i = 0; i < cm->size(); ++i)
        module_values((*cm)[i], pointer_index(pointer_child(p, "child_modules"), i));
    }
  }

  void change(const Json& c, const std::string& p) {
    if (!r_.is_object(c, p, "a resource change")) return;
    r_.check_keys(c, p, kChangeKeys, "a resource change");
    if (text_or(c, "mode", "managed") != "managed") return;
    if (Reader::member(c, "deposed")) return;  // a deposed object is on its way out
    const Json* ch = Reader::member(c, "change");
    std::string cp = pointer_child(p, "change");
    if (!ch || !r_.is_object(*ch, cp, "a change")) return;
    if (side_ == PlanSide::Before) {
      add_resource(c, p, Reader::member(*ch, "before"), nullptr, pointer_child(cp, "before"));
    } else {
      add_resource(c, p, Reader::member(*ch, "after"), Reader::member(*ch, "after_unknown"),
                   pointer_child(cp, "after"));
    }
  }

  void add_resource(const Json& res, const std::string& p, const Json* values, const Json* unknown,
                    const std::string& vp) {
    auto address = r_.string(res, p, "address", true);
    auto type = r_.string(res, p, "type", true);
    if (!address || !type || !values) return;  // no values: absent on this side
    static const std::set<std::string> kTypes{"aws_security_group",
                                              "aws_default_security_group",
                                              "aws_security_group_rule",
                                              "aws_vpc_security_group_ingress_rule",
                                              "aws_vpc_security_group_egress_rule",
                                              "aws_network_acl",
                                              "aws_default_network_acl",
                                              "aws_network_acl_rule"};
    if (!kTypes.count(*type)) return;
    if (!r_.is_object(*values, vp, "resource values")) return;
    Resource out;
    out.address = *address;
    out.type = *type;
    std::string resource;
    split_address(*address, out.module, resource, out.index);
    out.values = values;
    out.unknown = unknown;
    out.pointer = vp;
    resources_.push_back(out);
  }

  void configuration(const Json& root) {
    const Json* c = Reader::member(root, "configuration");
    if (!c || !c->is_object()) return;
    config_module(Reader::member(*c, "root_module"), "/configuration/root_module", "");
  }

  void config_module(const Json* m, const std::string& p, const std::string& prefix) {
    if (!m || !m->is_object()) return;
    if (const Json* rs = Reader::member(*m, "resources"); rs && rs->is_array()) {
      for (size_t i = 0; i < rs->size(); ++i) {
        const Json& res = (*rs)[i];
        if (!res.is_object() || !res.contains("address") || !res["address"].is_string()) continue;
        if (const Json* e = Reader::member(res, "expressions"); e && e->is_object())
          config_[prefix + res["address"].get<std::string>()] = e;
      }
    }
    if (const Json* calls = Reader::member(*m, "module_calls"); calls && calls->is_object()) {
      for (const auto& [name, call] : calls->items()) {
        if (!call.is_object()) continue;
        config_module(Reader::member(call, "module"),
                      pointer_child(pointer_child(p, "module_calls"), name) + "/module",
                      prefix + "module." + name + ".");
      }
    }
  }

  const Json* expressions(const Resource& res) {
    std::string module, resource, index;
    split_address(res.address, module, resource, index);
    auto it = config_.find(strip_indexes(module) + resource);
    return it == config_.end() ? nullptr : it->second;
  }

  // ---- values ------------------------------------------------------------------------

  static bool is_unknown(const Json* unknown, std::string_view key) {
    if (!unknown || !unknown->is_object()) return false;
    auto it = unknown->find(key);
    return it != unknown->end() && it->is_boolean() && it->get<bool>();
  }
  static const Json* unknown_child(const Json* unknown, std::string_view key) {
    if (!unknown || !unknown->is_object()) return nullptr;
    auto it = unknown->find(key);
    return it == unknown->end() ? nullptr : &*it;
  }
  static bool element_unknown(const Json* unknown_list, size_t i) {
    return unknown_list && unknown_list->is_array() && i < unknown_list->size() &&
           (*unknown_list)[i].is_boolean() && (*unknown_list)[i].get<bool>();
  }

  Unknown plan_unknown(const Resource& res, const std::string& attribute, const std::string& pointer) {
    return Unknown{fmt::format("terraform:{}:{}", res.address, attribute),
                   fmt::format("`{}` of `{}` is known only after apply", attribute, res.address),
                   r_.at(pointer)};
  }

  // The resource an expression refers to (`aws_security_group.web.id`), of one of `types`.
  std::optional<std::string> referenced(const Resource& res, const Json* expr,
                                        const std::set<std::string>& types) {
    if (!expr || !expr->is_object()) return std::nullopt;
    const Json* refs = Reader::member(*expr, "references");
    if (!refs || !refs->is_array()) return std::nullopt;
    for (const auto& ref : *refs) {
      if (!ref.is_string()) continue;
      std::string text = ref.get<std::string>();
      std::string module, resource, index;
      split_address(text, module, resource, index);
      // "aws_security_group.web.id" -> "aws_security_group.web"
      size_t dot = resource.find('.');
      if (dot == std::string::npos) continue;
      std::string type = resource.substr(0, dot);
      if (!types.count(type)) continue;
      size_t dot2 = resource.find('.', dot + 1);
      if (dot2 != std::string::npos) {
        resource = resource.substr(0, dot2);
        index.clear();
        // an index after the name: "aws_x.y[0].id" splits as resource "aws_x.y", index "[0].id"
      }
      if (size_t close = index.find(']'); close != std::string::npos) index = index.substr(0, close + 1);
      std::string base = res.module + module + resource;
      if (!index.empty()) {
        if (by_address_.count(base + index)) return base + index;
        continue;
      }
      std::vector<std::string> found;
      for (const auto& [address, r] : by_address_) {
        std::string m2, res2, idx2;
        split_address(address, m2, res2, idx2);
        if (m2 + res2 == base) found.push_back(address);
      }
      if (found.size() == 1) return found[0];
      if (by_address_.count(base + res.index)) return base + res.index;  // count.index / each.key
    }
    return std::nullopt;
  }

  // The group a rule belongs to or names: by id when known, else through the configuration.
  std::optional<std::string> group_key(const Resource& res, const std::string& attribute, bool& unresolved,
                                       const std::set<std::string>& types) {
    unresolved = false;
    const Json* v = Reader::member(*res.values, attribute);
    if (v && v->is_string()) {
      std::string id = v->get<std::string>();
      for (const auto& [address, r] : by_address_) {
        if (!types.count(r->type)) continue;
        if (const Json* rid = Reader::member(*r->values, "id");
            rid && rid->is_string() && rid->get<std::string>() == id)
          return address;
      }
      return id;
    }
    const Json* exprs = expressions(res);
    if (auto key = referenced(res, exprs ? Reader::member(*exprs, attribute) : nullptr, types)) return key;
    if (v == nullptr && !is_unknown(res.unknown, attribute)) return std::nullopt;  // not set
    unresolved = true;
    return std::nullopt;
  }

  SecurityGroup& ensure_group(const std::string& key, const core::Origin& origin) {
    auto [it, fresh] = inv_.groups.try_emplace(key);
    if (fresh) {
      it->second.key = key;
      it->second.origin = origin;
      it->second.partial = Unknown{
          "terraform:unmanaged-rules:" + key,
          fmt::format("security group `{}` is not in the plan; rules outside it are unknown", key), origin};
    }
    return it->second;
  }

  std::optional<Services> services(const Resource& res, const Json& obj, const std::string& p,
                                   const char* proto_key, const char* from_key, const char* to_key,
                                   std::vector<Unknown>& unknowns, const Json* unknown) {
    Services s;
    for (const char* key : {proto_key, from_key, to_key}) {
      if (is_unknown(unknown, key)) {
        unknowns.push_back(plan_unknown(res, std::string(key), pointer_child(p, key)));
        return s;  // every protocol; the condition says it is not known
      }
    }
    auto proto = r_.string(obj, p, proto_key, true);
    if (!proto) return std::nullopt;
    bool ok = true;
    s.protocol = parse_protocol(*proto, ok);
    if (!ok) {
      r_.error(pointer_child(p, proto_key), fmt::format("unknown protocol `{}`", *proto));
      return std::nullopt;
    }
    auto from = r_.integer(obj, p, from_key, false, -1, 65535);
    auto to = r_.integer(obj, p, to_key, false, -1, 65535);
    s.from = from.value_or(-1);
    s.to = to.value_or(-1);
    if (s.protocol && (*s.protocol == 6 || *s.protocol == 17) && s.from >= 0 && s.to >= 0 && s.to < s.from) {
      r_.error(pointer_child(p, to_key),
               fmt::format("the port range {}-{} ends before it starts", s.from, s.to));
      return std::nullopt;
    }
    if (s.protocol && (*s.protocol == 1 || *s.protocol == 58) && (s.from > 255 || s.to > 255)) {
      r_.error(p, "an ICMP type and code are -1 or 0-255");
      return std::nullopt;
    }
    return s;
  }

  // Peers of a rule: the members of its CIDR, IPv6, prefix-list and group lists.
  void peers(const Resource& res, const Json& obj, const std::string& p, const Json* unknown,
             const Json* exprs, const SgRule& base, std::vector<SgRule>& out) {
    auto each = [&](const char* key, auto&& make) {
      std::string kp = pointer_child(p, key);
      if (is_unknown(unknown, key)) {
        SgRule r = base;
        r.peer = Peer{Peer::Kind::Any, {}, "", fmt::format("`{}` (unknown)", key), false};
        r.unknowns.push_back(plan_unknown(res, key, kp));
        r.origin = r_.at(kp);
        out.push_back(std::move(r));
        return;
      }
      const Json* v = Reader::member(obj, key);
      if (!v) return;
      if (v->is_string()) {  // the single-valued attributes of the newer rule resources
        if (auto peer = make(v->get<std::string>(), kp)) {
          SgRule r = base;
          r.peer = *peer;
          r.origin = r_.at(kp);
          out.push_back(std::move(r));
        }
        return;
      }
      if (!v->is_array()) {
        r_.error(kp, fmt::format("`{}` must be a list", key));
        return;
      }
      const Json* ulist = unknown_child(unknown, key);
      for (size_t i = 0; i < v->size(); ++i) {
        std::string ip = pointer_index(kp, i);
        SgRule r = base;
        r.origin = r_.at(ip);
        if (element_unknown(ulist, i) || !(*v)[i].is_string()) {
          if (!element_unknown(ulist, i) && !(*v)[i].is_null()) {
            r_.error(ip, fmt::format("`{}` holds a {}, not a string", key, (*v)[i].type_name()));
            continue;
          }
          r.peer = Peer{Peer::Kind::Any, {}, "", fmt::format("`{}` (unknown)", key), false};
          r.unknowns.push_back(plan_unknown(res, fmt::format("{}[{}]", key, i), ip));
          out.push_back(std::move(r));
          continue;
        }
        if (auto peer = make((*v)[i].get<std::string>(), ip)) {
          r.peer = *peer;
          out.push_back(std::move(r));
        }
      }
    };
    auto cidr = [&](std::optional<core::Family> fam) {
      return [&, fam](const std::string& text, const std::string& ip) -> std::optional<Peer> {
        auto c = r_.cidr_text(text, ip, fam);
        if (!c) return std::nullopt;
        return Peer{Peer::Kind::Cidr, *c, "", text, false};
      };
    };
    each("cidr_blocks", cidr(core::Family::V4));
    each("ipv6_cidr_blocks", cidr(core::Family::V6));
    each("cidr_ipv4", cidr(core::Family::V4));
    each("cidr_ipv6", cidr(core::Family::V6));
    auto pl = [&](const std::string& text, const std::string&) -> std::optional<Peer> {
      return Peer{Peer::Kind::PrefixList, {}, text, text, false};
    };
    each("prefix_list_ids", pl);
    each("prefix_list_id", pl);
    auto group_peer = [&](const std::string& text, const std::string&) -> std::optional<Peer> {
      std::string key = text;
      for (const auto& [address, r] : by_address_) {
        if (const Json* rid = Reader::member(*r->values, "id");
            rid && rid->is_string() && rid->get<std::string>() == text)
          key = address;
      }
      return Peer{Peer::Kind::Group, {}, key, key, false};
    };
    each("security_groups", group_peer);
    (void)exprs;
  }

  std::optional<Peer> group_reference(const Resource& res, const char* attribute, const std::string& p) {
    bool unresolved = false;
    auto key = group_key(res, attribute, unresolved, {"aws_security_group", "aws_default_security_group"});
    if (key) return Peer{Peer::Kind::Group, {}, *key, *key, false};
    if (!unresolved) return std::nullopt;
    std::string name = "unresolved:" + res.address;
    r_.warning(
        codes::kPlanUnknown, pointer_child(p, attribute),
        fmt::format("`{}` of `{}` is known only after apply and its configuration names no security group "
                    "of the plan; the rule matches unknown addresses",
                    attribute, res.address));
    return Peer{Peer::Kind::Group, {}, name, fmt::format("`{}` (unknown)", attribute), false};
  }

  // ---- resources ---------------------------------------------------------------------

  void group(const Resource& res) {
    r_.check_keys(*res.values, res.pointer, kGroupKeys, res.type);
    SecurityGroup& g = inv_.groups[res.address];
    g.key = res.address;
    g.origin = r_.at(res.pointer);
    g.listed = true;
    g.partial.reset();
    g.name = r_.string(*res.values, res.pointer, "name", false).value_or("");
    g.vpc = r_.string(*res.values, res.pointer, "vpc_id", false).value_or("");
    if (auto id = r_.string(*res.values, res.pointer, "id", false)) g.aliases.push_back(*id);
    const Json* exprs = expressions(res);
    for (const char* key : {"ingress", "egress"}) {
      bool egress = std::string_view(key) == "egress";
      std::string kp = pointer_child(res.pointer, key);
      if (is_unknown(res.unknown, key)) {
        if (exprs && Reader::member(*exprs, key)) {
          g.partial = plan_unknown(res, key, kp);
          r_.warning(codes::kPlanUnknown, kp,
                     fmt::format("the `{}` rules of `{}` are known only after apply", key, res.address));
        }
        continue;  // not configured: the separate rule resources are its rules
      }
      const Json* list = r_.array(*res.values, res.pointer, key, false);
      if (!list) continue;
      const Json* ulist = unknown_child(res.unknown, key);
      for (size_t i = 0; i < list->size(); ++i) {
        std::string ip = pointer_index(kp, i);
        const Json& rule = (*list)[i];
        if (!r_.is_object(rule, ip, "a rule")) continue;
        r_.check_keys(rule, ip, kInlineRuleKeys, "an inline rule");
        const Json* u = ulist && ulist->is_array() && i < ulist->size() ? &(*ulist)[i] : nullptr;
        SgRule base;
        base.egress = egress;
        base.origin = r_.at(ip);
        base.description = r_.string(rule, ip, "description", false).value_or("");
        auto svc = services(res, rule, ip, "protocol", "from_port", "to_port", base.unknowns, u);
        if (!svc) continue;
        base.services = *svc;
        std::vector<SgRule> rules;
        peers(res, rule, ip, u, nullptr, base, rules);
        if (r_.boolean(rule, ip, "self", false).value_or(false)) {
          SgRule self = base;
          self.peer = Peer{Peer::Kind::Group, {}, res.address, "itself", false};
          rules.push_back(std::move(self));
        }
        for (auto& r : rules) g.rules.push_back(std::move(r));
      }
    }
  }

  void attach(const Resource& res, const char* attribute, std::vector<SgRule> rules) {
    bool unresolved = false;
    auto key = group_key(res, attribute, unresolved, {"aws_security_group", "aws_default_security_group"});
    if (!key) {
      r_.warning(
          codes::kPlanUnknown, pointer_child(res.pointer, attribute),
          fmt::format("the security group of `{}` is known only after apply and its configuration names no "
                      "group of the plan; the rule is left out",
                      res.address));
      return;
    }
    SecurityGroup& g = ensure_group(*key, r_.at(res.pointer));
    for (auto& r : rules) g.rules.push_back(std::move(r));
  }

  void group_rule(const Resource& res) {
    r_.check_keys(*res.values, res.pointer, kGroupRuleKeys, res.type);
    const Json& v = *res.values;
    auto type = r_.string(v, res.pointer, "type", true);
    if (!type) return;
    if (*type != "ingress" && *type != "egress") {
      r_.error(pointer_child(res.pointer, "type"),
               fmt::format("`type` is `ingress` or `egress`, not `{}`", *type));
      return;
    }
    SgRule base;
    base.egress = *type == "egress";
    base.origin = r_.at(res.pointer);
    base.origin.native_id = res.address;
    base.id = res.address;
    base.description = r_.string(v, res.pointer, "description", false).value_or("");
    auto svc = services(res, v, res.pointer, "protocol", "from_port", "to_port", base.unknowns, res.unknown);
    if (!svc) return;
    base.services = *svc;
    std::vector<SgRule> rules;
    peers(res, v, res.pointer, res.unknown, nullptr, base, rules);
    if (r_.boolean(v, res.pointer, "self", false).value_or(false)) {
      bool unresolved = false;
      auto key = group_key(res, "security_group_id", unresolved,
                           {"aws_security_group", "aws_default_security_group"});
      if (key) {
        SgRule self = base;
        self.peer = Peer{Peer::Kind::Group, {}, *key, "itself", false};
        rules.push_back(std::move(self));
      }
    } else if (Reader::member(v, "source_security_group_id") ||
               is_unknown(res.unknown, "source_security_group_id")) {
      if (auto peer = group_reference(res, "source_security_group_id", res.pointer)) {
        SgRule r = base;
        r.peer = *peer;
        rules.push_back(std::move(r));
      }
    }
    attach(res, "security_group_id", std::move(rules));
  }

  void vpc_rule(const Resource& res, bool egress) {
    r_.check_keys(*res.values, res.pointer, kVpcRuleKeys, res.type);
    const Json& v = *res.values;
    SgRule base;
    base.egress = egress;
    base.origin = r_.at(res.pointer);
    base.origin.native_id = res.address;
    base.id = res.address;
    base.description = r_.string(v, res.pointer, "description", false).value_or("");
    auto svc =
        services(res, v, res.pointer, "ip_protocol", "from_port", "to_port", base.unknowns, res.unknown);
    if (!svc) return;
    base.services = *svc;
    std::vector<SgRule> rules;
    peers(res, v, res.pointer, res.unknown, nullptr, base, rules);
    if (Reader::member(v, "referenced_security_group_id") ||
        is_unknown(res.unknown, "referenced_security_group_id")) {
      if (auto peer = group_reference(res, "referenced_security_group_id", res.pointer)) {
        SgRule r = base;
        r.peer = *peer;
        rules.push_back(std::move(r));
      }
    }
    if (rules.empty()) {
      r_.error(res.pointer, fmt::format("`{}` names no peer (`cidr_ipv4`, `cidr_ipv6`, `prefix_list_id` or "
                                        "`referenced_security_group_id`)",
                                        res.address));
      return;
    }
    attach(res, "security_group_id", std::move(rules));
  }

  std::optional<NaclEntry> acl_entry(const Resource& res, const Json& obj, const std::string& p, bool egress,
                                     const char* number_key, const char* action_key, const Json* unknown) {
    NaclEntry e;
    e.egress = egress;
    e.origin = r_.at(p);
    auto number = r_.integer(obj, p, number_key, true, 1, 32766);
    auto action = r_.string(obj, p, action_key, true);
    auto svc = services(res, obj, p, "protocol", "from_port", "to_port", e.unknowns, unknown);
    if (!number || !action || !svc) return std::nullopt;
    if (*action != "allow" && *action != "deny") {
      r_.error(pointer_child(p, action_key),
               fmt::format("`{}` is `allow` or `deny`, not `{}`", action_key, *action));
      return std::nullopt;
    }
    e.number = *number;
    e.allow = *action == "allow";
    e.services = *svc;
    if (e.services.protocol && (*e.services.protocol == 1 || *e.services.protocol == 58)) {
      e.services.from = r_.integer(obj, p, "icmp_type", false, -1, 255).value_or(-1);
      e.services.to = r_.integer(obj, p, "icmp_code", false, -1, 255).value_or(-1);
    }
    auto v4 = r_.string(obj, p, "cidr_block", false);
    auto v6 = r_.string(obj, p, "ipv6_cidr_block", false);
    if (v4 && v4->empty()) v4.reset();
    if (v6 && v6->empty()) v6.reset();
    if (is_unknown(unknown, "cidr_block") || is_unknown(unknown, "ipv6_cidr_block")) {
      e.cidr = core::AddressSet::any();
      e.cidr_text = "(unknown)";
      e.unknowns.push_back(plan_unknown(res, "cidr_block", pointer_child(p, "cidr_block")));
    } else if (v4.has_value() == v6.has_value()) {
      r_.error(p, "an entry has exactly one of `cidr_block` and `ipv6_cidr_block`");
      return std::nullopt;
    } else {
      auto c = r_.cidr_text(v4 ? *v4 : *v6, pointer_child(p, v4 ? "cidr_block" : "ipv6_cidr_block"),
                            v4 ? core::Family::V4 : core::Family::V6);
      if (!c) return std::nullopt;
      e.cidr = *c;
      e.cidr_text = v4 ? *v4 : *v6;
    }
    e.origin.native_id = fmt::format("{} {}", egress ? "egress" : "ingress", e.number);
    return e;
  }

  void acl(const Resource& res) {
    r_.check_keys(*res.values, res.pointer, kAclKeys, res.type);
    Nacl& n = inv_.nacls[res.address];
    n.key = res.address;
    n.origin = r_.at(res.pointer);
    n.vpc = r_.string(*res.values, res.pointer, "vpc_id", false).value_or("");
    if (auto id = r_.string(*res.values, res.pointer, "id", false)) n.aliases.push_back(*id);
    const Json* exprs = expressions(res);
    for (const char* key : {"ingress", "egress"}) {
      bool egress = std::string_view(key) == "egress";
      std::string kp = pointer_child(res.pointer, key);
      if (is_unknown(res.unknown, key)) {
        if (exprs && Reader::member(*exprs, key)) {
          NaclEntry e;
          e.number = 0;
          e.egress = egress;
          e.allow = true;
          e.cidr = core::AddressSet::any();
          e.cidr_text = "(unknown)";
          e.origin = r_.at(kp);
          e.unknowns.push_back(plan_unknown(res, key, kp));
          n.entries.push_back(std::move(e));
          r_.warning(codes::kPlanUnknown, kp,
                     fmt::format("the `{}` entries of `{}` are known only after apply", key, res.address));
        }
        continue;
      }
      const Json* list = r_.array(*res.values, res.pointer, key, false);
      if (!list) continue;
      const Json* ulist = unknown_child(res.unknown, key);
      for (size_t i = 0; i < list->size(); ++i) {
        std::string ip = pointer_index(kp, i);
        if (!r_.is_object((*list)[i], ip, "an entry")) continue;
        r_.check_keys((*list)[i], ip, kInlineAclKeys, "an inline entry");
        const Json* u = ulist && ulist->is_array() && i < ulist->size() ? &(*ulist)[i] : nullptr;
        if (auto e = acl_entry(res, (*list)[i], ip, egress, "rule_no", "action", u))
          n.entries.push_back(std::move(*e));
      }
    }
  }

  void acl_rule(const Resource& res) {
    r_.check_keys(*res.values, res.pointer, kAclRuleKeys, res.type);
    bool egress = r_.boolean(*res.values, res.pointer, "egress", false).value_or(false);
    auto e = acl_entry(res, *res.values, res.pointer, egress, "rule_number", "rule_action", res.unknown);
    if (!e) return;
    e->origin.native_id = res.address;
    bool unresolved = false;
    auto key = group_key(res, "network_acl_id", unresolved, {"aws_network_acl", "aws_default_network_acl"});
    if (!key) {
      r_.warning(
          codes::kPlanUnknown, pointer_child(res.pointer, "network_acl_id"),
          fmt::format("the network ACL of `{}` is known only after apply and its configuration names no ACL "
                      "of the plan; the entry is left out",
                      res.address));
      return;
    }
    Nacl& n = inv_.nacls[*key];
    if (n.key.empty()) {
      n.key = *key;
      n.origin = r_.at(res.pointer);
      r_.warning(
          codes::kUnresolved, pointer_child(res.pointer, "network_acl_id"),
          fmt::format("network ACL `{}` is not in the plan; only the entries the plan manages are known",
                      *key));
    }
    n.entries.push_back(std::move(*e));
  }

  Reader& r_;
  Inventory& inv_;
  PlanSide side_;
  std::vector<Resource> resources_;
  std::map<std::string, const Resource*> by_address_;
  std::map<std::string, const Json*> config_;
};

}  // namespace

core::ImportResult parse_plan(std::string_view text, const std::string& file, PlanSide side) {
  core::Diagnostics diags;
  Inventory inv;
  inv.source = "terraform";
  auto json = parse_json(text, file, diags);
  if (json) {
    Reader reader(file, diags);
    PlanReader(reader, inv, side).read(*json);
  }
  core::ImportResult result = build(std::move(inv), std::move(diags));
  locate_origins(text, file, result);
  return result;
}

core::ImportResult import_plan(const core::ImportRequest& request, PlanSide side) {
  core::ImportResult out;
  auto text = read_native_file(request.path, request.origin, out.diagnostics);
  if (!text) return out;
  out = parse_plan(*text, request.display_path, side);
  out.fragment.source_files.push_back(request.display_path);
  return out;
}

}  // namespace rampart::importers::aws
