// The machine's measured GEMM peak through the kernel library the cpu backend
// uses (oneDNN): fp32 (dnnl_sgemm) and int8 (dnnl_gemm_u8s8s32), on one thread
// by default. The figure the FP32 runs' GFLOP/s are compared with (FLOPs = 2 x MACs).
//
// Built as build/edgebench_gemm_peak; bench/compare_runtimes.py runs it.
// Run:
//   build/edgebench_gemm_peak [threads=1] [seconds per size=1]
// The last line of the output is JSON: {"threads", "fp32_gflops", "int8_gops"}.
#include <dnnl.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Runs `fn` repeatedly for `seconds`; returns the best single-call time.
template <typename F>
double best_time(F fn, double seconds) {
  fn();  // warm-up (packing buffers, JIT)
  double best = 1e30;
  const double end = now_s() + seconds;
  do {
    const double t0 = now_s();
    fn();
    best = std::min(best, now_s() - t0);
  } while (now_s() < end);
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const double seconds = argc > 2 ? std::atof(argv[2]) : 1.0;
  omp_set_num_threads(threads);
  std::printf("threads %d, ISA %d\n", threads, static_cast<int>(dnnl_get_effective_cpu_isa()));

  double best_f32 = 0, best_s8 = 0;
  for (int n : {256, 512, 1024, 2048}) {
    const int64_t m = n, k = n;
    std::vector<float> a(m * k, 0.5f), b(k * n, 0.25f), c(m * n, 0.f);
    const double t = best_time(
        [&] { dnnl_sgemm('N', 'N', m, n, k, 1.f, a.data(), k, b.data(), n, 0.f, c.data(), n); },
        seconds);
    const double gflops = 2.0 * m * n * k / t / 1e9;
    best_f32 = std::max(best_f32, gflops);
    std::printf("sgemm        %5d^3: %7.3f ms  %7.1f GFLOP/s\n", n, t * 1e3, gflops);
  }
  for (int n : {256, 512, 1024, 2048}) {
    const int64_t m = n, k = n;
    std::vector<uint8_t> a(m * k, 3);
    std::vector<int8_t> b(k * n, 2);
    std::vector<int32_t> c(m * n, 0);
    const int32_t co = 0;
    const double t = best_time(
        [&] {
          dnnl_gemm_u8s8s32('N', 'N', 'F', m, n, k, 1.f, a.data(), k, 0, b.data(), n, 0, 0.f,
                            c.data(), n, &co);
        },
        seconds);
    const double gops = 2.0 * m * n * k / t / 1e9;
    best_s8 = std::max(best_s8, gops);
    std::printf("gemm_u8s8s32 %5d^3: %7.3f ms  %7.1f GOP/s\n", n, t * 1e3, gops);
  }
  std::printf("peak fp32 %.1f GFLOP/s, int8 %.1f GOP/s (%.2fx)\n", best_f32, best_s8,
              best_s8 / best_f32);
  std::printf("{\"threads\": %d, \"fp32_gflops\": %.2f, \"int8_gops\": %.2f}\n", threads, best_f32,
              best_s8);
  return 0;
}
