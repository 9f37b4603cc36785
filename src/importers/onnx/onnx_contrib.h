// ONNX Runtime's quantized contrib operators (domain com.microsoft, written by
// its QOperator quantization and found in the ONNX Model Zoo's int8 models)
// rewritten, before import, into the standard operators that define them:
//   QLinearAdd / QLinearMul / QLinearSigmoid / QLinearSoftmax /
//   QLinearAveragePool / QLinearGlobalAveragePool / QLinearConcat / QGemm
//   = DequantizeLinear of each input -> the float operator -> QuantizeLinear
// (QGemm without an output scale: no QuantizeLinear; its int32 bias is
// dequantized with scale a_scale x b_scale). The importer then reads them as it
// reads any QDQ model, and fold_qdq makes them quantized IR operators again.
// Nodes of other contrib operators are left alone (the importer names them as
// unsupported).
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>

namespace edgebench::onnx_import {

// Rewrites `graph` (of a model whose default-domain opset is `opset`) in
// place; returns how many contrib nodes were expanded. Errors (Error,
// kUnsupported / kModel) name `source` and the node.
int expand_contrib_quant_ops(onnx::GraphProto& graph, int64_t opset, const std::string& source);

}  // namespace edgebench::onnx_import
