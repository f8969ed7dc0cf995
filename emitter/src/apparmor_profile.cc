#include "seclearn/emitter/apparmor_profile.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "seclearn/core/facts.h"
#include "seclearn/emitter/path_glob.h"

namespace seclearn {

uint32_t RequiredAaPerms(uint32_t a) {
  uint32_t r = 0;
  if (a & (kAccessRead | kAccessStat)) r |= kAaRead;
  if (a & (kAccessWrite | kAccessDelete)) r |= kAaWrite;
  if (a & (kAccessCreate | kAccessAppend)) r |= kAaAppend;
  if (a & kAccessLink) r |= kAaLink;
  if (a & kAccessLock) r |= kAaLock;
  if (a & kAccessMmapExec) r |= kAaMmap;
  if (a & kAccessExec) r |= kAaExec;
  return r;
}

std::string AaPermString(uint32_t p) {
  std::string s;
  if (p & kAaMmap) s += 'm';
  if (p & kAaRead) s += 'r';
  if (p & kAaWrite)
    s += 'w';
  else if (p & kAaAppend)
    s += 'a';
  if (p & kAaLink) s += 'l';
  if (p & kAaLock) s += 'k';
  if (p & kAaExec) s += 'x';
  return s;
}

Result<uint32_t> ParseAaModes(std::string_view modes) {
  uint32_t p = 0;
  for (unsigned char c : modes) {
    switch (c) {
      case 'r':
        p |= kAaRead;
        break;
      case 'w':
        p |= kAaWrite | kAaAppend;
        break;
      case 'a':
        p |= kAaAppend;
        break;
      case 'l':
        p |= kAaLink;
        break;
      case 'k':
        p |= kAaLock;
        break;
      case 'm':
        p |= kAaMmap;
        break;
      case 'x':
        p |= kAaExec;
        break;
      case 'i':
      case 'u':
      case 'U':
      case 'p':
      case 'P':
      case 'c':
      case 'C':
      case 'b':
      case 'B':
        break;  // exec transition modifiers
      default:
        return ParseError(fmt::format("unknown file mode '{:c}' in '{}'", c, modes));
    }
  }
  if (modes.empty()) return ParseError("a file rule needs modes");
  return p;
}

AaFileRule AaFileRule::Allow(const AaPathExpr& path, std::string modes) {
  AaFileRule r;
  r.path = path.text();
  r.quoted = path.Token() != path.text();
  if (auto perms = ParseAaModes(modes)) r.perms = *perms;
  r.modes = std::move(modes);
  return r;
}

std::vector<std::string> AaProfile::Bodies(std::string_view kind) const {
  std::vector<std::string> out;
  for (const AaRule& r : rules)
    if (r.kind == kind && !r.deny) out.push_back(r.body);
  return out;
}

std::vector<const AaFileRule*> AaProfile::AllowRules() const {
  std::vector<const AaFileRule*> out;
  for (const AaFileRule& r : files)
    if (!r.deny && r.disabled.empty()) out.push_back(&r);
  return out;
}

std::string WriteAppArmorProfile(const AaProfile& p) {
  std::string t;
  for (const auto& c : p.comments) t += fmt::format("# {}\n", c);
  if (!p.abi.empty()) t += fmt::format("abi <{}>,\n\n", p.abi);
  for (const auto& inc : p.preamble) t += fmt::format("#include <{}>\n", inc);
  if (!p.preamble.empty()) t += "\n";
  t += fmt::format("profile {}", p.name);
  if (!p.flags.empty()) t += fmt::format(" flags=({})", fmt::join(p.flags, ","));
  t += " {\n";
  for (const auto& inc : p.includes) {
    if (!inc.why.empty()) t += fmt::format("  # {}\n", inc.why);
    t += fmt::format("  #include <{}>\n", inc.name);
  }
  const std::string* group = nullptr;
  const auto open_group = [&](const std::string& g) {
    if (group != nullptr && *group == g) return;
    group = &g;
    if (!g.empty()) t += fmt::format("\n  # {}\n", g);
  };
  for (const AaRule& r : p.rules) {
    open_group(r.group);
    t += fmt::format("  {}{}{}{},\n", r.deny ? "deny " : "", r.kind, r.body.empty() ? "" : " ",
                     r.body);
  }
  if (p.all_files_allow != 0) t += "  file,\n";
  if (p.all_files_deny != 0) t += "  deny file,\n";
  for (const AaFileRule& r : p.files) {
    open_group(r.group);
    if (!r.disabled.empty()) {
      t += fmt::format("  # not denied: {} {} ({})\n", r.Token(), r.modes, r.disabled);
      continue;
    }
    t += fmt::format("  {}{}{} {}{},\n", r.deny ? "deny " : "", r.owner ? "owner " : "", r.Token(),
                     r.modes, r.target.empty() ? "" : " -> " + r.target);
  }
  t += "}\n";
  return t;
}

}  // namespace seclearn
