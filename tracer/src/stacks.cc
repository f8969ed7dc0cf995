#include "seclearn/tracer/stacks.h"

#include <cxxabi.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <gelf.h>
#include <libunwind-ptrace.h>
#include <linux/audit.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "procfs.h"
#include "seclearn/core/arch.h"
#include "seclearn/core/fd.h"
#include "seclearn/core/syscall_table.h"

// libunwind's search of a .eh_frame_hdr table: exported by libunwind-ARCH but declared only
// in its internal headers (perf declares it the same way).
extern "C" int UNW_OBJ(dwarf_search_unwind_table)(unw_addr_space_t as, unw_word_t ip,
                                                  unw_dyn_info_t* di, unw_proc_info_t* pi,
                                                  int need_unwind_info, void* arg);

namespace seclearn {
namespace {

std::string Demangle(const char* name) {
  if (name == nullptr) return {};
  if (name[0] == '_' && name[1] == 'Z') {
    int status = 0;
    char* d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
    if (d != nullptr) {
      std::string out(d);
      std::free(d);
      return out;
    }
  }
  return name;
}

struct Symbol {
  std::string function;
  std::string file;
  int32_t line = 0;
};

// Detached debug files by build-id only (/usr/lib/debug/.build-id/): the standard callbacks
// would also ask a debuginfod server when DEBUGINFOD_URLS is set, a download in the middle of
// a trace.
int FindDebuginfo(Dwfl_Module* mod, void** userdata, const char* modname, Dwarf_Addr base,
                  const char* file_name, const char* debuglink_file, GElf_Word debuglink_crc,
                  char** debuginfo_file_name) {
  return dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file,
                                      debuglink_crc, debuginfo_file_name);
}
int NoElf(Dwfl_Module*, void**, const char*, Dwarf_Addr, char**, Elf**) { return -1; }

// One ELF file, opened once per run. Addresses are ELF virtual addresses: the module is
// reported at base 0 with add_p_vaddr, so libdw's bias is 0 for ET_EXEC and ET_DYN alike.
// Function names come from the file's symbol table, or a detached debug file's. Source lines
// come only from DWARF in the file itself (a -g build): a distribution's detached DWARF
// (libc6-dbg's compressed sections) costs 150 ms of decompression per library per run, more
// than tracing a short program, for lines inside libc that rarely answer "why".
class Module {
 public:
  Module(const std::string& maps_path, Fd fd) : path_(maps_path) {
    static const Dwfl_Callbacks kCallbacks = {
        .find_elf = NoElf,  // every module is reported with its descriptor
        .find_debuginfo = FindDebuginfo,
        .section_address = dwfl_offline_section_address,
        .debuginfo_path = nullptr,
    };
    dwfl_ = dwfl_begin(&kCallbacks);
    if (dwfl_ == nullptr) return;
    // dwfl_report_elf owns the descriptor once it succeeds.
    const int raw = fd.get();
    mod_ = dwfl_report_elf(dwfl_, path_.c_str(), path_.c_str(), raw, 0, true);
    if (mod_ != nullptr) fd.release();
    dwfl_report_end(dwfl_, nullptr, nullptr);
    if (mod_ == nullptr) return;
    GElf_Addr bias = 0;
    Elf* elf = dwfl_module_getelf(mod_, &bias);
    if (elf == nullptr || bias != 0) {
      mod_ = nullptr;
      return;
    }
    size_t phnum = 0;
    if (elf_getphdrnum(elf, &phnum) != 0) phnum = 0;
    for (size_t i = 0; i < phnum; ++i) {
      GElf_Phdr ph;
      if (gelf_getphdr(elf, static_cast<int>(i), &ph) != nullptr && ph.p_type == PT_LOAD)
        loads_.push_back({ph.p_offset, ph.p_filesz, ph.p_vaddr});
    }
    size_t shstrndx = 0;
    if (elf_getshdrstrndx(elf, &shstrndx) == 0) {
      for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) == nullptr || sh.sh_type == SHT_NOBITS) continue;
        const char* name = elf_strptr(elf, shstrndx, sh.sh_name);
        if (name != nullptr &&
            (std::strcmp(name, ".debug_line") == 0 || std::strcmp(name, ".zdebug_line") == 0))
          own_lines_ = true;
      }
    }
    const unsigned char* bits = nullptr;
    GElf_Addr note_vaddr = 0;
    const int len = dwfl_module_build_id(mod_, &bits, &note_vaddr);
    for (int i = 0; i < len; ++i) build_id_ += fmt::format("{:02x}", bits[i]);
  }
  ~Module() {
    if (dwfl_ != nullptr) dwfl_end(dwfl_);
  }
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  bool ok() const { return mod_ != nullptr; }
  const std::string& build_id() const { return build_id_; }

  // The ELF address of file offset `off`; the offset itself if no segment holds it.
  uint64_t VaddrOfFileOffset(uint64_t off) const {
    for (const Load& l : loads_)
      if (off >= l.offset && off < l.offset + l.filesz) return l.vaddr + (off - l.offset);
    return off;
  }

  const Symbol& Symbolize(uint64_t vaddr) {
    auto [it, inserted] = symbols_.try_emplace(vaddr);
    if (!inserted || mod_ == nullptr) return it->second;
    Symbol& s = it->second;
    s.function = FunctionAt(vaddr);
    if (!own_lines_) return s;
    if (Dwfl_Line* line = dwfl_module_getsrc(mod_, vaddr)) {
      int lineno = 0;
      if (const char* src = dwfl_lineinfo(line, nullptr, &lineno, nullptr, nullptr, nullptr)) {
        s.file = src;
        s.line = lineno;
      }
    }
    return s;
  }

  // libdw's own answer for `vaddr` (a scan of the table), for CheckSymbolsAgainstLibdw.
  std::string LibdwFunctionAt(uint64_t vaddr) {
    GElf_Off off = 0;
    GElf_Sym sym;
    const char* name = dwfl_module_addrinfo(mod_, vaddr, &off, &sym, nullptr, nullptr, nullptr);
    return name == nullptr ? std::string() : Bare(name);
  }
  bool InsideFunction(uint64_t vaddr) { return Holding(vaddr).function != nullptr; }
  // The ELF addresses of the executable segments, every `step` bytes.
  std::vector<uint64_t> ExecutableAddresses(uint64_t step) const {
    std::vector<uint64_t> out;
    GElf_Addr bias = 0;
    Elf* elf = mod_ == nullptr ? nullptr : dwfl_module_getelf(mod_, &bias);
    size_t phnum = 0;
    if (elf == nullptr || elf_getphdrnum(elf, &phnum) != 0) return out;
    for (size_t i = 0; i < phnum; ++i) {
      GElf_Phdr ph;
      if (gelf_getphdr(elf, static_cast<int>(i), &ph) == nullptr || ph.p_type != PT_LOAD ||
          !(ph.p_flags & PF_X))
        continue;
      for (uint64_t a = ph.p_vaddr; a < ph.p_vaddr + ph.p_memsz; a += step) out.push_back(a);
    }
    return out;
  }

 private:
  struct Load {
    uint64_t offset, filesz, vaddr;
  };
  struct Function {
    uint64_t start, end;
    const char* name;  // as the table has it (in libelf's string table, alive as long as
                       // dwfl_): made bare and demangled only when an address falls in it
  };

  // dwfl_module_addrinfo scans the whole symbol table on every call: the table is read once
  // into sorted function ranges instead (Python's has ten thousand symbols, and a stack of it
  // a dozen new addresses). Aliases at one address: a global name before a weak or local one.
  // For an address no function holds (most of a stripped binary: static functions have no
  // symbol), libdw's answer is rebuilt from the same read (FunctionAt), so that it costs a
  // lookup rather than a scan per address.
  void LoadFunctions() {
    loaded_ = true;
    const int n = dwfl_module_getsymtab(mod_);
    struct Entry {
      uint64_t start, end;
      int rank;  // 0 global, 1 weak, 2 local
      const char* name;
    };
    std::vector<Entry> entries;
    for (int i = 1; i < n; ++i) {
      GElf_Sym sym;
      GElf_Addr addr = 0;
      GElf_Word shndx = 0;
      const char* name = dwfl_module_getsym_info(mod_, i, &sym, &addr, &shndx, nullptr, nullptr);
      const int type = GELF_ST_TYPE(sym.st_info);
      if (name == nullptr || *name == '\0' || sym.st_shndx == SHN_UNDEF) continue;
      const bool code = type == STT_FUNC || type == STT_GNU_IFUNC;
      if (sym.st_size != 0 && !code &&
          (type == STT_OBJECT || type == STT_TLS || type == STT_COMMON || type == STT_NOTYPE))
        objects_.push_back({addr, addr + sym.st_size, name});
      if (sym.st_size == 0 && type != STT_SECTION && type != STT_FILE && type != STT_TLS &&
          sym.st_shndx != SHN_ABS)
        labels_.push_back({addr, shndx, name});  // a table in hand-written assembly too
      if (sym.st_size == 0 || !code) continue;
      const int bind = GELF_ST_BIND(sym.st_info);
      entries.push_back({addr, addr + sym.st_size,
                         bind == STB_GLOBAL ? 0
                         : bind == STB_WEAK ? 1
                                            : 2,
                         name});
    }
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return a.start != b.start ? a.start < b.start : a.rank < b.rank;
    });
    for (const Entry& e : entries) {
      if (!functions_.empty() && functions_.back().start == e.start) continue;  // an alias
      functions_.push_back({e.start, e.end, e.name});
    }
    auto by_start = [](const auto& a, const auto& b) { return a.start < b.start; };
    std::stable_sort(labels_.begin(), labels_.end(), by_start);  // table order among aliases
    std::sort(objects_.begin(), objects_.end(), by_start);
    GElf_Addr bias = 0;
    if (Elf* elf = dwfl_module_getelf(mod_, &bias); elf != nullptr) {
      for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) != nullptr && (sh.sh_flags & SHF_ALLOC) && sh.sh_size != 0 &&
            sh.sh_type != SHT_NOBITS)
          sections_.push_back({sh.sh_addr, sh.sh_addr + sh.sh_size, elf_ndxscn(scn)});
      }
    }
    std::sort(sections_.begin(), sections_.end(), by_start);
  }

  static std::string Bare(const char* name) {
    // "__libc_start_main@@GLIBC_2.34": the version is the symbol's, not the function's name.
    std::string_view bare(name);
    if (const size_t at = bare.find('@'); at != std::string_view::npos && at > 0)
      bare.remove_suffix(bare.size() - at);
    return Demangle(std::string(bare).c_str());
  }

  // The function that holds `vaddr`, else null and where the gap it falls in starts (the
  // end of the function before it, 0 if none).
  struct Hold {
    const Function* function;
    uint64_t gap_start;
  };
  Hold Holding(uint64_t vaddr) {
    if (!loaded_) LoadFunctions();
    auto it = std::upper_bound(functions_.begin(), functions_.end(), vaddr,
                               [](uint64_t a, const Function& f) { return a < f.start; });
    if (it == functions_.begin()) return {nullptr, 0};
    const Function& before = *std::prev(it);
    return vaddr < before.end ? Hold{&before, 0} : Hold{nullptr, before.end};
  }

  // Outside every function: what dwfl_module_addrinfo answers, without its scan. A sized
  // symbol of another type that holds the address (data in an executable segment), else
  // the nearest label (a symbol without size, as hand-written assembly such as _start and
  // OpenSSL's constant tables in .text have) at or before it, in its section and after the
  // function before it, the last of the table's aliases; else nothing. At address 0 and in
  // padding between sections libdw is asked. CheckSymbolsAgainstLibdw holds the two to each
  // other (tests/live/stacks_test).
  std::string OutsideFunctions(uint64_t vaddr, uint64_t gap_start) {
    auto obj = std::upper_bound(objects_.begin(), objects_.end(), vaddr,
                                [](uint64_t a, const Object& o) { return a < o.start; });
    if (obj != objects_.begin() && vaddr < std::prev(obj)->end) return Bare(std::prev(obj)->name);
    auto sec = std::upper_bound(sections_.begin(), sections_.end(), vaddr,
                                [](uint64_t a, const Section& x) { return a < x.start; });
    if (vaddr == 0 || sec == sections_.begin() || vaddr >= std::prev(sec)->end)
      return LibdwFunctionAt(vaddr);
    auto label = std::upper_bound(labels_.begin(), labels_.end(), vaddr,
                                  [](uint64_t a, const Label& l) { return a < l.start; });
    if (label == labels_.begin()) return {};
    const Label& l = *std::prev(label);
    if (l.start < gap_start || l.shndx != std::prev(sec)->index) return {};
    return Bare(l.name);
  }

  std::string FunctionAt(uint64_t vaddr) {
    const Hold h = Holding(vaddr);
    return h.function != nullptr ? Bare(h.function->name) : OutsideFunctions(vaddr, h.gap_start);
  }

  std::string path_;
  Dwfl* dwfl_ = nullptr;
  Dwfl_Module* mod_ = nullptr;  // owned by dwfl_
  std::vector<Load> loads_;
  bool own_lines_ = false;  // the file itself has DWARF line info (built with -g)
  std::string build_id_;
  std::unordered_map<uint64_t, Symbol> symbols_;
  bool loaded_ = false;
  std::vector<Function> functions_;  // sorted by start, not overlapping at their starts
  struct Label {
    uint64_t start;
    size_t shndx;
    const char* name;  // in libelf's string table, alive as long as dwfl_
  };
  struct Object {
    uint64_t start, end;
    const char* name;
  };
  struct Section {
    uint64_t start, end;
    size_t index;
  };
  std::vector<Label> labels_;      // sorted by start, aliases in table order
  std::vector<Object> objects_;    // sorted by start
  std::vector<Section> sections_;  // allocated, with file contents; sorted by start
};

