#include "seclearn/core/path.h"

#include <algorithm>

namespace seclearn {

std::string NormalizePath(std::string_view path) {
  if (path.empty() || path[0] != '/') return std::string(path);
  std::string out;
  out.reserve(path.size());
  size_t pos = 0;
  while (pos < path.size()) {
    const size_t next = std::min(path.find('/', pos), path.size());
    const std::string_view part = path.substr(pos, next - pos);
    pos = next + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      out.resize(out.empty() ? 0 : out.rfind('/'));
      continue;
    }
    out += '/';
    out += part;
  }
  if (out.empty()) out.push_back('/');
  return out;
}

std::string ParentPath(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  return slash == 0 ? "/" : std::string(path.substr(0, slash));
}

ResolvedPath NormalizePathLexically(std::string_view path) {
  if (path.empty() || path[0] != '/') return {std::string(path), PathKind::kUnknown};
  std::string out = NormalizePath(path);
  if (out == "/") return {out, PathKind::kDirectory};
  const bool dir = path.size() > 1 && path.back() == '/';
  if (dir) out += '/';
  return {out, dir ? PathKind::kDirectory : PathKind::kUnknown};
}

bool PathIsBeneath(std::string_view path, std::string_view dir) {
  if (dir == "/") return path.starts_with('/');
  return path == dir ||
         (path.starts_with(dir) && path.size() > dir.size() && path[dir.size()] == '/');
}

}  // namespace seclearn
