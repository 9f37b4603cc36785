// permute_data against the definition (out[i] = in at the permuted index),
// element by element, for the permutations the importer makes (a batch of 2-D
// transposes) and one it does not, from unaligned bytes too.
#include <gtest/gtest.h>

#include <cstring>
#include <numeric>

#include "importers/onnx/onnx_context.h"

namespace edgebench::onnx_import {
namespace {

std::vector<std::byte> naive_permute(const std::vector<std::byte>& in, size_t es, const Shape& s,
                                     const std::vector<int>& perm) {
  const size_t r = s.size();
  const Shape out = permute(s, perm);
  std::vector<std::byte> o(in.size());
  std::vector<int64_t> idx(r, 0);
  for (int64_t flat = 0; flat < shape_elements(out); ++flat) {
    int64_t rem = flat;
    for (size_t k = r; k-- > 0;) {
      idx[k] = rem % out[k];
      rem /= out[k];
    }
    int64_t src = 0;
    for (size_t a = 0; a < r; ++a) {  // input axis a sits at output position p with perm[p] == a
      const auto p = static_cast<size_t>(std::find(perm.begin(), perm.end(), a) - perm.begin());
      src = src * s[a] + idx[p];
    }
    std::memcpy(o.data() + static_cast<size_t>(flat) * es,
                in.data() + static_cast<size_t>(src) * es, es);
  }
  return o;
}

TEST(PermuteData, MatchesTheDefinition) {
  struct Case {
    Shape s;
    std::vector<int> perm;
  };
  const std::vector<Case> cases = {
      {{5, 3, 3, 7}, {0, 2, 3, 1}},  // OIHW -> OHWI
      {{9, 1, 3, 3}, {1, 2, 3, 0}},  // [M,1,KH,KW] -> [1,KH,KW,M]
      {{2, 4, 3, 5}, {0, 3, 1, 2}},  // NHWC -> NCHW
      {{130, 70}, {1, 0}},           // a matrix, rows longer than a tile
      {{3, 4, 5}, {2, 0, 1}},        // a rotation: one transpose
      {{2, 3, 4, 5}, {0, 2, 1, 3}},  // not a batch of transposes: the general path
      {{2, 3, 4}, {0, 1, 2}},        // identity
  };
  for (size_t es : {size_t{1}, size_t{4}, size_t{8}}) {
    for (const Case& c : cases) {
      const size_t n = static_cast<size_t>(shape_elements(c.s)) * es;
      // One byte ahead, so the source is not aligned to its elements.
      std::vector<std::byte> storage(n + 1);
      for (size_t i = 0; i < storage.size(); ++i) storage[i] = static_cast<std::byte>(i * 131 + 7);
      const std::vector<std::byte> in(storage.begin() + 1, storage.end());
      ConstData d;
      d.ptr = storage.data() + 1;
      d.size = n;
      const ConstData out = permute_data(d, es, c.s, c.perm);
      ASSERT_EQ(out.size, n);
      const std::vector<std::byte> want = naive_permute(in, es, c.s, c.perm);
      EXPECT_EQ(std::memcmp(out.ptr, want.data(), n), 0)
          << "shape " << shape_str(c.s) << " elem " << es;
      EXPECT_EQ(reinterpret_cast<uintptr_t>(out.ptr) % 16, 0u);
    }
  }
}

}  // namespace
}  // namespace edgebench::onnx_import
