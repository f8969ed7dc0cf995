#include "seclearn/emitter/capabilities.h"

#include <array>

#include <fmt/format.h>

#include "seclearn/core/escape.h"

namespace seclearn {

CapabilitySet ExercisedCapabilities(const std::vector<CapabilityFact>& facts,
                                    std::vector<std::string>* unknown) {
  CapabilitySet set = 0;
  for (const auto& f : facts) {
    if (!f.granted) continue;
    if (const auto cap = CapabilityNumber(f.capability)) {
      set |= CapabilityBit(*cap);
    } else if (unknown != nullptr) {
      unknown->push_back(EscapeControl(f.capability));
    }
  }
  return set;
}

std::vector<std::string> DockerCapabilityFlags(CapabilitySet set) {
  std::vector<std::string> out = {"--cap-drop=ALL"};
  for (const auto& name : CapabilityNames(set)) out.push_back("--cap-add=" + name);
  return out;
}

Json OciCapabilities(CapabilitySet set, bool ambient) {
  const auto list = [&](bool filled) {
    Json a = Json::Array();
    if (filled)
      for (const auto& name : CapabilityNames(set)) a.Push(Json::String(name));
    return a;
  };
  return Json::Object()
      .Set("bounding", list(true))
      .Set("effective", list(true))
      .Set("permitted", list(true))
      .Set("inheritable", list(ambient))
      .Set("ambient", list(ambient));
}

std::string FormatCapabilityEvidence(const CapabilityFact& fact) {
  std::string line = fmt::format("{:<22} {}", EscapeControl(fact.capability),
                                 fact.evidence.empty() ? "-" : EscapeControl(fact.evidence));
  std::string detail = EscapeControl(fact.syscall);
  if (fact.count > 0) detail += fmt::format("{}{}x", detail.empty() ? "" : ", ", fact.count);
  if (!fact.granted) detail += std::string(detail.empty() ? "" : ", ") + "wanted, refused";
  if (!detail.empty()) line += " (" + detail + ")";
  return line;
}

}  // namespace seclearn
