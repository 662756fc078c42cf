// Windows from native exports to answers: the IIS example, the corpus
// registry export behind a host, App/Svc conditions against imported
// listeners, a domain controller's built-in rules (from the MIT-licensed
// table in tests/data/windows/active-directory-firewall), and located
// errors. Expectations worked out by hand from
// docs/semantics/windows-firewall.md.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "rampart/dsl/frontend.h"
#include "rampart/importers/registry.h"
#include "rampart/solver/session.h"

namespace rampart {
namespace {

namespace fs = std::filesystem;

std::string dump(const core::Diagnostics& d) {
  std::string out;
  for (const auto& x : d.sorted()) out += x.to_string() + "\n";
  return out;
}

core::Policy load_text(const std::string& text, const std::string& base = RAMPART_SOURCE_DIR) {
  importers::Registry registry = importers::default_registry();
  auto r = dsl::load_policy_text(text, "test.rampart", base, registry);
  EXPECT_TRUE(r.policy.has_value()) << dump(r.diagnostics);
  return r.policy ? *r.policy : core::Policy{};
}

// A claim: `reach ...` is the claim that some packet is admitted (the
// command line asks it as a query), the others as written.
core::Result ask(const core::Policy& p, const std::string& question) {
  auto q = dsl::parse_question(question, p);
  EXPECT_TRUE(q.question.has_value()) << question << "\n" << dump(q.diagnostics);
  if (!q.question) return {};
  if (auto* n = std::get_if<core::NetworkQuestion>(&q.question->body);
      n && n->claim == core::NetworkClaim::QueryReach) {
    n->claim = core::NetworkClaim::Reach;
    q.question->is_query = false;
  }
  solver::Session s(p);
  return s.answer(*q.question);
}

// `reach ...` as a query: the exact set.
core::Result query(const core::Policy& p, const std::string& question) {
  auto q = dsl::parse_question(question, p);
  EXPECT_TRUE(q.question.has_value()) << question << "\n" << dump(q.diagnostics);
  if (!q.question) return {};
  solver::Session s(p);
  return s.answer(*q.question);
}

core::AddressSet set(const std::string& text) {
  return *core::AddressSet::parse(text, false).set;
}

// The union of the sources of a set answer's must (or may) entries.
core::AddressSet sources(const std::vector<core::SetEntry>& entries) {
  core::AddressSet out;
  for (const auto& e : entries) out = out.unite(e.sources);
  return out;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "rampart-windows-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(fs::path(path_) / name, std::ios::binary) << text;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// ---- the example ---------------------------------------------------------------

TEST(WindowsIntegration, IisExample) {
  importers::Registry registry = importers::default_registry();
  auto load = dsl::load_policy_file(
      std::string(RAMPART_SOURCE_DIR) + "/examples/windows-iis-8080/policy.rampart", registry);
  ASSERT_TRUE(load.policy) << dump(load.diagnostics);
  EXPECT_TRUE(load.diagnostics.empty()) << dump(load.diagnostics);
  const core::Policy& p = *load.policy;
  // IIS's binding is web01's listener; the services and accounts are its own.
  auto web = p.find_host("web01");
  ASSERT_TRUE(web);
  ASSERT_EQ(p.host(*web).listeners.size(), 1u);
  EXPECT_EQ(p.host(*web).listeners[0].to_string(), "tcp/8080 on * (System)");
  auto w3 = p.find_service("W3SVC", *web);
  ASSERT_TRUE(w3);
  EXPECT_EQ(p.service(*w3).user_name, "LocalSystem");
  EXPECT_EQ(p.service(*w3).uid, 0u);

  solver::Session s(p);
  std::vector<core::Result> results;
  for (const auto& q : p.questions) results.push_back(s.answer(q));
  ASSERT_EQ(results.size(), 6u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(results[i].verdict, core::Verdict::Holds) << results[i].text;
  // The exact source set: the office except the guest range, .0-.199.
  const core::Result& q = results[5];
  EXPECT_EQ(q.verdict, core::Verdict::Holds);
  ASSERT_TRUE(q.set);
  EXPECT_TRUE(q.set->certified);
  ASSERT_EQ(q.set->must.size(), 1u);
  EXPECT_EQ(q.set->must, q.set->may);
  EXPECT_EQ(q.set->must[0].sources.to_string(), "192.168.10.0/25, 192.168.10.128/26, 192.168.10.192/29");
  EXPECT_EQ(q.set->must[0].services.to_string(), "tcp/8080");

  // The witness names the deciding rule by its name and registry id.
  core::Result ok = ask(p, "reach 192.168.10.50 -> web01 tcp/8080");
  ASSERT_TRUE(ok.network);
  ASSERT_EQ(ok.network->steps.size(), 1u);
  EXPECT_EQ(ok.network->steps[0].filter, "fw[\"domain\"]");
  EXPECT_EQ(ok.network->steps[0].rule, "IIS 8080 from the office");
  EXPECT_EQ(ok.network->steps[0].origin.native_id, "{3C7A1D2E-5B8F-4E61-9A0C-8080A0000001}");
  EXPECT_EQ(ok.network->listener, "tcp/8080 on * (System)");
  EXPECT_EQ(ok.network->listener_origin.to_string(), RAMPART_SOURCE_DIR
            "/examples/windows-iis-8080/windows/applicationHost.config:14 [Default Web Site]");
  core::Result blocked = ask(p, "reach 192.168.10.210 -> web01 tcp/8080");
  EXPECT_EQ(blocked.verdict, core::Verdict::Violated);
  ASSERT_TRUE(blocked.network);
  ASSERT_EQ(blocked.network->steps.size(), 1u);
  EXPECT_EQ(blocked.network->steps[0].decision, core::Decision::Deny);
  EXPECT_EQ(blocked.network->steps[0].rule, "Block 8080 from the guest Wi-Fi range");
  EXPECT_EQ(blocked.network->steps[0].origin.to_string(), RAMPART_SOURCE_DIR
            "/examples/windows-iis-8080/windows/firewall.reg:6 [{3C7A1D2E-5B8F-4E61-9A0C-8080A0000002}]");
  core::Result outside = ask(p, "reach 203.0.113.7 -> web01 tcp/8080");
  EXPECT_EQ(outside.verdict, core::Verdict::Violated);
  ASSERT_TRUE(outside.network);
  EXPECT_TRUE(outside.network->steps.at(0).by_default);
  EXPECT_EQ(outside.network->steps.at(0).origin.native_id, "DomainProfile\\DefaultInboundAction");
}

// ---- the corpus registry export behind a host --------------------------------

const char* kCorpusHost = R"(
import windows.reg "tests/data/windows/synthetic/synthetic_FirewallRules.reg.txt" as win;
host pc {
  interface eth0 address 192.168.1.20/24, 2001:db8:5::20/64;
  %LET%
  inbound win["%PROFILE%"];
  listen tcp/22 by sshd;
  listen tcp/8080 by web;
  listen tcp/7000 by app;
  listen tcp/5555 by app;
  listen tcp/3389 by rdp;
}
)";

core::Policy corpus_host(const std::string& profile, bool bind_subnet) {
  std::string text = kCorpusHost;
  text.replace(text.find("%PROFILE%"), 9, profile);
  text.replace(text.find("%LET%"), 5,
               bind_subnet ? "let LocalSubnet = 192.168.1.0/24, 2001:db8:5::/64;" : "");
  return load_text(text);
}

TEST(WindowsIntegration, CorpusPrivateProfileExactSshSources) {
  core::Policy p = corpus_host("private", true);
  core::Result r = query(p, "reach any -> pc tcp/22");
  ASSERT_TRUE(r.set) << r.reason;
  EXPECT_EQ(r.verdict, core::Verdict::Holds) << r.reason;
  // T03 allows 10/8, 192.168.1.10-20, 203.0.113.7 and 2001:db8::/32; T04
  // blocks 10.9/16; T07 allows any protocol from LocalSubnet; the host's own
  // addresses are martian. T10-T12 and T15 name programs sshd is not.
  core::AddressSet expected = set("10.0.0.0/8")
                                  .subtract(set("10.9.0.0/16"))
                                  .unite(set("192.168.1.0/24"))
                                  .unite(set("203.0.113.7"))
                                  .unite(set("2001:db8::/32"))
                                  .subtract(set("192.168.1.20"))
                                  .subtract(set("2001:db8:5::20"));
  EXPECT_EQ(sources(r.set->must).to_string(), expected.to_string());
  EXPECT_EQ(sources(r.set->may).to_string(), expected.to_string());
  EXPECT_EQ(ask(p, "reach 203.0.113.50 -> pc tcp/8080").verdict, core::Verdict::Holds);  // T01
  EXPECT_EQ(ask(p, "not reach 10.9.8.7 -> pc tcp/22").verdict, core::Verdict::Holds);    // T04 wins
  // The GP rule (198.51.100.0/24) and T07 (LocalSubnet, both families).
  EXPECT_EQ(ask(p, "only 198.51.100.0/24, 192.168.1.0/24, 2001:db8:5::/64 reach pc tcp/3389").verdict,
            core::Verdict::Holds);
  // T20's unknown token: the answer is unknown and says on what.
  core::Result future = ask(p, "reach 203.0.113.50 -> pc tcp/7000");
  EXPECT_EQ(future.verdict, core::Verdict::Unknown);
  EXPECT_TRUE(std::any_of(future.unknowns.begin(), future.unknowns.end(), [](const std::string& u) {
    return u.find("windows.token:LPort2_24=SomeFutureKeyword") != std::string::npos;
  })) << ::testing::PrintToString(future.unknowns);
}

TEST(WindowsIntegration, UnboundLocalSubnetMakesAnswersUnknown) {
  core::Policy p = corpus_host("private", false);
  core::Result r = ask(p, "reach 172.16.0.1 -> pc tcp/5555");
  EXPECT_EQ(r.verdict, core::Verdict::Unknown);
  bool names_symbol = false;
  for (const auto& u : r.unknowns) names_symbol = names_symbol || u.find("LocalSubnet") != std::string::npos;
  EXPECT_TRUE(names_symbol) << ::testing::PrintToString(r.unknowns);
  // Bound, the same source is outside LocalSubnet: no rule admits it.
  EXPECT_EQ(ask(corpus_host("private", true), "not reach 172.16.0.1 -> pc tcp/5555").verdict,
            core::Verdict::Holds);
}

TEST(WindowsIntegration, ShieldedPublicAndGroupPolicyDomain) {
  core::Policy pub = corpus_host("public", true);
  EXPECT_EQ(ask(pub, "not reach any -> pc tcp/8080").verdict, core::Verdict::Holds);
  EXPECT_EQ(ask(pub, "not reach 192.168.1.7 -> pc tcp/22").verdict, core::Verdict::Holds);
  core::Policy dom = corpus_host("domain", true);
  // AllowLocalPolicyMerge=0: only the GP rule: RDP from 198.51.100.0/24.
  EXPECT_EQ(ask(dom, "only 198.51.100.0/24 reach pc tcp/3389").verdict, core::Verdict::Holds);
  EXPECT_EQ(ask(dom, "reach 198.51.100.9 -> pc tcp/3389").verdict, core::Verdict::Holds);
  EXPECT_EQ(ask(dom, "not reach any -> pc tcp/8080").verdict, core::Verdict::Holds);
}

// ---- precedence with an authenticated bypass ----------------------------------

TEST(WindowsIntegration, BypassSourcesAreAdmittedOnlyUnderTheirCondition) {
  // tests/golden/cases/windows_precedence.rampart: allow 10/8, block 10.1/16,
  // an authenticated bypass for 10.1.1/24, default block; RDP from the
  // unbound LocalSubnet.
  importers::Registry registry = importers::default_registry();
  auto load = dsl::load_policy_file(
      std::string(RAMPART_SOURCE_DIR) + "/tests/golden/cases/windows_precedence.rampart", registry);
  ASSERT_TRUE(load.policy) << dump(load.diagnostics);
  const core::Policy& p = *load.policy;
  core::Result smb = query(p, "reach any -> fs01 tcp/445");
  ASSERT_TRUE(smb.set) << smb.reason;
  EXPECT_TRUE(smb.set->certified);
  // Certainly admitted: 10/8 but the blocked lab and the host itself; maybe
  // admitted besides: the bypass range, when IPsec authenticates it.
  core::AddressSet must = set("10.0.0.0/8").subtract(set("10.1.0.0/16")).subtract(set("10.5.0.20"));
  EXPECT_EQ(sources(smb.set->must).to_string(), must.to_string());
  EXPECT_EQ(sources(smb.set->may).to_string(), must.unite(set("10.1.1.0/24")).to_string());

  EXPECT_EQ(ask(p, "reach 10.2.0.1 -> fs01 tcp/445").verdict, core::Verdict::Holds);
  EXPECT_EQ(ask(p, "not reach 10.1.2.3 -> fs01 tcp/445").verdict, core::Verdict::Holds);
  EXPECT_EQ(ask(p, "not reach 11.0.0.1 -> fs01 tcp/445").verdict, core::Verdict::Holds);
  core::Result admin = ask(p, "reach 10.1.1.9 -> fs01 tcp/445");
  EXPECT_EQ(admin.verdict, core::Verdict::Unknown);
  EXPECT_EQ(admin.unknowns, (std::vector<std::string>{"fwd/cond:windows.security:Authenticate"}));
  // The same source to RDP depends on the unbound LocalSubnet instead.
  core::Result rdp = ask(p, "reach 10.5.0.7 -> fs01 tcp/3389");
  EXPECT_EQ(rdp.verdict, core::Verdict::Unknown);
  ASSERT_EQ(rdp.unknowns.size(), 1u);
  EXPECT_NE(rdp.unknowns[0].find("LocalSubnet"), std::string::npos) << rdp.unknowns[0];
  EXPECT_NE(rdp.unknowns[0].find("fs01"), std::string::npos) << rdp.unknowns[0];

  // Bound on the host, the answers are exact.
  auto bound = dsl::load_policy_file(
      std::string(RAMPART_SOURCE_DIR) + "/tests/golden/cases/windows_precedence_bound.rampart", registry);
  ASSERT_TRUE(bound.policy) << dump(bound.diagnostics);
  core::Result rdp_bound = query(*bound.policy, "reach any -> fs01 tcp/3389");
  ASSERT_TRUE(rdp_bound.set) << rdp_bound.reason;
  EXPECT_TRUE(rdp_bound.unknowns.empty()) << ::testing::PrintToString(rdp_bound.unknowns);
  core::AddressSet subnet = set("10.5.0.0/24").subtract(set("10.5.0.20"));
  EXPECT_EQ(sources(rdp_bound.set->must).to_string(), subnet.to_string());
  EXPECT_EQ(sources(rdp_bound.set->may).to_string(), subnet.to_string());
}

// ---- App and Svc against imported listeners --------------------------------

TEST(WindowsIntegration, ProgramAndServiceOfImportedListeners) {
  TempDir dir;
  dir.write("fw.reg", R"(Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\FirewallRules]
"sql"="v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=1433|App=%ProgramFiles%\\Microsoft SQL Server\\MSSQL15.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe|Svc=MSSQLSERVER|Name=SQL Server|"
"rpc"="v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=135|App=%SystemRoot%\\system32\\svchost.exe|Svc=RpcSs|Name=RPC Endpoint Mapper|"
"ntp"="v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=17|LPort=123|App=%SystemRoot%\\system32\\svchost.exe|Svc=w32time|Name=NTP|"
"w3wp"="v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=8080|App=C:\\Windows\\System32\\inetsrv\\w3wp.exe|Name=Worker process|"
"agent"="v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=9400|Name=Backup agent|"
)");
  std::string listeners = (fs::path(RAMPART_SOURCE_DIR) / "tests/data/windows/host/listeners.json").string();
  core::Policy p = load_text(R"(
import windows.reg "fw.reg" as fw;
host sql {
  import windows.listeners ")" + listeners +
                                 R"(" as net;
  interface eth0 address 10.0.0.5/24;
  inbound fw["domain"];
}
)",
                             dir.path());
  // sqlservr.exe runs MSSQLSERVER: program and service match.
  EXPECT_EQ(ask(p, "reach 10.0.0.9 -> sql tcp/1433").verdict, core::Verdict::Holds);
  // W32Time alone in its svchost: the service is known.
  EXPECT_EQ(ask(p, "reach 10.0.0.9 -> sql udp/123").verdict, core::Verdict::Holds);
  // 135 belongs to a svchost hosting RpcSs and RpcEptMapper: which service
  // listens is not known; the witness assumes it.
  core::Result rpc = ask(p, "reach 10.0.0.9 -> sql tcp/135");
  EXPECT_EQ(rpc.verdict, core::Verdict::Unknown);
  ASSERT_TRUE(rpc.network);
  bool assumes_service = false;
  for (const auto& a : rpc.network->assumptions) {
    if (a.condition != "fwd/attr:sql:service=rpcss") continue;
    assumes_service = a.value;
    EXPECT_EQ(a.description, "the local service is not known");
  }
  EXPECT_TRUE(assumes_service);
  EXPECT_EQ(rpc.network->steps.at(0).rule, "RPC Endpoint Mapper");
  // IIS is served by http.sys (System), not by w3wp.exe: the rule does not match.
  EXPECT_EQ(ask(p, "not reach 10.0.0.9 -> sql tcp/8080").verdict, core::Verdict::Holds);
  // The agent listens on 127.0.0.1 only: never reachable from the network.
  EXPECT_EQ(ask(p, "not reach 10.0.0.9 -> sql tcp/9400").verdict, core::Verdict::Holds);
}

// ---- a domain controller's built-in rules ---------------------------------

std::vector<std::string> csv_cells(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  bool quoted = false;
  for (char c : line) {
    if (c == '"')
      quoted = !quoted;
    else if (c == ',' && !quoted)
      out.push_back(cell), cell.clear();
    else
      cell += c;
  }
  out.push_back(cell);
  return out;
}

// The documentation table as registry rules: Client rules from anywhere,
// Management rules from 10.0.99.0/24, DC rules from the DCs 10.0.0.8/29.
std::string dc_rules() {
  std::ifstream in(fs::path(RAMPART_SOURCE_DIR) /
                   "tests/data/windows/active-directory-firewall/inbound-builtin-firewall-rules.csv");
  std::string line, reg =
                        "Windows Registry Editor Version "
                        "5.00\n\n[HKEY_LOCAL_"
                        "MACHINE\\SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\FirewallPoli"
                        "cy\\FirewallRules]\n";
  std::getline(in, line);  // header
  int n = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto c = csv_cells(line);  // Name,Group,Protocol,Port,IcmpType,Program,Service,RemoteAddress,Description
    std::string rule = "v2.33|Action=Allow|Active=TRUE|Dir=In|";
    const std::string& proto = c.at(2);
    rule += proto == "TCP"      ? "Protocol=6|"
            : proto == "UDP"    ? "Protocol=17|"
            : proto == "ICMPv4" ? "Protocol=1|"
                                : "Protocol=58|";
    const std::string& port = c.at(3);
    if (port == "RPCEPMap")
      rule += "LPort=RPC-EPMap|";
    else if (!port.empty() && port != "Any")
      rule += "LPort=" + port + "|";
    if (!c.at(4).empty()) {
      std::string type = c.at(4), code = "*";
      if (auto colon = type.find(':'); colon != std::string::npos)
        code = std::to_string(std::stoi(type.substr(colon + 1))), type = type.substr(0, colon);
      rule += (proto == "ICMPv4" ? "ICMP4=" : "ICMP6=") + type + ":" + code + "|";
    }
    std::string app = c.at(5);
    for (size_t i = 0; (i = app.find('\\', i)) != std::string::npos; i += 2) app.replace(i, 1, "\\\\");
    if (!app.empty()) rule += "App=" + app + "|";
    if (!c.at(6).empty()) rule += "Svc=" + c.at(6) + "|";
    if (c.at(7) == "Management") rule += "RA4=10.0.99.0/24|";
    if (c.at(7) == "DC") rule += "RA4=10.0.0.8/29|";
    rule += "Name=" + c.at(0) + "|EmbedCtxt=" + c.at(1) + "|";
    reg += "\"DC-" + std::to_string(++n) + "\"=\"" + rule + "\"\n";
  }
  reg +=
      "\n[HKEY_LOCAL_"
      "MACHINE\\SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\DomainProfile]"
      "\n"
      "\"EnableFirewall\"=dword:00000001\n\"DefaultInboundAction\"=dword:00000001\n";
  return reg;
}

TEST(WindowsIntegration, DomainControllerBuiltInRules) {
  TempDir dir;
  std::string reg = dc_rules();
  dir.write("dc.reg", reg);
  dir.write("listeners.json", R"({
  "TCP": [
    {"LocalAddress": "0.0.0.0", "LocalPort": 389, "OwningProcess": 700, "State": 2},
    {"LocalAddress": "0.0.0.0", "LocalPort": 88, "OwningProcess": 700, "State": 2},
    {"LocalAddress": "0.0.0.0", "LocalPort": 49668, "OwningProcess": 700, "State": 2},
    {"LocalAddress": "0.0.0.0", "LocalPort": 53, "OwningProcess": 1800, "State": 2},
    {"LocalAddress": "0.0.0.0", "LocalPort": 3389, "OwningProcess": 1100, "State": 2},
    {"LocalAddress": "0.0.0.0", "LocalPort": 5985, "OwningProcess": 4, "State": 2},
    {"LocalAddress": "0.0.0.0", "LocalPort": 445, "OwningProcess": 4, "State": 2}
  ],
  "UDP": [{"LocalAddress": "0.0.0.0", "LocalPort": 53, "OwningProcess": 1800}],
  "Processes": [
    {"Id": 4, "ProcessName": "System"},
    {"Id": 700, "ProcessName": "lsass", "Path": "C:\\Windows\\system32\\lsass.exe"},
    {"Id": 1100, "ProcessName": "svchost", "Path": "C:\\Windows\\System32\\svchost.exe"},
    {"Id": 1800, "ProcessName": "dns", "Path": "C:\\Windows\\system32\\dns.exe"}
  ],
  "Services": [
    {"Name": "NTDS", "PathName": "C:\\Windows\\system32\\lsass.exe", "StartName": "LocalSystem", "ProcessId": 700, "State": "Running"},
    {"Name": "TermService", "PathName": "C:\\Windows\\System32\\svchost.exe -k NetworkService", "StartName": "NT Authority\\NetworkService", "ProcessId": 1100, "State": "Running"},
    {"Name": "DNS", "PathName": "C:\\Windows\\system32\\dns.exe", "StartName": "LocalSystem", "ProcessId": 1800, "State": "Running"}
  ]
})");
  auto policy = [&](const std::string& rpc) {
    return load_text(R"(
import windows.reg "dc.reg" as fw;
zone clients = 10.50.0.0/16;
zone admins = 10.0.99.0/24;
host dc1 {
  import windows.listeners "listeners.json" as net;
  interface eth0 address 10.0.0.10/24;
  inbound fw["domain"];
  )" + rpc + R"(
}
)",
                     dir.path());
  };
  core::Policy p = policy("");
  EXPECT_EQ(ask(p, "reach clients -> dc1 tcp/389").verdict, core::Verdict::Holds);  // LDAP, lsass.exe
  EXPECT_EQ(ask(p, "reach clients -> dc1 tcp/88").verdict, core::Verdict::Holds);   // Kerberos
  EXPECT_EQ(ask(p, "reach clients -> dc1 udp/53").verdict, core::Verdict::Holds);   // DNS, Svc=dns
  EXPECT_EQ(ask(p, "reach clients -> dc1 tcp/445").verdict, core::Verdict::Holds);  // SMB, System
  EXPECT_EQ(ask(p, "reach clients -> dc1 icmp/8").verdict, core::Verdict::Holds);   // echo, App=System
  // Remote Desktop and WinRM are for the management subnet only.
  EXPECT_EQ(ask(p, "only admins reach dc1 tcp/3389").verdict, core::Verdict::Holds);
  EXPECT_EQ(ask(p, "reach admins -> dc1 tcp/3389").verdict, core::Verdict::Holds);
  EXPECT_EQ(ask(p, "only admins reach dc1 tcp/5985").verdict, core::Verdict::Holds);
  // A dynamic RPC port of lsass: unbound, the RPC keyword is unknown, and
  // the answer names the symbol and the host.
  core::Result rpc = ask(p, "reach clients -> dc1 tcp/49668");
  EXPECT_EQ(rpc.verdict, core::Verdict::Unknown);
  EXPECT_TRUE(std::any_of(rpc.unknowns.begin(), rpc.unknowns.end(), [](const std::string& u) {
    return u == "fwd/sym:dc1:RPC:dport";
  })) << ::testing::PrintToString(rpc.unknowns);
  // Bound to the default dynamic range, rule "Active Directory Domain
  // Controller (RPC)" (LPort=RPC, App=lsass.exe) admits lsass's 49668.
  core::Policy bound = policy("let ports RPC = 49152-65535;");
  EXPECT_EQ(ask(bound, "reach clients -> dc1 tcp/49668").verdict, core::Verdict::Holds);
  // Bound to a range without 49668, no rule admits it: the profile blocks.
  core::Policy narrow = policy("let ports RPC = 49152-49667;");
  EXPECT_EQ(ask(narrow, "reach clients -> dc1 tcp/49668").verdict, core::Verdict::Violated);
}

