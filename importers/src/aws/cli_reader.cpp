// The AWS CLI's JSON output (`aws ec2 describe-*`), one file or a folder of
// files, into the family's inventory (docs/importers/aws.md).

#include "cli_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "json_util.h"
#include "known_keys.h"

namespace rampart::importers::aws {
namespace {

namespace fs = std::filesystem;

std::string tag_name(const Json& obj, const char* key = "Tags") {
  const Json* tags = Reader::member(obj, key);
  if (!tags || !tags->is_array()) return {};
  for (const auto& t : *tags) {
    if (text_or(t, "Key") == "Name" && t.contains("Value") && t["Value"].is_string())
      return t["Value"].get<std::string>();
  }
  return {};
}

// The first `pl-HEX...` in a file name (a prefix list's id), or "".
std::string prefix_list_id_in(const std::string& name) {
  for (size_t i = name.find("pl-"); i != std::string::npos; i = name.find("pl-", i + 1)) {
    size_t end = i + 3;
    while (end < name.size() && std::isxdigit(static_cast<unsigned char>(name[end]))) ++end;
    if (end > i + 3) return name.substr(i, end - i);
  }
  return {};
}

class CliReader {
 public:
  CliReader(Reader& r, Inventory& inv, std::string file_name)
      : r_(r), inv_(inv), file_name_(std::move(file_name)) {}

  // Returns whether the document held any output rampart reads.
  bool read(const Json& root) {
    if (!root.is_object()) {
      root_not_object(root.type_name());
      return false;
    }
    for (const auto& [key, value] : root.items()) {
      if (!begin_member(key, value.type_name(), value.is_null(), value.is_array())) continue;
      for (size_t i = 0; i < value.size(); ++i) element(key, i, value[i]);
      end_member(key);
    }
    return any_;
  }

  // The same, one root member at a time (a document read as a stream).
  void root_not_object(const char* type_name) {
    r_.diags().error(
        codes::kNoInput, r_.at(""),
        fmt::format("expected the JSON object an `aws ec2 describe-...` command prints, found {}",
                    type_name));
  }

  // Returns whether the elements of the member's array are wanted.
  bool begin_member(const std::string& key, const char* type_name, bool is_null, bool is_array) {
    std::string p = pointer_child("", key);
    if ((key.empty() || key[0] != '_') && !top_.count(key))
      r_.warning(codes::kUnknownKey, p,
                 fmt::format("unknown key `{}` in {}; ignored", key, "an AWS CLI output"));
    if (key == "NextToken") {
      if (!is_null)
        r_.warning(codes::kInconsistent, p,
                   "the output is one page of several (`NextToken`): what is on the other pages is missing");
      return false;
    }
    if (!top_.count(key)) return false;
    if (!is_array) {
      r_.error(p, fmt::format("`{}` must be an array, not {}", key, type_name));
      return false;
    }
    any_ = true;
    return true;
  }

  void element(const std::string& key, size_t i, const Json& v) {
    std::string pi = pointer_index(pointer_child("", key), i);
    if (key == "SecurityGroups")
      security_group(v, pi);
    else if (key == "SecurityGroupRules")
      security_group_rule(v, pi);
    else if (key == "NetworkAcls")
      network_acl(v, pi);
    else if (key == "NetworkInterfaces")
      network_interface(v, pi);
    else if (key == "Reservations")
      reservation(v, pi);
    else if (key == "Subnets")
      subnet(v, pi);
    else if (key == "Vpcs")
      vpc(v, pi);
    else if (key == "RouteTables")
      route_table(v, pi);
    else if (key == "InternetGateways")
      internet_gateway(v, pi);
    else if (key == "Addresses")
      elastic_ip(v, pi);
    else if (key == "PrefixLists")
      prefix_list(v, pi);
    else if (key == "Entries")
      prefix_list_entry(v, pi);
  }

  void end_member(const std::string& key) {
    if (key == "SecurityGroups" || key == "SecurityGroupRules")
      inv_.have_groups = true;
    else if (key == "NetworkAcls")
      inv_.have_nacls = true;
    else if (key == "NetworkInterfaces")
      inv_.have_enis = true;
    else if (key == "Reservations")
      inv_.have_instances = true;
    else if (key == "Subnets")
      inv_.have_subnets = true;
    else if (key == "Vpcs")
      inv_.have_vpcs = true;
    else if (key == "RouteTables")
      inv_.have_route_tables = true;
    else if (key == "InternetGateways")
      inv_.have_igws = true;
    else if (key == "Entries")
      entries_done(pointer_child("", key));
  }

  bool any() const { return any_; }

 private:
  // ---- rules ----------------------------------------------------------------

  std::optional<Services> services(const Json& obj, const std::string& p, const char* proto_key,
                                   const char* from_key, const char* to_key) {
    auto proto = r_.string(obj, p, proto_key, true);
    if (!proto) return std::nullopt;
    bool ok = true;
    Services s;
    s.protocol = parse_protocol(*proto, ok);
    if (!ok) {
      r_.error(pointer_child(p, proto_key), fmt::format("unknown protocol `{}`", *proto));
      return std::nullopt;
    }
    auto from = r_.integer(obj, p, from_key, false, -1, 65535);
    auto to = r_.integer(obj, p, to_key, false, -1, 65535);
    if (!s.protocol) return s;
    return ports(*s.protocol, from, to, p, to_key) ? std::optional<Services>(fill(s, from, to))
                                                   : std::nullopt;
  }

  static Services fill(Services s, std::optional<int64_t> from, std::optional<int64_t> to) {
    s.from = from.value_or(-1);
    s.to = to.value_or(-1);
    return s;
  }

