// The semantic diff of two SELinux CIL modules: allow statements compared per (source,
// target, class), permission by permission; comments, order and layout do not matter.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <set>

#include "seclearn/core/capability.h"
#include "seclearn/emitter/diff.h"

namespace seclearn {
namespace {

// An s-expression: an atom, or a list of them.
struct Sexp {
  std::string atom;
  std::vector<Sexp> list;
  bool is_list = false;
  int line = 0;
};

Result<std::vector<Sexp>> ParseCil(std::string_view text, std::string_view name) {
  std::vector<Sexp> stack(1);
  stack[0].is_list = true;
  int line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
    } else if (c == ';') {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
    } else if (c == '(') {
      Sexp s;
      s.is_list = true;
      s.line = line;
      stack.push_back(std::move(s));
    } else if (c == ')') {
      if (stack.size() < 2) return ParseError(fmt::format("{}:{}: unbalanced ')'", name, line));
      Sexp done = std::move(stack.back());
      stack.pop_back();
      stack.back().list.push_back(std::move(done));
    } else if (c == '"') {
      const size_t end = text.find('"', i + 1);
      if (end == std::string_view::npos)
        return ParseError(fmt::format("{}:{}: unterminated string", name, line));
      Sexp s;
      s.atom = std::string(text.substr(i, end - i + 1));
      s.line = line;
      stack.back().list.push_back(std::move(s));
      i = end;
    } else if (!std::isspace(static_cast<unsigned char>(c))) {
      size_t end = i;
      while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
             text[end] != '(' && text[end] != ')' && text[end] != ';')
        ++end;
      Sexp s;
      s.atom = std::string(text.substr(i, end - i));
      s.line = line;
      stack.back().list.push_back(std::move(s));
      i = end - 1;
    }
  }
  if (stack.size() != 1) return ParseError(fmt::format("{}:{}: unclosed '('", name, line));
  return std::move(stack[0].list);
}

// (source target class) -> permissions, from every allow in the module, blocks included
// (a block's name prefixes its names, as CIL resolves them).
using Allows = std::map<std::tuple<std::string, std::string, std::string>, std::set<std::string>>;

Result<void> CollectAllows(const std::vector<Sexp>& body, const std::string& prefix,
                           std::string_view name, Allows* out, bool* any) {
  for (const auto& s : body) {
    if (!s.is_list || s.list.empty() || s.list[0].is_list) continue;
    const std::string& head = s.list[0].atom;
    if ((head == "block" || head == "in") && s.list.size() >= 2 && !s.list[1].is_list) {
      *any = true;
      std::vector<Sexp> inner(s.list.begin() + 2, s.list.end());
      if (auto r = CollectAllows(inner, prefix + s.list[1].atom + ".", name, out, any); !r)
        return r;
      continue;
    }
    if (head != "allow") continue;
    *any = true;
    // (allow SRC TGT (CLASS (PERM ...)))
    if (s.list.size() != 4 || s.list[1].is_list || s.list[2].is_list || !s.list[3].is_list ||
        s.list[3].list.size() != 2 || s.list[3].list[0].is_list || !s.list[3].list[1].is_list)
      return ParseError(fmt::format("{}:{}: an allow statement seclearn does not read (allow "
                                    "SOURCE TARGET (CLASS (PERMISSION ...)))",
                                    name, s.line));
    auto qualify = [&](const std::string& n) {
      return n == "self" || n.find('.') != std::string::npos ? n : prefix + n;
    };
    const std::string src = qualify(s.list[1].atom);
    std::string tgt = s.list[2].atom;
    // Unqualified targets are the policy's global types, except a block's own.
    if (tgt == "process") tgt = prefix + tgt;
    auto& perms = (*out)[{src, tgt, s.list[3].list[0].atom}];
    for (const auto& p : s.list[3].list[1].list)
      if (!p.is_list) perms.insert(p.atom);
  }
  return {};
}

std::string Join(const std::set<std::string>& s) { return fmt::format("{}", fmt::join(s, " ")); }

}  // namespace

bool LooksLikeSelinuxModule(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ';') {
      const size_t nl = text.find('\n', i);
      if (nl == std::string_view::npos) return false;
      i = nl + 1;
    } else if (std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
    } else {
      return text.substr(i).starts_with("(block ") || text.substr(i).starts_with("(allow ") ||
             text.substr(i).starts_with("(type ");
    }
  }
  return false;
}

Result<ProfileDiff> DiffSelinux(std::string_view old_text, const std::string& old_name,
                                std::string_view new_text, const std::string& new_name) {
  Allows sides[2];
  const std::string_view texts[2] = {old_text, new_text};
  const std::string* names[2] = {&old_name, &new_name};
  for (int k = 0; k < 2; ++k) {
    auto body = ParseCil(texts[k], *names[k]);
    if (!body) return body.error();
    bool any = false;
    if (auto r = CollectAllows(*body, "", *names[k], &sides[k], &any); !r) return r.error();
    if (!any) return ParseError(fmt::format("{}: no block or allow statement", *names[k]));
  }
  ProfileDiff d;
  auto change = [&](const std::tuple<std::string, std::string, std::string>& key,
                    const std::string& perm, ChangeKind kind) {
    const auto& [src, tgt, cls] = key;
    Change c;
    if ((cls == "capability" || cls == "capability2") && tgt == "self") {
      c.category = ChangeCategory::kCapability;
      const std::string cap = CapabilityFromPolicyWord(perm);
      c.subject = cap;
      c.detail = fmt::format("{} {}:{}", src, tgt, cls);
      if (kind == ChangeKind::kAdded) {
        c.reason = HighRiskReason("capability", cap);
        c.high_risk = !c.reason.empty();
      }
    } else {
      c.category = ChangeCategory::kRule;
      c.rule = "allow";
      c.subject = fmt::format("{} {}:{}", src, tgt, cls);
      c.detail = perm;
    }
    c.kind = kind;
    d.changes.push_back(std::move(c));
  };
  for (const auto& [key, perms] : sides[1]) {
    auto it = sides[0].find(key);
    const bool cap = std::get<2>(key).starts_with("capability");
    if (it == sides[0].end()) {
      if (cap) {
        for (const auto& p : perms) change(key, p, ChangeKind::kAdded);
      } else {
        change(key, Join(perms), ChangeKind::kAdded);
      }
      continue;
    }
    std::set<std::string> added, removed;
    std::set_difference(perms.begin(), perms.end(), it->second.begin(), it->second.end(),
                        std::inserter(added, added.end()));
    std::set_difference(it->second.begin(), it->second.end(), perms.begin(), perms.end(),
                        std::inserter(removed, removed.end()));
    if (cap) {
      for (const auto& p : added) change(key, p, ChangeKind::kAdded);
      for (const auto& p : removed) change(key, p, ChangeKind::kRemoved);
      continue;
    }
    if (!added.empty()) change(key, "+" + Join(added), ChangeKind::kWidened);
    if (!removed.empty()) change(key, "-" + Join(removed), ChangeKind::kNarrowed);
  }
  for (const auto& [key, perms] : sides[0]) {
    if (sides[1].contains(key)) continue;
    if (std::get<2>(key).starts_with("capability")) {
      for (const auto& p : perms) change(key, p, ChangeKind::kRemoved);
    } else {
      change(key, Join(perms), ChangeKind::kRemoved);
    }
  }
  SortChanges(d.changes);
  return d;
}

}  // namespace seclearn
