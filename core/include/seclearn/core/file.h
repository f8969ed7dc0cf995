// Whole-file reads for the small text inputs seclearn takes (profiles, configs, OCI specs).
//
//   auto text = ReadWholeFile(path, "seccomp profile");  // "cannot read seccomp profile P: ..."
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "seclearn/core/result.h"

namespace seclearn {

// The most ReadWholeFile reads. Docker's default seccomp profile is 20 KB, an exported
// profile with every argument rule well under 1 MB, an AppArmor abstraction a few KB: 16 MiB
// is far beyond any real input and bounds what a hostile one (CI gates read untrusted
// profiles) makes seclearn allocate.
inline constexpr size_t kMaxInputFileBytes = size_t{16} << 20;

// The bytes of `path`, which must be a regular file of at most `max_bytes` (checked while
// reading too, so a file growing under us stops there). A device, FIFO, socket or directory
// is refused without reading it (/dev/zero never ends, a FIFO blocks); it is opened with
// O_NONBLOCK so that opening a FIFO does not block either. The error names `what` (if
// given) and the path: "cannot read seccomp profile /dev/zero: not a regular file (a
// character device)", or errno.
Result<std::string> ReadWholeFile(const std::string& path, std::string_view what = {},
                                  size_t max_bytes = kMaxInputFileBytes);

}  // namespace seclearn
