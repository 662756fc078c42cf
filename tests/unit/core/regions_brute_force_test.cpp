// answer_by_enumeration against brute force: seeded random policies over a
// packet universe small enough to evaluate every packet, with verdicts
// computed from the definitions in docs/semantics/network.md (must / may
// admitted per packet).

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "core_test_util.h"
#include "rampart/core/regions.h"

namespace rampart::core {
namespace {

using testing::add_filter;
using testing::addr;
using testing::aset;
using testing::layer;

struct Gen {
  std::mt19937_64 rng;
  explicit Gen(uint64_t seed) : rng(seed) {}
  unsigned below(unsigned n) { return unsigned(rng() % n); }
  bool chance(unsigned percent) { return below(100) < percent; }
  unsigned between(unsigned lo, unsigned hi) { return lo + below(hi - lo + 1); }
};

const char* const kHostAddresses[] = {"10.0.1.1", "10.0.1.2"};
constexpr uint16_t kClientLo = 1024, kClientHi = 1027;

AddressMatch random_address(Gen& g, bool source) {
  if (g.chance(50)) return AddressMatch::any();
  AddressMatch m;
  if (source) {
    unsigned prefix = g.between(26, 32);
    uint32_t base = 0x0a000000u + (g.below(32) & ~((1u << (32 - prefix)) - 1));
    m.set = AddressSet::of(Cidr{Address::v4(base), prefix});
  } else {
    m.set = AddressSet::of(addr(kHostAddresses[g.below(2)]));
  }
  m.negated = g.chance(20);
  return m;
}

ServiceMatch random_service(Gen& g) {
  ServiceMatch m;
  switch (g.below(6)) {
    case 0: return m;  // any
    case 1:
    case 2: {
      m.protocols = ByteSet::single(g.chance(60) ? proto::kTcp : proto::kUdp);
      unsigned lo = g.between(16, 28), hi = g.between(lo, 28);
      m.dst_ports = PortSet::range(uint16_t(lo), uint16_t(hi));
      if (g.chance(25)) {
        unsigned slo = g.between(1020, 1035), shi = g.between(slo, 1035);
        m.src_ports = PortSet::range(uint16_t(slo), uint16_t(shi));
      }
      return m;
    }
    case 3: {
      m.protocols = ByteSet::single(proto::kIcmp);
      unsigned lo = g.between(0, 10), hi = g.between(lo, 10);
      m.icmp_types = ByteSet::range(uint8_t(lo), uint8_t(hi));
      if (g.chance(30)) m.icmp_codes = ByteSet::single(uint8_t(g.below(2)));
      return m;
    }
    case 4: {  // the reply's source port is the service port
      m.protocols = ByteSet::single(g.chance(60) ? proto::kTcp : proto::kUdp);
      unsigned lo = g.between(16, 28), hi = g.between(lo, 28);
      m.src_ports = PortSet::range(uint16_t(lo), uint16_t(hi));
      return m;
    }
    default: {  // every protocol, one destination port range (ports ignored for icmp)
      unsigned lo = g.between(16, 28), hi = g.between(lo, 28);
      m.dst_ports = PortSet::range(uint16_t(lo), uint16_t(hi));
      return m;
    }
  }
}

Match random_match(Gen& g, const std::vector<ConditionId>& conditions) {
  Match m;
  m.src = random_address(g, true);
  m.dst = random_address(g, false);
  m.services = ServiceSet::of(random_service(g));
  if (g.chance(15)) m.services.clauses.push_back(random_service(g));
  if (g.chance(20)) {
    static const char* const names[] = {"eth0", "eth1", "eth+", "lo"};
    m.in_interface = InterfaceMatch{{names[g.below(4)]}, g.chance(30)};
  }
  if (g.chance(20))
    m.states = g.chance(50) ? conn_state_bit(ConnState::New) : conn_state_bit(ConnState::Established);
  if (g.chance(12)) m.unknowns.push_back(conditions[g.below(unsigned(conditions.size()))]);
  return m;
}

// `open`: a permissive set (default allow, few rules, mostly allows), so that
// `all` questions can hold.
RuleSet random_rule_set(Gen& g, int index, const std::vector<ConditionId>& conditions, bool open) {
  RuleSet rs;
  rs.name = fmt::format("rs{}", index);
  rs.combining = Combining(g.below(4));
  rs.default_action = open || g.chance(50) ? Action::Allow : Action::Deny;
  unsigned chains = rs.combining == Combining::FirstMatch && g.chance(30) ? 2 : 1;
  for (unsigned c = 0; c < chains; ++c) {
    Chain chain;
    chain.name = fmt::format("{}-c{}", rs.name, c);
    unsigned n = open ? g.below(3) : g.below(5);
    for (unsigned i = 0; i < n; ++i) {
      Rule r;
      r.name = fmt::format("{}-r{}", chain.name, i);
      r.match = random_match(g, conditions);
      switch (rs.combining) {
        case Combining::FirstMatch: {
          unsigned a = g.below(10);
          r.action = a < 4 ? Action::Allow : a < 8 ? Action::Deny : a < 9 ? Action::Continue : Action::Return;

          if (c == 0 && chains == 2 && g.chance(40)) {
            r.action = g.chance(70) ? Action::Jump : Action::Goto;
            r.target_chain = 1;
          }
          break;
        }
        case Combining::AllowUnion: r.action = Action::Allow; break;
        case Combining::BlockOverridesAllow: {
          unsigned a = g.below(10);
          r.action = a < 5 ? Action::Allow : a < 9 ? Action::Deny : Action::Bypass;
          break;
        }
        case Combining::PriorityDenyWins:
          r.action = g.chance(50) ? Action::Allow : Action::Deny;
          r.priority = g.below(4);
          break;
      }
      // Open sets deny only under an unknown condition.
      if (open && r.action == Action::Deny) {
        if (r.match.unknowns.empty())
          r.match.unknowns.push_back(conditions[g.below(unsigned(conditions.size()))]);
        r.match.services = ServiceSet::any();
      }
      chain.rules.push_back(std::move(r));
    }
    rs.chains.push_back(std::move(chain));
  }
  return rs;
}

Listener random_listener(Gen& g) {
  Listener l;
  l.protocol = g.chance(60) ? proto::kTcp : proto::kUdp;
  unsigned lo = g.between(16, 28), hi = g.between(lo, 28);
  l.ports = PortSet::range(uint16_t(lo), uint16_t(hi));
  switch (g.below(4)) {
    case 0: l.bind = Bind{}; break;
    case 1: l.bind = Bind{Bind::Kind::AnyV4, {}}; break;
    case 2: l.bind = Bind{Bind::Kind::Address, addr(kHostAddresses[g.below(2)])}; break;
    default: l.bind = Bind{Bind::Kind::Address, addr("127.0.0.1")}; break;
  }
  return l;
}

Policy random_policy(Gen& g, HostId& web) {
  Policy p;
  std::vector<ConditionId> conditions{p.condition_named("C0", "C0", {}), p.condition_named("C1", "C1", {})};
  Host h;
  h.name = "web";
  h.interfaces.push_back(testing::iface("eth0", {kHostAddresses[0]}));
  h.interfaces.push_back(testing::iface("eth1", {kHostAddresses[1]}));
  int sets = 0;
  bool open = g.chance(30);
  unsigned layers = g.between(1, 2);
  for (unsigned li = 0; li < layers; ++li) {
    Layer l;
    unsigned members = g.between(1, 2);
    for (unsigned m = 0; m < members; ++m) {
      RuleSetId in = p.add(random_rule_set(g, sets++, conditions, open));
      RuleSetId out = g.chance(80) ? p.add(random_rule_set(g, sets++, conditions, open)) : RuleSetId{};
      l.members.push_back(add_filter(p, fmt::format("f{}{}", li, m), in, out, g.chance(50),
                                     g.chance(50) ? FilterScope::Host : FilterScope::Network));
    }
    h.inbound.push_back(std::move(l));
  }
  unsigned listeners = g.below(4);
  for (unsigned i = 0; i < listeners; ++i) h.listeners.push_back(random_listener(g));
  if (open) {  // everything listens, behind the random ones
    h.listeners.push_back(testing::listener(proto::kTcp, 0, 65535));
    h.listeners.push_back(testing::listener(proto::kUdp, 0, 65535));
  }
  web = p.add(std::move(h));
  return p;
}

ServiceSet question_services() {
  ServiceMatch icmp = ServiceMatch::protocol(proto::kIcmp);
  icmp.icmp_types = ByteSet::range(0, 9);
  icmp.icmp_codes = ByteSet::range(0, 1);
  return ServiceSet{{ServiceMatch::tcp(18, 26), ServiceMatch::udp(18, 26), icmp}};
}

struct Truth {
  bool some_must_admitted = false, some_may_admitted = false;
  bool some_must_denied = false, some_may_denied = false;
  size_t packets = 0;
};

// Every packet of the question, evaluated.
Truth brute_force(const Policy& p, const NetworkPath& path, const AddressSet& sources) {
  Truth t;
  ServiceSet services = question_services();
  auto visit = [&](const Packet& pk) {
    ++t.packets;
    bool all = true, any = false;
    for (const auto& e : evaluate_all(p, path, pk)) {
      all &= e.outcome.admitted;
      any |= e.outcome.admitted;
    }
    t.some_must_admitted |= all;
    t.some_may_admitted |= any;
    t.some_must_denied |= !any;
    t.some_may_denied |= !all;
  };
  for (const auto& r : sources.v4().intervals()) {
    for (uint32_t s = r.lo; s <= r.hi; ++s) {
      for (const char* d : kHostAddresses) {
        Packet pk;
        pk.src = Address::v4(s);
        pk.dst = addr(d);
        for (uint8_t proto : {proto::kTcp, proto::kUdp}) {
          pk.protocol = proto;
          for (unsigned sp = kClientLo; sp <= kClientHi; ++sp) {
            for (unsigned dp = 18; dp <= 26; ++dp) {
              pk.src_port = uint16_t(sp);
              pk.dst_port = uint16_t(dp);
              visit(pk);
            }
          }
        }
        pk.protocol = proto::kIcmp;
        pk.src_port = pk.dst_port = 0;
        for (unsigned type = 0; type <= 9; ++type) {
          for (unsigned code = 0; code <= 1; ++code) {
            pk.icmp_type = uint8_t(type);
            pk.icmp_code = uint8_t(code);
            EXPECT_TRUE(services.matches(pk.protocol, 0, 0, pk.icmp_type, pk.icmp_code));
            visit(pk);
          }
        }
      }
    }
  }
  return t;
}

Verdict expected(NetworkClaim claim, const Truth& t) {
  switch (claim) {
    case NetworkClaim::Reach:
      return t.some_must_admitted   ? Verdict::Holds
             : !t.some_may_admitted ? Verdict::Violated
                                    : Verdict::Unknown;
    case NetworkClaim::NotReach:
      return !t.some_may_admitted   ? Verdict::Holds
             : t.some_must_admitted ? Verdict::Violated
                                    : Verdict::Unknown;
    case NetworkClaim::AllReach:
      return !t.some_may_denied ? Verdict::Holds : t.some_must_denied ? Verdict::Violated : Verdict::Unknown;
    default: return Verdict::Unknown;
  }
}

TEST(EnumerationBruteForce, RandomPoliciesSmallUniverse) {
  uint64_t seed0 = 1000;
  if (const char* env = std::getenv("RAMPART_TEST_SEED")) seed0 = std::strtoull(env, nullptr, 10);
  // Under the sanitizers (several times slower) a fifth of the cases.
#ifdef RAMPART_SANITIZED
  unsigned cases = 24;
#else
  unsigned cases = 120;
#endif
  if (const char* env = std::getenv("RAMPART_TEST_CASES")) cases = unsigned(std::strtoul(env, nullptr, 10));
  std::map<std::string, int> tally;
  for (uint64_t iter = 0; iter < cases; ++iter) {
    uint64_t seed = seed0 + iter;
    SCOPED_TRACE(fmt::format("seed {} (rerun with RAMPART_TEST_SEED={} RAMPART_TEST_CASES=1)", seed, seed));
    Gen g(seed);
    HostId web;
    Policy p = random_policy(g, web);
    // Sources: 10.0.0.0/29, as a question from the network.
    Endpoint src;
    src.addresses = aset("10.0.0.0/29");
    src.client_ports = PortSet::range(kClientLo, kClientHi);
    Destination dst;
    dst.host = web;
    NetworkPath path = path_for(p, src, dst);
    Truth t = brute_force(p, path, src.addresses);
    ASSERT_EQ(t.packets, 8u * 2 * (2 * 4 * 9 + 10 * 2));
    for (auto claim : {NetworkClaim::Reach, NetworkClaim::NotReach, NetworkClaim::AllReach}) {
      NetworkQuestion nq;
      nq.claim = claim;
      nq.source = src;
      nq.destination = dst;
      nq.services = question_services();
      Question q;
      q.body = nq;
      auto r = answer_by_enumeration(p, q, 1000000);
      ASSERT_TRUE(r.has_value());
      Verdict want = expected(claim, t);
      EXPECT_EQ(verdict_name(r->verdict), verdict_name(want)) << "claim " << q.kind_name();
      tally[fmt::format("{} {}", q.kind_name(), verdict_name(want))]++;
      // A witness, when there is one, is a packet of the question that shows the verdict.
      if (r->network) {
        const Packet& w = r->network->packet;
        EXPECT_TRUE(src.addresses.contains(w.src));
        EXPECT_TRUE(
            question_services().matches(w.protocol, w.src_port, w.dst_port, w.icmp_type, w.icmp_code));
      }
    }
    if (HasFailure()) return;
  }
  // The generator must produce every kind of answer, or the test proves little.
  for (const char* k : {"reach holds", "reach violated", "reach unknown", "not-reach holds",
                        "not-reach violated", "all-reach holds", "all-reach violated", "all-reach unknown"}) {
    EXPECT_GT(tally[k], 0) << k;
  }
}

}  // namespace
}  // namespace rampart::core
