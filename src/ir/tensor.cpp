#include "ir/tensor.h"

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
  ConstData d;
  d.ptr = &kReleasedByte;
  return d;
}

bool ConstData::is_released() const {
  return ptr == &kReleasedByte;
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
  w.data.ptr = w.bytes;
  w.data.size = size;
  w.data.writable = w.bytes;
  return w;
}

ConstData make_owned_const(std::vector<std::byte> bytes) {
  auto holder = std::make_shared<std::vector<std::byte>>(std::move(bytes));
  ConstData d;
  d.ptr = holder->empty() ? reinterpret_cast<const std::byte*>(holder.get()) : holder->data();
  d.size = holder->size();
  d.owner = holder;
  return d;
}

}  // namespace edgebench
