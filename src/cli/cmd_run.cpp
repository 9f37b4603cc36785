// `edgebench run --model M --dataset D ...`: the study's measurement on a dataset.
#include <fmt/core.h>

#include <fstream>

#include "cli/commands.h"
#include "harness/run.h"
#include "report/run_report.h"
#include "util/error.h"

namespace edgebench::cli {
namespace {

struct RunArgs {
  RunOptions opt;
  std::string json, csv;
};

void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  if (!f) fail(ErrorCode::kUsage, path, "cannot write");
  f << text;
  if (!f) fail(ErrorCode::kUsage, path, "write failed");
}

void run_run(RunArgs& a) {
  RunResult r = run_classification(a.opt);
  if (!a.json.empty()) write_text(a.json, run_json(r).dump(2) + "\n");
  if (!a.csv.empty()) write_text(a.csv, run_csv_header() + run_csv_row(r));
  fmt::print("{}{}", r.ptq_text, run_markdown(r));
}

}  // namespace

void add_run(CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  auto* sub = app.add_subcommand(
      "run", "Evaluate a classifier on a labelled image set (accuracy, latency, FPS, memory)");
  sub->add_option("--model,-m", a->opt.model, "Model file")->required();
  sub->add_option("--dataset,-d", a->opt.dataset,
                  "Class folders D/<wnid>/*, flat folder of <wnid>_*.JPEG, flat folder + "
                  "--ground-truth, or a CSV path,label")
      ->required();
  sub->add_option("--ground-truth", a->opt.dataset_options.ground_truth,
                  "Labels for a flat folder: one per image (sorted by name) or 'file label' lines");
  sub->add_option(
      "--synset-map", a->opt.dataset_options.synset_map,
      "Wnid per line, in the order of the ground truth's integer ids (1-based, devkit order)");
  sub->add_option("--labels", a->opt.labels, "Label names file (for reports)");
  sub->add_option("--preprocess", a->opt.preprocess,
                  "inception | torchvision | caffe (default: from the model)");
  sub->add_option("--skip", a->opt.skip,
                  "Leave out the first N images (sorted by path), e.g. those used for calibration")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--limit", a->opt.limit,
                  "Evaluate only the first N images (sorted by path, after --skip)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--backend", a->opt.backend, "reference | cpu");
  sub->add_option("--precision", a->opt.precision, "fp32 | bf16 | fp16 | int8")
      ->check(CLI::IsMember({"fp32", "bf16", "fp16", "int8"}));
  sub->add_flag("--dequantize", a->opt.dequantize,
                "Run the float equivalent of a quantized model (weights dequantized at load)");
  sub->add_option("--threads", a->opt.threads,
                  "Threads in all (inference + decoding); default: all cores")
      ->check(CLI::Range(1, 1024));
  sub->add_option("--json", a->json,
                  "Write the full result (metrics, config, machine, predictions) as JSON");
  sub->add_option("--csv", a->csv, "Write the metrics as one CSV row with a header");
  sub->add_option("--dump-inputs", a->opt.dump_inputs,
                  "Write each preprocessed input tensor as .npy into this folder");
  sub->add_flag("--quiet,-q", a->opt.quiet, "No progress on stderr");
  sub->add_flag("--strict", a->opt.strict, "Stop at the first unreadable image");
  add_ptq_flags(*sub, a->opt.ptq);
  add_cache_flag(*sub, a->opt.cache_dir);
  sub->callback([a] { run_run(*a); });
}

}  // namespace edgebench::cli
