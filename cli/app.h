#pragma once
// The `rampart` program's commands, callable without a process boundary so
// tests can drive them.

#include <ostream>
#include <string>
#include <vector>

namespace rampart::cli {

struct Streams {
  std::ostream& out;
  std::ostream& err;
  bool out_is_terminal = false;
  bool err_is_terminal = false;
};

// Runs `rampart ARGS...` and returns the exit code (docs/cli.md).
int run(const std::vector<std::string>& args, Streams streams);

}  // namespace rampart::cli
