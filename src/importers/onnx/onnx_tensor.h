// onnx::TensorProto → dense little-endian bytes: initializers, Constant nodes and
// the input_N.pb / output_N.pb files of ONNX test cases. Every size is checked
// against the shape; anything else is an edgebench::Error, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ir/tensor.h"
#include "util/error.h"

namespace onnx {
class TensorProto;
}

namespace edgebench {

// A tensor decoded from a TensorProto, in ONNX order. Bool is one byte per element.
struct OnnxTensorData {
  std::string name;
  int32_t elem_type = 0;  // onnx::TensorProto_DataType
  Shape shape;
  ConstData data;  // exactly elements() * onnx_elem_size(elem_type) bytes

  int64_t elements() const { return shape_elements(shape); }
  // Typed access, for data known to be aligned (all but external data, which
  // lies in the file wherever it lies: read that through as_ints / as_floats).
  template <typename T>
  const T* values() const {
    if (reinterpret_cast<uintptr_t>(data.bytes()) % alignof(T) != 0)
      fail(ErrorCode::kInternal, name, "typed access to unaligned tensor data");
    return reinterpret_cast<const T*>(data.bytes());
  }
  // The values of an integer tensor (int8/16/32/64, uint8, bool) as int64; of a float one as float.
  std::vector<int64_t> as_ints() const;
  std::vector<float> as_floats() const;
};

// Bytes per element of the ONNX element types we decode (float32, uint8, int8,
// int32, int64, bool); 0 for the others.
size_t onnx_elem_size(int32_t elem_type);
// "float32", "uint8", ... for messages ("type 11" for one without a name).
std::string onnx_elem_name(int32_t elem_type);
// The IR dtype of an ONNX element type, where the IR has one.
std::optional<DType> onnx_to_ir_dtype(int32_t elem_type);
int32_t ir_to_onnx_elem(DType t);

// Largest tensor we accept anywhere in an ONNX file or test case: 2^31 per dimension,
// 2^36 elements in all (larger shapes are corrupt, not models).
bool onnx_shape_ok(const Shape& s);

// Reads the bytes of an externally stored tensor: (location, offset, length or none = to
// the end of the file). Throws Error.
using ExternalDataReader =
    std::function<ConstData(const std::string& location, uint64_t offset,
                            std::optional<uint64_t> length, const std::string& tensor_name)>;

// Decodes `t`. `where` prefixes messages; malformed data throws `corrupt` (kModel for a
// model, kInput for a test-data file), an element type we cannot hold throws kUnsupported.
// raw_data is moved out of `t`, not copied. `external` may be null (external data is then
// an error).
OnnxTensorData decode_tensor_proto(onnx::TensorProto& t, const std::string& where,
                                   ErrorCode corrupt, const ExternalDataReader* external);

// Reads a serialized TensorProto file (ONNX test-case layout). Throws kInput.
OnnxTensorData read_onnx_tensor_file(const std::string& path);

}  // namespace edgebench
