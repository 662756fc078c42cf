#include "bounds.h"

namespace rampart::solver {
namespace {

bool any_port_protocol(const core::ByteSet& s) {
  for (const auto& iv : s.intervals()) {
    for (unsigned p = iv.lo; p <= iv.hi; ++p) {
      if (core::has_ports(uint8_t(p))) return true;
    }
  }
  return false;
}
bool any_icmp_protocol(const core::ByteSet& s) {
  return s.contains(core::proto::kIcmp) || s.contains(core::proto::kIcmpV6);
}
bool any_other_protocol(const core::ByteSet& s) {
  for (const auto& iv : s.intervals()) {
    for (unsigned p = iv.lo; p <= iv.hi; ++p) {
      if (!core::has_ports(uint8_t(p)) && !core::has_icmp(uint8_t(p))) return true;
    }
  }
  return false;
}

bool address_may_match(const core::AddressMatch& m, const core::AddressSet& bound) {
  if (!m.symbols.empty()) return true;
  if (m.negated) return !bound.subtract(m.set).empty();
  return m.set.intersects(bound);
}

}  // namespace

bool services_intersect(const core::ServiceMatch& a, const core::ServiceMatch& b) {
  core::ByteSet common = a.protocols.intersect(b.protocols);
  if (common.empty()) return false;
  if (any_other_protocol(common)) return true;
  if (any_port_protocol(common) && a.src_ports.intersects(b.src_ports) && a.dst_ports.intersects(b.dst_ports)) {
    return true;
  }
  if (any_icmp_protocol(common) && a.icmp_types.intersects(b.icmp_types) && a.icmp_codes.intersects(b.icmp_codes)) {
    return true;
  }
  return false;
}

FieldBounds forward_bounds(const core::QuestionSpace& space) {
  FieldBounds b;
  b.src = space.sources;
  b.dst = space.destinations;
  b.services = space.services;
  for (auto& c : b.services.clauses) c.src_ports = c.src_ports.intersect(space.client_ports);
  b.state = core::ConnState::New;
  return b;
}

FieldBounds reply_bounds(const core::QuestionSpace& space) {
  FieldBounds b;
  b.src = space.destinations;
  b.dst = space.sources;
  b.services = space.services;
  for (auto& c : b.services.clauses) {
    core::PortSet client = c.src_ports.intersect(space.client_ports);
    c.src_ports = c.dst_ports;
    c.dst_ports = client;
    // Echo replies change the type; any type is a safe bound.
    c.icmp_types = core::ByteSet::all();
  }
  b.state = core::ConnState::Established;
  return b;
}

bool may_match(const core::Match& m, const FieldBounds& b) {
  if ((m.states & core::conn_state_bit(b.state)) == 0) return false;
  if (m.family) {
    if (b.src.only(*m.family).empty() || b.dst.only(*m.family).empty()) return false;
  }
  if (!address_may_match(m.src, b.src) || !address_may_match(m.dst, b.dst)) return false;
  for (const auto& rc : m.services.clauses) {
    for (const auto& bc : b.services.clauses) {
      if (services_intersect(rc, bc)) return true;
    }
  }
  return false;
}

}  // namespace rampart::solver