  // Checks ports (tcp/udp) or ICMP type and code against the protocol.
  bool ports(uint8_t protocol, std::optional<int64_t> from, std::optional<int64_t> to, const std::string& p,
             const char* to_key) {
    if (protocol == 6 || protocol == 17) {
      if (from && to && *from >= 0 && *to >= 0 && *to < *from) {
        r_.error(pointer_child(p, to_key),
                 fmt::format("the port range {}-{} ends before it starts", *from, *to));
        return false;
      }
    } else if (protocol == 1 || protocol == 58) {
      if ((from && *from > 255) || (to && *to > 255)) {
        r_.error(p, "an ICMP type and code are -1 or 0-255");
        return false;
      }
    }
    return true;
  }

  void security_group(const Json& v, const std::string& p) {
    if (!r_.is_object(v, p, "a security group")) return;
    r_.check_keys(v, p, "SecurityGroup");
    auto id = r_.string(v, p, "GroupId", true);
    if (!id) return;
    SecurityGroup& g = group(*id, p);
    if (g.listed) {
      r_.warning(codes::kInconsistent, p,
                 fmt::format("security group `{}` is described twice; its rules are united", *id));
    }
    g.listed = true;
    g.origin = r_.at(p);
    g.name = r_.string(v, p, "GroupName", false).value_or(g.name);
    g.vpc = r_.string(v, p, "VpcId", false).value_or(g.vpc);
    auto owner = r_.string(v, p, "OwnerId", false).value_or("");
    for (const char* key : {"IpPermissions", "IpPermissionsEgress"}) {
      const Json* perms = r_.array(v, p, key, false);
      if (!perms) continue;
      bool egress = std::string_view(key) == "IpPermissionsEgress";
      for (size_t i = 0; i < perms->size(); ++i)
        permission((*perms)[i], pointer_index(pointer_child(p, key), i), g, egress, owner);
    }
  }

  SecurityGroup& group(const std::string& id, const std::string& p) {
    auto [it, fresh] = inv_.groups.try_emplace(id);
    if (fresh) {
      it->second.key = id;
      it->second.origin = r_.at(p);
    }
    return it->second;
  }

  void permission(const Json& v, const std::string& p, SecurityGroup& g, bool egress,
                  const std::string& owner) {
    if (!r_.is_object(v, p, "an IP permission")) return;
    r_.check_keys(v, p, "IpPermission");
    auto svc = services(v, p, "IpProtocol", "FromPort", "ToPort");
    if (!svc) return;
    auto add = [&](Peer peer, const std::string& pp, const Json& entry) {
      SgRule rule;
      rule.egress = egress;
      rule.services = *svc;
      rule.peer = std::move(peer);
      rule.origin = r_.at(pp);
      rule.description = text_or(entry, "Description");
      g.rules.push_back(std::move(rule));
    };
    auto list = [&](const char* key, const char* shape, auto&& each) {
      const Json* a = r_.array(v, p, key, false);
      if (!a) return;
      for (size_t i = 0; i < a->size(); ++i) {
        std::string pp = pointer_index(pointer_child(p, key), i);
        if (!r_.is_object((*a)[i], pp, shape)) continue;
        r_.check_keys((*a)[i], pp, shape);
        each((*a)[i], pp);
      }
    };
    list("IpRanges", "IpRange", [&](const Json& e, const std::string& pp) {
      auto c = r_.cidr(e, pp, "CidrIp", true, core::Family::V4);
      if (!c) return;
      add(Peer{Peer::Kind::Cidr, *c, "", e["CidrIp"].get<std::string>(), false}, pp, e);
    });
    list("Ipv6Ranges", "Ipv6Range", [&](const Json& e, const std::string& pp) {
      auto c = r_.cidr(e, pp, "CidrIpv6", true, core::Family::V6);
      if (!c) return;
      add(Peer{Peer::Kind::Cidr, *c, "", e["CidrIpv6"].get<std::string>(), false}, pp, e);
    });
    list("PrefixListIds", "PrefixListId", [&](const Json& e, const std::string& pp) {
      auto id = r_.string(e, pp, "PrefixListId", true);
      if (!id) return;
      add(Peer{Peer::Kind::PrefixList, {}, *id, *id, false}, pp, e);
    });
    list("UserIdGroupPairs", "UserIdGroupPair", [&](const Json& e, const std::string& pp) {
      auto id = r_.string(e, pp, "GroupId", false);
      if (!id) id = r_.string(e, pp, "GroupName", false);
      if (!id) {
        r_.error(pp, "missing `GroupId`");
        return;
      }
      std::string user = r_.string(e, pp, "UserId", false).value_or("");
      std::string pcx = r_.string(e, pp, "VpcPeeringConnectionId", false).value_or("");
      bool peered = !pcx.empty() || (!user.empty() && !owner.empty() && user != owner);
      std::string text = *id + (pcx.empty() ? "" : " via " + pcx);
      add(Peer{Peer::Kind::Group, {}, *id, text, peered}, pp, e);
    });
  }

