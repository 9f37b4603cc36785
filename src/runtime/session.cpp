#include "runtime/session.h"

#include <chrono>

#include "importers/import_model.h"
#include "passes/dequantize.h"

namespace edgebench {

std::unique_ptr<Session> Session::load(const std::string& model_path, const SessionOptions& opt) {
  auto t0 = std::chrono::steady_clock::now();
  auto s = from_graph(import_model(model_path), opt);
  s->load_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

std::unique_ptr<Session> Session::from_graph(Graph g, const SessionOptions& opt) {
  auto t0 = std::chrono::steady_clock::now();
  auto s = std::unique_ptr<Session>(new Session());
  s->graph_ = std::move(g);
  if (opt.dequantize) passes::dequantize_graph(s->graph_);
  auto backend = make_backend(opt.backend);
  s->backend_name_ = std::string(backend->name());
  s->compiled_ = backend->compile(s->graph_, opt.backend_options);
  s->out_ptrs_.resize(s->graph_.outputs.size());
  s->load_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
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
