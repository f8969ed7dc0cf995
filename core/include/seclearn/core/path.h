// Lexical path handling shared by the tracer (paths as the kernel resolves them) and the
// emitter (paths as profiles name them). Touches no file system.
//
//   NormalizePath("/usr//lib/./x/../y/")  // "/usr/lib/y"
#pragma once

#include <string>
#include <string_view>

namespace seclearn {

// Folds "//", "/./" and "/../" of an absolute path lexically (".." at the root stays at the
// root, as in the kernel); a trailing slash is dropped. Not absolute: returned unchanged.
std::string NormalizePath(std::string_view path);

// The directory a path is in, lexically: "/a/b" -> "/a", "/a" -> "/", "/" -> "/", "a" -> ".".
std::string ParentPath(std::string_view path);

// Whether `path` is `dir` or lies beneath it, component by component ("/srv/ab" is not
// beneath "/srv/a"); every absolute path is beneath "/".
bool PathIsBeneath(std::string_view path, std::string_view dir);

// A path as a profile names it, with what is known of its kind (a directory ends in '/').
enum class PathKind { kUnknown, kFile, kDirectory };
struct ResolvedPath {
  std::string path;
  PathKind kind = PathKind::kUnknown;
};

// NormalizePath keeping a trailing '/' as a directory; kind otherwise unknown.
ResolvedPath NormalizePathLexically(std::string_view path);

}  // namespace seclearn