  void security_group_rule(const Json& v, const std::string& p) {
    if (!r_.is_object(v, p, "a security group rule")) return;
    r_.check_keys(v, p, "SecurityGroupRule");
    auto gid = r_.string(v, p, "GroupId", true);
    auto egress = r_.boolean(v, p, "IsEgress", true);
    auto svc = services(v, p, "IpProtocol", "FromPort", "ToPort");
    if (!gid || !egress || !svc) return;
    SgRule rule;
    rule.egress = *egress;
    rule.services = *svc;
    rule.id = r_.string(v, p, "SecurityGroupRuleId", false).value_or("");
    rule.description = r_.string(v, p, "Description", false).value_or("");
    rule.origin = r_.at(p);
    rule.origin.native_id = rule.id;
    int peers = 0;
    if (Reader::member(v, "CidrIpv4")) {
      ++peers;
      if (auto c = r_.cidr(v, p, "CidrIpv4", true, core::Family::V4))
        rule.peer = Peer{Peer::Kind::Cidr, *c, "", v["CidrIpv4"].get<std::string>(), false};
      else
        return;
    }
    if (Reader::member(v, "CidrIpv6")) {
      ++peers;
      if (auto c = r_.cidr(v, p, "CidrIpv6", true, core::Family::V6))
        rule.peer = Peer{Peer::Kind::Cidr, *c, "", v["CidrIpv6"].get<std::string>(), false};
      else
        return;
    }
    if (Reader::member(v, "PrefixListId")) {
      ++peers;
      auto id = r_.string(v, p, "PrefixListId", true);
      if (!id) return;
      rule.peer = Peer{Peer::Kind::PrefixList, {}, *id, *id, false};
    }
    if (const Json* ref = Reader::member(v, "ReferencedGroupInfo")) {
      ++peers;
      std::string rp = pointer_child(p, "ReferencedGroupInfo");
      if (!r_.is_object(*ref, rp, "a referenced group")) return;
      r_.check_keys(*ref, rp, "ReferencedSecurityGroup");
      auto id = r_.string(*ref, rp, "GroupId", true);
      if (!id) return;
      std::string pcx = r_.string(*ref, rp, "VpcPeeringConnectionId", false).value_or("");
      std::string user = r_.string(*ref, rp, "UserId", false).value_or("");
      std::string owner = r_.string(v, p, "GroupOwnerId", false).value_or("");
      bool peered = !pcx.empty() || (!user.empty() && !owner.empty() && user != owner);
      rule.peer = Peer{Peer::Kind::Group, {}, *id, *id + (pcx.empty() ? "" : " via " + pcx), peered};
    }
    if (peers != 1) {
      r_.error(
          p, peers == 0
                 ? "the rule names no peer (`CidrIpv4`, `CidrIpv6`, `PrefixListId` or `ReferencedGroupInfo`)"
                 : "the rule names more than one peer");
      return;
    }
    group(*gid, p).rules.push_back(std::move(rule));
  }

  void network_acl(const Json& v, const std::string& p) {
    if (!r_.is_object(v, p, "a network ACL")) return;
    r_.check_keys(v, p, "NetworkAcl");
    auto id = r_.string(v, p, "NetworkAclId", true);
    if (!id) return;
    if (inv_.nacls.count(*id)) {
      r_.warning(codes::kInconsistent, p,
                 fmt::format("network ACL `{}` is described twice; the first is used", *id));
      return;
    }
    Nacl n;
    n.key = *id;
    n.origin = r_.at(p);
    n.vpc = r_.string(v, p, "VpcId", false).value_or("");
    n.is_default = r_.boolean(v, p, "IsDefault", false).value_or(false);
    if (const Json* assoc = r_.array(v, p, "Associations", false)) {
      for (size_t i = 0; i < assoc->size(); ++i) {
        std::string ap = pointer_index(pointer_child(p, "Associations"), i);
        if (!r_.is_object((*assoc)[i], ap, "an association")) continue;
        r_.check_keys((*assoc)[i], ap, "NetworkAclAssociation");
        if (auto s = r_.string((*assoc)[i], ap, "SubnetId", true)) n.subnets.push_back(*s);
      }
    }
    if (const Json* entries = r_.array(v, p, "Entries", true)) {
      for (size_t i = 0; i < entries->size(); ++i) {
        std::string ep = pointer_index(pointer_child(p, "Entries"), i);
        if (auto e = nacl_entry((*entries)[i], ep)) n.entries.push_back(std::move(*e));
      }
    }
    inv_.nacls.emplace(*id, std::move(n));
  }

  std::optional<NaclEntry> nacl_entry(const Json& v, const std::string& p) {
    if (!r_.is_object(v, p, "a network ACL entry")) return std::nullopt;
    r_.check_keys(v, p, "NetworkAclEntry");
    NaclEntry e;
    e.origin = r_.at(p);
    auto number = r_.integer(v, p, "RuleNumber", true, 1, 32768);
    auto egress = r_.boolean(v, p, "Egress", true);
    auto action = r_.string(v, p, "RuleAction", true);
    auto proto = r_.string(v, p, "Protocol", true);
    bool ok = number && egress && action && proto;
    if (action && *action != "allow" && *action != "deny") {
      r_.error(pointer_child(p, "RuleAction"),
               fmt::format("`RuleAction` is `allow` or `deny`, not `{}`", *action));
      ok = false;
    }
    if (proto) {
      bool pok = true;
      e.services.protocol = parse_protocol(*proto, pok);
      if (!pok) {
        r_.error(pointer_child(p, "Protocol"), fmt::format("unknown protocol `{}`", *proto));
        ok = false;
      }
    }
    bool v4 = Reader::member(v, "CidrBlock") != nullptr, v6 = Reader::member(v, "Ipv6CidrBlock") != nullptr;
    if (v4 == v6) {
      r_.error(p, "an entry has exactly one of `CidrBlock` and `Ipv6CidrBlock`");
      ok = false;
    } else {
      const char* key = v4 ? "CidrBlock" : "Ipv6CidrBlock";
      auto c = r_.cidr(v, p, key, true, v4 ? core::Family::V4 : core::Family::V6);
      if (c) {
        e.cidr = *c;
        e.cidr_text = v[key].get<std::string>();
      } else {
        ok = false;
      }
    }
    if (const Json* range = Reader::member(v, "PortRange")) {
      std::string rp = pointer_child(p, "PortRange");
      if (r_.is_object(*range, rp, "a port range")) {
        r_.check_keys(*range, rp, "PortRange");
        auto from = r_.integer(*range, rp, "From", true, 0, 65535);
        auto to = r_.integer(*range, rp, "To", true, 0, 65535);
        if (from && to && *to < *from) {
          r_.error(rp, fmt::format("the port range {}-{} ends before it starts", *from, *to));
          ok = false;
        }
        if (from && to && e.services.protocol && (*e.services.protocol == 6 || *e.services.protocol == 17)) {
          e.services.from = *from;
          e.services.to = *to;
        }
      }
    }
    if (const Json* icmp = Reader::member(v, "IcmpTypeCode")) {
      std::string ip = pointer_child(p, "IcmpTypeCode");
      if (r_.is_object(*icmp, ip, "an ICMP type and code")) {
        r_.check_keys(*icmp, ip, "IcmpTypeCode");
        auto type = r_.integer(*icmp, ip, "Type", false, -1, 255);
        auto code = r_.integer(*icmp, ip, "Code", false, -1, 255);
        if (e.services.protocol && (*e.services.protocol == 1 || *e.services.protocol == 58)) {
          e.services.from = type.value_or(-1);
          e.services.to = code.value_or(-1);
        }
      }
    }
    if (!ok) return std::nullopt;
    e.number = *number;
    e.egress = *egress;
    e.allow = *action == "allow";
    e.origin.native_id = fmt::format("{} {}", e.egress ? "egress" : "ingress", e.number);
    return e;
  }

