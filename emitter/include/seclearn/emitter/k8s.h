// Kubernetes resources for the Security Profiles Operator: a SeccompProfile from a seccomp
// profile. SPO serves SeccompProfile as security-profiles-operator.x-k8s.io/v1beta1; its
// syscall entries take action, names, errnoRet and args (no comment: comments go into the
// metadata annotations). Output is YAML (every string double-quoted, JSON-escaped: valid
// YAML whatever the bytes).
//
//   std::string yaml = WriteK8sSeccompProfile(profile, "web");
#pragma once

#include <string>
#include <string_view>

#include "seclearn/emitter/seccomp_profile.h"

namespace seclearn {

// A Kubernetes object name (RFC 1123 subdomain) from an app name: lowercase, '_' -> '-',
// trimmed to 253 characters.
std::string K8sName(std::string_view app);

std::string WriteK8sSeccompProfile(const SeccompProfile& profile, std::string_view app);

}  // namespace seclearn
