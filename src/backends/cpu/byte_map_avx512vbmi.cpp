// byte_map with AVX512-VBMI: vpermi2b looks up 64 bytes in a 128-entry table;
// two of them cover the 256 entries and the source's top bit picks between
// them. Compiled with -mavx512vbmi; used only where the CPU reports it.
#include <immintrin.h>

#include "backends/cpu/byte_map.h"

namespace edgebench::cpu::int8 {
namespace {

void byte_map_vbmi(const uint8_t* table, const uint8_t* src, uint8_t* dst, int64_t n) {
  const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
  const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
  auto map = [&](__m512i x) {
    const __m512i low = _mm512_permutex2var_epi8(t0, x, t1);   // entries 0..127 (bit 6 picks)
    const __m512i high = _mm512_permutex2var_epi8(t2, x, t3);  // entries 128..255
    return _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), low, high);
  };
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) _mm512_storeu_si512(dst + i, map(_mm512_loadu_si512(src + i)));
  if (i < n) {
    const __mmask64 m = _bzhi_u64(~0ULL, static_cast<unsigned>(n - i));
    _mm512_mask_storeu_epi8(dst + i, m, map(_mm512_maskz_loadu_epi8(m, src + i)));
  }
}

}  // namespace

ByteMapFn byte_map_avx512vbmi() {
  const bool cpu = __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vbmi");
  return cpu ? byte_map_vbmi : nullptr;
}

}  // namespace edgebench::cpu::int8
