// Every ISA's int8 kernels against the generic ones (which use
// backends/quant_arith.h element by element), on awkward channel counts and
// extreme accumulators, multipliers and shifts; the generic requantization is
// itself checked against quant_arith.h. ISAs this CPU lacks are skipped.
#include "backends/cpu/int8_kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "backends/cpu/requant_table.h"
#include "backends/quant_arith.h"

namespace edgebench::cpu::int8 {
namespace {

std::vector<const Kernels*> vector_kernels() {
  std::vector<const Kernels*> k;
  if (avx2_kernels() && __builtin_cpu_supports("avx2")) k.push_back(avx2_kernels());
  if (avx512_kernels() && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    k.push_back(avx512_kernels());
  return k;
}

// Random per-channel multipliers: real values from 2^-40 to 2^8, as
// quantize_multiplier stores them.
struct RequantTables {
  std::vector<int32_t> mult;
  std::vector<int> shift;
  RequantTable table;
  explicit RequantTables(int channels, std::mt19937& rng) {
    for (int c = 0; c < channels; ++c) {
      const double real = std::ldexp(std::uniform_real_distribution<double>(0.5, 1.0)(rng),
                                     static_cast<int>(rng() % 48) - 40);
      const auto m = quant::quantize_multiplier(real);
      mult.push_back(m.multiplier);
      shift.push_back(m.shift);
    }
    table = RequantTable(mult, shift);
  }
  Requant requant(int32_t zp, int32_t lo, int32_t hi) const { return table.view(zp, lo, hi); }
};

int32_t random_acc(std::mt19937& rng) {
  switch (rng() % 4) {
    case 0: return static_cast<int32_t>(rng());                 // anything
    case 1: return static_cast<int32_t>(rng() % 2001) - 1000;   // small
    case 2: return (rng() % 2 ? 1 : -1) * (1 << (rng() % 31));  // powers of two (ties)
    default: return static_cast<int32_t>(rng() % 200001) - 100000;
  }
}

TEST(Int8Kernels, GenericRequantizeIsQuantArith) {
  std::mt19937 rng(1);
  RequantTables t(16, rng);
  const Requant q = t.requant(3, -128, 127);
  for (int i = 0; i < 100000; ++i) {
    const int c = static_cast<int>(rng() % 16);
    const int32_t acc = random_acc(rng);
    const int32_t want = std::clamp(
        quant::multiply_by_quantized_multiplier(acc, t.mult[c], t.shift[c]) + 3, -128, 127);
    ASSERT_EQ(requantize_one(acc, q, c), want) << acc << " channel " << c;
  }
}

TEST(Int8Kernels, RequantizeMatchesGeneric) {
  std::mt19937 rng(2);
  for (const Kernels* k : vector_kernels()) {
    for (int channels : {1, 7, 8, 15, 16, 17, 33, 96}) {
      SCOPED_TRACE(std::string(k->isa) + ", " + std::to_string(channels) + " channels");
      const int cpad = (channels + kChannelPad - 1) / kChannelPad * kChannelPad;
      const int64_t pixels = 37;
      RequantTables t(channels, rng);
      std::vector<int32_t> acc(pixels * channels), rows(3 * cpad, 0), pix(pixels);
      for (auto& v : acc) v = random_acc(rng);
      for (int i = 0; i < 3 * cpad; ++i) rows[i] = static_cast<int32_t>(rng() % 20001) - 10000;
      for (auto& v : pix) v = static_cast<int32_t>(rng() % 20001) - 10000;
      std::vector<const int32_t*> row_of(pixels);
      for (int64_t p = 0; p < pixels; ++p) row_of[p] = rows.data() + (p % 3) * cpad;
      for (bool is_signed : {false, true}) {
        EpilogueArgs a;
        a.acc = acc.data();
        a.pixels = pixels;
        a.channels = channels;
        a.channel_add = row_of.data();
        a.pixel_add = pix.data();
        a.q = is_signed ? t.requant(-5, -128, 100) : t.requant(120, 3, 255);
        std::vector<uint8_t> want(pixels * channels), got(pixels * channels);
        a.out = want.data();
        (is_signed ? generic_kernels().requantize_s8 : generic_kernels().requantize_u8)(a);
        a.out = got.data();
        (is_signed ? k->requantize_s8 : k->requantize_u8)(a);
        EXPECT_EQ(got, want) << (is_signed ? "s8" : "u8");
      }
    }
  }
}

TEST(Int8Kernels, DepthwiseAndWindowSumsMatchGeneric) {
  std::mt19937 rng(3);
  struct Case {
    int c, kh, kw, stride, dilation, pt, pl;
  };
  for (const Kernels* k : vector_kernels()) {
    for (const Case& cs :
         {Case{7, 3, 3, 1, 1, 1, 1}, Case{32, 3, 3, 2, 1, 0, 0}, Case{21, 5, 5, 1, 2, 2, 3},
          Case{16, 1, 1, 1, 1, 0, 0}, Case{3, 3, 3, 2, 1, 1, 1}, Case{19, 3, 3, 1, 2, 2, 2},
          Case{264, 1, 1, 1, 1, 0, 0}}) {
      SCOPED_TRACE(std::string(k->isa) + ", " + std::to_string(cs.c) + " channels, " +
                   std::to_string(cs.kh) + "x" + std::to_string(cs.kw));
      Geometry g;
      g.batch = 2, g.in_h = 9, g.in_w = 10, g.in_c = g.out_c = cs.c;
      g.filter_h = cs.kh, g.filter_w = cs.kw, g.stride_h = g.stride_w = cs.stride;
      g.dilation_h = g.dilation_w = cs.dilation, g.pad_top = cs.pt, g.pad_left = cs.pl;
      g.out_h = (g.in_h + 2 * cs.pt - ((cs.kh - 1) * cs.dilation + 1)) / cs.stride + 1;
      g.out_w = (g.in_w + 2 * cs.pl - ((cs.kw - 1) * cs.dilation + 1)) / cs.stride + 1;
      const int cpad = (cs.c + kChannelPad - 1) / kChannelPad * kChannelPad;
      std::vector<uint8_t> x(static_cast<size_t>(g.batch) * g.in_h * g.in_w * g.in_c);
      for (auto& v : x) v = static_cast<uint8_t>(rng());
      std::vector<int32_t> w(static_cast<size_t>(cs.kh) * cs.kw * cpad, 0), bias(cpad, 0);
      for (int t = 0; t < cs.kh * cs.kw; ++t)
        for (int c = 0; c < cs.c; ++c) w[t * cpad + c] = static_cast<int32_t>(rng() % 511) - 255;
      for (int c = 0; c < cs.c; ++c) bias[c] = static_cast<int32_t>(rng() % 200001) - 100000;
      RequantTables t(cs.c, rng);
      const size_t out_size = static_cast<size_t>(g.batch) * g.out_h * g.out_w * g.out_c;
      for (bool is_signed : {false, true}) {
        DepthwiseArgs a;
        a.g = g;
        a.x = x.data();
        a.w = w.data();
        a.bias = bias.data();
        std::vector<int32_t> bias_interior = bias;
        for (int t = 0; t < cs.kh * cs.kw; ++t)
          for (int c = 0; c < cs.c; ++c)
            bias_interior[c] += (is_signed ? 17 : -130) * w[t * cpad + c];
        a.bias_interior = bias_interior.data();
        a.input_offset = is_signed ? 17 : -130;
        a.q = is_signed ? t.requant(-128, -128, 127) : t.requant(0, 0, 255);
        std::vector<uint8_t> want(out_size), got(out_size);
        a.out = want.data();
        (is_signed ? generic_kernels().depthwise_s8 : generic_kernels().depthwise_u8)(a);
        a.out = got.data();
        (is_signed ? k->depthwise_s8 : k->depthwise_u8)(a);
        EXPECT_EQ(got, want) << "depthwise " << (is_signed ? "s8" : "u8");

        WindowSumArgs s;
        s.g = g;
        s.x = x.data();
        s.scale = is_signed ? -3 : 7;
        std::vector<int32_t> sum_want(static_cast<size_t>(g.batch) * g.out_h * g.out_w),
            sum_got(sum_want.size());
        s.sums = sum_want.data();
        (is_signed ? generic_kernels().window_sums_s8 : generic_kernels().window_sums_u8)(s);
        s.sums = sum_got.data();
        (is_signed ? k->window_sums_s8 : k->window_sums_u8)(s);
        EXPECT_EQ(sum_got, sum_want) << "window sums " << (is_signed ? "s8" : "u8");
      }
    }
  }
}

TEST(Int8Kernels, AddMatchesGeneric) {
  std::mt19937 rng(4);
  for (const Kernels* k : vector_kernels()) {
    for (int64_t count : {1, 7, 16, 31, 1000}) {
      std::vector<uint8_t> a(count), b(count);
      for (auto& v : a) v = static_cast<uint8_t>(rng());
      for (auto& v : b) v = static_cast<uint8_t>(rng());
      for (bool is_signed : {false, true}) {
        AddArgs p;
        p.a = a.data(), p.b = b.data(), p.count = count;
        p.a_offset = is_signed ? 3 : -128, p.b_offset = is_signed ? -7 : -119;
        p.output_offset = is_signed ? -2 : 125;
        const auto ma = quant::quantize_multiplier(0.4), mb = quant::quantize_multiplier(0.5);
        const auto mo = quant::quantize_multiplier(1.3e-6);
        p.a_mult = ma.multiplier, p.a_rsh = -ma.shift;
        p.b_mult = mb.multiplier, p.b_rsh = -mb.shift;
        p.out_mult = mo.multiplier, p.out_rsh = -mo.shift;
        p.act_min = is_signed ? -128 : 0, p.act_max = is_signed ? 127 : 255;
        std::vector<uint8_t> want(count), got(count);
        p.out = want.data();
        (is_signed ? generic_kernels().add_s8 : generic_kernels().add_u8)(p);
        p.out = got.data();
        (is_signed ? k->add_s8 : k->add_u8)(p);
        EXPECT_EQ(got, want) << k->isa << " " << count << (is_signed ? " s8" : " u8");
      }
    }
  }
}

// Quantize: every table, byte for byte against quant::quantize_real, on exact
// halves (the rounding ties), values just either side, out-of-range, NaN and
// infinities, with a length that leaves a vector tail.
TEST(Int8Kernels, QuantizeIsQuantArith) {
  std::vector<float> x;
  const float scale = 0.0078125f * 3;
  for (int k = -300; k <= 300; ++k) {
    const float tie = (static_cast<float>(k) + 0.5f) * scale;
    x.insert(x.end(), {tie, std::nextafter(tie, 1e9f), std::nextafter(tie, -1e9f), k * scale});
  }
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> wide(-5.0f, 5.0f);
  for (int i = 0; i < 5000; ++i) x.push_back(wide(rng));
  x.insert(x.end(),
           {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
            -std::numeric_limits<float>::infinity(), 1e30f, -1e30f, 0.0f, -0.0f});
  std::vector<const Kernels*> all = vector_kernels();
  all.push_back(&generic_kernels());
  for (const Kernels* k : all) {
    for (int32_t zp : {-128, -3, 0, 5, 127}) {
      std::vector<int8_t> s8(x.size());
      k->quantize_s8({x.data(), s8.data(), static_cast<int64_t>(x.size()), scale, zp});
      for (size_t i = 0; i < x.size(); ++i) {
        const int32_t want = std::clamp(quant::quantize_real(x[i], scale, zp), -128, 127);
        ASSERT_EQ(s8[i], want) << k->isa << " x=" << x[i] << " zp=" << zp;
      }
      const int32_t zpu = zp + 128;
      std::vector<uint8_t> u8(x.size());
      k->quantize_u8({x.data(), u8.data(), static_cast<int64_t>(x.size()), scale, zpu});
      for (size_t i = 0; i < x.size(); ++i) {
        const int32_t want = std::clamp(quant::quantize_real(x[i], scale, zpu), 0, 255);
        ASSERT_EQ(u8[i], want) << k->isa << " x=" << x[i] << " zp=" << zpu;
      }
    }
  }
}

}  // namespace
}  // namespace edgebench::cpu::int8
