#pragma once
// The solver: Z3 answers to the questions a policy asks. One Session owns one
// Z3 context and every expression built in it; no Z3 type crosses this
// header. Every witness is replayed through core's concrete evaluator before
// it is returned, and every exact set is certified by a final solver call; a
// failure of either is an InternalError (exit 4), never an answer.

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>
#include <string>

#include "rampart/core/policy.h"
#include "rampart/core/question.h"
#include "rampart/core/result.h"

namespace rampart::solver {

struct Limits {
  unsigned timeout_ms = 0;  // per solver call; 0 = none
  uint64_t rlimit = 0;      // Z3 resource limit per call (deterministic); 0 = none
};

// Deliberate corruption for tests that prove the safety nets work.
struct FaultInjection {
  bool corrupt_exact_set = false;  // hand the certifier a wrong set
  bool mutate_witness = false;     // hand the replay a different packet
};

struct Statistics {
  uint64_t solver_calls = 0;
  uint64_t rules_encoded = 0;
  uint64_t rules_sliced_away = 0;
  uint64_t boxes = 0;
  // Canonical witnesses from the set engine that failed replay or disagreed
  // with the solver (the solver's witness was shown instead). Always 0 unless
  // the set engine has a bug; the property tests insist on it.
  uint64_t engine_disagreements = 0;
};

class Session {
 public:
  explicit Session(const core::Policy& policy, Limits limits = {}, FaultInjection faults = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Answers a network question. Throws core::InternalError when a witness
  // fails replay or an exact set fails certification.
  core::Result answer(const core::Question& question);

  // The conflict report (docs/semantics/linux-dac.md): denied declared
  // accesses and ownership drift, each with a verified least-privilege fix
  // when one exists.
  // Findings go to `report.findings`, the per-file tables to `report.resources`.
  void conflicts(core::Report& report, std::optional<core::HostId> host = std::nullopt);

  // Answers a network question counting only packets that reach one of
  // `listeners` of the destination.
  core::Result answer_through(const core::Question& question, std::vector<core::ListenerId> listeners);

  const Statistics& statistics() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "Z3 4.8.12": the solver rampart links against.
std::string backend_version();

}  // namespace rampart::solver
