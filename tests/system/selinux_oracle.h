#pragma once
// libsepol's own decision functions as the oracle for rampart's SELinux
// evaluator: sepol_compute_av_reason_buffer on SIDs of full contexts, with
// the booleans flipped through the policydb the oracle reads. Only tests use
// this; rampart's decision path never calls libsepol's decisions.

#include <cstdio>
#include <stdexcept>
#include <string>

// clang-format off
extern "C" {
#include <sepol/policydb/policydb.h>

#include <sepol/debug.h>
#include <sepol/sepol.h>
#include <sepol/policydb/services.h>
#define bool sepol_bool_value
#include <sepol/policydb/conditional.h>
#undef bool
}
// clang-format on

namespace rampart::testing {

class SepolOracle {
 public:
  explicit SepolOracle(const std::string& path) {
    sepol_debug(0);
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw std::runtime_error("cannot open " + path);
    // Initialises libsepol's sidtab (and its own copy of the policy) ...
    if (sepol_set_policydb_from_file(f) != 0) throw std::runtime_error("libsepol cannot read " + path);
    std::rewind(f);
    // ... then decisions run on a policydb whose booleans the test may flip.
    policy_file pf;
    policy_file_init(&pf);
    pf.fp = f;
    pf.type = PF_USE_STDIO;
    policydb_init(&db_);
    if (policydb_read(&db_, &pf, 0) != 0) throw std::runtime_error("libsepol cannot read " + path);
    std::fclose(f);
    sepol_set_policydb(&db_);
  }
  ~SepolOracle() = default;  // the policydb lives as long as the process (libsepol keeps a pointer)

  policydb_t& db() { return db_; }

  // SID of a context, or 0 when libsepol refuses it.
  sepol_security_id_t sid(const std::string& context) {
    sepol_security_id_t s = 0;
    if (sepol_context_to_sid(context.c_str(), context.size() + 1, &s) != 0) return 0;
    return s;
  }

  // The access vector for (source, target, class index), requested bits.
  uint32_t allowed(sepol_security_id_t s, sepol_security_id_t t, uint16_t cls_index, uint32_t requested) {
    struct sepol_av_decision avd {};
    unsigned int reason = 0;
    char* buf = nullptr;
    int rc = sepol_compute_av_reason_buffer(s, t, sepol_security_class_t(cls_index + 1), requested, &avd,
                                            &reason, &buf, 0);
    std::free(buf);
    if (rc != 0) throw std::runtime_error("sepol_compute_av_reason_buffer failed");
    return avd.allowed;
  }

  void set_boolean(uint32_t index, bool value) {
    db_.bool_val_to_struct[index]->state = value ? 1 : 0;
    evaluate_conds(&db_);
  }
  bool boolean(uint32_t index) const { return db_.bool_val_to_struct[index]->state != 0; }

 private:
  policydb_t db_;
};

}  // namespace rampart::testing
