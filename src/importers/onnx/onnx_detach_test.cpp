// Detaching raw_data: the rewritten ModelProto says the same thing, with large
// initializers' bytes referred to where they lie in the file; importing a file
// (which detaches) gives what importing the same bytes from memory (which
// does not) gives, wherever the bytes happen to lie.
#include "importers/onnx/onnx_detach.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "importers/onnx/onnx_test_models.h"

namespace edgebench {
namespace {

using namespace onnx_test;
namespace fs = std::filesystem;

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string external_value(const TensorProto& t, const std::string& key) {
  for (const auto& kv : t.external_data())
    if (kv.key() == key) return kv.value();
  return "";
}

ModelProto two_initializers() {
  ModelProto m = new_model();
  m.set_producer_name("test");
  add_input(m, "x", {1, 4, 8, 8});
  add_init(m, "big", {16, 4, 3, 3}, random_values(16 * 4 * 9, 1));  // 2304 bytes
  add_init(m, "small", {16}, random_values(16, 2));                 // 64 bytes
  add_node(m, "Conv", {"x", "big", "small"}, {"y"}, "conv0");
  add_output(m, "y");
  return m;
}

TEST(DetachRawData, LargeInitializersPointIntoTheFileAndTheRestIsKept) {
  const ModelProto m = two_initializers();
  const std::string file = m.SerializeAsString();
  auto detached = detach_raw_data(bytes_of(file), "model.onnx", 1000);
  ASSERT_TRUE(detached);
  EXPECT_LT(detached->size(), file.size() - 2000);
  ModelProto d;
  ASSERT_TRUE(d.ParseFromString(*detached));

  const TensorProto& big = d.graph().initializer(0);
  EXPECT_EQ(big.name(), "big");
  EXPECT_EQ(big.data_type(), TensorProto::FLOAT);
  EXPECT_EQ(big.dims_size(), 4);
  EXPECT_FALSE(big.has_raw_data());
  EXPECT_EQ(big.data_location(), TensorProto::EXTERNAL);
  EXPECT_EQ(external_value(big, "location"), "model.onnx");
  const size_t offset = std::stoul(external_value(big, "offset"));
  const size_t length = std::stoul(external_value(big, "length"));
  EXPECT_EQ(file.substr(offset, length), m.graph().initializer(0).raw_data());

  const TensorProto& small = d.graph().initializer(1);
  EXPECT_EQ(small.raw_data(), m.graph().initializer(1).raw_data());
  EXPECT_NE(small.data_location(), TensorProto::EXTERNAL);

  // Everything else is as it was.
  ModelProto rest = d;
  rest.mutable_graph()->mutable_initializer(0)->clear_external_data();
  rest.mutable_graph()->mutable_initializer(0)->clear_data_location();
  rest.mutable_graph()->mutable_initializer(0)->set_raw_data(m.graph().initializer(0).raw_data());
  EXPECT_EQ(rest.SerializeAsString(), file);
}

TEST(DetachRawData, NothingToDetachOrNotWireDataGivesNothing) {
  const std::string file = two_initializers().SerializeAsString();
  EXPECT_FALSE(detach_raw_data(bytes_of(file), "m.onnx", 1 << 20));
  EXPECT_FALSE(detach_raw_data(bytes_of(file.substr(0, file.size() / 2)), "m.onnx", 16));
  EXPECT_FALSE(detach_raw_data(bytes_of("\x08\x07garbage \xff\xff\xff\xff"), "m.onnx", 1));
}

TEST(DetachRawData, AlreadyExternalInitializersAreLeftAlone) {
  ModelProto m = two_initializers();
  TensorProto* t = m.mutable_graph()->mutable_initializer(0);
  auto* e = t->add_external_data();
  e->set_key("location");
  e->set_value("elsewhere.bin");
  const std::string file = m.SerializeAsString();
  EXPECT_FALSE(detach_raw_data(bytes_of(file), "m.onnx", 1000));
}

// Weights at every alignment mod 4 within the file (a doc string of 0..3
// bytes ahead of the graph moves them): the file import (mapped, detached,
// aligned or permuted by the importer) runs like the import from memory.
TEST(DetachRawData, ImportingTheFileMatchesImportingTheBytes) {
  const fs::path dir = fs::temp_directory_path() / ("eb_detach_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::vector<float> x = random_values(1 * 32 * 6 * 6, 9);
  for (int shift = 0; shift < 4; ++shift) {
    ModelProto m = new_model();
    m.set_doc_string(std::string(static_cast<size_t>(shift) + 1, 'd'));
    add_input(m, "x", {1, 32, 6, 6});
    add_init(m, "w3", {32, 32, 3, 3}, random_values(32 * 32 * 9, 3));  // permuted to OHWI
    add_init(m, "w1", {32, 32, 1, 1}, random_values(32 * 32, 4));      // kept as it is
    attr_ints(add_node(m, "Conv", {"x", "w3"}, {"a"}, "c3"), "pads", {1, 1, 1, 1});
    add_node(m, "Conv", {"a", "w1"}, {"y"}, "c1");
    add_output(m, "y");
    const std::string bytes = m.SerializeAsString();
    const std::string path = (dir / "model.onnx").string();
    std::ofstream(path, std::ios::binary) << bytes;
    SCOPED_TRACE("shift " + std::to_string(shift));
    EXPECT_EQ(run(import_onnx(path), x), run(import_proto(m), x));
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace edgebench
