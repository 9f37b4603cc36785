// Liveness-based placement of a model's temporary buffers in one arena
// (TFLite's "greedy by size" planner): buffers are placed largest first, each
// at the lowest offset where it overlaps no already-placed buffer whose
// lifetime intersects its own; a second order (by power-of-two size class,
// then latest-ending first) is tried too, and the smaller arena kept.
// Computed once at compile time.
#pragma once

#include <cstddef>
#include <vector>

namespace edgebench::cpu {

struct BufferLife {
  size_t bytes = 0;
  int first = 0;  // first step that touches the buffer
  int last = 0;   // last step that touches it (inclusive)
};

struct ArenaPlan {
  std::vector<size_t> offsets;  // per buffer, multiples of `alignment`
  size_t total = 0;             // arena bytes
};

ArenaPlan plan_arena(const std::vector<BufferLife>& buffers, size_t alignment = 64);

}  // namespace edgebench::cpu