  // ---- interfaces and instances ---------------------------------------------

  struct EniShapes {
    const char* eni;
    const char* attachment;
    const char* association;
    const char* private_ip;
    const char* ipv6;
    const char* ipv4_prefix;
    const char* ipv6_prefix;
  };

  std::optional<Eni> eni(const Json& v, const std::string& p, const EniShapes& s) {
    if (!r_.is_object(v, p, "a network interface")) return std::nullopt;
    r_.check_keys(v, p, s.eni);
    auto id = r_.string(v, p, "NetworkInterfaceId", true);
    if (!id) return std::nullopt;
    Eni e;
    e.id = *id;
    e.origin = r_.at(p);
    e.subnet = r_.string(v, p, "SubnetId", false).value_or("");
    e.vpc = r_.string(v, p, "VpcId", false).value_or("");
    e.status = r_.string(v, p, "Status", false).value_or("");
    e.type = r_.string(v, p, "InterfaceType", false).value_or("interface");
    e.description = r_.string(v, p, "Description", false).value_or("");
    e.deny_igw = r_.boolean(v, p, "DenyAllIgwTraffic", false).value_or(false);
    if (const Json* att = Reader::member(v, "Attachment")) {
      std::string ap = pointer_child(p, "Attachment");
      if (r_.is_object(*att, ap, "an attachment")) {
        r_.check_keys(*att, ap, s.attachment);
        e.instance = r_.string(*att, ap, "InstanceId", false).value_or("");
      }
    }
    if (const Json* groups = r_.array(v, p, "Groups", false)) {
      for (size_t i = 0; i < groups->size(); ++i) {
        std::string gp = pointer_index(pointer_child(p, "Groups"), i);
        if (!r_.is_object((*groups)[i], gp, "a group")) continue;
        r_.check_keys((*groups)[i], gp, "GroupIdentifier");
        if (auto g = r_.string((*groups)[i], gp, "GroupId", true)) e.groups.push_back(*g);
      }
    }
    auto add_private = [&](const core::Address& a) {
      if (std::find(e.private4.begin(), e.private4.end(), a) == e.private4.end()) e.private4.push_back(a);
    };
    auto add_public = [&](const core::Address& priv, const core::Address& pub) {
      auto pair = std::make_pair(priv, pub);
      if (std::find(e.public4.begin(), e.public4.end(), pair) == e.public4.end()) e.public4.push_back(pair);
    };
    auto association = [&](const Json& obj, const std::string& op) -> std::optional<core::Address> {
      const Json* a = Reader::member(obj, "Association");
      if (!a) return std::nullopt;
      std::string ap = pointer_child(op, "Association");
      if (!r_.is_object(*a, ap, "an association")) return std::nullopt;
      r_.check_keys(*a, ap, s.association);
      return r_.address(*a, ap, "PublicIp", false, core::Family::V4);
    };
    auto primary = r_.address(v, p, "PrivateIpAddress", false, core::Family::V4);
    if (primary) add_private(*primary);
    if (const Json* ips = r_.array(v, p, "PrivateIpAddresses", false)) {
      for (size_t i = 0; i < ips->size(); ++i) {
        std::string ip = pointer_index(pointer_child(p, "PrivateIpAddresses"), i);
        if (!r_.is_object((*ips)[i], ip, "a private address")) continue;
        r_.check_keys((*ips)[i], ip, s.private_ip);
        auto a = r_.address((*ips)[i], ip, "PrivateIpAddress", true, core::Family::V4);
        if (!a) continue;
        add_private(*a);
        if (auto pub = association((*ips)[i], ip)) add_public(*a, *pub);
      }
    }
    if (auto pub = association(v, p)) {
      if (primary)
        add_public(*primary, *pub);
      else if (!e.private4.empty())
        add_public(e.private4.front(), *pub);
    }
    if (const Json* v6 = r_.array(v, p, "Ipv6Addresses", false)) {
      for (size_t i = 0; i < v6->size(); ++i) {
        std::string ip = pointer_index(pointer_child(p, "Ipv6Addresses"), i);
        if (!r_.is_object((*v6)[i], ip, "an IPv6 address")) continue;
        r_.check_keys((*v6)[i], ip, s.ipv6);
        if (auto a = r_.address((*v6)[i], ip, "Ipv6Address", true, core::Family::V6)) {
          if (std::find(e.v6.begin(), e.v6.end(), *a) == e.v6.end()) e.v6.push_back(*a);
        }
      }
    }
    for (auto [key, shape, member, fam] :
         {std::tuple{"Ipv4Prefixes", s.ipv4_prefix, "Ipv4Prefix", core::Family::V4},
          std::tuple{"Ipv6Prefixes", s.ipv6_prefix, "Ipv6Prefix", core::Family::V6}}) {
      const Json* a = r_.array(v, p, key, false);
      if (!a) continue;
      for (size_t i = 0; i < a->size(); ++i) {
        std::string ip = pointer_index(pointer_child(p, key), i);
        if (!r_.is_object((*a)[i], ip, "a prefix")) continue;
        r_.check_keys((*a)[i], ip, shape);
        if (auto c = r_.cidr((*a)[i], ip, member, true, fam)) e.prefixes = e.prefixes.unite(*c);
      }
    }
    return e;
  }

