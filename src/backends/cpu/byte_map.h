// dst[i] = table[src[i]] for 8-bit data: any function of one uint8/int8
// value, tabulated once (a requantizing Concat's inputs). The generic loop
// runs everywhere; with AVX512-VBMI (Ice Lake, Zen 4 and later) two vpermi2b
// look up 64 bytes at a time. Pure data movement: exact by construction.
#pragma once

#include <cstdint>

namespace edgebench::cpu::int8 {

using ByteMapFn = void (*)(const uint8_t* table, const uint8_t* src, uint8_t* dst, int64_t n);

// The implementation for this CPU, capped like the other int8 kernels by
// oneDNN's effective ISA (ONEDNN_MAX_CPU_ISA=AVX2 selects the loop).
ByteMapFn byte_map();
// Each variant (nullptr: not built or not available on this CPU).
void byte_map_generic(const uint8_t* table, const uint8_t* src, uint8_t* dst, int64_t n);
ByteMapFn byte_map_avx512vbmi();

}  // namespace edgebench::cpu::int8
