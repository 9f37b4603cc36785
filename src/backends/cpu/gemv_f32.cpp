// f32 matrix-vector product (gemv_f32.h). GCC vector types, so that each
// target clone gets its own vector width from one source.
#include "backends/cpu/gemv_f32.h"

#include <algorithm>

namespace edgebench::cpu {
namespace {

// 16 lanes: one zmm, two ymm, four xmm, as the clone allows. aligned(4):
// the weights' rows need not start on a 64-byte boundary.
typedef float V16 __attribute__((vector_size(64), aligned(4), may_alias));

// A macro, not a function: a vector argument to a function without the
// clone's target attribute changes the ABI (clang rejects it).
#define EB_LANE_SUM(v)                                                                       \
  ((v)[0] + (v)[1] + (v)[2] + (v)[3] + (v)[4] + (v)[5] + (v)[6] + (v)[7] + (v)[8] + (v)[9] + \
   (v)[10] + (v)[11] + (v)[12] + (v)[13] + (v)[14] + (v)[15])

}  // namespace

// Four rows at a time share each load of x; four independent weight streams
// keep the hardware prefetchers busy.
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) void gemv_f32(
    const GemvArgs& a, int64_t row_begin, int64_t row_end) {
  const int64_t k = a.k, k16 = k / 16 * 16;
  const auto finish = [&](int64_t o, float dot) {
    const float v = dot + (a.bias ? a.bias[o] : 0.0f);
    a.y[o] = std::min(std::max(v, a.lo), a.hi);
  };
  int64_t o = row_begin;
  for (; o + 4 <= row_end; o += 4) {
    const float* w0 = a.w + o * k;
    const float *w1 = w0 + k, *w2 = w1 + k, *w3 = w2 + k;
    V16 s0 = {}, s1 = {}, s2 = {}, s3 = {};
    for (int64_t i = 0; i < k16; i += 16) {
      const V16 x = *reinterpret_cast<const V16*>(a.x + i);
      s0 += *reinterpret_cast<const V16*>(w0 + i) * x;
      s1 += *reinterpret_cast<const V16*>(w1 + i) * x;
      s2 += *reinterpret_cast<const V16*>(w2 + i) * x;
      s3 += *reinterpret_cast<const V16*>(w3 + i) * x;
    }
    float d0 = EB_LANE_SUM(s0), d1 = EB_LANE_SUM(s1), d2 = EB_LANE_SUM(s2), d3 = EB_LANE_SUM(s3);
    for (int64_t i = k16; i < k; ++i) {
      d0 += w0[i] * a.x[i];
      d1 += w1[i] * a.x[i];
      d2 += w2[i] * a.x[i];
      d3 += w3[i] * a.x[i];
    }
    finish(o, d0);
    finish(o + 1, d1);
    finish(o + 2, d2);
    finish(o + 3, d3);
  }
  for (; o < row_end; ++o) {
    const float* w0 = a.w + o * k;
    V16 s0 = {};
    for (int64_t i = 0; i < k16; i += 16)
      s0 += *reinterpret_cast<const V16*>(w0 + i) * *reinterpret_cast<const V16*>(a.x + i);
    float d0 = EB_LANE_SUM(s0);
    for (int64_t i = k16; i < k; ++i) d0 += w0[i] * a.x[i];
    finish(o, d0);
  }
}

#undef EB_LANE_SUM

}  // namespace edgebench::cpu
