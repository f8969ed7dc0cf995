// A temporary directory for one test, removed with everything in it when the test ends.
//
//   TempDir dir;                        // /tmp/seclearn-test-XXXXXX, canonical
//   Store::Open(dir / "a.db");          // dir.path is the directory itself
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

#include <catch2/catch.hpp>

namespace seclearn {

struct TempDir {
  // The kernel's name for it (a cwd or descriptor inside resolves to this): no symlinks.
  std::string path;

  TempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "seclearn-test-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = std::filesystem::canonical(tmpl).string();
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }

  std::string operator/(const std::string& name) const { return path + "/" + name; }
};

}  // namespace seclearn
