#pragma once
// Names of the unknown atoms, shared by the concrete evaluator and the
// solver: both must call the same unknown the same thing, or a replay could
// not line up a solver model with an evaluation.

#include <string>

#include "rampart/core/rule.h"

namespace rampart::core {

// `occurrence` is "fwd" (the forward packet) or "reply" (its reply).
std::string condition_atom(const std::string& occurrence, const std::string& condition_name);
std::string symbol_atom(const std::string& occurrence, const std::string& host, const std::string& symbol,
                        const char* field);  // field: "src" or "dst" (addresses), "sport" or "dport" (ports)
// The atom stands for the whole condition (negation included) being true.
std::string attribute_atom(const std::string& occurrence, const std::string& host, const AttributeMatch& m);
std::string interface_atom(const std::string& occurrence, const std::string& host, const char* which,
                           const InterfaceMatch& m);  // which: "in" or "out"

}  // namespace rampart::core
