#include "ir/tensor.h"

#include <gtest/gtest.h>

#include <cstring>

namespace edgebench {
namespace {

TEST(WritableConst, IsExclusiveOnlyWhileItIsTheOnlyCopy) {
  for (size_t size : {size_t{16}, size_t{1} << 20}) {  // the heap, and the page pool
    WritableConst w = make_writable_const(size);
    std::memset(w.bytes, 3, size);
    ConstData d = std::move(w.data);
    EXPECT_EQ(d.size, size);
    EXPECT_EQ(d.bytes()[size - 1], std::byte{3});
    EXPECT_EQ(d.exclusive_bytes(), w.bytes);
    {
      const ConstData reader = d;  // e.g. the caller's graph, still holding the weights
      EXPECT_EQ(d.exclusive_bytes(), nullptr);
      EXPECT_EQ(reader.exclusive_bytes(), nullptr);
    }
    EXPECT_EQ(d.exclusive_bytes(), w.bytes);
  }
}

TEST(WritableConst, OtherConstantsAreNeverExclusive) {
  const ConstData owned = make_owned_const(std::vector<float>{1, 2, 3});
  EXPECT_EQ(owned.exclusive_bytes(), nullptr);
  EXPECT_EQ(ConstData::released().exclusive_bytes(), nullptr);
}

}  // namespace
}  // namespace edgebench