// A pc as the tracer saw it, before symbolisation: everything that needed the live process
// (its maps, the mapped file, both taken with the snapshot) is settled here, the rest needs
// only the file.
struct RawFrame {
  int module = -1;      // FrameResolver id of the mapped file; -1 anonymous, [vdso] or no mapping
  std::string name;     // the mapping's name in /proc/PID/maps, "" if none
  uint64_t offset = 0;  // module: file offset; otherwise offset in the mapping, or the pc
};

// A mapped file, opened while the process that mapped it still exists.
struct NewModule {
  int id;
  std::string path;
  Fd fd;  // invalid when the file could not be opened
};

// Turns raw frames into symbolised ones. Owns every Module; one thread at a time.
class FrameResolver {
 public:
  void Add(NewModule m) {
    if (static_cast<size_t>(m.id) >= modules_.size())
      modules_.resize(static_cast<size_t>(m.id) + 1);
    if (m.fd.valid())
      modules_[static_cast<size_t>(m.id)] = std::make_unique<Module>(m.path, std::move(m.fd));
  }

  StackFrame Resolve(const RawFrame& r) {
    StackFrame f;
    f.module = r.name;
    f.offset = r.offset;
    if (r.module < 0 || static_cast<size_t>(r.module) >= modules_.size()) return f;
    Module* mod = modules_[static_cast<size_t>(r.module)].get();
    if (mod == nullptr || !mod->ok()) return f;  // no ELF: the file offset stays
    f.build_id = mod->build_id();
    f.offset = mod->VaddrOfFileOffset(r.offset);
    const Symbol& s = mod->Symbolize(f.offset);
    f.function = s.function;
    f.file = s.file;
    f.line = s.line;
    return f;
  }

