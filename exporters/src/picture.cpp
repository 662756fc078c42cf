#include "rampart/exporters/picture.h"

#include <fmt/format.h>

#include <map>
#include <set>
#include <tuple>

#include "escape.h"

namespace rampart::exporters {

std::string node_kind_name(NodeKind k) {
  switch (k) {
    case NodeKind::Source: return "source";
    case NodeKind::Layer: return "layer";
    case NodeKind::Listener: return "listener";
    case NodeKind::Service: return "service";
    case NodeKind::File: return "file";
  }
  return "?";
}

std::string mark_name(Mark m) {
  switch (m) {
    case Mark::Normal: return "normal";
    case Mark::Good: return "good";
    case Mark::Warn: return "warn";
    case Mark::Bad: return "bad";
    case Mark::Muted: return "muted";
  }
  return "?";
}

const PictureNode* HostPicture::node(const std::string& id) const {
  for (const auto& n : nodes) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

namespace {

// At most this many address blocks are listed under a zone.
constexpr size_t kMaxBlocks = 4;

std::string user_name(const core::Policy& policy, core::HostId host, uint32_t uid) {
  for (const auto& u : policy.users) {
    if (u.host == host && u.uid == uid) return u.name;
  }
  return std::to_string(uid);
}

std::string group_name(const core::Policy& policy, core::HostId host, uint32_t gid) {
  for (const auto& g : policy.groups) {
    if (g.host == host && g.gid == gid) return g.name;
  }
  return std::to_string(gid);
}

std::string layer_member(const core::Policy& policy, core::FilterId id) {
  const auto& f = policy.filter(id);
  std::string text = f.name;
  std::string kind = f.kind;
  if (f.inbound.valid()) {
    const auto& rs = policy.rule_set(f.inbound);
    kind += fmt::format(", {}, {} rule{}, default {}", core::combining_name(rs.combining), rs.rule_count(),
                        rs.rule_count() == 1 ? "" : "s", core::action_name(rs.default_action));
  }
  if (f.stateless) kind += ", stateless";
  return text + " (" + kind + ")";
}

// Access edges marked by the report: (service, operation, path) -> mark.
using AccessKey = std::tuple<std::string, std::string, std::string>;

void mark_access(std::map<AccessKey, Mark>& marks, AccessKey key, Mark m) {
  auto [it, inserted] = marks.emplace(std::move(key), m);
  if (!inserted && m == Mark::Bad) it->second = Mark::Bad;  // a denial wins over a grant
}

// Does a witness admit a packet to this listener of this host?
bool reaches(const core::NetworkWitness& w, const std::string& host, const core::Listener& l) {
  if (!w.admitted || !l.origin.known() || !(w.listener_origin == l.origin)) return false;
  for (const auto& s : w.steps) {
    if (s.host == host && s.direction == core::Direction::Inbound) return true;
  }
  return w.steps.empty();
}

}  // namespace

std::vector<HostPicture> build_pictures(const core::Policy& policy, const core::Report& report) {
  std::vector<HostPicture> pictures;
  for (uint32_t h = 0; h < policy.hosts.size(); ++h) {
    const core::Host& host = policy.hosts[h];
    core::HostId hid{h};
    HostPicture p;
    p.host = host.name;
    auto add = [&p](NodeKind kind, std::string label, std::vector<std::string> details, Mark mark) {
      p.nodes.push_back(
          PictureNode{fmt::format("n{}", p.nodes.size()), kind, std::move(label), std::move(details), mark});
      return p.nodes.back().id;
    };

    // Sources: every zone of the policy, or `any` when there is none.
    std::vector<std::string> sources;
    for (const auto& z : policy.zones) {
      std::vector<std::string> details;
      auto blocks = z.addresses.to_cidrs();
      if (z.addresses.is_any()) {
        details.push_back("any address");
      } else {
        for (size_t i = 0; i < blocks.size() && i < kMaxBlocks; ++i) details.push_back(blocks[i].to_string());
        if (blocks.size() > kMaxBlocks)
          details.push_back(fmt::format("and {} more", blocks.size() - kMaxBlocks));
      }
      if (z.untrusted) details.push_back("untrusted");
      sources.push_back(add(NodeKind::Source, "zone " + z.name, std::move(details),
                            z.untrusted ? Mark::Warn : Mark::Normal));
    }
    if (sources.empty()) sources.push_back(add(NodeKind::Source, "any source", {}, Mark::Normal));

    // The inbound layers, crossed in order.
    std::vector<std::string> previous = sources;
    for (size_t i = 0; i < host.inbound.size(); ++i) {
      std::vector<std::string> details;
      for (auto m : host.inbound[i].members) details.push_back(layer_member(policy, m));
      if (host.inbound[i].members.size() > 1) details.push_back("members united");
      std::string id =
          add(NodeKind::Layer, fmt::format("inbound layer {}", i + 1), std::move(details), Mark::Normal);
      for (const auto& from : previous) p.edges.push_back(PictureEdge{from, id, {}, Mark::Normal});
      previous = {id};
    }

    // Listeners, marked where a claim or a finding's witness reaches one.
    std::map<uint32_t, std::string> service_node;  // service index -> node id
    std::vector<std::pair<std::string, core::ServiceId>> listener_service;
    for (const auto& l : host.listeners) {
      Mark mark = Mark::Normal;
      for (const auto& r : report.results) {
        if (r.verdict == core::Verdict::Violated && r.network && reaches(*r.network, host.name, l))
          mark = Mark::Bad;
      }
      for (const auto& f : report.findings) {
        if (f.severity != core::Severity::Note && f.network && reaches(*f.network, host.name, l))
          mark = Mark::Bad;
      }
      std::vector<std::string> details;
      if (l.bind.is_loopback_only()) details.push_back("loopback only");
      std::string label = l.to_string();
      if (l.service.valid() && l.process.empty() && l.service.index() < policy.services.size())
        label += " (" + policy.service(l.service).name + ")";
      std::string id = add(NodeKind::Listener, label, std::move(details), mark);
      for (const auto& from : previous) {
        if (l.bind.is_loopback_only()) {
          p.edges.push_back(PictureEdge{from, id, "not from other hosts", Mark::Muted});
        } else {
          p.edges.push_back(PictureEdge{from, id, {}, mark == Mark::Bad ? Mark::Bad : Mark::Normal});
        }
      }
      if (l.service.valid()) listener_service.emplace_back(id, l.service);
    }

    // What the report says about each declared access.
    std::map<AccessKey, Mark> access_marks;
    std::map<std::string, std::string> created_as;
    for (const auto& rr : report.resources) {
      if (rr.host != host.name) continue;
      if (!rr.created_as.empty()) created_as[rr.path] = rr.created_as;
      for (const auto& a : rr.accesses) {
        mark_access(access_marks, {a.service, a.operation, rr.path},
                    a.granted   ? Mark::Good
                    : a.unknown ? Mark::Warn
                                : Mark::Bad);
      }
    }
    auto witness_mark = [&](const core::AccessWitness& w, bool bad) {
      if (w.subject.kind != "service") return;
      auto sid = policy.find_service(w.subject.name, hid);
      if (!sid || policy.service(*sid).host != hid) return;
      mark_access(access_marks, {w.subject.name, core::operation_name(w.operation), w.path},
                  bad ? Mark::Bad : Mark::Good);
    };
    for (const auto& r : report.results) {
      if (r.access && r.verdict == core::Verdict::Violated) witness_mark(*r.access, !r.access->granted);
    }
    for (const auto& f : report.findings) {
      if (f.access && f.severity != core::Severity::Note) witness_mark(*f.access, !f.access->granted);
    }

    // Services and the files they touch.
    std::map<std::string, std::string> file_node;  // path -> node id
    std::vector<std::string> paths;
    for (uint32_t s = 0; s < policy.services.size(); ++s) {
      const auto& svc = policy.services[s];
      if (svc.host != hid) continue;
      std::vector<std::string> details;
      std::string run_as = svc.user_name.empty() ? std::to_string(svc.uid) : svc.user_name;
      if (!svc.group_name.empty()) run_as += ":" + svc.group_name;
      details.push_back(fmt::format("runs as {} (uid {}, gid {})", run_as, svc.uid, svc.gid));
      if (svc.umask != 022) details.push_back(fmt::format("umask {:03o}", svc.umask));
      if (!svc.domain.empty()) details.push_back("domain " + svc.domain);
      service_node[s] = add(NodeKind::Service, "service " + svc.name, std::move(details), Mark::Normal);
      for (const auto& a : svc.accesses) {
        if (!file_node.count(a.path)) {
          file_node[a.path] = "";
          paths.push_back(a.path);
        }
      }
    }
    for (const auto& [listener, sid] : listener_service) {
      auto it = service_node.find(sid.index());
      if (it != service_node.end()) p.edges.push_back(PictureEdge{listener, it->second, {}, Mark::Normal});
    }
    // Files in path order, so the picture does not depend on declaration order.
    std::sort(paths.begin(), paths.end());
    std::map<std::string, Mark> file_mark;
    for (const auto& [key, m] : access_marks) {
      const std::string& path = std::get<2>(key);
      if (m == Mark::Bad) file_mark[path] = Mark::Bad;
    }
    for (const auto& path : paths) {
      std::vector<std::string> details;
      for (const auto& f : policy.files) {
        if (f.host != hid || f.path != path) continue;
        details.push_back(fmt::format("{} {}:{} {:04o}", core::file_type_name(f.type),
                                      user_name(policy, hid, f.uid), group_name(policy, hid, f.gid), f.mode));
      }
      if (created_as.count(path)) details.push_back("created as " + created_as[path]);
      auto fm = file_mark.find(path);
      file_node[path] =
          add(NodeKind::File, path, std::move(details), fm == file_mark.end() ? Mark::Normal : fm->second);
    }
    for (uint32_t s = 0; s < policy.services.size(); ++s) {
      const auto& svc = policy.services[s];
      if (svc.host != hid) continue;
      for (const auto& a : svc.accesses) {
        std::string op = core::operation_name(a.operation);
        auto m = access_marks.find({svc.name, op, a.path});
        Mark mark = m == access_marks.end() ? Mark::Normal : m->second;
        std::string label = op;
        if (mark == Mark::Bad) label += ": denied";
        p.edges.push_back(PictureEdge{service_node[s], file_node[a.path], label, mark});
      }
    }
    pictures.push_back(std::move(p));
  }
  return pictures;
}

namespace {

struct Look {
  const char* color;
  const char* fill;
  const char* style;
};

Look look(Mark m) {
  switch (m) {
    case Mark::Good: return {"#2e7d32", "#e8f5e9", "rounded,filled"};
    case Mark::Warn: return {"#b26a00", "#fff3e0", "rounded,filled"};
    case Mark::Bad: return {"#c62828", "#ffebee", "rounded,filled,bold"};
    case Mark::Muted: return {"#9e9e9e", "#fafafa", "rounded,filled,dashed"};
    case Mark::Normal: break;
  }
  return {"#455a64", "#ffffff", "rounded,filled"};
}

const char* shape(NodeKind k) {
  switch (k) {
    case NodeKind::Source: return "box";
    case NodeKind::Layer: return "box3d";
    case NodeKind::Listener: return "cds";
    case NodeKind::Service: return "component";
    case NodeKind::File: return "note";
  }
  return "box";
}

}  // namespace

std::string render_dot(const HostPicture& picture) {
  using detail::dot_escape;
  std::string out = "digraph host {\n";
  out += fmt::format("  label=\"host {}\";\n  labelloc=t;\n  rankdir=LR;\n", dot_escape(picture.host));
  out += "  fontname=\"Helvetica\";\n  node [fontname=\"Helvetica\", fontsize=10];\n";
  out += "  edge [fontname=\"Helvetica\", fontsize=9];\n";
  for (const auto& n : picture.nodes) {
    std::string label = n.label;
    for (const auto& d : n.details) label += "\n" + d;
    Look l = look(n.mark);
    out += fmt::format("  {} [label=\"{}\", shape={}, style=\"{}\", color=\"{}\", fillcolor=\"{}\"];\n", n.id,
                       dot_escape(label), shape(n.kind), n.kind == NodeKind::Layer ? "filled" : l.style,
                       l.color, l.fill);
  }
  // Each kind in its own column.
  for (NodeKind k : {NodeKind::Source, NodeKind::Listener, NodeKind::Service, NodeKind::File}) {
    std::string ids;
    for (const auto& n : picture.nodes) {
      if (n.kind == k) ids += " " + n.id + ";";
    }
    if (!ids.empty()) out += "  { rank=same;" + ids + " }\n";
  }
  for (const auto& e : picture.edges) {
    Look l = look(e.mark);
    std::string style = e.mark == Mark::Muted ? "dashed" : e.mark == Mark::Bad ? "bold" : "solid";
    out += fmt::format("  {} -> {} [color=\"{}\", fontcolor=\"{}\", style={}", e.from, e.to, l.color, l.color,
                       style);
    if (!e.label.empty()) out += fmt::format(", label=\"{}\"", dot_escape(e.label));
    out += "];\n";
  }
  out += "}\n";
  return out;
}

std::string render_dot(const std::vector<HostPicture>& pictures) {
  std::string out;
  for (const auto& p : pictures) out += render_dot(p);
  return out;
}

}  // namespace rampart::exporters
