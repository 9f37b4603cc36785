// Weight packing and kernel choice for the int8 GEMM (int8_gemm.h).
#include "backends/cpu/int8_gemm.h"

#include <algorithm>
#include <cstring>
#include <dnnl.hpp>

#include "backends/cpu/dnnl_util.h"

namespace edgebench::cpu::int8 {

std::vector<int8_t> pack_gemm_weights(const int8_t* w, int n, int k) {
  const int groups = (k + 3) / 4;
  const int blocks = (n + kGemmBlock - 1) / kGemmBlock;
  std::vector<int8_t> packed(static_cast<size_t>(blocks) * groups * kGemmBlock * 4, 0);
  size_t at = 0;
  for (int block = 0; block < blocks; ++block) {
    const int first = block * kGemmBlock;
    const int lanes = std::min(kGemmBlock, n - first);
    const int vectors = (lanes + 15) / 16;
    for (int g = 0; g < groups; ++g, at += static_cast<size_t>(vectors) * 16 * 4) {
      int8_t* dst = packed.data() + at;
      const int8_t* src = w + static_cast<int64_t>(first) * k + g * 4;
      if (g * 4 + 4 <= k) {
        for (int lane = 0; lane < lanes; ++lane) std::memcpy(dst + lane * 4, src + lane * k, 4);
      } else {  // the last group: the rest of it stays zero
        for (int lane = 0; lane < lanes; ++lane)
          for (int j = 0; g * 4 + j < k; ++j) dst[lane * 4 + j] = src[lane * k + j];
      }
    }
  }
  packed.resize(at);
  return packed;
}

GemmFn gemm_u8s8() {
  static const GemmFn fn = [] {
    // Same cap as the other int8 kernels: ONEDNN_MAX_CPU_ISA below AVX-512 turns it off.
    const bool allowed = onednn_isa_has(dnnl::cpu_isa::avx512_core_vnni);
    const bool cpu = __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                     __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vnni");
    return allowed && cpu ? gemm_u8s8_avx512vnni() : nullptr;
  }();
  return fn;
}

}  // namespace edgebench::cpu::int8
