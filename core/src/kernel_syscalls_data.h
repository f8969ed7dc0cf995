// The compiled-in kernel syscall tables (generated from data/syscalls/*.tsv by
// core/CMakeLists.txt); read them through core/kernel_syscalls.h.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "seclearn/core/kernel_syscalls.h"

namespace seclearn {

struct KernelTable {
  std::string_view arch;  // the file's name: x86_64, i386, x32, aarch64, arm
  const KernelSyscall* entries;
  size_t size;
};

const std::vector<KernelTable>& KernelTables();

}  // namespace seclearn
