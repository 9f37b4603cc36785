// Operators of the IR and their typed attributes. Activations are NHWC; conv
// filters are OHWI ([Cout, KH, KW, Cin/groups]); depthwise filters are
// [1, KH, KW, Cin*multiplier] (TFLite's layout); fully-connected weights are
// [Cout, K]. Padding is always explicit (importers resolve SAME/VALID).
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>
#include <variant>
#include <vector>

namespace edgebench {

enum class OpType : uint8_t {
  kConv2D,
  kDepthwiseConv2D,
  kFullyConnected,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kAveragePool2D,
  kMaxPool2D,
  kMean,
  kConcat,
  kReshape,
  kTranspose,
  kPad,
  kSoftmax,
  kLogistic,
  kRelu,
  kRelu6,
  kClip,
  kBatchNorm,
  kQuantize,
  kDequantize,
};

std::string_view op_name(OpType op);

// A fused activation clamps an operator's float result to [min, max]
// (TFLite's fused_activation_function; ONNX conv+relu after fusion).
enum class ActivationKind : uint8_t { kNone, kRelu, kRelu6, kReluN1To1, kClip };
struct FusedActivation {
  ActivationKind kind = ActivationKind::kNone;
  float min = -std::numeric_limits<float>::infinity();
  float max = std::numeric_limits<float>::infinity();
};
FusedActivation make_activation(ActivationKind kind, float clip_min = 0, float clip_max = 0);
std::string_view activation_name(ActivationKind kind);

struct Padding2D {
  int top = 0, left = 0, bottom = 0, right = 0;
};

// Inputs: x [N,H,W,Cin], filter, optional bias [Cout] (input id -1 when absent).
struct Conv2DAttrs {
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  Padding2D pad;
  int groups = 1;            // Conv2D only
  int depth_multiplier = 1;  // DepthwiseConv2D only
  FusedActivation act;
};

// Inputs: x [N, ..., K] (flattened to [rows, K]), weights [Cout, K], optional bias.
struct FullyConnectedAttrs {
  bool keep_num_dims = false;
  FusedActivation act;
};

// Add/Sub/Mul/Div with NumPy broadcasting.
struct BinaryAttrs {
  FusedActivation act;
};

// AveragePool2D may read a second input: a constant f32 bias of one value per
// channel, added to the average before the activation (what remains of a
// pointwise convolution computed before the pool: passes/pool_below_pointwise.h).
struct Pool2DAttrs {
  int filter_h = 1, filter_w = 1;
  int stride_h = 1, stride_w = 1;
  Padding2D pad;
  bool count_include_pad = false;  // AveragePool2D: divisor counts padded cells
  FusedActivation act;
};

struct ReduceAttrs {
  std::vector<int> axes;  // non-negative, sorted
  bool keep_dims = false;
};

struct ConcatAttrs {
  int axis = 0;  // non-negative
  FusedActivation act;
};

struct TransposeAttrs {
  std::vector<int> perm;
};

// Inputs: x. Constant padding: value is a real number (quantized ops pad with the zero point).
struct PadAttrs {
  std::vector<int64_t> before, after;  // one entry per dimension
  float value = 0.0f;
};

struct SoftmaxAttrs {
  float beta = 1.0f;
  int axis = -1;  // normalized to the last axis by importers
};

struct ClipAttrs {
  float min = -std::numeric_limits<float>::infinity();
  float max = std::numeric_limits<float>::infinity();
};

// Inputs: x, scale, bias, mean, var (all [C], on the channel (last) axis).
struct BatchNormAttrs {
  float epsilon = 1e-5f;
};

struct NoAttrs {};

using Attrs =
    std::variant<NoAttrs, Conv2DAttrs, FullyConnectedAttrs, BinaryAttrs, Pool2DAttrs, ReduceAttrs,
                 ConcatAttrs, TransposeAttrs, PadAttrs, SoftmaxAttrs, ClipAttrs, BatchNormAttrs>;

}  // namespace edgebench
