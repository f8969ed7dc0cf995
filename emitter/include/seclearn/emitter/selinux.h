// Learned facts -> an SELinux CIL policy module in udica's style: one block NAME whose type
// NAME.process inherits a base container template (data/selinux/seclearn_container.cil) and is
// allowed what the workload did, on the types this host's policy gives those objects.
//
//   SelinuxExportOptions o;
//   o.app = "web";
//   o.file_type = [&](const std::string& p, uint32_t mode) { return policy.FileType(p, mode); };
//   o.port_type = [&](int proto, int port) { return policy.PortType(proto, port); };
//   o.has_type = ...; o.has_permission = ...;       // host/selinux.h
//   auto exp = BuildSelinuxModule(records, network, capabilities, o);
//   exp.text;   // (block web (blockinherit seclearn_container) (allow process bin_t ...) ...)
//
// Files: each accessed path's type (file_type: its label, file_contexts or genfscon; "self"
// for the process's own /proc/PID) and class (st_mode), with the permissions its accesses
// need: read -> open read getattr ioctl lock; write -> open write append setattr getattr
// ioctl lock; append -> open append getattr ioctl lock; execve -> execute execute_no_trans
// open read getattr map (entrypoint too on the first program); mmap PROT_EXEC -> map
// execute; create/link -> create on it and add_name write on its directory; unlink/rename ->
// unlink (rmdir) and remove_name write; stat -> getattr; chdir -> search; mount -> mounton.
// Every directory on the way gets search getattr. In a container (image_type set) its image's
// files are image_type, except beneath a volume (the host's type of its source) and the
// kernel's pseudo file systems (/proc, /sys, /dev: the host's types).
// Network: per socket class (tcp_socket, udp_socket, unix_stream_socket, netlink_route_socket,
// ...) create and use on self; bind -> bind, node_bind on node_t, name_bind on the port's type
// (portcon); TCP connect -> connect, name_connect on the port's type; listen, accept.
// Capabilities exercised -> capability / capability2 on self.
// Nothing from the workload reaches the module as a name: types and permissions are the
// policy's own (has_type, has_permission: what this policy lacks is left out with a note),
// paths appear only in comments, control bytes escaped, and the block name is the app name
// reduced to [a-z0-9_].
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/facts.h"

namespace seclearn {

// The type the container template gives a container's image files.
inline constexpr std::string_view kSelinuxImageType = "seclearn_container_file_t";
// The template's block, which every module inherits.
inline constexpr std::string_view kSelinuxTemplateBlock = "seclearn_container";

struct SelinuxVolume {
  std::string destination;  // in the container, absolute
  std::string source;       // on the host, absolute
};

struct SelinuxExportOptions {
  std::string app;
  std::function<std::optional<uint32_t>(std::string_view path)> mode;  // st_mode, or nullopt
  std::function<std::optional<std::string>(const std::string& path, uint32_t mode)> file_type;
  std::function<std::optional<std::string>(int protocol, int port)> port_type;
  std::function<bool(std::string_view type)> has_type;
  std::function<bool(std::string_view cls, std::string_view perm)> has_permission;
  // Learned in a container: its image's files are this type (kSelinuxImageType).
  std::optional<std::string> image_type;
  std::vector<SelinuxVolume> volumes;
  // The workload's first program (entrypoint of the type transition), if known.
  std::optional<std::string> entrypoint;
};

struct SelinuxExport {
  std::string block;                // the module's block: the app name as a CIL identifier
  std::string text;                 // the CIL module; same facts -> same bytes
  std::vector<std::string> notes;   // what could not be granted or was granted wider
  size_t rules = 0;                 // allow statements
};

// "web-1.2" -> "web_1_2"; a name that does not start with a letter gets "app_" in front.
std::string SelinuxBlockName(std::string_view app);

SelinuxExport BuildSelinuxModule(const std::vector<FileAccessRecord>& files,
                                 const std::vector<NetworkFact>& network,
                                 const std::vector<CapabilityFact>& capabilities,
                                 const SelinuxExportOptions& options);

// The template module (data/selinux/seclearn_container.cil).
std::string_view SelinuxTemplate();

}  // namespace seclearn
