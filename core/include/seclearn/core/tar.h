// A POSIX tar (ustar, with pax extended headers for names ustar cannot hold) written in
// memory: what `docker import` and `tar -x` read. Entries are written in the order added;
// names are relative ("usr/bin/python3"); a directory's is given without the trailing '/',
// which the writer adds.
//
//   TarWriter tar;
//   tar.Directory("usr", {.mode = 0755});
//   tar.Symlink("bin", "usr/bin", {});
//   tar.File("usr/bin/tool", bytes, {.mode = 0755, .mtime = st.st_mtime});
//   WriteOutputFile("image.tar", tar.Finish());
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace seclearn {

struct TarMeta {
  uint32_t mode = 0644;  // permission bits (and setuid/setgid/sticky)
  uint32_t uid = 0;
  uint32_t gid = 0;
  int64_t mtime = 0;
};

class TarWriter {
 public:
  void Directory(std::string_view name, const TarMeta& meta);
  void Symlink(std::string_view name, std::string_view target, const TarMeta& meta);
  void File(std::string_view name, std::string_view content, const TarMeta& meta);
  // The archive: the entries, then two zero blocks. The writer is empty afterwards.
  std::string Finish();
  size_t entries() const { return entries_; }

 private:
  void Entry(char type, std::string_view name, std::string_view link, uint64_t size,
             const TarMeta& meta);
  std::string out_;
  size_t entries_ = 0;
};

}  // namespace seclearn