  void network_interface(const Json& v, const std::string& p) {
    static const EniShapes shapes{"NetworkInterface",
                                  "NetworkInterfaceAttachment",
                                  "NetworkInterfaceAssociation",
                                  "NetworkInterfacePrivateIpAddress",
                                  "NetworkInterfaceIpv6Address",
                                  "Ipv4PrefixSpecification",
                                  "Ipv6PrefixSpecification"};
    if (auto e = eni(v, p, shapes)) inv_.enis.push_back(std::move(*e));
  }

  void reservation(const Json& v, const std::string& p) {
    if (!r_.is_object(v, p, "a reservation")) return;
    r_.check_keys(v, p, "Reservation");
    const Json* instances = r_.array(v, p, "Instances", true);
    if (!instances) return;
    static const EniShapes shapes{"InstanceNetworkInterface",
                                  "InstanceNetworkInterfaceAttachment",
                                  "InstanceNetworkInterfaceAssociation",
                                  "InstancePrivateIpAddress",
                                  "InstanceIpv6Address",
                                  "InstanceIpv4Prefix",
                                  "InstanceIpv6Prefix"};
    for (size_t i = 0; i < instances->size(); ++i) {
      std::string ip = pointer_index(pointer_child(p, "Instances"), i);
      const Json& in = (*instances)[i];
      if (!r_.is_object(in, ip, "an instance")) continue;
      r_.check_keys(in, ip, "Instance");
      auto id = r_.string(in, ip, "InstanceId", true);
      if (!id) continue;
      Instance inst;
      inst.id = *id;
      inst.origin = r_.at(ip);
      inst.name = tag_name(in);
      if (const Json* state = Reader::member(in, "State")) {
        if (state->is_object()) r_.check_keys(*state, pointer_child(ip, "State"), "InstanceState");
        if (state->is_object() && state->contains("Name") && (*state)["Name"].is_string())
          inst.state = (*state)["Name"].get<std::string>();
      }
      if (const Json* enis = r_.array(in, ip, "NetworkInterfaces", false)) {
        for (size_t k = 0; k < enis->size(); ++k) {
          if (auto e = eni((*enis)[k], pointer_index(pointer_child(ip, "NetworkInterfaces"), k), shapes)) {
            e->instance = *id;
            inst.enis.push_back(std::move(*e));
          }
        }
      }
      if (inst.enis.empty()) {
        // No interface list (EC2-Classic style output): the instance's own fields.
        auto priv = r_.address(in, ip, "PrivateIpAddress", false, core::Family::V4);
        if (priv) {
          Eni e;
          e.id = *id;
          e.instance = *id;
          e.origin = inst.origin;
          e.subnet = r_.string(in, ip, "SubnetId", false).value_or("");
          e.vpc = r_.string(in, ip, "VpcId", false).value_or("");
          e.status = "in-use";
          e.type = "interface";
          e.private4.push_back(*priv);
          if (auto pub = r_.address(in, ip, "PublicIpAddress", false, core::Family::V4))
            e.public4.emplace_back(*priv, *pub);
          if (const Json* groups = r_.array(in, ip, "SecurityGroups", false)) {
            for (size_t k = 0; k < groups->size(); ++k) {
              std::string gp = pointer_index(pointer_child(ip, "SecurityGroups"), k);
              if (r_.is_object((*groups)[k], gp, "a group"))
                if (auto g = r_.string((*groups)[k], gp, "GroupId", true)) e.groups.push_back(*g);
            }
          }
          inst.enis.push_back(std::move(e));
        }
      }
      inv_.instances.push_back(std::move(inst));
    }
  }

  // ---- subnets, VPCs, routes -------------------------------------------------

  std::string igw_block(const Json& v, const std::string& p) {
    const Json* b = Reader::member(v, "BlockPublicAccessStates");
    if (!b) return {};
    std::string bp = pointer_child(p, "BlockPublicAccessStates");
    if (!r_.is_object(*b, bp, "block public access states")) return {};
    r_.check_keys(*b, bp, "BlockPublicAccessStates");
    return r_.string(*b, bp, "InternetGatewayBlockMode", false).value_or("");
  }

  // CIDR blocks of an association set whose state is associated.
  void associated_blocks(const Json& v, const std::string& p, const char* set_key, const char* cidr_key,
                         const char* state_key, core::Family fam, core::AddressSet& out) {
    const Json* a = r_.array(v, p, set_key, false);
    if (!a) return;
    for (size_t i = 0; i < a->size(); ++i) {
      std::string ap = pointer_index(pointer_child(p, set_key), i);
      const Json& e = (*a)[i];
      if (!r_.is_object(e, ap, "a CIDR block association")) continue;
      std::string state = "associated";
      if (const Json* st = Reader::member(e, state_key);
          st && st->is_object() && st->contains("State") && (*st)["State"].is_string())
        state = (*st)["State"].get<std::string>();
      auto c = r_.cidr(e, ap, cidr_key, true, fam);
      if (c && state == "associated") out = out.unite(*c);
    }
  }

