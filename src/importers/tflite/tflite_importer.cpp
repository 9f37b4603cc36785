// TFLite model -> IR: verification, tensors, buffers and quantization parameters.
// Operator mappings live in tflite_ops.cpp.
#include "importers/tflite/tflite_importer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "importers/tflite/tflite_reader.h"
#include "util/mapped_file.h"

namespace edgebench {
namespace tflite_import {
namespace {

constexpr uint32_t kSchemaVersion = 3;
constexpr size_t kMaxRank = 8;
// Largest element count of one tensor, counting zero dimensions as 1 so that every partial
// product of its dimensions (e.g. KH*KW*Cin in a cost formula) stays far from int64 overflow.
constexpr int64_t kMaxElements = int64_t{1} << 31;
// Budget units charged per tensor or node built, on top of the data copied into it: a file
// can name one table many times, so what bounds the graph's memory must be per object.
constexpr size_t kFixedCharge = 32;

std::string q(const std::string& s) {
  return "'" + s + "'";
}

// Vector element read without assuming the element is aligned: the verifier only checks
// the alignment of a vector's length prefix, so 8-byte elements may sit at 4 (mod 8).
template <typename T>
T load(const flatbuffers::Vector<T>* v, size_t i) {
  T x;
  std::memcpy(&x, v->Data() + i * sizeof(T), sizeof(T));
  return x;
}

bool map_dtype(tflite::TensorType t, DType* out) {
  switch (t) {
    case tflite::TensorType::FLOAT32: *out = DType::kF32; return true;
    case tflite::TensorType::FLOAT16: *out = DType::kF16; return true;
    case tflite::TensorType::INT8: *out = DType::kI8; return true;
    case tflite::TensorType::UINT8: *out = DType::kU8; return true;
    case tflite::TensorType::INT32: *out = DType::kI32; return true;
    case tflite::TensorType::INT64: *out = DType::kI64; return true;
    default: return false;
  }
}

std::string type_name(tflite::TensorType t) {
  const char* n = tflite::EnumNameTensorType(t);
  return *n ? n : "type " + std::to_string(static_cast<int>(t));
}

}  // namespace

ModelReader::ModelReader(std::span<const uint8_t> file, std::shared_ptr<const void> owner,
                         std::string name, const tflite::Model* model)
    : file_(file), owner_(std::move(owner)), name_(std::move(name)), model_(model) {
  // Generous for any real model (which stores each name, shape and quantization array once),
  // tiny next to what shared tables could otherwise make a small file expand into.
  budget_ = 4 * file.size() + (size_t{1} << 20);
}

void ModelReader::charge(size_t units) {
  if (units > budget_)
    fail(ErrorCode::kModel, name_,
         "model structure is implausibly large for its file size (shared tables or vectors)");
  budget_ -= units;
}

Tensor ModelReader::peek_tensor(int64_t index, const std::string& where) {
  if (index < 0 || static_cast<uint64_t>(index) >= num_tensors_)
    fail(ErrorCode::kModel, name_,
         where + " refers to tensor #" + std::to_string(index) + ", but subgraph 0 has " +
             std::to_string(num_tensors_) + " tensors");
  return make_tensor(static_cast<size_t>(index), where);
}

int ModelReader::tensor_id(int64_t index, const std::string& where) {
  if (index >= 0 && static_cast<uint64_t>(index) < num_tensors_ && ids_[index] >= 0)
    return ids_[index];
  Tensor t = peek_tensor(index, where);
  int id = g_.add_tensor(std::move(t));
  ids_[index] = id;
  return id;
}

Tensor ModelReader::make_tensor(size_t index, const std::string& where) {
  const tflite::Tensor* src = sg_->tensors()->Get(static_cast<flatbuffers::uoffset_t>(index));
  charge(kFixedCharge);
  Tensor t;
  if (src->name()) {
    charge(src->name()->size());
    t.name = src->name()->str();
  }
  const std::string at = where + ": tensor #" + std::to_string(index) + " " + q(t.name);
  auto unsupported = [&](const std::string& what) {
    fail(ErrorCode::kUnsupported, name_, at + ": " + what);
  };
  auto bad = [&](const std::string& what) { fail(ErrorCode::kModel, name_, at + ": " + what); };

  if (!map_dtype(src->type(), &t.dtype))
    unsupported("type " + type_name(src->type()) + " is not supported");
  if (src->sparsity()) unsupported("sparse tensors are not supported");
  if (src->external_buffer() != 0) unsupported("external buffers are not supported");
  if (src->is_variable()) unsupported("variable tensors are not supported");

  if (const auto* shape = src->shape()) {
    if (shape->size() > kMaxRank)
      unsupported("rank " + std::to_string(shape->size()) + " exceeds " + std::to_string(kMaxRank));
    charge(shape->size());
    int64_t bound = 1;
    for (flatbuffers::uoffset_t i = 0; i < shape->size(); ++i) {
      int64_t d = load(shape, i);
      t.shape.push_back(d);
      if (d < 0) bad("has invalid shape dimension " + std::to_string(d));
      if (d > 1 && bound > kMaxElements / d)
        unsupported("shape " + shape_str(t.shape) + "... is too large");
      bound *= std::max<int64_t>(d, 1);
    }
  }
  t.quant = read_quant(src->quantization(), t, at);
  t.data = read_buffer(src->buffer(), t, at);
  return t;
}

QuantParams ModelReader::read_quant(const tflite::QuantizationParameters* qp, const Tensor& t,
                                    const std::string& at) {
  QuantParams p;
  if (!qp) return p;
  auto bad = [&](const std::string& what) { fail(ErrorCode::kModel, name_, at + ": " + what); };
  if (qp->details_type() != tflite::QuantizationDetails::NONE)
    fail(ErrorCode::kUnsupported, name_,
         at + ": custom or blockwise quantization is not supported");
  const auto* scales = qp->scale();
  if (!scales || scales->size() == 0) return p;  // min/max only: not quantized
  const auto* zps = qp->zero_point();
  const size_t n = scales->size();
  const size_t nz = zps ? zps->size() : 0;
  if (nz != 0 && nz != n)
    bad("has " + std::to_string(n) + " scales but " + std::to_string(nz) + " zero points");
  charge(n + nz);
  if (n > 1) {
    const int32_t dim = qp->quantized_dimension();
    if (dim < 0 || static_cast<size_t>(dim) >= t.shape.size())
      bad("quantized_dimension " + std::to_string(dim) + " is outside shape " + shape_str(t.shape));
    if (t.shape[dim] != static_cast<int64_t>(n))
      bad("has " + std::to_string(n) + " scales, but dimension " + std::to_string(dim) +
          " of shape " + shape_str(t.shape) + " has " + std::to_string(t.shape[dim]) + " entries");
    p.axis = dim;
  }
  int64_t zmin = std::numeric_limits<int64_t>::min(), zmax = std::numeric_limits<int64_t>::max();
  if (t.dtype == DType::kU8) zmin = 0, zmax = 255;
  if (t.dtype == DType::kI8) zmin = -128, zmax = 127;
  p.scales.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    float s = load(scales, i);
    if (!std::isfinite(s) || s < 0) bad("has invalid scale " + std::to_string(s));
    p.scales.push_back(s);
  }
  p.zero_points.reserve(nz);
  for (size_t i = 0; i < nz; ++i) {
    int64_t z = load(zps, i);
    if (z < zmin || z > zmax)
      bad("zero point " + std::to_string(z) + " is out of range for " +
          std::string(dtype_name(t.dtype)));
    p.zero_points.push_back(z);
  }
  return p;
}

ConstData ModelReader::read_buffer(uint32_t index, const Tensor& t, const std::string& at) {
  auto bad = [&](const std::string& what) { fail(ErrorCode::kModel, name_, at + ": " + what); };
  const auto* buffers = model_->buffers();
  const size_t nb = buffers ? buffers->size() : 0;
  if (index == 0 && nb == 0) return {};  // the sentinel "no data" buffer, even when omitted
  if (index >= nb)
    bad("refers to buffer #" + std::to_string(index) + ", but the model has " + std::to_string(nb) +
        " buffers");
  const tflite::Buffer* b = buffers->Get(index);
  const std::string which = "buffer #" + std::to_string(index);
  const uint8_t* p = nullptr;
  size_t n = 0;
  if (b->offset() > 1) {
    // Models over 2 GB keep constants after the FlatBuffer, addressed from the file start.
    if (b->data() && b->data()->size() != 0) bad(which + " has both inline data and an offset");
    const uint64_t off = b->offset(), size = b->size();
    if (off > file_.size() || size > file_.size() - off)
      bad(which + " (offset " + std::to_string(off) + ", size " + std::to_string(size) +
          ") lies outside the " + std::to_string(file_.size()) + "-byte file");
    p = file_.data() + off;
    n = static_cast<size_t>(size);
  } else if (b->offset() == 1 || b->size() != 0) {
    bad(which + " has an unresolved offset/size (offset " + std::to_string(b->offset()) +
        ", size " + std::to_string(b->size()) + ")");
  } else if (b->data()) {
    p = b->data()->data();
    n = b->data()->size();
  }
  if (n == 0) return {};  // no data: an activation or graph input
  const size_t need = t.bytes();
  if (n != need)
    bad("constant data holds " + std::to_string(n) + " bytes, but shape " + shape_str(t.shape) +
        " of " + std::string(dtype_name(t.dtype)) + " needs " + std::to_string(need));
  if (reinterpret_cast<uintptr_t>(p) % dtype_size(t.dtype) != 0) {
    // Kernels read constants as typed arrays: realign the rare misplaced buffer.
    charge(n);
    std::vector<std::byte> copy(n);
    std::memcpy(copy.data(), p, n);
    return make_owned_const(std::move(copy));
  }
  return ConstData{reinterpret_cast<const std::byte*>(p), n, owner_};
}

void ModelReader::read_operator(size_t i) {
  const tflite::Operator* op = sg_->operators()->Get(static_cast<flatbuffers::uoffset_t>(i));
  const std::string at = "operator #" + std::to_string(i);
  const auto* codes = model_->operator_codes();
  const size_t ncodes = codes ? codes->size() : 0;
  if (op->opcode_index() >= ncodes)
    fail(ErrorCode::kModel, name_,
         at + " refers to operator code #" + std::to_string(op->opcode_index()) +
             ", but the model has " + std::to_string(ncodes));
  const tflite::OperatorCode* oc = codes->Get(op->opcode_index());
  // Old files fill only the one-byte deprecated code; new ones put 127 there past 127.
  const int32_t code = std::max(static_cast<int32_t>(oc->builtin_code()),
                                static_cast<int32_t>(oc->deprecated_builtin_code()));
  const auto bcode = static_cast<tflite::BuiltinOperator>(code);
  const std::string tfl_name = tflite::EnumNameBuiltinOperator(bcode);
  if (tfl_name.empty())
    fail(ErrorCode::kUnsupported, name_, at + " has unknown builtin code " + std::to_string(code));
  if (bcode == tflite::BuiltinOperator::CUSTOM) {
    std::string custom = oc->custom_code() ? oc->custom_code()->str() : "";
    charge(custom.size());
    fail(ErrorCode::kUnsupported, name_, at + " CUSTOM " + q(custom) + " is not supported");
  }
  charge(kFixedCharge);
  OpContext c(*this, i, op, tfl_name);
  Node n = map_operator(c, bcode);
  n.name = g_.tensor(n.outputs.at(0)).name;
  if (n.name.empty()) n.name = std::string(op_name(n.op)) + "_" + std::to_string(i);
  charge(n.name.size());
  g_.nodes.push_back(std::move(n));
}

Graph ModelReader::read() {
  g_.format = "tflite";
  g_.source = name_;
  if (model_->version() != kSchemaVersion)
    fail(ErrorCode::kUnsupported, name_,
         "schema version " + std::to_string(model_->version()) + " is not supported (expected " +
             std::to_string(kSchemaVersion) + ")");
  if (!model_->subgraphs() || model_->subgraphs()->size() == 0)
    fail(ErrorCode::kModel, name_, "model has no subgraphs");
  sg_ = model_->subgraphs()->Get(0);
  num_tensors_ = sg_->tensors() ? sg_->tensors()->size() : 0;
  charge(num_tensors_);
  ids_.assign(num_tensors_, -1);

  if (const auto* in = sg_->inputs()) {
    charge(in->size());
    for (flatbuffers::uoffset_t k = 0; k < in->size(); ++k) {
      const std::string at = "subgraph input #" + std::to_string(k);
      int id = tensor_id(load(in, k), at);
      if (g_.tensor(id).is_const())
        fail(ErrorCode::kModel, name_, at + ": tensor " + q(g_.tensor(id).name) + " is a constant");
      g_.inputs.push_back(id);
    }
  }
  if (const auto* ops = sg_->operators())
    for (flatbuffers::uoffset_t i = 0; i < ops->size(); ++i) read_operator(i);
  if (const auto* out = sg_->outputs()) {
    charge(out->size());
    for (flatbuffers::uoffset_t k = 0; k < out->size(); ++k)
      g_.outputs.push_back(tensor_id(load(out, k), "subgraph output #" + std::to_string(k)));
  }
  verify(g_);
  return std::move(g_);
}

// ---- OpContext -------------------------------------------------------------------------

OpContext::OpContext(ModelReader& r, size_t index, const tflite::Operator* op, std::string op_name)
    : r_(r), index_(index), op_(op), where_("operator #" + std::to_string(index) + " " + op_name) {
  auto copy = [&](const flatbuffers::Vector<int32_t>* v, std::vector<int32_t>& dst) {
    if (!v) return;
    r_.charge(v->size());
    dst.reserve(v->size());
    for (flatbuffers::uoffset_t k = 0; k < v->size(); ++k) dst.push_back(load(v, k));
  };
  copy(op->inputs(), inputs_);
  copy(op->outputs(), outputs_);
}

void OpContext::fail(ErrorCode code, const std::string& what) const {
  edgebench::fail(code, r_.name(), where_ + ": " + what);
}

void OpContext::fail_unsupported_operator() const {
  edgebench::fail(ErrorCode::kUnsupported, r_.name(), where_ + " is not supported");
}

void OpContext::need_inputs(size_t min, size_t max) const {
  need(inputs_.size() >= min && inputs_.size() <= max,
       "has " + std::to_string(inputs_.size()) + " inputs, expected " +
           (min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max)));
}

