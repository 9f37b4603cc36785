// Runs an ONNX test case — DIR/model.onnx with DIR/test_data_set_*/input_N.pb and
// the expected output_N.pb (the layout of ONNX's own node tests and of the zoo) — on
// one of our backends and compares with numpy.testing.assert_allclose's rule:
// |actual - expected| <= atol + rtol * |expected|. Used by `edgebench test-case` and
// the conformance tests. (It runs models, so it belongs with the harness; it lives
// beside the ONNX importer because it reads ONNX's formats.)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/tensor.h"

namespace edgebench {

struct OnnxTestCaseOptions {
  double rtol = 1e-3;
  double atol = 1e-7;
  std::string backend = "reference";
  int threads = 1;
};

struct OnnxOutputCheck {
  std::string data_set;  // "test_data_set_0"
  size_t index = 0;      // output_<index>.pb
  std::string name;      // the model's output name
  DType dtype = DType::kF32;
  Shape shape;
  int64_t elements = 0;
  int64_t mismatches = 0;  // elements outside the tolerance
  double max_abs_err = 0;
  double max_rel_err = 0;   // |a - b| / max(|b|, FLT_MIN)
  double max_expected = 0;  // max |b|: the output's scale
  std::string note;         // why it failed before comparing values (shape/dtype), if it did
  bool pass = false;
};

struct OnnxTestCaseResult {
  std::vector<OnnxOutputCheck> outputs;
  double import_seconds = 0;  // import + compile, summed over data sets
  double run_seconds = 0;     // inference, summed over data sets
  bool pass() const;
};

// Throws Error: kInput for a missing or malformed test folder or data that does not fit
// the model's inputs; kModel / kUnsupported from importing the model.
OnnxTestCaseResult run_onnx_test_case(const std::string& dir, const OnnxTestCaseOptions& opt);

// Compares `actual` with `expected` (both `n` elements of `dtype`) under the options' rule.
void compare_outputs(const void* actual, const void* expected, int64_t n, DType dtype,
                     const OnnxTestCaseOptions& opt, OnnxOutputCheck& out);

}  // namespace edgebench