  void subnet(const Json& v, const std::string& p) {
    if (!r_.is_object(v, p, "a subnet")) return;
    r_.check_keys(v, p, "Subnet");
    auto id = r_.string(v, p, "SubnetId", true);
    if (!id) return;
    Subnet s;
    s.id = *id;
    s.origin = r_.at(p);
    s.vpc = r_.string(v, p, "VpcId", false).value_or("");
    s.name = tag_name(v);
    if (auto c = r_.cidr(v, p, "CidrBlock", false, core::Family::V4)) s.cidrs = *c;
    associated_blocks(v, p, "Ipv6CidrBlockAssociationSet", "Ipv6CidrBlock", "Ipv6CidrBlockState",
                      core::Family::V6, s.cidrs);
    s.igw_block = igw_block(v, p);
    inv_.subnets.emplace(*id, std::move(s));
  }

  void vpc(const Json& v, const std::string& p) {
    if (!r_.is_object(v, p, "a VPC")) return;
    r_.check_keys(v, p, "Vpc");
    auto id = r_.string(v, p, "VpcId", true);
    if (!id) return;
    Vpc out;
    out.id = *id;
    out.origin = r_.at(p);
    out.name = tag_name(v);
    if (auto c = r_.cidr(v, p, "CidrBlock", false, core::Family::V4)) out.cidrs = *c;
    associated_blocks(v, p, "CidrBlockAssociationSet", "CidrBlock", "CidrBlockState", core::Family::V4,
                      out.cidrs);
    associated_blocks(v, p, "Ipv6CidrBlockAssociationSet", "Ipv6CidrBlock", "Ipv6CidrBlockState",
                      core::Family::V6, out.cidrs);
    out.igw_block = igw_block(v, p);
    inv_.vpcs.emplace(*id, std::move(out));
  }

  void route_table(const Json& v, const std::string& p) {
    if (!r_.is_object(v, p, "a route table")) return;
    r_.check_keys(v, p, "RouteTable");
    auto id = r_.string(v, p, "RouteTableId", true);
    if (!id) return;
    RouteTable t;
    t.id = *id;
    t.origin = r_.at(p);
    t.vpc = r_.string(v, p, "VpcId", false).value_or("");
    if (const Json* assoc = r_.array(v, p, "Associations", false)) {
      for (size_t i = 0; i < assoc->size(); ++i) {
        std::string ap = pointer_index(pointer_child(p, "Associations"), i);
        const Json& a = (*assoc)[i];
        if (!r_.is_object(a, ap, "an association")) continue;
        r_.check_keys(a, ap, "RouteTableAssociation");
        std::string state = "associated";
        if (const Json* st = Reader::member(a, "AssociationState");
            st && st->is_object() && st->contains("State") && (*st)["State"].is_string())
          state = (*st)["State"].get<std::string>();
        if (state != "associated") continue;
        if (r_.boolean(a, ap, "Main", false).value_or(false)) t.main = true;
        if (auto s = r_.string(a, ap, "SubnetId", false)) t.subnets.push_back(*s);
      }
    }
    if (const Json* routes = r_.array(v, p, "Routes", false)) {
      for (size_t i = 0; i < routes->size(); ++i) {
        if (auto r = route((*routes)[i], pointer_index(pointer_child(p, "Routes"), i)))
          t.routes.push_back(*r);
      }
    }
    inv_.route_tables.emplace(*id, std::move(t));
  }

  std::optional<Route> route(const Json& v, const std::string& p) {
    if (!r_.is_object(v, p, "a route")) return std::nullopt;
    r_.check_keys(v, p, "Route");
    Route rt;
    rt.origin = r_.at(p);
    if (Reader::member(v, "DestinationCidrBlock")) {
      auto c = r_.cidr(v, p, "DestinationCidrBlock", true, core::Family::V4);
      if (!c) return std::nullopt;
      rt.destination = *c;
      rt.destination_text = v["DestinationCidrBlock"].get<std::string>();
    } else if (Reader::member(v, "DestinationIpv6CidrBlock")) {
      auto c = r_.cidr(v, p, "DestinationIpv6CidrBlock", true, core::Family::V6);
      if (!c) return std::nullopt;
      rt.destination = *c;
      rt.destination_text = v["DestinationIpv6CidrBlock"].get<std::string>();
    } else if (auto pl = r_.string(v, p, "DestinationPrefixListId", false)) {
      rt.prefix_list = *pl;
      rt.destination_text = *pl;
    } else {
      r_.error(p, "the route has no destination");
      return std::nullopt;
    }
    rt.prefix = cidr_prefix(rt.destination_text);
    rt.active = r_.string(v, p, "State", false).value_or("active") != "blackhole";
    auto id = [&](const char* key) { return r_.string(v, p, key, false); };
    if (auto g = id("GatewayId")) {
      rt.target_id = *g;
      if (*g == "local")
        rt.target = RouteTarget::Local;
      else if (g->rfind("igw-", 0) == 0)
        rt.target = RouteTarget::InternetGateway;
      else if (g->rfind("vgw-", 0) == 0)
        rt.target = RouteTarget::VpnGateway;
      else if (g->rfind("vpce-", 0) == 0)
        // A gateway endpoint (S3, DynamoDB) is routed to by prefix list; a
        // CIDR route to an endpoint goes through a Gateway Load Balancer
        // endpoint: an inspection appliance.
        rt.target = rt.prefix_list.empty() ? RouteTarget::Appliance : RouteTarget::Endpoint;
      else
        rt.target = RouteTarget::Other;
    } else if (auto n = id("NatGatewayId")) {
      rt.target = RouteTarget::NatGateway, rt.target_id = *n;
    } else if (auto n = id("EgressOnlyInternetGatewayId")) {
      rt.target = RouteTarget::EgressOnlyGateway, rt.target_id = *n;
    } else if (auto n = id("VpcPeeringConnectionId")) {
      rt.target = RouteTarget::Peering, rt.target_id = *n;
    } else if (auto n = id("TransitGatewayId")) {
      rt.target = RouteTarget::TransitGateway, rt.target_id = *n;
    } else if (auto n = id("LocalGatewayId")) {
      rt.target = RouteTarget::LocalGateway, rt.target_id = *n;
    } else if (auto n = id("CoreNetworkArn")) {
      rt.target = RouteTarget::CoreNetwork, rt.target_id = *n;
    } else if (auto n = id("NetworkInterfaceId")) {
      rt.target = RouteTarget::Appliance, rt.target_id = *n;
    } else if (auto n = id("InstanceId")) {
      rt.target = RouteTarget::Appliance, rt.target_id = *n;
    } else if (auto n = id("CarrierGatewayId")) {
      rt.target = RouteTarget::Other, rt.target_id = *n;
    } else {
      rt.target = RouteTarget::Other;
      rt.target_id = "an unknown target";
    }
    return rt;
  }