TEST(WindowsIntegration, PortKeywordBoundOnTheHost) {
  // One rule: Allow, Dir=In, Protocol=6, LPort=RPC (and one for RPC-EPMap);
  // the domain profile blocks inbound by default.
  auto policy = [](const std::string& lets) {
    return load_text(R"(
import windows.reg "tests/golden/cases/windows_inputs/rpc.reg" as fw;
host srv {
  interface eth0 address 10.5.0.21/24;
  inbound fw["domain"];
  listen tcp/40000 by app;
  listen tcp/50000 by lsass;
  )" + lets + R"(
}
)");
  };
  core::Policy bound = policy("let ports RPC = 49152-65535; let ports RPC-EPMap = 135;");
  EXPECT_EQ(ask(bound, "reach 10.5.0.7 -> srv tcp/50000").verdict, core::Verdict::Holds);
  EXPECT_EQ(ask(bound, "reach 10.5.0.7 -> srv tcp/40000").verdict, core::Verdict::Violated);
  EXPECT_EQ(ask(bound, "not reach any -> srv tcp/40000").verdict, core::Verdict::Holds);
  // Of every port, only tcp/50000 is reached (135 is bound but nothing
  // listens there; 40000 listens but is outside RPC).
  core::Result set = query(bound, "reach 10.0.0.0/8 -> srv tcp/1-65535");
  ASSERT_TRUE(set.set.has_value()) << set.reason;
  ASSERT_EQ(set.set->must.size(), 1u);
  EXPECT_EQ(set.set->must[0].services.to_string(), "tcp/50000");
  EXPECT_EQ(set.set->must, set.set->may);
  // Unbound: unknown, naming the symbol and the host.
  core::Policy unbound = policy("");
  core::Result r = ask(unbound, "reach 10.5.0.7 -> srv tcp/50000");
  EXPECT_EQ(r.verdict, core::Verdict::Unknown);
  EXPECT_TRUE(std::find(r.unknowns.begin(), r.unknowns.end(), "fwd/sym:srv:RPC:dport") != r.unknowns.end())
      << ::testing::PrintToString(r.unknowns);
  // tcp/40000 too is unknown then: RPC might stand for any port.
  EXPECT_EQ(ask(unbound, "not reach 10.5.0.7 -> srv tcp/40000").verdict, core::Verdict::Unknown);
}

