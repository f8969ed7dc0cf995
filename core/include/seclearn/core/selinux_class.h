// The SELinux security class of a file by its st_mode, and back: one table for the SELinux
// export (emitter/selinux.h) and the host's policy lookups (host/selinux.h).
//
//   SelinuxFileClass(S_IFDIR | 0755) == "dir";  SelinuxClassMode("chr_file") == S_IFCHR
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <string_view>

namespace seclearn {

struct SelinuxClassOfMode {
  uint32_t type;  // S_IF*
  std::string_view cls;
};
inline constexpr SelinuxClassOfMode kSelinuxFileClasses[] = {
    {S_IFREG, "file"},     {S_IFDIR, "dir"},        {S_IFLNK, "lnk_file"}, {S_IFCHR, "chr_file"},
    {S_IFBLK, "blk_file"}, {S_IFSOCK, "sock_file"}, {S_IFIFO, "fifo_file"},
};

// "file" for a regular file or a mode of no known kind.
constexpr std::string_view SelinuxFileClass(uint32_t mode) {
  for (const auto& c : kSelinuxFileClasses)
    if ((mode & S_IFMT) == c.type) return c.cls;
  return "file";
}

// S_IFREG for "file" or a class that is not a file's.
constexpr uint32_t SelinuxClassMode(std::string_view cls) {
  for (const auto& c : kSelinuxFileClasses)
    if (cls == c.cls) return c.type;
  return S_IFREG;
}

}  // namespace seclearn
