// Portable fp16 rounding (bit arithmetic after F. Giesen's float_to_half_rtne)
// and the choice of kernel.
#include <cstring>

#include "backends/cpu/fp16_round.h"

namespace edgebench::cpu {
namespace {

uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

float float_of(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

void round_generic(float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] = f16_bits_to_f32(f32_to_f16_bits(x[i]));
}

}  // namespace

uint16_t f32_to_f16_bits(float f) {
  uint32_t u = bits_of(f);
  const uint32_t sign = u & 0x80000000u;
  u ^= sign;
  uint16_t h;
  if (u >= (127u + 16u) << 23) {  // >= 65536, inf or NaN
    h = u > 0x7f800000u ? 0x7e00 : 0x7c00;
  } else if (u < 113u << 23) {  // below fp16's smallest normal (2^-14): subnormal or zero
    // Adding 0.5 (exponent such that the fp16 subnormal step is the f32 ulp)
    // lets the FPU round to nearest even; the low bits are then the result.
    const uint32_t magic = ((127u - 15u) + (23u - 10u) + 1u) << 23;
    h = static_cast<uint16_t>(bits_of(float_of(u) + float_of(magic)) - magic);
  } else {
    const uint32_t mant_odd = (u >> 13) & 1u;
    u += (static_cast<uint32_t>(15 - 127) << 23) + 0xfffu + mant_odd;  // rebias, round
    h = static_cast<uint16_t>(u >> 13);  // a carry into the exponent rounds up to inf
  }
  return static_cast<uint16_t>(h | (sign >> 16));
}

float f16_bits_to_f32(uint16_t h) {
  const uint32_t shifted_exp = 0x7c00u << 13;
  uint32_t o = (h & 0x7fffu) << 13;
  const uint32_t exp = shifted_exp & o;
  o += (127u - 15u) << 23;
  if (exp == shifted_exp) {
    o += (128u - 16u) << 23;  // inf / NaN
  } else if (exp == 0) {
    o += 1u << 23;  // subnormal: renormalise through the FPU
    o = bits_of(float_of(o) - float_of(113u << 23));
  }
  return float_of(o | (static_cast<uint32_t>(h & 0x8000u) << 16));
}

const Fp16RoundKernel& fp16_round_generic() {
  static const Fp16RoundKernel k{"generic", round_generic};
  return k;
}

const Fp16RoundKernel& fp16_round_kernel() {
  static const Fp16RoundKernel& k = [&]() -> const Fp16RoundKernel& {
    if (const Fp16RoundKernel* f = fp16_round_f16c()) return *f;
    return fp16_round_generic();
  }();
  return k;
}

}  // namespace edgebench::cpu
