// System test: rampart's reading of netfilter rule sets against the real
// kernel, packet by packet.
//
// Each round builds two fresh network namespaces joined by a veth pair: a
// sender (`...-s`, interface vs0) and a receiver (`...-r`, interface vr0
// with two IPv4 and two IPv6 addresses, a default route back to the sender,
// static neighbours). A random rule set (INPUT, OUTPUT and user chains:
// addresses, ranges, protocols, ports, multiport, ICMP types, connection
// states, interfaces, address types, TCP flags, jumps, gotos, RETURN, LOG,
// REJECT, policies) is loaded into the receiver with iptables-restore,
// ip6tables-restore or nft -f (inet tables, named sets, verdict maps, a second
// base chain in another table). The receiver's own `iptables-save` /
// `nft list ruleset` output is what rampart imports, so the importer reads
// exactly what the tools print.
//
// Probes are Ethernet frames written on the sender's packet socket, with
// arbitrary source addresses: TCP SYNs, UDP datagrams, ICMP echo requests
// (and ICMP timestamp requests), each with a unique source and port or ICMP
// id. Two things are observed for every probe:
//
//   delivered  raw sockets in the receiver get a copy of every packet that
//              INPUT accepted (raw delivery runs after the input hook);
//              compared with rampart's INPUT rule set on the packet;
//   answered   the reply (SYN-ACK from a listener, the UDP echo of a small
//              echo server, the echo reply) captured on the sender's packet
//              socket: it exists only when INPUT accepted the request and
//              OUTPUT accepted the reply as ESTABLISHED; compared with
//              rampart's verdict on the host (the filter is stateless, so the
//              reply meets OUTPUT) from the reference evaluator, and for a
//              sample of probes from the solver (a `reach` question).
//
// No timeouts decide anything: each batch ends with a marker datagram that
// every rule set accepts first; the process runs on one CPU, so once the
// marker's echo is back, every probe of the batch has been handled.
//
// Needs root, ip, iptables-restore, ip6tables-restore and nft; skips with a
// message otherwise. Namespaces are named rpnf-PID-N-{s,r} and deleted when
// the test ends (also on SIGINT/SIGTERM); stale ones of dead test processes
// are removed first. RAMPART_SYSTEM_SEED=N reruns a seed,
// RAMPART_NF_ROUNDS and RAMPART_NF_PROBES change the size.

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "rampart/core/evaluator.h"
#include "rampart/core/policy.h"
#include "rampart/importers/netfilter.h"
#include "rampart/solver/session.h"

namespace rampart {
namespace {

namespace fs = std::filesystem;

// ---- the environment ----------------------------------------------------------

uint64_t env_number(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  return std::strtoull(v, nullptr, 10);
}

bool have_tool(const char* tool) {
  return std::system(fmt::format("command -v {} >/dev/null 2>&1", tool).c_str()) == 0;
}

int sh(const std::string& cmd) {
  return std::system(cmd.c_str());
}

std::string capture(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  if (status) *status = st;
  return out;
}

std::set<std::string>& live_namespaces() {
  static std::set<std::string> s;
  return s;
}
void delete_namespace(const std::string& name) {
  sh(fmt::format("ip netns del {} >/dev/null 2>&1", name));
  live_namespaces().erase(name);
}
void cleanup_all() {
  auto copy = live_namespaces();
  for (const auto& n : copy) delete_namespace(n);
}
void on_signal(int sig) {
  cleanup_all();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// Namespaces left by test processes that no longer run.
void remove_stale_namespaces() {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/var/run/netns", ec)) {
    std::string n = e.path().filename().string();
    int pid = 0;
    if (std::sscanf(n.c_str(), "rpnf-%d-", &pid) == 1 && pid > 0 && kill(pid, 0) != 0 && errno == ESRCH) {
      sh(fmt::format("ip netns del {} >/dev/null 2>&1", n));
    }
  }
}

class Netns {
 public:
  explicit Netns(std::string name) : name_(std::move(name)) {
    if (sh(fmt::format("ip netns add {}", name_)) != 0) return;
    live_namespaces().insert(name_);
    fd_ = open(("/var/run/netns/" + name_).c_str(), O_RDONLY | O_CLOEXEC);
  }
  ~Netns() {
    if (fd_ >= 0) close(fd_);
    delete_namespace(name_);
  }
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;
  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const std::string& name() const { return name_; }
  std::string exec(const std::string& cmd) const { return fmt::format("ip netns exec {} {}", name_, cmd); }

 private:
  std::string name_;
  int fd_ = -1;
};

// Runs the calling thread in a namespace until destroyed.
class InNetns {
 public:
  explicit InNetns(int fd) {
    home_ = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    ok_ = setns(fd, CLONE_NEWNET) == 0;
  }
  ~InNetns() {
    setns(home_, CLONE_NEWNET);
    close(home_);
  }
  bool ok() const { return ok_; }

 private:
  int home_ = -1;
  bool ok_ = false;
};

// ---- addresses and probes -------------------------------------------------------

struct Addr {
  bool v6 = false;
  uint8_t b[16] = {};
  static Addr parse(const std::string& s) {
    Addr a;
    a.v6 = s.find(':') != std::string::npos;
    inet_pton(a.v6 ? AF_INET6 : AF_INET, s.c_str(), a.b);
    return a;
  }
  std::string str() const {
    char buf[64];
    inet_ntop(v6 ? AF_INET6 : AF_INET, b, buf, sizeof buf);
    return buf;
  }
  int len() const { return v6 ? 16 : 4; }
  bool operator<(const Addr& o) const {
    if (v6 != o.v6) return v6 < o.v6;
    return std::memcmp(b, o.b, 16) < 0;
  }
  bool operator==(const Addr& o) const { return v6 == o.v6 && std::memcmp(b, o.b, 16) == 0; }
};

const char* kRecv4[] = {"172.31.0.1", "172.31.1.1"};
const char* kRecv6[] = {"fd77:1::1", "fd77:2::1"};
const char* kSender4 = "172.31.0.2";
const char* kSender6 = "fd77:1::2";
constexpr uint16_t kMarkerPort = 9;
constexpr uint16_t kMarkerSport = 9999;
const std::vector<uint16_t> kPorts = {21, 22, 23, 25, 53, 80, 443, 1000, 1001, 1002, 1003, 8080, 8081};

struct Probe {
  bool v6 = false;
  uint8_t proto = 6;  // 6, 17, 1, 58
  Addr src, dst;
  uint16_t sport = 0, dport = 0;  // tcp/udp
  uint8_t type = 0;               // icmp
  uint16_t id = 0;                // icmp id
  // Observations.
  bool delivered = false, answered = false;
};

// The identity of a probe as seen in a delivery or a reply.
struct Key {
  bool v6;
  uint8_t proto;  // 6, 17 or 1 (for both ICMP families)
  Addr remote;    // the probe's source
  uint16_t id;    // source port or ICMP id
  bool operator<(const Key& o) const {
    return std::tie(v6, proto, remote, id) < std::tie(o.v6, o.proto, o.remote, o.id);
  }
};
Key key_of(const Probe& p) {
  bool icmp = p.proto == 1 || p.proto == 58;
  return Key{p.v6, icmp ? uint8_t(1) : p.proto, p.src, icmp ? p.id : p.sport};
}

uint32_t sum16(const uint8_t* d, size_t n, uint32_t s = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) s += uint32_t(d[i]) << 8 | d[i + 1];
  if (n & 1) s += uint32_t(d[n - 1]) << 8;
  return s;
}
uint16_t fold(uint32_t s) {
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return uint16_t(~s);
}

std::vector<uint8_t> frame(const Probe& p, const uint8_t* src_mac, const uint8_t* dst_mac) {
  std::vector<uint8_t> l4;
  auto put16 = [](std::vector<uint8_t>& v, uint16_t x) {
    v.push_back(uint8_t(x >> 8));
    v.push_back(uint8_t(x));
  };
  if (p.proto == 6) {
    put16(l4, p.sport);
    put16(l4, p.dport);
    for (int i = 0; i < 4; ++i) l4.push_back(uint8_t(0x11 * (i + 1)));  // seq
    for (int i = 0; i < 4; ++i) l4.push_back(0);                        // ack
    l4.push_back(5 << 4);
    l4.push_back(0x02);  // SYN
    put16(l4, 64240);
    put16(l4, 0);  // checksum
    put16(l4, 0);
  } else if (p.proto == 17) {
    put16(l4, p.sport);
    put16(l4, p.dport);
    put16(l4, 8 + 8);
    put16(l4, 0);
    for (int i = 0; i < 8; ++i) l4.push_back(uint8_t('a' + i));
  } else {
    l4.push_back(p.type);
    l4.push_back(0);
    put16(l4, 0);
    put16(l4, p.id);
    put16(l4, 1);
    for (int i = 0; i < (p.type == 13 ? 12 : 8); ++i) l4.push_back(0);
  }
  // Checksums with the pseudo-header (ICMPv4 has none).
  uint32_t s = 0;
  if (p.proto != 1) {
    s = sum16(p.src.b, size_t(p.src.len()));
    s = sum16(p.dst.b, size_t(p.dst.len()), s);
    s += p.proto;
    s += uint32_t(l4.size());
  }
  s = sum16(l4.data(), l4.size(), s);
  uint16_t c = fold(s);
  if (p.proto == 17 && c == 0) c = 0xffff;
  size_t at = p.proto == 6 ? 16 : p.proto == 17 ? 6 : 2;
  l4[at] = uint8_t(c >> 8);
  l4[at + 1] = uint8_t(c);

  std::vector<uint8_t> f;
  f.reserve(14 + 40 + l4.size());
  f.insert(f.end(), dst_mac, dst_mac + 6);
  f.insert(f.end(), src_mac, src_mac + 6);
  if (!p.v6) {
    put16(f, 0x0800);
    std::vector<uint8_t> ip(20, 0);
    ip[0] = 0x45;
    uint16_t total = uint16_t(20 + l4.size());
    ip[2] = uint8_t(total >> 8);
    ip[3] = uint8_t(total);
    ip[6] = 0x40;  // DF
    ip[8] = 64;
    ip[9] = p.proto;
    std::memcpy(&ip[12], p.src.b, 4);
    std::memcpy(&ip[16], p.dst.b, 4);
    uint16_t hc = fold(sum16(ip.data(), 20));
    ip[10] = uint8_t(hc >> 8);
    ip[11] = uint8_t(hc);
    f.insert(f.end(), ip.begin(), ip.end());
  } else {
    put16(f, 0x86dd);
    std::vector<uint8_t> ip(40, 0);
    ip[0] = 0x60;
    ip[4] = uint8_t(l4.size() >> 8);
    ip[5] = uint8_t(l4.size());
    ip[6] = p.proto;
    ip[7] = 64;
    std::memcpy(&ip[8], p.src.b, 16);
    std::memcpy(&ip[24], p.dst.b, 16);
    f.insert(f.end(), ip.begin(), ip.end());
  }
  f.insert(f.end(), l4.begin(), l4.end());
  return f;
}

// ---- random rule sets -------------------------------------------------------------

struct Rng {
  std::mt19937_64 g;
  explicit Rng(uint64_t seed) : g(seed) {}
  uint64_t below(uint64_t n) { return n ? g() % n : 0; }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(g) < p; }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }
};

