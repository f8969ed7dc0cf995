#include "seclearn/emitter/report.h"

#include <linux/audit.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "seclearn/core/escape.h"
#include "seclearn/core/json.h"

namespace seclearn {
namespace {

// The inverse of HtmlText: entities and \xNN / \\ back to bytes.
std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (s.compare(i, 5, "&amp;") == 0) {
      out += '&';
      i += 5;
    } else if (s.compare(i, 4, "&lt;") == 0) {
      out += '<';
      i += 4;
    } else if (s.compare(i, 4, "&gt;") == 0) {
      out += '>';
      i += 4;
    } else if (s.compare(i, 6, "&quot;") == 0) {
      out += '"';
      i += 6;
    } else if (s.compare(i, 5, "&#39;") == 0) {
      out += '\'';
      i += 5;
    } else if (s.compare(i, 2, "\\\\") == 0) {
      out += '\\';
      i += 2;
    } else if (s.compare(i, 2, "\\x") == 0 && i + 4 <= s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 2, 2), nullptr, 16));
      i += 4;
    } else {
      out += s[i++];
    }
  }
  return out;
}

void CheckInert(const std::string& in) {
  const std::string out = HtmlText(in);
  INFO("input bytes: " << in.size());
  CHECK(out.find_first_of("<>\"'") == std::string::npos);
  CHECK(IsValidUtf8(out));
  for (unsigned char c : out) CHECK((c >= 0x20 && c != 0x7f));
  CHECK(Unescape(out) == in);
}

// Markup with every attribute value and all text left out: what a browser builds elements from.
std::vector<std::string> Tags(const std::string& html) {
  static const std::regex tag("<[^>]*>"), value("=\"[^\"]*\"");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), tag); it != std::sregex_iterator();
       ++it)
    out.push_back(std::regex_replace(it->str(), value, "=\"\""));
  return out;
}

ReportData WithNames(const std::function<std::string(int)>& name) {
  ReportData d;
  d.app = name(0);
  d.database = name(1);
  d.profile_source = name(2);
  d.runs.push_back({1, "learn", "ptrace", {"cmd", name(3), name(30)}, name(4), "", 1, 2, 0, 1, 5});
  d.syscalls.push_back(
      {name(5), "x86_64", 3, 1, name(6), {{name(7), 1, {name(8), name(9)}, true}}});
  d.files.push_back({"/srv/" + name(10),
                     "rw",
                     "",
                     1,
                     "openat",
                     name(11),
                     name(12),
                     {{name(13), 1, {name(14)}, false}}});
  d.files.push_back({"/srv/" + name(15) + "/", "r", "", 1, "getdents64", "", "", {}});
  d.files.push_back({"/srv/" + name(15) + "/" + name(16), "r", "", 1, "openat", "", "", {}});
  d.failed.push_back({"/srv/" + name(17), "r", "ENOENT", 1, "openat", "", "", {}});
  d.network.push_back({"connect", "AF_UNIX", "SOCK_STREAM", "0", name(18), -1, "ok", 1});
  d.capabilities.push_back(
      {"CAP_CHOWN", true, "chown", name(19), 1, name(20), {{name(31), 2, {name(32)}, false}}});
  d.versions.push_back({"seccomp", 1, 1, name(21), name(22), {1}, 0, {}, ""});
  d.versions.push_back({"seccomp",
                        2,
                        2,
                        "",
                        "ab",
                        {1, 2},
                        1,
                        {{"added", "syscall", name(23), name(24), true, name(25), name(26)}},
                        ""});
  d.versions.push_back({"apparmor", 2, 3, "", "cd", {2}, 1, {}, name(27)});
  d.notes.push_back(name(28));
  d.profile_only.push_back(name(29));
  return d;
}

}  // namespace

TEST_CASE("HtmlText: no markup byte, valid UTF-8, and reversible, for any bytes",
          "[unit][report]") {
  for (int c = 0; c < 256; ++c) CheckInert(std::string(1, static_cast<char>(c)));
  for (const char* s : {"<img src=x onerror=alert(1)>", "a\\b", "</script>", "\"><svg onload=x>",
                        "x' onmouseover='y", "&lt;", "\\x41", "caf\xc3\xa9", "\xe2\x80\xae rtl",
                        "\xed\xa0\x80", "\xc2\x85", "\xf4\x90\x80\x80"})
    CheckInert(s);
  std::mt19937 rng(20261204);
  std::uniform_int_distribution<int> byte(0, 255), len(0, 40);
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    for (int n = len(rng); n > 0; --n) s += static_cast<char>(byte(rng));
    CheckInert(s);
  }
  CHECK(HtmlText("caf\xc3\xa9") == "caf\xc3\xa9");  // printable UTF-8 stays as it is
  CHECK(HtmlText("a\\x41\xff") == "a\\\\x41\\xff");
  CHECK(HtmlTextAsWritten("\"a\\\"b\" <\x01") == "&quot;a\\&quot;b&quot; &lt;\\x01");
}

