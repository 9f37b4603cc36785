#include "backends/cpu/arena_plan.h"

#include <algorithm>
#include <bit>
#include <numeric>

namespace edgebench::cpu {
namespace {

size_t round_up(size_t v, size_t a) {
  return (v + a - 1) / a * a;
}

// Places buffers in `order`, each at the lowest offset where it overlaps no
// placed buffer whose lifetime intersects its own.
ArenaPlan place_in_order(const std::vector<BufferLife>& buffers, const std::vector<size_t>& order,
                         size_t alignment) {
  ArenaPlan plan;
  plan.offsets.assign(buffers.size(), 0);
  struct Placed {
    size_t offset, end;
    int first, last;
  };
  std::vector<Placed> placed;  // kept sorted by offset
  for (size_t id : order) {
    const BufferLife& b = buffers[id];
    const size_t size = round_up(std::max<size_t>(b.bytes, 1), alignment);
    // Lowest gap between live neighbours that fits.
    size_t candidate = 0;
    for (const Placed& p : placed) {
      if (p.last < b.first || p.first > b.last) continue;  // lifetimes disjoint
      if (p.offset >= candidate + size) break;             // the gap before p fits
      candidate = std::max(candidate, p.end);
    }
    plan.offsets[id] = candidate;
    plan.total = std::max(plan.total, candidate + size);
    const Placed entry{candidate, candidate + size, b.first, b.last};
    placed.insert(
        std::upper_bound(placed.begin(), placed.end(), entry,
                         [](const Placed& x, const Placed& y) { return x.offset < y.offset; }),
        entry);
  }
  return plan;
}

}  // namespace

ArenaPlan plan_arena(const std::vector<BufferLife>& buffers, size_t alignment) {
  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return buffers[a].bytes > buffers[b].bytes; });
  ArenaPlan by_size = place_in_order(buffers, order, alignment);
  // Largest first leaves holes where a chain of similar sizes alternates
  // (InceptionV3's first layers: 6.6 MiB for 5.7 MiB ever live at once).
  // Within a power of two of size, the latest-ending first closes them there.
  const auto size_class = [&](size_t i) { return std::bit_width(buffers[i].bytes); };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (size_class(a) != size_class(b)) return size_class(a) > size_class(b);
    return buffers[a].last > buffers[b].last;
  });
  ArenaPlan by_class = place_in_order(buffers, order, alignment);
  return by_class.total < by_size.total ? by_class : by_size;
}

}  // namespace edgebench::cpu
