#pragma once
// Draws DOT text into SVG with Graphviz's `dot`, run directly (posix_spawn,
// pipes, no shell) with a deadline. The exporters build the DOT; only the
// command line starts processes.

#include <chrono>
#include <string>

namespace rampart::cli {

struct Drawing {
  bool ok = false;
  std::string svg;         // dot's standard output when ok
  std::string error;       // for people when not: "`dot` is not installed (Graphviz)", ...
  bool missing = false;    // the program is not there
  bool timed_out = false;  // killed at the deadline
};

// Runs PROGRAM -Tsvg with `dot_text` on its standard input. PROGRAM is
// $RAMPART_DOT when set, else `dot` found on PATH. The child is killed when
// the deadline passes.
Drawing draw_svg(const std::string& dot_text, std::chrono::milliseconds timeout);

}  // namespace rampart::cli
