#pragma once
// The language front end: policy text -> core::Policy, with every mistake
// reported as a located diagnostic. No ANTLR type crosses this header.

#include <optional>
#include <string>
#include <string_view>

#include "rampart/core/diagnostic.h"
#include "rampart/core/import.h"
#include "rampart/core/packet.h"
#include "rampart/core/policy.h"
#include "rampart/core/question.h"

namespace rampart::dsl {

struct PolicyLoad {
  std::optional<core::Policy> policy;  // absent when any error was reported
  core::Diagnostics diagnostics;       // errors, warnings (e.g. from importers)
};

// Reads, parses and binds a policy file and everything it includes and
// imports. Relative paths in `include` and `import` are relative to the file
// that names them.
PolicyLoad load_policy_file(const std::string& path, const core::ImportResolver& resolver);

// The same for text in memory; `display_name` names it in diagnostics and
// `base_dir` resolves its relative paths.
PolicyLoad load_policy_text(std::string_view text, const std::string& display_name,
                            const std::string& base_dir, const core::ImportResolver& resolver);

struct QuestionParse {
  std::optional<core::Question> question;
  core::Diagnostics diagnostics;
};

// Parses and binds one question (`reach office -> web1 tcp/22`) against a
// loaded policy, as `rampart query` does.
QuestionParse parse_question(std::string_view text, const core::Policy& policy);

struct PacketParse {
  std::optional<core::Packet> packet;
  core::HostId destination;  // the host named or owning the destination address
  core::HostId source_host;  // the host named or owning the source address, if any
  core::Diagnostics diagnostics;
};

// Parses one concrete packet (`tcp 192.168.1.50:40000 -> web1:22`) for
// `rampart explain`. A host name stands for its only address of the other
// end's family.
PacketParse parse_packet(std::string_view text, const core::Policy& policy);

}  // namespace rampart::dsl