 private:
  std::vector<std::unique_ptr<Module>> modules_;
};

struct Pc {
  uint64_t pc;
  bool exact;  // interrupted by a signal: pc is the next instruction to run, not a return
};

// The file behind mapping `m` of process `tgid`: through the process's root, so that a
// chrooted or containerised workload's files are the ones opened; map_files when the file was
// replaced or deleted since it was mapped.
Fd OpenMapped(pid_t tgid, const ProcMapping& m) {
  Fd fd(::open(fmt::format("/proc/{}/root{}", tgid, m.path).c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || st.st_ino != m.inode) {
    fd = Fd(::open(fmt::format("/proc/{}/map_files/{:x}-{:x}", tgid, m.start, m.end).c_str(),
                   O_RDONLY | O_CLOEXEC));
  }
  return fd;
}

// The unwind tables of a mapped file, read once per run from the file (not per unwind from
// the task, as _UPT_find_proc_info does: it re-reads /proc/PID/maps and maps the whole ELF
// again for each module of each stack). What libunwind's DWARF search needs of the file's
// .eh_frame_hdr (PT_GNU_EH_FRAME), in ELF addresses; the binary-search table, the FDEs and
// CIEs are then read from the file's segments through the local mapping below, so only the
// stack itself is read from the task.
class EhFrameFile {
 public:
  struct Load {
    uint64_t vaddr, offset, filesz;
  };

  explicit EhFrameFile(Fd fd) {
    struct stat st {};
    if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || st.st_size < 64) return;
    void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (p == MAP_FAILED) return;
    image_ = static_cast<const unsigned char*>(p);
    size_ = static_cast<size_t>(st.st_size);
    ok_ = Parse();
  }
  ~EhFrameFile() {
    if (image_ != nullptr) ::munmap(const_cast<unsigned char*>(image_), size_);
  }
  EhFrameFile(const EhFrameFile&) = delete;
  EhFrameFile& operator=(const EhFrameFile&) = delete;

  bool ok() const { return ok_; }
  const std::vector<Load>& loads() const { return loads_; }
  const unsigned char* image() const { return image_; }

  // The load bias of the file in a process, from the mapping holding `ip`; nullopt if no
  // segment holds it.
  std::optional<uint64_t> Bias(const ProcMapping& m, uint64_t ip) const {
    const uint64_t off = ip - m.start + m.pgoff;
    for (const Load& l : loads_) {
      if (off >= l.offset && off < l.offset + l.filesz)
        return m.start - m.pgoff + l.offset - l.vaddr;
    }
    return std::nullopt;
  }

  // What _UPTi_find_unwind_table would fill in for this file loaded at `bias`.
  unw_dyn_info_t DynInfo(uint64_t bias) const {
    unw_dyn_info_t di{};
    di.start_ip = bias + lo_;
    di.end_ip = bias + hi_;
    di.gp = gp_;
    di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
    di.u.rti.name_ptr = 0;
    di.u.rti.segbase = bias + hdr_vaddr_;
    di.u.rti.table_len = fde_count_ * 8 / sizeof(unw_word_t);  // two 32-bit words per entry
    di.u.rti.table_data = bias + hdr_vaddr_ + table_offset_;
    return di;
  }

 private:
  template <typename T>
  bool Read(uint64_t off, T* out) const {
    if (off > size_ || size_ - off < sizeof(T)) return false;
    std::memcpy(out, image_ + off, sizeof(T));
    return true;
  }

  bool Parse() {
    Elf64_Ehdr eh;
    if (!Read(0, &eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
        eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr))
      return false;
    uint64_t hdr_offset = 0;
    bool have_hdr = false;
    uint64_t dyn_offset = 0, dyn_size = 0;
    lo_ = UINT64_MAX;
    for (uint16_t i = 0; i < eh.e_phnum; ++i) {
      Elf64_Phdr ph;
      if (!Read(eh.e_phoff + uint64_t{i} * sizeof ph, &ph)) return false;
      if (ph.p_type == PT_LOAD) {
        lo_ = std::min<uint64_t>(lo_, ph.p_vaddr);
        hi_ = std::max<uint64_t>(hi_, ph.p_vaddr + ph.p_memsz);
        loads_.push_back({ph.p_vaddr, ph.p_offset, ph.p_filesz});
      } else if (ph.p_type == PT_GNU_EH_FRAME) {
        hdr_offset = ph.p_offset;
        hdr_vaddr_ = ph.p_vaddr;
        have_hdr = true;
      } else if (ph.p_type == PT_DYNAMIC) {
        dyn_offset = ph.p_offset;
        dyn_size = ph.p_filesz;
      }
    }
    if (!have_hdr || loads_.empty()) return false;
    // DT_PLTGOT as the file has it, the "gp" datarel pointers are relative to (libunwind
    // takes it from the file too).
    const uint64_t dyn_end = dyn_offset + dyn_size;
    for (uint64_t off = dyn_offset; off + sizeof(Elf64_Dyn) <= dyn_end; off += sizeof(Elf64_Dyn)) {
      Elf64_Dyn d;
      if (!Read(off, &d) || d.d_tag == DT_NULL) break;
      if (d.d_tag == DT_PLTGOT) {
        gp_ = d.d_un.d_ptr;
        break;
      }
    }
    // version, eh_frame_ptr_enc, fde_count_enc, table_enc; eh_frame_ptr; fde_count; table.
    std::array<uint8_t, 4> head;
    if (!Read(hdr_offset, &head) || head[0] != 1) return false;
    constexpr uint8_t kDatarelSdata4 = 0x30 | 0x0b;  // DW_EH_PE_datarel | DW_EH_PE_sdata4
    if (head[3] != kDatarelSdata4) return false;
    auto width = [](uint8_t enc) -> int {
      switch (enc & 0x0f) {
        case 0x00: return 8;  // absptr
        case 0x02: case 0x0a: return 2;
        case 0x03: case 0x0b: return 4;
        case 0x04: case 0x0c: return 8;
        default: return 0;
      }
    };
    const int ptr_width = width(head[1]);
    const int count_width = width(head[2]);
    // The count must be a plain number (no pc- or data-relative application).
    if (ptr_width == 0 || count_width == 0 || (head[2] & 0x70) != 0) return false;
    const uint64_t count_off = hdr_offset + 4 + static_cast<uint64_t>(ptr_width);
    uint64_t count = 0;
    if (count_width == 2) {
      uint16_t v;
      if (!Read(count_off, &v)) return false;
      count = v;
    } else if (count_width == 4) {
      uint32_t v;
      if (!Read(count_off, &v)) return false;
      count = v;
    } else if (!Read(count_off, &count)) {
      return false;
    }
    table_offset_ = 4 + static_cast<uint64_t>(ptr_width + count_width);
    if (count == 0 || count > size_ / 8) return false;
    fde_count_ = count;
    return true;
  }

  const unsigned char* image_ = nullptr;
  size_t size_ = 0;
  bool ok_ = false;
  std::vector<Load> loads_;
  uint64_t lo_ = 0, hi_ = 0, gp_ = 0, hdr_vaddr_ = 0, table_offset_ = 0, fde_count_ = 0;
};

