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
    if (f.capability >= 0 && f.capability <= LastKnownCapability()) {
      set |= CapabilityBit(f.capability);
    } else if (unknown != nullptr) {
      unknown->push_back(CapabilityName(f.capability));  // a newer kernel's, or a corrupt one
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
  std::string line = fmt::format("{:<22} {}", CapabilityName(fact.capability),
                                 fact.evidence.empty() ? "-" : EscapeControl(fact.evidence));
  std::string detail = EscapeControl(fact.syscall);
  if (fact.count > 0) detail += fmt::format("{}{}x", detail.empty() ? "" : ", ", fact.count);
  if (!fact.granted) detail += std::string(detail.empty() ? "" : ", ") + "wanted, refused";
  if (!detail.empty()) line += " (" + detail + ")";
  return line;
}

}  // namespace seclearn
