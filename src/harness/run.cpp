#include "harness/run.h"

#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "data/image.h"
#include "data/model_input.h"
#include "harness/classification.h"
#include "harness/machine.h"
#include "harness/progress.h"
#include "ir/cost.h"
#include "passes/dequantize.h"
#include "runtime/session.h"
#include "util/error.h"
#include "util/npy.h"
#include "util/sha256.h"

namespace edgebench {
namespace {

struct Prepared {
  size_t index = 0;
  std::vector<std::byte> input;
  double pre_s = 0;
  std::string error;  // non-empty: the image could not be used
};

// Bounded FIFO between decode workers and the inference thread.
class PreparedQueue {
 public:
  explicit PreparedQueue(size_t capacity) : capacity_(capacity) {}
  void push(Prepared p) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return q_.size() < capacity_ || stop_; });
    q_.push_back(std::move(p));
    not_empty_.notify_one();
  }
  bool pop(Prepared& out) {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !q_.empty() || stop_; });
    if (q_.empty()) return false;
    out = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void stop() {
    std::lock_guard lock(mu_);
    stop_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

 private:
  size_t capacity_;
  std::deque<Prepared> q_;
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  bool stop_ = false;
};

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Imports the float model and quantizes it (--ptq); the calibration images
// leave the evaluation set, so the two never overlap.
Graph quantize_for_run(const RunOptions& opt, const Graph& g, Dataset& ds, RunResult& res) {
  PtqOptions po = opt.ptq;
  if (po.preprocess.empty()) po.preprocess = opt.preprocess;
  if (po.threads == 0) po.threads = opt.threads;
  po.quiet = po.quiet || opt.quiet;
  PtqResult p = post_training_quantize(g, res.model_sha256, po);
  std::set<std::string> calib;
  for (const auto& path : p.calib_images)
    calib.insert(std::filesystem::weakly_canonical(path).string());
  const size_t before = ds.items.size();
  auto is_calib = [&](const DatasetItem& it) {
    return calib.count(std::filesystem::weakly_canonical(it.path).string()) > 0;
  };
  // The report's "images a..b of N" starts after the calibration images that
  // come first (all of them when calibrating on the evaluation folder).
  for (size_t i = 0; i < ds.items.size() && is_calib(ds.items[i]); ++i) ++res.first_index;
  std::erase_if(ds.items, is_calib);
  res.ptq_text =
      ptq_text(p) + fmt::format("evaluation: {} images ({} calibration images left out)\n",
                                ds.items.size(), before - ds.items.size());
  res.ptq = ptq_json(p);
  res.ptq["excluded_from_evaluation"] = before - ds.items.size();
  return std::move(p.graph);
}

}  // namespace

