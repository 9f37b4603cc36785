#include "report/run_report.h"

#include <fmt/core.h>

#include <filesystem>

#include "harness/machine.h"

namespace edgebench {

nlohmann::json metrics_json(const Metrics& m) {
  return {{"images", m.images},
          {"failed_images", m.failed_images},
          {"top1", m.top1},
          {"top5", m.top5},
          {"memory_mib", m.memory_mib},
          {"model_mib", m.model_mib},
          {"load_s", m.load_s},
          {"time_s", m.time_s},
          {"avg_inf_ms", m.avg_inf_ms},
          {"p50_ms", m.p50_ms},
          {"p90_ms", m.p90_ms},
          {"p99_ms", m.p99_ms},
          {"avg_pre_ms", m.avg_pre_ms},
          {"fps_inf", m.fps_inf},
          {"fps", m.fps},
          {"fps_wall", m.fps_wall}};
}

nlohmann::json machine_json() {
  MachineInfo mi = machine_info();
  return {{"cpu_model", mi.cpu_model}, {"isa", mi.isa}, {"cores", mi.cores}, {"os", mi.os}};
}

nlohmann::json run_json(const RunResult& r, bool per_image) {
  nlohmann::json j = metrics_json(r.metrics);
  const RunOptions& o = r.options;
  j["config"] = {{"model", o.model},
                 {"dataset", o.dataset},
                 {"dataset_layout", r.dataset_layout},
                 {"labels", o.labels},
                 {"preprocess", r.preprocess},
                 {"skip", o.skip},
                 {"limit", o.limit},
                 {"dequantized", o.dequantize},
                 {"backend", r.backend},
                 {"precision", r.precision},
                 {"precision_mode", r.precision_mode},
                 {"inference_threads", r.inference_threads},
                 {"decode_threads", r.decode_threads},
                 {"output_offset", r.output_offset}};
  j["evaluated"] = {{"dataset_images", r.dataset_size},
                    {"first_index", r.first_index},
                    {"count", r.count},
                    {"first", r.first_image},
                    {"last", r.last_image}};
  j["model_sha256"] = r.model_sha256;
  j["dataset_hash"] = r.dataset_hash;
  j["machine"] = machine_json();
  j["machine"]["threads"] = r.inference_threads + r.decode_threads;
  j["version"] = EDGEBENCH_VERSION;
  j["failed"] = r.failed;
  if (!r.ptq.is_null()) j["ptq"] = r.ptq;
  if (per_image) {
    nlohmann::json preds = nlohmann::json::array();
    for (const auto& im : r.images)
      preds.push_back({{"image", std::filesystem::path(im.path).filename().string()},
                       {"label", im.label},
                       {"top5", im.top5},
                       {"scores", im.top5_scores}});
    j["predictions"] = preds;
  }
  return j;
}

std::string run_csv_header() {
  return "model,backend,precision,images,failed_images,top1,top5,memory_mib,model_mib,load_s,"
         "time_s,avg_inf_ms,p50_ms,p90_ms,p99_ms,avg_pre_ms,fps_inf,fps,fps_wall\n";
}

std::string run_csv_row(const RunResult& r) {
  const Metrics& m = r.metrics;
  return fmt::format(
      "{},{},{},{},{},{:.5f},{:.5f},{:.1f},{:.1f},{:.3f},{:.2f},{:.3f},{:.3f},{:.3f},"
      "{:.3f},{:.3f},{:.2f},{:.2f},{:.2f}\n",
      r.options.model, r.backend, r.precision, m.images, m.failed_images, m.top1, m.top5,
      m.memory_mib, m.model_mib, m.load_s, m.time_s, m.avg_inf_ms, m.p50_ms, m.p90_ms, m.p99_ms,
      m.avg_pre_ms, m.fps_inf, m.fps, m.fps_wall);
}

std::string run_markdown(const RunResult& r) {
  const Metrics& m = r.metrics;
  std::string s =
      "| model | backend | precision | images | top-1 | top-5 | MiB | load s | time s | avg inf ms "
      "| p50 ms | p99 ms | avg pre ms | FPS(inf) | FPS | FPS(wall) |\n"
      "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  s += fmt::format(
      "| {} | {} | {} | {} | {:.5f} | {:.5f} | {:.1f} | {:.3f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} "
      "| {:.2f} | {:.2f} | {:.2f} | {:.2f} |\n",
      std::filesystem::path(r.options.model).filename().string(), r.backend, r.precision, m.images,
      m.top1, m.top5, m.memory_mib, m.load_s, m.time_s, m.avg_inf_ms, m.p50_ms, m.p99_ms,
      m.avg_pre_ms, m.fps_inf, m.fps, m.fps_wall);
  s += fmt::format(
      "\nprecision {} ({}){}; evaluated images {}..{} of the {} sorted by name ({} .. {})\n",
      r.precision, r.precision_mode, r.options.dequantize ? ", model dequantized to float" : "",
      r.first_index + 1, r.first_index + r.count, r.dataset_size, r.first_image, r.last_image);
  if (m.failed_images > 0) {
    s += fmt::format("\n{} image(s) could not be used:\n", m.failed_images);
    for (const auto& f : r.failed) s += "- " + f + "\n";
  }
  return s;
}

}  // namespace edgebench
