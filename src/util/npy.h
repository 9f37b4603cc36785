// NumPy .npy files: read (format versions 1, 2 and 3) and write (version 1,
// or 2 when the header needs it), little-endian, C order. Byte for byte the
// files numpy.save writes. Errors are Error(kInput, "<path>: <problem>").
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "ir/dtype.h"
#include "ir/tensor.h"

namespace edgebench {

struct NpyArray {
  DType dtype = DType::kF32;
  Shape shape;
  std::vector<std::byte> data;  // elements * dtype_size bytes, C order
};

NpyArray read_npy(const std::string& path);
// Reads and checks the dtype and shape.
NpyArray read_npy(const std::string& path, DType dtype, const Shape& shape);

// `bytes` must equal shape_elements(shape) * dtype_size(dtype).
void write_npy(const std::string& path, DType dtype, const Shape& shape, const void* data,
               size_t bytes);
void write_npy(const std::string& path, const NpyArray& a);

// The header numpy writes for this dtype and shape (magic to the final '\n').
std::string npy_header(DType dtype, const Shape& shape);
// Parses an in-memory .npy file; `where` names it in errors.
NpyArray parse_npy(const std::byte* bytes, size_t size, const std::string& where);

}  // namespace edgebench
