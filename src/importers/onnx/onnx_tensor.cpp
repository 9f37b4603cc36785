#include "importers/onnx/onnx_tensor.h"

#include <onnx/onnx_pb.h>

#include <bit>
#include <cstring>
#include <limits>

#include "util/mapped_file.h"

namespace edgebench {

static_assert(std::endian::native == std::endian::little,
              "ONNX raw_data is little-endian; big-endian hosts would need byte swaps");

namespace {

using TP = onnx::TensorProto;

template <typename T>
std::vector<int64_t> ints_of(const OnnxTensorData& t) {
  std::vector<int64_t> v(static_cast<size_t>(t.elements()));
  for (size_t i = 0; i < v.size(); ++i) {
    T x;
    std::memcpy(&x, t.data.bytes() + i * sizeof(T), sizeof(T));
    v[i] = static_cast<int64_t>(x);
  }
  return v;
}

// Narrows int32_data (how the typed field carries 8-bit and bool elements) into bytes.
template <typename T>
ConstData narrow_int32(const TP& t, const std::string& where, ErrorCode corrupt) {
  std::vector<T> out(static_cast<size_t>(t.int32_data_size()));
  for (int i = 0; i < t.int32_data_size(); ++i) {
    int32_t x = t.int32_data(i);
    if (x < std::numeric_limits<T>::min() || x > std::numeric_limits<T>::max())
      fail(corrupt, where,
           "value " + std::to_string(x) + " does not fit " + onnx_elem_name(t.data_type()));
    out[static_cast<size_t>(i)] = static_cast<T>(x);
  }
  return make_owned_const(out);
}

template <typename T, typename Field>
ConstData copy_field(const Field& f) {
  return make_owned_const(std::vector<T>(f.begin(), f.end()));
}

// Parses a decimal external-data "offset"/"length" value.
uint64_t parse_u64(const std::string& s, const std::string& where, ErrorCode corrupt) {
  if (s.empty() || s.size() > 19) fail(corrupt, where, "bad external data number '" + s + "'");
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') fail(corrupt, where, "bad external data number '" + s + "'");
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

}  // namespace

std::vector<int64_t> OnnxTensorData::as_ints() const {
  switch (elem_type) {
    case TP::INT64: return ints_of<int64_t>(*this);
    case TP::INT32: return ints_of<int32_t>(*this);
    case TP::INT8: return ints_of<int8_t>(*this);
    case TP::UINT8:
    case TP::BOOL: return ints_of<uint8_t>(*this);
    default: return {};
  }
}

std::vector<float> OnnxTensorData::as_floats() const {
  if (elem_type != TP::FLOAT) return {};
  std::vector<float> v(static_cast<size_t>(elements()));
  if (!v.empty()) std::memcpy(v.data(), data.bytes(), v.size() * sizeof(float));
  return v;
}

size_t onnx_elem_size(int32_t elem_type) {
  switch (elem_type) {
    case TP::FLOAT:
    case TP::INT32: return 4;
    case TP::INT64: return 8;
    case TP::UINT8:
    case TP::INT8:
    case TP::BOOL: return 1;
    default: return 0;
  }
}

std::string onnx_elem_name(int32_t elem_type) {
  switch (elem_type) {
    case TP::FLOAT: return "float32";
    case TP::UINT8: return "uint8";
    case TP::INT8: return "int8";
    case TP::UINT16: return "uint16";
    case TP::INT16: return "int16";
    case TP::INT32: return "int32";
    case TP::INT64: return "int64";
    case TP::STRING: return "string";
    case TP::BOOL: return "bool";
    case TP::FLOAT16: return "float16";
    case TP::DOUBLE: return "float64";
    case TP::UINT32: return "uint32";
    case TP::UINT64: return "uint64";
    case TP::COMPLEX64: return "complex64";
    case TP::COMPLEX128: return "complex128";
    case TP::BFLOAT16: return "bfloat16";
    default: return "type " + std::to_string(elem_type);
  }
}

std::optional<DType> onnx_to_ir_dtype(int32_t elem_type) {
  switch (elem_type) {
    case TP::FLOAT: return DType::kF32;
    case TP::UINT8: return DType::kU8;
    case TP::INT8: return DType::kI8;
    case TP::INT32: return DType::kI32;
    case TP::INT64: return DType::kI64;
    default: return std::nullopt;
  }
}

int32_t ir_to_onnx_elem(DType t) {
  switch (t) {
    case DType::kF32: return TP::FLOAT;
    case DType::kU8: return TP::UINT8;
    case DType::kI8: return TP::INT8;
    case DType::kI32: return TP::INT32;
    case DType::kI64: return TP::INT64;
    case DType::kF16: return TP::FLOAT16;
    case DType::kBF16: return TP::BFLOAT16;
  }
  return TP::UNDEFINED;
}

bool onnx_shape_ok(const Shape& s) {
  if (s.size() > 32) return false;
  constexpr int64_t kMaxElements = int64_t{1} << 36;
  int64_t n = 1;
  for (int64_t d : s) {
    if (d < 0 || d > (int64_t{1} << 31)) return false;
    if (d > 0 && n > kMaxElements / d) return false;  // checked before multiplying
    n *= d;
  }
  return true;
}

OnnxTensorData decode_tensor_proto(TP& t, const std::string& where, ErrorCode corrupt,
                                   const ExternalDataReader* external) {
  OnnxTensorData out;
  out.name = t.name();
  out.elem_type = t.data_type();
  const std::string what = where.empty() ? "tensor '" + t.name() + "'" : where;
  out.shape.assign(t.dims().begin(), t.dims().end());
  if (!onnx_shape_ok(out.shape)) fail(corrupt, what, "invalid shape " + shape_str(out.shape));
  if (t.has_segment()) fail(ErrorCode::kUnsupported, what, "segmented tensors are not supported");
  const size_t esize = onnx_elem_size(out.elem_type);
  if (esize == 0)
    fail(ErrorCode::kUnsupported, what,
         "element type " + onnx_elem_name(out.elem_type) + " is not supported");
  const auto n = static_cast<uint64_t>(out.elements());
  const uint64_t want = n * esize;

  if (t.data_location() == TP::EXTERNAL) {
    if (!external)
      fail(corrupt, what, "refers to external data, which a model read from memory cannot use");
    std::string location;
    uint64_t offset = 0;
    std::optional<uint64_t> length;
    for (const auto& kv : t.external_data()) {
      if (kv.key() == "location")
        location = kv.value();
      else if (kv.key() == "offset")
        offset = parse_u64(kv.value(), what, corrupt);
      else if (kv.key() == "length")
        length = parse_u64(kv.value(), what, corrupt);
    }
    if (location.empty()) fail(corrupt, what, "external data without a location");
    out.data = (*external)(location, offset, length, t.name());
    if (out.data.size != want)
      fail(corrupt, what,
           "external data holds " + std::to_string(out.data.size) + " bytes, shape " +
               shape_str(out.shape) + " of " + onnx_elem_name(out.elem_type) + " needs " +
               std::to_string(want));
    // Left where it is even when not aligned to its element size: a weight the
    // importer permutes is then copied once, not twice (see values()).
    return out;
  }

  if (t.has_raw_data()) {
    if (t.raw_data().size() != want)
      fail(corrupt, what,
           "raw_data holds " + std::to_string(t.raw_data().size()) + " bytes, shape " +
               shape_str(out.shape) + " of " + onnx_elem_name(out.elem_type) + " needs " +
               std::to_string(want));
    auto holder = std::make_shared<std::string>();
    holder->swap(*t.mutable_raw_data());  // steal the bytes: callers decode each proto once
    if (reinterpret_cast<uintptr_t>(holder->data()) % esize != 0) {
      out.data = make_owned_const(
          std::vector<std::byte>(reinterpret_cast<const std::byte*>(holder->data()),
                                 reinterpret_cast<const std::byte*>(holder->data()) + want));
    } else {
      const auto* bytes = reinterpret_cast<const std::byte*>(holder->data());
      out.data = ConstData(bytes, holder->size(), holder);
    }
    return out;
  }

  int64_t count = 0;
  switch (out.elem_type) {
    case TP::FLOAT:
      count = t.float_data_size();
      if (static_cast<uint64_t>(count) == n) out.data = copy_field<float>(t.float_data());
      break;
    case TP::INT64:
      count = t.int64_data_size();
      if (static_cast<uint64_t>(count) == n) out.data = copy_field<int64_t>(t.int64_data());
      break;
    case TP::INT32:
      count = t.int32_data_size();
      if (static_cast<uint64_t>(count) == n) out.data = copy_field<int32_t>(t.int32_data());
      break;
    case TP::INT8:
      count = t.int32_data_size();
      if (static_cast<uint64_t>(count) == n) out.data = narrow_int32<int8_t>(t, what, corrupt);
      break;
    case TP::UINT8:
    case TP::BOOL:
      count = t.int32_data_size();
      if (static_cast<uint64_t>(count) == n) out.data = narrow_int32<uint8_t>(t, what, corrupt);
      break;
    default: break;
  }
  if (static_cast<uint64_t>(count) != n)
    fail(corrupt, what,
         "holds " + std::to_string(count) + " values, shape " + shape_str(out.shape) + " needs " +
             std::to_string(n));
  return out;
}

OnnxTensorData read_onnx_tensor_file(const std::string& path) {
  auto file = MappedFile::open(path, ErrorCode::kInput);
  if (file->size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    fail(ErrorCode::kInput, path, "tensor file larger than 2 GiB");
  TP t;
  if (!t.ParseFromArray(file->data(), static_cast<int>(file->size())))
    fail(ErrorCode::kInput, path, "not a serialized onnx.TensorProto (truncated or corrupt)");
  OnnxTensorData d = decode_tensor_proto(t, path, ErrorCode::kInput, nullptr);
  return d;
}

}  // namespace edgebench
