#include "seclearn/emitter/apparmor_check.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <compare>
#include <cstring>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "seclearn/core/facts.h"
#include "seclearn/core/fd.h"
#include "seclearn/core/file.h"
#include "seclearn/core/path.h"

namespace seclearn {
namespace {

constexpr int kMaxIncludeDepth = 32;
// An included file is read whole: one larger than this, or includes adding up to more, are an
// error rather than an allocation that grows until the process is killed.
constexpr size_t kMaxIncludedBytes = 64 << 20;
constexpr uint32_t kAllPerms =
    kAaRead | kAaWrite | kAaAppend | kAaLink | kAaLock | kAaMmap | kAaExec;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool StartsWithWord(std::string_view s, std::string_view word) {
  return s.substr(0, word.size()) == word &&
         (s.size() == word.size() || std::isspace(static_cast<unsigned char>(s[word.size()])) ||
          s[word.size()] == '<' || s[word.size()] == '"');
}

// The index of the quote that closes the quoted string opening at text[open], as
// apparmor_parser's lexer finds it: the longest match of "([^\0"]|\\")*", so a quote right
// after a backslash ends the string only when no later quote can ("a\\" r, "b" r, reads as
// the string `"a\\" r, "` followed by b). None: unterminated.
std::optional<size_t> QuotedEnd(std::string_view text, size_t open) {
  std::optional<size_t> end;
  for (size_t j = open + 1; j < text.size() && text[j] != '\0'; ++j) {
    if (text[j] != '"') continue;
    end = j;
    if (text[j - 1] != '\\') break;
  }
  return end;
}

// Splits on whitespace outside quotes, parentheses and braces.
std::vector<std::string> Tokens(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      const size_t end = QuotedEnd(s, i).value_or(s.size() - 1);
      cur += s.substr(i, end - i + 1);
      i = end;
      continue;
    }
    if (c == '(' || c == '{') ++depth;
    if ((c == ')' || c == '}') && depth > 0) --depth;
    if (std::isspace(static_cast<unsigned char>(c)) && depth == 0) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::string Unquote(std::string_view t) {
  if (t.size() >= 2 && t.front() == '"' && t.back() == '"')
    return std::string(t.substr(1, t.size() - 2));
  return std::string(t);
}

bool IsPathToken(std::string_view t) {
  if (!t.empty() && t.front() == '"') t.remove_prefix(1);
  return !t.empty() && (t.front() == '/' || t.substr(0, 2) == "@{");
}

bool LooksLikeModes(std::string_view t) {
  return !t.empty() && std::all_of(t.begin(), t.end(), [](unsigned char c) {
    return std::strchr("rwalkmxiuUpPcCbB", c) != nullptr && c != '\0';
  });
}

// "attach_disconnected,mediate_deleted" -> its flags (apparmor_parser takes ',' and ' ').
std::vector<std::string> FlagList(std::string_view f) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= f.size()) {
    size_t j = f.find_first_of(", ", i);
    if (j == std::string_view::npos) j = f.size();
    if (j > i) out.emplace_back(f.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool IsQualifier(std::string_view t) {
  return t == "audit" || t == "allow" || t == "quiet" || t == "owner" || t == "other" ||
         t.rfind("priority=", 0) == 0;
}

}  // namespace

uint32_t AaPolicy::Allowed(std::string_view path) const {
  uint32_t allow = model_.all_files_allow, deny = model_.all_files_deny;
  for (size_t i = 0; i < model_.files.size(); ++i) {
    const AaFileRule& r = model_.files[i];
    uint32_t& acc = r.deny ? deny : allow;
    if ((r.perms & ~acc) == 0) continue;  // would add nothing
    if (globs_[i].Matches(path)) acc |= r.perms;
  }
  return allow & ~deny;
}

uint32_t AaPolicy::Missing(std::string_view path, uint32_t required) const {
  return required & ~Allowed(path);
}

class AaProfileReader {
 public:
  explicit AaProfileReader(const AaParseOptions& options) : options_(options) {
    if (!options_.follow_includes) variables_ = BuiltinAaVariables();
  }

  Result<AaPolicy> Read(std::string_view text, const std::string& source) {
    // The file itself, when it is one, so that including it is a cycle.
    struct stat st {};
    if (::stat(source.c_str(), &st) == 0 && S_ISREG(st.st_mode))
      include_stack_.push_back({{st.st_dev, st.st_ino}, source});
    if (auto r = Lex(text, source, ParentPath(source), 0); !r) return r.error();
    return Build(source);
  }

 private:
  struct Stmt {
    enum Kind { kRule, kOpen, kClose, kInclude } kind;
    std::string text;
    std::string where;
  };

  Result<void> Lex(std::string_view text, const std::string& source, const std::string& dir,
                   int depth) {
    int line = 1, cur_line = 1, brace = 0, paren = 0;
    std::string cur;
    const auto where = [&](int l) { return fmt::format("{}:{}", source, l); };
    const auto to_eol = [&](size_t i) {
      const size_t e = text.find('\n', i);
      return e == std::string_view::npos ? text.size() : e;
    };
    size_t i = 0;
    while (i < text.size()) {
      const char c = text[i];
      const bool at_start = Trim(cur).empty();
      if (c == '\n') {
        ++line;
        ++i;
        if (!at_start) cur += ' ';
        continue;
      }
      if (at_start) {
        if (std::isspace(static_cast<unsigned char>(c))) {
          ++i;
          continue;
        }
        cur.clear();
        cur_line = line;
        const std::string_view rest = text.substr(i);
        if (c == '#' && !StartsWithWord(rest.substr(1), "include")) {
          i = to_eol(i);
          continue;
        }
        if ((c == '#' && StartsWithWord(rest.substr(1), "include")) ||
            StartsWithWord(rest, "include")) {
          // The directive ends after its name: a comment or a ',' may follow on the line.
          auto end = Include(text, i, where(line), dir, depth);
          if (!end) return end.error();
          i = *end;
          continue;
        }
        if (c == '$') {  // boolean variables: nothing here depends on them
          i = to_eol(i);
          continue;
        }
        if (c == '@' && IsAssignment(rest)) {
          const size_t e = to_eol(i);
          if (auto r = Assign(text.substr(i, e - i), where(line)); !r) return r;
          i = e;
          continue;
        }
        if (c == '}') {
          stmts_.push_back({Stmt::kClose, "}", where(line)});
          if (block_includes_.size() > 1) block_includes_.pop_back();
          ++i;
          continue;
        }
      }
      if (c == '#' && (cur.empty() || std::isspace(static_cast<unsigned char>(cur.back())))) {
        i = to_eol(i);
        continue;
      }
      if (c == '"') {
        const auto end = QuotedEnd(text, i);
        if (!end) return ParseError(fmt::format("{}: unterminated quoted string", where(line)));
        const std::string_view quoted = text.substr(i, *end - i + 1);
        cur += quoted;
        line += static_cast<int>(std::count(quoted.begin(), quoted.end(), '\n'));
        i = *end + 1;
        continue;
      }
      if (c == '(') ++paren;
      if (c == ')' && paren > 0) --paren;
      if (c == '{' && paren == 0) {
        const std::string_view head = Trim(cur);
        if (cur.empty() || std::isspace(static_cast<unsigned char>(cur.back())) ||
            head.substr(0, 8) == "profile " || head.substr(0, 4) == "hat " ||
            head.substr(0, 1) == "^") {
          stmts_.push_back({Stmt::kOpen, std::string(head), where(cur_line)});
          block_includes_.emplace_back();  // as apparmor_parser: each block includes afresh
          cur.clear();
          brace = 0;
          ++i;
          continue;
        }
        ++brace;
      }
      if (c == '}' && paren == 0) {
        if (brace == 0)
          return ParseError(
              fmt::format("{}: rule without a final ',' before '}}'", where(cur_line)));
        --brace;
      }
      if (c == ',' && paren == 0 && brace == 0) {
        AddRule(Trim(cur), where(cur_line));
        cur.clear();
        ++i;
        continue;
      }
      cur += c;
      ++i;
    }
    if (!Trim(cur).empty())
      return ParseError(fmt::format("{}: rule without a final ','", where(cur_line)));
    return {};
  }

  static bool IsAssignment(std::string_view rest) {
    const size_t close = rest.find('}');
    if (rest.substr(0, 2) != "@{" || close == std::string_view::npos) return false;
    std::string_view after = Trim(rest.substr(close + 1, rest.find('\n') - close - 1));
    return after.substr(0, 1) == "=" || after.substr(0, 2) == "+=";
  }

  Result<void> Assign(std::string_view line, const std::string& where) {
    const size_t close = line.find('}');
    const std::string name(line.substr(2, close - 2));
    std::string_view rest = Trim(line.substr(close + 1));
    const bool append = rest.substr(0, 2) == "+=";
    rest = Trim(rest.substr(append ? 2 : 1));
    if (const size_t hash = rest.find(" #"); hash != std::string_view::npos)
      rest = Trim(rest.substr(0, hash));
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](unsigned char ch) {
          return std::isalnum(ch) || ch == '_';
        }))
      return ParseError(fmt::format("{}: bad variable name '@{{{}}}'", where, name));
    auto& values = variables_[name];
    if (!append) values.clear();
    for (auto& t : Tokens(rest)) values.push_back(Unquote(t));
    return {};
  }

  // Reads the include directive at text[i] ("include", "#include", "include if exists", then
  // <name>, "name" or a bare name) and what it names; returns where the directive ends.
  Result<size_t> Include(std::string_view text, size_t i, const std::string& where,
                         const std::string& dir, int depth) {
    const auto blanks = [&] {
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    };
    if (text[i] == '#') ++i;
    i += 7;  // "include"
    blanks();
    bool if_exists = false;
    if (StartsWithWord(text.substr(i), "if")) {
      i += 2;
      blanks();
      if (!StartsWithWord(text.substr(i), "exists"))
        return ParseError(fmt::format("{}: expected 'include if exists'", where));
      i += 6;
      blanks();
      if_exists = true;
    }
    const auto malformed = [&] {
      return ParseError(fmt::format("{}: include needs <name> or \"name\"", where));
    };
    if (i >= text.size()) return malformed();
    const char open = text[i];
    std::string_view name;
    if (open == '<' || open == '"') {
      size_t end = i + 1;
      if (open == '"') {
        const auto q = QuotedEnd(text, i);
        if (!q) return malformed();
        end = *q;
      } else {
        while (end < text.size() && std::strchr("\">\t\r\n", text[end]) == nullptr) ++end;
        if (end >= text.size() || text[end] != '>') return malformed();
      }
      name = Trim(text.substr(i + 1, end - i - 1));
      i = end + 1;
    } else {
      const size_t begin = i;
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])) &&
             std::strchr("\"!,<>", text[i]) == nullptr)
        ++i;
      name = text.substr(begin, i - begin);
    }
    if (name.empty()) return malformed();
    const char close = open == '<' ? '>' : open == '"' ? '"' : ' ';
    const std::string shown =
        close == ' ' ? std::string(name) : fmt::format("{}{}{}", open, name, close);
    if (auto r = IncludeNamed(std::string(name), open == '<', shown, if_exists, where, dir, depth);
        !r)
      return r.error();
    return i;
  }

  Result<void> IncludeNamed(const std::string& name, bool search, const std::string& shown,
                            bool if_exists, const std::string& where, const std::string& dir,
                            int depth) {
    // For a diff: includes inside a profile are listed, not read; those outside one
    // (tunables) are read when this host has them, for their variables.
    bool optional = if_exists;
    if (!options_.follow_includes) {
      if (block_includes_.size() > 1) {
        stmts_.push_back({Stmt::kInclude, name, where});
        return {};
      }
      optional = true;
    }
    if (depth >= kMaxIncludeDepth) {
      return ParseError(fmt::format("{}: include {}: includes nest more than {} deep", where, shown,
                                    kMaxIncludeDepth));
    }
    std::vector<std::string> candidates;
    if (name[0] == '/') {
      candidates.push_back(name);
    } else {
      if (!search) candidates.push_back(dir + "/" + name);
      for (const auto& d : options_.include_dirs) candidates.push_back(d + "/" + name);
    }
    for (const auto& path : candidates) {
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) continue;
      if (S_ISDIR(st.st_mode)) return IncludeDirectory(path, shown, where, depth);
      return IncludeFile(path, st, shown, where, depth);
    }
    if (optional) return {};
    return ErrnoError(ENOENT, fmt::format("{}: cannot find include {} (searched {})", where, shown,
                                          candidates.empty() ? "nothing" : candidates.back()));
  }

  // One file of an include: a regular file of bounded size, not one of the files that include
  // it (a cycle), read once per block as apparmor_parser does (a second include of it adds
  // nothing).
  Result<void> IncludeFile(const std::string& path, const struct stat& st, const std::string& shown,
                           const std::string& where, int depth) {
    if (!S_ISREG(st.st_mode)) {
      return ParseError(
          fmt::format("{}: include {}: {} is not a regular file", where, shown, path));
    }
    // The limit ReadWholeFile keeps, said here with the include that names the file.
    if (static_cast<uint64_t>(st.st_size) > kMaxInputFileBytes) {
      return ParseError(fmt::format("{}: include {}: {} is larger than {} MiB", where, shown, path,
                                    kMaxInputFileBytes >> 20));
    }
    const FileId id{st.st_dev, st.st_ino};
    for (const auto& [open_id, open_path] : include_stack_) {
      if (open_id == id) {
        return ParseError(fmt::format("{}: include {}: {} includes itself (an include cycle)",
                                      where, shown, open_path));
      }
    }
    if (!block_includes_.back().insert(id).second) return {};
    auto text = ReadWholeFile(path);
    if (!text) {
      Error e = text.error();
      e.context = fmt::format("{}: {}", where, e.context);
      return e;
    }
    included_bytes_ += text->size();
    if (included_bytes_ > kMaxIncludedBytes) {
      return ParseError(fmt::format("{}: include {}: includes add up to more than {} MiB", where,
                                    shown, kMaxIncludedBytes >> 20));
    }
    include_stack_.push_back({id, path});
    auto r = Lex(*text, path, ParentPath(path), depth + 1);
    include_stack_.pop_back();
    return r;
  }

  Result<void> IncludeDirectory(const std::string& path, const std::string& shown,
                                const std::string& where, int depth) {
    DIR* d = ::opendir(path.c_str());
    if (d == nullptr) return ErrnoError(fmt::format("{}: cannot list {}", where, path));
    std::vector<std::string> names;
    while (const dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n.empty() || n[0] == '.' || n.back() == '~' || n.find(".dpkg-") != std::string::npos)
        continue;
      names.push_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
      const std::string file = path + "/" + n;
      struct stat st {};
      // Only the regular files in it, as apparmor_parser reads a directory.
      if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      if (auto r = IncludeFile(file, st, shown, where, depth); !r) return r;
    }
    return {};
  }

  void AddRule(std::string_view text, const std::string& where) {
    if (text.empty() || StartsWithWord(text, "abi") || StartsWithWord(text, "alias")) return;
    stmts_.push_back({Stmt::kRule, std::string(text), where});
  }

  Result<AaPolicy> Build(const std::string& source) {
    AaPolicy policy;
    policy.variables_ = variables_;
    int depth = 0;
    bool in_target = false, found = false;
    std::vector<std::string> open_where;
    for (const auto& st : stmts_) {
      switch (st.kind) {
        case Stmt::kOpen: {
          if (StartsWithWord(st.text, "if") || StartsWithWord(st.text, "else"))
            return ParseError(fmt::format("{}: conditional blocks are not supported", st.where));
          ++depth;
          open_where.push_back(st.where);
          if (depth == 1 && !found) {
            const auto tokens = Tokens(st.text);
            std::string name;
            if (!tokens.empty())
              name = Unquote(tokens[0] == "profile" && tokens.size() > 1 ? tokens[1] : tokens[0]);
            if (options_.profile.empty() || name == options_.profile) {
              in_target = true;
              found = true;
              policy.model_.name = name;
              for (const auto& t : tokens) {
                if (t.rfind("flags=(", 0) == 0 && t.back() == ')')
                  policy.model_.flags = FlagList(t.substr(7, t.size() - 8));
              }
            }
          }
          break;
        }
        case Stmt::kClose:
          if (depth == 0) return ParseError(fmt::format("{}: unbalanced '}}'", st.where));
          if (depth == 1) in_target = false;
          --depth;
          open_where.pop_back();
          break;
        case Stmt::kInclude:
          if (in_target && depth == 1) policy.model_.includes.push_back({st.text, ""});
          break;
        case Stmt::kRule:
          if (in_target && depth == 1) {
            if (auto r = AddFileRule(policy, st); !r) return r.error();
          }
          break;
      }
    }
    if (depth != 0)
      return ParseError(fmt::format("{}: block not closed (missing '}}')", open_where.back()));
    if (!found) {
      return ParseError(options_.profile.empty()
                            ? fmt::format("{}: no profile in it", source)
                            : fmt::format("{}: no profile named '{}'", source, options_.profile));
    }
    return policy;
  }

  // A rule that is not a file rule: qualifiers read over (deny kept), its kind word, and the
  // rest with single spaces. Only qualifiers: an empty kind.
  static AaRule OtherRule(const Stmt& st) {
    std::vector<std::string_view> words;
    const std::string_view t = st.text;
    for (size_t i = 0; i < t.size();) {
      while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
      size_t j = i;
      while (j < t.size() && !std::isspace(static_cast<unsigned char>(t[j]))) ++j;
      if (j > i) words.push_back(t.substr(i, j - i));
      i = j;
    }
    AaRule r;
    r.where = st.where;
    size_t k = 0;
    for (; k < words.size() && (IsQualifier(words[k]) || words[k] == "deny"); ++k)
      r.deny = r.deny || words[k] == "deny";
    if (k == words.size()) return r;
    r.kind = words[k];
    for (size_t c = k + 1; c < words.size(); ++c)
      r.body += std::string(r.body.empty() ? "" : " ") + std::string(words[c]);
    return r;
  }

  Result<void> AddFileRule(AaPolicy& policy, const Stmt& st) {
    const auto tokens = Tokens(st.text);
    size_t i = 0;
    bool deny = false, owner = false;
    while (i < tokens.size()) {
      const std::string& t = tokens[i];
      if (t == "deny")
        deny = true;
      else if (t == "owner")
        owner = true;
      else if (!IsQualifier(t))
        break;
      ++i;
    }
    if (i < tokens.size() && tokens[i] == "file") {
      ++i;
      if (i == tokens.size()) {
        (deny ? policy.model_.all_files_deny : policy.model_.all_files_allow) |= kAllPerms;
        return {};
      }
    }
    if (i >= tokens.size()) {
      policy.model_.rules.push_back(OtherRule(st));
      return {};
    }
    std::string path, modes;
    if (IsPathToken(tokens[i])) {
      if (i + 1 >= tokens.size())
        return ParseError(fmt::format("{}: file rule '{}' has no modes", st.where, tokens[i]));
      path = tokens[i];
      modes = tokens[i + 1];
    } else if (i + 1 < tokens.size() && LooksLikeModes(tokens[i]) && IsPathToken(tokens[i + 1])) {
      modes = tokens[i];
      path = tokens[i + 1];
    } else {
      policy.model_.rules.push_back(OtherRule(st));  // not a file rule
      return {};
    }
    // Only an exec target may follow: anything else is another rule missing its ','.
    const size_t rest = i + 2;
    if (rest < tokens.size() && !(tokens[rest] == "->" && rest + 2 == tokens.size())) {
      return ParseError(fmt::format("{}: unexpected '{}' after file rule '{} {}' (a missing ','?)",
                                    st.where, tokens[rest], path, modes));
    }
    auto perms = ParseAaModes(modes);
    if (!perms) return ParseError(fmt::format("{}: {}", st.where, perms.error().context));
    AaFileRule r;
    r.path = Unquote(path);
    r.quoted = r.path.size() != path.size();
    r.modes = modes;
    r.perms = *perms;
    r.deny = deny;
    r.owner = owner;
    if (rest < tokens.size()) r.target = tokens[rest + 1];
    r.where = st.where;
    auto glob = AaGlob::Compile(r.path, variables_);
    if (!glob) return ParseError(fmt::format("{}: {}", st.where, glob.error().context));
    policy.globs_.push_back(std::move(*glob));
    policy.model_.files.push_back(std::move(r));
    return {};
  }

  struct FileId {
    dev_t dev;
    ino_t ino;
    auto operator<=>(const FileId&) const = default;
  };

  const AaParseOptions& options_;
  std::vector<Stmt> stmts_;
  AaVariables variables_;
  // The files being read, outermost first, and those each open block has included.
  std::vector<std::pair<FileId, std::string>> include_stack_;
  std::vector<std::set<FileId>> block_includes_ = {{}};
  size_t included_bytes_ = 0;
};

Result<AaPolicy> ParseAppArmorText(std::string_view text, const std::string& source,
                                   const AaParseOptions& options) {
  return AaProfileReader(options).Read(text, source);
}

Result<AaPolicy> ParseAppArmorFile(const std::string& path, const AaParseOptions& options) {
  auto text = ReadWholeFile(path);
  if (!text) return text.error();
  return ParseAppArmorText(*text, path, options);
}

}  // namespace seclearn
