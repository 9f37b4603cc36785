#include "util/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace edgebench {
namespace {

std::string errno_text(int err) {
  return std::generic_category().message(err);
}

// Closes the descriptor on every path out of open(); the mapping outlives it.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::shared_ptr<const MappedFile> MappedFile::open(const std::string& path,
                                                   ErrorCode code_on_failure, bool populate) {
  // O_NONBLOCK: a FIFO must not hang the open; fstat then rejects it.
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (f.fd < 0) fail(code_on_failure, path, "cannot open: " + errno_text(errno));
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) fail(code_on_failure, path, "cannot stat: " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) fail(code_on_failure, path, "cannot open: not a regular file");
  if (st.st_size <= 0) fail(code_on_failure, path, "file is empty");
  const auto size = static_cast<size_t>(st.st_size);
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | (populate ? MAP_POPULATE : 0), f.fd, 0);
  if (p == MAP_FAILED) fail(code_on_failure, path, "cannot map: " + errno_text(errno));
  try {
    // new, not make_shared: the constructor is private.
    return std::shared_ptr<const MappedFile>(
        new MappedFile(path, static_cast<const uint8_t*>(p), size));
  } catch (...) {
    ::munmap(p, size);
    throw;
  }
}

namespace {

struct HeldRange {
  std::shared_ptr<const MappedFile> file;
  uintptr_t begin, end;  // whole pages
  ~HeldRange() {
    // The mapping is private and never written: dropped pages come back from
    // the file unchanged.
    if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
  }
};

}  // namespace

std::shared_ptr<const void> MappedFile::hold_range(std::shared_ptr<const MappedFile> file,
                                                   const uint8_t* p, size_t n) {
  static const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto a = reinterpret_cast<uintptr_t>(p);
  return std::make_shared<const HeldRange>(
      HeldRange{std::move(file), a / page * page, (a + n + page - 1) / page * page});
}

MappedFile::~MappedFile() {
  ::munmap(const_cast<uint8_t*>(data_), size_);
}

}  // namespace edgebench
