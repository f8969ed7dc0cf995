// AppArmor path expressions: writing a learned path so that its bytes stay literal, turning the
// parts of a path that change from run to run into globs, and matching paths against
// expressions with AppArmor's own semantics.
//
//   AaPathExpr e = GeneralizePath("/proc/4242/task/4243/stat");
//   e.Token();                                  // @{PROC}/@{pid}/task/@{tid}/stat
//   AaPathExpr hostile;
//   hostile.Literal("/tmp/a\"b,{c} **");         // never changes the profile's structure
//   hostile.Token();                            // "/tmp/a\"b,\{c\} \*\*"
//
//   auto glob = AaGlob::Compile(e.text(), BuiltinAaVariables());
//   glob->Matches("/proc/77/task/78/stat");     // true
//
// Literal bytes: letters, digits and / . _ - + = : ~ % @ stay as they are; the glob characters
// * ? [ ] { } ^ and the double quote get a backslash; the backslash itself, control characters
// and every byte >= 0x80 become \ooo octal escapes (a \\ before the closing quote would read
// as an escaped quote); anything else (space , # ! ...) is kept as is, and the token is quoted.
// apparmor_parser reads all of these back as the same literal bytes (an escaped brace also
// stops @{...} expansion), and so does AaGlob::Compile.
//
// Generalisation, per path segment (the first segment and everything under /etc stay literal):
//   /proc/N, /proc/self        -> @{PROC}/@{pid}; /proc/N/task/M and /proc/thread-self ->
//                                 @{PROC}/@{pid}/task/@{tid}; fd/N and fdinfo/N -> fd/[0-9]*
//   /dev/pts/N                 -> /dev/pts/[0-9]*
//   UUIDs (8-4-4-4-12 hex)     -> ????????-????-????-????-????????????
//   hex runs of >= 16 with letters and digits, and mixed-case alphanumeric runs of >= 16 with
//   digits (hashes, random ids)    -> one ? per character
//   digit runs of >= 8 (timestamps)    -> one [0-9] per digit
// Below a temporary directory (/tmp, /var/tmp, /dev/shm, /run/lock, /run/user/UID), also:
//   Python tempfile names tmpXXXXXXXX(.suffix)  -> tmp????????(.suffix)
//   the random run of mkstemp/mktemp: the last alphanumeric run of a segment (or the one before
//   a final .ext of <= 5 characters), >= 6 long, after '.', '-', '_' or a "tmp" prefix, and
//   random-looking (>= 8 long, or with an upper-case letter, or >= 2 changes between
//   lower case, upper case and digits)        -> one ? per character
// Shorter digit runs stay literal everywhere but /proc (7, 42, report-2024 are names a
// workload may choose; @{pid} would grant any number there).
// A ? matches one character other than '/', so a generalised name keeps its length and its
// fixed parts, and never matches across directories.
#pragma once

#include <bitset>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/result.h"

namespace seclearn {

// Builds one AppArmor path expression from literal bytes and glob pieces.
class AaPathExpr {
 public:
  // Appends bytes that must match literally.
  AaPathExpr& Literal(std::string_view bytes);
  // Appends trusted glob syntax written by seclearn itself (never workload bytes).
  AaPathExpr& Glob(std::string_view glob);

  // The expression as it appears between the quotes (escapes included, no quotes).
  const std::string& text() const { return text_; }
  // The expression as a profile token: quoted when it holds anything but plain characters.
  std::string Token() const;
  bool operator==(const AaPathExpr&) const = default;

 private:
  std::string text_;
  bool quote_ = false;
};

// The generalised expression for one absolute, normalised path (see the table above).
AaPathExpr GeneralizePath(std::string_view path);

// The name AppArmor sees for a path through /proc/self or /proc/thread-self: the kernel
// resolves those links to the task's own directory, so they become /proc/1/... and
// /proc/1/task/1/... (any pid would do: profiles name pids with @{pid}). Other paths unchanged.
std::string ProcSelfAsPid(std::string_view path);

// True if `path` lies below one of the temporary directories listed above.
bool IsUnderTempDir(std::string_view path);

// Variable name (without @{ }) -> its values, each an AppArmor glob.
using AaVariables = std::map<std::string, std::vector<std::string>>;

// The values tunables/global defines on Debian 12 for the variables a learned profile uses:
// PROC, pid, tid, pids, uid, HOME, HOMEDIRS, multiarch, run, sys, etc_ro, etc_rw.
const AaVariables& BuiltinAaVariables();

// A compiled AppArmor path glob: literal bytes, \-escapes, *, **, ?, [...] and [^...] classes,
// nested {a,b} alternations and @{var} references, read as apparmor_parser reads them.
// Escapes are decoded first, in the path and in each variable value (\ooo and \dNNN up to
// 255, \xHH, \\ \" \a \e \f \n \r \t; one that gives a glob character, as \052 for *, is that
// character taken literally; any other escaped character is itself). Then variables expand to
// alternations of their values (a value's trailing '/' is dropped before a '/'), repeated
// slashes collapse, and a * or ** that forms a whole path component ("/*", "/**/") matches at
// least one character.
class AaGlob {
 public:
  // kParse error naming the problem (unbalanced brace or bracket, unknown variable, ...).
  static Result<AaGlob> Compile(std::string_view text, const AaVariables& variables);

  bool Matches(std::string_view path) const;
  // True if every path `narrower` matches, this matches too (glob /etc/app/** includes
  // /etc/app/conf.json and /etc/app/*.json). Conservative: false when the comparison would
  // take more than a few thousand steps.
  bool Includes(const AaGlob& narrower) const;
  // True if some path matches both.
  bool Overlaps(const AaGlob& other) const;
  // The literal bytes every match starts with (for a quick prefilter).
  const std::string& literal_prefix() const { return prefix_; }
  // The states and transitions every glob walk of this thread (Includes, Overlaps) has examined
  // so far: a measure of their work that does not depend on the machine's speed.
  static uint64_t WorkDone();

 private:
  struct State {
    std::bitset<256> chars;  // transition on these bytes to `next`
    int next = -1;
    int single = -1;       // the one byte of `chars`, if it holds only one
    std::vector<int> eps;  // epsilon transitions
    bool accept = false;
  };
  using StateSet = std::vector<int>;  // sorted, closed under epsilon transitions
  StateSet Start() const;
  // The successors of `from` on every byte (indexed by the byte), in one pass over its states.
  std::vector<StateSet> StepAll(const StateSet& from) const;
  StateSet Closure(std::vector<int> stack) const;
  bool Accepts(const StateSet& set) const;
  template <typename Visit>
  static std::optional<bool> WalkProduct(const AaGlob& a, const AaGlob& b, Visit visit,
                                         bool need_both);

  std::vector<State> states_;
  int start_ = -1;
  std::string prefix_;
  friend class AaGlobBuilder;
};

}  // namespace seclearn
