#include "backends/cpu/byte_map.h"

#include <dnnl.hpp>

namespace edgebench::cpu::int8 {

void byte_map_generic(const uint8_t* table, const uint8_t* src, uint8_t* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = table[src[i]];
}

ByteMapFn byte_map() {
  static const ByteMapFn fn = [] {
    const auto isa = dnnl::get_effective_cpu_isa();
    const bool allowed =
        isa == dnnl::cpu_isa::avx512_core || isa == dnnl::cpu_isa::avx512_core_vnni ||
        isa == dnnl::cpu_isa::avx512_core_bf16 || isa == dnnl::cpu_isa::avx512_core_amx;
    const ByteMapFn vbmi = allowed ? byte_map_avx512vbmi() : nullptr;
    return vbmi ? vbmi : byte_map_generic;
  }();
  return fn;
}

}  // namespace edgebench::cpu::int8
