// The cpu backend's own int8 kernels, with the reference's arithmetic bit for
// bit (TFLite's, or ONNX's float requantization where Requant::scale is set):
//  - qs8/qu8 requantization epilogue: int32 accumulators (from oneDNN's int8
//    products) plus per-channel and per-pixel correction terms, then
//    MultiplyByQuantizedMultiplier (double rounding) or the float scale,
//    + output zero point, clamped to the fused activation's range;
//  - depthwise convolution (multiplier 1), NHWC, the same epilogue fused;
//  - window sums of the input (the zero-point correction of uint8 weights);
//  - Add of two same-shaped quantized tensors.
//
// One implementation per ISA, each in its own translation unit
// (int8_kernels_<isa>.cpp); int8_kernels() picks one at first use from the CPU's
// features, capped by oneDNN's effective ISA (so ONEDNN_MAX_CPU_ISA=AVX2 selects
// the AVX2 kernels too). The ISA files include no library headers: only
// intrinsics and this header, so no inline function compiled for a wider ISA can
// leak into the rest of the program.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgebench::cpu::int8 {

// Per-output-channel requantization. Arrays are padded with zeros to a multiple
// of kChannelPad entries plus kChannelPad (requant_table.h builds them), so
// vector loads never read past them.
constexpr int kChannelPad = 16;

// Kernels split their work over the OpenMP threads only from this many
// elements (multiply-adds for the convolutions) up: below it a fork/join costs
// more than it saves, and on a busy machine every barrier risks waiting for a
// descheduled thread.
constexpr int64_t kMinParallelWork = 1 << 16;
// The same for elementwise kernels (Add, Quantize), in elements: each costs
// tens of operations, so 16 Ki of them take ~10 us, several fork/joins.
constexpr int64_t kMinParallelElements = 1 << 14;
struct Requant {
  const int32_t* multiplier = nullptr;     // Q0.31 mantissa
  const int32_t* left_shift = nullptr;     // max(shift, 0)
  const int32_t* right_shift = nullptr;    // max(-shift, 0)
  const int32_t* rounding_mask = nullptr;  // (1 << right_shift) - 1
  const int32_t* rounding_half = nullptr;  // rounding_mask >> 1
  bool any_left_shift = true;              // false: every left_shift is 0
  // Float requantization (Graph::requantization kFloat): non-null, it replaces
  // the five arrays above: quant::requantize_float(acc, scale[c]).
  const float* scale = nullptr;
  int32_t output_zero_point = 0;
  int32_t act_min = 0, act_max = 0;
};

// out[p][c] = requantize(acc[p][c] + channel_add[p][c] + pixel_add[p]).
struct EpilogueArgs {
  const int32_t* acc = nullptr;  // [pixels][channels]
  int64_t pixels = 0;
  int channels = 0;
  const int32_t* const* channel_add = nullptr;  // per pixel, a row of (padded) channels
  const int32_t* pixel_add = nullptr;           // [pixels], or nullptr
  Requant q;
  void* out = nullptr;  // [pixels][channels] of the output type
};

struct Geometry {
  int batch = 1;
  int in_h = 1, in_w = 1, in_c = 1;
  int out_h = 1, out_w = 1, out_c = 1;
  int filter_h = 1, filter_w = 1;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  int pad_top = 0, pad_left = 0;
};

// Depthwise convolution with multiplier 1 (out_c == in_c):
// acc[c] = bias[c] + sum over taps inside the image of w[tap][c] * (x[c] + input_offset),
// with w already offset by the filter zero point (int32, [taps][padded channels]).
// bias_interior[c] = bias[c] + input_offset * sum over all taps of w[tap][c]:
// the start value for pixels whose window lies inside the image, which then
// accumulate w * x without the offset (the same integer).
// The vector kernels rely on w being an 8-bit weight less an 8-bit zero point
// (within +-255), as the lowering builds it.
struct DepthwiseArgs {
  Geometry g;
  const void* x = nullptr;
  const int32_t* w = nullptr;
  const int32_t* bias = nullptr;           // padded channels
  const int32_t* bias_interior = nullptr;  // padded channels
  int32_t input_offset = 0;
  Requant q;
  void* out = nullptr;
  const int64_t* fused = nullptr;  // RequantTable::fused() for q's zero point, or nullptr
  // The kernel's own arrangement of w, bias_interior and q, made once by its
  // Kernels::pack_depthwise; nullptr: the kernel arranges them as it runs.
  const void* packed = nullptr;
};

