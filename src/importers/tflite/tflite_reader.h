// Internal to the TFLite importer: the checked view of a verified model that the
// operator mappings (tflite_ops.cpp) build nodes from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "tflite_schema_generated.h"
#include "util/error.h"

namespace edgebench::tflite_import {

// Owns the Graph under construction. Tensors enter it lazily, the first time an operator or
// the subgraph's input/output list names them, so tensors no node uses (e.g. RESHAPE's shape
// operand) never reach the IR and cannot fail the import.
class ModelReader {
 public:
  ModelReader(std::span<const uint8_t> file, std::shared_ptr<const void> owner, std::string name,
              const tflite::Model* model);

  Graph read();

  const std::string& name() const { return name_; }
  Graph& graph() { return g_; }
  const tflite::Model* model() const { return model_; }

  // IR id of TFLite tensor `index` (adding it on first use). `where` prefixes errors.
  int tensor_id(int64_t index, const std::string& where);
  // The checked IR form of TFLite tensor `index` without adding it to the graph.
  Tensor peek_tensor(int64_t index, const std::string& where);

  // Accounts for data copied out of the file; fails when a small file (shared tables,
  // strings or vectors) would expand into an implausibly large graph.
  void charge(size_t units);

 private:
  Tensor make_tensor(size_t index, const std::string& where);
  QuantParams read_quant(const tflite::QuantizationParameters* q, const Tensor& t,
                         const std::string& where);
  ConstData read_buffer(uint32_t buffer, const Tensor& t, const std::string& where);
  void read_operator(size_t index);

  std::span<const uint8_t> file_;
  std::shared_ptr<const void> owner_;
  std::string name_;
  const tflite::Model* model_;
  const tflite::SubGraph* sg_ = nullptr;
  size_t num_tensors_ = 0;
  std::vector<int> ids_;  // TFLite tensor index -> IR id, -1 until first use
  size_t budget_ = 0;
  Graph g_;
};

// One operator being mapped: its operands, options and an error prefix naming it.
class OpContext {
 public:
  OpContext(ModelReader& r, size_t index, const tflite::Operator* op, std::string op_name);

  [[noreturn]] void fail(ErrorCode code, const std::string& what) const;
  [[noreturn]] void fail_unsupported_operator()
      const;  // "<file>: operator #i NAME is not supported"
  void need(bool ok, const std::string& what) const {
    if (!ok) fail(ErrorCode::kModel, what);
  }
  void need_inputs(size_t min, size_t max) const;

  size_t index() const { return index_; }
  const std::string& where() const { return where_; }
  size_t num_inputs() const { return inputs_.size(); }
  bool has_input(size_t i) const { return i < inputs_.size() && inputs_[i] != -1; }
  int input(size_t i);           // IR id of a required operand
  int optional_input(size_t i);  // -1 when absent (index -1 or past the end)
  int output();                  // IR id of the single output
  Tensor peek_input(size_t i);   // a required operand read without adding it to the graph
  const Tensor& t(int id) const { return r_.graph().tensor(id); }

  // The operator's options of type T, or null when it has none; wrong-typed options fail.
  template <typename T>
  const T* options() const {
    if (op_->builtin_options_type() == tflite::BuiltinOptions::NONE) return nullptr;
    const T* o = op_->builtin_options_as<T>();
    need(o != nullptr, "has options of the wrong type");
    return o;
  }
  template <typename T>
  const T* required_options() const {
    const T* o = options<T>();
    need(o != nullptr, "has no options");
    return o;
  }

  FusedActivation activation(tflite::ActivationFunctionType a) const;
  // Values of a constant int32/int64 operand with at most `max_elements` elements.
  std::vector<int64_t> const_ints(const Tensor& t, size_t max_elements) const;
  // Fails unless tensor `id` is quantized per tensor (or not at all).
  void need_per_tensor(int id) const;

 private:
  ModelReader& r_;
  size_t index_;
  const tflite::Operator* op_;
  std::string where_;  // "operator #3 CONV_2D"
  std::vector<int32_t> inputs_, outputs_;
};

// Builds the IR node for one operator (tflite_ops.cpp); fails for operators it does not map.
Node map_operator(OpContext& c, tflite::BuiltinOperator code);

}  // namespace edgebench::tflite_import
