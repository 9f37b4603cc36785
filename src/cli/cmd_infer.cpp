// `edgebench infer MODEL --input IN.npy [--output OUT.npy]`: one raw tensor in,
// the raw output tensor out — how other runtimes are compared with ours.
#include <fmt/core.h>

#include "cli/commands.h"
#include "runtime/session.h"
#include "util/error.h"
#include "util/npy.h"

namespace edgebench::cli {
namespace {

struct InferArgs {
  std::string model, input, output, backend = "reference";
  int threads = 1;
  std::string cache_dir;
};

void run_infer(const InferArgs& a) {
  SessionOptions opt;
  opt.backend = a.backend;
  opt.backend_options.threads = a.threads;
  opt.cache_dir = a.cache_dir;
  auto session = Session::load(a.model, opt);
  if (session->num_inputs() != 1)
    fail(ErrorCode::kUsage, a.model,
         "model has " + std::to_string(session->num_inputs()) + " inputs; infer takes exactly one");
  NpyArray in = read_npy(a.input);
  const Tensor& spec = session->input();
  if (in.dtype != spec.dtype)
    fail(ErrorCode::kInput, a.input,
         "dtype " + std::string(dtype_name(in.dtype)) + " but the model's input '" + spec.name +
             "' is " + std::string(dtype_name(spec.dtype)));
  if (in.shape != spec.shape)
    fail(ErrorCode::kInput, a.input,
         "shape " + shape_str(in.shape) + " but the model's input '" + spec.name + "' is " +
             shape_str(spec.shape));
  auto outputs = session->make_output_buffers();
  session->run({in.data.data()}, outputs);
  const Tensor& y = session->output();
  if (!a.output.empty()) {
    write_npy(a.output, y.dtype, y.shape, outputs[0].data(), outputs[0].size());
    fmt::print(stderr, "wrote {} ({} {})\n", a.output, dtype_name(y.dtype), shape_str(y.shape));
  } else {
    fmt::print("{} {} {}\n", y.name, dtype_name(y.dtype), shape_str(y.shape));
  }
}

}  // namespace

void add_infer(CLI::App& app) {
  auto args = std::make_shared<InferArgs>();
  auto* sub = app.add_subcommand("infer", "Run one raw input tensor (.npy) and write the output");
  sub->add_option("model", args->model, "Model file")->required();
  sub->add_option("--input,-i", args->input,
                  "Input tensor, NumPy .npy of the model's input dtype and shape")
      ->required();
  sub->add_option("--output,-o", args->output, "Where to write the output tensor (.npy)");
  sub->add_option("--backend", args->backend, "reference | cpu");
  sub->add_option("--threads", args->threads, "Threads")->check(CLI::Range(1, 1024));
  add_cache_flag(*sub, args->cache_dir);
  sub->callback([args] { run_infer(*args); });
}

}  // namespace edgebench::cli
