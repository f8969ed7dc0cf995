// A bounded, deterministic mutation loop for the fuzz targets, for builds without libFuzzer
// (g++, the ASan+UBSan job of .ci/run): the same LLVMFuzzerTestOneInput, run on every seed and
// then on a fixed number of mutants of them. Built with clang -fsanitize=fuzzer
// (SECLEARN_LIBFUZZER=ON), a target runs under libFuzzer instead and this file is left out.
//
//   fuzz_seccomp [--cases N] [--seed S] [--dict FILE] [--last FILE] CORPUS_DIR_OR_FILE...
//
// Every seed runs first (the regression corpus: each crash found becomes a file there), then N
// mutants: bit flips, byte and chunk insertions, deletions and duplications, dictionary tokens,
// splices of two seeds. Before each case the input is written to --last (default
// ./fuzz-last-input), so a crash leaves its reproducer: `fuzz_seccomp ./fuzz-last-input`.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Run(const std::string& input, const std::string& last) {
  {
    std::ofstream out(last, std::ios::binary | std::ios::trunc);
    out << input;
  }
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

class Mutator {
 public:
  Mutator(uint64_t seed, std::vector<std::string> dict) : rng_(seed), dict_(std::move(dict)) {}

  std::string Mutate(const std::vector<std::string>& seeds) {
    std::string s = seeds[Below(seeds.size())];
    const int rounds = 1 + static_cast<int>(Below(8));
    for (int i = 0; i < rounds; ++i) Once(s, seeds);
    if (s.size() > kMaxSize) s.resize(kMaxSize);
    return s;
  }

 private:
  static constexpr size_t kMaxSize = 1 << 16;
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng_() % n); }

  void Once(std::string& s, const std::vector<std::string>& seeds) {
    switch (Below(8)) {
      case 0:  // flip a bit
        if (!s.empty()) s[Below(s.size())] ^= static_cast<char>(1u << Below(8));
        break;
      case 1:  // a random byte in
        s.insert(s.begin() + static_cast<long>(Below(s.size() + 1)), static_cast<char>(rng_()));
        break;
      case 2:  // a chunk out
        if (!s.empty()) {
          const size_t at = Below(s.size());
          s.erase(at, 1 + Below(std::min<size_t>(64, s.size() - at)));
        }
        break;
      case 3:  // a chunk twice
        if (!s.empty()) {
          const size_t at = Below(s.size());
          const std::string chunk = s.substr(at, 1 + Below(64));
          s.insert(Below(s.size() + 1), chunk);
        }
        break;
      case 4:  // a dictionary token
        if (!dict_.empty()) s.insert(Below(s.size() + 1), dict_[Below(dict_.size())]);
        break;
      case 5:  // a token replaces a chunk
        if (!dict_.empty() && !s.empty()) {
          const size_t at = Below(s.size());
          s.replace(at, Below(16), dict_[Below(dict_.size())]);
        }
        break;
      case 6: {  // splice with another seed
        const std::string& other = seeds[Below(seeds.size())];
        s = s.substr(0, Below(s.size() + 1)) + other.substr(Below(other.size() + 1));
        break;
      }
      default:  // an interesting byte
        if (!s.empty()) {
          static constexpr char kBytes[] = {'\0', '"', '\\', '\n', '{', '}',    '[',    ']',
                                            ',',  ':', '/',  '*',  '@', '\xff', '\x80', '#'};
          s[Below(s.size())] = kBytes[Below(sizeof kBytes)];
        }
        break;
    }
  }

  std::mt19937_64 rng_;
  std::vector<std::string> dict_;
};

}  // namespace

int main(int argc, char** argv) {
  long cases = 10000;
  uint64_t seed = 1;
  std::string last = "fuzz-last-input";
  std::vector<std::string> dict;
  std::vector<std::string> seeds;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--cases" && i + 1 < argc) {
      cases = std::strtol(argv[++i], nullptr, 10);
    } else if (a == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--last" && i + 1 < argc) {
      last = argv[++i];
    } else if (a == "--dict" && i + 1 < argc) {
      // libFuzzer's format: one "token" a line (\\, \" and \xNN escapes), # comments.
      std::istringstream lines(ReadFile(argv[++i]));
      for (std::string line; std::getline(lines, line);) {
        const size_t open = line.find('"'), close = line.rfind('"');
        if (line.empty() || line[0] == '#' || open == close) continue;
        std::string token;
        for (size_t j = open + 1; j < close; ++j) {
          if (line[j] == '\\' && j + 1 < close) {
            ++j;
            if (line[j] == 'x' && j + 2 < close) {
              token += static_cast<char>(std::stoi(line.substr(j + 1, 2), nullptr, 16));
              j += 2;
              continue;
            }
          }
          token += line[j];
        }
        dict.push_back(token);
      }
    } else if (std::filesystem::is_directory(a)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(a))
        if (e.is_regular_file()) seeds.push_back(ReadFile(e.path()));
    } else if (std::filesystem::is_regular_file(a)) {
      seeds.push_back(ReadFile(a));
    } else {
      std::fprintf(stderr, "fuzz: no such corpus or option: %s\n", a.c_str());
      return 2;
    }
  }
  if (seeds.empty()) seeds.emplace_back();
  for (const auto& s : seeds) Run(s, last);
  Mutator m(seed, dict);
  for (long i = 0; i < cases; ++i) Run(m.Mutate(seeds), last);
  std::printf("fuzz: %zu seeds and %ld mutants, no crash\n", seeds.size(), cases);
  return 0;
}
