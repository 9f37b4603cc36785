// fp16 rounding against hand-worked IEEE binary16 cases, and every ISA's
// kernel against the generic one over many bit patterns.
#include "backends/cpu/fp16_round.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace edgebench::cpu {
namespace {

float round_generic(float x) {
  fp16_round_generic().round(&x, 1);
  return x;
}

TEST(Fp16Round, HandWorkedValues) {
  EXPECT_EQ(f32_to_f16_bits(1.0f), 0x3c00);
  EXPECT_EQ(f32_to_f16_bits(-2.0f), 0xc000);
  EXPECT_EQ(f32_to_f16_bits(65504.0f), 0x7bff);  // largest finite
  EXPECT_EQ(f32_to_f16_bits(65519.0f), 0x7bff);  // rounds down to it
  EXPECT_EQ(f32_to_f16_bits(65520.0f), 0x7c00);  // half-way: to even = infinity
  EXPECT_EQ(f32_to_f16_bits(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_EQ(f32_to_f16_bits(std::ldexp(1.0f, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(f32_to_f16_bits(std::ldexp(1.0f, -25)), 0x0000);  // half of it: to even = 0
  EXPECT_EQ(f32_to_f16_bits(std::ldexp(1.0f, -14)), 0x0400);  // smallest normal
  EXPECT_TRUE(std::isnan(f16_bits_to_f32(f32_to_f16_bits(std::nanf("")))));
  // 1 + 2^-11 is half-way between 1 and 1 + 2^-10: ties to even (1).
  EXPECT_EQ(round_generic(1.0f + std::ldexp(1.0f, -11)), 1.0f);
  // 1 + 3 * 2^-11 is half-way between 1 + 2^-10 and 1 + 2^-9: to even (1 + 2^-9).
  EXPECT_EQ(round_generic(1.0f + 3 * std::ldexp(1.0f, -11)), 1.0f + std::ldexp(1.0f, -9));
  EXPECT_EQ(round_generic(0.1f), 0.0999755859375f);
  EXPECT_EQ(round_generic(-0.0f), -0.0f);
  for (uint32_t h = 0; h < 0x10000; ++h) {  // every fp16 value survives the round trip
    const float f = f16_bits_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    EXPECT_EQ(f32_to_f16_bits(f), h) << std::hex << h;
  }
}

TEST(Fp16Round, IsaKernelsEqualGeneric) {
  const Fp16RoundKernel* f16c = fp16_round_f16c();
  if (!f16c) GTEST_SKIP() << "this CPU has no F16C: only the generic kernel runs";
  std::mt19937 rng(3);
  std::vector<float> x(100003);  // a tail after the 8-lane blocks
  for (float& v : x) {
    const uint32_t bits = static_cast<uint32_t>(rng());
    std::memcpy(&v, &bits, 4);
    if (std::isnan(v)) v = 1.0f;
  }
  std::vector<float> want = x, got = x;
  fp16_round_generic().round(want.data(), want.size());
  f16c->round(got.data(), got.size());
  for (size_t i = 0; i < x.size(); ++i)
    ASSERT_EQ(std::memcmp(&got[i], &want[i], 4), 0) << "input " << x[i];
  EXPECT_STREQ(fp16_round_kernel().isa, "f16c");
}

}  // namespace
}  // namespace edgebench::cpu
