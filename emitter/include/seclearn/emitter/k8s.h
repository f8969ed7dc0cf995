// Kubernetes resources for the Security Profiles Operator: a SeccompProfile from a seccomp
// profile. SPO serves SeccompProfile as security-profiles-operator.x-k8s.io/v1beta1; its
// syscall entries take action, names, errnoRet and args (no comment: comments go into the
// metadata annotations). Output is YAML (every string double-quoted, JSON-escaped: valid
// YAML whatever the bytes).
//
//   std::string yaml = WriteK8sSeccompProfile(profile, "web");
//
// And an AppArmorProfile from an AppArmor export. SPO removed spec.policy (the full profile
// text) in v0.9.0; since then it serves only spec.abstract, from which its daemon writes the
// profile itself with a fixed template (abstractions/base, `PATH r,` + `deny PATH wlk,` for
// readOnlyPaths, `PATH wlk,` + `deny PATH r,` for writeOnlyPaths, `PATH rwlk,` for
// readWritePaths, `PATH ixr,` for allowedExecutables, `PATH mr,` for allowedLibraries,
// `network tcp|udp|raw,`, `capability NAME,`, docker-default-like denials). The resource is
// security-profiles-operator.x-k8s.io/v1alpha1, cluster-scoped: v1alpha1 is served by SPO
// v0.9 and v1.0 alike with this schema (1.0 stores it as v1). SPO rejects paths with
// anything but letters, digits and _ . / * ? + @ { } - and space; the template writes them
// unquoted. So each path is rewritten to that set: a byte it cannot hold (a quote, newline,
// comma, space, an escaped brace, a non-ASCII byte) becomes '?', a class [..] becomes '?',
// an alternation {a,b} becomes one path per branch; such paths match a little more than
// the profile's own rule, and each is reported.
//
//   std::vector<std::string> notes;
//   std::string yaml = WriteK8sAppArmorProfile(exp->profile, "web", &notes);
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "seclearn/emitter/apparmor.h"
#include "seclearn/core/seccomp_profile.h"

namespace seclearn {

// A Kubernetes object name (RFC 1123 subdomain) from an app name: lowercase, '_' -> '-',
// trimmed to 253 characters.
std::string K8sName(std::string_view app);

std::string WriteK8sSeccompProfile(const SeccompProfile& profile, std::string_view app);

// `notes` gets one line per rule made wider or left out (SPO cannot express it).
std::string WriteK8sAppArmorProfile(const AaProfile& profile, std::string_view app,
                                    std::vector<std::string>* notes);

// An AppArmor path expression (AaPathExpr text or token) as the paths SPO accepts (above).
std::vector<std::string> SpoPaths(std::string_view token);

}  // namespace seclearn
