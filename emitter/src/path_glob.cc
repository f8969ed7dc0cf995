#include "seclearn/emitter/path_glob.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <set>

#include <fmt/format.h>

namespace seclearn {
namespace {

bool IsAlnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(unsigned char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Characters that need neither quotes nor escapes in a profile path.
bool IsPlain(unsigned char c) { return IsAlnum(c) || std::strchr("/._-+=:~%@", c) != nullptr; }

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return IsDigit(c); });
}

int CharKind(unsigned char c) {
  if (c >= 'a' && c <= 'z') return 0;
  if (c >= 'A' && c <= 'Z') return 1;
  if (IsDigit(c)) return 2;
  return 3;
}

int KindChanges(std::string_view run) {
  int n = 0;
  for (size_t i = 1; i < run.size(); ++i) n += CharKind(run[i]) != CharKind(run[i - 1]);
  return n;
}

bool HasUpper(std::string_view run) {
  return std::any_of(run.begin(), run.end(), [](unsigned char c) { return c >= 'A' && c <= 'Z'; });
}
bool HasDigit(std::string_view run) {
  return std::any_of(run.begin(), run.end(), [](unsigned char c) { return IsDigit(c); });
}
bool HasLower(std::string_view run) {
  return std::any_of(run.begin(), run.end(), [](unsigned char c) { return c >= 'a' && c <= 'z'; });
}

// A content hash: >= 16 hex digits in one case, with both letters and digits.
bool IsHexHash(std::string_view run) {
  if (run.size() < 16 || !HasDigit(run)) return false;
  if (!std::all_of(run.begin(), run.end(), [](unsigned char c) { return IsHexDigit(c); }))
    return false;
  const bool lower = HasLower(run), upper = HasUpper(run);
  return lower != upper;
}

// A random identifier: >= 16 alphanumerics mixing lower case, upper case and digits.
bool IsRandomId(std::string_view run) {
  return run.size() >= 16 && HasLower(run) && HasUpper(run) && HasDigit(run);
}

// mkstemp and mkdtemp (glibc) fill exactly six characters of [A-Za-z0-9]: six that mix
// letters and digits are taken as theirs (jtvv63), a word that ends in a version (sqlite3) is
// not. Six lower-case letters or six digits stay ambiguous from one run: kept literal.
bool RandomLooking(std::string_view run) {
  if (run.size() == 6 && HasDigit(run) && (HasLower(run) || HasUpper(run))) return true;
  return run.size() >= 8 || HasUpper(run) || KindChanges(run) >= 2;
}

bool IsUuidAt(std::string_view seg, size_t pos) {
  static constexpr std::string_view kShape = "hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh";
  if (seg.size() - pos < kShape.size()) return false;
  for (size_t i = 0; i < kShape.size(); ++i) {
    const unsigned char c = seg[pos + i];
    if (kShape[i] == '-' ? c != '-' : !IsHexDigit(c)) return false;
  }
  return pos + kShape.size() == seg.size() || !IsAlnum(seg[pos + kShape.size()]);
}

std::string Repeat(std::string_view piece, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += piece;
  return out;
}

std::vector<std::string_view> SplitSegments(std::string_view path) {
  std::vector<std::string_view> segs;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    if (i >= path.size()) break;
    const size_t j = path.find('/', i);
    const size_t end = j == std::string_view::npos ? path.size() : j;
    segs.push_back(path.substr(i, end - i));
    i = end;
  }
  return segs;
}

// How many leading segments name a temporary directory (0: not below one).
size_t TempDepth(const std::vector<std::string_view>& segs) {
  if (segs.size() >= 1 && segs[0] == "tmp") return 1;
  if (segs.size() >= 2 && segs[0] == "var" && segs[1] == "tmp") return 2;
  if (segs.size() >= 2 && segs[0] == "dev" && segs[1] == "shm") return 2;
  if (segs.size() >= 2 && segs[0] == "run" && segs[1] == "lock") return 2;
  if (segs.size() >= 3 && segs[0] == "run" && segs[1] == "user" && AllDigits(segs[2])) return 3;
  return 0;
}

