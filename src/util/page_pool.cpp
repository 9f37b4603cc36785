#include "util/page_pool.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <new>

namespace edgebench {
namespace {

// Blocks are cut from chunks of this much address space (only pages written
// count in memory).
constexpr size_t kChunkBytes = size_t{64} << 20;

size_t page_size() {
  static const auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return page;
}

size_t round_up(size_t n, size_t to) {
  return (n + to - 1) / to * to;
}

// One mapping, unmapped when the pool has moved on and its last block is gone.
class Chunk {
 public:
  explicit Chunk(size_t bytes) : bytes_(bytes) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    begin_ = next_ = static_cast<std::byte*>(p);
  }
  ~Chunk() { ::munmap(begin_, bytes_); }
  Chunk(const Chunk&) = delete;
  Chunk& operator=(const Chunk&) = delete;

  // Page-aligned bytes, or nullptr when the chunk is full.
  std::byte* take(size_t bytes) {
    if (static_cast<size_t>(begin_ + bytes_ - next_) < bytes) return nullptr;
    std::byte* p = next_;
    next_ += bytes;
    return p;
  }

 private:
  size_t bytes_;
  std::byte* begin_ = nullptr;
  std::byte* next_ = nullptr;
};

class Block {
 public:
  Block(std::shared_ptr<Chunk> chunk, std::byte* data, size_t bytes)
      : chunk_(std::move(chunk)), data_(data), bytes_(bytes) {}
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;
  ~Block() {
    // Its pages are its own (blocks are page-aligned and whole pages long):
    // back to the kernel now, not when the chunk goes.
    ::madvise(data_, bytes_, MADV_DONTNEED);
  }

 private:
  std::shared_ptr<Chunk> chunk_;
  std::byte* data_;
  size_t bytes_;  // whole pages
};

std::mutex pool_mutex;
std::shared_ptr<Chunk> current;

}  // namespace

PageBlock allocate_pages(size_t size, bool populate) {
  const size_t bytes = round_up(size > 0 ? size : 1, page_size());
  std::shared_ptr<Chunk> chunk;
  std::byte* data = nullptr;
  {
    const std::lock_guard<std::mutex> lock(pool_mutex);
    if (current) data = current->take(bytes);
    if (!data) {
      current = std::make_shared<Chunk>(std::max(bytes, kChunkBytes));
      data = current->take(bytes);
    }
    chunk = current;
  }
  // Older kernels lack MADV_POPULATE_WRITE: their pages fault in on first use.
  if (populate) ::madvise(data, bytes, MADV_POPULATE_WRITE);
  PageBlock b;
  b.data = data;
  b.size = size;
  b.owner = std::make_shared<Block>(std::move(chunk), data, bytes);
  return b;
}

}  // namespace edgebench
