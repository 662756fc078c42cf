#pragma once
// A picture of each host for people: sources and zones -> each inbound layer
// -> listeners -> services -> the files they touch. Built from the policy as
// a small graph model, marked with what a report found (a denied access, an
// exposed listener), and rendered as Graphviz DOT. Running `dot` is the
// caller's business: this library never starts a process.

#include <cstdint>
#include <string>
#include <vector>

#include "rampart/core/policy.h"
#include "rampart/core/result.h"

namespace rampart::exporters {

enum class NodeKind : uint8_t { Source, Layer, Listener, Service, File };
std::string node_kind_name(NodeKind k);  // "source", "layer", ...

// How a node or an edge is drawn: Bad = a finding points at it (a denied
// access, a listener reached against a claim); Good = checked and granted;
// Warn = an untrusted zone; Muted = a path that carries no traffic from
// other hosts (a loopback-only listener).
enum class Mark : uint8_t { Normal, Good, Warn, Bad, Muted };
std::string mark_name(Mark m);  // "normal", "good", ...

struct PictureNode {
  std::string id;  // "n0", "n1", ...: generated, never text from the input
  NodeKind kind = NodeKind::Source;
  std::string label;                 // e.g. the zone's or the service's name
  std::vector<std::string> details;  // further lines: addresses, owner, mode ...
  Mark mark = Mark::Normal;
};

struct PictureEdge {
  std::string from, to;  // node ids
  std::string label;     // e.g. the operation a service performs on a file
  Mark mark = Mark::Normal;
};

struct HostPicture {
  std::string host;
  std::vector<PictureNode> nodes;  // by kind: sources, layers, listeners, services, files
  std::vector<PictureEdge> edges;
  const PictureNode* node(const std::string& id) const;
};

// One picture per host of the policy, in the policy's order.
std::vector<HostPicture> build_pictures(const core::Policy& policy, const core::Report& report);

// One `digraph` per picture; graph and node names are generated ids, every
// label is escaped, so the text is safe to hand to `dot` whatever the names.
std::string render_dot(const HostPicture& picture);
std::string render_dot(const std::vector<HostPicture>& pictures);

}  // namespace rampart::exporters