void GeneralizeSegment(std::string_view seg, bool temp, AaPathExpr& out) {
  // Python's tempfile: "tmp" + 8 of [a-z0-9_], then the caller's suffix.
  if (temp && seg.size() >= 11 && seg.substr(0, 3) == "tmp" &&
      (seg.size() == 11 || seg[11] == '.') &&
      std::all_of(seg.begin() + 3, seg.begin() + 11, [](unsigned char c) {
        return (c >= 'a' && c <= 'z') || IsDigit(c) || c == '_';
      })) {
    out.Literal("tmp").Glob("????????").Literal(seg.substr(11));
    return;
  }

  struct Run {
    size_t begin, end;
  };
  std::vector<Run> runs;
  for (size_t i = 0; i < seg.size();) {
    if (!IsAlnum(seg[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < seg.size() && IsAlnum(seg[j])) ++j;
    runs.push_back({i, j});
    i = j;
  }
  // The run mkstemp/mktemp randomise: the last one, or the one before a short final ".ext".
  size_t candidate = runs.size();
  if (!runs.empty()) {
    candidate = runs.size() - 1;
    const Run& last = runs.back();
    if (runs.size() >= 2 && last.end == seg.size() && last.end - last.begin <= 5 &&
        last.begin >= 1 && seg[last.begin - 1] == '.' &&
        runs[runs.size() - 2].end == last.begin - 1)
      candidate = runs.size() - 2;
  }

  size_t pos = 0;
  for (size_t k = 0; k < runs.size(); ++k) {
    const size_t b = runs[k].begin;
    if (b < pos) continue;  // inside a UUID already written
    out.Literal(seg.substr(pos, b - pos));
    if (IsUuidAt(seg, b)) {
      out.Glob(Repeat("?", 8) + "-" + Repeat("?", 4) + "-" + Repeat("?", 4) + "-" + Repeat("?", 4) +
               "-" + Repeat("?", 12));
      pos = b + 36;
      continue;
    }
    const std::string_view run = seg.substr(b, runs[k].end - b);
    pos = runs[k].end;
    if (AllDigits(run)) {
      // Only a long run (a timestamp) changes between runs for sure: a short number outside
      // /proc is as likely a name the workload chose (7, report-2024) as a pid, and @{pid}
      // would grant every number in its place.
      if (run.size() >= 8)
        out.Glob(Repeat("[0-9]", run.size()));
      else
        out.Literal(run);
      continue;
    }
    if (IsHexHash(run) || IsRandomId(run)) {
      out.Glob(Repeat("?", run.size()));
      continue;
    }
    if (temp && k == candidate && run.size() >= 6) {
      const bool after_separator = b > 0 && std::strchr(".-_", seg[b - 1]) != nullptr;
      if (after_separator && RandomLooking(run)) {
        out.Glob(Repeat("?", run.size()));
        continue;
      }
      if (run.substr(0, 3) == "tmp" && run.size() >= 9 && RandomLooking(run.substr(3))) {
        out.Literal("tmp").Glob(Repeat("?", run.size() - 3));
        continue;
      }
    }
    out.Literal(run);
  }
  out.Literal(seg.substr(pos));
}

}  // namespace

AaPathExpr& AaPathExpr::Literal(std::string_view bytes) {
  for (unsigned char c : bytes) {
    if (IsPlain(c)) {
      text_ += static_cast<char>(c);
    } else if (std::strchr("*?[]{}^\"", c) != nullptr && c != '\0') {
      text_ += '\\';
      text_ += static_cast<char>(c);
      quote_ = true;
    } else if (c < 0x20 || c >= 0x7f || c == '\\') {
      // Not \\ for a backslash: \\ right before the closing quote reads as an escaped quote
      // (\") to apparmor_parser's lexer when another quote follows in the file.
      text_ += fmt::format("\\{:03o}", c);
      quote_ = true;
    } else {
      text_ += static_cast<char>(c);  // space , # ! $ ' ( ) & ; < > | `: literal inside quotes
      quote_ = true;
    }
  }
  return *this;
}

AaPathExpr& AaPathExpr::Glob(std::string_view glob) {
  text_ += glob;
  return *this;
}

std::string AaPathExpr::Token() const { return quote_ ? "\"" + text_ + "\"" : text_; }

std::string ProcSelfAsPid(std::string_view path) {
  for (const auto& [link, as] :
       {std::pair<std::string_view, std::string_view>{"/proc/thread-self", "/proc/1/task/1"},
        {"/proc/self", "/proc/1"}}) {
    if (path.substr(0, link.size()) == link &&
        (path.size() == link.size() || path[link.size()] == '/'))
      return std::string(as) + std::string(path.substr(link.size()));
  }
  return std::string(path);
}

bool IsUnderTempDir(std::string_view path) {
  const auto segs = SplitSegments(path);
  const size_t depth = TempDepth(segs);
  return depth > 0 && segs.size() > depth;
}

AaPathExpr GeneralizePath(std::string_view path) {
  AaPathExpr out;
  const bool trailing_slash = path.size() > 1 && path.back() == '/';
  const auto segs = SplitSegments(path);
  if (segs.empty()) return out.Literal("/");
  const auto finish = [&]() -> AaPathExpr {
    if (trailing_slash) out.Literal("/");
    return out;
  };

  if (segs[0] == "proc" && segs.size() >= 2) {
    out.Glob("@{PROC}");
    size_t i = 1;
    bool in_pid = false;
    if (AllDigits(segs[1]) || segs[1] == "self") {
      out.Glob("/@{pid}");
      i = 2;
      in_pid = true;
      if (segs.size() >= 4 && segs[2] == "task" && AllDigits(segs[3])) {
        out.Glob("/task/@{tid}");
        i = 4;
      }
    } else if (segs[1] == "thread-self") {
      out.Glob("/@{pid}/task/@{tid}");
      i = 2;
      in_pid = true;
    }
    for (; i < segs.size(); ++i) {
      if (in_pid && AllDigits(segs[i]) && (segs[i - 1] == "fd" || segs[i - 1] == "fdinfo")) {
        out.Glob("/[0-9]*");
      } else {
        out.Literal("/").Literal(segs[i]);
      }
    }
    return finish();
  }
  if (segs.size() == 3 && segs[0] == "dev" && segs[1] == "pts" && AllDigits(segs[2])) {
    out.Literal("/dev/pts/").Glob("[0-9]*");
    return finish();
  }

  const size_t temp_depth = TempDepth(segs);
  const bool literal_only = segs[0] == "etc";
  for (size_t i = 0; i < segs.size(); ++i) {
    out.Literal("/");
    if (i == 0 || literal_only) {
      out.Literal(segs[i]);
    } else {
      GeneralizeSegment(segs[i], temp_depth > 0 && i >= temp_depth, out);
    }
  }
  return finish();
}

const AaVariables& BuiltinAaVariables() {
  static const AaVariables kVars = [] {
    AaVariables v;
    v["PROC"] = {"/proc/"};
    v["pid"] = {
        "{[1-9],[1-9][0-9],[1-9][0-9][0-9],[1-9][0-9][0-9][0-9],[1-9][0-9][0-9][0-9][0-9],"
        "[1-9][0-9][0-9][0-9][0-9][0-9],[1-4][0-9][0-9][0-9][0-9][0-9][0-9]}"};
    v["tid"] = {"@{pid}"};
    v["pids"] = {"@{pid}"};
    v["uid"] = {
        "{[0-9],[1-9][0-9],[1-9][0-9][0-9],[1-9][0-9][0-9][0-9],[1-9][0-9][0-9][0-9][0-9],"
        "[1-9][0-9][0-9][0-9][0-9][0-9],[1-9][0-9][0-9][0-9][0-9][0-9][0-9],"
        "[1-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9],"
        "[1-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9],"
        "[1-4][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]}"};
    v["HOMEDIRS"] = {"/home/"};
    v["HOME"] = {"@{HOMEDIRS}/*/", "/root/"};
    v["multiarch"] = {"*-linux-gnu*"};
    v["run"] = {"/run/", "/var/run/"};
    v["sys"] = {"/sys/"};
    v["etc_ro"] = {"/etc/", "/usr/etc/"};
    v["etc_rw"] = {"/etc/"};
    return v;
  }();
  return kVars;
}

// ---------------------------------------------------------------------------------------------
// Matching

namespace {

struct Node {
  enum Kind { kChars, kStar, kDoubleStar, kAlt } kind = kChars;
  std::bitset<256> chars;
  std::vector<std::vector<Node>> alts;
};

std::bitset<256> AllBut(std::string_view excluded) {
  std::bitset<256> set;
  set.set();
  for (unsigned char c : excluded) set.reset(c);
  set.reset(0);
  return set;
}

// The byte an escape sequence stands for, as apparmor_parser's strn_escseq reads it: `i` is
// just past the backslash and moves past the sequence. \ooo (up to 3 octal digits, at most
// 255), \dNNN (decimal), \xHH, \\ \" \a \e \f \n \r \t; -1 for anything else (then only the
// backslash is consumed by the caller).
int EscapeValue(std::string_view text, size_t& i) {
  if (i >= text.size()) return -1;
  const auto number = [&](size_t from, int base, size_t max_digits) {
    int value = 0;
    size_t j = from;
    while (j < text.size() && j - from < max_digits) {
      const unsigned char d = text[j];
      int v = -1;
      if (d >= '0' && d <= '9')
        v = d - '0';
      else if (base == 16 && d >= 'a' && d <= 'f')
        v = d - 'a' + 10;
      else if (base == 16 && d >= 'A' && d <= 'F')
        v = d - 'A' + 10;
      if (v < 0 || v >= base || value * base + v > 255) break;
      value = value * base + v;
      ++j;
    }
    return std::pair<int, size_t>(value, j);
  };
  const unsigned char c = text[i];
  if (c >= '0' && c <= '7') {
    const auto [value, end] = number(i, 8, 3);
    i = end;
    return value;
  }
  if (c == 'd' || c == 'x') {
    const auto [value, end] = number(i + 1, c == 'x' ? 16 : 10, c == 'x' ? 2 : 3);
    if (end == i + 1) return -1;  // no digits
    i = end;
    return value;
  }
  static constexpr std::pair<char, char> kSimple[] = {{'\\', '\\'},  {'"', '"'},  {'a', '\a'},
                                                      {'e', '\033'}, {'f', '\f'}, {'n', '\n'},
                                                      {'r', '\r'},   {'t', '\t'}};
  for (const auto& [letter, value] : kSimple) {
    if (c == static_cast<unsigned char>(letter)) {
      ++i;
      return static_cast<unsigned char>(value);
    }
  }
  return -1;
}

// What apparmor_parser makes of a path (or a variable's value) as written, quotes removed,
// before it expands variables (processunquoted): escapes become the bytes they stand for, but
// those the glob syntax gives a meaning (* ? [ ] { } ^ , \\) stay escaped, and \000 stays as
// written; an unknown escape keeps its backslash (the glob reader then drops it).
std::string ProcessEscapes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      size_t j = i + 1;
      const int c = EscapeValue(text, j);
      if (c >= 0) {
        if (c == 0)
          out += text.substr(i, j - i);
        else if (std::strchr("*?[]{}^,\\", c) != nullptr)
          out += {'\\', static_cast<char>(c)};
        else
          out += static_cast<char>(c);
        i = j;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

// Reads one escape of processed text (text[i] == '\\') as the glob matcher does: a numeric
// or named escape is its byte, any other escaped character is itself.
Result<unsigned char> DecodeEscape(std::string_view text, size_t& i) {
  ++i;  // the backslash
  if (i >= text.size()) return ParseError("a path ends in an escaping '\\'");
  const int c = EscapeValue(text, i);
  if (c >= 0) return static_cast<unsigned char>(c);
  return static_cast<unsigned char>(text[i++]);
}

Result<std::string> ExpandVariables(std::string_view text, const AaVariables& vars, int depth) {
  if (depth > 16) return ParseError("variables nest too deeply (a loop?)");
  std::string out;
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      out += text.substr(i, 2);
      i += 2;
      continue;
    }
    if (c == '@' && i + 1 < text.size() && text[i + 1] == '{') {
      const size_t close = text.find('}', i + 2);
      if (close == std::string_view::npos) return ParseError("unterminated @{ in a path");
      const std::string name(text.substr(i + 2, close - i - 2));
      const auto it = vars.find(name);
      if (it == vars.end()) return ParseError(fmt::format("unknown variable @{{{}}}", name));
      const bool slash_follows = close + 1 < text.size() && text[close + 1] == '/';
      std::vector<std::string> values;
      for (const auto& v : it->second) {
        auto expanded = ExpandVariables(ProcessEscapes(v), vars, depth + 1);
        if (!expanded) return expanded.error();
        std::string value = std::move(*expanded);
        if (slash_follows && !value.empty() && value.back() == '/' &&
            (value.size() < 2 || value[value.size() - 2] != '\\'))
          value.pop_back();
        values.push_back(std::move(value));
      }
      if (values.size() == 1) {
        out += values[0];
      } else {
        out += '{';
        for (size_t k = 0; k < values.size(); ++k) out += (k ? "," : "") + values[k];
        out += '}';
      }
      i = close + 1;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

// apparmor_parser removes repeated slashes after expanding variables.
std::string CollapseSlashes(std::string_view text) {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      out += text.substr(i, 2);
      ++i;
      continue;
    }
    if (c == '[')
      in_class = true;
    else if (c == ']')
      in_class = false;
    if (c == '/' && !in_class && !out.empty() && out.back() == '/' &&
        (out.size() < 2 || out[out.size() - 2] != '\\'))
      continue;
    out += c;
  }
  return out;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<std::vector<Node>> Parse() {
    auto seq = Sequence(false);
    if (!seq) return seq;
    if (i_ < text_.size()) return ParseError(fmt::format("unbalanced '{}' in a path", text_[i_]));
    return seq;
  }

 private:
  Result<std::vector<Node>> Sequence(bool in_alt) {
    std::vector<Node> seq;
    while (i_ < text_.size()) {
      const unsigned char c = text_[i_];
      if (in_alt && (c == ',' || c == '}')) return seq;
      if (c == '}') return ParseError("unbalanced '}' in a path");
      if (c == '\\') {
        auto byte = DecodeEscape(text_, i_);
        if (!byte) return byte.error();
        seq.push_back(Char(*byte));
        continue;
      }
      if (c == '*') {
        const size_t star = i_;
        const bool dbl = i_ + 1 < text_.size() && text_[i_ + 1] == '*';
        i_ += dbl ? 2 : 1;
        while (i_ < text_.size() && text_[i_] == '*') ++i_;  // *** is **
        // A star that is a whole path component matches at least one character.
        const bool after_slash = star > 0 && text_[star - 1] == '/';
        const bool before_slash = i_ >= text_.size() || text_[i_] == '/';
        if (after_slash && before_slash) {
          Node first;
          first.chars = AllBut("/");
          seq.push_back(first);
        }
        Node n;
        n.kind = dbl ? Node::kDoubleStar : Node::kStar;
        seq.push_back(n);
        continue;
      }
      if (c == '?') {
        ++i_;
        Node n;
        n.chars = AllBut("/");
        seq.push_back(n);
        continue;
      }
      if (c == '[') {
        auto n = Class();
        if (!n) return n.error();
        seq.push_back(*n);
        continue;
      }
      if (c == '{') {
        ++i_;
        Node n;
        n.kind = Node::kAlt;
        for (;;) {
          auto alt = Sequence(true);
          if (!alt) return alt;
          n.alts.push_back(std::move(*alt));
          if (i_ >= text_.size()) return ParseError("unbalanced '{' in a path");
          if (text_[i_++] == '}') break;
        }
        seq.push_back(std::move(n));
        continue;
      }
      ++i_;
      seq.push_back(Char(c));
    }
    if (in_alt) return ParseError("unbalanced '{' in a path");
    return seq;
  }

  Result<Node> Class() {
    ++i_;  // [
    bool negate = false;
    if (i_ < text_.size() && text_[i_] == '^') {
      negate = true;
      ++i_;
    }
    std::bitset<256> set;
    bool first = true;
    int prev = -1;
    while (i_ < text_.size() && (text_[i_] != ']' || first)) {
      first = false;
      auto c = Byte();
      if (!c) return c.error();
      if (*c == '-' && prev >= 0 && i_ < text_.size() && text_[i_] != ']') {
        auto hi = Byte();
        if (!hi) return hi.error();
        for (int x = prev; x <= *hi; ++x) set.set(static_cast<size_t>(x));
        prev = -1;
        continue;
      }
      set.set(*c);
      prev = *c;
    }
    if (i_ >= text_.size()) return ParseError("unbalanced '[' in a path");
    ++i_;  // ]
    Node n;
    n.chars = negate ? ~set : set;
    n.chars.reset(0);
    return n;
  }

  // One byte of a class: an escape or the character itself.
  Result<unsigned char> Byte() {
    if (text_[i_] == '\\') return DecodeEscape(text_, i_);
    return static_cast<unsigned char>(text_[i_++]);
  }

  static Node Char(unsigned char c) {
    Node n;
    n.chars.set(c);
    return n;
  }

  std::string_view text_;
  size_t i_ = 0;
};

}  // namespace

class AaGlobBuilder {
 public:
  explicit AaGlobBuilder(AaGlob& glob) : g_(glob) {}

  int NewState() {
    g_.states_.emplace_back();
    return static_cast<int>(g_.states_.size() - 1);
  }

  int Build(const std::vector<Node>& seq, int next) {
    for (auto it = seq.rbegin(); it != seq.rend(); ++it) next = BuildNode(*it, next);
    return next;
  }

  int BuildNode(const Node& n, int next) {
    switch (n.kind) {
      case Node::kChars: {
        const int s = NewState();
        g_.states_[s].chars = n.chars;
        g_.states_[s].next = next;
        return s;
      }
      case Node::kStar:
      case Node::kDoubleStar: {
        const int s = NewState();
        g_.states_[s].chars = n.kind == Node::kStar ? AllBut("/") : AllBut("");
        g_.states_[s].next = s;
        g_.states_[s].eps.push_back(next);
        return s;
      }
      case Node::kAlt: {
        std::vector<int> starts;
        for (const auto& alt : n.alts) starts.push_back(Build(alt, next));
        const int s = NewState();
        g_.states_[s].eps = std::move(starts);
        return s;
      }
    }
    return next;
  }

 private:
  AaGlob& g_;
};

Result<AaGlob> AaGlob::Compile(std::string_view text, const AaVariables& variables) {
  auto expanded = ExpandVariables(ProcessEscapes(text), variables, 0);
  if (!expanded) return expanded.error();
  const std::string collapsed = CollapseSlashes(*expanded);
  auto seq = Parser(collapsed).Parse();
  if (!seq) return seq.error();
  AaGlob glob;
  AaGlobBuilder builder(glob);
  const int accept = builder.NewState();
  glob.states_[accept].accept = true;
  glob.start_ = builder.Build(*seq, accept);
  for (State& st : glob.states_) {
    if (st.chars.count() != 1) continue;
    for (int c = 1; c < 256; ++c)
      if (st.chars.test(static_cast<size_t>(c))) st.single = c;
  }
  for (const Node& n : *seq) {
    if (n.kind != Node::kChars || n.chars.count() != 1) break;
    for (size_t c = 0; c < 256; ++c)
      if (n.chars.test(c)) glob.prefix_ += static_cast<char>(c);
  }
  return glob;
}

bool AaGlob::Matches(std::string_view path) const {
  if (path.substr(0, prefix_.size()) != prefix_) return false;
  const size_t n = states_.size();
  std::vector<int> current, next, stack;
  std::vector<size_t> mark(n, 0);
  size_t generation = 1;
  const auto add = [&](std::vector<int>& set, int s) {
    stack.push_back(s);
    while (!stack.empty()) {
      const int t = stack.back();
      stack.pop_back();
      if (mark[t] == generation) continue;
      mark[t] = generation;
      set.push_back(t);
      for (int e : states_[t].eps) stack.push_back(e);
    }
  };
  add(current, start_);
  for (unsigned char c : path) {
    ++generation;
    next.clear();
    for (int s : current) {
      const State& st = states_[s];
      if (st.next >= 0 && st.chars.test(c)) add(next, st.next);
    }
    current.swap(next);
    if (current.empty()) return false;
  }
  return std::any_of(current.begin(), current.end(), [&](int s) { return states_[s].accept; });
}

namespace {

// What every glob walk of this thread has examined (states and transitions).
thread_local uint64_t work_done = 0;

// Closure's visited marks, one array per thread shared by every glob: a state is in the set
// being built when its mark is that closure's generation, so a closure costs what it visits
// (a linear search of the set would make a 20,000-value variable take seconds).
struct ClosureMarks {
  std::vector<uint64_t> mark;
  uint64_t generation = 0;
};
thread_local ClosureMarks closure_marks;

}  // namespace

uint64_t AaGlob::WorkDone() { return work_done; }

// The states reachable from `stack` through epsilon moves, sorted.
AaGlob::StateSet AaGlob::Closure(std::vector<int> stack) const {
  ClosureMarks& m = closure_marks;
  if (m.mark.size() < states_.size()) m.mark.resize(states_.size(), 0);
  const uint64_t generation = ++m.generation;
  StateSet set;
  while (!stack.empty()) {
    const int t = stack.back();
    stack.pop_back();
    ++work_done;
    if (m.mark[t] == generation) continue;
    m.mark[t] = generation;
    set.push_back(t);
    for (int e : states_[t].eps) stack.push_back(e);
  }
  std::sort(set.begin(), set.end());
  return set;
}

AaGlob::StateSet AaGlob::Start() const { return Closure({start_}); }

std::vector<AaGlob::StateSet> AaGlob::StepAll(const StateSet& from) const {
  std::vector<std::vector<int>> next(256);
  for (int s : from) {
    const State& st = states_[s];
    if (st.next < 0) continue;
    if (st.single >= 0) {
      ++work_done;
      next[st.single].push_back(st.next);
      continue;
    }
    work_done += 256;
    for (size_t c = 1; c < 256; ++c)
      if (st.chars.test(c)) next[c].push_back(st.next);
  }
  std::vector<StateSet> out(256);
  for (size_t c = 1; c < 256; ++c)
    if (!next[c].empty()) out[c] = Closure(std::move(next[c]));
  return out;
}

bool AaGlob::Accepts(const StateSet& set) const {
  return std::any_of(set.begin(), set.end(), [&](int s) { return states_[s].accept; });
}

// Walks the product of two globs' subset automata from their start, calling visit(a, b) on
// each reachable pair of state sets until it returns true (found) or the walk ends. Pairs
// whose first set is empty are not followed: no path the first glob matches goes there.
template <typename Visit>
std::optional<bool> AaGlob::WalkProduct(const AaGlob& a, const AaGlob& b, Visit visit,
                                        bool need_both) {
  constexpr size_t kMaxPairs = 4096;
  using Pair = std::pair<StateSet, StateSet>;
  std::set<Pair> seen;
  std::vector<Pair> todo = {{a.Start(), b.Start()}};
  seen.insert(todo.front());
  while (!todo.empty()) {
    Pair p = std::move(todo.back());
    todo.pop_back();
    if (visit(p.first, p.second)) return true;
    std::vector<StateSet> next_a = a.StepAll(p.first);
    std::vector<StateSet> next_b = b.StepAll(p.second);
    for (int c = 1; c < 256; ++c) {  // paths hold no NUL
      if (next_a[c].empty() || (need_both && next_b[c].empty())) continue;
      Pair q{std::move(next_a[c]), std::move(next_b[c])};
      if (seen.count(q)) continue;
      if (seen.size() >= kMaxPairs) return std::nullopt;
      seen.insert(q);
      todo.push_back(std::move(q));
    }
  }
  return false;
}

namespace {

// Every match of a glob starts with its literal prefix: two globs whose prefixes disagree
// share no path.
bool PrefixesAgree(const std::string& a, const std::string& b) {
  const size_t n = std::min(a.size(), b.size());
  return a.compare(0, n, b, 0, n) == 0;
}

}  // namespace

bool AaGlob::Includes(const AaGlob& narrower) const {
  if (!PrefixesAgree(prefix_, narrower.prefix_)) return false;
  // A path the narrower glob matches and this one does not is a counterexample.
  const auto found = WalkProduct(
      narrower, *this,
      [&](const StateSet& n, const StateSet& w) { return narrower.Accepts(n) && !Accepts(w); },
      false);
  return found.has_value() && !*found;
}

bool AaGlob::Overlaps(const AaGlob& other) const {
  if (!PrefixesAgree(prefix_, other.prefix_)) return false;
  const auto found = WalkProduct(
      *this, other,
      [&](const StateSet& a, const StateSet& b) { return Accepts(a) && other.Accepts(b); }, true);
  // Too large to tell: say they overlap (callers use it to flag risk).
  return !found.has_value() || *found;
}

}  // namespace seclearn
