// IR -> ONNX (opset 13). The IR is NHWC; ONNX operators are NCHW: weights are
// transposed at export, and activations are converted where an operator needs the
// other order (a Transpose node, inserted once per tensor and cancelled against its
// inverse). Graph inputs and outputs keep the IR's names, shapes and layout, so a
// TFLite model's exported input is still NHWC and an imported ONNX model keeps its
// NCHW signature. Graph metadata goes to metadata_props.
//
// Quantized graphs (tensors carrying QuantParams) are written in one of two forms:
//   kQdq     every quantized operator becomes DequantizeLinear on its inputs and
//            weights (per-axis for per-channel weights), the float operator, its
//            fused activation as Relu/Clip, then QuantizeLinear: what ONNX Runtime's
//            quantizer writes, and what our importer folds back (passes/fold_qdq).
//   kQLinear convolutions become QLinearConv and bias-free fully-connected layers
//            QLinearMatMul; operators without a standard QLinear form keep QDQ.
#pragma once

#include <string>

#include "ir/graph.h"

namespace edgebench {

struct OnnxExportOptions {
  enum class QuantForm { kQdq, kQLinear };
  QuantForm quant_form = QuantForm::kQdq;
};

// Writes g as an ONNX model file (validated with onnx::checker::check_model before writing).
// Float and quantized graphs. Throws Error(kUnsupported, ...) naming a node it cannot express.
void export_onnx(const Graph& g, const std::string& path, const OnnxExportOptions& opt = {});

// The serialized ModelProto export_onnx writes (for tests and tools).
std::string export_onnx_bytes(const Graph& g, const OnnxExportOptions& opt = {});

}  // namespace edgebench
