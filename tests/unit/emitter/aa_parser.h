// The real apparmor_parser as a test oracle: `-Q -K` parses and compiles a profile without a
// kernel, and `-D dfa-states` dumps the compiled file DFA, which AaDfa walks to tell what the
// kernel would grant on a path. No mock: the DFA is the one apparmor_parser would load.
//
//   auto run = RunAppArmorParser(profile_text, {"-D", "dfa-states"});
//   REQUIRE(run.status == 0);
//   AaDfa dfa = AaDfa::Parse(run.output);
//   CHECK(dfa.Perms("/etc/hosts") & AaDfa::kRead);
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace seclearn::testing {

inline constexpr const char* kAppArmorParser = "/usr/sbin/apparmor_parser";

struct ParserRun {
  int status = -1;     // exit status
  std::string output;  // stdout + stderr
};

inline bool HaveAppArmorParser() { return ::access(kAppArmorParser, X_OK) == 0; }

inline ParserRun RunAppArmorParser(const std::string& profile,
                                   const std::vector<std::string>& extra = {}) {
  char dir[] = "/tmp/seclearn-aa-XXXXXX";
  ParserRun run;
  if (::mkdtemp(dir) == nullptr) return run;
  const std::string file = std::string(dir) + "/profile";
  std::ofstream(file, std::ios::binary) << profile;
  std::string cmd = std::string(kAppArmorParser) + " -Q -K";
  for (const auto& e : extra) cmd += " " + e;
  cmd += " " + file + " 2>&1";
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) run.output.append(buf, n);
    const int ws = ::pclose(p);
    run.status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
  }
  std::remove(file.c_str());
  ::rmdir(dir);
  return run;
}

// The file DFA from `apparmor_parser -D dfa-states`.
class AaDfa {
 public:
  enum : uint32_t {
    kExec = 0x1,
    kWrite = 0x2,
    kRead = 0x4,
    kAppend = 0x8,
    kLink = 0x10,
    kLock = 0x20,
    kMmap = 0x40,
  };

  static AaDfa Parse(const std::string& dump) {
    AaDfa dfa;
    std::istringstream in(dump);
    std::string line;
    int current = -1;
    bool started = false;
    while (std::getline(in, line)) {
      if (line.find("<== (allow/deny/audit/quiet)") != std::string::npos) {
        if (started) break;  // only the first (file) DFA
        started = true;
        continue;
      }
      if (!started) continue;
      if (line.empty()) continue;
      if (line[0] == '{') {
        // "{N} (0x A/D/..)" in the accept list, "{N} perms: ..." heading a state's transitions.
        const int id = std::stoi(line.substr(1));
        State& s = dfa.states_[id];
        if (const size_t p = line.find("(0x "); p != std::string::npos) {
          const std::string f = line.substr(p + 4);
          const uint32_t allow = std::stoul(f, nullptr, 16);
          const uint32_t deny = std::stoul(f.substr(f.find('/') + 1), nullptr, 16);
          s.perms = allow & ~deny & 0x3fff;
        }
        if (line.find("perms:") != std::string::npos) current = id;
        continue;
      }
      if (current < 0) continue;
      const size_t arrow = line.find("-> {");
      if (arrow == std::string::npos) continue;
      const int target = std::stoi(line.substr(arrow + 4));
      const std::string head = line.substr(0, arrow);
      const size_t first = head.find_first_not_of(' ');
      if (first != std::string::npos && head[first] == '[') {
        State& s = dfa.states_[current];
        s.otherwise = target;
        const size_t close = head.rfind(']');
        std::string cls = head.substr(first + 1, close - first - 1);
        if (!cls.empty() && cls[0] == '^') cls.erase(0, 1);
        for (size_t i = 0; i < cls.size(); ++i) {
          if (cls[i] == '\\' && i + 1 < cls.size()) {
            if (cls[i + 1] == 'x') {
              size_t j = i + 2;
              unsigned v = 0;
              while (j < cls.size() && j < i + 4 &&
                     std::isxdigit(static_cast<unsigned char>(cls[j])))
                v = v * 16 + std::stoul(cls.substr(j++, 1), nullptr, 16);
              s.excluded.push_back(static_cast<unsigned char>(v));
              i = j - 1;
            } else {
              s.excluded.push_back(static_cast<unsigned char>(cls[++i]));
            }
          } else {
            s.excluded.push_back(static_cast<unsigned char>(cls[i]));
          }
        }
        continue;
      }
      const size_t hex = head.rfind(" 0x");
      if (hex == std::string::npos) continue;
      const unsigned c = std::stoul(head.substr(hex + 3), nullptr, 16);
      dfa.states_[current].next[static_cast<unsigned char>(c)] = target;
    }
    return dfa;
  }

  bool empty() const { return states_.empty(); }

  // Permissions the DFA grants on `path` (kRead | kWrite | ...), 0 if none.
  uint32_t Perms(const std::string& path) const {
    int s = 1;
    for (unsigned char c : path) {
      const auto it = states_.find(s);
      if (it == states_.end()) return 0;
      const State& st = it->second;
      if (const auto n = st.next.find(c); n != st.next.end()) {
        s = n->second;
      } else if (st.otherwise >= 0 &&
                 std::find(st.excluded.begin(), st.excluded.end(), c) == st.excluded.end()) {
        s = st.otherwise;
      } else {
        return 0;
      }
    }
    const auto it = states_.find(s);
    return it == states_.end() ? 0 : it->second.perms;
  }

 private:
  struct State {
    std::map<unsigned char, int> next;
    int otherwise = -1;
    std::vector<unsigned char> excluded;
    uint32_t perms = 0;
  };
  std::map<int, State> states_;
};

}  // namespace seclearn::testing
