#include "util/page_pool.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "testing/resident_pages.h"

namespace edgebench {
namespace {

size_t page() {
  return static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

using testing::resident_pages;

TEST(PagePool, BlocksArePageAlignedZeroedAndDisjoint) {
  PageBlock a = allocate_pages(100000);
  PageBlock b = allocate_pages(3);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a.data) % page(), 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data) % page(), 0u);
  EXPECT_EQ(a.size, 100000u);
  for (size_t i = 0; i < a.size; ++i) ASSERT_EQ(a.data[i], std::byte{0});
  EXPECT_TRUE(b.data >= a.data + a.size || b.data + b.size <= a.data);
  std::memset(a.data, 1, a.size);
  std::memset(b.data, 2, b.size);
  EXPECT_EQ(a.data[a.size - 1], std::byte{1});
}

TEST(PagePool, ABlockLargerThanAChunkGetsOneOfItsOwn) {
  const size_t big = size_t{80} << 20;
  PageBlock b = allocate_pages(big);
  b.data[0] = std::byte{1};
  b.data[big - 1] = std::byte{1};
  EXPECT_EQ(resident_pages(b.data, big), 2u);  // only what was written counts
}

TEST(PagePool, PopulatedBlocksAreResidentAndReleasedOnesAreNot) {
  const size_t n = 64 * page();
  PageBlock b = allocate_pages(n, /*populate=*/true);
  EXPECT_EQ(resident_pages(b.data, n), n / page());
  // Keep the chunk mapped with a neighbour, so the check below reads the
  // released block's pages rather than an unmapped range.
  PageBlock neighbour = allocate_pages(page());
  std::byte* data = b.data;
  b = {};
  EXPECT_EQ(resident_pages(data, n), 0u);
}

TEST(PagePool, CopiesOfTheOwnerKeepTheBlock) {
  PageBlock b = allocate_pages(16 * page());
  std::memset(b.data, 7, b.size);
  std::shared_ptr<void> copy = b.owner;
  std::byte* data = b.data;
  b = {};
  EXPECT_EQ(data[5 * page()], std::byte{7});
  EXPECT_EQ(resident_pages(data, 16 * page()), 16u);
}

}  // namespace
}  // namespace edgebench