using FileKey = std::pair<uint64_t, std::string>;  // inode and name in the maps

FileKey KeyOf(const ProcMapping& m) { return {m.inode, m.path}; }
bool IsFile(const ProcMapping& m) { return !m.path.empty() && m.path[0] == '/' && m.inode != 0; }

// The registers the unwinder starts from, read with one ptrace call: each architecture's
// libunwind numbers against its user_regs_struct.
#if defined(__x86_64__)
// libunwind's x86_64 register numbers, in order: the user_regs_struct field of each.
constexpr unsigned long long user_regs_struct::*kRegs[] = {
    &user_regs_struct::rax, &user_regs_struct::rdx, &user_regs_struct::rcx, &user_regs_struct::rbx,
    &user_regs_struct::rsi, &user_regs_struct::rdi, &user_regs_struct::rbp, &user_regs_struct::rsp,
    &user_regs_struct::r8,  &user_regs_struct::r9,  &user_regs_struct::r10, &user_regs_struct::r11,
    &user_regs_struct::r12, &user_regs_struct::r13, &user_regs_struct::r14, &user_regs_struct::r15,
    &user_regs_struct::rip,
};
static_assert(UNW_X86_64_RIP == 16 && UNW_X86_64_RSP == 7 && UNW_X86_64_R15 == 15);
constexpr bool kUnwinds = true;
constexpr int kLastReg = UNW_X86_64_RIP;
// PTRACE_GETREGS: the 64-bit layout whatever mode the task runs in.
bool GetRegs(pid_t tid, user_regs_struct* regs) {
  return ::ptrace(PTRACE_GETREGS, tid, nullptr, regs) == 0;
}
uint64_t RegValue(const user_regs_struct& regs, int reg) { return regs.*kRegs[reg]; }
uint64_t StackPointer(const user_regs_struct& regs) { return regs.rsp; }
uint64_t ProgramCounter(const user_regs_struct& regs) { return regs.rip; }
#elif defined(__aarch64__)
// libunwind's aarch64 numbers: X0-X30 are 0-30, SP 31, PC 32 (user_regs_struct: regs[31],
// sp, pc).
static_assert(UNW_AARCH64_X30 == 30 && UNW_AARCH64_SP == 31 && UNW_AARCH64_PC == 32);
constexpr bool kUnwinds = true;
constexpr int kLastReg = UNW_AARCH64_PC;
bool GetRegs(pid_t tid, user_regs_struct* regs) {
  struct iovec iov = {regs, sizeof *regs};
  return ::ptrace(PTRACE_GETREGSET, tid, reinterpret_cast<void*>(NT_PRSTATUS), &iov) == 0;
}
uint64_t RegValue(const user_regs_struct& regs, int reg) {
  return reg < 31 ? regs.regs[reg] : (reg == 31 ? regs.sp : regs.pc);
}
uint64_t StackPointer(const user_regs_struct& regs) { return regs.sp; }
uint64_t ProgramCounter(const user_regs_struct& regs) { return regs.pc; }
#else
// Elsewhere only the calling instruction is recorded.
constexpr bool kUnwinds = false;
constexpr int kLastReg = -1;
bool GetRegs(pid_t, user_regs_struct*) { return false; }
uint64_t RegValue(const user_regs_struct&, int) { return 0; }
uint64_t StackPointer(const user_regs_struct&) { return 0; }
uint64_t ProgramCounter(const user_regs_struct&) { return 0; }
#endif

// What the tracer copies of a task stopped in a call, so that it can run on at once and the
// stack be unwound and symbolised later on the recorder's worker thread, as perf record
// --call-graph dwarf does: the registers, the top of its stack, the process's executable
// mappings, and a descriptor of each mapped file not handed over before (opened while the
// process exists).
struct Snapshot {
  uint64_t image = 0;   // the process image (a new one at each exec): one address space each
  bool unwind = false;  // native: unwind from the copy; otherwise `pc` alone
  uint64_t pc = 0;
  user_regs_struct regs{};
  uint64_t stack_base = 0;  // the stack pointer at the stop
  std::vector<unsigned char> stack;
  std::shared_ptr<const std::vector<ProcMapping>> maps;
  std::vector<std::pair<ProcMapping, Fd>> files;
  std::vector<StackFact> keys;  // what the stack is recorded for, frames still empty
};

