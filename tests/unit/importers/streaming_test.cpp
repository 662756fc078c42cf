// Large native files are read as streams (AWS JSON through nlohmann's SAX
// interface one array element at a time, line formats line by line from the
// file). The streamed import must say exactly what the in-memory parser
// says about the same text: the same model, the same origins (lines,
// columns, JSON pointers) and the same diagnostics, including where a read
// crosses the reader's 64 KiB chunks.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "rampart/importers/aws.h"
#include "rampart/importers/linux.h"
#include "rampart/importers/netfilter.h"
#include "rampart/importers/registry.h"

namespace rampart {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "rampart-stream-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(fs::path(path_) / name, std::ios::binary) << text;
    return (fs::path(path_) / name).string();
  }

 private:
  std::string path_;
};

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

core::ImportResult import(const std::string& format, const std::string& path, const std::string& display) {
  importers::Registry registry = importers::default_registry();
  core::ImportRequest req;
  req.format = format;
  req.path = path;
  req.display_path = display;
  req.origin = core::Origin::policy("test.rampart", 1, 1);
  return registry.import(req);
}

// What a fragment says, origins included, as text to compare.
std::string summary(const core::ImportResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics.sorted()) out += d.to_string() + "\n";
  const core::Policy& p = r.fragment;
  for (const auto& rs : p.rule_sets) {
    out += "rule set " + rs.name + " @ " + rs.origin.to_string() + "\n";
    for (const auto& ch : rs.chains) {
      out += " chain " + ch.name + " @ " + ch.origin.to_string() + "\n";
      for (const auto& rule : ch.rules)
        out += "  rule " + rule.name + " " + std::to_string(int(rule.action)) + " @ " +
               rule.origin.to_string() + "\n";
    }
  }
  for (const auto& z : p.zones) out += "zone " + z.name + " @ " + z.origin.to_string() + "\n";
  for (const auto& h : p.hosts) out += "host " + h.name + " @ " + h.origin.to_string() + "\n";
  for (const auto& o : p.named_objects) out += "object " + o.scope + " " + o.native_id + "\n";
  for (const auto& f : p.files) {
    out += "file " + f.path + " " + std::to_string(f.mode) + " " + std::to_string(f.uid) + ":" +
           std::to_string(f.gid) + " acl " + std::to_string(f.access_acl.entries.size()) + "/" +
           std::to_string(f.default_acl.entries.size()) + " @ " + f.origin.to_string() + "\n";
  }
  out += "refs " + std::to_string(r.names.size()) + "\n";
  return out;
}

// ---- AWS JSON ----------------------------------------------------------------

void expect_aws_same(const std::string& path, const std::string& display) {
  SCOPED_TRACE(path);
  std::string streamed = summary(import("aws.account", path, display));
  std::string in_memory = summary(importers::parse_aws_cli(read(path), display));
  EXPECT_EQ(streamed, in_memory);
}

TEST(StreamingAws, SameAsInMemoryOnEveryCorpusFile) {
  size_t n = 0;
  for (const char* dir : {"tests/fuzz/corpus/aws_json", "examples/aws-ssh/aws"}) {
    for (const auto& e : fs::directory_iterator(fs::path(RAMPART_SOURCE_DIR) / dir)) {
      if (e.path().extension() != ".json" ||
          e.path().filename().string().find("terraform") != std::string::npos)
        continue;
      expect_aws_same(e.path().string(), e.path().filename().string());
      ++n;
    }
  }
  EXPECT_GE(n, 10u);
}

// Many groups (the document is far larger than one read chunk), with
// errors and unknown keys deep inside late elements: pointers, lines and
// columns are exact.
TEST(StreamingAws, ManyGroupsKeepExactPointersAndLines) {
  std::string text = "{\n  \"Extra\": {\"a\": [1, 2]},\n  \"SecurityGroups\": [\n";
  for (int i = 0; i < 600; ++i) {
    if (i) text += ",\n";
    text += "    {\"GroupId\": \"sg-" + std::to_string(1000 + i) + "\", \"GroupName\": \"g\\u00e9" +
            std::to_string(i) +
            "\", \"VpcId\": \"vpc-1\",\n     \"IpPermissions\": [{\"IpProtocol\": \"tcp\", ";
    text += i == 517 ? "\"FromPort\": \"x\"" : "\"FromPort\": 22";
    text += ", \"ToPort\": 22, \"IpRanges\": [{\"CidrIp\": \"10.0." + std::to_string(i % 250) + ".0/24\"}]";
    if (i == 300) text += ", \"Surprise\": true";
    text += "}],\n     \"IpPermissionsEgress\": []}";
  }
  text += "\n  ],\n  \"NextToken\": \"abc\"\n}\n";
  ASSERT_GT(text.size(), size_t(1) << 17);
  TempDir dir;
  std::string path = dir.write("describe-security-groups.json", text);
  auto r = import("aws.account", path, "sgs.json");
  std::string all = summary(r);
  EXPECT_EQ(all, summary(importers::parse_aws_cli(text, "sgs.json")));
  EXPECT_NE(all.find("(/SecurityGroups/517/IpPermissions/0/FromPort)"), std::string::npos) << all;
  EXPECT_NE(all.find("(/SecurityGroups/300/IpPermissions/0/Surprise)"), std::string::npos) << all;
  EXPECT_NE(all.find("(/Extra)"), std::string::npos) << all;
  EXPECT_NE(all.find("(/NextToken)"), std::string::npos) << all;
  EXPECT_TRUE(r.diagnostics.has_errors());
}