  void internet_gateway(const Json& v, const std::string& p) {
    if (!r_.is_object(v, p, "an internet gateway")) return;
    r_.check_keys(v, p, "InternetGateway");
    auto id = r_.string(v, p, "InternetGatewayId", true);
    if (!id) return;
    InternetGateway g;
    g.id = *id;
    g.origin = r_.at(p);
    if (const Json* a = r_.array(v, p, "Attachments", false)) {
      for (size_t i = 0; i < a->size(); ++i) {
        std::string ap = pointer_index(pointer_child(p, "Attachments"), i);
        if (!r_.is_object((*a)[i], ap, "an attachment")) continue;
        r_.check_keys((*a)[i], ap, "InternetGatewayAttachment");
        auto state = r_.string((*a)[i], ap, "State", false).value_or("available");
        auto vpc = r_.string((*a)[i], ap, "VpcId", true);
        if (vpc && (state == "available" || state == "attached")) g.vpcs.push_back(*vpc);
      }
    }
    inv_.igws.emplace(*id, std::move(g));
  }

  void elastic_ip(const Json& v, const std::string& p) {
    if (!r_.is_object(v, p, "an address")) return;
    r_.check_keys(v, p, "Address");
    auto pub = r_.address(v, p, "PublicIp", true, core::Family::V4);
    if (!pub) return;
    ElasticIp e;
    e.public_ip = *pub;
    e.origin = r_.at(p);
    e.eni = r_.string(v, p, "NetworkInterfaceId", false).value_or("");
    e.instance = r_.string(v, p, "InstanceId", false).value_or("");
    e.private_ip = r_.address(v, p, "PrivateIpAddress", false, core::Family::V4);
    inv_.eips.push_back(std::move(e));
  }

  void prefix_list(const Json& v, const std::string& p) {
    if (!r_.is_object(v, p, "a prefix list")) return;
    r_.check_keys(v, p, "ManagedPrefixList");
    auto id = r_.string(v, p, "PrefixListId", true);
    if (!id) return;
    PrefixList& pl = inv_.prefix_lists[*id];
    pl.id = *id;
    pl.name = r_.string(v, p, "PrefixListName", false).value_or("");
    if (!pl.origin.known()) pl.origin = r_.at(p);
  }

  void prefix_list_entry(const Json& v, const std::string& p) {
    if (!r_.is_object(v, p, "a prefix list entry")) return;
    r_.check_keys(v, p, "PrefixListEntry");
    if (auto c = r_.cidr(v, p, "Cidr", true)) entries_ = entries_.unite(*c);
  }

  // `get-managed-prefix-list-entries` does not repeat the list's id: it
  // comes from the file name.
  void entries_done(const std::string& p) {
    std::string id = prefix_list_id_in(file_name_);
    if (id.empty()) {
      r_.diags().error(codes::kNoInput, r_.at(p),
                       "prefix list entries without the list's id: name the file after the prefix list "
                       "(e.g. `pl-0123456789abcdef0.json`)");
      return;
    }
    PrefixList& pl = inv_.prefix_lists[id];
    pl.id = id;
    pl.entries = pl.entries ? pl.entries->unite(entries_) : entries_;
    pl.origin = r_.at(p);
    entries_ = {};
  }

  // The members of an AWS CLI output: the top-level keys of every shape
  // whose name ends in `Output`.
  static std::set<std::string, std::less<>> top_keys() {
    std::set<std::string, std::less<>> top;
    for (const auto& [shape, keys] : known_keys()) {
      if (shape.size() > 6 && shape.substr(shape.size() - 6) == "Output")
        top.insert(keys.begin(), keys.end());
    }
    return top;
  }

  Reader& r_;
  Inventory& inv_;
  std::string file_name_;
  core::AddressSet entries_;
  std::set<std::string, std::less<>> top_ = top_keys();
  bool any_ = false;
};

// A file read as a stream hands its members to the reader.
class StreamedCli : public JsonMembers {
 public:
  explicit StreamedCli(CliReader& r) : r_(r) {}
  void root_not_object(const char* type_name) override { r_.root_not_object(type_name); }
  bool begin_member(const std::string& key, const char* type_name, bool is_null, bool is_array) override {
    return r_.begin_member(key, type_name, is_null, is_array);
  }
  void element(const std::string& key, size_t index, const Json& value) override {
    r_.element(key, index, value);
  }
  void end_member(const std::string& key) override { r_.end_member(key); }

 private:
  CliReader& r_;
};

// Whether the file starts with a UTF-16LE byte order mark (PowerShell's `>`).
bool utf16_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char bom[2] = {0, 0};
  in.read(bom, 2);
  return in.gcount() == 2 && static_cast<unsigned char>(bom[0]) == 0xFF &&
         static_cast<unsigned char>(bom[1]) == 0xFE;
}

}  // namespace