// The bytes of the stack copied at a stop: enough for the deepest stacks of the live suite's
// programs (python3, git, make, sh), 32 frames deep. A stack that runs past it ends there
// (truncated); perf record's default is 8 KiB.
constexpr size_t kStackCopy = 32 * 1024;

// As much of [addr, addr + len) as the task has mapped from addr on, page by page in one call.
std::vector<unsigned char> CopyStack(pid_t tid, uint64_t addr, size_t len) {
  std::vector<unsigned char> out(len);
  std::array<struct iovec, kStackCopy / 4096 + 1> remote;
  size_t n = 0;
  uint64_t a = addr;
  while (a < addr + len && n < remote.size()) {
    const uint64_t page_end = (a | 4095) + 1;
    const uint64_t end = std::min<uint64_t>(page_end, addr + len);
    remote[n++] = {reinterpret_cast<void*>(a), static_cast<size_t>(end - a)};
    a = end;
  }
  struct iovec local = {out.data(), out.size()};
  const ssize_t got = ::process_vm_readv(tid, &local, 1, remote.data(), n, 0);
  out.resize(got > 0 ? static_cast<size_t>(got) : 0);
  return out;
}

// The mapped files handed over by the tracer, by identity, for the whole run: ids for the
// symboliser and the unwind tables. Worker thread only.
class FileTables {
 public:
  // Registers `fd` for `m` unless known; returns the file's id.
  int Add(const ProcMapping& m, Fd fd, std::vector<NewModule>* opened) {
    auto [it, inserted] = files_.try_emplace(KeyOf(m));
    if (!inserted) return it->second.id;
    it->second.id = next_id_++;
    if (fd.valid()) {
      Fd copy(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0));
      auto eh = std::make_unique<EhFrameFile>(std::move(copy));
      if (eh->ok()) it->second.eh = std::move(eh);
    }
    opened->push_back({it->second.id, m.path, std::move(fd)});
    return it->second.id;
  }
  // -1 if the file was never handed over.
  int IdOf(const ProcMapping& m) const {
    const File* f = Find(m);
    return f == nullptr ? -1 : f->id;
  }
  // Null if the file has no usable .eh_frame_hdr.
  const EhFrameFile* Tables(const ProcMapping& m) const {
    const File* f = Find(m);
    return f == nullptr ? nullptr : f->eh.get();
  }

 private:
  struct File {
    int id = -1;
    std::unique_ptr<EhFrameFile> eh;
  };
  const File* Find(const ProcMapping& m) const {
    auto it = files_.find(KeyOf(m));
    return it == files_.end() ? nullptr : &it->second;
  }
  std::map<FileKey, File> files_;
  int next_id_ = 0;
};

// What libunwind reads while it unwinds a snapshot: the registers and the stack as copied,
// and the files' segments (the .eh_frame_hdr search table, FDEs, CIEs, code) from the local
// mappings of the files. Nothing is read from the task, which has run on. The
// accessors find the unwind in progress through g_unwind (one per thread).
struct UnwindContext {
  const Snapshot* snap = nullptr;
  const FileTables* files = nullptr;
  // The file segments of the modules found so far, in the task's addresses.
  struct Segment {
    uint64_t lo, hi;
    const unsigned char* bytes;  // at lo
  };
  std::vector<Segment> segments;

  // Writable segments too: an FDE's CIE may name its personality routine indirectly, through
  // the GOT (glibc's, built with -fexceptions), and libunwind reads that pointer though it
  // never calls it. The file holds the GOT before relocation, which is all it needs.
  void AddSegments(const EhFrameFile& f, uint64_t bias) {
    for (const EhFrameFile::Load& l : f.loads()) {
      if (l.filesz == 0) continue;
      const uint64_t lo = bias + l.vaddr;
      bool known = false;
      for (const Segment& s : segments) known = known || s.lo == lo;
      if (!known) segments.push_back({lo, lo + l.filesz, f.image() + l.offset});
    }
  }
};

thread_local UnwindContext* g_unwind = nullptr;

int AccessMem(unw_addr_space_t, unw_word_t addr, unw_word_t* val, int write, void*) {
  const UnwindContext* ctx = g_unwind;
  if (write) return -UNW_EINVAL;
  for (const UnwindContext::Segment& s : ctx->segments) {
    if (addr >= s.lo && addr < s.hi && s.hi - addr >= sizeof *val) {
      std::memcpy(val, s.bytes + (addr - s.lo), sizeof *val);
      return 0;
    }
  }
  const Snapshot& snap = *ctx->snap;
  if (addr >= snap.stack_base && addr - snap.stack_base + sizeof *val <= snap.stack.size()) {
    std::memcpy(val, snap.stack.data() + (addr - snap.stack_base), sizeof *val);
    return 0;
  }
  return -UNW_EINVAL;
}

int AccessReg(unw_addr_space_t, unw_regnum_t reg, unw_word_t* val, int write, void*) {
  if (write || reg < 0 || reg > kLastReg) return -UNW_EBADREG;
  *val = RegValue(g_unwind->snap->regs, reg);
  return 0;
}

int FindProcInfo(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t* pi, int need, void*) {
  UnwindContext* ctx = g_unwind;
  const ProcMapping* m = FindProcMapping(*ctx->snap->maps, ip);
  if (m == nullptr) return -UNW_ENOINFO;
  const EhFrameFile* f = ctx->files->Tables(*m);
  if (f == nullptr) return -UNW_ENOINFO;
  const auto bias = f->Bias(*m, ip);
  if (!bias) return -UNW_ENOINFO;
  ctx->AddSegments(*f, *bias);
  unw_dyn_info_t di = f->DynInfo(*bias);
  return UNW_OBJ(dwarf_search_unwind_table)(as, ip, &di, pi, need, nullptr);
}
void PutUnwindInfo(unw_addr_space_t, unw_proc_info_t*, void*) {}
int GetDynInfoListAddr(unw_addr_space_t, unw_word_t*, void*) { return -UNW_ENOINFO; }
int AccessFpreg(unw_addr_space_t, unw_regnum_t, unw_fpreg_t*, int, void*) {
  return -UNW_EBADREG;
}
int Resume(unw_addr_space_t, unw_cursor_t*, void*) { return -UNW_EINVAL; }
int GetProcName(unw_addr_space_t, unw_word_t, char*, size_t, unw_word_t*, void*) {
  return -UNW_ENOINFO;
}

