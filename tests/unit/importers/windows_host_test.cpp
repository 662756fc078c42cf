// windows.services, windows.listeners and windows.iis: services with their
// accounts, listeners joined with processes and services, IIS bindings.
// Expectations by hand from docs/importers/windows.md.

#include "windows_test_util.h"

namespace rampart::windows_test {
namespace {

const core::Service* service(const core::ImportResult& r, const std::string& name) {
  for (const auto& s : r.fragment.services) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::vector<std::string> listeners(const core::ImportResult& r) {
  std::vector<std::string> out;
  if (r.fragment.hosts.size() != 1) return {"hosts: " + std::to_string(r.fragment.hosts.size())};
  const core::Host& h = r.fragment.hosts[0];
  EXPECT_TRUE(h.name.empty());
  for (const auto& l : h.listeners) {
    std::string s = l.to_string();
    if (l.service.valid()) s += " service " + r.fragment.service(l.service).name;
    out.push_back(s);
  }
  return out;
}

TEST(WindowsServices, ScQc) {
  auto r = importers::windows::parse_services(read("tests/data/windows/host/sc_qc.txt"), "sc.txt");
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  // The kernel driver (tcpip) is not a service that runs as an account.
  ASSERT_EQ(r.fragment.services.size(), 5u);
  const core::Service* w3 = service(r, "W3SVC");
  ASSERT_TRUE(w3);
  EXPECT_EQ(w3->user_name, "LocalSystem");
  EXPECT_EQ(w3->uid, 0u);
  EXPECT_EQ(w3->program, "C:\\Windows\\system32\\svchost.exe");
  EXPECT_FALSE(w3->host.valid());  // adopted by the host block that imports it
  EXPECT_EQ(w3->origin.to_string(), "sc.txt:3 [W3SVC]");
  const core::Service* sql = service(r, "MSSQLSERVER");
  EXPECT_EQ(sql->user_name, "NT Service\\MSSQLSERVER");
  EXPECT_EQ(sql->uid, 100000u);
  EXPECT_EQ(sql->program,
            "C:\\Program Files\\Microsoft SQL Server\\MSSQL15.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe");
  EXPECT_EQ(service(r, "Dnscache")->user_name, "NetworkService");
  EXPECT_EQ(service(r, "Dnscache")->uid, 20u);
  EXPECT_EQ(service(r, "W32Time")->user_name, "LocalService");
  EXPECT_EQ(service(r, "W32Time")->uid, 19u);
  EXPECT_EQ(service(r, "W32Time")->program, "C:\\Windows\\system32\\svchost.exe");  // %SystemRoot% expanded
  EXPECT_EQ(service(r, "BackupAgent")->user_name, "svc_backup");
  EXPECT_EQ(service(r, "BackupAgent")->uid, 100001u);
  EXPECT_EQ(service(r, "BackupAgent")->program, "C:\\Program Files\\Backup Agent\\agent.exe");
  // One user per account.
  std::vector<std::string> users;
  for (const auto& u : r.fragment.users) users.push_back(u.name + ":" + std::to_string(u.uid));
  EXPECT_EQ(users, (std::vector<std::string>{"LocalSystem:0", "NT Service\\MSSQLSERVER:100000",
                                             "NetworkService:20", "LocalService:19", "svc_backup:100001"}));
}

TEST(WindowsServices, Win32ServiceJsonAndErrors) {
  auto r = importers::windows::parse_services(read("tests/data/windows/host/listeners.json"), "l.json");
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  EXPECT_EQ(r.fragment.services.size(), 6u);
  EXPECT_EQ(service(r, "RpcSs")->origin.to_string(), "l.json[RpcSs]");
  EXPECT_EQ(service(r, "Spooler")->uid, 0u);
  auto e = importers::windows::parse_services(R"([{"DisplayName": "x"}, {"Name": "y", "ProcessId": "abc"}])",
                                              "s.json");
  EXPECT_EQ(codes_of(e.diagnostics, core::Severity::Error),
            (std::vector<std::string>{"s.json#/0 RP3208", "s.json#/1/ProcessId RP3208"}));
  e = importers::windows::parse_services("SERVICE_NAME: a\n  TYPE : 10\nnonsense\n", "s.txt");
  EXPECT_EQ(codes_of(e.diagnostics, core::Severity::Error), (std::vector<std::string>{"s.txt:3 RP3202"}));
  e = importers::windows::parse_services("\n", "s.txt");
  EXPECT_EQ(codes_of(e.diagnostics, core::Severity::Error), (std::vector<std::string>{"s.txt RP3206"}));
}

// A hostile file cannot make the reader walk a tree thousands of levels deep:
// past 256 levels it is refused at the bracket that goes too deep.
TEST(WindowsServices, JsonNestingIsLimited) {
  std::string deep = "[\n" + std::string(300, '[') + std::string(300, ']') + "]";
  auto e = importers::windows::parse_services(deep, "s.json");
  EXPECT_EQ(codes_of(e.diagnostics, core::Severity::Error),
            (std::vector<std::string>{"s.json:2:256 RP3202"}));
  auto ok = importers::windows::parse_services(std::string(256, '[') + std::string(256, ']'), "s.json");
  for (const auto& d : ok.diagnostics.sorted()) EXPECT_EQ(d.message.find("nested deeper"), std::string::npos);
}

TEST(WindowsListeners, JsonJoinedWithProcessesAndServices) {
  auto r = importers::windows::parse_listeners(read("tests/data/windows/host/listeners.json"), "l.json");
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  // 135 is shared by two services in one svchost: no service, the program
  // only. 8080 is PID 4, System (http.sys). An established connection is
  // not a listener.
  EXPECT_EQ(listeners(r),
            (std::vector<std::string>{
                "tcp/135 on 0.0.0.0 (C:\\Windows\\system32\\svchost.exe)",
                "tcp/135 on :: (C:\\Windows\\system32\\svchost.exe)",
                "tcp/8080 on 0.0.0.0 (System)",
                "tcp/8080 on :: (System)",
                "tcp/1433 on 10.0.0.5 (C:\\Program Files\\Microsoft SQL Server\\MSSQL15.MSSQLSERVER\\MSSQL\\"
                "Binn\\sqlservr.exe) service MSSQLSERVER",
                "tcp/9400 on 127.0.0.1 (C:\\Program Files\\Backup Agent\\agent.exe) service BackupAgent",
                "udp/123 on 0.0.0.0 (C:\\Windows\\system32\\svchost.exe) service W32Time",
                "udp/546 on fe80::1 (C:\\Windows\\system32\\svchost.exe)",
            }));
  EXPECT_EQ(r.fragment.hosts[0].listeners[4].origin.to_string(), "l.json#/TCP/4");
  EXPECT_EQ(r.fragment.services.size(), 6u);
}

TEST(WindowsListeners, Netstat) {
  auto r = importers::windows::parse_listeners(read("tests/data/windows/host/netstat.txt"), "n.txt");
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  // `[svchost.exe]` is a bare name: not compared with full program paths.
  EXPECT_EQ(listeners(r), (std::vector<std::string>{
                              "tcp/135 on 0.0.0.0 service RpcSs",
                              "tcp/445 on 0.0.0.0 (System)",
                              "tcp/1433 on 10.0.0.5",
                              "tcp/135 on :: service RpcSs",
                              "udp/123 on 0.0.0.0 service W32Time",
                              "udp/546 on fe80::1 service Dhcp",
                          }));
  EXPECT_EQ(r.fragment.hosts[0].listeners[2].origin.to_string(), "n.txt:10");
  auto e = importers::windows::parse_listeners("  TCP    0.0.0.0:99999   0.0.0.0:0  LISTENING  4\n", "n.txt");
  EXPECT_EQ(codes_of(e.diagnostics, core::Severity::Error), (std::vector<std::string>{"n.txt:1 RP3208"}));
  e = importers::windows::parse_listeners(
      R"({"TCP": [{"LocalAddress": "10.0.0.300", "LocalPort": 1, "State": 2}]})", "x.json");
  EXPECT_EQ(codes_of(e.diagnostics, core::Severity::Error),
            (std::vector<std::string>{"x.json#/TCP/0 RP3208"}));
}

TEST(WindowsIis, Bindings) {
  auto r = importers::windows::parse_iis(read("tests/data/windows/host/applicationHost.config"), "aH.config");
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  // net.pipe is not on the network; siteDefaults is no site.
  EXPECT_EQ(listeners(r), (std::vector<std::string>{"tcp/8080 on * (System)", "tcp/443 on 10.0.0.5 (System)",
                                                    "tcp/80 on 2001:db8::5 (System)", "tcp/808 on *"}));
  EXPECT_EQ(r.fragment.hosts[0].listeners[0].origin.to_string(), "aH.config:14 [Default Web Site]");
  EXPECT_EQ(r.fragment.hosts[0].listeners[1].origin.to_string(), "aH.config:20 [Intranet & Reports]");
}

TEST(WindowsIis, ErrorsAreLocated) {
  auto errors = [](const std::string& text) {
    auto r = importers::windows::parse_iis(text, "a.config");
    return codes_of(r.diagnostics, core::Severity::Error);
  };
  EXPECT_EQ(errors("<configuration>\n<sites>\n<site name=\"s\">\n<bindings>\n<binding protocol=\"http\" "
                   "bindingInformation=\"*:http:\"/>\n</bindings></site></sites></configuration>"),
            (std::vector<std::string>{"a.config:5 [s] RP3208"}));
  EXPECT_EQ(errors("<configuration>\n<sites>\n</site>\n"), (std::vector<std::string>{"a.config:3 RP3202"}));
  EXPECT_EQ(errors("<configuration>\n<sites a=b>\n"), (std::vector<std::string>{"a.config:2 RP3202"}));
  EXPECT_EQ(errors("<configuration/>"), (std::vector<std::string>{"a.config RP3206"}));
  EXPECT_EQ(errors("<configuration>\n<!-- never closed\n"), (std::vector<std::string>{"a.config:2 RP3202"}));
}

}  // namespace
}  // namespace rampart::windows_test
