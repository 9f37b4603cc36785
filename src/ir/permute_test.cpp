// permute_bytes against the definition (out[i] = in at the permuted index),
// element by element, for the permutations importers make (a batch of 2-D
// transposes) and one they do not, from unaligned bytes too; and a deferred
// constant (ConstData::permuted), made only when read.
#include "ir/permute.h"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>

#include "util/error.h"
#include "util/load_phases.h"

namespace edgebench {
namespace {

std::vector<std::byte> naive_permute(const std::vector<std::byte>& in, size_t es, const Shape& s,
                                     const std::vector<int>& perm) {
  const size_t r = s.size();
  const Shape out = permute_shape(s, perm);
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

TEST(PermuteBytes, MatchesTheDefinition) {
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
      {{6, 5, 1, 1}, {0, 2, 3, 1}},  // a 1x1 filter's OIHW -> OHWI: the bytes stay
  };
  for (size_t es : {size_t{1}, size_t{2}, size_t{4}, size_t{8}}) {
    for (const Case& c : cases) {
      const size_t n = static_cast<size_t>(shape_elements(c.s)) * es;
      // One byte ahead, so the source is not aligned to its elements.
      std::vector<std::byte> storage(n + 1);
      for (size_t i = 0; i < storage.size(); ++i) storage[i] = static_cast<std::byte>(i * 131 + 7);
      const std::vector<std::byte> in(storage.begin() + 1, storage.end());
      const ConstData d(storage.data() + 1, n, nullptr);
      const ConstData out = ConstData::permuted(d, es, c.s, c.perm);
      ASSERT_EQ(out.size, n);
      const std::vector<std::byte> want = naive_permute(in, es, c.s, c.perm);
      EXPECT_EQ(std::memcmp(out.bytes(), want.data(), n), 0)
          << "shape " << shape_str(c.s) << " elem " << es;
      // Made bytes are aligned; bytes that need not move may be the source.
      EXPECT_EQ(reinterpret_cast<uintptr_t>(out.bytes()) % (out.permutation() ? 16 : es), 0u);
    }
  }
}

TEST(ConstDataPermuted, IsMadeOnFirstReadOnceAndSharedByCopies) {
  std::vector<float> src(2 * 3 * 4);
  std::iota(src.begin(), src.end(), 0.0f);
  const ConstData source(reinterpret_cast<const std::byte*>(src.data()), src.size() * 4, nullptr);
  const LoadPhases phases;
  const ConstData d = ConstData::permuted(source, 4, {2, 3, 4}, {0, 2, 1});
  const ConstData copy = d;
  ASSERT_NE(d.permutation(), nullptr);
  EXPECT_EQ(d.permutation()->source, source.bytes());
  EXPECT_TRUE(d.present());
  EXPECT_TRUE(phases.seconds().empty()) << "permuted before anything read it";
  const std::byte* made = copy.bytes();
  ASSERT_EQ(phases.seconds().size(), 1u);
  EXPECT_EQ(phases.seconds()[0].first, "permute_weights");
  EXPECT_EQ(d.bytes(), made) << "a copy made the bytes again";
  float v[24];
  std::memcpy(v, made, sizeof v);
  EXPECT_EQ(v[1], 4.0f);  // [0][0][1] = src[0][1][0]
  EXPECT_EQ(v[3], 1.0f);  // [0][1][0] = src[0][0][1]
  EXPECT_EQ(v[12], 12.0f);
  EXPECT_EQ(d.exclusive_bytes(), nullptr) << "a deferred constant's bytes are shared";
}

TEST(ConstDataPermuted, BytesThatWouldNotMoveAreTheSourceItself) {
  std::vector<float> src(6 * 5);
  const ConstData source(reinterpret_cast<const std::byte*>(src.data()), src.size() * 4, nullptr);
  const ConstData d = ConstData::permuted(source, 4, {6, 5, 1, 1}, {0, 2, 3, 1});
  EXPECT_EQ(d.permutation(), nullptr);
  EXPECT_EQ(d.bytes(), source.bytes());
  EXPECT_TRUE(permutation_keeps_bytes({1, 3, 1, 4}, {2, 1, 0, 3}));
  EXPECT_FALSE(permutation_keeps_bytes({2, 3, 1, 4}, {1, 0, 2, 3}));
}

TEST(ConstDataPermuted, ASourceShorterThanItsShapeIsRefused) {
  std::vector<float> src(5);
  const ConstData source(reinterpret_cast<const std::byte*>(src.data()), src.size() * 4, nullptr);
  EXPECT_THROW(ConstData::permuted(source, 4, {2, 3}, {1, 0}), Error);
}

}  // namespace
}  // namespace edgebench
