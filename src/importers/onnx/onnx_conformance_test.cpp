// ONNX's own operator tests (Debian's libonnx-testdata: data/node/*/model.onnx with
// test_data_set_*/{input,output}_N.pb) through the importer and the reference backend.
// A case whose operators we map must either match at rtol 1e-3 / atol 1e-7 or be
// rejected with a clean kUnsupported error naming what is unsupported; never a wrong
// number, a crash or another error. Cases with operators we do not map are counted as
// not applicable.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "importers/onnx/onnx_importer.h"
#include "importers/onnx/onnx_test_case.h"
#include "util/error.h"

namespace edgebench {
namespace {

namespace fs = std::filesystem;

constexpr const char* kNodeTests = "/usr/share/libonnx-testdata/data/node";

std::set<std::string> model_ops(const fs::path& model) {
  std::ifstream f(model, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  onnx::ModelProto m;
  if (!m.ParseFromString(ss.str())) return {"<unparsable>"};
  std::set<std::string> ops;
  for (const auto& n : m.graph().node())
    ops.insert(n.domain().empty() || n.domain() == "ai.onnx" ? n.op_type()
                                                             : n.domain() + "." + n.op_type());
  return ops;
}

struct Tally {
  int total = 0, passed = 0, rejected = 0, failed = 0;
};

TEST(OnnxConformance, NodeTests) {
  if (!fs::is_directory(kNodeTests))
    GTEST_SKIP() << kNodeTests << " is absent (install libonnx-testdata)";
  std::vector<fs::path> cases;
  for (const auto& e : fs::directory_iterator(kNodeTests))
    if (fs::is_regular_file(e.path() / "model.onnx")) cases.push_back(e.path());
  std::sort(cases.begin(), cases.end());

  std::map<std::string, Tally> per_op;
  Tally all;
  int not_applicable = 0;
  std::vector<std::string> failures, rejections;
  OnnxTestCaseOptions opt;  // rtol 1e-3, atol 1e-7, reference backend
  for (const fs::path& dir : cases) {
    const std::string name = dir.filename().string();
    std::set<std::string> ops = model_ops(dir / "model.onnx");
    bool applicable = !ops.empty();
    for (const std::string& op : ops) applicable = applicable && onnx_op_supported(op);
    if (!applicable) {
      ++not_applicable;
      continue;
    }
    enum { kPass, kRejected, kFail } outcome = kFail;
    try {
      OnnxTestCaseResult r = run_onnx_test_case(dir.string(), opt);
      if (r.pass()) {
        outcome = kPass;
      } else {
        std::string why;
        for (const auto& c : r.outputs)
          if (!c.pass)
            why += " output_" + std::to_string(c.index) +
                   (c.note.empty() ? ": max abs err " + std::to_string(c.max_abs_err) +
                                         ", max rel err " + std::to_string(c.max_rel_err)
                                   : ": " + c.note);
        failures.push_back(name + ":" + why);
      }
    } catch (const Error& e) {
      const std::string msg = e.what();
      // A clean rejection is kUnsupported and names what it rejects: the node, an
      // input, or the opset.
      const bool names_it = msg.find("node #") != std::string::npos ||
                            msg.find("opset") != std::string::npos ||
                            msg.find("graph input") != std::string::npos ||
                            msg.find("run-time inputs") != std::string::npos;
      if (e.code() == ErrorCode::kUnsupported && names_it) {
        outcome = kRejected;
        const size_t at = msg.find(name);
        rejections.push_back(at == std::string::npos ? msg : msg.substr(at));
      } else {
        failures.push_back(name + ": error (code " + std::to_string(e.exit_code()) + "): " + msg);
      }
    } catch (const std::exception& e) {
      failures.push_back(name + ": exception: " + e.what());
    }
    auto count = [&](Tally& t) {
      ++t.total;
      if (outcome == kPass)
        ++t.passed;
      else if (outcome == kRejected)
        ++t.rejected;
      else
        ++t.failed;
    };
    count(all);
    for (const std::string& op : ops) count(per_op[op]);
  }

  std::printf("\nONNX node tests (%s), reference backend, rtol %g atol %g\n", kNodeTests, opt.rtol,
              opt.atol);
  std::printf("| operator | passed | rejected (unsupported attribute/type) | failed | total |\n");
  std::printf("|---|---:|---:|---:|---:|\n");
  for (const auto& [op, t] : per_op)
    std::printf("| %s | %d | %d | %d | %d |\n", op.c_str(), t.passed, t.rejected, t.failed,
                t.total);
  std::printf("| **all cases** | %d | %d | %d | %d |\n", all.passed, all.rejected, all.failed,
              all.total);
  std::printf("not applicable (operators not mapped): %d of %zu cases\n", not_applicable,
              cases.size());
  std::printf("\nRejected cleanly:\n");
  for (const auto& r : rejections) std::printf("  %s\n", r.c_str());
  for (const auto& f : failures) ADD_FAILURE() << f;
  EXPECT_GT(all.passed, 100) << "far fewer node tests pass than expected";
}

}  // namespace
}  // namespace edgebench