int OpContext::input(size_t i) {
  need(i < inputs_.size() && inputs_[i] != -1, "input " + std::to_string(i) + " is missing");
  return r_.tensor_id(inputs_[i], where_ + " input " + std::to_string(i));
}

int OpContext::optional_input(size_t i) {
  return has_input(i) ? input(i) : -1;
}

Tensor OpContext::peek_input(size_t i) {
  need(i < inputs_.size() && inputs_[i] != -1, "input " + std::to_string(i) + " is missing");
  return r_.peek_tensor(inputs_[i], where_ + " input " + std::to_string(i));
}

int OpContext::output() {
  need(outputs_.size() == 1, "has " + std::to_string(outputs_.size()) + " outputs, expected 1");
  return r_.tensor_id(outputs_[0], where_ + " output");
}

FusedActivation OpContext::activation(tflite::ActivationFunctionType a) const {
  switch (a) {
    case tflite::ActivationFunctionType::NONE: return make_activation(ActivationKind::kNone);
    case tflite::ActivationFunctionType::RELU: return make_activation(ActivationKind::kRelu);
    case tflite::ActivationFunctionType::RELU6: return make_activation(ActivationKind::kRelu6);
    case tflite::ActivationFunctionType::RELU_N1_TO_1:
      return make_activation(ActivationKind::kReluN1To1);
    default: break;
  }
  const char* n = tflite::EnumNameActivationFunctionType(a);
  fail(ErrorCode::kUnsupported, std::string("fused activation ") +
                                    (*n ? n : std::to_string(static_cast<int>(a))) +
                                    " is not supported");
}

