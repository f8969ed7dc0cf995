// ustar headers (POSIX.1-1988 with the 2001 pax 'x' records): 512-byte blocks, octal fields,
// a checksum over the header with its own field as spaces.
#include "seclearn/core/tar.h"

#include <fmt/format.h>

#include <cstring>

namespace seclearn {
namespace {

constexpr size_t kBlock = 512;

void Octal(char* field, size_t width, uint64_t value) {
  // width - 1 digits and a NUL.
  const std::string s = fmt::format("{:0{}o}", value, width - 1);
  std::memcpy(field, s.data(), width - 1);
  field[width - 1] = '\0';
}

void Pad(std::string* out) {
  const size_t rem = out->size() % kBlock;
  if (rem != 0) out->append(kBlock - rem, '\0');
}

// One pax record: "LEN key=value\n", LEN counting itself.
std::string PaxRecord(std::string_view key, std::string_view value) {
  const size_t body = key.size() + value.size() + 3;  // ' ', '=', '\n'
  size_t len = body + 1;
  while (std::to_string(len).size() + body != len) ++len;
  return fmt::format("{} {}={}\n", len, key, value);
}

void Header(std::string* out, char type, std::string_view name, std::string_view link,
            uint64_t size, const TarMeta& meta) {
  char h[kBlock] = {};
  std::memcpy(h, name.data(), std::min<size_t>(name.size(), 100));
  Octal(h + 100, 8, meta.mode & 07777);
  Octal(h + 108, 8, meta.uid);
  Octal(h + 116, 8, meta.gid);
  Octal(h + 124, 12, size);
  Octal(h + 136, 12, static_cast<uint64_t>(meta.mtime < 0 ? 0 : meta.mtime));
  h[156] = type;
  std::memcpy(h + 157, link.data(), std::min<size_t>(link.size(), 100));
  std::memcpy(h + 257, "ustar", 6);  // magic "ustar\0", version "00"
  std::memcpy(h + 263, "00", 2);
  std::memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  Octal(h + 148, 7, sum);
  h[155] = ' ';
  out->append(h, kBlock);
}

}  // namespace

void TarWriter::Entry(char type, std::string_view name, std::string_view link, uint64_t size,
                      const TarMeta& meta) {
  const bool ascii_short = [&] {
    if (name.size() > 100 || link.size() > 100) return false;
    for (unsigned char c : std::string(name) + std::string(link))
      if (c < 0x20 || c >= 0x7f) return false;
    return true;
  }();
  if (!ascii_short) {
    std::string pax = PaxRecord("path", name);
    if (!link.empty()) pax += PaxRecord("linkpath", link);
    Header(&out_, 'x', "PaxHeaders/entry", "", pax.size(), TarMeta{.mode = 0644});
    out_ += pax;
    Pad(&out_);
  }
  Header(&out_, type, name, link, size, meta);
  ++entries_;
}

void TarWriter::Directory(std::string_view name, const TarMeta& meta) {
  // With the trailing '/' GNU tar writes, for readers that go by the name.
  Entry('5', std::string(name) + "/", "", 0, meta);
}

void TarWriter::Symlink(std::string_view name, std::string_view target, const TarMeta& meta) {
  Entry('2', name, target, 0, meta);
}

void TarWriter::File(std::string_view name, std::string_view content, const TarMeta& meta) {
  Entry('0', name, "", content.size(), meta);
  out_.append(content);
  Pad(&out_);
}

std::string TarWriter::Finish() {
  out_.append(2 * kBlock, '\0');
  std::string done = std::move(out_);
  out_.clear();
  entries_ = 0;
  return done;
}

}  // namespace seclearn
