// byte_map: every variant this CPU runs equals the plain loop on every table
// entry, at lengths with and without whole 64-byte blocks, at unaligned offsets.
#include "backends/cpu/byte_map.h"

#include <gtest/gtest.h>

#include <vector>

namespace edgebench::cpu::int8 {
namespace {

TEST(ByteMap, VariantsEqualTheLoop) {
  std::vector<uint8_t> table(256), src(1000);
  for (int i = 0; i < 256; ++i) table[static_cast<size_t>(i)] = static_cast<uint8_t>(i * 37 + 11);
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<uint8_t>(i * 101 + i / 256);
  std::vector<ByteMapFn> variants = {byte_map()};
  if (ByteMapFn v = byte_map_avx512vbmi()) variants.push_back(v);
  for (ByteMapFn fn : variants)
    for (int64_t n : {0, 1, 63, 64, 65, 256, 700})
      for (size_t offset : {0, 3}) {
        std::vector<uint8_t> want(static_cast<size_t>(n) + 8, 0xAA), got = want;
        byte_map_generic(table.data(), src.data() + offset, want.data(), n);
        fn(table.data(), src.data() + offset, got.data(), n);
        EXPECT_EQ(got, want) << "n " << n << ", offset " << offset;  // tail bytes untouched too
      }
  if (!byte_map_avx512vbmi()) GTEST_SKIP() << "no AVX512-VBMI here: only the loop was checked";
}

}  // namespace
}  // namespace edgebench::cpu::int8