unw_accessors_t kAccessors = {
    .find_proc_info = FindProcInfo,
    .put_unwind_info = PutUnwindInfo,
    .get_dyn_info_list_addr = GetDynInfoListAddr,
    .access_mem = AccessMem,
    .access_reg = AccessReg,
    .access_fpreg = AccessFpreg,
    .resume = Resume,
    .get_proc_name = GetProcName,
};

struct AddrSpace {
  unw_addr_space_t as = nullptr;
  explicit AddrSpace(unw_accessors_t* accessors = &kAccessors) {
    as = unw_create_addr_space(accessors, 0);
    // Unwind rules cached per address for the life of the process image: the stacks of one
    // process share most of their callers.
    if (as != nullptr) unw_set_caching_policy(as, UNW_CACHE_GLOBAL);
  }
  ~AddrSpace() {
    if (as != nullptr) unw_destroy_addr_space(as);
  }
  AddrSpace(const AddrSpace&) = delete;
  AddrSpace& operator=(const AddrSpace&) = delete;
};

// The pcs of `cursor`'s stack, innermost first.
std::vector<Pc> Walk(unw_cursor_t* cursor, bool* truncated) {
  std::vector<Pc> pcs;
  *truncated = false;
  bool exact = false;
  while (true) {
    unw_word_t ip = 0;
    if (unw_get_reg(cursor, UNW_REG_IP, &ip) != 0 || ip == 0) break;
    if (pcs.size() == kMaxFrames) {
      *truncated = true;
      break;
    }
    pcs.push_back({ip, exact});
    exact = unw_is_signal_frame(cursor) > 0;
    if (unw_step(cursor) <= 0) break;
  }
  return pcs;
}

// The pcs of a snapshot's stack, innermost first.
std::vector<Pc> Unwind(unw_addr_space_t as, const Snapshot& snap, const FileTables& files,
                       bool* truncated) {
  UnwindContext ctx;
  ctx.snap = &snap;
  ctx.files = &files;
  g_unwind = &ctx;
  unw_cursor_t cursor;
  std::vector<Pc> pcs;
  if (unw_init_remote(&cursor, as, nullptr) == 0) pcs = Walk(&cursor, truncated);
  g_unwind = nullptr;
  return pcs;
}

// The pcs of the stopped task `tid`, unwound live by libunwind-ptrace alone (the test hook's
// reference).
std::vector<Pc> UnwindLive(pid_t tid, bool* truncated) {
  std::vector<Pc> pcs;
  AddrSpace space(&_UPT_accessors);
  void* upt = _UPT_create(tid);
  if (space.as == nullptr || upt == nullptr) return pcs;
  unw_cursor_t cursor;
  if (unw_init_remote(&cursor, space.as, upt) == 0) pcs = Walk(&cursor, truncated);
  _UPT_destroy(upt);
  return pcs;
}

// Raw frames for `pcs` against the process's executable mappings at the stop.
std::vector<RawFrame> RawFrames(const std::vector<Pc>& pcs, const std::vector<ProcMapping>& maps,
                                const FileTables& files) {
  std::vector<RawFrame> out;
  out.reserve(pcs.size());
  for (const Pc& pc : pcs) {
    // A return address (and the innermost pc, just after the syscall instruction) belongs to
    // the instruction before it.
    const uint64_t lookup = pc.pc > 0 && !pc.exact ? pc.pc - 1 : pc.pc;
    RawFrame& r = out.emplace_back();
    const ProcMapping* m = FindProcMapping(maps, lookup);
    if (m == nullptr) {
      r.offset = lookup;
      continue;
    }
    r.name = m->path;
    if (!IsFile(*m)) {
      r.offset = lookup - m->start;  // [vdso], anonymous code
      continue;
    }
    r.offset = lookup - m->start + m->pgoff;
    r.module = files.IdOf(*m);
  }
  return out;
}

// Unwinds and symbolises snapshots. Owns the libunwind address spaces, the unwind tables and
// the symboliser; used by one thread at a time (the worker, or a test hook's caller).
class StackWorker {
 public:
  // The pcs of `snap`, innermost first, its files registered first.
  std::vector<Pc> Pcs(Snapshot& snap, bool* truncated) {
    std::vector<NewModule> opened;
    for (auto& [m, fd] : snap.files) files_.Add(m, std::move(fd), &opened);
    snap.files.clear();
    for (NewModule& m : opened) resolver_.Add(std::move(m));
    std::vector<Pc> pcs;
    *truncated = true;
    if (snap.unwind) {
      auto& space = spaces_[snap.image];
      if (!space) space = std::make_unique<AddrSpace>();
      if (space->as != nullptr) pcs = Unwind(space->as, snap, files_, truncated);
    } else {
      // A compat call: the unwinder follows the tracer's ABI; only the caller's pc is sure.
      pcs.push_back({snap.pc, false});
    }
    return pcs;
  }
  // The frames of `snap`, symbolised; empty if nothing could be unwound.
  std::vector<StackFrame> Frames(Snapshot& snap, bool* truncated) {
    const std::vector<Pc> pcs = Pcs(snap, truncated);
    std::vector<StackFrame> frames;
    if (pcs.empty() || snap.maps == nullptr) return frames;
    frames.reserve(pcs.size());
    for (const RawFrame& r : RawFrames(pcs, *snap.maps, files_))
      frames.push_back(resolver_.Resolve(r));
    return frames;
  }
  // The image is gone (exec or exit): its cached unwind rules go too.
  void Forget(uint64_t image) { spaces_.erase(image); }

 private:
  FileTables files_;
  FrameResolver resolver_;
  std::unordered_map<uint64_t, std::unique_ptr<AddrSpace>> spaces_;
};

// The recorder's worker thread: snapshots in (bounded: the tracer waits when kMaxQueued are
// waiting), stack facts out, collected by the tracer's thread (Drain, at each tick). Started
// at the first snapshot, with every signal blocked: the run's signals (SIGALRM ticks, SIGINT,
// SIGCHLD) stay with the tracer's thread.
class StackThread {
 public:
  static constexpr size_t kMaxQueued = 64;

  ~StackThread() { Stop(); }

