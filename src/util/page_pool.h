// Memory for a model's large, long-lived blocks (weights converted at import,
// weights packed by a backend, a backend's arena), cut from big anonymous
// mappings.
//
// Each block's pages go back to the kernel as soon as its last owner drops it
// (a weight copied into another layout and released is not counted twice;
// the heap would keep such holes), and a block about to be used whole can be
// faulted in with one call instead of a fault per page. Transparent huge
// pages are not asked for: on the VMs we measure on, a fresh 2 MiB page is
// often memory the host has not backed yet, and zeroing it made loads 2-3x
// slower about half the time.
#pragma once

#include <cstddef>
#include <memory>

namespace edgebench {

struct PageBlock {
  std::byte* data = nullptr;  // page-aligned; zeros
  size_t size = 0;
  std::shared_ptr<void> owner;  // keeps the block; releases its pages when the last copy goes
};

// A block of `size` bytes (thread-safe). `populate`: fault its pages in now
// (memory about to be used whole, like an arena).
PageBlock allocate_pages(size_t size, bool populate = false);

// Blocks smaller than this belong on the heap: they would waste most of a page.
inline constexpr size_t kPagePoolMinBytes = size_t{64} << 10;

}  // namespace edgebench
