#include "data/dataset.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "util/error.h"

namespace edgebench {
namespace {
namespace fs = std::filesystem;

class DatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ =
        fs::temp_directory_path() /
        ("edgebench_dataset_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void touch(const fs::path& p) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << "x";
  }
  void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
  fs::path root_;
};

TEST_F(DatasetTest, WnidToClassIndexUsesSortedOrder) {
  EXPECT_EQ(imagenet_class_of_wnid("n01440764"), 0);    // tench
  EXPECT_EQ(imagenet_class_of_wnid("n15075141"), 999);  // toilet tissue
  EXPECT_EQ(imagenet_class_of_wnid("n00000000"), -1);
}

TEST_F(DatasetTest, ClassFolders) {
  touch(root_ / "n01443537" / "b.JPEG");
  touch(root_ / "n01440764" / "a.JPEG");
  touch(root_ / "n01440764" / "notes.txt");  // not an image: ignored
  Dataset d = load_dataset(root_.string());
  EXPECT_EQ(d.layout, "class-folders");
  ASSERT_EQ(d.items.size(), 2u);
  EXPECT_EQ(d.items[0].label, 0);
  EXPECT_EQ(d.items[1].label, 1);
  EXPECT_EQ(d.list_hash.size(), 64u);
}

// --skip N leaves out the first N images of the sorted list (the calibration
// images), --limit then takes the first of the rest.
TEST_F(DatasetTest, SelectItemsSkipsThenLimits) {
  for (const char* name : {"n01443537_d.JPEG", "n01440764_a.JPEG", "n01484850_c.JPEG",
                           "n01491361_b.JPEG", "n01494475_e.JPEG"})
    touch(root_ / name);
  Dataset all = load_dataset(root_.string());
  ASSERT_EQ(all.items.size(), 5u);

  Dataset d = all;
  select_items(d, 2, 0);
  ASSERT_EQ(d.items.size(), 3u);
  EXPECT_EQ(fs::path(d.items[0].path).filename(), "n01484850_c.JPEG");
  EXPECT_EQ(fs::path(d.items[2].path).filename(), "n01494475_e.JPEG");

  d = all;
  select_items(d, 1, 2);
  ASSERT_EQ(d.items.size(), 2u);
  EXPECT_EQ(fs::path(d.items[0].path).filename(), "n01443537_d.JPEG");
  EXPECT_EQ(fs::path(d.items[1].path).filename(), "n01484850_c.JPEG");

  d = all;
  select_items(d, 0, 0);
  EXPECT_EQ(d.items.size(), 5u);
  d = all;
  EXPECT_THROW(select_items(d, 5, 0), Error);  // nothing left
  EXPECT_THROW(select_items(d, -1, 0), Error);
}

TEST_F(DatasetTest, WnidPrefixFiles) {
  touch(root_ / "n01440764_tench.JPEG");
  touch(root_ / "n15075141_toilet_tissue.jpg");
  Dataset d = load_dataset(root_.string());
  EXPECT_EQ(d.layout, "wnid-prefix");
  ASSERT_EQ(d.items.size(), 2u);
  EXPECT_EQ(d.items[0].label, 0);
  EXPECT_EQ(d.items[1].label, 999);
}

TEST_F(DatasetTest, GroundTruthWithDevkitIds) {
  touch(root_ / "val" / "ILSVRC2012_val_00000001.JPEG");
  touch(root_ / "val" / "ILSVRC2012_val_00000002.JPEG");
  write(root_ / "gt.txt", "2\n1\n");
  // devkit ids are not sorted-wnid order: id 1 -> tench's neighbour here on purpose
  write(root_ / "map.txt", "n01443537\nn15075141\n");
  DatasetOptions opt{(root_ / "gt.txt").string(), (root_ / "map.txt").string()};
  Dataset d = load_dataset((root_ / "val").string(), opt);
  EXPECT_EQ(d.layout, "ground-truth");
  ASSERT_EQ(d.items.size(), 2u);
  EXPECT_EQ(d.items[0].label, 999);
  EXPECT_EQ(d.items[1].label, 1);
}

TEST_F(DatasetTest, GroundTruthCountMismatchIsAnError) {
  touch(root_ / "val" / "a.JPEG");
  write(root_ / "gt.txt", "1\n2\n");
  DatasetOptions opt{(root_ / "gt.txt").string(), ""};
  EXPECT_THROW(load_dataset((root_ / "val").string(), opt), Error);
}

TEST_F(DatasetTest, CsvWithHeaderAndRelativePaths) {
  touch(root_ / "img" / "x.png");
  touch(root_ / "img" / "y.bmp");
  write(root_ / "list.csv", "path,label\nimg/x.png,5\nimg/y.bmp,n01440764\n");
  Dataset d = load_dataset((root_ / "list.csv").string());
  EXPECT_EQ(d.layout, "csv");
  ASSERT_EQ(d.items.size(), 2u);
  EXPECT_EQ(d.items[0].label, 5);
  EXPECT_EQ(d.items[1].label, 0);
}

TEST_F(DatasetTest, BadInputsAreClearErrors) {
  try {
    load_dataset(root_.string());  // empty folder
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInput);
    EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos);
  }
  EXPECT_THROW(load_dataset((root_ / "missing").string()), Error);
  touch(root_ / "flat" / "cat.jpg");
  EXPECT_THROW(load_dataset((root_ / "flat").string()), Error);  // no wnid in the name
  write(root_ / "bad.csv", "a.png,n99999999\n");
  EXPECT_THROW(load_dataset((root_ / "bad.csv").string()), Error);
  write(root_ / "bad2.csv", "a.png,1000\n");
  EXPECT_THROW(load_dataset((root_ / "bad2.csv").string()), Error);
}

}  // namespace
}  // namespace edgebench
