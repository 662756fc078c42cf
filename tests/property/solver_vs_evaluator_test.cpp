// The solver against the reference: seeded random policies and questions;
// every verdict and every exact set compared with core's exhaustive region
// enumeration (one representative per region between rule boundaries, each
// boundary with its neighbours). Witness replay and set certification run
// inside the solver on every case as well.
//
//   RAMPART_PROPERTY_SEED=N     first seed (printed on failure)
//   RAMPART_PROPERTY_CASES=N    questions per shard
//   RAMPART_PROPERTY_SHARD=i/n  this shard of n

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "random_policy.h"
#include "rampart/core/evaluator.h"
#include "rampart/core/regions.h"
#include "rampart/solver/session.h"

namespace rampart {
namespace {

using namespace core;

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : fallback;
}

struct Shard {
  uint64_t index = 0, count = 1;
};
Shard shard() {
  Shard s;
  if (const char* v = std::getenv("RAMPART_PROPERTY_SHARD")) {
    std::sscanf(v, "%lu/%lu", &s.index, &s.count);
  }
  return s;
}

constexpr size_t kMaxReferencePackets = 60000;

// Reference exact set: for each representative source and service, whether
// it is admitted under every / some valuation.
struct ReferenceSet {
  bool too_big = false;
  std::vector<std::tuple<Address, uint8_t, uint16_t, uint8_t, uint8_t, bool, bool>> points;  // ..., must, may
  std::set<std::pair<Family, u128>> source_points;
};

ReferenceSet reference_set(const Policy& policy, const NetworkQuestion& q) {
  ReferenceSet out;
  QuestionSpace space = question_space(policy, q, false);
  Representatives reps =
      representatives(policy, space.path, space.sources, space.destinations, space.services, space.client_ports);
  if (reps.product_size() > kMaxReferencePackets) {
    out.too_big = true;
    return out;
  }
  for (const auto& s : reps.sources) out.source_points.insert({s.family, s.bits});
  for (const auto& src : reps.sources) {
    for (uint8_t proto : reps.protocols) {
      if (has_icmp(proto) && (proto == proto::kIcmp) != (src.family == Family::V4)) continue;
      std::vector<uint16_t> dports = has_ports(proto) ? reps.dst_ports : std::vector<uint16_t>{0};
      std::vector<uint8_t> types = has_icmp(proto) ? reps.icmp_types : std::vector<uint8_t>{0};
      std::vector<uint8_t> codes = has_icmp(proto) ? reps.icmp_codes : std::vector<uint8_t>{0};
      std::vector<uint16_t> sports = has_ports(proto) ? reps.src_ports : std::vector<uint16_t>{0};
      for (uint16_t dp : dports) {
        for (uint8_t t : types) {
          for (uint8_t c : codes) {
            bool must = false, may = false;
            for (const auto& dst : reps.destinations) {
              if (dst.family != src.family) continue;
              for (uint16_t sp : sports) {
                if (!space.services.matches(proto, sp, dp, t, c)) continue;
                if (has_ports(proto) && !space.client_ports.contains(sp)) continue;
                Packet p;
                p.family = src.family;
                p.src = src;
                p.dst = dst;
                p.protocol = proto;
                p.src_port = sp;
                p.dst_port = dp;
                p.icmp_type = t;
                p.icmp_code = c;
                bool all = true, any = false;
                for (const auto& e : evaluate_all(policy, space.path, p)) {
                  all &= e.outcome.admitted;
                  any |= e.outcome.admitted;
                }
                must |= all;
                may |= any;
              }
            }
            out.points.emplace_back(src, proto, dp, t, c, must, may);
          }
        }
      }
    }
  }
  return out;
}

bool in_entries(const std::vector<SetEntry>& entries, const Address& src, uint8_t proto, uint16_t dport, uint8_t type,
                uint8_t code) {
  for (const auto& e : entries) {
    if (e.sources.contains(src) && e.services.matches(proto, 0, dport, type, code)) return true;
  }
  return false;
}

// Every interval end of a reported set must be a region boundary, so that
// checking the representatives checks every address.
void expect_boundaries(const std::vector<SetEntry>& entries, const ReferenceSet& ref, const std::string& where) {
  for (const auto& e : entries) {
    for (const auto& iv : e.sources.v4().intervals()) {
      EXPECT_TRUE(ref.source_points.count({Family::V4, iv.lo}) && ref.source_points.count({Family::V4, iv.hi}))
          << where << ": interval " << Address::v4(iv.lo).to_string() << "-" << Address::v4(iv.hi).to_string()
          << " does not end on region boundaries (" << ref.source_points.size() << " points: "
          << [&] {
               std::string pts;
               for (const auto& [f, v] : ref.source_points)
                 if (f == Family::V6) pts += Address::v6(v).to_string() + " ";
               return pts;
             }()
          << ")";
    }
    for (const auto& iv : e.sources.v6().intervals()) {
      EXPECT_TRUE(ref.source_points.count({Family::V6, iv.lo}) && ref.source_points.count({Family::V6, iv.hi}))
          << where << ": interval " << Address::v6(iv.lo).to_string() << "-" << Address::v6(iv.hi).to_string()
          << " does not end on region boundaries (" << ref.source_points.size() << " points: "
          << [&] {
               std::string pts;
               for (const auto& [f, v] : ref.source_points)
                 if (f == Family::V6) pts += Address::v6(v).to_string() + " ";
               return pts;
             }()
          << ")";
    }
  }
}

struct Counters {
  size_t checked = 0, skipped = 0, unknown = 0, sets = 0;
};

void check_case(uint64_t seed, int index, const Policy& policy, solver::Session& session, const Question& question,
                Counters& counters) {
  const auto& n = std::get<NetworkQuestion>(question.body);
  std::string where = fmt::format("seed {} question {} (claim {})", seed, index, int(n.claim));
  Result got;
  try {
    got = session.answer(question);
  } catch (const InternalError& e) {
    ADD_FAILURE() << where << ": internal error: " << e.what();
    return;
  }
  if (n.claim == NetworkClaim::QueryReach) {
    ReferenceSet ref = reference_set(policy, n);
    if (ref.too_big) {
      ++counters.skipped;
      return;
    }
    ++counters.checked;
    ++counters.sets;
    ASSERT_TRUE(got.set.has_value()) << where;
    EXPECT_TRUE(got.set->certified) << where;
    bool exact = true;
    for (const auto& [src, proto, dport, type, code, must, may] : ref.points) {
      exact &= must == may;
      EXPECT_EQ(in_entries(got.set->must, src, proto, dport, type, code), must)
          << where << ": must membership of " << src.to_string() << " proto " << int(proto) << " port " << dport;
      EXPECT_EQ(in_entries(got.set->may, src, proto, dport, type, code), may)
          << where << ": may membership of " << src.to_string() << " proto " << int(proto) << " port " << dport;
    }
    expect_boundaries(got.set->must, ref, where);
    expect_boundaries(got.set->may, ref, where);
    EXPECT_EQ(got.verdict, exact ? Verdict::Holds : Verdict::Unknown) << where;
    return;
  }
  Question reference_question = question;
  if (n.claim == NetworkClaim::OnlyReach) {
    // Only SRC reach: nothing from outside SRC is admitted.
    NetworkQuestion outside = n;
    outside.claim = NetworkClaim::NotReach;
    outside.source.kind = Endpoint::Kind::Addresses;
    outside.source.addresses = n.source.addresses.complement();
    reference_question.body = outside;
  }
  auto ref = answer_by_enumeration(policy, reference_question, kMaxReferencePackets);
  if (!ref) {
    ++counters.skipped;
    return;
  }
  ++counters.checked;
  if (got.verdict == Verdict::Unknown) ++counters.unknown;
  EXPECT_EQ(verdict_name(got.verdict), verdict_name(ref->verdict))
      << where << ": solver says `" << got.reason << "`"
      << (got.network ? " with " + got.network->packet.to_string() : std::string()) << ", enumeration says `"
      << ref->reason << "`" << (ref->network ? " with " + ref->network->packet.to_string() : std::string());
}

TEST(SolverProperty, AgreesWithExhaustiveEnumeration) {
  Shard sh = shard();
  uint64_t first = env_or("RAMPART_PROPERTY_SEED", 20261126);
  uint64_t questions = env_or("RAMPART_PROPERTY_CASES", 10000);
  Counters counters;
  uint64_t policies = (questions + 2) / 3;
  for (uint64_t i = sh.index; i < policies; i += sh.count) {
    uint64_t seed = first + i;
    testing::RandomPolicy gen(seed);
    Policy policy = gen.policy();
    solver::Session session(policy);
    for (int k = 0; k < 3; ++k) {
      Question q = gen.question(policy);
      check_case(seed, k, policy, session, q, counters);
      EXPECT_EQ(session.statistics().engine_disagreements, 0u)
          << "seed " << seed << " question " << k << ": the set engine's witness disagreed with the solver";
      if (::testing::Test::HasFailure()) {
        FAIL() << "first failure at seed " << seed << "; rerun with RAMPART_PROPERTY_SEED=" << seed
               << " RAMPART_PROPERTY_CASES=3";
      }
    }
  }
  std::printf("checked %zu questions (%zu exact sets, %zu unknown verdicts); %zu too large for the reference\n",
              counters.checked, counters.sets, counters.unknown, counters.skipped);
  // The reference must actually check the bulk of the cases.
  EXPECT_GE(counters.checked * 10, (counters.checked + counters.skipped) * 9);
}

}  // namespace
}  // namespace rampart
