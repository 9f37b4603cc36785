// .npy reading and writing: round trips, numpy's exact header bytes, and
// malformed files that must end in Error(kInput, "<path>: ...").
#include "util/npy.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "util/error.h"

namespace edgebench {
namespace {

namespace fs = std::filesystem;

fs::path temp_file(const std::string& name) {
  return fs::temp_directory_path() /
         ("edgebench_npy_test_" + std::to_string(::getpid()) + "_" + name);
}

std::vector<std::byte> bytes(const std::string& s) {
  std::vector<std::byte> b(s.size());
  std::memcpy(b.data(), s.data(), s.size());
  return b;
}

ErrorCode parse_error(const std::string& file, std::string* what = nullptr) {
  const auto b = bytes(file);
  try {
    parse_npy(b.data(), b.size(), "x.npy");
  } catch (const Error& e) {
    if (what) *what = e.what();
    return e.code();
  }
  ADD_FAILURE() << "parsed";
  return ErrorCode::kInternal;
}

TEST(Npy, HeaderMatchesNumpy) {
  // numpy.save(np.zeros((1, 1001), np.uint8)): 128-byte v1.0 header with 20
  // spare spaces for the first dimension's growth.
  const std::string h = npy_header(DType::kU8, {1, 1001});
  ASSERT_EQ(h.size(), 128u);
  EXPECT_EQ(h.substr(0, 10), std::string("\x93NUMPY\x01\x00\x76\x00", 10));
  EXPECT_EQ(h.substr(10, 62), "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 1001), }");
  EXPECT_EQ(h.back(), '\n');
  EXPECT_EQ(h.find_first_not_of(' ', 72), 127u);
  // Scalars and 1-D shapes use Python's tuple syntax.
  EXPECT_NE(npy_header(DType::kF32, {}).find("'shape': (), }"), std::string::npos);
  EXPECT_NE(
      npy_header(DType::kI32, {7}).find("'descr': '<i4', 'fortran_order': False, 'shape': (7,), }"),
      std::string::npos);
  for (const Shape& s : {Shape{}, Shape{3}, Shape{1, 224, 224, 3}})
    EXPECT_EQ(npy_header(DType::kF32, s).size() % 64, 0u);
}

TEST(Npy, HeaderMatchesAFixtureFile) {
  const fs::path p = fs::path(EDGEBENCH_SOURCE_DIR) /
                     "tests/fixtures/tflite/mobilenet_v2_1.0_224_quant/input_00.npy";
  if (!fs::exists(p)) GTEST_SKIP() << p << " not found";
  const NpyArray a = read_npy(p.string(), DType::kU8, {1, 224, 224, 3});
  const std::string h = npy_header(a.dtype, a.shape);
  std::ifstream f(p, std::ios::binary);
  std::string head(h.size(), '\0');
  f.read(head.data(), static_cast<std::streamsize>(head.size()));
  EXPECT_EQ(head, h);
}

TEST(Npy, RoundTrip) {
  const fs::path p = temp_file("roundtrip.npy");
  const std::vector<float> v = {1.5f, -2, 3, 4, 5, 6};
  write_npy(p.string(), DType::kF32, {2, 3}, v.data(), v.size() * sizeof(float));
  const NpyArray a = read_npy(p.string());
  EXPECT_EQ(a.dtype, DType::kF32);
  EXPECT_EQ(a.shape, (Shape{2, 3}));
  ASSERT_EQ(a.data.size(), 24u);
  EXPECT_EQ(std::memcmp(a.data.data(), v.data(), 24), 0);
  for (DType t : {DType::kU8, DType::kI8, DType::kI32, DType::kI64, DType::kF16}) {
    NpyArray b;
    b.dtype = t;
    b.shape = {3, 1};
    b.data.assign(3 * dtype_size(t), std::byte{7});
    write_npy(p.string(), b);
    const NpyArray c = read_npy(p.string(), t, {3, 1});
    EXPECT_EQ(c.data, b.data);
  }
  // An empty array and a scalar.
  write_npy(p.string(), DType::kI8, {0, 5}, nullptr, 0);
  EXPECT_EQ(read_npy(p.string()).shape, (Shape{0, 5}));
  const int32_t s = -9;
  write_npy(p.string(), DType::kI32, {}, &s, 4);
  EXPECT_EQ(read_npy(p.string()).shape, Shape{});
  fs::remove(p);
}

TEST(Npy, ReadsVersions2And3) {
  for (char version : {'\x02', '\x03'}) {
    std::string dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }";
    dict.append(64 - (12 + dict.size() + 1) % 64, ' ');
    dict += '\n';
    std::string file = std::string("\x93NUMPY", 6) + version + '\0';
    const uint32_t len = static_cast<uint32_t>(dict.size());
    for (int i = 0; i < 4; ++i) file += static_cast<char>((len >> (8 * i)) & 0xff);
    file += dict;
    const int32_t v[2] = {5, -6};
    file.append(reinterpret_cast<const char*>(v), 8);
    const auto b = bytes(file);
    const NpyArray a = parse_npy(b.data(), b.size(), "v.npy");
    EXPECT_EQ(a.dtype, DType::kI32);
    EXPECT_EQ(a.shape, Shape{2});
  }
}

TEST(Npy, RejectsMalformedFiles) {
  const std::string good = npy_header(DType::kU8, {2}) + "ab";
  ASSERT_NO_THROW({
    const auto b = bytes(good);
    parse_npy(b.data(), b.size(), "x.npy");
  });
  std::string what;
  EXPECT_EQ(parse_error("NOTNUMPY........", &what), ErrorCode::kInput);
  EXPECT_EQ(what, "x.npy: not a .npy file");
  EXPECT_EQ(parse_error(good.substr(0, 40)), ErrorCode::kInput);  // truncated header
  EXPECT_EQ(parse_error(good.substr(0, good.size() - 1), &what), ErrorCode::kInput);  // short data
  EXPECT_NE(what.find("holds 1 data bytes"), std::string::npos);
  EXPECT_EQ(parse_error(good + "c"), ErrorCode::kInput);  // trailing data
  std::string fortran = good;
  fortran.replace(fortran.find("False"), 5, "True ");
  EXPECT_EQ(parse_error(fortran, &what), ErrorCode::kInput);
  EXPECT_NE(what.find("Fortran"), std::string::npos);
  std::string complex = good;
  complex.replace(complex.find("|u1"), 3, "<c8");
  EXPECT_EQ(parse_error(complex, &what), ErrorCode::kInput);
  EXPECT_NE(what.find("unsupported npy dtype '<c8'"), std::string::npos);
  std::string big_endian = good;
  big_endian.replace(big_endian.find("|u1"), 3, ">i4");
  EXPECT_EQ(parse_error(big_endian), ErrorCode::kInput);
  std::string version = good;
  version[6] = '\x09';
  EXPECT_EQ(parse_error(version), ErrorCode::kInput);
}

TEST(Npy, ChecksDtypeAndShape) {
  const fs::path p = temp_file("check.npy");
  const uint8_t v[4] = {1, 2, 3, 4};
  write_npy(p.string(), DType::kU8, {2, 2}, v, 4);
  try {
    read_npy(p.string(), DType::kI8, {2, 2});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInput);
    EXPECT_EQ(std::string(e.what()), p.string() + ": dtype u8, expected i8");
  }
  EXPECT_THROW(read_npy(p.string(), DType::kU8, {4}), Error);
  EXPECT_THROW(read_npy((p.string() + ".missing")), Error);
  EXPECT_THROW(write_npy(p.string(), DType::kU8, {3}, v, 4), Error);    // size mismatch
  EXPECT_THROW(write_npy(p.string(), DType::kBF16, {2}, v, 4), Error);  // no numpy dtype
  fs::remove(p);
}

}  // namespace
}  // namespace edgebench