  void Push(std::unique_ptr<Snapshot> snap) {
    Start();
    std::unique_lock lock(mu_);
    space_.wait(lock, [&] { return in_.size() < kMaxQueued; });
    in_.push_back({std::move(snap), 0});
    work_.notify_one();
  }
  void Forget(uint64_t image) {
    if (!started_) return;
    std::lock_guard lock(mu_);
    in_.push_back({nullptr, image});
  }
  // The facts unwound so far.
  std::vector<StackFact> Take() {
    std::lock_guard lock(mu_);
    return std::exchange(out_, {});
  }
  // Waits until every snapshot pushed is unwound, then ends the thread.
  void Stop() {
    if (!started_) return;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      work_.notify_one();
    }
    thread_.join();
    started_ = false;
  }

 private:
  struct Item {
    std::unique_ptr<Snapshot> snap;  // null: forget `image`
    uint64_t image;
  };

  void Start() {
    if (started_) return;
    sigset_t all, old;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    thread_ = std::thread([this] { Loop(); });
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    started_ = true;
  }

  void Loop() {
    std::unique_lock lock(mu_);
    while (true) {
      work_.wait(lock, [&] { return !in_.empty() || stopping_; });
      if (in_.empty()) break;  // stopping, and nothing left
      Item item = std::move(in_.front());
      in_.pop_front();
      space_.notify_one();
      lock.unlock();
      std::vector<StackFact> facts;
      if (item.snap == nullptr) {
        worker_.Forget(item.image);
      } else {
        bool truncated = false;
        std::vector<StackFrame> frames = worker_.Frames(*item.snap, &truncated);
        if (!frames.empty()) {
          for (StackFact& st : item.snap->keys) {
            st.frames = frames;
            st.truncated = truncated;
            facts.push_back(std::move(st));
          }
        }
      }
      lock.lock();
      for (StackFact& st : facts) out_.push_back(std::move(st));
    }
  }

  StackWorker worker_;  // the thread's alone
  std::thread thread_;
  bool started_ = false;  // tracer's thread only
  std::mutex mu_;
  std::condition_variable work_, space_;
  std::deque<Item> in_;
  std::vector<StackFact> out_;
  bool stopping_ = false;
};

static_assert(MAP_FIXED == 0x10);  // StackRecorder::ReplacesMappings

uint64_t SyscallKey(uint32_t arch, int32_t nr) {
  return (uint64_t{arch} << 32) | static_cast<uint32_t>(nr);
}

// The snapshot of task `tid` of process `tgid`, stopped in a call of the build's architecture
// (`native`) or another (`pc`: its calling instruction): null if the task is gone. `maps` is
// the process's cached list of executable mappings, read again when empty or when the
// task's pc is outside it; `handed` the files already handed to the worker.
std::unique_ptr<Snapshot> TakeSnapshot(pid_t tgid, pid_t tid, bool native, uint64_t pc,
                                       std::shared_ptr<const std::vector<ProcMapping>>& maps,
                                       std::set<FileKey>& handed) {
  auto snap = std::make_unique<Snapshot>();
  snap->pc = pc;
  if (native && kUnwinds) {
    if (!GetRegs(tid, &snap->regs)) return nullptr;
    snap->unwind = true;
    snap->pc = ProgramCounter(snap->regs);
    snap->stack_base = StackPointer(snap->regs);
    snap->stack = CopyStack(tid, snap->stack_base, kStackCopy);
  }
  if (maps == nullptr || FindProcMapping(*maps, snap->pc) == nullptr) {
    auto fresh = std::make_shared<std::vector<ProcMapping>>(ReadProcMaps(tid, true));
    if (fresh->empty()) return nullptr;
    maps = std::move(fresh);
  }
  snap->maps = maps;
  for (const ProcMapping& m : *maps) {
    if (IsFile(m) && handed.insert(KeyOf(m)).second)
      snap->files.emplace_back(m, OpenMapped(tgid, m));
  }
  return snap;
}

}  // namespace

SymbolCheck CheckSymbolsAgainstLibdw(const std::string& path, uint64_t step) {
  SymbolCheck check;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return check;
  Module mod(path, std::move(fd));
  if (!mod.ok()) return check;
  check.opened = true;
  for (uint64_t a : mod.ExecutableAddresses(std::max<uint64_t>(step, 1))) {
    ++check.addresses;
    if (mod.InsideFunction(a)) continue;
    ++check.outside_functions;
    std::string ours = mod.Symbolize(a).function;
    std::string libdw = mod.LibdwFunctionAt(a);
    if (!libdw.empty()) ++check.named_by_libdw;
    if (ours != libdw && check.mismatches.size() < 10)
      check.mismatches.push_back(fmt::format("{:#x}: '{}', libdw '{}'", a, ours, libdw));
  }
  return check;
}

UnwindCheck CheckUnwindAgainstLibunwindPtrace(pid_t tgid, pid_t tid) {
  UnwindCheck check;
  std::shared_ptr<const std::vector<ProcMapping>> maps;
  std::set<FileKey> handed;
  auto snap = TakeSnapshot(tgid, tid, /*native=*/true, 0, maps, handed);
  if (snap == nullptr) return check;
  bool truncated = false;
  const std::vector<Pc> theirs = UnwindLive(tid, &truncated);
  StackWorker worker;
  const std::vector<Pc> ours = worker.Pcs(*snap, &truncated);
  check.frames = ours.size();
  check.upt_frames = theirs.size();
  for (size_t i = 0; i < std::max(ours.size(), theirs.size()) && check.mismatches.size() < 10;
       ++i) {
    const uint64_t x = i < ours.size() ? ours[i].pc : 0;
    const uint64_t y = i < theirs.size() ? theirs[i].pc : 0;
    if (x == y) continue;
    const ProcMapping* m = FindProcMapping(*snap->maps, y);
    check.mismatches.push_back(fmt::format("frame {}: {:#x}, libunwind-ptrace {:#x} ({})", i, x,
                                           y, m != nullptr ? m->path : "?"));
  }
  return check;
}

std::optional<StackMode> ParseStackMode(std::string_view text) {
  if (text == "first") return StackMode::kFirst;
  if (text == "none") return StackMode::kNone;
  return std::nullopt;
}

uint32_t RequestedAccess(const SyscallEvent& ev, int which) {
  const SyscallInfo* si = LookupSyscall(ev.arch, ev.nr);
  if (si == nullptr) return 0;
  const int8_t arg = which == 0 ? si->path_args.first : si->path_args.second;
  if (arg < 0) return 0;
  const PathAccess access =
      seclearn::RequestedAccess(*si, ev.args.data(), ev.openat2_flags, ev.resolved);
  return which == 0 ? access.first : access.second;
}

struct StackRecorder::Impl {
  struct Exe {
    std::string path;
    std::bitset<kDenseNr> native_seen;  // native numbers: the hot path is one bit test
    std::unordered_set<uint64_t> other_seen;
    std::unordered_map<std::string, std::vector<uint32_t>> paths_seen;  // accesses per path
    std::unordered_map<uint32_t, size_t> path_stacks;  // per access: stacks captured