std::vector<int64_t> OpContext::const_ints(const Tensor& t, size_t max_elements) const {
  if (!t.is_const())
    fail(ErrorCode::kUnsupported, "non-constant operand " + q(t.name) + " is not supported");
  need(t.dtype == DType::kI32 || t.dtype == DType::kI64,
       "operand " + q(t.name) + " must be int32 or int64");
  const size_t n = t.data.size / dtype_size(t.dtype);
  need(n <= max_elements, "operand " + q(t.name) + " has too many elements");
  std::vector<int64_t> v(n);
  for (size_t i = 0; i < n; ++i) {
    if (t.dtype == DType::kI32) {
      int32_t x;
      std::memcpy(&x, t.data.bytes() + 4 * i, 4);
      v[i] = x;
    } else {
      std::memcpy(&v[i], t.data.bytes() + 8 * i, 8);
    }
  }
  return v;
}

void OpContext::need_per_tensor(int id) const {
  if (t(id).quant.per_channel())
    fail(ErrorCode::kUnsupported,
         "per-channel quantization of " + q(t(id).name) + " is not supported here");
}

}  // namespace tflite_import

Graph import_tflite_buffer(const uint8_t* data, size_t size, std::shared_ptr<const void> owner,
                           const std::string& name) {
  if (data == nullptr || size == 0) fail(ErrorCode::kModel, name, "file is empty");
  // FlatBuffers reads scalars in place: give it a buffer aligned like a fresh mmap or malloc.
  if (reinterpret_cast<uintptr_t>(data) % alignof(std::max_align_t) != 0) {
    auto copy = std::make_shared<std::vector<std::max_align_t>>(
        (size + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t));
    std::memcpy(copy->data(), data, size);
    data = reinterpret_cast<const uint8_t*>(copy->data());
    owner = copy;
  }
  // The verifier rejects buffers of 2 GB or more; larger models keep constants past the
  // FlatBuffer (Buffer.offset), which read_buffer bounds against the whole file.
  const size_t fb_size = std::min<size_t>(size, FLATBUFFERS_MAX_BUFFER_SIZE - 1);
  flatbuffers::Verifier::Options opts;
  opts.max_depth = 64;
  opts.max_tables = 1000000;
  flatbuffers::Verifier verifier(data, fb_size, opts);
  if (!tflite::VerifyModelBuffer(verifier))
    fail(ErrorCode::kModel, name, "not a valid TFLite model (FlatBuffer verification failed)");
  tflite_import::ModelReader reader({data, size}, std::move(owner), name, tflite::GetModel(data));
  return reader.read();
}

Graph import_tflite(const std::string& path) {
  auto file = MappedFile::open(path, ErrorCode::kModel);
  return import_tflite_buffer(file->data(), file->size(), file, path);
}

}  // namespace edgebench
