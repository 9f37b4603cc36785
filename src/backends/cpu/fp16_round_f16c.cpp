// fp16 rounding with the F16C conversions (8 lanes; the tail through the
// generic code). Built with -mf16c -mavx; used only where the CPU has it.
#include "backends/cpu/fp16_round.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

namespace edgebench::cpu {
namespace {

void round_f16c(float* x, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT);
    _mm256_storeu_ps(x + i, _mm256_cvtph_ps(h));
  }
  for (; i < n; ++i) x[i] = f16_bits_to_f32(f32_to_f16_bits(x[i]));
}

}  // namespace

const Fp16RoundKernel* fp16_round_f16c() {
  static const Fp16RoundKernel k{"f16c", round_f16c};
  // Every x86 CPU with AVX2 has F16C (Intel since Ivy Bridge, AMD since
  // Piledriver); clang's __builtin_cpu_supports does not know "f16c" itself.
  return __builtin_cpu_supports("avx2") ? &k : nullptr;
}

}  // namespace edgebench::cpu

#else

namespace edgebench::cpu {
const Fp16RoundKernel* fp16_round_f16c() {
  return nullptr;
}
}  // namespace edgebench::cpu

#endif