RunResult run_classification(const RunOptions& opt_in) {
  RunResult res;
  res.options = opt_in;
  const RunOptions& opt = res.options;
  auto now = opt.clock ? opt.clock : steady_seconds;
  const double t_begin = now();

  Dataset ds = load_dataset(opt.dataset, opt.dataset_options);
  res.dataset_size = ds.items.size();
  select_items(ds, opt.skip, 0);  // --limit applies after PTQ's calibration images are left out
  res.first_index = static_cast<size_t>(opt.skip);
  res.dataset_hash = ds.list_hash;
  res.dataset_layout = ds.layout;
  std::vector<std::string> labels;
  if (!opt.labels.empty()) labels = read_labels(opt.labels);

  // Threads: the reference backend is single-threaded, so the rest decode.
  const int cores = opt.threads > 0 ? opt.threads : std::max(1, machine_info().cores);
  res.inference_threads = opt.backend == "reference" ? 1 : std::max(1, cores);
  res.decode_threads = std::max(1, opt.backend == "reference" ? cores - 1 : cores / 2);

  SessionOptions so;
  so.backend = opt.backend;
  so.backend_options.threads = res.inference_threads;
  so.backend_options.precision = opt.precision;
  so.dequantize = opt.dequantize;
  so.cache_dir = opt.cache_dir;
  // The model's fingerprint (provenance for the results) is not part of
  // loading it: its time is left out of the load's.
  double t_load = now();
  double fingerprint_s = 0;
  const auto fingerprint = [&](const Graph& g) {
    const double t = now();
    res.model_sha256 = model_sha256(opt.model, g);
    fingerprint_s = now() - t;
  };
  std::unique_ptr<Session> session;
  if (opt.ptq.calib_dir.empty() && opt.model.rfind("builtin:", 0) != 0) {
    session = Session::load(opt.model, so);  // the file's bytes: the cache may key them
    fingerprint(session->graph());
  } else {
    Graph model = load_model_graph(opt.model);
    fingerprint(model);
    if (!opt.ptq.calib_dir.empty()) {
      // --dequantize --ptq: quantize the float equivalent of a quantized model;
      // the int8 result then runs as it is, not dequantized again.
      if (so.dequantize) passes::dequantize_graph(model);
      so.dequantize = false;
      model = quantize_for_run(opt, model, ds, res);
    }
    session = Session::from_graph(std::move(model), so);
  }
  if (opt.limit > 0 && static_cast<size_t>(opt.limit) < ds.items.size())
    ds.items.resize(static_cast<size_t>(opt.limit));
  if (ds.items.empty()) fail(ErrorCode::kInput, opt.dataset, "no images left to evaluate");
  res.count = ds.items.size();
  res.first_image = std::filesystem::path(ds.items.front().path).filename().string();
  res.last_image = std::filesystem::path(ds.items.back().path).filename().string();
  RunRecord rec;
  rec.load_s = now() - t_load - fingerprint_s;
  res.backend = session->backend_name();
  res.precision = effective_precision(session->graph(), opt.precision);
  res.precision_mode = session->compiled().precision_mode();

  const Tensor& in = session->input();
  const Tensor& out = session->output();
  const InputGeometry geo = image_input_geometry(in, opt.model);
  const PreprocessFamily family = opt.preprocess.empty()
                                      ? default_preprocess_family(session->graph())
                                      : parse_preprocess_family(opt.preprocess);
  res.preprocess = preprocess_family_name(family);
  res.output_offset = imagenet_output_offset(static_cast<size_t>(out.elements()), opt.model);
  if (!opt.dump_inputs.empty()) std::filesystem::create_directories(opt.dump_inputs);

  const size_t n = ds.items.size();
  PreparedQueue queue(static_cast<size_t>(2 * res.decode_threads + 2));
  std::atomic<size_t> next{0};
  std::atomic<bool> cancel{false};
  auto worker = [&] {
    for (size_t i = next++; i < n && !cancel; i = next++) {
      Prepared p;
      p.index = i;
      const double t0 = now();
      try {
        p.input.resize(in.bytes());
        preprocess_image_file(ds.items[i].path, in, geo, family, p.input.data());
      } catch (const Error& e) {
        p.error = e.what();
      }
      p.pre_s = now() - t0;
      queue.push(std::move(p));
    }
  };

  Progress progress("images", static_cast<int64_t>(n), opt.quiet);
  std::vector<std::thread> workers;
  const double t_loop = now();
  for (int w = 0; w < res.decode_threads; ++w) workers.emplace_back(worker);
  auto outputs = session->make_output_buffers();
  res.images.reserve(n);
  std::string strict_error;
  try {
    for (size_t done = 0; done < n; ++done) {
      Prepared p;
      if (!queue.pop(p)) break;
      if (!p.error.empty()) {
        if (opt.strict) {
          strict_error = p.error;
          break;
        }
        res.failed.push_back(p.error);
        ++rec.failed_images;
        continue;
      }
      const double t0 = now();
      session->run({p.input.data()}, outputs);
      rec.inf_s.push_back(now() - t0);
      rec.pre_s.push_back(p.pre_s);
      if (!opt.dump_inputs.empty()) {
        std::string stem = std::filesystem::path(ds.items[p.index].path).stem().string();
        write_npy(opt.dump_inputs + "/" + stem + ".npy", in.dtype, in.shape, p.input.data(),
                  p.input.size());
      }
      std::vector<float> scores = output_scores(out, outputs[0].data());
      ImageResult r;
      r.path = ds.items[p.index].path;
      r.label = ds.items[p.index].label;
      r.top5 = top_k(scores, 5);
      for (int k : r.top5) r.top5_scores.push_back(scores[k]);
      const int want = r.label + res.output_offset;
      if (!r.top5.empty() && r.top5[0] == want) ++rec.top1_correct;
      if (std::find(r.top5.begin(), r.top5.end(), want) != r.top5.end()) ++rec.top5_correct;
      res.images.push_back(std::move(r));
      ++rec.images;
      char extra[64];
      std::snprintf(extra, sizeof extra, "top-1 %.3f",
                    static_cast<double>(rec.top1_correct) / rec.images);
      progress.update(static_cast<int64_t>(done + 1), extra);
    }
  } catch (...) {
    cancel = true;
    queue.stop();
    for (auto& t : workers) t.join();
    throw;
  }
  cancel = true;
  queue.stop();
  for (auto& t : workers) t.join();
  rec.loop_wall_s = now() - t_loop;
  if (!strict_error.empty()) fail(ErrorCode::kInput, "", strict_error + " (--strict)");
  if (rec.images == 0)
    fail(ErrorCode::kInput, opt.dataset,
         "no image could be decoded (" + std::to_string(rec.failed_images) + " failed)");
  progress.finish(
      rec.images
          ? "top-1 " +
                std::to_string(static_cast<double>(rec.top1_correct) / rec.images).substr(0, 5)
          : "");

  // Results are ordered by file for stable output, whatever order workers finished in.
  std::sort(res.images.begin(), res.images.end(),
            [](const ImageResult& a, const ImageResult& b) { return a.path < b.path; });
  std::sort(res.failed.begin(), res.failed.end());
  rec.total_s = now() - t_begin;
  rec.peak_rss_mib = peak_rss_mib();
  rec.model_mib =
      static_cast<double>(session->compiled().arena_bytes() +
                          static_cast<size_t>(graph_cost(session->graph()).weight_bytes)) /
      (1024.0 * 1024.0);
  res.metrics = compute_metrics(rec);
  return res;
}

}  // namespace edgebench