const std::vector<std::string> kPool4 = {"10.1.0.0/16", "10.2.3.0/24", "192.168.7.0/24", "198.51.100.0/24",
                                         "203.0.113.0/24"};
const std::vector<std::string> kPool6 = {"2001:db8:1::/48", "2001:db8:2:3::/64", "fd00:5::/32"};

// A random address inside a CIDR block.
Addr random_in(Rng& rng, const std::string& cidr) {
  auto slash = cidr.find('/');
  Addr a = Addr::parse(cidr.substr(0, slash));
  int prefix = std::stoi(cidr.substr(slash + 1));
  int bits = a.len() * 8;
  for (int i = prefix; i < bits; ++i) {
    if (rng.chance(0.5)) a.b[i / 8] |= uint8_t(0x80 >> (i % 8));
  }
  return a;
}

// A block around an address: its network at a random prefix.
std::string block_around(Rng& rng, const Addr& a) {
  int bits = a.len() * 8;
  // Mostly blocks that random sources of the pools fall into.
  int prefix = a.v6 ? int(32 + rng.below(33)) : int(8 + rng.below(rng.chance(0.8) ? 17 : 25));
  Addr n = a;
  for (int i = prefix; i < bits; ++i) n.b[i / 8] &= uint8_t(~(0x80 >> (i % 8)));
  return fmt::format("{}/{}", n.str(), prefix);
}

enum class Target { Accept, Drop, Reject, Log, Return, Jump, Goto, None };

struct GenRule {
  std::optional<std::pair<std::string, bool>> src, dst;  // cidr, negated
  std::optional<std::pair<Addr, Addr>> src_range;
  uint8_t proto = 0;  // 0 any, 6, 17, 1/58
  bool proto_neg = false;
  std::optional<std::tuple<uint16_t, uint16_t, bool>> sport, dport;  // lo, hi, negated
  std::optional<std::pair<std::vector<uint16_t>, bool>> dports;      // multiport
  std::optional<uint8_t> icmp_type;
  std::optional<std::pair<std::vector<std::string>, bool>> states;
  std::optional<std::pair<std::string, bool>> iface;
  std::optional<std::pair<bool, bool>> addrtype;                 // (source?, negated) of LOCAL
  std::optional<bool> syn;                                       // --syn / ! --syn
  std::optional<std::vector<std::pair<uint16_t, Target>>> vmap;  // nft only
  Target target = Target::Accept;
  int chain = 0;  // Jump / Goto target user chain
};

struct GenChain {
  std::string name;
  bool base = false;
  bool input = true;  // base chains: INPUT or OUTPUT; user chains: reached from
  bool policy_accept = true;
  std::vector<GenRule> rules;
};

struct GenRuleset {
  bool nft = false;
  bool v6 = false;               // ip6tables round (nft rounds carry both)
  std::vector<GenChain> chains;  // [0] INPUT, [1] OUTPUT, then user chains
  bool second_table = false;     // nft: a second base chain on input
  std::vector<GenRule> second_rules;
  bool second_accept = true;
};