    // A key now has its stack (this run's or an earlier run's).
    void MarkSyscall(uint32_t native, uint32_t arch, int32_t nr) {
      if (arch == native && nr >= 0 && nr < kDenseNr)
        native_seen.set(static_cast<size_t>(nr));
      else
        other_seen.insert(SyscallKey(arch, nr));
    }
    void MarkPath(const std::string& name, uint32_t access) {
      paths_seen[name].push_back(access);
      ++path_stacks[access];
    }
  };
  struct Proc {
    int exe = -1;
    uint64_t image = 0;     // this process image's number, for the worker's address spaces
    bool captured = false;  // the worker holds an address space for the image
    // Executable mappings, cached between captures (shared with the snapshots taken).
    std::shared_ptr<const std::vector<ProcMapping>> maps;
  };

  Proc& ProcOf(pid_t tgid) {
    if (last_proc != nullptr && last_pid == tgid) return *last_proc;
    Proc& p = procs[tgid];
    if (p.exe < 0) {
      p.exe = ExeId(tgid);
      p.image = ++images;
    }
    last_pid = tgid;
    last_proc = &p;
    return p;
  }
  int ExeId(pid_t tgid) { return ExeIdOf(ProcLink(tgid, "exe")); }
  int ExeIdOf(std::string path) {
    auto [it, inserted] = exe_ids.try_emplace(path, static_cast<int>(exes.size()));
    if (inserted) exes.emplace_back().path = std::move(path);
    return it->second;
  }
  void Forget(pid_t tgid) {
    if (auto it = procs.find(tgid); it != procs.end()) {
      if (it->second.captured) thread.Forget(it->second.image);
      procs.erase(it);
    }
    last_proc = nullptr;
  }

  std::unordered_map<pid_t, Proc> procs;
  pid_t last_pid = 0;
  Proc* last_proc = nullptr;
  uint64_t images = 0;
  std::deque<Exe> exes;  // stable addresses: StackRecorder::last_seen_ points into one
  std::unordered_map<std::string, int> exe_ids;
  std::set<FileKey> handed;  // files whose descriptor the worker has
  StackThread thread;
};

StackRecorder::StackRecorder()
    : impl_(std::make_unique<Impl>()),
      native_(NativeAuditArch()),
      mmap_(SyscallNumber(native_, "mmap").value_or(-1)),
      munmap_(SyscallNumber(native_, "munmap").value_or(-1)),
      mremap_(SyscallNumber(native_, "mremap").value_or(-1)) {}
StackRecorder::~StackRecorder() = default;

void StackRecorder::Drain(EventSink& sink) {
  for (const StackFact& st : impl_->thread.Take()) sink.OnStack(st);
}

void StackRecorder::Finish(EventSink& sink) {
  impl_->thread.Stop();
  Drain(sink);
}

void StackRecorder::Record(const SyscallEvent& ev) {
  Impl& s = *impl_;
  Impl::Proc& p = s.ProcOf(ev.pid);
  Impl::Exe& exe = s.exes[static_cast<size_t>(p.exe)];
  last_pid_ = ev.pid;
  last_seen_ = &exe.native_seen;
  if (ev.arch == native_ && ReplacesMappings(ev)) p.maps.reset();

  const bool dense = ev.arch == native_ && ev.nr >= 0 && ev.nr < kDenseNr;
  const bool new_syscall = dense ? !exe.native_seen.test(static_cast<size_t>(ev.nr))
                                 : !exe.other_seen.count(SyscallKey(ev.arch, ev.nr));
  // Path keys: only calls that name a path (not those on a descriptor).
  const std::string* paths[2] = {nullptr, nullptr};
  uint32_t accesses[2] = {0, 0};
  bool any_path = false;
  for (int which = 0; which < 2; ++which) {
    const std::string& raw = which == 0 ? ev.path : ev.path2;
    if (raw.empty()) continue;
    const std::string& abs = which == 0 ? ev.abs_path : ev.abs_path2;
    const std::string& path = abs.empty() ? raw : abs;
    const uint32_t access = RequestedAccess(ev, which);
    if (exe.path_stacks[access] >= kMaxPathStacksPerAccess) continue;
    auto it = exe.paths_seen.find(path);
    if (it != exe.paths_seen.end() &&
        std::find(it->second.begin(), it->second.end(), access) != it->second.end())
      continue;
    paths[which] = &path;
    accesses[which] = access;
    any_path = true;
  }
  if (!new_syscall && !any_path) return;

  // A task that cannot be read now (gone) leaves its keys unseen for its next call.
  auto snap = TakeSnapshot(ev.pid, ev.tid, ev.arch == native_, ev.ip, p.maps, s.handed);
  if (snap == nullptr) return;
  snap->image = p.image;
  p.captured = true;
  StackFact st;
  st.executable = exe.path;
  st.arch = ev.arch;
  st.nr = ev.nr;
  st.pid = ev.pid;
  st.tid = ev.tid;
  st.time_ns = ev.time_ns;
  if (new_syscall) {
    exe.MarkSyscall(native_, ev.arch, ev.nr);
    snap->keys.push_back(st);
  }
  for (int which = 0; which < 2; ++which) {
    if (paths[which] == nullptr) continue;
    st.kind = StackKind::kPath;
    st.path = *paths[which];
    st.access = accesses[which];
    exe.MarkPath(st.path, st.access);
    snap->keys.push_back(st);
  }
  s.thread.Push(std::move(snap));
}

void StackRecorder::Known(const std::vector<StackFact>& keys) {
  Impl& s = *impl_;
  for (const StackFact& k : keys) {
    Impl::Exe& exe = s.exes[static_cast<size_t>(s.ExeIdOf(k.executable))];
    if (k.kind == StackKind::kSyscall) {
      exe.MarkSyscall(native_, k.arch, k.nr);
      continue;
    }
    const auto it = exe.paths_seen.find(k.path);
    if (it == exe.paths_seen.end() ||
        std::find(it->second.begin(), it->second.end(), k.access) == it->second.end())
      exe.MarkPath(k.path, k.access);
  }
}

void StackRecorder::OnExec(pid_t tgid, pid_t former_tid) {
  Impl& s = *impl_;
  started_ = true;
  // The image is new: cached unwind rules and the executable no longer apply.
  s.Forget(tgid);
  if (former_tid != tgid) s.Forget(former_tid);
  last_pid_ = 0;
  last_seen_ = nullptr;
}

void StackRecorder::OnExit(pid_t tid, pid_t tgid) {
  // The leader's exit is reported last (after its threads'), so the process is gone and its
  // pid may come back as another program.
  if (tid != tgid) return;
  impl_->Forget(tgid);
  if (tgid == last_pid_) {
    last_pid_ = 0;
    last_seen_ = nullptr;
  }
}

}  // namespace seclearn
