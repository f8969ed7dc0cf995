// Fuzz target: `seclearn merge` on an input database from anywhere (a mutated seclearn
// database): refused or merged, never a crash, and the input file is never written.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "seclearn/store/store.h"

namespace {
std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace seclearn;
  static const std::string dir = [] {
    std::string t = (std::filesystem::temp_directory_path() / "seclearn-fuzz-XXXXXX").string();
    if (::mkdtemp(t.data()) == nullptr) std::abort();
    return t;
  }();
  const std::string input = dir + "/input.db";
  const std::string into = dir + "/fleet.db";
  std::filesystem::remove(into);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(input + suffix);
  {
    std::ofstream out(input, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  auto store = Store::Open(into);
  if (!store) std::abort();
  (void)store->MergeFrom(input);
  const std::string after = Slurp(input);
  if (after.size() != size ||
      after.compare(0, size, reinterpret_cast<const char*>(data), size) != 0)
    std::abort();  // merge wrote its input
  return 0;
}