GenRule random_rule(Rng& rng, bool input, bool v6, bool nft, bool in_user_chain, int user_index,
                    int user_count) {
  GenRule r;
  const auto& pool = v6 ? kPool6 : kPool4;
  if (rng.chance(0.35)) r.src = {block_around(rng, random_in(rng, rng.pick(pool))), rng.chance(0.2)};
  if (rng.chance(0.15)) {
    std::vector<std::string> dsts =
        v6 ? std::vector<std::string>{"fd77:1::1/128", "fd77:2::/64", "fd77::/16"}
           : std::vector<std::string>{"172.31.0.1/32", "172.31.1.0/24", "172.31.0.0/16"};
    r.dst = {rng.pick(dsts), rng.chance(0.3)};
    if (!input) r.dst.reset();
  }
  if (!input && rng.chance(0.25)) {
    // In OUTPUT the destination is the client.
    r.dst = {block_around(rng, random_in(rng, rng.pick(pool))), rng.chance(0.2)};
  }
  if (!r.src && rng.chance(0.08)) {
    Addr lo = random_in(rng, rng.pick(pool)), hi = lo;
    int last = lo.len() - 1;
    hi.b[last] = uint8_t(std::min(255, lo.b[last] + int(rng.below(60))));
    r.src_range = {lo, hi};
  }
  uint64_t p = rng.below(10);
  r.proto = p < 4 ? 6 : p < 7 ? 17 : p < 8 ? uint8_t(v6 ? 58 : 1) : 0;
  if (r.proto == 6 || r.proto == 17) {
    if (rng.chance(0.08)) r.proto_neg = true;
  }
  bool ports = (r.proto == 6 || r.proto == 17) && !r.proto_neg;
  if (ports && rng.chance(0.5)) {
    uint16_t a = rng.pick(kPorts);
    uint16_t b = rng.chance(0.3) ? uint16_t(a + rng.below(30)) : a;
    r.dport = {a, b, rng.chance(0.15)};
    if (!input) r.dport.reset();
  }
  if (ports && !r.dport && rng.chance(0.2) && input) {
    std::vector<uint16_t> list;
    for (int i = 0; i < 3; ++i) list.push_back(rng.pick(kPorts));
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    r.dports = {list, rng.chance(0.15)};
  }
  if (ports && rng.chance(0.2)) {
    uint16_t a = uint16_t(1024 + rng.below(50000));
    r.sport = {a, uint16_t(std::min<uint64_t>(65535, a + rng.below(20000))), rng.chance(0.2)};
    if (!input) {  // in OUTPUT the probe's port is the destination
      r.dport = r.sport;
      r.sport.reset();
    }
  }
  if (!input && ports && rng.chance(0.3)) r.sport = {rng.pick(kPorts), rng.pick(kPorts), false};
  if (r.sport && std::get<0>(*r.sport) > std::get<1>(*r.sport)) r.sport.reset();
  if ((r.proto == 1 || r.proto == 58) && rng.chance(0.6)) {
    std::vector<uint8_t> types = v6 ? std::vector<uint8_t>{128, 129, 1} : std::vector<uint8_t>{8, 0, 13, 14};
    r.icmp_type = rng.pick(types);
  }
  if (rng.chance(0.25)) {
    std::vector<std::string> all = {"NEW", "ESTABLISHED", "RELATED", "INVALID"};
    std::vector<std::string> chosen;
    for (const auto& s : all) {
      if (rng.chance(0.4)) chosen.push_back(s);
    }
    if (chosen.empty()) chosen.push_back(rng.chance(0.5) ? "NEW" : "ESTABLISHED");
    r.states = {chosen, rng.chance(0.15)};
  }
  if (!in_user_chain && rng.chance(0.15)) {
    std::vector<std::string> names = {"vr0", "vr+", "lo", "eth9"};
    r.iface = {rng.pick(names), rng.chance(0.3)};
  }
  if (rng.chance(0.06)) r.addrtype = {rng.chance(0.4), rng.chance(0.3)};
  if (r.proto == 6 && !r.proto_neg && rng.chance(0.12)) r.syn = rng.chance(0.5);
  uint64_t t = rng.below(100);
  bool can_jump = user_index + 1 < user_count;
  if (!in_user_chain && can_jump && rng.chance(0.2)) t = 75;  // base chains jump often
  if (t < 30)
    r.target = Target::Accept;
  else if (t < 50)
    r.target = Target::Drop;
  else if (t < 58)
    r.target = Target::Reject;
  else if (t < 64)
    r.target = Target::Log;
  else if (t < 70)
    r.target = in_user_chain ? Target::Return : Target::Drop;
  else if (t < 88 && can_jump)
    r.target = Target::Jump;
  else if (t < 93 && can_jump)
    r.target = Target::Goto;
  else
    r.target = Target::None;
  if (r.target == Target::Jump || r.target == Target::Goto) {
    int first = user_index + 1;
    r.chain = first + int(rng.below(uint64_t(user_count - first)));
  }
  bool decides = r.target == Target::Accept || r.target == Target::Drop || r.target == Target::Reject ||
                 r.target == Target::Return;
  bool narrow = r.src || r.dst || r.src_range || r.sport || r.dport || r.dports || r.icmp_type;
  if (decides && !narrow) {
    // Deciding rules name something, so that not every packet stops at the first.
    if (ports && rng.chance(0.5)) {
      uint16_t a = rng.pick(kPorts);
      r.dport = {a, a, false};
      if (!input) r.dport.reset(), r.sport = {a, a, false};
    } else {
      r.src = {block_around(rng, random_in(rng, rng.pick(pool))), false};
      if (!input) r.dst = r.src, r.src.reset();
    }
  }
  if ((r.target == Target::Jump || r.target == Target::Goto) && rng.chance(0.5)) {
    // Broad jumps: many packets go through the user chains.
    r.src.reset();
    r.dst.reset();
    r.src_range.reset();
    r.sport.reset();
    r.dport.reset();
    r.dports.reset();
    r.states.reset();
    r.addrtype.reset();
    r.syn.reset();
    r.icmp_type.reset();
    if (rng.chance(0.5)) r.proto = 0, r.proto_neg = false;
  }
  if (nft && ports && !r.dport && !r.dports && rng.chance(0.08) && r.target != Target::Jump &&
      r.target != Target::Goto) {
    std::vector<std::pair<uint16_t, Target>> m;
    std::set<uint16_t> used;
    for (int i = 0; i < 3; ++i) {
      uint16_t port = rng.pick(kPorts);
      if (!used.insert(port).second) continue;
      m.push_back({port, rng.chance(0.5) ? Target::Accept : Target::Drop});
    }
    r.vmap = m;
  }
  return r;
}

bool rule_v6(const GenRule& r) {
  if (r.src) return r.src->first.find(':') != std::string::npos;
  if (r.dst) return r.dst->first.find(':') != std::string::npos;
  if (r.src_range) return r.src_range->first.v6;
  return r.proto == 58;
}
bool rule_has_family(const GenRule& r) {
  return r.src || r.dst || r.src_range || r.proto == 58 || r.proto == 1;
}

GenRuleset random_ruleset(Rng& rng, bool nft, bool v6) {
  GenRuleset g;
  g.nft = nft;
  g.v6 = v6;
  int users = int(1 + rng.below(3));
  GenChain in{"INPUT", true, true, rng.chance(0.5), {}};
  GenChain out{"OUTPUT", true, false, rng.chance(0.7), {}};
  g.chains.push_back(in);
  g.chains.push_back(out);
  for (int u = 0; u < users; ++u)
    g.chains.push_back(GenChain{fmt::format("u{}", u), false, rng.chance(0.6), true, {}});
  // Which family a rule speaks (nft rounds mix both).
  auto fam = [&]() { return nft ? rng.chance(0.4) : v6; };
  for (size_t c = 0; c < g.chains.size(); ++c) {
    GenChain& ch = g.chains[c];
    int n = ch.base ? int(4 + rng.below(14)) : int(2 + rng.below(6));
    bool input = ch.input;
    int user_index = ch.base ? -1 : int(c) - 2;
    for (int i = 0; i < n; ++i) {
      // Base chains jump to any user chain reached from their direction;
      // user chains only to later ones.
      GenRule r = random_rule(rng, input, fam(), nft, !ch.base, user_index, users);
      if ((r.target == Target::Jump || r.target == Target::Goto) &&
          g.chains[size_t(r.chain) + 2].input != input) {
        r.target = Target::Log;
      }
      ch.rules.push_back(r);
    }
    // Rules mostly say the opposite of the policy, so both outcomes occur.
    for (auto& r : ch.rules) {
      bool deny = r.target == Target::Drop || r.target == Target::Reject;
      if (ch.base && !ch.policy_accept && deny && rng.chance(0.6)) r.target = Target::Accept;
      if (ch.base && ch.policy_accept && r.target == Target::Accept && rng.chance(0.5))
        r.target = Target::Drop;
      if (!input && r.src && rng.chance(0.7)) {
        // In OUTPUT the source is the receiver's.
        bool v6 = rule_v6(r);
        r.src = {v6 ? rng.pick(std::vector<std::string>{"fd77:1::1/128", "fd77::/16"})
                    : rng.pick(std::vector<std::string>{"172.31.0.1/32", "172.31.1.0/24"}),
                 rng.chance(0.3)};
      }
    }
    if (!ch.base && !input) {
      // Interfaces and `-o` are the base chains' business.
      for (auto& r : ch.rules) r.iface.reset();
    }
    if (c == 1 && rng.chance(0.6)) {
      // Often, replies are admitted.
      GenRule est;
      est.states = {{"ESTABLISHED", "RELATED"}, false};
      est.target = Target::Accept;
      ch.rules.insert(ch.rules.begin() + long(rng.below(ch.rules.size() + 1)), est);
    }
  }
  if (nft && rng.chance(0.4)) {
    g.second_table = true;
    g.second_accept = rng.chance(0.7);
    int n = int(1 + rng.below(4));
    for (int i = 0; i < n; ++i) {
      GenRule r = random_rule(rng, true, rng.chance(0.4), true, false, users, users);
      if (r.target == Target::Jump || r.target == Target::Goto || r.target == Target::Return)
        r.target = Target::Drop;
      r.vmap.reset();
      g.second_rules.push_back(r);
    }
  }
  return g;
}

std::string ports_text(uint16_t lo, uint16_t hi, char sep) {
  return lo == hi ? std::to_string(lo) : fmt::format("{}{}{}", lo, sep, hi);
}

const char* proto_name(uint8_t p) {
  switch (p) {
    case 6: return "tcp";
    case 17: return "udp";
    case 1: return "icmp";
    case 58: return "ipv6-icmp";
  }
  return "all";
}

