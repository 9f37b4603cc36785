#include "importers/onnx/onnx_test_case.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "importers/onnx/onnx_importer.h"
#include "importers/onnx/onnx_tensor.h"
#include "runtime/session.h"
#include "util/error.h"
#include "util/mapped_file.h"

namespace edgebench {
namespace fs = std::filesystem;

namespace {

struct ModelSignature {
  std::vector<std::string> inputs;  // graph inputs that are not initializers, in order
  std::vector<std::string> outputs;
};

ModelSignature read_signature(const std::string& path) {
  onnx::ModelProto model;
  {
    auto file = MappedFile::open(path, ErrorCode::kModel);
    if (file->size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
        !model.ParseFromArray(file->data(), static_cast<int>(file->size())))
      fail(ErrorCode::kModel, path,
           "not an ONNX model (protobuf parse failed: truncated or corrupt)");
  }
  ModelSignature sig;
  std::vector<std::string> inits;
  for (const auto& t : model.graph().initializer()) inits.push_back(t.name());
  std::sort(inits.begin(), inits.end());
  auto need_tensor = [&](const onnx::ValueInfoProto& v, const char* what) {
    if (!v.type().has_tensor_type())
      fail(ErrorCode::kUnsupported, path,
           std::string(what) + " '" + v.name() +
               "' is not a tensor (sequences, maps and optionals are not supported)");
  };
  for (const auto& in : model.graph().input()) {
    if (std::binary_search(inits.begin(), inits.end(), in.name())) continue;
    need_tensor(in, "graph input");
    sig.inputs.push_back(in.name());
  }
  for (const auto& out : model.graph().output()) {
    need_tensor(out, "graph output");
    sig.outputs.push_back(out.name());
  }
  return sig;
}

std::vector<OnnxTensorData> read_numbered(const fs::path& dir, const std::string& prefix) {
  std::vector<OnnxTensorData> v;
  for (size_t i = 0;; ++i) {
    fs::path p = dir / (prefix + std::to_string(i) + ".pb");
    if (!fs::exists(p)) break;
    v.push_back(read_onnx_tensor_file(p.string()));
  }
  return v;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <typename T>
void compare_typed(const T* a, const T* b, int64_t n, const OnnxTestCaseOptions& opt,
                   OnnxOutputCheck& out) {
  const double tiny = std::numeric_limits<float>::min();
  for (int64_t i = 0; i < n; ++i) {
    const double x = static_cast<double>(a[i]), y = static_cast<double>(b[i]);
    bool ok;
    double err;
    if (std::isnan(x) || std::isnan(y)) {
      ok = std::isnan(x) && std::isnan(y);  // assert_allclose: equal_nan=True
      err = ok ? 0 : std::numeric_limits<double>::infinity();
    } else if (std::isinf(x) || std::isinf(y)) {
      ok = x == y;
      err = ok ? 0 : std::numeric_limits<double>::infinity();
    } else {
      err = std::fabs(x - y);
      ok = err <= opt.atol + opt.rtol * std::fabs(y);
    }
    out.max_abs_err = std::max(out.max_abs_err, err);
    if (std::isfinite(y)) out.max_expected = std::max(out.max_expected, std::fabs(y));
    out.max_rel_err = std::max(out.max_rel_err, err == 0 ? 0 : err / std::max(std::fabs(y), tiny));
    if (!ok) ++out.mismatches;
  }
}

}  // namespace

bool OnnxTestCaseResult::pass() const {
  return !outputs.empty() && std::all_of(outputs.begin(), outputs.end(),
                                         [](const OnnxOutputCheck& c) { return c.pass; });
}

void compare_outputs(const void* actual, const void* expected, int64_t n, DType dtype,
                     const OnnxTestCaseOptions& opt, OnnxOutputCheck& out) {
  out.elements = n;
  switch (dtype) {
    case DType::kF32:
      compare_typed(static_cast<const float*>(actual), static_cast<const float*>(expected), n, opt,
                    out);
      break;
    case DType::kI8:
      compare_typed(static_cast<const int8_t*>(actual), static_cast<const int8_t*>(expected), n,
                    opt, out);
      break;
    case DType::kU8:
      compare_typed(static_cast<const uint8_t*>(actual), static_cast<const uint8_t*>(expected), n,
                    opt, out);
      break;
    case DType::kI32:
      compare_typed(static_cast<const int32_t*>(actual), static_cast<const int32_t*>(expected), n,
                    opt, out);
      break;
    case DType::kI64:
      compare_typed(static_cast<const int64_t*>(actual), static_cast<const int64_t*>(expected), n,
                    opt, out);
      break;
    default:
      out.note = "cannot compare " + std::string(dtype_name(dtype));
      out.pass = false;
      return;
  }
  out.pass = out.mismatches == 0;
}

OnnxTestCaseResult run_onnx_test_case(const std::string& dir, const OnnxTestCaseOptions& opt) {
  const fs::path root(dir);
  const std::string model_path = (root / "model.onnx").string();
  if (!fs::is_regular_file(model_path))
    fail(ErrorCode::kInput, dir, "not an ONNX test case (no model.onnx)");
  std::vector<fs::path> sets;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0)
      sets.push_back(e.path());
  std::sort(sets.begin(), sets.end());
  if (sets.empty()) fail(ErrorCode::kInput, dir, "no test_data_set_* folders");
  const ModelSignature sig = read_signature(model_path);

