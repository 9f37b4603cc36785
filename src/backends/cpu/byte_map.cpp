#include "backends/cpu/byte_map.h"

#include <string_view>

#include "backends/cpu/int8_kernels.h"

namespace edgebench::cpu::int8 {

void byte_map_generic(const uint8_t* table, const uint8_t* src, uint8_t* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = table[src[i]];
}

ByteMapFn byte_map() {
  static const ByteMapFn fn = [] {
    // Where the int8 kernels chosen for this CPU (under oneDNN's cap) are AVX-512.
    const bool allowed = std::string_view(int8_kernels().isa).starts_with("avx512");
    const ByteMapFn vbmi = allowed ? byte_map_avx512vbmi() : nullptr;
    return vbmi ? vbmi : byte_map_generic;
  }();
  return fn;
}

}  // namespace edgebench::cpu::int8