std::string iptables_rule(const std::string& chain, const GenRule& r, const GenRuleset& g, bool input) {
  std::string s = "-A " + chain;
  auto neg = [](bool n) { return n ? "! " : ""; };
  if (r.src) s += fmt::format(" {}-s {}", neg(r.src->second), r.src->first);
  if (r.dst) s += fmt::format(" {}-d {}", neg(r.dst->second), r.dst->first);
  if (r.iface) s += fmt::format(" {}{} {}", neg(r.iface->second), input ? "-i" : "-o", r.iface->first);
  if (r.proto) s += fmt::format(" {}-p {}", neg(r.proto_neg), proto_name(r.proto));
  if (r.proto == 6 || r.proto == 17) {
    if (!r.proto_neg && (r.sport || r.dport || r.syn)) s += fmt::format(" -m {}", proto_name(r.proto));
    if (r.sport)
      s += fmt::format(" {}--sport {}", neg(std::get<2>(*r.sport)),
                       ports_text(std::get<0>(*r.sport), std::get<1>(*r.sport), ':'));
    if (r.dport)
      s += fmt::format(" {}--dport {}", neg(std::get<2>(*r.dport)),
                       ports_text(std::get<0>(*r.dport), std::get<1>(*r.dport), ':'));
    if (r.syn) s += *r.syn ? " --syn" : " ! --syn";
    if (r.dports) {
      std::vector<std::string> ps;
      for (auto p : r.dports->first) ps.push_back(std::to_string(p));
      s += fmt::format(" -m multiport {}--dports {}", neg(r.dports->second), fmt::join(ps, ","));
    }
  }
  if (r.icmp_type) {
    s += r.proto == 58 ? fmt::format(" -m icmp6 --icmpv6-type {}", *r.icmp_type)
                       : fmt::format(" -m icmp --icmp-type {}", *r.icmp_type);
  }
  if (r.src_range)
    s += fmt::format(" -m iprange --src-range {}-{}", r.src_range->first.str(), r.src_range->second.str());
  if (r.states)
    s += fmt::format(" -m conntrack {}--ctstate {}", neg(r.states->second), fmt::join(r.states->first, ","));
  if (r.addrtype)
    s += fmt::format(" -m addrtype {}{} LOCAL", neg(r.addrtype->second),
                     r.addrtype->first ? "--src-type" : "--dst-type");
  switch (r.target) {
    case Target::Accept: s += " -j ACCEPT"; break;
    case Target::Drop: s += " -j DROP"; break;
    case Target::Reject: s += " -j REJECT"; break;
    case Target::Log: s += " -j LOG --log-prefix \"rp \""; break;
    case Target::Return: s += " -j RETURN"; break;
    case Target::Jump: s += fmt::format(" -j {}", g.chains[size_t(r.chain) + 2].name); break;
    case Target::Goto: s += fmt::format(" -g {}", g.chains[size_t(r.chain) + 2].name); break;
    case Target::None: break;
  }
  return s;
}

std::string render_iptables(const GenRuleset& g) {
  std::string s = "*filter\n";
  s += fmt::format(":INPUT {} [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT {} [0:0]\n",
                   g.chains[0].policy_accept ? "ACCEPT" : "DROP",
                   g.chains[1].policy_accept ? "ACCEPT" : "DROP");
  for (size_t c = 2; c < g.chains.size(); ++c) s += fmt::format(":{} - [0:0]\n", g.chains[c].name);
  if (!g.v6) {
    s += fmt::format("-A INPUT -s {}/32 -p udp -m udp --dport {} -j ACCEPT\n", kSender4, kMarkerPort);
    s += fmt::format("-A OUTPUT -d {}/32 -p udp -m udp --sport {} -j ACCEPT\n", kSender4, kMarkerPort);
  }
  for (const auto& ch : g.chains) {
    for (const auto& r : ch.rules) {
      if (rule_has_family(r) && rule_v6(r) != g.v6) continue;
      s += iptables_rule(ch.name, r, g, ch.input) + "\n";
    }
  }
  return s + "COMMIT\n";
}

std::string nft_rule(const GenRule& r, const GenRuleset& g, bool input) {
  std::vector<std::string> parts;
  bool v6 = rule_v6(r);
  const char* ipk = v6 ? "ip6" : "ip";
  auto neg = [](bool n) { return n ? "!= " : ""; };
  if (r.src) parts.push_back(fmt::format("{} saddr {}{}", ipk, neg(r.src->second), r.src->first));
  if (r.dst) parts.push_back(fmt::format("{} daddr {}{}", ipk, neg(r.dst->second), r.dst->first));
  if (r.src_range)
    parts.push_back(fmt::format("{} saddr {}-{}", ipk, r.src_range->first.str(), r.src_range->second.str()));
  if (r.iface) {
    std::string n = r.iface->first;
    if (n.back() == '+') n.back() = '*';
    parts.push_back(fmt::format("{} {}\"{}\"", input ? "iifname" : "oifname", neg(r.iface->second), n));
  }
  const char* l4 = r.proto == 6 ? "tcp" : r.proto == 17 ? "udp" : nullptr;
  if (r.proto == 1 || r.proto == 58) {
    if (r.icmp_type)
      parts.push_back(fmt::format("{} type {}", r.proto == 58 ? "icmpv6" : "icmp", *r.icmp_type));
    else
      parts.push_back(fmt::format("meta l4proto {}", r.proto == 58 ? "ipv6-icmp" : "icmp"));
  } else if (l4) {
    if (r.proto_neg)
      parts.push_back(fmt::format("meta l4proto != {}", l4));
    else
      parts.push_back(fmt::format("meta l4proto {}", l4));
  }
  if (l4 && !r.proto_neg) {
    if (r.sport)
      parts.push_back(fmt::format("{} sport {}{}", l4, neg(std::get<2>(*r.sport)),
                                  ports_text(std::get<0>(*r.sport), std::get<1>(*r.sport), '-')));
    if (r.dport)
      parts.push_back(fmt::format("{} dport {}{}", l4, neg(std::get<2>(*r.dport)),
                                  ports_text(std::get<0>(*r.dport), std::get<1>(*r.dport), '-')));
    if (r.dports) {
      std::vector<std::string> ps;
      for (auto p : r.dports->first) ps.push_back(std::to_string(p));
      parts.push_back(fmt::format("{} dport {}{{ {} }}", l4, neg(r.dports->second), fmt::join(ps, ", ")));
    }
    if (r.syn) parts.push_back(fmt::format("tcp flags & (fin|syn|rst|ack) {} syn", *r.syn ? "==" : "!="));
  }
  if (r.states) {
    std::vector<std::string> st;
    for (auto x : r.states->first) {
      std::transform(x.begin(), x.end(), x.begin(), ::tolower);
      st.push_back(x);
    }
    parts.push_back(fmt::format("ct state {}{{ {} }}", neg(r.states->second), fmt::join(st, ", ")));
  }
  if (r.addrtype)
    parts.push_back(
        fmt::format("fib {} type {}local", r.addrtype->first ? "saddr" : "daddr", neg(r.addrtype->second)));
  auto verdict = [&](Target t, int chain) -> std::string {
    switch (t) {
      case Target::Accept: return "accept";
      case Target::Drop: return "drop";
      case Target::Reject: return "reject";
      case Target::Log: return "log prefix \"rp \"";
      case Target::Return: return "return";
      case Target::Jump: return "jump " + g.chains[size_t(chain) + 2].name;
      case Target::Goto: return "goto " + g.chains[size_t(chain) + 2].name;
      case Target::None: return "counter";
    }
    return "";
  };
  if (r.vmap && l4) {
    std::vector<std::string> el;
    for (auto [port, t] : *r.vmap) el.push_back(fmt::format("{} : {}", port, verdict(t, 0)));
    parts.push_back(fmt::format("{} dport vmap {{ {} }}", l4, fmt::join(el, ", ")));
  } else {
    parts.push_back(verdict(r.target, r.chain));
  }
  return fmt::format("{}", fmt::join(parts, " "));
}

