// Bad input at the command line: each case exits with its documented code and
// one "error: <file>: <problem>" line on stderr, nothing on stdout.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "importers/onnx/onnx_test_models.h"
#include "testing/shared_data.h"
#include "util/npy.h"

namespace edgebench {
namespace {
namespace fs = std::filesystem;

struct CliResult {
  int code = -1;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The pid keeps concurrent runs (other checkouts on one machine) apart.
    dir_ = fs::temp_directory_path() /
           ("edgebench_cli_" + std::to_string(getpid()) + "_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  CliResult run(const std::string& args) { return run_env("", args); }
  // `env`: "NAME=value " assignments for the command.
  CliResult run_env(const std::string& env, const std::string& args) {
    std::string cmd = env + std::string(EDGEBENCH_BINARY) + " " + args + " >" +
                      (dir_ / "out").string() + " 2>" + (dir_ / "err").string();
    int status = std::system(cmd.c_str());
    CliResult r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(dir_ / "out");
    r.err = slurp(dir_ / "err");
    return r;
  }
  // One line, starting "error: ", naming `what`.
  void expect_error(const CliResult& r, int code, const std::string& what) {
    EXPECT_EQ(r.code, code) << r.err;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  fs::path write(const std::string& name, const std::string& bytes) {
    fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  fs::path model(const std::string& file) { return testing::shared_dir() / "models" / file; }
  fs::path dir_;
};

#define REQUIRE_SHARED_MODEL(p) \
  if (!fs::exists(p)) GTEST_SKIP() << testing::kNoSharedData

TEST_F(CliTest, BadFlagIsUsageError) {
  CliResult r = run("inspect --no-such-flag x.tflite");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u);
  EXPECT_EQ(run("frobnicate").code, 2);
  EXPECT_EQ(run("classify").code, 2);  // missing required arguments
}

TEST_F(CliTest, MissingModelFile) {
  expect_error(run("inspect " + (dir_ / "nope.tflite").string()), 3, "nope.tflite");
}

TEST_F(CliTest, NotAModel) {
  fs::path p = write("text.tflite", "hello, I am not a model");
  expect_error(run("inspect " + p.string()), 3, "text.tflite");
  fs::path q = write("random.bin", std::string(300, '\x7f'));
  expect_error(run("inspect " + q.string()), 3, "random.bin");
}

TEST_F(CliTest, TruncatedModel) {
  fs::path m = model("mobilenet_v1_0.25_128_quant.tflite");
  REQUIRE_SHARED_MODEL(m);
  std::string bytes = slurp(m);
  fs::path p = write("cut.tflite", bytes.substr(0, bytes.size() / 3));
  expect_error(run("inspect " + p.string()), 3, "cut.tflite");
  expect_error(run("classify " + p.string() + " x.bmp"), 3, "cut.tflite");
}

TEST_F(CliTest, UnsupportedOperatorIsNamed) {
  // An ONNX graph with one LRN node: valid model, operator we do not run.
  // Serialized by hand: ModelProto{ir_version=7, opset_import{version=13},
  // graph{node{input "x" output "y" op_type "LRN"} input{name "x"} output{name "y"}}}.
  std::string node = "\x0a\x01x\x12\x01y\x22\x03LRN";
  std::string graph = "\x0a" + std::string(1, static_cast<char>(node.size())) + node +
                      "\x5a\x03\x0a\x01x" + "\x62\x03\x0a\x01y";
  std::string model = std::string("\x08\x07", 2) + "\x42\x02\x10\x0d" + "\x3a" +
                      std::string(1, static_cast<char>(graph.size())) + graph;
  fs::path p = write("lrn.onnx", model);
  CliResult r = run("inspect " + p.string());
  EXPECT_TRUE(r.code == 4 || r.code == 3) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("lrn.onnx"), std::string::npos) << r.err;
}

TEST_F(CliTest, CorruptAndMissingImages) {
  fs::path m = model("mobilenet_v1_0.25_128_quant.tflite");
  REQUIRE_SHARED_MODEL(m);
  fs::path bad = write("broken.jpg", std::string("\xff\xd8\xff\xe0", 4) + std::string(100, '\0'));
  expect_error(run("classify " + m.string() + " " + bad.string()), 5, "broken.jpg");
  expect_error(run("classify " + m.string() + " " + (dir_ / "gone.png").string()), 5, "gone.png");
}

TEST_F(CliTest, NpyOfWrongDtypeOrShape) {
  fs::path m = model("mobilenet_v1_0.25_128_quant.tflite");
  REQUIRE_SHARED_MODEL(m);
  std::vector<float> f(128 * 128 * 3, 0.f);
  fs::path wrong_dtype = dir_ / "f32.npy";
  write_npy(wrong_dtype.string(), DType::kF32, {1, 128, 128, 3}, f.data(), f.size() * 4);
  expect_error(run("infer " + m.string() + " --input " + wrong_dtype.string()), 5, "f32.npy");
  std::vector<uint8_t> u(64 * 64 * 3, 0);
  fs::path wrong_shape = dir_ / "small.npy";
  write_npy(wrong_shape.string(), DType::kU8, {1, 64, 64, 3}, u.data(), u.size());
  expect_error(run("infer " + m.string() + " --input " + wrong_shape.string()), 5, "small.npy");
  fs::path garbage = write("garbage.npy", "\x93NUMPY garbage");
  expect_error(run("infer " + m.string() + " --input " + garbage.string()), 5, "garbage.npy");
}

TEST_F(CliTest, InferWritesTheOutputTensor) {
  fs::path m = model("mobilenet_v1_0.25_128_quant.tflite");
  REQUIRE_SHARED_MODEL(m);
  std::vector<uint8_t> u(128 * 128 * 3, 128);
  fs::path in = dir_ / "in.npy", out = dir_ / "out.npy";
  write_npy(in.string(), DType::kU8, {1, 128, 128, 3}, u.data(), u.size());
  CliResult r =
      run("infer " + m.string() + " --input " + in.string() + " --output " + out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  NpyArray y = read_npy(out.string());
  EXPECT_EQ(y.dtype, DType::kU8);
  EXPECT_EQ(y.shape, (Shape{1, 1001}));
}

TEST_F(CliTest, EmptyDatasetAndBadPreprocessing) {
  fs::path m = model("mobilenet_v1_0.25_128_quant.tflite");
  REQUIRE_SHARED_MODEL(m);
  fs::create_directories(dir_ / "empty");
  expect_error(run("run -q --model " + m.string() + " --dataset " + (dir_ / "empty").string()), 5,
               "empty");
  fs::create_directories(dir_ / "one");
  write("one/n01440764_x.bmp", "BM");
  expect_error(run("run -q --model " + m.string() + " --dataset " + (dir_ / "one").string() +
                   " --preprocess magic"),
               2, "magic");
}

TEST_F(CliTest, CorruptImageInDatasetIsCountedAndListed) {
  fs::path m = model("mobilenet_v1_0.25_128_quant.tflite");
  fs::path img = testing::shared_dir() / "images" / "cat.bmp";
  REQUIRE_SHARED_MODEL(m);
  fs::create_directories(dir_ / "ds");
  fs::copy_file(img, dir_ / "ds" / "n02123045_cat.bmp");
  write("ds/n01440764_broken.JPEG", std::string("\xff\xd8\xff", 3) + std::string(50, 'x'));
  fs::path json = dir_ / "r.json";
  CliResult r = run("run -q --model " + m.string() + " --dataset " + (dir_ / "ds").string() +
                    " --json " + json.string());
  ASSERT_EQ(r.code, 0) << r.err;
  std::string j = slurp(json);
  EXPECT_NE(j.find("\"failed_images\": 1"), std::string::npos) << j;
  EXPECT_NE(j.find("n01440764_broken.JPEG"), std::string::npos) << j;
  EXPECT_NE(j.find("\"images\": 1"), std::string::npos) << j;
  EXPECT_NE(r.out.find("could not be used"), std::string::npos) << r.out;
  // --strict turns the first failure into an error.
  CliResult s =
      run("run -q --strict --model " + m.string() + " --dataset " + (dir_ / "ds").string());
  EXPECT_EQ(s.code, 5) << s.err;
  EXPECT_NE(s.err.find("n01440764_broken.JPEG"), std::string::npos) << s.err;
}

TEST_F(CliTest, ExportRunsLikeTheOriginal) {
  fs::path m = model("mobilenet_v1_0.25_128_quant.tflite");
  REQUIRE_SHARED_MODEL(m);
  std::vector<uint8_t> u(128 * 128 * 3);
  for (size_t i = 0; i < u.size(); ++i) u[i] = static_cast<uint8_t>(i * 7);
  fs::path in = dir_ / "in.npy";
  write_npy(in.string(), DType::kU8, {1, 128, 128, 3}, u.data(), u.size());
  ASSERT_EQ(
      run("infer " + m.string() + " -i " + in.string() + " -o " + (dir_ / "want.npy").string())
          .code,
      0);
  for (const char* form : {"qdq", "qlinear"}) {
    SCOPED_TRACE(form);
    fs::path onnx = dir_ / (std::string(form) + ".onnx");
    CliResult r = run("export " + m.string() + " -o " + onnx.string() + " --quant-form " + form);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find(onnx.string()), std::string::npos) << r.out;
    fs::path got = dir_ / (std::string(form) + ".npy");
    r = run("infer " + onnx.string() + " -i " + in.string() + " -o " + got.string());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(slurp(got), slurp(dir_ / "want.npy"));  // the quantized graph came back intact
  }
}

TEST_F(CliTest, ExportErrors) {
  fs::path m = model("mobilenet_v1_0.25_128_quant.tflite");
  REQUIRE_SHARED_MODEL(m);
  expect_error(run("export " + m.string() + " -o " + (dir_ / "no/such/dir/x.onnx").string()), 5,
               "no/such/dir/x.onnx");
  EXPECT_EQ(run("export " + m.string()).code, 2);  // -o is required
  EXPECT_EQ(run("export " + m.string() + " -o x.onnx --quant-form int4").code, 2);
  expect_error(
      run("export " + (dir_ / "gone.tflite").string() + " -o " + (dir_ / "x.onnx").string()), 3,
      "gone.tflite");
  // A graph ONNX cannot state as we hold it: batch normalization of a 3-D tensor.
  using namespace onnx_test;
  ModelProto bn = new_model();
  add_input(bn, "x", {1, 4, 5});
  for (const char* p : {"s", "b", "mean", "var"}) add_init(bn, p, {4}, std::vector<float>(4, 1.f));
  add_node(bn, "BatchNormalization", {"x", "s", "b", "mean", "var"}, {"y"}, "bn3d");
  add_output(bn, "y");
  fs::path src = write("bn.onnx", bn.SerializeAsString());
  expect_error(run("export " + src.string() + " -o " + (dir_ / "bn_out.onnx").string()), 4,
               "BatchNorm");
  EXPECT_FALSE(fs::exists(dir_ / "bn_out.onnx"));
}

// The profile's rows are the nodes the backend ran: after its passes fused
// each Relu into its convolution, no row may still say Relu, and each
// convolution row keeps its own node's name.
TEST_F(CliTest, OpProfileNamesTheNodesThatRan) {
  using namespace onnx_test;
  ModelProto m = new_model();
  add_input(m, "x", {1, 8, 6, 6});
  add_init(m, "w0", {8, 8, 1, 1}, random_values(64, 1));
  add_init(m, "w1", {8, 8, 1, 1}, random_values(64, 2));
  add_node(m, "Relu", {"x"}, {"x_relu"}, "relu_in");
  add_node(m, "Conv", {"x_relu", "w0"}, {"c0"}, "conv0");
  add_node(m, "Relu", {"c0"}, {"r0"}, "relu0");
  add_node(m, "Conv", {"r0", "w1"}, {"c1"}, "conv1");
  add_node(m, "Relu", {"c1"}, {"y"}, "relu1");
  add_output(m, "y");
  const fs::path src = write("chain.onnx", m.SerializeAsString());
  const fs::path json = dir_ / "profile.json";
  CliResult r = run("bench -q --threads 1 --iterations 2 --warmup 0 --op-profile --model " +
                    src.string() + " --json " + json.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(slurp(json));
  int convs = 0;
  for (const auto& row : j["op_profile"]) {
    const std::string op = row["op"], name = row["name"];
    if (op == "Conv2D") {
      EXPECT_TRUE(name == "conv0" || name == "conv1") << name << " ran by " << row["kernel"];
      ++convs;
    }
    EXPECT_FALSE(op == "Relu" && name != "relu_in") << name << " ran by " << row["kernel"];
  }
  EXPECT_EQ(convs, 2) << r.out;
}

// Issue 5's bad ONNX input, each at the command line: one line, its exit code.
TEST_F(CliTest, BadOnnxModels) {
  using namespace onnx_test;
  auto conv_model = [](int opset) {
    ModelProto m = new_model(opset);
    add_input(m, "x", {1, 3, 8, 8});
    add_init(m, "w", {4, 3, 3, 3}, std::vector<float>(4 * 27, 0.1f));
    add_node(m, "Conv", {"x", "w"}, {"y"}, "conv0");
    add_output(m, "y");
    return m;
  };
  const std::string good = conv_model(13).SerializeAsString();
  fs::path ok = write("ok.onnx", good);
  ASSERT_EQ(run("inspect " + ok.string()).code, 0);
  // Truncated protobuf.
  fs::path cut = write("cut.onnx", good.substr(0, good.size() / 2));
  expect_error(run("inspect " + cut.string()), 3, "cut.onnx");
  // Opset newer than supported.
  fs::path new_opset = write("opset18.onnx", conv_model(18).SerializeAsString());
  expect_error(run("inspect " + new_opset.string()), 4, "opset 18");
  // Unsupported attribute, named.
  ModelProto pad = conv_model(13);
  attr_str(pad.mutable_graph()->mutable_node(0), "auto_pad", "SAME_SIDEWAYS");
  expect_error(run("inspect " + write("pad.onnx", pad.SerializeAsString()).string()), 4,
               "auto_pad=SAME_SIDEWAYS");
  // Missing external-data file.
  ModelProto ext = conv_model(13);
  TensorProto* w = ext.mutable_graph()->mutable_initializer(0);
  w->clear_raw_data();
  w->set_data_location(TensorProto::EXTERNAL);
  auto* loc = w->add_external_data();
  loc->set_key("location");
  loc->set_value("weights.bin");
  expect_error(run("inspect " + write("ext.onnx", ext.SerializeAsString()).string()), 3,
               "weights.bin");
  // A dangling input and a cycle.
  ModelProto dangling = conv_model(13);
  dangling.mutable_graph()->mutable_node(0)->set_input(0, "nowhere");
  expect_error(run("inspect " + write("dangling.onnx", dangling.SerializeAsString()).string()), 3,
               "nowhere");
  ModelProto cycle = conv_model(13);
  add_node(cycle, "Relu", {"z"}, {"r"}, "relu0");
  add_node(cycle, "Add", {"r", "y"}, {"z"}, "add0");
  cycle.mutable_graph()->mutable_output(0)->set_name("z");
  expect_error(run("inspect " + write("cycle.onnx", cycle.SerializeAsString()).string()), 3,
               "cycle");
  // An input tensor of the wrong shape.
  std::vector<float> x(1 * 3 * 7 * 7, 0.f);
  fs::path npy = dir_ / "x.npy";
  write_npy(npy.string(), DType::kF32, {1, 3, 7, 7}, x.data(), x.size() * 4);
  expect_error(run("infer " + ok.string() + " -i " + npy.string()), 5, "x.npy");
}

// --skip N leaves out the first N images (the calibration ones); the report
// says which images were evaluated.
TEST_F(CliTest, RunSkipSaysWhichImagesWereEvaluated) {
  fs::path m = model("mobilenet_v1_0.25_128_quant.tflite");
  REQUIRE_SHARED_MODEL(m);
  fs::create_directories(dir_ / "ds");
  for (const char* f : {"bird.bmp", "cat.bmp", "dragonfly.bmp"})
    fs::copy_file(testing::shared_dir() / "images" / f,
                  dir_ / "ds" / (std::string("n01530575_") + f));
  fs::path json = dir_ / "r.json";
  CliResult r = run("run -q --skip 1 --limit 1 --model " + m.string() + " --dataset " +
                    (dir_ / "ds").string() + " --json " + json.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("evaluated images 2..2 of the 3 sorted by name (n01530575_cat.bmp .. "
                       "n01530575_cat.bmp)"),
            std::string::npos)
      << r.out;
  const std::string j = slurp(json);
  EXPECT_NE(j.find("\"first_index\": 1"), std::string::npos) << j;
  EXPECT_NE(j.find("\"skip\": 1"), std::string::npos) << j;
  EXPECT_NE(j.find("\"images\": 1"), std::string::npos) << j;
  expect_error(
      run("run -q --skip 3 --model " + m.string() + " --dataset " + (dir_ / "ds").string()), 2,
      "--skip 3");
}

TEST_F(CliTest, DequantizeSummarisesTheFloatModel) {
  fs::path m = model("mobilenet_v1_0.25_128_quant.tflite");
  REQUIRE_SHARED_MODEL(m);
  CliResult r = run("dequantize " + m.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("u8 -> f32, real values in [-1, 0.9922]; preprocessing inception"),
            std::string::npos)
      << r.out;
  const fs::path f = testing::shared_dir() / "zoo" / "mobilenet_v1" / "model.onnx";
  if (fs::exists(f)) expect_error(run("dequantize " + f.string()), 2, "not quantized");
  // bf16/fp16 need a float model: --dequantize makes one at load.
  expect_error(run("bench -q --iterations 1 --precision fp16 --model " + m.string()), 2,
               "dequantize");
  CliResult b = run("bench -q --iterations 1 --precision fp16 --dequantize --model " + m.string());
  ASSERT_EQ(b.code, 0) << b.err;
  EXPECT_NE(b.out.find("precision fp16 (fp16-storage/fp32-compute)"), std::string::npos) << b.out;
}

// dequantize -o writes an ONNX model that predicts what the in-memory float
// model (run --dequantize) predicts, with the preprocessing kept in its metadata.
TEST_F(CliTest, DequantizedOnnxPredictsLikeTheInMemoryFloatModel) {
  fs::path m = model("mobilenet_v1_0.25_128_quant.tflite");
  REQUIRE_SHARED_MODEL(m);
  fs::create_directories(dir_ / "ds");
  for (const char* f : {"bird.bmp", "cat.bmp", "dragonfly.bmp", "grace_hopper.bmp"})
    fs::copy_file(testing::shared_dir() / "images" / f,
                  dir_ / "ds" / (std::string("n01530575_") + f));
  const fs::path onnx = dir_ / "float.onnx";
  CliResult d = run("dequantize " + m.string() + " -o " + onnx.string());
  ASSERT_EQ(d.code, 0) << d.err;
  ASSERT_TRUE(fs::exists(onnx));
  const std::string ds = " --dataset " + (dir_ / "ds").string();
  CliResult a =
      run("run -q --model " + onnx.string() + ds + " --json " + (dir_ / "a.json").string());
  CliResult b = run("run -q --dequantize --model " + m.string() + ds + " --json " +
                    (dir_ / "b.json").string());
  ASSERT_EQ(a.code, 0) << a.err;
  ASSERT_EQ(b.code, 0) << b.err;
  const auto ja = nlohmann::json::parse(slurp(dir_ / "a.json"));
  const auto jb = nlohmann::json::parse(slurp(dir_ / "b.json"));
  EXPECT_EQ(ja["config"]["preprocess"], "inception");
  ASSERT_EQ(ja["predictions"].size(), 4u);
  for (size_t i = 0; i < 4; ++i)
    EXPECT_EQ(ja["predictions"][i]["top5"], jb["predictions"][i]["top5"]) << i;
}

// The main job measures every precision by default: fp32 and our int8 PTQ
// everywhere (bf16 where the CPU has it), beside the study's rows.
TEST_F(CliTest, ZooRunsEveryPrecisionByDefault) {
  CliResult r = run("zoo --model mobilenet_v1 --seconds 0.1 --threads 1");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("1 thr, fp32) | 32 |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 thr, int8) | 8 |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Edge TPU (study)"), std::string::npos) << r.out;
}

// A precision the CPU cannot run is an error, not a fallback: oneDNN capped
// below AVX512-BF16 stands in for a CPU without it.
TEST_F(CliTest, Bf16WithoutTheIsaIsAnError) {
  CliResult r = run("zoo --model mobilenet_v1 --precision bf16 --seconds 0.1 --threads 1");
  const std::string capped =
      "ONEDNN_MAX_CPU_ISA=AVX512_CORE " + std::string(EDGEBENCH_BINARY) +
      " zoo --model mobilenet_v1 --precision bf16 --seconds 0.1 --threads 1 >" +
      (dir_ / "out").string() + " 2>" + (dir_ / "err").string();
  const int status = std::system(capped.c_str());
  CliResult c;
  c.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  c.err = slurp(dir_ / "err");
  EXPECT_EQ(c.code, 4) << c.err;
  EXPECT_NE(c.err.find("precision bf16 needs AVX512-BF16"), std::string::npos) << c.err;
  if (r.code != 0) {  // this CPU has no bf16 either: the same error
    EXPECT_NE(r.err.find("precision bf16 needs AVX512-BF16"), std::string::npos) << r.err;
  } else {
    EXPECT_NE(r.out.find("bf16"), std::string::npos) << r.out;
  }
}

// A 16x16 24-bit BMP, a colour gradient offset by `seed` (no shared data needed).
std::string tiny_bmp(int seed) {
  const int w = 16, h = 16, row = w * 3, size = 54 + row * h;
  std::string b(static_cast<size_t>(size), '\0');
  auto put32 = [&](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
  };
  b[0] = 'B';
  b[1] = 'M';
  put32(2, static_cast<uint32_t>(size));
  put32(10, 54);
  put32(14, 40);
  put32(18, w);
  put32(22, h);
  b[26] = 1;
  b[28] = 24;
  put32(34, static_cast<uint32_t>(row * h));
  for (int i = 0; i < row * h; ++i)
    b[54 + static_cast<size_t>(i)] = static_cast<char>((i * 7 + seed * 40) & 0xff);
  return b;
}

TEST_F(CliTest, QuantizeBadFlagsAndCalibrationFolders) {
  const std::string m = "builtin:mobilenet_v1";
  EXPECT_EQ(run("quantize " + m).code, 2);  // --calib is required
  fs::create_directories(dir_ / "empty");
  const std::string empty = (dir_ / "empty").string();
  EXPECT_EQ(run("quantize " + m + " --calib " + empty + " --method kl").code, 2);
  EXPECT_EQ(run("quantize " + m + " --calib " + empty + " --calib-count 0").code, 2);
  EXPECT_EQ(run("quantize " + m + " --calib " + empty + " --keep-float -1").code, 2);
  expect_error(run("quantize " + m + " --calib " + empty), 5, "no calibration images");
  expect_error(run("quantize " + m + " --calib " + (dir_ / "nowhere").string()), 5, "nowhere");
  expect_error(run("quantize builtin:resnet --calib " + empty), 2, "builtin:resnet");
  expect_error(
      run("run -q --model " + m + " --dataset " + empty + " --ptq " + empty + " --ptq-method nope"),
      2, "nope");
}

TEST_F(CliTest, QuantizeRejectsAQuantizedModel) {
  fs::path m = model("mobilenet_v1_0.25_128_quant.tflite");
  REQUIRE_SHARED_MODEL(m);
  fs::create_directories(dir_ / "calib");
  write("calib/a.bmp", tiny_bmp(0));
  expect_error(run("quantize -q " + m.string() + " --calib " + (dir_ / "calib").string()), 4,
               "float model");
}

TEST_F(CliTest, QuantizeReportsSqnrAndReusesTheCache) {
  fs::create_directories(dir_ / "calib");
  for (int i = 0; i < 3; ++i) write("calib/img" + std::to_string(i) + ".bmp", tiny_bmp(i));
  const std::string args = "quantize -q builtin:mobilenet_v1 --calib " + (dir_ / "calib").string() +
                           " --calib-count 2 --method minmax --keep-float 1 --threads 1";
  const std::string env = "XDG_CACHE_HOME=" + (dir_ / "cache").string() + " ";
  const fs::path json = dir_ / "q.json";
  CliResult first = run_env(env, args + " --json " + json.string());
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_NE(first.out.find("first 2 of 3 images"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("calibration cache: written"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("kept in float"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("| 5 |"), std::string::npos) << first.out;  // at least five rows
  const std::string j = slurp(json);
  EXPECT_NE(j.find("\"sqnr_db\""), std::string::npos) << j;
  EXPECT_NE(j.find("img1.bmp"), std::string::npos) << j;
  EXPECT_EQ(j.find("img2.bmp"), std::string::npos) << j;
  const fs::path onnx = dir_ / "q.onnx";
  CliResult second = run_env(env, args + " -o " + onnx.string());
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_NE(second.out.find("calibration cache: reused"), std::string::npos) << second.out;
  // The QDQ export imports back as an int8 model that runs.
  CliResult b = run("bench -q --threads 1 --iterations 1 --warmup 0 --model " + onnx.string());
  ASSERT_EQ(b.code, 0) << b.err;
  EXPECT_NE(b.out.find("precision int8"), std::string::npos) << b.out;
  expect_error(run_env(env, args + " -o " + (dir_ / "no/such/q.onnx").string()), 5, "no/such");
}

TEST_F(CliTest, RunAndBenchWithPtqLeaveCalibrationImagesOut) {
  fs::create_directories(dir_ / "ds");
  const char* names[] = {"n01440764_a.bmp", "n01443537_b.bmp", "n01484850_c.bmp"};
  for (int i = 0; i < 3; ++i) write(std::string("ds/") + names[i], tiny_bmp(i));
  const std::string ds = (dir_ / "ds").string();
  const std::string env = "XDG_CACHE_HOME=" + (dir_ / "cache").string() + " ";
  CliResult r = run_env(env, "run -q --threads 1 --model builtin:mobilenet_v1 --dataset " + ds +
                                 " --ptq " + ds + " --ptq-count 2 --ptq-method minmax");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("evaluation: 1 images (2 calibration images left out)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("images 3..3 of the 3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("int8"), std::string::npos) << r.out;
  CliResult b = run_env(env,
                        "bench -q --threads 1 --iterations 2 --warmup 0 --model "
                        "builtin:mobilenet_v1 --ptq " +
                            ds + " --ptq-count 1");
  ASSERT_EQ(b.code, 0) << b.err;
  EXPECT_NE(b.out.find("precision int8"), std::string::npos) << b.out;
}

TEST_F(CliTest, PtqOfADequantizedModel) {
  fs::path m = model("mobilenet_v1_0.25_128_quant.tflite");
  REQUIRE_SHARED_MODEL(m);
  fs::create_directories(dir_ / "calib");
  write("calib/a.bmp", tiny_bmp(0));
  const std::string env = "XDG_CACHE_HOME=" + (dir_ / "cache").string() + " ";
  // Without --dequantize the model is already int8: nothing to calibrate.
  expect_error(run_env(env, "bench -q --iterations 1 --warmup 0 --model " + m.string() + " --ptq " +
                                (dir_ / "calib").string()),
               4, "float model");
  CliResult r =
      run_env(env, "bench -q --iterations 1 --warmup 0 --threads 1 --dequantize --model " +
                       m.string() + " --ptq " + (dir_ / "calib").string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("precision int8"), std::string::npos) << r.out;
  CliResult q = run_env(env, "quantize -q --dequantize --threads 1 --method minmax " + m.string() +
                                 " --calib " + (dir_ / "calib").string());
  ASSERT_EQ(q.code, 0) << q.err;
  EXPECT_NE(q.out.find("SQNR"), std::string::npos) << q.out;
  CliResult bc =
      run_env(env, "quantize -q --dequantize --threads 1 --method mse --bias-correction " +
                       m.string() + " --calib " + (dir_ / "calib").string());
  ASSERT_EQ(bc.code, 0) << bc.err;
  EXPECT_NE(bc.out.find("int8 PTQ (mse"), std::string::npos) << bc.out;
  EXPECT_NE(bc.out.find("bias correction: "), std::string::npos) << bc.out;
}

}  // namespace
}  // namespace edgebench
