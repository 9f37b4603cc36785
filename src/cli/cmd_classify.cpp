// `edgebench classify MODEL IMAGE... [--labels F] [--top K] [--json]`
#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "data/image.h"
#include "data/model_input.h"
#include "harness/classification.h"
#include "runtime/session.h"

namespace edgebench::cli {
namespace {

struct ClassifyArgs {
  std::string model, labels, preprocess, backend = "cpu";
  std::vector<std::string> images;
  int top = 5;
  int threads = 1;
  std::string cache_dir;
  bool json = false;
};

void run_classify(const ClassifyArgs& a) {
  std::vector<std::string> labels;
  if (!a.labels.empty()) labels = read_labels(a.labels);
  SessionOptions opt;
  opt.backend = a.backend;
  opt.backend_options.threads = a.threads;
  opt.cache_dir = a.cache_dir;
  auto session = Session::load(a.model, opt);
  const Tensor& in = session->input();
  const Tensor& out = session->output();
  InputGeometry geo = image_input_geometry(in, a.model);
  PreprocessFamily family = a.preprocess.empty() ? default_preprocess_family(session->graph())
                                                 : parse_preprocess_family(a.preprocess);
  const size_t classes = static_cast<size_t>(out.elements());
  // Preprocess everything first: a bad image is an error before any result is printed.
  std::vector<std::vector<std::byte>> inputs;
  for (const auto& path : a.images) {
    inputs.emplace_back(in.bytes());
    preprocess_image_file(path, in, geo, family, inputs.back().data());
  }

  auto outputs = session->make_output_buffers();
  nlohmann::json results = nlohmann::json::array();
  for (size_t i = 0; i < inputs.size(); ++i) {
    session->run({inputs[i].data()}, outputs);
    std::vector<float> scores = output_scores(out, outputs[0].data());
    std::vector<int> best = top_k(scores, a.top);
    if (a.json) {
      nlohmann::json preds = nlohmann::json::array();
      for (int k : best) {
        nlohmann::json p = {{"index", k}, {"score", scores[k]}};
        if (!labels.empty()) p["label"] = label_of_output(labels, classes, k);
        preds.push_back(p);
      }
      results.push_back({{"image", a.images[i]}, {"top", preds}});
    } else {
      fmt::print("{}\n", a.images[i]);
      for (int k : best)
        fmt::print("  {:.4f}  {:4d}  {}\n", scores[k], k,
                   labels.empty() ? "" : label_of_output(labels, classes, k));
    }
  }
  if (a.json) {
    nlohmann::json j = {{"model", a.model},
                        {"preprocess", preprocess_family_name(family)},
                        {"backend", session->backend_name()},
                        {"results", results}};
    fmt::print("{}\n", j.dump(2));
  }
}

}  // namespace

void add_classify(CLI::App& app) {
  auto args = std::make_shared<ClassifyArgs>();
  auto* sub = app.add_subcommand("classify", "Top-K labels for images (JPEG, PNG, BMP)");
  sub->add_option("model", args->model, "Model file")->required();
  sub->add_option("images", args->images, "Image files")->required();
  sub->add_option("--labels", args->labels, "Labels file, one per line (1000 or 1001 lines)");
  sub->add_option("--top", args->top, "How many classes to print")->check(CLI::Range(1, 100000));
  sub->add_option("--preprocess", args->preprocess,
                  "inception | torchvision | caffe (default: from the model)");
  sub->add_option("--backend", args->backend, "reference | cpu");
  sub->add_option("--threads", args->threads, "Threads")->check(CLI::Range(1, 1024));
  add_cache_flag(*sub, args->cache_dir);
  sub->add_flag("--json", args->json, "Print JSON");
  sub->callback([args] { run_classify(*args); });
}

}  // namespace edgebench::cli