std::string render_nft(const GenRuleset& g) {
  std::string s = "table inet rp {\n";
  for (size_t c = 0; c < g.chains.size(); ++c) {
    const auto& ch = g.chains[c];
    std::string name = c == 0 ? "input" : c == 1 ? "output" : ch.name;
    s += fmt::format("\tchain {} {{\n", name);
    if (ch.base) {
      s += fmt::format("\t\ttype filter hook {} priority filter; policy {};\n", c == 0 ? "input" : "output",
                       ch.policy_accept ? "accept" : "drop");
      if (c == 0)
        s += fmt::format("\t\tip saddr {} udp dport {} accept\n", kSender4, kMarkerPort);
      else
        s += fmt::format("\t\tip daddr {} udp sport {} accept\n", kSender4, kMarkerPort);
    }
    for (const auto& r : ch.rules) s += "\t\t" + nft_rule(r, g, ch.input) + "\n";
    s += "\t}\n";
  }
  s += "}\n";
  if (g.second_table) {
    s += "table ip rp2 {\n\tchain in2 {\n";
    s += fmt::format("\t\ttype filter hook input priority filter + 10; policy {};\n",
                     g.second_accept ? "accept" : "drop");
    s += fmt::format("\t\tip saddr {} udp dport {} accept\n", kSender4, kMarkerPort);
    for (const auto& r : g.second_rules) {
      if (rule_has_family(r) && rule_v6(r)) continue;
      s += "\t\t" + nft_rule(r, g, true) + "\n";
    }
    s += "\t}\n}\n";
  }
  return s;
}

// ---- rampart's side ---------------------------------------------------------------

struct Model {
  core::Policy policy;
  core::FilterId filter;
  std::map<std::string, core::HostId> host_of;  // receiver address -> host
  std::string errors;
};

Model build_model(const core::ImportResult& r) {
  Model m;
  if (r.diagnostics.has_errors()) {
    for (const auto& d : r.diagnostics.sorted()) m.errors += d.to_string() + "\n";
    return m;
  }
  for (const auto& d : r.diagnostics.sorted()) {
    if (d.severity == core::Severity::Warning) m.errors += "unexpected warning: " + d.to_string() + "\n";
  }
  uint32_t index = 0;
  for (const auto& o : r.objects) {
    if (o.native_id == "filter") index = o.index;
  }
  core::Policy frag = r.fragment;
  core::MergeOffsets off = core::merge(m.policy, std::move(frag));
  m.filter = core::FilterId(index + off.filters);
  core::AddressSet local;
  for (auto a : kRecv4) local = local.unite(*core::AddressSet::parse(a).set);
  for (auto a : kRecv6) local = local.unite(*core::AddressSet::parse(a).set);
  std::vector<std::string> all;
  for (auto a : kRecv4) all.push_back(a);
  for (auto a : kRecv6) all.push_back(a);
  for (const auto& a : all) {
    core::Host h;
    h.name = "r" + std::to_string(m.host_of.size());
    core::Interface i;
    i.name = "vr0";
    i.addresses.push_back(
        core::InterfaceAddress{*core::Address::parse(a), a.find(':') == std::string::npos ? 24u : 64u});
    h.interfaces.push_back(i);
    h.bindings["LOCAL"] = local;
    h.inbound.push_back(core::Layer{{m.filter}, {}});
    h.outbound.push_back(core::Layer{{m.filter}, {}});
    for (uint8_t proto : {uint8_t(6), uint8_t(17)}) {
      core::Listener l;
      l.protocol = proto;
      l.ports = core::PortSet::range(1, 65535);
      h.listeners.push_back(l);
    }
    m.host_of[a] = m.policy.add(h);
  }
  return m;
}

core::Packet packet_of(const Probe& p) {
  core::Packet k;
  k.family = p.v6 ? core::Family::V6 : core::Family::V4;
  k.src = *core::Address::parse(p.src.str());
  k.dst = *core::Address::parse(p.dst.str());
  k.protocol = p.proto;
  if (p.proto == 6 || p.proto == 17) {
    k.src_port = p.sport;
    k.dst_port = p.dport;
  } else {
    k.icmp_type = p.type;
  }
  return k;
}

// 1 admitted, 0 refused, -1 unknown (the answer depends on unknown conditions).
// `jumped` is set when the verdict came from a rule in a user chain.
int rampart_admits(const Model& m, const Probe& p, bool forward_only, bool* jumped = nullptr) {
  core::HostId h = m.host_of.at(p.dst.str());
  core::Packet k = packet_of(p);
  if (forward_only) {
    k.in_interface = "vr0";
    const core::PacketFilter& f = m.policy.filter(m.filter);
    auto r = core::evaluate_rule_set(m.policy, f.inbound, k, h, {}, "fwd", core::Valuation{});
    if (std::holds_alternative<core::AtomNeeded>(r)) return -1;
    return std::get<core::RuleSetOutcome>(r).decision == core::Decision::Allow ? 1 : 0;
  }
  core::Endpoint src;
  core::Destination dst;
  dst.host = h;
  auto path = core::path_for(m.policy, src, dst);
  auto all = core::evaluate_all(m.policy, path, k);
  if (all.size() != 1) return -1;
  if (jumped) {
    for (const auto& step : all[0].outcome.steps) {
      for (const auto& mem : step.members) {
        if (!mem.forward.via.empty() || (mem.reply && !mem.reply->via.empty())) *jumped = true;
      }
    }
  }
  return all[0].outcome.admitted ? 1 : 0;
}

int solver_admits(solver::Session& s, const Model& m, const Probe& p) {
  core::Question q;
  core::NetworkQuestion n;
  n.claim = core::NetworkClaim::Reach;
  n.source.addresses = *core::AddressSet::parse(p.src.str()).set;
  if (p.proto == 6 || p.proto == 17) n.source.client_ports = core::PortSet::single(p.sport);
  n.destination.host = m.host_of.at(p.dst.str());
  core::ServiceMatch svc = core::ServiceMatch::protocol(p.proto);
  if (p.proto == 6 || p.proto == 17)
    svc.dst_ports = core::PortSet::single(p.dport);
  else
    svc.icmp_types = core::ByteSet::single(p.type), svc.icmp_codes = core::ByteSet::single(0);
  n.services = core::ServiceSet::of(svc);
  q.text = "system probe";
  q.body = n;
  core::Result r = s.answer(q);
  if (r.verdict == core::Verdict::Holds) return 1;
  if (r.verdict == core::Verdict::Violated) return 0;
  return -1;
}

// ---- one round in the kernel ----------------------------------------------------------

struct Round {
  int index = 0;
  std::string kind;  // iptables, ip6tables, nft
  std::string loaded, dump;
  std::vector<Probe> probes;
  std::vector<std::string> disagreements;
  std::string harness_error;
  size_t solver_checked = 0;
  size_t through_user_chains = 0;
};

