// The ONNX test-case runner and `edgebench test-case`: a case written here (a Relu
// model and its .pb tensors) passes, a scaled expected output fails at a tight rtol and
// passes at a loose one, and malformed data is an input error.
#include "importers/onnx/onnx_test_case.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "util/error.h"

namespace edgebench {
namespace {

namespace fs = std::filesystem;

void write_tensor(const fs::path& p, const std::string& name, const std::vector<int64_t>& shape,
                  const std::vector<float>& v) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : shape) t.add_dims(d);
  for (float f : v) t.add_float_data(f);  // typed field (the zoo uses raw_data)
  std::ofstream(p, std::ios::binary) << t.SerializeAsString();
}

struct Case {
  fs::path dir;
  std::vector<float> x = {-1.5f, 0.25f, 2.0f, -0.125f, 3.0f, 0.5f};
  Case() {
    dir = fs::temp_directory_path() /
          ("edgebench_case_" + std::to_string(::getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir / "test_data_set_0");
    onnx::ModelProto m;
    m.set_ir_version(7);
    m.add_opset_import()->set_version(13);
    auto* g = m.mutable_graph();
    for (auto* list : {g->mutable_input(), g->mutable_output()}) {
      auto* v = list->Add();
      v->set_name(list == g->mutable_input() ? "x" : "y");
      auto* tt = v->mutable_type()->mutable_tensor_type();
      tt->set_elem_type(onnx::TensorProto::FLOAT);
      tt->mutable_shape()->add_dim()->set_dim_value(2);
      tt->mutable_shape()->add_dim()->set_dim_value(3);
    }
    auto* n = g->add_node();
    n->set_op_type("Relu");
    n->add_input("x");
    n->add_output("y");
    std::ofstream(dir / "model.onnx", std::ios::binary) << m.SerializeAsString();
    write_tensor(dir / "test_data_set_0" / "input_0.pb", "x", {2, 3}, x);
    expect(1.0f);
  }
  ~Case() { fs::remove_all(dir); }
  void expect(float scale) const {
    std::vector<float> y;
    for (float v : x) y.push_back(scale * std::max(v, 0.0f));
    write_tensor(dir / "test_data_set_0" / "output_0.pb", "y", {2, 3}, y);
  }
  int cli(const std::string& args) const {
    std::string cmd = std::string(EDGEBENCH_BINARY) + " test-case " + dir.string() + " " + args +
                      " > /dev/null 2>&1";
    int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }
};

TEST(OnnxTestCase, PassesAndFailsByTheAllcloseRule) {
  Case c;
  OnnxTestCaseResult r = run_onnx_test_case(c.dir.string(), {});
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_TRUE(r.pass());
  EXPECT_EQ(r.outputs[0].max_abs_err, 0.0);
  EXPECT_EQ(c.cli(""), 0);

  c.expect(1.01f);  // 1 % off: fails at rtol 1e-3, passes at 2e-2
  r = run_onnx_test_case(c.dir.string(), {});
  EXPECT_FALSE(r.pass());
  EXPECT_EQ(r.outputs[0].mismatches, 4);  // the four non-zero outputs
  EXPECT_NEAR(r.outputs[0].max_rel_err, 0.01 / 1.01, 1e-6);
  EXPECT_EQ(c.cli(""), 1);
  OnnxTestCaseOptions loose;
  loose.rtol = 2e-2;
  EXPECT_TRUE(run_onnx_test_case(c.dir.string(), loose).pass());
  EXPECT_EQ(c.cli("--rtol 2e-2"), 0);
}

TEST(OnnxTestCase, MismatchedOrMissingDataIsAnInputError) {
  Case c;
  write_tensor(c.dir / "test_data_set_0" / "input_0.pb", "x", {3, 2}, c.x);
  try {
    run_onnx_test_case(c.dir.string(), {});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInput) << e.what();
    EXPECT_NE(std::string(e.what()).find("input 'x'"), std::string::npos) << e.what();
  }
  EXPECT_EQ(c.cli(""), static_cast<int>(ErrorCode::kInput));
  std::ofstream(c.dir / "test_data_set_0" / "input_0.pb", std::ios::binary) << "\xff\xff\xff";
  EXPECT_EQ(c.cli(""), static_cast<int>(ErrorCode::kInput));
  fs::remove_all(c.dir / "test_data_set_0");
  EXPECT_EQ(c.cli(""), static_cast<int>(ErrorCode::kInput));
}

}  // namespace
}  // namespace edgebench
