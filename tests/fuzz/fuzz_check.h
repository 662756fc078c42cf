#pragma once
// The one way a fuzz target reports a broken invariant: a message and
// abort(), which libFuzzer records as a crash with its input.

#include <cstdio>
#include <cstdlib>

namespace rampart::fuzz {

inline void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace rampart::fuzz