bool mac_of(const Netns& ns, const std::string& dev, uint8_t* mac) {
  std::string out = capture(ns.exec(fmt::format("cat /sys/class/net/{}/address", dev)));
  unsigned v[6];
  if (std::sscanf(out.c_str(), "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
    return false;
  for (int i = 0; i < 6; ++i) mac[i] = uint8_t(v[i]);
  return true;
}

int ifindex_in(const Netns& ns, const std::string& dev) {
  InNetns in(ns.fd());
  return int(if_nametoindex(dev.c_str()));
}

void set_buffers(int fd) {
  int size = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size);
}

struct Sockets {
  int packet = -1;             // sender: frames in and out
  std::vector<int> raw;        // receiver: deliveries (tcp, udp, icmp for both families)
  std::vector<int> echo;       // receiver: UDP echo, per port and family
  std::vector<int> listeners;  // receiver: TCP listeners
  ~Sockets() {
    if (packet >= 0) close(packet);
    for (int f : raw) close(f);
    for (int f : echo) close(f);
    for (int f : listeners) close(f);
  }
};

// Parses a delivered copy from a raw socket into a key.
std::optional<Key> delivered_key(bool v6, uint8_t proto, const uint8_t* d, size_t n,
                                 const sockaddr_storage& from) {
  Addr src;
  src.v6 = v6;
  size_t off = 0;
  if (!v6) {
    if (n < 20) return std::nullopt;
    off = size_t(d[0] & 0xf) * 4;
    std::memcpy(src.b, d + 12, 4);
  } else {
    std::memcpy(src.b, &reinterpret_cast<const sockaddr_in6&>(from).sin6_addr, 16);
  }
  if (n < off + 8) return std::nullopt;
  const uint8_t* l4 = d + off;
  if (proto == 6 || proto == 17) return Key{v6, proto, src, uint16_t(l4[0] << 8 | l4[1])};
  uint8_t type = l4[0];
  if (type != 8 && type != 13 && type != 128) return std::nullopt;
  return Key{v6, 1, src, uint16_t(l4[4] << 8 | l4[5])};
}

// Parses a reply frame seen by the sender into the probe's key.
std::optional<Key> reply_key(const uint8_t* f, size_t n, bool* marker) {
  *marker = false;
  if (n < 14) return std::nullopt;
  uint16_t et = uint16_t(f[12] << 8 | f[13]);
  const uint8_t* ip = f + 14;
  n -= 14;
  Addr dst;
  uint8_t proto;
  size_t off;
  if (et == 0x0800) {
    if (n < 20) return std::nullopt;
    dst.v6 = false;
    std::memcpy(dst.b, ip + 16, 4);
    proto = ip[9];
    off = size_t(ip[0] & 0xf) * 4;
  } else if (et == 0x86dd) {
    if (n < 40) return std::nullopt;
    dst.v6 = true;
    std::memcpy(dst.b, ip + 24, 16);
    proto = ip[6];
    off = 40;
  } else {
    return std::nullopt;
  }
  if (n < off + 8) return std::nullopt;
  const uint8_t* l4 = ip + off;
  if (proto == 6) {
    if ((l4[13] & 0x12) != 0x12) return std::nullopt;  // SYN-ACK only
    return Key{dst.v6, 6, dst, uint16_t(l4[2] << 8 | l4[3])};
  }
  if (proto == 17) {
    uint16_t dport = uint16_t(l4[2] << 8 | l4[3]);
    if (!dst.v6 && dst == Addr::parse(kSender4) && dport == kMarkerSport) {
      *marker = true;
      return std::nullopt;
    }
    return Key{dst.v6, 17, dst, dport};
  }
  if ((proto == 1 && l4[0] == 0) || (proto == 58 && l4[0] == 129)) {
    return Key{dst.v6, 1, dst, uint16_t(l4[4] << 8 | l4[5])};
  }
  return std::nullopt;
}

// A datagram the echo server received, to be sent back from the address
// it came to.
struct Datagram {
  int fd = -1;
  bool v6 = false;
  sockaddr_storage peer{};
  socklen_t peer_len = 0;
  std::vector<uint8_t> data;
  in_pktinfo info4{};
  in6_pktinfo info6{};
  bool has_info = false;
  bool marker = false;
};

std::optional<Datagram> receive(int fd, bool v6) {
  Datagram d;
  d.fd = fd;
  d.v6 = v6;
  uint8_t buf[2048];
  char control[256];
  iovec iov{buf, sizeof buf};
  msghdr msg{};
  msg.msg_name = &d.peer;
  msg.msg_namelen = sizeof d.peer;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
  if (n < 0) return std::nullopt;
  d.peer_len = msg.msg_namelen;
  d.data.assign(buf, buf + n);
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (!v6 && c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      std::memcpy(&d.info4, CMSG_DATA(c), sizeof d.info4);
      d.has_info = true;
    }
    if (v6 && c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      std::memcpy(&d.info6, CMSG_DATA(c), sizeof d.info6);
      d.has_info = true;
    }
  }
  const auto& p4 = reinterpret_cast<const sockaddr_in&>(d.peer);
  d.marker = !v6 && p4.sin_port == htons(kMarkerSport) && p4.sin_addr.s_addr == inet_addr(kSender4);
  return d;
}

void send_echo(const Datagram& d) {
  char control[256] = {};
  iovec iov{const_cast<uint8_t*>(d.data.data()), d.data.size()};
  msghdr out{};
  out.msg_name = const_cast<sockaddr_storage*>(&d.peer);
  out.msg_namelen = d.peer_len;
  out.msg_iov = &iov;
  out.msg_iovlen = 1;
  if (d.has_info) {
    out.msg_control = control;
    cmsghdr* c;
    if (!d.v6) {
      in_pktinfo reply{};
      reply.ipi_spec_dst = d.info4.ipi_addr;
      out.msg_controllen = CMSG_SPACE(sizeof reply);
      c = CMSG_FIRSTHDR(&out);
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof reply);
      std::memcpy(CMSG_DATA(c), &reply, sizeof reply);
    } else {
      in6_pktinfo reply = d.info6;
      reply.ipi6_ifindex = 0;
      out.msg_controllen = CMSG_SPACE(sizeof reply);
      c = CMSG_FIRSTHDR(&out);
      c->cmsg_level = IPPROTO_IPV6;
      c->cmsg_type = IPV6_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof reply);
      std::memcpy(CMSG_DATA(c), &reply, sizeof reply);
    }
  }
  sendmsg(d.fd, &out, 0);
}

int socket_in(const Netns& ns, int domain, int type, int proto) {
  InNetns in(ns.fd());
  if (!in.ok()) return -1;
  return socket(domain, type | SOCK_CLOEXEC, proto);
}

std::string open_sockets(const Netns& sender, const Netns& receiver, int vs0, Sockets& s) {
  s.packet = socket_in(sender, AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
  if (s.packet < 0) return fmt::format("packet socket: {}", std::strerror(errno));
  sockaddr_ll ll{};
  ll.sll_family = AF_PACKET;
  ll.sll_protocol = htons(ETH_P_ALL);
  ll.sll_ifindex = vs0;
  if (bind(s.packet, reinterpret_cast<sockaddr*>(&ll), sizeof ll) != 0) return "bind packet socket";
  set_buffers(s.packet);
  for (int domain : {AF_INET, AF_INET6}) {
    for (int proto :
         {int(IPPROTO_TCP), int(IPPROTO_UDP), domain == AF_INET ? int(IPPROTO_ICMP) : int(IPPROTO_ICMPV6)}) {
      int fd = socket_in(receiver, domain, SOCK_RAW, proto);
      if (fd < 0) return fmt::format("raw socket: {}", std::strerror(errno));
      set_buffers(fd);
      s.raw.push_back(fd);
    }
  }
  std::vector<uint16_t> udp_ports = kPorts;
  udp_ports.push_back(kMarkerPort);
  for (int domain : {AF_INET, AF_INET6}) {
    for (uint16_t port : udp_ports) {
      if (domain == AF_INET6 && port == kMarkerPort) continue;
      int fd = socket_in(receiver, domain, SOCK_DGRAM, 0);
      int one = 1;
      if (domain == AF_INET) {
        setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return "bind udp";
      } else {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(port);
        if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return "bind udp6";
      }
      set_buffers(fd);
      s.echo.push_back(fd);
    }
    for (uint16_t port : kPorts) {
      int fd = socket_in(receiver, domain, SOCK_STREAM, 0);
      int one = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (domain == AF_INET) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return "bind tcp";
      } else {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(port);
        if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return "bind tcp6";
      }
      if (listen(fd, 4096) != 0) return "listen";
      s.listeners.push_back(fd);
    }
  }
  return "";
}

std::string setup_link(const Netns& s, const Netns& r) {
  std::vector<std::string> cmds = {
      fmt::format("ip -n {} link set lo up", s.name()),
      fmt::format("ip -n {} link set lo up", r.name()),
      fmt::format("ip -n {} link add vs0 type veth peer name vr0 netns {}", s.name(), r.name()),
      fmt::format("ip -n {} addr add {}/24 dev vs0", s.name(), kSender4),
      fmt::format("ip -n {} addr add {}/64 dev vs0 nodad", s.name(), kSender6),
      fmt::format("ip -n {} addr add {}/24 dev vr0", r.name(), kRecv4[0]),
      fmt::format("ip -n {} addr add {}/24 dev vr0", r.name(), kRecv4[1]),
      fmt::format("ip -n {} addr add {}/64 dev vr0 nodad", r.name(), kRecv6[0]),
      fmt::format("ip -n {} addr add {}/64 dev vr0 nodad", r.name(), kRecv6[1]),
      fmt::format("ip -n {} link set vs0 up", s.name()),
      fmt::format("ip -n {} link set vr0 up", r.name()),
      fmt::format("ip -n {} route add default via {}", r.name(), kSender4),
      fmt::format("ip -n {} -6 route add default via {}", r.name(), kSender6),
      r.exec(
          "sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.vr0.rp_filter=0 net.ipv4.icmp_ratelimit=0 "
          "net.ipv6.icmp.ratelimit=0 net.ipv4.tcp_syncookies=1 net.core.somaxconn=4096"),
  };
  for (const auto& c : cmds) {
    if (sh(c + " >/dev/null 2>&1") != 0) return "failed: " + c;
  }
  uint8_t mac[6];
  if (!mac_of(s, "vs0", mac)) return "no MAC for vs0";
  std::string m = fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", mac[0], mac[1], mac[2], mac[3],
                              mac[4], mac[5]);
  for (const auto& c :
       {fmt::format("ip -n {} neigh replace {} lladdr {} dev vr0 nud permanent", r.name(), kSender4, m),
        fmt::format("ip -n {} -6 neigh replace {} lladdr {} dev vr0 nud permanent", r.name(), kSender6, m)}) {
    if (sh(c + " >/dev/null 2>&1") != 0) return "failed: " + c;
  }
  return "";
}

