// TarWriter's archives as GNU tar reads them: names past ustar's 100 bytes and bytes outside
// ASCII through pax records, symlinks with their targets, modes, owners and contents.
#include "seclearn/core/tar.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace seclearn {
namespace {

// `tar OPTIONS -f FILE` of the archive, its stdout.
std::string TarRead(const std::string& archive, const std::string& options) {
  char path[] = "/tmp/seclearn-tar-test.XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, archive.data(), archive.size()) == static_cast<ssize_t>(archive.size()));
  ::close(fd);
  const std::string cmd = "LC_ALL=C tar " + options + " -f " + path + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = ::pclose(p);
  ::unlink(path);
  CHECK(status == 0);
  return out;
}

TEST_CASE("tar: GNU tar lists every entry, long and non-ASCII names included", "[unit]") {
  REQUIRE(::access("/bin/tar", X_OK) == 0);  // Debian's essential tar
  const std::string long_dir = std::string(120, 'd');
  const std::string odd = "caf\xc3\xa9 \xff\nline";
  TarWriter t;
  t.Directory("usr", {.mode = 0755});
  t.Directory(long_dir, {.mode = 0700, .uid = 1000, .gid = 1000});
  t.File(long_dir + "/" + std::string(90, 'f'), "hello\n", {.mode = 0644});
  t.Symlink("bin", "usr/bin", {.mode = 0777});
  t.Symlink("far", "/" + std::string(150, 't'), {.mode = 0777});
  t.File(odd, std::string(1000, 'x'), {.mode = 04755, .mtime = 1700000000});
  CHECK(t.entries() == 6);
  const std::string archive = t.Finish();
  CHECK(archive.size() % 512 == 0);
  CHECK(t.entries() == 0);

  const std::string names = TarRead(archive, "--quoting-style=escape -t");
  CHECK(names == "usr/\n" + long_dir + "/\n" + long_dir + "/" + std::string(90, 'f') +
                     "\nbin\nfar\ncaf\\303\\251 \\377\\nline\n");
  const std::string verbose = TarRead(archive, "--numeric-owner -tv");
  CHECK(verbose.find("drwx------ 1000/1000") != std::string::npos);
  CHECK(verbose.find("bin -> usr/bin") != std::string::npos);
  CHECK(verbose.find("far -> /" + std::string(150, 't')) != std::string::npos);
  CHECK(verbose.find("-rwsr-xr-x 0/0") != std::string::npos);
  CHECK(verbose.find(" 1000 2023-11-14") != std::string::npos);
  const std::string content =
      TarRead(archive, "-xO " + long_dir + "/" + std::string(90, 'f') + " --wildcards");
  CHECK(content == "hello\n");
}

}  // namespace
}  // namespace seclearn
