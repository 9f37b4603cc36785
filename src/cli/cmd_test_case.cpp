// `edgebench test-case DIR [--rtol R] [--atol A] [--backend B]`: runs an ONNX test
// case (DIR/model.onnx + DIR/test_data_set_*/{input,output}_N.pb) and compares each
// output with numpy.testing.assert_allclose's rule. Exit status 0 only if all match.
#include <fmt/core.h>

#include "cli/commands.h"
#include "importers/onnx/onnx_test_case.h"

namespace edgebench::cli {
namespace {

struct TestCaseArgs {
  std::string dir;
  OnnxTestCaseOptions opt;
};

void run_test_case(const TestCaseArgs& a) {
  OnnxTestCaseResult r = run_onnx_test_case(a.dir, a.opt);
  for (const OnnxOutputCheck& c : r.outputs) {
    fmt::print("{} output_{} '{}' {} {}: ", c.data_set, c.index, c.name, dtype_name(c.dtype),
               shape_str(c.shape));
    if (!c.note.empty()) {
      fmt::print("FAIL ({})\n", c.note);
      continue;
    }
    fmt::print("max abs err {:.3g} (max |expected| {:.3g}), max rel err {:.3g}", c.max_abs_err,
               c.max_expected, c.max_rel_err);
    if (c.pass)
      fmt::print(" PASS\n");
    else
      fmt::print(" FAIL ({} of {} elements outside atol {:g} + rtol {:g} * |expected|)\n",
                 c.mismatches, c.elements, a.opt.atol, a.opt.rtol);
  }
  fmt::print("{}: {} ({} backend, load {:.3f} s, run {:.3f} s)\n", a.dir,
             r.pass() ? "PASS" : "FAIL", a.opt.backend, r.import_seconds, r.run_seconds);
  if (!r.pass()) g_exit_status = 1;
}

}  // namespace

void add_test_case(CLI::App& app) {
  auto args = std::make_shared<TestCaseArgs>();
  auto* sub = app.add_subcommand(
      "test-case",
      "Run an ONNX test case folder (model.onnx + test_data_set_*) and compare outputs");
  sub->add_option("dir", args->dir, "Test case folder")->required();
  sub->add_option("--rtol", args->opt.rtol, "Relative tolerance (default 1e-3)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--atol", args->opt.atol, "Absolute tolerance (default 1e-7)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--backend", args->opt.backend, "reference | cpu");
  sub->add_option("--threads", args->opt.threads, "Threads")->check(CLI::Range(1, 1024));
  sub->callback([args] { run_test_case(*args); });
}

}  // namespace edgebench::cli
