// How a quantized tensor's real range is chosen from the values seen during
// calibration. Three methods, as in TensorRT / ONNX Runtime calibrators:
//   minmax      the smallest and largest value seen
//   percentile  clip the |x| (or x, for non-negative tensors) histogram at a percentile
//   entropy     TensorRT's KL-divergence search: the clipping threshold whose
//               quantized distribution loses least information (2048 bins)
// A tensor whose values are never negative (post-ReLU) is clipped one-sided on
// [0, T] with 256 levels; a signed tensor symmetrically on [-T, T] with 128
// levels per side, then intersected with what was seen.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace edgebench::passes::quantize {

enum class CalibMethod { kMinMax, kPercentile, kEntropy, kMse };

CalibMethod parse_calib_method(const std::string& name);  // throws Error(kUsage)
std::string calib_method_name(CalibMethod m);

struct RealRange {
  float min = 0, max = 0;
};

// The values one tensor took over all calibration inputs. Histograms need the
// final |x| bound first, so observation is two passes: observe_range() over
// every input, then start_histogram() and observe_histogram() over every input.
class TensorObserver {
 public:
  static constexpr int kBins = 2048;

  void observe_range(const float* x, size_t n);
  void start_histogram();
  void observe_histogram(const float* x, size_t n);

  float min() const { return min_; }
  float max() const { return max_; }
  bool non_negative() const { return min_ >= 0; }
  // The histogram's upper bound: max for non-negative tensors, else max |x|.
  float bound() const { return non_negative() ? max_ : std::max(-min_, max_); }
  // Counts of |x| (x for non-negative tensors) in kBins equal bins over
  // [0, bound()], exact zeros left out: they stay exact whatever the range,
  // and ReLU's spike of zeros would otherwise dominate the KL search.
  const std::vector<uint64_t>& histogram() const { return hist_; }
  uint64_t zeros() const { return zeros_; }

 private:
  float min_ = 0, max_ = 0;
  bool seen_ = false;
  std::vector<uint64_t> hist_;
  uint64_t zeros_ = 0;
};

// Index (exclusive) of the first bin count at which the histogram's cumulative
// share reaches `percent`; the threshold is that bin's upper edge.
int percentile_bins(const std::vector<uint64_t>& hist, double percent);

// TensorRT's entropy calibration: the number of bins i (levels <= i <= size)
// minimizing KL(P || Q), P = the first i bins with the rest folded into bin
// i-1, Q = P quantized to `levels` levels and expanded back.
int entropy_bins(const std::vector<uint64_t>& hist, int levels);

// The number of bins i (1 <= i <= size) whose upper edge, as the clipping
// threshold T, minimizes the expected squared quantization error of the
// histogram's values (bin centres) with `steps` equal steps over [0, T]:
// (T / steps)^2 / 12 for a value inside (uniform rounding noise), (x - T)^2 for
// a value clipped. `steps` is 255 for a non-negative tensor on [0, T], 127.5
// for a signed one on [-T, T] (|x| histogram, 255 steps over 2T).
int mse_bins(const std::vector<uint64_t>& hist, double steps);

// The real range the method picks for this tensor (always containing 0, as
// TFLite's zero point must be exactly representable).
RealRange choose_range(const TensorObserver& o, CalibMethod m, double percentile = 99.99);

}  // namespace edgebench::passes::quantize