TEST_CASE("RenderReport: the markup does not depend on the names in it", "[unit][report]") {
  const std::vector<std::string> hostile = {"<img src=x onerror=alert(1)>",
                                            "</script><script>alert(1)</script>",
                                            "\"><svg onload=alert(1)>",
                                            "' onmouseover='alert(1)",
                                            "</details></li></ul>",
                                            "<!--",
                                            "]]><![CDATA[",
                                            "\xff\xfe\n\x1b[31m",
                                            "&amp;&#60;",
                                            "</style><style>*{display:none}"};
  const ReportData bad = WithNames([&](int i) { return hostile[i % hostile.size()]; });
  const ReportData plain =
      WithNames([&](int i) { return std::string(hostile[i % hostile.size()].size(), 'a'); });
  const std::string html = RenderReport(bad);
  CHECK(Tags(html) == Tags(RenderReport(plain)));
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<img") == std::string::npos);
  CHECK(html.find("onerror=alert(1)") != std::string::npos);  // as text
  CHECK(IsValidUtf8(html));
  CHECK(RenderReport(bad) == html);  // same data, same bytes
}

TEST_CASE("RenderReport: a large directory lists its first entries and counts the rest",
          "[unit][report]") {
  ReportData d;
  d.app = "big";
  for (int i = 0; i < 1000; ++i)
    d.files.push_back({"/data/f" + std::to_string(1000 + i), "w", "", 1, "openat", "", "", {}});
  ReportLimits lim;
  lim.dir_entries = 10;
  const std::string html = RenderReport(d, lim);
  CHECK(html.find("990 more entries not listed (990 paths beneath)") != std::string::npos);
  CHECK(html.find("f1009") != std::string::npos);
  CHECK(html.find("f1010") == std::string::npos);
  CHECK(html.find("data-count=\"1000\"") != std::string::npos);
  lim.dir_entries = 200;
  lim.file_nodes = 50;  // the node budget: one for /data, 49 files
  const std::string budget = RenderReport(d, lim);
  CHECK(budget.find("951 more entries not listed") != std::string::npos);
}

TEST_CASE("CountProfileSize counts the names the architecture has, per group", "[unit][report]") {
  ReportReference ref;
  ref.groups = {{"@basic-io", false, {"read", "write", "_llseek"}},
                {"@network-io", false, {"connect", "socket"}}};
  ReportData d;
  CountProfileSize({"read", "openat", "_llseek", "read"}, {"read", "write", "socket"}, ref,
                   AUDIT_ARCH_X86_64, d);
  CHECK(d.profile_names == 2);  // _llseek is not an x86_64 call
  CHECK(d.docker_names == 3);
  CHECK(d.profile_only == std::vector<std::string>{"openat"});
  REQUIRE(d.groups.size() == 2);
  CHECK(d.groups[0].total == 2);
  CHECK(d.groups[0].docker == 2);
  CHECK(d.groups[0].profile == 1);
  CHECK(d.groups[1].total == 2);
  CHECK(d.groups[1].docker == 1);
  CHECK(d.groups[1].profile == 0);
}

TEST_CASE("The embedded reference: Docker's default names and systemd's groups", "[unit][report]") {
  const ReportReference& ref = EmbeddedReportReference();
  CHECK(ref.docker_names.size() > 300);
  CHECK(std::find(ref.docker_names.begin(), ref.docker_names.end(), "openat") !=
        ref.docker_names.end());
  // Gated behind CAP_SYS_ADMIN, which Docker does not grant by default.
  CHECK(std::find(ref.docker_names.begin(), ref.docker_names.end(), "mount") ==
        ref.docker_names.end());
  std::vector<std::string> names;
  for (const SyscallGroup& g : ref.groups) names.push_back(g.name);
  for (const char* g : {"@file-system", "@network-io", "@process", "@system-service"})
    CHECK(std::find(names.begin(), names.end(), g) != names.end());
}

}  // namespace seclearn