struct BadJson {
  const char* name;
  std::string text;
  const char* expected;  // the one diagnostic, as printed
};

TEST(StreamingAws, MalformedAndTooDeepAreLocatedAsInMemory) {
  std::string deep = "{\"SecurityGroups\": [\n  " + std::string(300, '[') + std::string(300, ']') + "]}";
  std::string deep_after_error = "{\"SecurityGroups\": [1,,\n" + std::string(300, '{') + "]}";
  std::string late_error = "{\"SecurityGroups\": [\n";
  for (int i = 0; i < 3000; ++i) late_error += "  {\"GroupId\": \"sg-" + std::to_string(i) + "\"},\n";
  late_error += "  {\"GroupId\": \"sg-x\",, }\n]}";
  BadJson cases[] = {
      {"deep", deep, "d.json:2:257: error: JSON nested deeper than 256 levels [RP3101]"},
      {"deep after an error", deep_after_error,
       "d.json:2:255: error: JSON nested deeper than 256 levels [RP3101]"},
      {"late syntax error", late_error,
       "d.json:3002:22: error: malformed JSON: syntax error while parsing object key - unexpected ','; "
       "expected "
       "string literal [RP3101]"},
      {"empty", "  \n",
       "d.json:2:1: error: malformed JSON: the file is empty; expected a JSON object [RP3101]"},
      {"overflow", "{\"SecurityGroups\": [{\"GroupId\": \"sg-1\", \"x\":\n 1E400}]}",
       "d.json:2:2: error: malformed JSON: number overflow parsing '1E400' [RP3101]"},
      {"root array", "[1, 2]",
       "d.json:1 (/): error: expected the JSON object an `aws ec2 describe-...` command prints, found array "
       "[RP3105]"},
  };
  TempDir dir;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string path = dir.write("d.json", c.text);
    auto streamed = import("aws.account", path, "d.json");
    auto in_memory = importers::parse_aws_cli(c.text, "d.json");
    EXPECT_EQ(summary(streamed), summary(in_memory));
    auto items = streamed.diagnostics.sorted();
    ASSERT_EQ(items.size(), 1u) << summary(streamed);
    EXPECT_EQ(items[0].to_string(), c.expected);
    EXPECT_TRUE(streamed.fragment.rule_sets.empty());
  }
}

// ---- line formats ------------------------------------------------------------

// Lines long and many enough to cross several 64 KiB chunks, with CRLF
// ends, a byte order mark and no final end of line.
std::string big_find() {
  std::string text =
      "\xEF\xBB\xBF"
      "755 0 0 d /\r\n755 0 0 d /srv\n";
  for (int i = 0; i < 4000; ++i) {
    text += "644 " + std::to_string(i % 3) + " 33 f /srv/" + std::string(size_t(i % 90), 'x') + "-" +
            std::to_string(i) + (i % 7 ? "\n" : "\r\n");
    if (i == 2500) text += "64x 0 0 f /srv/bad\n";
    if (i == 3100) text += std::string(70000, ' ') + "not a line\n";  // longer than a chunk
  }
  text += "600 0 0 f /srv/last";
  return text;
}

TEST(StreamingLines, FindSameAsInMemory) {
  TempDir dir;
  std::string text = big_find();
  std::string path = dir.write("files.find", text);
  auto streamed = import("linux.find", path, "files.find");
  std::string s = summary(streamed);
  EXPECT_EQ(s, summary(importers::parse_find(text, "files.find")));
  EXPECT_NE(s.find("files.find:2504:1: error"), std::string::npos) << s.substr(0, 2000);
  EXPECT_NE(s.find("file /srv/last 384 0:0"), std::string::npos);
  EXPECT_EQ(streamed.fragment.files.size(), 4003u);
}

