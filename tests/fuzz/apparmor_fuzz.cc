// Fuzz target: the AppArmor profile reader (seclearn check) and the AppArmor diff. A profile
// the reader accepts differs from itself in nothing. The input is read twice: without the file
// system, and with includes resolved in a directory of this target's own that holds a regular
// file, a directory of them, files that include themselves and each other, a symlink to
// /dev/zero and a FIFO (each must be read, skipped or refused, never hang or grow without
// bound). Its bytes as a file name, written by the exporter next to a second quoted rule, must
// read back as exactly that one name (a trailing backslash once ended the quoted string late).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "seclearn/emitter/apparmor_check.h"
#include "seclearn/emitter/diff.h"
#include "seclearn/emitter/path_glob.h"

namespace {

void Write(const std::string& path, std::string_view text) {
  std::ofstream(path, std::ios::binary) << text;
}

// <ok>, <dir>, <self>, <loop1> <-> <loop2>, <zero> and <fifo>, for `include <...>` inputs.
// Never destroyed, so that the exit handler removing the directory can still name it.
const std::string& IncludeDir() {
  static const std::string* const dir = new std::string([] {
    char tmpl[] = "/tmp/seclearn-fuzz-includes-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) std::abort();
    const std::string d = tmpl;
    Write(d + "/ok", "@{FUZZ}=/srv/fuzz /srv/more\n/srv/ok r,\n");
    ::mkdir((d + "/dir").c_str(), 0755);
    Write(d + "/dir/a", "/srv/a r,\n");
    Write(d + "/dir/b", "include <ok>\n");
    Write(d + "/self", "include <self>\n");
    Write(d + "/loop1", "include <loop2>\n");
    Write(d + "/loop2", "#include <loop1>\n");
    if (::symlink("/dev/zero", (d + "/zero").c_str()) != 0) std::abort();
    if (::mkfifo((d + "/fifo").c_str(), 0600) != 0) std::abort();
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(IncludeDir(), ec);
    });
    return d;
  }());
  return *dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace seclearn;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  AaParseOptions options;
  options.follow_includes = false;  // no file system: what is in the input only
  (void)ParseAppArmorText(text, "fuzz.apparmor", options);
  auto self = DiffAppArmor(text, "a", text, "b");
  if (self && !self->changes.empty()) std::abort();  // a profile changed against itself

  AaParseOptions follow;
  follow.include_dirs = {IncludeDir()};
  (void)ParseAppArmorText(text, IncludeDir() + "/fuzz.apparmor", follow);

  // The input as one file name (NUL and '/' are not name bytes), exported as a literal.
  std::string name = "/srv/fuzz/";
  for (char c : text.substr(0, 256))
    if (c != '\0' && c != '/') name += c;
  const std::string profile =
      "profile t {\n  " + AaPathExpr().Literal(name).Token() + " r,\n  \"/srv/other name\" w,\n}\n";
  auto back = ParseAppArmorText(profile, "literal.apparmor", options);
  if (!back || back->model().files.size() != 2) std::abort();
  if (!back->glob(0).Matches(name) || back->glob(0).Matches(name + "x") ||
      back->glob(1).Matches(name))
    std::abort();
  // The writer prints the model read back as the profile it came from (the literal token).
  if (back->model().files[0].Token() != AaPathExpr().Literal(name).Token()) std::abort();
  return 0;
}
