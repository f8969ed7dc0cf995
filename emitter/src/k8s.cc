#include "seclearn/emitter/k8s.h"

#include <cctype>

#include <fmt/format.h>

#include "seclearn/core/json.h"

namespace seclearn {
namespace {

// A JSON string literal is a YAML double-quoted scalar: quoting everything keeps the document's
// structure independent of the text.
std::string Quote(std::string_view s) { return WriteJson(Json::String(std::string(s)), 0); }

}  // namespace

std::string K8sName(std::string_view app) {
  std::string out;
  for (unsigned char c : app) {
    if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
    else if (c == '.' || c == '-') out += static_cast<char>(c);
    else out += '-';
  }
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.front()))) out.erase(0, 1);
  if (out.size() > 253) out.resize(253);
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out.empty() ? "seclearn-profile" : out;
}

std::string WriteK8sSeccompProfile(const SeccompProfile& p, std::string_view app) {
  std::string y;
  y += "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\n";
  y += "kind: SeccompProfile\n";
  y += "metadata:\n";
  y += fmt::format("  name: {}\n", Quote(K8sName(app)));
  y += "  annotations:\n";
  y += fmt::format("    seclearn.io/app: {}\n", Quote(app));
  for (size_t i = 0; i < p.syscalls.size(); ++i) {
    if (!p.syscalls[i].comment.empty())
      y += fmt::format("    seclearn.io/rule-{}: {}\n", i, Quote(p.syscalls[i].comment));
  }
  y += "spec:\n";
  y += fmt::format("  defaultAction: {}\n", Quote(p.default_action));
  if (p.default_errno_ret) y += fmt::format("  defaultErrnoRet: {}\n", *p.default_errno_ret);
  if (!p.architectures.empty()) {
    y += "  architectures:\n";
    for (const auto& a : p.architectures) y += fmt::format("  - {}\n", Quote(a));
  }
  if (!p.syscalls.empty()) y += "  syscalls:\n";
  for (const auto& r : p.syscalls) {
    y += fmt::format("  - action: {}\n", Quote(r.action));
    if (r.errno_ret) y += fmt::format("    errnoRet: {}\n", *r.errno_ret);
    y += "    names:\n";
    for (const auto& n : r.names) y += fmt::format("    - {}\n", Quote(n));
    if (!r.args.empty()) {
      y += "    args:\n";
      for (const auto& a : r.args) {
        y += fmt::format("    - index: {}\n      value: {}\n", a.index, a.value);
        if (a.value_two != 0) y += fmt::format("      valueTwo: {}\n", a.value_two);
        y += fmt::format("      op: {}\n", Quote(a.op));
      }
    }
  }
  return y;
}

}  // namespace seclearn