TEST(StreamingLines, FindWithNulEndsSameAsInMemory) {
  TempDir dir;
  std::string text = std::string("755 0 0 d /") + '\0' + "644 0 0 f /a\nb" + '\0' + "644 0 0 f /c" + '\0';
  std::string path = dir.write("files.find", text);
  auto streamed = import("linux.find", path, "files.find");
  EXPECT_EQ(summary(streamed), summary(importers::parse_find(text, "files.find")));
  EXPECT_EQ(streamed.fragment.files.size(), 3u);
}

TEST(StreamingLines, GetfaclStatLsSameAsInMemory) {
  std::string acl;
  for (int i = 0; i < 3000; ++i) {
    acl += "# file: srv/d" + std::to_string(i / 10) + "/f" + std::to_string(i) +
           "\n# owner: 0\n# group: 33\nuser::rw-\nuser:" + std::to_string(1000 + i % 5) +
           ":r--\ngroup::r--\nmask::r--\nother::---\n" + (i == 1234 ? "bogus:entry\n" : "") + "\n";
  }
  std::string stat, ls = "/srv:\ntotal 8\n";
  for (int i = 0; i < 3000; ++i) {
    stat += "644 0 33 regular file /srv/f" + std::to_string(i) + "\r\n";
    ls += "-rw-r--r-- 1 0 33 120 Mar  1 12:00 f" + std::to_string(i) + "\n";
  }
  TempDir dir;
  std::string p1 = dir.write("a.getfacl", acl), p2 = dir.write("a.stat", stat), p3 = dir.write("a.ls", ls);
  EXPECT_EQ(summary(import("linux.getfacl", p1, "a.getfacl")),
            summary(importers::parse_getfacl(acl, "a.getfacl")));
  EXPECT_EQ(summary(import("linux.stat", p2, "a.stat")), summary(importers::parse_stat(stat, "a.stat")));
  EXPECT_EQ(summary(import("linux.ls", p3, "a.ls")), summary(importers::parse_ls(ls, "a.ls")));
  auto streamed = import("linux.getfacl", p1, "a.getfacl");
  EXPECT_EQ(streamed.fragment.files.size(), 2999u);
  EXPECT_NE(summary(streamed).find("a.getfacl:"), std::string::npos);
}

TEST(StreamingLines, IptablesSaveSameAsInMemory) {
  std::string text = "\xEF\xBB\xBF# Generated by iptables-save v1.8.9\r\n*filter\n:INPUT DROP [0:0]\n";
  text += ":FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n";
  for (int i = 0; i < 5000; ++i) {
    text += "-A INPUT -s 10.0." + std::to_string(i % 250) + "." + std::to_string(i % 200 + 1) +
            "/32 -p tcp -m tcp --dport " + std::to_string(1 + i) + " -m comment --comment \"rule " +
            std::to_string(i) + "\" -j ACCEPT" + (i % 5 ? "\n" : "\r\n");
    if (i == 4321) text += "-A INPUT -p tcp --dport 99999 -j ACCEPT\n";
  }
  text += "COMMIT\n";
  TempDir dir;
  std::string path = dir.write("rules.v4", text);
  auto streamed = import("netfilter.iptables-save", path, "rules.v4");
  std::string s = summary(streamed);
  EXPECT_EQ(s, summary(importers::parse_iptables_save(text, "rules.v4", core::Family::V4, {})));
  EXPECT_NE(s.find("rules.v4:4328:25: error: `99999` is not a port"), std::string::npos) << s.substr(0, 2000);
}

TEST(StreamingLines, IptablesSaveCorpusSameAsInMemory) {
  size_t n = 0;
  for (const auto& e :
       fs::directory_iterator(fs::path(RAMPART_SOURCE_DIR) / "tests/fuzz/corpus/netfilter_iptables")) {
    std::string name = e.path().filename().string();
    if (fs::exists(e.path().string() + ".ipset") || fs::exists(e.path().string() + ".ipassmt")) continue;
    SCOPED_TRACE(name);
    EXPECT_EQ(summary(import("netfilter.iptables-save", e.path().string(), name)),
              summary(importers::parse_iptables_save(read(e.path().string()), name, core::Family::V4, {})));
    ++n;
  }
  EXPECT_GE(n, 3u);
}

TEST(StreamingLines, UnreadableFileSaysWhy) {
  for (const char* format : {"linux.find", "linux.getfacl", "netfilter.iptables-save", "aws.account"}) {
    auto r = import(format, "/nonexistent/rampart/file", "missing");
    auto items = r.diagnostics.sorted();
    ASSERT_EQ(items.size(), 1u) << format;
    EXPECT_EQ(items[0].code, "RP0001");
    EXPECT_NE(items[0].message.find("no such file"), std::string::npos) << items[0].message;
  }
}

}  // namespace
}  // namespace rampart