// sums[p] = scale * (sum over the taps of output pixel p inside the image of
// sum_c x[tap pixel][c]) (raw values, wrapping int32), p over batch x out_h x out_w.
struct WindowSumArgs {
  Geometry g;
  const void* x = nullptr;
  int32_t* sums = nullptr;
  int32_t scale = 1;
};

// TFLite's quantized Add of two same-shaped tensors (reference_ops::Add):
// each input (x + offset) << left_shift rescaled by its multiplier, summed,
// rescaled by the output multiplier, + output offset, clamped. Multipliers are
// (mantissa, left shift, right shift) triples as in Requant. With is_float,
// ONNX's instead: quant::add_float(x + offset, ..., a_ratio, b_ratio) + output
// offset, clamped.
struct AddArgs {
  bool is_float = false;
  float a_ratio = 0, b_ratio = 0;
  const void* a = nullptr;
  const void* b = nullptr;
  void* out = nullptr;
  int64_t count = 0;
  int32_t a_offset = 0, b_offset = 0, output_offset = 0;
  int left_shift = 20;
  int32_t a_mult = 0, a_lsh = 0, a_rsh = 0;
  int32_t b_mult = 0, b_lsh = 0, b_rsh = 0;
  int32_t out_mult = 0, out_lsh = 0, out_rsh = 0;
  int32_t act_min = 0, act_max = 0;
};

// y = clamp(zero_point + round_half_away(x / scale), qmin, qmax): TFLite's
// Quantize (quant::quantize_real), NaN giving the zero point; with half_even,
// ONNX's QuantizeLinear (ties to even).
struct QuantizeArgs {
  const float* x = nullptr;
  void* y = nullptr;
  int64_t count = 0;
  float scale = 1;
  int32_t zero_point = 0;
  bool half_even = false;
};

struct Kernels {
  const char* isa = "generic";
  void (*requantize_u8)(const EpilogueArgs&);
  void (*requantize_s8)(const EpilogueArgs&);
  void (*depthwise_u8)(const DepthwiseArgs&);
  void (*depthwise_s8)(const DepthwiseArgs&);
  void (*window_sums_u8)(const WindowSumArgs&);
  void (*window_sums_s8)(const WindowSumArgs&);
  void (*add_u8)(const AddArgs&);
  void (*add_s8)(const AddArgs&);
  void (*quantize_u8)(const QuantizeArgs&);
  void (*quantize_s8)(const QuantizeArgs&);
  // Arranges depthwise_u8's (is_signed: depthwise_s8's) constants for these
  // arguments at `packed` (64-byte aligned), for DepthwiseArgs::packed, and
  // returns the bytes that takes (0: nothing to arrange); packed == nullptr
  // only counts them. nullptr: these kernels arrange nothing.
  size_t (*pack_depthwise)(const DepthwiseArgs&, bool is_signed, void* packed) = nullptr;
};

// The implementation for this CPU (chosen once).
const Kernels& int8_kernels();

// Each ISA's table (null entries: not built for this compiler/target).
const Kernels& generic_kernels();
const Kernels* avx2_kernels();
const Kernels* avx512_kernels();
const Kernels* avx512_vnni_kernels();  // avx512's, its depthwise kernels with AVX512-VNNI

// Scalar pieces the vector kernels use for tails (defined in the generic TU).
int32_t requantize_one(int32_t acc, const Requant& q, int channel);
int32_t add_one(int32_t a, int32_t b, const AddArgs& p);
void quantize_scalar_u8(const QuantizeArgs& p);
void quantize_scalar_s8(const QuantizeArgs& p);

}  // namespace edgebench::cpu::int8
