// A minimal image: from a container's root file system, only what the workload used (the
// files it opened, executed, mapped or looked at, each symlink and directory on the way
// there, the ELF loader and #! interpreters execve opened, and the entries of the directories
// it listed), written as a tar that `docker import` turns into an image.
//
//   ImageRequest req;
//   req.rootfs = "/srv/images/web";             // `docker export` of the image, unpacked
//   req.paths = {"/usr/bin/python3", ...};      // as the workload named them
//   req.listed = {"/usr/lib/python3.11"};
//   req.excluded = {"/data"};                   // volumes: the runtime mounts them
//   auto image = BuildMinimalImage(req);
//   WriteOutputFile("web.tar", image->tar);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "seclearn/core/result.h"

namespace seclearn {

struct ImageRequest {
  std::string rootfs;
  std::vector<std::string> paths;   // absolute, as the container names them
  std::vector<std::string> listed;  // directories whose entries the workload read
  // The container's commands (argv[0]): the runtime execs them, so the workload's facts may
  // not name them. A name without '/' is looked up as Docker does, in the default PATH.
  std::vector<std::string> commands;
  // Mounted over the image at run time (volumes; /proc, /sys, /dev and the files Docker
  // bind-mounts in /etc are always): kept as empty mount points, their contents left out.
  std::vector<std::string> excluded;
};

struct ImageEntry {
  char kind = 'f';  // 'f' file, 'd' directory, 'l' symlink
  std::string path;  // absolute, in the image
  uint32_t mode = 0;
  uint32_t uid = 0, gid = 0;
  uint64_t size = 0;
  int64_t mtime = 0;   // seconds, as the rootfs has it
  std::string target;  // symlinks
  std::string sha256;  // files
};

struct MinimalImage {
  std::vector<ImageEntry> entries;  // sorted by path
  std::string tar;
  uint64_t bytes = 0;           // file contents in the image
  uint64_t rootfs_bytes = 0;    // regular files' contents in the whole rootfs
  std::vector<std::string> left_out;  // paths under excluded mounts the workload used
  // One line per entry: "KIND MODE UID:GID SIZE SHA256|TARGET PATH", paths escaped; what the
  // export stores as the version.
  std::string manifest;
};

Result<MinimalImage> BuildMinimalImage(const ImageRequest& request);

}  // namespace seclearn
