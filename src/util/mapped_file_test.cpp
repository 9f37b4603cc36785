#include "util/mapped_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

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

}  // namespace
}  // namespace edgebench
