#pragma once
// Generators of large, realistic rule sets for benchmarks: enterprise-style
// first-match firewalls with mixed prefix lengths, port ranges, protocols and
// overlapping rules, written in rampart's own formats so loading is measured
// the way users load them.

#include <cstdint>
#include <string>

namespace rampart::bench {

struct FirewallShape {
  int rules = 1000;
  uint64_t seed = 1;
};

// A rules.csv file with one first-match filter `fw` (default deny).
std::string generate_rules_csv(const FirewallShape& shape);

// A policy that imports `csv_path` as the inbound layer of host `server`
// (10.20.0.10) with listeners on the common service ports.
std::string generate_policy(const std::string& csv_path);

// An iptables-save file (table filter) of about `shape.rules` rules, laid
// out as hand-kept host firewalls are: INPUT (policy DROP) accepts loopback
// and established traffic, then dispatches by source network to user chains
// `net_N`, which jump or go to service chains `svc_N`, log, RETURN, DROP and
// REJECT; addresses, ports (single, multiport, ranges), iprange, ICMP
// types, interfaces, and a few matches rampart does not model (limit,
// recent), so answers carry must and may sets.
std::string generate_iptables_save(const FirewallShape& shape);

// A policy that imports `dump_path` (netfilter.iptables-save) as the input
// and output filter of host `fw` (10.20.0.10 on eth0) listening on every
// tcp and udp port.
std::string generate_netfilter_policy(const std::string& dump_path);

}  // namespace rampart::bench
