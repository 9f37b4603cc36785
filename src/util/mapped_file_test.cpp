#include "util/mapped_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "testing/resident_pages.h"

namespace edgebench {
namespace {

namespace fs = std::filesystem;

class MappedFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("eb_mapped_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(MappedFileTest, MapsTheWholeFile) {
  const fs::path p = dir_ / "data.bin";
  std::ofstream(p, std::ios::binary) << "hello, mapping";
  auto f = MappedFile::open(p.string(), ErrorCode::kInput);
  ASSERT_EQ(f->size(), 14u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(f->data()), f->size()), "hello, mapping");
  EXPECT_EQ(f->path(), p.string());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(f->data()) % 4096, 0u);
}

TEST_F(MappedFileTest, FailuresCarryTheCallersCodeAndThePath) {
  const fs::path empty = dir_ / "empty.bin";
  std::ofstream(empty).close();
  struct Case {
    fs::path path;
    std::string why;
  };
  for (const Case& c : {Case{dir_ / "missing.bin", "cannot open: No such file or directory"},
                        Case{empty, "file is empty"}, Case{dir_, "not a regular file"}}) {
    try {
      MappedFile::open(c.path.string(), ErrorCode::kInput);
      ADD_FAILURE() << c.path;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInput);
      EXPECT_EQ(std::string(e.what()).rfind(c.path.string() + ": ", 0), 0u) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.why), std::string::npos) << e.what();
    }
  }
}

using edgebench::testing::resident_pages;

class HeldRangeTest : public MappedFileTest {
 protected:
  void SetUp() override {
    MappedFileTest::SetUp();
    bytes_.resize(8 * page_);
    for (size_t i = 0; i < bytes_.size(); ++i) bytes_[i] = static_cast<char>(i * 7);
    path_ = (dir_ / "weights.bin").string();
    std::ofstream(path_, std::ios::binary) << bytes_;
  }
  const size_t page_ = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::string bytes_, path_;
};

TEST_F(HeldRangeTest, ReleasingGivesThePagesBackAndTheBytesReadTheSameAfter) {
  auto file = MappedFile::open(path_, ErrorCode::kInput);
  const uint8_t* r = file->data() + 2 * page_;
  auto held = MappedFile::hold_range(file, r, 3 * page_);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(r), 3 * page_),
            bytes_.substr(2 * page_, 3 * page_));
  EXPECT_EQ(resident_pages(r, 3 * page_), 3u);
  held.reset();
  EXPECT_EQ(resident_pages(r, 3 * page_), 0u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(r), 3 * page_),
            bytes_.substr(2 * page_, 3 * page_));
}

TEST_F(HeldRangeTest, ARangeKeepsItsMappingAlive) {
  auto file = MappedFile::open(path_, ErrorCode::kInput);
  const uint8_t* r = file->data() + page_ + 5;
  auto held = MappedFile::hold_range(file, r, 100);
  file.reset();
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(r), 100), bytes_.substr(page_ + 5, 100));
}

}  // namespace
}  // namespace edgebench
