// Whole-file reads for the small text inputs seclearn takes (profiles, configs, OCI specs).
//
//   auto text = ReadWholeFile(path, "seccomp profile");  // "cannot read seccomp profile P: ..."
#pragma once

#include <string>
#include <string_view>

#include "seclearn/core/result.h"

namespace seclearn {

// The bytes of `path` (read(2) until EOF, EINTR retried). The error names `what` (if given)
// and the path, with errno.
Result<std::string> ReadWholeFile(const std::string& path, std::string_view what = {});

}  // namespace seclearn