  OnnxTestCaseResult result;
  for (const fs::path& set : sets) {
    const std::string set_name = set.filename().string();
    std::vector<OnnxTensorData> ins = read_numbered(set, "input_");
    std::vector<OnnxTensorData> outs = read_numbered(set, "output_");
    if (ins.size() != sig.inputs.size())
      fail(ErrorCode::kInput, set.string(),
           std::to_string(ins.size()) + " input files, the model has " +
               std::to_string(sig.inputs.size()) + " inputs");
    if (outs.size() != sig.outputs.size())
      fail(ErrorCode::kInput, set.string(),
           std::to_string(outs.size()) + " output files, the model has " +
               std::to_string(sig.outputs.size()) + " outputs");
    OnnxImportOptions io;
    for (size_t i = 0; i < ins.size(); ++i) io.known_inputs[sig.inputs[i]] = ins[i];

    auto t0 = std::chrono::steady_clock::now();
    SessionOptions so;
    so.backend = opt.backend;
    so.backend_options.threads = opt.threads;
    auto session = Session::from_graph(import_onnx(model_path, io), so);
    result.import_seconds += seconds_since(t0);

    std::vector<const void*> feeds;
    for (size_t k = 0; k < session->num_inputs(); ++k) {
      const Tensor& spec = session->input(k);
      auto it = std::find(sig.inputs.begin(), sig.inputs.end(), spec.name);
      if (it == sig.inputs.end())
        fail(ErrorCode::kInternal, model_path,
             "graph input '" + spec.name + "' is not a model input");
      const OnnxTensorData& d = ins[static_cast<size_t>(it - sig.inputs.begin())];
      std::optional<DType> dt = onnx_to_ir_dtype(d.elem_type);
      if (!dt || *dt != spec.dtype || d.shape != spec.shape)
        fail(ErrorCode::kInput,
             (set / ("input_" + std::to_string(it - sig.inputs.begin()) + ".pb")).string(),
             onnx_elem_name(d.elem_type) + " " + shape_str(d.shape) + " but the model's input '" +
                 spec.name + "' is " + std::string(dtype_name(spec.dtype)) + " " +
                 shape_str(spec.shape));
      feeds.push_back(d.data.bytes());
    }
    auto buffers = session->make_output_buffers();
    t0 = std::chrono::steady_clock::now();
    session->run(feeds, buffers);
    result.run_seconds += seconds_since(t0);

    for (size_t k = 0; k < outs.size(); ++k) {
      const Tensor& y = session->output(k);
      const OnnxTensorData& want = outs[k];
      OnnxOutputCheck check;
      check.data_set = set_name;
      check.index = k;
      check.name = sig.outputs[k];
      check.dtype = y.dtype;
      check.shape = y.shape;
      std::optional<DType> wt = onnx_to_ir_dtype(want.elem_type);
      if (!wt || *wt != y.dtype) {
        check.note = "element type " + std::string(dtype_name(y.dtype)) + ", expected " +
                     onnx_elem_name(want.elem_type);
      } else if (want.shape != y.shape) {
        check.note = "shape " + shape_str(y.shape) + ", expected " + shape_str(want.shape);
      } else {
        compare_outputs(buffers[k].data(), want.data.bytes(), y.elements(), y.dtype, opt, check);
      }
      result.outputs.push_back(std::move(check));
    }
  }
  return result;
}

}  // namespace edgebench
