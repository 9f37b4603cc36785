// Tests' view of which pages this process holds: /proc/self/pagemap's
// "present" bit, for anonymous and file-backed mappings alike (mincore would
// report the page cache for the latter).
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

namespace edgebench::testing {

// How many pages of [p, p + n) are mapped into this process now.
inline size_t resident_pages(const void* p, size_t n) {
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const int fd = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  size_t count = 0;
  const auto begin = reinterpret_cast<uintptr_t>(p) / page;
  const auto end = (reinterpret_cast<uintptr_t>(p) + n + page - 1) / page;
  for (uintptr_t v = begin; v < end; ++v) {
    uint64_t entry = 0;
    if (::pread(fd, &entry, sizeof entry, static_cast<off_t>(v * sizeof entry)) == sizeof entry)
      count += (entry >> 63) & 1;
  }
  ::close(fd);
  return count;
}

}  // namespace edgebench::testing