// What the rules of a rule set name, so probes can aim at them.
struct Targets {
  std::vector<std::string> blocks;  // source and destination blocks in OUTPUT rules
  std::vector<std::pair<Addr, Addr>> ranges;
  std::vector<std::pair<uint16_t, uint16_t>> client_ports;
};

Targets targets_of(const GenRuleset& g) {
  Targets t;
  auto add = [&](const GenRule& r, bool input) {
    if (r.src && input) t.blocks.push_back(r.src->first);
    if (r.dst && !input) t.blocks.push_back(r.dst->first);
    if (r.src_range) t.ranges.push_back(*r.src_range);
    if (r.sport && input) t.client_ports.push_back({std::get<0>(*r.sport), std::get<1>(*r.sport)});
    if (r.dport && !input) t.client_ports.push_back({std::get<0>(*r.dport), std::get<1>(*r.dport)});
  };
  for (const auto& c : g.chains) {
    for (const auto& r : c.rules) add(r, c.input);
  }
  for (const auto& r : g.second_rules) add(r, true);
  return t;
}

std::vector<Probe> random_probes(Rng& rng, size_t n, const std::string& kind, const Targets& aim) {
  std::vector<Probe> out;
  std::set<Key> used;
  while (out.size() < n) {
    Probe p;
    p.v6 = kind == "ip6tables" || (kind == "nft" && rng.chance(0.4));
    uint64_t k = rng.below(100);
    p.proto = k < 40 ? 6 : k < 75 ? 17 : uint8_t(p.v6 ? 58 : 1);
    p.src = random_in(rng, rng.pick(p.v6 ? kPool6 : kPool4));
    // Half the probes come from a block or range some rule names.
    if (!aim.blocks.empty() && rng.chance(0.4)) {
      const std::string& b = rng.pick(aim.blocks);
      if ((b.find(':') != std::string::npos) == p.v6 && b.rfind("fd77", 0) != 0 &&
          b.rfind("172.31.", 0) != 0) {
        p.src = random_in(rng, b);
      }
    } else if (!aim.ranges.empty() && rng.chance(0.15)) {
      const auto& r = rng.pick(aim.ranges);
      if (r.first.v6 == p.v6) {
        p.src = r.first;
        int last = p.src.len() - 1;
        p.src.b[last] =
            uint8_t(r.first.b[last] + rng.below(uint64_t(r.second.b[last] - r.first.b[last]) + 2));
      }
    }
    bool martian = false;
    for (const char* a : kRecv4) martian |= p.src == Addr::parse(a);
    for (const char* a : kRecv6) martian |= p.src == Addr::parse(a);
    martian |= p.src == Addr::parse(kSender4) || p.src == Addr::parse(kSender6);
    if (!p.v6) martian |= p.src.b[0] == 0 || p.src.b[0] == 127 || p.src.b[0] >= 224 || p.src.b[0] == 172;
    if (p.v6) martian |= p.src.b[0] == 0xff || (p.src.b[0] == 0xfd && p.src.b[1] == 0x77);
    if (martian) continue;
    p.dst = Addr::parse(p.v6 ? kRecv6[rng.below(2)] : kRecv4[rng.below(2)]);
    if (p.proto == 6 || p.proto == 17) {
      p.sport = uint16_t(1024 + rng.below(64512));
      if (!aim.client_ports.empty() && rng.chance(0.3)) {
        auto [lo, hi] = rng.pick(aim.client_ports);
        if (lo >= 1024 && hi >= lo) p.sport = uint16_t(lo + rng.below(uint64_t(hi - lo) + 1));
      }
      p.dport = rng.pick(kPorts);
    } else {
      p.type = p.v6 ? 128 : (k >= 95 ? 13 : 8);
      p.id = uint16_t(1 + rng.below(65535));
    }
    if (!used.insert(key_of(p)).second) continue;
    out.push_back(p);
  }
  return out;
}

