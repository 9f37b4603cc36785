#include "runtime/session.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "importers/import_model.h"
#include "passes/dequantize.h"
#include "util/file_identity.h"
#include "util/load_phases.h"

namespace edgebench {

namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

std::unique_ptr<Session> Session::load(const std::string& model_path, const SessionOptions& opt) {
  const auto t0 = Clock::now();
  const LoadPhases phases;
  SessionOptions o = opt;
  if (!opt.cache_dir.empty()) {
    const std::string id = file_identity(model_path);
    if (!id.empty()) {
      o.backend_options.cache_dir = opt.cache_dir;
      o.backend_options.cache_source = id + (opt.dequantize ? "; dequantized" : "");
      // The folder's name too: model files are often all called model.onnx.
      const std::filesystem::path p(model_path);
      const std::string folder = std::filesystem::absolute(p).parent_path().filename().string();
      o.backend_options.cache_name = (folder.empty() ? "" : folder + "_") + p.stem().string();
    }
  }
  auto s = compile(import_model(model_path), o);
  s->finish_load(t0, phases);
  return s;
}

std::unique_ptr<Session> Session::from_graph(Graph g, const SessionOptions& opt) {
  const auto t0 = Clock::now();
  const LoadPhases phases;
  auto s = compile(std::move(g), opt);
  s->finish_load(t0, phases);
  return s;
}

std::unique_ptr<Session> Session::compile(Graph g, const SessionOptions& opt) {
  auto s = std::unique_ptr<Session>(new Session());
  if (opt.dequantize) passes::dequantize_graph(g);
  // The session keeps the graph's description (tensors, nodes, metadata); the
  // constants' bytes belong to the compiled model alone.
  s->graph_ = g;
  for (Tensor& t : s->graph_.tensors)
    if (t.is_const()) t.data = ConstData::released();
  auto backend = make_backend(opt.backend);
  s->backend_name_ = std::string(backend->name());
  s->compiled_ = backend->compile_owned(std::move(g), opt.backend_options);
  s->out_ptrs_.resize(s->graph_.outputs.size());
  return s;
}

void Session::finish_load(std::chrono::steady_clock::time_point t0, const LoadPhases& phases) {
  load_seconds_ = std::chrono::duration<double>(Clock::now() - t0).count();
  // What no phase covers (copying the graph's description, the backend's
  // set-up) is "other".
  load_phases_ = phases.seconds();
  double covered = 0;
  for (const auto& [name, seconds] : load_phases_) covered += seconds;
  load_phases_.emplace_back("other", std::max(0.0, load_seconds_ - covered));
}

std::vector<std::vector<std::byte>> Session::make_output_buffers() const {
  std::vector<std::vector<std::byte>> out;
  for (int id : graph_.outputs) out.emplace_back(graph_.tensor(id).bytes());
  return out;
}

void Session::run(const std::vector<const void*>& inputs,
                  std::vector<std::vector<std::byte>>& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i) out_ptrs_[i] = outputs[i].data();
  compiled_->run(inputs, out_ptrs_);
}

}  // namespace edgebench
