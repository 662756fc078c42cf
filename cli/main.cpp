#include <unistd.h>

#include <iostream>

#include "app.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  rampart::cli::Streams streams{std::cout, std::cerr, isatty(STDOUT_FILENO) != 0, isatty(STDERR_FILENO) != 0};
  int code = rampart::cli::run(args, streams);
  std::cout.flush();
  return code;
}