std::optional<uint8_t> parse_protocol(const std::string& text, bool& ok) {
  ok = true;
  std::string t = text;
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  if (t == "-1" || t == "all") return std::nullopt;
  if (auto p = core::protocol_by_name(t)) return p;
  if (!t.empty() && t.size() <= 3 &&
      std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int n = std::stoi(t);
    if (n <= 255) return uint8_t(n);
  }
  ok = false;
  return std::nullopt;
}

bool read_cli_json(const Json& root, Reader& reader, Inventory& inventory, const std::string& file_name) {
  return CliReader(reader, inventory, file_name).read(root);
}

core::ImportResult import_cli(const core::ImportRequest& request) {
  core::Diagnostics diags;
  Inventory inv;
  inv.source = "aws";
  std::vector<std::pair<std::string, std::string>> files;  // (path, display)
  std::error_code ec;
  bool folder = fs::is_directory(request.path, ec);
  if (folder) {
    std::vector<fs::path> paths;
    for (const auto& entry : fs::directory_iterator(request.path, ec)) {
      if (entry.is_regular_file(ec) && entry.path().extension() == ".json") paths.push_back(entry.path());
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& path : paths) {
      files.emplace_back(path.string(), (fs::path(request.display_path) / path.filename()).string());
    }
    if (files.empty()) {
      diags.error(
          codes::kNoInput, request.origin,
          fmt::format("`{}` holds no `.json` file (expected the output of `aws ec2 describe-...` commands)",
                      request.display_path));
    }
  } else {
    files.emplace_back(request.path, request.display_path);
  }
  // Each file is read as a stream (bounded memory: one element of an array
  // at a time), and read again to locate the JSON pointers. UTF-16 text
  // (PowerShell's `>`) is decoded in memory first.
  struct Located {
    std::string path, display;
    std::optional<std::string> text;  // decoded UTF-16 text; else read from `path`
  };
  std::vector<Located> located;
  for (const auto& [path, display] : files) {
    std::string file_name = fs::path(path).filename().string();
    bool any = false;
    if (!fs::is_directory(path, ec) && !utf16_file(path)) {
      std::ifstream probe(path, std::ios::binary);
      if (!probe) {
        read_native_file(path, request.origin, diags);  // says why
        continue;
      }
      Reader reader(display, diags);
      CliReader cli(reader, inv, file_name);
      StreamedCli members(cli);
      located.push_back(Located{path, display, std::nullopt});
      if (!stream_json_file(path, display, members, diags)) continue;
      any = cli.any();
    } else {
      auto text = read_native_file(path, request.origin, diags);
      if (!text) continue;
      std::string decoded = decode_text(*text);
      auto json = parse_json(decoded, display, diags);
      located.push_back(Located{path, display, std::move(decoded)});
      if (!json) continue;
      Reader reader(display, diags);
      any = read_cli_json(*json, reader, inv, file_name);
    }
    if (!any && !diags.has_errors()) {
      if (folder) {
        diags.warning(codes::kNoInput, core::Origin::native_json(display, ""),
                      "not the output of an `aws ec2 describe-...` command rampart reads; skipped");
      } else {
        diags.error(codes::kNoInput, core::Origin::native_json(display, ""),
                    "not the output of an `aws ec2 describe-...` command rampart reads (no `SecurityGroups`, "
                    "`NetworkAcls`, `Reservations`, ...)");
      }
    }
  }
  core::ImportResult result = build(std::move(inv), std::move(diags));
  for (const auto& l : located) {
    if (l.text) {
      locate_origins(*l.text, l.display, result);
    } else {
      std::ifstream in(l.path, std::ios::binary);
      TextSource source(in);
      locate_origins(source, l.display, result);
    }
    result.fragment.source_files.push_back(l.display);
  }
  return result;
}

core::ImportResult parse_cli(std::string_view text, const std::string& file) {
  core::Diagnostics diags;
  Inventory inv;
  inv.source = "aws";
  std::string decoded = decode_text(std::string(text));
  if (auto json = parse_json(decoded, file, diags)) {
    Reader reader(file, diags);
    if (!read_cli_json(*json, reader, inv, file) && !diags.has_errors()) {
      diags.error(codes::kNoInput, core::Origin::native_json(file, ""),
                  "not the output of an `aws ec2 describe-...` command rampart reads");
    }
  }
  core::ImportResult result = build(std::move(inv), std::move(diags));
  locate_origins(decoded, file, result);
  return result;
}

std::string decode_text(const std::string& text) {
  // PowerShell's `>` writes UTF-16LE with a byte order mark.
  if (text.size() >= 2 && static_cast<unsigned char>(text[0]) == 0xFF &&
      static_cast<unsigned char>(text[1]) == 0xFE) {
    std::string out;
    for (size_t i = 2; i + 1 < text.size(); i += 2) {
      uint32_t cp =
          static_cast<unsigned char>(text[i]) | (uint32_t(static_cast<unsigned char>(text[i + 1])) << 8);
      if (cp >= 0xD800 && cp < 0xDC00 && i + 3 < text.size()) {
        uint32_t lo = static_cast<unsigned char>(text[i + 2]) |
                      (uint32_t(static_cast<unsigned char>(text[i + 3])) << 8);
        if (lo >= 0xDC00 && lo < 0xE000) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          i += 2;
        }
      }
      if (cp < 0x80) {
        out += char(cp);
      } else if (cp < 0x800) {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        out += char(0xE0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
      } else {
        out += char(0xF0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3F));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
      }
    }
    return out;
  }
  return text;
}

}  // namespace rampart::importers::aws
