// Every ISA's int8 kernels against the generic ones (which use
// backends/quant_arith.h element by element), on awkward channel counts and
// extreme accumulators, multipliers and shifts; the generic requantization is
// itself checked against quant_arith.h. ISAs this CPU lacks are skipped.
#include "backends/cpu/int8_kernels.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "backends/cpu/requant_table.h"
#include "backends/quant_arith.h"

namespace edgebench::cpu::int8 {
namespace {

std::vector<const Kernels*> vector_kernels() {
  std::vector<const Kernels*> k;
  if (avx2_kernels() && __builtin_cpu_supports("avx2")) k.push_back(avx2_kernels());
  const bool avx512 = __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                      __builtin_cpu_supports("avx512dq");
  if (avx512_kernels() && avx512) k.push_back(avx512_kernels());
  if (avx512_vnni_kernels() && avx512 && __builtin_cpu_supports("avx512vnni"))
    k.push_back(avx512_vnni_kernels());
  return k;
}

// Random per-channel multipliers, as quantize_multiplier stores them: real
// values from 2^min_exp to 2^(min_exp + exps) (by default 2^-40 to 2^8).
// With is_float, the same reals as float scales (ONNX's requantization), every
// third one an exact power of two, so that products land on ties.
struct RequantTables {
  std::vector<int32_t> mult;
  std::vector<int> shift;
  std::vector<float> scale;
  RequantTable table;
  explicit RequantTables(int channels, std::mt19937& rng, int min_exp = -40, int exps = 48,
                         bool is_float = false) {
    for (int c = 0; c < channels; ++c) {
      const int e = static_cast<int>(rng() % exps) + min_exp;
      const double real =
          std::ldexp(c % 3 == 0 ? 1.0 : std::uniform_real_distribution<double>(0.5, 1.0)(rng), e);
      if (is_float) {
        scale.push_back(static_cast<float>(real));
        continue;
      }
      const auto m = quant::quantize_multiplier(real);
      mult.push_back(m.multiplier);
      shift.push_back(m.shift);
    }
    table = is_float ? RequantTable(scale) : RequantTable(mult, shift);
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

TEST(Int8Kernels, GenericFloatRequantizeIsQuantArith) {
  std::mt19937 rng(1);
  RequantTables t(16, rng, -40, 48, /*is_float=*/true);
  const Requant q = t.requant(-7, -128, 127);
  for (int i = 0; i < 100000; ++i) {
    const int c = static_cast<int>(rng() % 16);
    const int32_t acc = random_acc(rng);
    const int32_t want = std::clamp(quant::requantize_float(acc, t.scale[c]) - 7, -128, 127);
    ASSERT_EQ(requantize_one(acc, q, c), want) << acc << " channel " << c;
  }
}

TEST(Int8Kernels, RequantizeMatchesGeneric) {
  std::mt19937 rng(2);
  for (const Kernels* k : vector_kernels()) {
    for (int channels : {1, 7, 8, 15, 16, 17, 33, 96}) {
      for (bool is_float : {false, true}) {
        SCOPED_TRACE(std::string(k->isa) + ", " + std::to_string(channels) + " channels" +
                     (is_float ? ", float requantization" : ""));
        const int cpad = (channels + kChannelPad - 1) / kChannelPad * kChannelPad;
        const int64_t pixels = 37;
        RequantTables t(channels, rng, -40, 48, is_float);
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
}

// A depthwise convolution as the lowering sets it up: weights offset by the
// filter zero point, bias_interior from input_offset.
struct DepthwiseProblem {
  enum Weights { kInt8, kFewBeyondInt8, kWide };  // kWide: anything within +-255
  Geometry g;
  std::vector<uint8_t> x;
  std::vector<int32_t> w, bias, bias_interior;
  RequantTables t;
  DepthwiseArgs a;

  // g's output size from its input, filter, stride, dilation and padding
  // (pad_top/left, and as much again + extra at the bottom/right).
  DepthwiseProblem(Geometry geo, int extra_pad, Weights weights, int32_t input_offset,
                   RequantTables tables, std::mt19937& rng)
      : g(geo), t(std::move(tables)) {
    g.out_c = g.in_c;
    g.out_h =
        (g.in_h + 2 * g.pad_top + extra_pad - ((g.filter_h - 1) * g.dilation_h + 1)) / g.stride_h +
        1;
    g.out_w =
        (g.in_w + 2 * g.pad_left + extra_pad - ((g.filter_w - 1) * g.dilation_w + 1)) / g.stride_w +
        1;
    const int c = g.in_c, taps = g.filter_h * g.filter_w;
    const int cpad = (c + kChannelPad - 1) / kChannelPad * kChannelPad;
    x.resize(static_cast<size_t>(g.batch) * g.in_h * g.in_w * c);
    for (auto& v : x) v = static_cast<uint8_t>(rng());
    w.assign(static_cast<size_t>(taps) * cpad, 0), bias.assign(cpad, 0);
    const int32_t range = weights == kWide ? 511 : 256, low = weights == kWide ? -255 : -128;
    for (int k = 0; k < taps; ++k)
      for (int ch = 0; ch < c; ++ch) w[k * cpad + ch] = static_cast<int32_t>(rng() % range) + low;
    if (weights == kFewBeyondInt8)  // a few channels in 64, a tap or two each
      for (int ch = static_cast<int>(rng() % 8); ch < c; ch += 17 + static_cast<int>(rng() % 5))
        for (int i = 0; i <= static_cast<int>(rng() % 2); ++i)
          w[(rng() % taps) * cpad + ch] =
              (rng() % 2 ? 1 : -1) * (128 + static_cast<int>(rng() % 128));
    for (int ch = 0; ch < c; ++ch) bias[ch] = static_cast<int32_t>(rng() % 200001) - 100000;
    bias_interior = bias;
    for (int k = 0; k < taps; ++k)
      for (int ch = 0; ch < c; ++ch) bias_interior[ch] += input_offset * w[k * cpad + ch];
    a.g = g, a.x = x.data(), a.w = w.data(), a.bias = bias.data();
    a.bias_interior = bias_interior.data(), a.input_offset = input_offset;
  }

  std::string describe() const {
    return std::to_string(g.batch) + "x" + std::to_string(g.in_h) + "x" + std::to_string(g.in_w) +
           "x" + std::to_string(g.in_c) + " " + std::to_string(g.filter_h) + "x" +
           std::to_string(g.filter_w) + " stride " + std::to_string(g.stride_h) + "," +
           std::to_string(g.stride_w) + " dilation " + std::to_string(g.dilation_h) + " pad " +
           std::to_string(g.pad_top) + "," + std::to_string(g.pad_left) + " input_offset " +
           std::to_string(a.input_offset);
  }

  // The kernel's output against the generic kernel's, both with requantization
  // q, and again with the kernel's constants packed first.
  void expect_generic(const Kernels& k, bool is_signed, const Requant& q) {
    DepthwiseArgs d = a;
    d.q = q;
    const std::vector<int64_t> fused = t.table.fused(q.output_zero_point);
    d.fused = fused.empty() ? nullptr : fused.data();
    const size_t size = static_cast<size_t>(g.batch) * g.out_h * g.out_w * g.out_c;
    std::vector<uint8_t> want(size), got(size);
    d.out = want.data();
    (is_signed ? generic_kernels().depthwise_s8 : generic_kernels().depthwise_u8)(d);
    d.out = got.data();
    (is_signed ? k.depthwise_s8 : k.depthwise_u8)(d);
    EXPECT_EQ(got, want) << k.isa << " depthwise " << (is_signed ? "s8 " : "u8 ") << describe();
    if (const size_t bytes = k.pack_depthwise ? k.pack_depthwise(d, is_signed, nullptr) : 0) {
      struct alignas(64) Line {
        unsigned char bytes[64];
      };
      std::vector<Line> packed((bytes + 63) / 64);
      k.pack_depthwise(d, is_signed, packed.data());
      d.packed = packed.data();
      std::fill(got.begin(), got.end(), 0);
      (is_signed ? k.depthwise_s8 : k.depthwise_u8)(d);
      EXPECT_EQ(got, want) << k.isa << " packed depthwise " << (is_signed ? "s8 " : "u8 ")
                           << describe();
    }
  }
};

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
      Geometry geo;
      geo.batch = 2, geo.in_h = 9, geo.in_w = 10, geo.in_c = cs.c;
      geo.filter_h = cs.kh, geo.filter_w = cs.kw, geo.stride_h = geo.stride_w = cs.stride;
      geo.dilation_h = geo.dilation_w = cs.dilation, geo.pad_top = cs.pt, geo.pad_left = cs.pl;
      for (bool is_signed : {false, true}) {
        DepthwiseProblem p(geo, 0, DepthwiseProblem::kWide, is_signed ? 17 : -130,
                           RequantTables(cs.c, rng, -40, 48, /*is_float=*/cs.c % 2 == 1), rng);
        p.expect_generic(*k, is_signed,
                         is_signed ? p.t.requant(-128, -128, 127) : p.t.requant(0, 0, 255));

        WindowSumArgs s;
        s.g = p.g;
        s.x = p.x.data();
        s.scale = is_signed ? -3 : 7;
        std::vector<int32_t> sum_want(static_cast<size_t>(p.g.batch) * p.g.out_h * p.g.out_w),
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

// The 3x3 kernels' paths (AVX-512: quads with and without weights beyond
// int8, pairs; activations that clamp negatives or not; fixed-point or float
// requantization; packed or not) at
// both strides, channel counts around the 32- and 64-channel blocks, windows
// over every border, rows wider than a run of pixels, zero points a padding
// byte cannot hold, 1 to 3 threads.
TEST(Int8Kernels, Depthwise3x3MatchesGeneric) {
  std::mt19937 rng(5);
  const int default_threads = omp_get_max_threads();
  struct Case {
    int batch, h, w, c, stride_h, stride_w, pt, pl, extra_pad;
  };
  const Case cases[] = {{1, 9, 10, 7, 1, 1, 1, 1, 0},    {2, 5, 37, 33, 1, 1, 1, 1, 0},
                        {1, 8, 38, 64, 2, 2, 0, 0, 1},   {1, 7, 9, 65, 2, 2, 1, 1, 0},
                        {1, 6, 40, 96, 1, 2, 0, 1, 1},   {1, 3, 3, 144, 1, 1, 1, 1, 0},
                        {1, 1, 1, 48, 1, 1, 1, 1, 0},    {1, 2, 3, 31, 2, 1, 1, 1, 0},
                        {1, 12, 12, 200, 2, 2, 1, 1, 0}, {1, 4, 33, 128, 1, 1, 0, 0, 0},
                        {1, 5, 5, 16, 3, 3, 1, 1, 0},    {1, 6, 70, 100, 1, 1, 1, 1, 0}};
  for (const Kernels* k : vector_kernels())
    for (const Case& cs : cases)
      for (auto weights :
           {DepthwiseProblem::kInt8, DepthwiseProblem::kFewBeyondInt8, DepthwiseProblem::kWide})
        for (bool is_signed : {false, true}) {
          Geometry geo;
          geo.batch = cs.batch, geo.in_h = cs.h, geo.in_w = cs.w, geo.in_c = cs.c;
          geo.filter_h = geo.filter_w = 3, geo.stride_h = cs.stride_h, geo.stride_w = cs.stride_w;
          geo.pad_top = cs.pt, geo.pad_left = cs.pl;
          // Input offsets (minus zero points): usual ones, the type's ends, and
          // zero points no byte holds (-200 and -300).
          const std::vector<int32_t> offsets = is_signed
                                                   ? std::vector<int32_t>{128, 17, -127, 200, 300}
                                                   : std::vector<int32_t>{0, -130, -255, 300};
          const int32_t input_offset = offsets[rng() % offsets.size()];
          // Multipliers below 1/2, as depthwise layers have (requant_fused()
          // applies), or anything.
          // Every other problem with float requantization.
          const bool small = rng() % 4 != 0, is_float = rng() % 2 != 0;
          DepthwiseProblem p(geo, cs.extra_pad, weights, input_offset,
                             small ? RequantTables(cs.c, rng, -20, 20, is_float)
                                   : RequantTables(cs.c, rng, -40, 48, is_float),
                             rng);
          SCOPED_TRACE(is_float ? "float requantization" : "fixed-point requantization");
          const int32_t lo = is_signed ? -128 : 0, hi = is_signed ? 127 : 255;
          for (int threads : {1, 2, 3}) {
            omp_set_num_threads(threads);
            SCOPED_TRACE(std::to_string(threads) + " threads");
            p.expect_generic(*k, is_signed, p.t.requant(lo + 3, lo + 3, hi - 20));  // ReLU6-like
            p.expect_generic(*k, is_signed, p.t.requant(lo + 100, lo, hi));         // no activation
          }
        }
  omp_set_num_threads(default_threads);
}

TEST(Int8Kernels, AddMatchesGeneric) {
  std::mt19937 rng(4);
  for (const Kernels* k : vector_kernels()) {
    for (int64_t count : {1, 7, 16, 31, 64, 130, 1000, 20000}) {
      std::vector<uint8_t> a(count), b(count);
      for (auto& v : a) v = static_cast<uint8_t>(rng());
      for (auto& v : b) v = static_cast<uint8_t>(rng());
      for (bool is_signed : {false, true}) {
        for (bool is_float : {false, true}) {
          AddArgs p;
          // Float: ratios whose products land on ties (quarters) and on
          // inexact values alike.
          p.is_float = is_float, p.a_ratio = 0.75f, p.b_ratio = is_signed ? 0.5f : 0.3f;
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
          EXPECT_EQ(got, want) << k->isa << " " << count << (is_signed ? " s8" : " u8")
                               << (is_float ? " float" : "");
        }
      }
    }
  }
}

// Quantize: every table, byte for byte against quant::quantize_real (ties away
// from zero and to even), on exact
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
  for (const Kernels* k : all)
    for (bool even : {false, true})
      for (int32_t zp : {-128, -3, 0, 5, 127}) {
        std::vector<int8_t> s8(x.size());
        k->quantize_s8({x.data(), s8.data(), static_cast<int64_t>(x.size()), scale, zp, even});
        for (size_t i = 0; i < x.size(); ++i) {
          const int32_t want = std::clamp(quant::quantize_real(x[i], scale, zp, even), -128, 127);
          ASSERT_EQ(s8[i], want) << k->isa << " x=" << x[i] << " zp=" << zp << " even " << even;
        }
        const int32_t zpu = zp + 128;
        std::vector<uint8_t> u8(x.size());
        k->quantize_u8({x.data(), u8.data(), static_cast<int64_t>(x.size()), scale, zpu, even});
        for (size_t i = 0; i < x.size(); ++i) {
          const int32_t want = std::clamp(quant::quantize_real(x[i], scale, zpu, even), 0, 255);
          ASSERT_EQ(u8[i], want) << k->isa << " x=" << x[i] << " zp=" << zpu << " even " << even;
        }
      }
}

}  // namespace
}  // namespace edgebench::cpu::int8