void run_batch(Sockets& s, std::vector<Probe*>& batch, std::map<Key, Probe*>& by_key, const uint8_t* smac,
               const uint8_t* rmac, int vs0, std::string& error) {
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = vs0;
  to.sll_halen = 6;
  std::memcpy(to.sll_addr, rmac, 6);
  for (Probe* p : batch) {
    auto f = frame(*p, smac, rmac);
    if (sendto(s.packet, f.data(), f.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) {
      error = fmt::format("send: {}", std::strerror(errno));
      return;
    }
  }
  Probe marker;
  marker.proto = 17;
  marker.src = Addr::parse(kSender4);
  marker.dst = Addr::parse(kRecv4[0]);
  marker.sport = kMarkerSport;
  marker.dport = kMarkerPort;
  auto mf = frame(marker, smac, rmac);
  sendto(s.packet, mf.data(), mf.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);

  auto drain_raw = [&]() {
    for (size_t i = 0; i < s.raw.size(); ++i) {
      bool v6 = i >= 3;
      uint8_t proto = (i % 3) == 0 ? 6 : (i % 3) == 1 ? 17 : 1;
      uint8_t buf[4096];
      while (true) {
        sockaddr_storage from{};
        socklen_t len = sizeof from;
        ssize_t n =
            recvfrom(s.raw[i], buf, sizeof buf, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 0) break;
        if (auto k = delivered_key(v6, proto, buf, size_t(n), from)) {
          auto it = by_key.find(*k);
          if (it != by_key.end()) it->second->delivered = true;
        }
      }
    }
  };
  bool replied = false;
  auto drain_packet = [&]() {
    uint8_t buf[4096];
    while (true) {
      sockaddr_ll from{};
      socklen_t len = sizeof from;
      ssize_t n = recvfrom(s.packet, buf, sizeof buf, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) break;
      if (from.sll_pkttype == PACKET_OUTGOING) continue;
      bool is_marker = false;
      if (auto k = reply_key(buf, size_t(n), &is_marker)) {
        auto it = by_key.find(*k);
        if (it != by_key.end()) it->second->answered = true;
      }
      if (is_marker) replied = true;
    }
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::vector<pollfd> fds;
  fds.push_back({s.packet, POLLIN, 0});
  for (int f : s.raw) fds.push_back({f, POLLIN, 0});
  for (int f : s.echo) fds.push_back({f, POLLIN, 0});
  std::optional<Datagram> held;
  while (!replied) {
    if (std::chrono::steady_clock::now() > deadline) {
      error = "the batch's marker never came back (10 s)";
      return;
    }
    poll(fds.data(), fds.size(), 100);
    drain_raw();
    for (size_t i = 0; i < s.echo.size(); ++i) {
      bool v6 = i >= kPorts.size() + 1;
      while (auto d = receive(s.echo[i], v6)) {
        if (d->marker)
          held = std::move(*d);
        else
          send_echo(*d);
      }
    }
    if (held) {
      // Everything before the marker is in the sockets now: echo it all, then the marker.
      for (size_t i = 0; i < s.echo.size(); ++i) {
        bool v6 = i >= kPorts.size() + 1;
        while (auto d = receive(s.echo[i], v6)) {
          if (!d->marker) send_echo(*d);
        }
      }
      send_echo(*held);
      held.reset();
    }
    drain_packet();
  }
  drain_raw();
  drain_packet();
}

Round run_round(int index, Rng& rng, size_t probes, double solver_fraction) {
  Round round;
  round.index = index;
  static const char* kinds[] = {"iptables", "nft", "ip6tables"};
  round.kind = kinds[index % 3];
  std::string base = fmt::format("rpnf-{}-{}", getpid(), index);
  Netns sender(base + "-s"), receiver(base + "-r");
  if (!sender.ok() || !receiver.ok()) {
    round.harness_error = "cannot create network namespaces";
    return round;
  }
  if (auto e = setup_link(sender, receiver); !e.empty()) {
    round.harness_error = e;
    return round;
  }
  GenRuleset g = random_ruleset(rng, round.kind == "nft", round.kind == "ip6tables");
  round.loaded = round.kind == "nft" ? render_nft(g) : render_iptables(g);
  fs::path file = fs::temp_directory_path() / (base + ".rules");
  std::ofstream(file) << round.loaded;
  std::string load = round.kind == "nft"        ? "nft -f " + file.string()
                     : round.kind == "iptables" ? "iptables-restore < " + file.string()
                                                : "ip6tables-restore < " + file.string();
  int status = 0;
  std::string load_out = capture(receiver.exec(load) + " 2>&1", &status);
  fs::remove(file);
  if (status != 0) {
    round.harness_error = "loading the generated rule set failed: " + load_out;
    return round;
  }
  std::string dump_cmd = round.kind == "nft"        ? "nft list ruleset"
                         : round.kind == "iptables" ? "iptables-save"
                                                    : "ip6tables-save";
  round.dump = capture(receiver.exec(dump_cmd), &status);
  if (status != 0) {
    round.harness_error = "dumping the rule set failed";
    return round;
  }
  core::ImportResult imported =
      round.kind == "nft"
          ? importers::parse_nft_ruleset(round.dump, "ruleset.nft")
          : importers::parse_iptables_save(round.dump, "rules.save",
                                           round.kind == "iptables" ? core::Family::V4 : core::Family::V6);
  Model model = build_model(imported);
  if (!model.errors.empty()) {
    round.disagreements.push_back("the import was not clean:\n" + model.errors);
    return round;
  }
  Sockets socks;
  int vs0 = ifindex_in(sender, "vs0");
  if (auto e = open_sockets(sender, receiver, vs0, socks); !e.empty()) {
    round.harness_error = e;
    return round;
  }
  uint8_t smac[6], rmac[6];
  if (!mac_of(sender, "vs0", smac) || !mac_of(receiver, "vr0", rmac)) {
    round.harness_error = "no MAC addresses";
    return round;
  }
  round.probes = random_probes(rng, probes, round.kind, targets_of(g));
  std::map<Key, Probe*> by_key;
  for (auto& p : round.probes) by_key[key_of(p)] = &p;
  const size_t kBatch = 250;
  for (size_t i = 0; i < round.probes.size(); i += kBatch) {
    std::vector<Probe*> batch;
    for (size_t j = i; j < std::min(round.probes.size(), i + kBatch); ++j) batch.push_back(&round.probes[j]);
    std::string error;
    run_batch(socks, batch, by_key, smac, rmac, vs0, error);
    if (!error.empty()) {
      round.harness_error = error;
      return round;
    }
  }
  // rampart's verdicts.
  solver::Session session(model.policy);
  for (const auto& p : round.probes) {
    std::string what =
        fmt::format("{} {} {}{} -> {}{}", p.v6 ? "IPv6" : "IPv4", proto_name(p.proto), p.src.str(),
                    p.proto == 6 || p.proto == 17 ? fmt::format(":{}", p.sport) : "", p.dst.str(),
                    p.proto == 6 || p.proto == 17 ? fmt::format(":{}", p.dport)
                                                  : fmt::format(" type {} id {}", p.type, p.id));
    int fwd = rampart_admits(model, p, true);
    bool jumped = false;
    int all = rampart_admits(model, p, false, &jumped);
    round.through_user_chains += jumped;
    if (fwd < 0 || all < 0) {
      round.disagreements.push_back(what +
                                    ": rampart's answer is unknown for a rule set without unknown matches");
      continue;
    }
    if (p.delivered != (fwd == 1)) {
      round.disagreements.push_back(fmt::format("{}: the kernel's INPUT {} it, rampart's INPUT {} it", what,
                                                p.delivered ? "accepted" : "refused",
                                                fwd ? "accepts" : "refuses"));
    }
    bool one_way = p.proto == 1 && p.type == 13;
    bool kernel = one_way ? p.delivered : p.answered;
    if (kernel != (all == 1)) {
      round.disagreements.push_back(fmt::format("{}: the kernel {} it (request and reply), rampart {} it",
                                                what, kernel ? "admitted" : "did not admit",
                                                all ? "admits" : "refuses"));
    }
    if (rng.chance(solver_fraction)) {
      ++round.solver_checked;
      int sv = solver_admits(session, model, p);
      if (sv != all) {
        round.disagreements.push_back(fmt::format("{}: the solver says {}, the evaluator {}", what,
                                                  sv == 1   ? "reach"
                                                  : sv == 0 ? "not reach"
                                                            : "unknown",
                                                  all ? "admitted" : "refused"));
      }
    }
  }
  return round;
}

TEST(NetfilterSystem, KernelAndRampartAgree) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, iptables, nft)";
  for (const char* tool : {"ip", "iptables-restore", "ip6tables-restore", "iptables-save", "nft"}) {
    if (!have_tool(tool))
      GTEST_SKIP() << "needs `" << tool << "` (Debian packages iptables, nftables, iproute2)";
  }
  {
    int probe = sh("ip netns add rpnf-check-" + std::to_string(getpid()) + " >/dev/null 2>&1");
    sh("ip netns del rpnf-check-" + std::to_string(getpid()) + " >/dev/null 2>&1");
    if (probe != 0) GTEST_SKIP() << "cannot create network namespaces here";
  }
  uint64_t seed =
      env_number("RAMPART_SYSTEM_SEED", std::random_device{}() ^ (uint64_t(std::random_device{}()) << 32));
  int rounds = int(env_number("RAMPART_NF_ROUNDS", 12));
  size_t probes = size_t(env_number("RAMPART_NF_PROBES", 500));
  std::cout << "netfilter system test: seed " << seed << " (RAMPART_SYSTEM_SEED=" << seed << " reruns it), "
            << rounds << " rounds of " << probes << " probes\n";
  remove_stale_namespaces();
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::atexit(cleanup_all);
  // One CPU: replies and deliveries are then handled in the order the
  // probes were sent.
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &one);
  sched_setaffinity(0, sizeof one, &one);

  Rng rng(seed);
  size_t total = 0, delivered = 0, answered = 0, solver = 0, failures = 0;
  for (int i = 0; i < rounds; ++i) {
    Round r = run_round(i, rng, probes, 0.05);
    ASSERT_TRUE(r.harness_error.empty()) << "round " << i << " (" << r.kind << "): " << r.harness_error
                                         << "\nRAMPART_SYSTEM_SEED=" << seed << "\nrule set:\n"
                                         << r.loaded;
    total += r.probes.size();
    solver += r.solver_checked;
    size_t d = 0, a = 0;
    for (const auto& p : r.probes) {
      d += p.delivered;
      a += p.answered;
    }
    delivered += d;
    answered += a;
    std::cout << fmt::format(
        "round {:2} {:9}: {} probes, {} accepted by INPUT, {} answered, {} decided in user chains, {} "
        "disagreements\n",
        i, r.kind, r.probes.size(), d, a, r.through_user_chains, r.disagreements.size());
    if (std::getenv("RAMPART_NF_VERBOSE")) std::cout << "loaded:\n" << r.loaded << "dump:\n" << r.dump;
    if (!r.disagreements.empty()) {
      ++failures;
      std::string list;
      for (size_t k = 0; k < r.disagreements.size() && k < 20; ++k) list += "  " + r.disagreements[k] + "\n";
      ADD_FAILURE() << "round " << i << " (" << r.kind << "): " << r.disagreements.size()
                    << " disagreements (RAMPART_SYSTEM_SEED=" << seed << "):\n"
                    << list << "loaded:\n"
                    << r.loaded << "dump rampart read:\n"
                    << r.dump;
    }
  }
  std::cout << fmt::format(
      "total: {} probes, {} accepted by INPUT, {} answered, {} checked by the solver; seed {}\n", total,
      delivered, answered, solver, seed);
  EXPECT_GE(total, 5000u);
  EXPECT_EQ(failures, 0u) << "RAMPART_SYSTEM_SEED=" << seed;
}

}  // namespace
}  // namespace rampart