// ---- errors and the binder ---------------------------------------------------

std::vector<std::string> load_errors(const std::string& text, const std::string& base) {
  importers::Registry registry = importers::default_registry();
  auto r = dsl::load_policy_text(text, "test.rampart", base, registry);
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.sorted()) {
    out.push_back(std::string(core::severity_name(d.severity)) + " " + d.origin.to_string() + " " + d.code);
  }
  return out;
}

TEST(WindowsIntegration, LocatedErrorsAndHostContent) {
  TempDir dir;
  dir.write(
      "bad.reg",
      "Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\"
      "WindowsFirewall\\FirewallRules]\n\"r1\"=\"v2.10|Action=Allow|Dir=In|Protocol=6|LPort=80-70|\"\n");
  EXPECT_EQ(load_errors("import windows.reg \"bad.reg\" as fw;\n", dir.path()),
            (std::vector<std::string>{"error " + dir.path() + "/bad.reg:4 [r1] RP3203"}));
  // Listeners describe one host: at the top level they are an error.
  std::string listeners = (fs::path(RAMPART_SOURCE_DIR) / "tests/data/windows/host/listeners.json").string();
  EXPECT_EQ(load_errors("import windows.listeners \"" + listeners + "\" as net;\n", dir.path()),
            (std::vector<std::string>{"error " + dir.path() + "/test.rampart:1:1 RP2303"}));
  // A listener bound to an address the host does not have: a warning.
  auto w = load_errors(
      "host h {\n  import windows.listeners \"" + listeners + "\" as net;\n  address 10.9.9.9;\n}\n",
      dir.path());
  EXPECT_EQ(w, (std::vector<std::string>{"warning " + listeners + "#/TCP/4 RP2203",
                                         "warning " + listeners + "#/UDP/1 RP2203"}));
}

}  // namespace
}  // namespace rampart
