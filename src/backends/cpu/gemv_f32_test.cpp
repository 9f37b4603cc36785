// gemv_f32 against a double-precision loop: row counts around the groups of
// four, K with and without a 16-lane tail, bias or none, a clamp, and split
// row ranges as the threads make.
#include "backends/cpu/gemv_f32.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace edgebench::cpu {
namespace {

TEST(GemvF32, MatchesDoubleLoop) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (int64_t rows : {1, 3, 4, 5, 9, 1001})
    for (int64_t k : {1, 15, 16, 17, 100, 1024})
      for (bool bias : {false, true})
        for (bool clamp : {false, true}) {
          std::vector<float> w(static_cast<size_t>(rows * k)), x(static_cast<size_t>(k)),
              b(static_cast<size_t>(rows)), y(static_cast<size_t>(rows), NAN);
          for (auto& v : w) v = u(rng);
          for (auto& v : x) v = u(rng);
          for (auto& v : b) v = u(rng);
          GemvArgs a;
          a.w = w.data();
          a.x = x.data();
          a.bias = bias ? b.data() : nullptr;
          a.y = y.data();
          a.rows = rows;
          a.k = k;
          if (clamp) a.lo = 0.0f, a.hi = 0.5f;
          const int64_t split = rows / 4 * 2 + 1 < rows ? rows / 4 * 2 + 1 : rows;
          gemv_f32(a, 0, split);
          gemv_f32(a, split, rows);
          for (int64_t o = 0; o < rows; ++o) {
            double want = bias ? b[o] : 0.0;
            for (int64_t i = 0; i < k; ++i) want += double{w[o * k + i]} * x[i];
            if (clamp) want = std::min(std::max(want, 0.0), 0.5);
            ASSERT_NEAR(y[o], want, 1e-5 * (1 + std::sqrt(static_cast<double>(k))))
                << rows << " rows, k " << k << ", row " << o;
          }
        }
}

}  // namespace
}  // namespace edgebench::cpu
