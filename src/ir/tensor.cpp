#include "ir/tensor.h"

#include <cstring>
#include <mutex>

#include "ir/permute.h"
#include "util/error.h"
#include "util/load_phases.h"
#include "util/page_pool.h"

namespace edgebench {

int64_t shape_elements(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

std::string shape_str(const Shape& s) {
  if (s.empty()) return "scalar";
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += 'x';
    out += std::to_string(s[i]);
  }
  return out;
}

namespace {
const std::byte kReleasedByte{};
}  // namespace

ConstData ConstData::released() {
  return ConstData(&kReleasedByte, 0, nullptr);
}

bool ConstData::is_released() const {
  return ptr_ == &kReleasedByte;
}

struct ConstData::Deferred {
  ConstData source;
  Permutation how;
  std::once_flag once;
  ConstData made;
};

ConstData ConstData::permuted(const ConstData& source, size_t elem_size, Shape source_shape,
                              std::vector<int> perm) {
  // Read later, when nothing checks any more: every byte the permutation
  // reads must be there now (importers check sizes first; this is their net).
  if (source.size < static_cast<size_t>(shape_elements(source_shape)) * elem_size)
    fail(ErrorCode::kInternal, "",
         "a permuted constant of shape " + shape_str(source_shape) + " reads past its " +
             std::to_string(source.size) + " bytes");
  // Bytes that would not move, and are aligned for their elements: the source itself.
  if (permutation_keeps_bytes(source_shape, perm) &&
      reinterpret_cast<uintptr_t>(source.bytes()) % elem_size == 0)
    return source;
  auto d = std::make_shared<Deferred>();
  d->source = source;
  d->how = Permutation{source.bytes(), elem_size, std::move(source_shape), std::move(perm)};
  ConstData out;
  out.size = source.size;
  out.owner = d;  // keeps the source's bytes
  out.deferred_ = std::move(d);
  return out;
}

const std::byte* ConstData::bytes() const {
  if (!deferred_) return ptr_;
  Deferred& d = *deferred_;
  std::call_once(d.once, [&d, this] {
    const LoadPhase phase("permute_weights");
    WritableConst w = make_writable_const(size);
    permute_bytes(d.how.source, w.bytes, d.how.elem_size, d.how.source_shape, d.how.perm);
    d.made = std::move(w.data);
  });
  return d.made.ptr_;
}

const ConstData::Permutation* ConstData::permutation() const {
  return deferred_ ? &deferred_->how : nullptr;
}

void ConstData::copy_to(std::byte* dst) const {
  if (!deferred_) {
    if (size > 0) std::memcpy(dst, ptr_, size);
    return;
  }
  const Permutation& p = deferred_->how;
  permute_bytes(p.source, dst, p.elem_size, p.source_shape, p.perm);
}

WritableConst make_writable_const(size_t size) {
  WritableConst w;
  if (size >= kPagePoolMinBytes) {  // weights: see util/page_pool.h
    // Written whole at once: faulted in with one call, not a fault per page.
    PageBlock b = allocate_pages(size, /*populate=*/true);
    w.bytes = b.data;
    w.data.owner = std::move(b.owner);
  } else {
    std::shared_ptr<std::byte[]> holder(new std::byte[size > 0 ? size : 1]);
    w.bytes = holder.get();
    w.data.owner = std::move(holder);
  }
  w.data = ConstData(w.bytes, size, std::move(w.data.owner));
  w.data.writable = w.bytes;
  return w;
}

ConstData make_owned_const(std::vector<std::byte> bytes) {
  auto holder = std::make_shared<std::vector<std::byte>>(std::move(bytes));
  const std::byte* p =
      holder->empty() ? reinterpret_cast<const std::byte*>(holder.get()) : holder->data();
  return ConstData(p, holder->size(), holder);
}

}  // namespace edgebench
