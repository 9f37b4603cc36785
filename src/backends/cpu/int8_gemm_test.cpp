// The int8 GEMM (int8_gemm.h) against a scalar loop with requantize_one (the
// generic kernels' requantization, itself checked against quant_arith.h): row
// and channel tails, K not a multiple of 4, uint8 and int8 activations,
// per-row corrections, both requantization forms (fused where every shift
// allows it, the general one with left shifts and zero shifts), full, narrow
// and ReLU-like activation ranges, row ranges split and channel blocks split. Skipped without
// AVX512-VNNI.
#include "backends/cpu/int8_gemm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "backends/cpu/requant_table.h"
#include "backends/quant_arith.h"

namespace edgebench::cpu::int8 {
namespace {

struct Case {
  int m, k, n;
  bool signed_io;
  bool pixel_add;
  int shift_lo, shift_hi;  // TFLite shifts (negative: right)
  bool full_range;
  bool relu = false;  // the range starts at the zero point (the fused form's shortcut)
};

// Returns whether the fused requantization form ran.
bool check(const Case& t, std::mt19937& rng) {
  const GemmFn fn = gemm_u8s8();
  const int kpad = (t.k + 3) / 4 * 4;
  std::vector<uint8_t> a(static_cast<size_t>(t.m) * kpad);
  for (auto& v : a) v = static_cast<uint8_t>(rng());
  std::vector<int8_t> w(static_cast<size_t>(t.n) * t.k);
  for (auto& v : w) v = static_cast<int8_t>(rng());
  // K padding of A holds garbage: the packed weights are zero there.
  const std::vector<int8_t> packed = pack_gemm_weights(w.data(), t.n, t.k);

  std::vector<int32_t> mult(static_cast<size_t>(t.n));
  std::vector<int> shift(static_cast<size_t>(t.n));
  for (int c = 0; c < t.n; ++c) {
    mult[c] = static_cast<int32_t>((int64_t{1} << 30) + rng() % (int64_t{1} << 30));
    shift[c] = t.shift_lo + static_cast<int>(rng() % (t.shift_hi - t.shift_lo + 1));
  }
  const RequantTable table(mult, shift);
  const int32_t zp =
      t.signed_io ? static_cast<int32_t>(rng() % 256) - 128 : static_cast<int32_t>(rng() % 256);
  const int32_t tmin = t.signed_io ? -128 : 0, tmax = t.signed_io ? 127 : 255;
  const int32_t lo = t.relu ? zp : t.full_range ? tmin : std::max(tmin, zp - 3);
  const int32_t hi = t.full_range ? tmax : std::min(tmax, lo + 100);
  const Requant q = table.view(zp, lo, hi);
  const std::vector<int64_t> fused = table.fused(zp);

  // Two correction rows, alternating over the rows; per-row additions.
  const int cpad = (t.n + kChannelPad - 1) / kChannelPad * kChannelPad;
  std::vector<int32_t> rows(2 * static_cast<size_t>(cpad), 0);
  for (int c = 0; c < t.n; ++c)
    for (int r = 0; r < 2; ++r) rows[r * cpad + c] = static_cast<int32_t>(rng() % 200001) - 100000;
  std::vector<const int32_t*> row_of(static_cast<size_t>(t.m));
  std::vector<int32_t> pix(static_cast<size_t>(t.m));
  for (int i = 0; i < t.m; ++i) {
    row_of[i] = rows.data() + (i % 2) * cpad;
    pix[i] = static_cast<int32_t>(rng() % 20001) - 10000;
  }

  GemmArgs g;
  g.a = a.data();
  g.lda = kpad;
  g.m = t.m;
  g.k_groups = kpad / 4;
  g.b = packed.data();
  g.n = t.n;
  g.signed_a = g.signed_c = t.signed_io;
  g.channel_add = row_of.data();
  g.pixel_add = t.pixel_add ? pix.data() : nullptr;
  g.q = q;
  g.fused = fused.empty() ? nullptr : fused.data();
  std::vector<uint8_t> c(static_cast<size_t>(t.m) * t.n, 0xEE);
  g.c = c.data();
  // Splits as the threads make: the first half of the rows in one call, the
  // rest by channel blocks (the first block, then the others).
  const int64_t split = t.m / 2;
  fn(g, 0, split);
  GemmArgs first = g, rest = g;
  first.col_end = kGemmBlock;
  rest.col_begin = kGemmBlock;
  fn(first, split, t.m);
  for (int64_t i = split; i < t.m; ++i)
    for (int ch = kGemmBlock; ch < t.n; ++ch)
      if (c[i * t.n + ch] != 0xEE) {
        ADD_FAILURE() << "channel " << ch << " written by the call for channels [0, 64)";
        return false;
      }
  fn(rest, split, t.m);

  for (int i = 0; i < t.m; ++i)
    for (int ch = 0; ch < t.n; ++ch) {
      int32_t acc = row_of[i][ch] + (t.pixel_add ? pix[i] : 0);
      for (int kk = 0; kk < t.k; ++kk) {
        const int32_t x = t.signed_io ? (a[i * kpad + kk] ^ 0x80) : a[i * kpad + kk];
        acc += x * w[static_cast<size_t>(ch) * t.k + kk];
      }
      const int32_t want = requantize_one(acc, q, ch);
      const int32_t got = t.signed_io ? static_cast<int8_t>(c[i * t.n + ch]) : c[i * t.n + ch];
      if (got != want) {
        ADD_FAILURE() << "m " << t.m << " k " << t.k << " n " << t.n << " row " << i << " channel "
                      << ch << (g.fused ? " (fused)" : " (general)") << ": got " << got << ", want "
                      << want;
        return g.fused != nullptr;
      }
    }
  return g.fused != nullptr;
}

TEST(Int8Gemm, MatchesScalarRequantization) {
  if (!gemm_u8s8()) GTEST_SKIP() << "no AVX512-VNNI on this CPU: the int8 GEMM is not used";
  std::mt19937 rng(7);
  int fused = 0, general = 0;
  for (int m : {1, 5, 6, 7, 13, 40})
    for (int n : {1, 16, 17, 64, 65, 96, 130})
      for (int k : {3, 16, 28, 61})
        for (bool s : {false, true}) {
          const bool narrow = (m + n + k) % 2 == 0;
          // Fused-form shifts (right 1..20) and general ones (left and zero shifts).
          for (const Case& c : {Case{m, k, n, s, (m + k) % 3 != 0, -20, -1, narrow},
                                Case{m, k, n, s, true, -3, 1, !narrow},
                                Case{m, k, n, s, true, -12, -1, false, true}}) {
            if (HasFailure()) return;
            (check(c, rng) ? fused : general) += 1;
          }
        }
  EXPECT_GT(fused, 0);
  EXPECT_GT(general, 0);
}

TEST(Int8Gemm, FusedTableOnlyForRightShiftsOneToTwenty) {
  const RequantTable ok({1 << 30, 1 << 30}, {-1, -20});
  EXPECT_FALSE(ok.fused(3).empty());
  EXPECT_TRUE(RequantTable({1 << 30}, {0}).fused(0).empty());
  EXPECT_TRUE(RequantTable({1 << 30}, {1}).fused(0).empty());
  EXPECT_TRUE(RequantTable({1 << 30}, {-21}).fused(0).empty());
}

}  // namespace
}  // namespace edgebench::cpu::int8
