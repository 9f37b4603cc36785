// A tensor of the graph IR: type, static shape, quantization parameters carried
// with it, and — for constants — a view of the bytes (usually into the mapped
// model file, otherwise into a buffer the graph keeps alive).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ir/dtype.h"

namespace edgebench {

using Shape = std::vector<int64_t>;

int64_t shape_elements(const Shape& s);
std::string shape_str(const Shape& s);  // "1x224x224x3"

// Affine quantization real = scale * (q - zero_point), per tensor (axis < 0,
// one scale) or per channel along `axis` (one scale per index of that axis).
struct QuantParams {
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  int axis = -1;

  bool empty() const { return scales.empty(); }
  bool per_channel() const { return axis >= 0; }
  float scale(size_t channel = 0) const { return scales[per_channel() ? channel : 0]; }
  int64_t zero_point(size_t channel = 0) const {
    return zero_points.empty() ? 0 : zero_points[per_channel() ? channel : 0];
  }
};

// Read-only bytes of a constant. `owner` keeps the memory alive (the mapped
// file or a heap buffer); copying a ConstData never copies the bytes.
//
// A constant may also be deferred: bytes that are another constant's with the
// axes permuted (an importer's OIHW -> OHWI), made on first read. A backend
// that packs weights reads the source through the permutation instead
// (permutation()), so a model's weights are written once, where they run,
// and not also in an intermediate layout.
class ConstData {
 public:
  ConstData() = default;
  ConstData(const std::byte* ptr, size_t size, std::shared_ptr<const void> owner)
      : size(size), owner(std::move(owner)), ptr_(ptr) {}

  // Bytes `source` (shape `source_shape`, `elem_size` bytes per element) with
  // output axis i = source axis perm[i]; made when first read.
  static ConstData permuted(const ConstData& source, size_t elem_size, Shape source_shape,
                            std::vector<int> perm);

  // A constant whose bytes were dropped once a backend had copied them into its
  // own layout (weights packed at load), so they are not held twice: still a
  // constant for shapes and costs, but with no bytes to read.
  static ConstData released();
  bool is_released() const;

  bool present() const { return ptr_ != nullptr || deferred_ != nullptr; }
  // The bytes; a deferred constant's are made here, once (thread-safe).
  const std::byte* bytes() const;

  // How a deferred constant's bytes follow from its source's; nullptr for
  // any other constant.
  struct Permutation {
    const std::byte* source = nullptr;  // any alignment
    size_t elem_size = 0;
    Shape source_shape;
    std::vector<int> perm;
  };
  const Permutation* permutation() const;
  // Writes the bytes (`size` of them) into `dst`; a deferred constant's are
  // read through its permutation, not made.
  void copy_to(std::byte* dst) const;

  size_t size = 0;
  std::shared_ptr<const void> owner;

  // Set by make_writable_const: the bytes are a private buffer.
  std::byte* writable = nullptr;
  // The bytes, writable, when they are a private buffer and this is its only
  // copy: whoever reads them last (a backend packing weights) may reuse the
  // memory rather than write fresh pages. nullptr for shared bytes (a mapped
  // file; a buffer another copy still reads; a deferred constant).
  std::byte* exclusive_bytes() const {
    return writable && owner.use_count() == 1 ? writable : nullptr;
  }

 private:
  struct Deferred;
  const std::byte* ptr_ = nullptr;
  std::shared_ptr<Deferred> deferred_;
};

struct Tensor {
  std::string name;
  DType dtype = DType::kF32;
  Shape shape;
  QuantParams quant;
  ConstData data;  // none present: produced at run time (activation or graph input)

  bool is_const() const { return data.present(); }
  int64_t elements() const { return shape_elements(shape); }
  size_t bytes() const { return static_cast<size_t>(elements()) * dtype_size(dtype); }
  template <typename T>
  std::span<const T> const_span() const {
    return {reinterpret_cast<const T*>(data.bytes()), data.size / sizeof(T)};
  }
};

// Makes a ConstData owning a copy of `bytes` (for data an importer had to transform).
ConstData make_owned_const(std::vector<std::byte> bytes);
// A ConstData owning `size` uninitialized bytes, and where to write them: for a
// loop that writes every byte (a copy, a permutation), which then need not be
// zeroed first. Filled before anything reads the constant.
struct WritableConst {
  ConstData data;
  std::byte* bytes = nullptr;
};
WritableConst make_writable_const(size_t size);
template <typename T>
ConstData make_owned_const(const std::vector<T>& values) {
  std::vector<std::byte> b(values.size() * sizeof(T));
  if (!b.empty()) std::memcpy(b.data(), values.data(), b.size());
  return make_owned_const(std::move(b));
}

}  // namespace edgebench
