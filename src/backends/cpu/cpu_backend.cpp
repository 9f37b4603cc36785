#include "backends/cpu/cpu_backend.h"

#include <omp.h>

#include <algorithm>
#include <map>
#include <string_view>

#include "backends/cpu/cpu_model.h"
#include "backends/cpu/fp16_round.h"
#include "backends/cpu/lowerers.h"
#include "ir/cost.h"
#include "passes/fuse_conv_add.h"
#include "passes/pass_manager.h"
#include "passes/pool_below_pointwise.h"
#include "util/error.h"
#include "util/file_identity.h"
#include "util/load_phases.h"

namespace edgebench {
namespace {

using namespace cpu;

// Kernel choice is data: the first entry whose predicate accepts a node lowers it.
struct KernelEntry {
  std::string_view name;
  bool (*supports)(const Graph&, const Node&);
  void (*lower)(Lowering&, const Node&);
};

void lower_conv_plain(Lowering& L, const Node& n) {
  if (depthwise_f32_own_kernel(L, n))
    lower_depthwise_f32(L, n);
  else
    lower_conv_f32(L, n, nullptr);
}

constexpr KernelEntry kKernels[] = {
    {"conv_f32", conv_f32_supports, lower_conv_plain},
    {"fully_connected_f32", fully_connected_f32_supports, lower_fully_connected_f32},
    {"pool_f32", pool_f32_supports, lower_pool_f32},
    {"mean_f32", mean_f32_supports, lower_mean_f32},
    {"concat", concat_supports, lower_concat},
    {"binary_f32", binary_f32_supports, lower_binary_f32},
    {"softmax_f32", softmax_f32_supports, lower_softmax_f32},
    {"reshape", reshape_supports, lower_reshape},
    {"transpose", transpose_supports, lower_transpose},
    {"conv_int8", conv_int8_supports, lower_conv_int8},
    {"depthwise_int8", depthwise_int8_supports, lower_depthwise_int8},
    {"add_int8", add_int8_supports, lower_add_int8},
    {"pool_int8", pool_int8_supports, lower_pool_int8},
    {"quantize_int8", quantize_int8_supports, lower_quantize_int8},
    {"reference", reference_supports, lower_reference},
};

[[noreturn]] void node_error(const Graph& g, size_t i, const std::string& what) {
  const Node& n = g.nodes[i];
  fail(ErrorCode::kUnsupported, g.source,
       "node #" + std::to_string(i) + " " + std::string(op_name(n.op)) + " '" + n.name +
           "': " + what);
}

// Lowers one node through the table; a oneDNN primitive the library cannot
// create (e.g. an ISA it lacks) falls through to the next entry, provided the
// failed lowering added no steps.
std::string_view lower_node(Lowering& L, const Node& n, size_t index) {
  for (const KernelEntry& k : kKernels) {
    if (!k.supports(L.graph(), n)) continue;
    const size_t steps_before = L.steps().size();
    try {
      k.lower(L, n);
      return k.name;
    } catch (const dnnl::error& e) {
      if (L.steps().size() != steps_before)
        node_error(L.graph(), index, "oneDNN failed in " + std::string(k.name) + ": " + e.what());
    }
  }
  node_error(L.graph(), index, "no cpu kernel");
}

// Blocked float layouts (nChw16c) for depthwise-separable networks. Measured
// on Zen 4, 1 thread: MobileNetV1 11.9 -> 11.6 ms and MobileNetV2 7.6 -> 7.2
// (oneDNN's jit_1x1 and depthwise kernels on nChw16c, and ours on contiguous
// channel planes, beat brgemm on nhwc there; jit_1x1's code is also made
// faster: MobileNetV1's first load 25 -> 16 ms), while InceptionV3, no
// depthwise layer, went 93 -> 96 ms. Only where oneDNN has AVX-512 (its
// 16-channel blocks) and in plain f32. BackendOptions::layout (or
// EDGEBENCH_CPU_LAYOUT=nhwc|blocked, for measuring) overrides.
bool blocked_float_layout_pays(const Graph& g, const FloatPrecision& p, std::string forced) {
  if (forced == "auto") {
    const char* env = std::getenv("EDGEBENCH_CPU_LAYOUT");
    forced = env ? env : "auto";
  }
  if (forced == "nhwc") return false;
  if (!onednn_isa_has(dnnl::cpu_isa::avx512_core) || p.compute != memory::data_type::f32 ||
      p.fp16_storage)
    return false;
  if (forced == "blocked") return true;
  return std::any_of(g.nodes.begin(), g.nodes.end(), [&](const Node& n) {
    return n.op == OpType::kDepthwiseConv2D && g.tensor(n.inputs[0]).dtype == DType::kF32;
  });
}

// What --precision asks of this CPU, decided once per compile from features
// detected once per process.
struct PrecisionChoice {
  FloatPrecision float_precision;
  std::string mode;  // CompiledModel::precision_mode()
};

std::string isa_name() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::sse41: return "SSE4.1";
    case dnnl::cpu_isa::avx: return "AVX";
    case dnnl::cpu_isa::avx2: return "AVX2";
    case dnnl::cpu_isa::avx2_vnni: return "AVX2-VNNI";
    case dnnl::cpu_isa::avx512_core: return "AVX-512";
    case dnnl::cpu_isa::avx512_core_vnni: return "AVX512-VNNI";
    case dnnl::cpu_isa::avx512_core_bf16: return "AVX512-BF16";
    case dnnl::cpu_isa::avx512_core_amx: return "AMX";
    default: return "an older ISA";
  }
}

PrecisionChoice choose_precision(const Graph& g, const std::string& precision) {
  const std::string native = native_precision(g);
  PrecisionChoice c;
  c.mode = native;
  if (precision == "fp32" || (precision == "int8" && native == "int8")) return c;
  if (precision == "int8")
    fail(ErrorCode::kUsage, g.source,
         "precision int8 needs a quantized model and this one is float: quantize it first "
         "(edgebench quantize MODEL --calib DIR -o OUT.onnx), then run that model");
  if (precision != "bf16" && precision != "fp16")
    fail(ErrorCode::kUsage, "", "unknown precision '" + precision + "' (fp32, bf16, fp16, int8)");
  if (native == "int8")
    fail(ErrorCode::kUsage, g.source,
         "precision " + precision +
             " runs float models and this one is quantized (int8): dequantize it first "
             "(edgebench dequantize MODEL -o OUT.onnx, or --dequantize on run/bench)");
  if (precision == "bf16") {
    if (!cpu_supports_bf16())
      fail(ErrorCode::kUnsupported, "",
           "precision bf16 needs AVX512-BF16 (or AMX) and this CPU's best is " + isa_name() +
               " (bf16 is not emulated; use fp32 or fp16)");
    c.float_precision.compute = memory::data_type::bf16;
    c.mode = "bf16";
    return c;
  }
  // oneDNN 2.6 has no fp16 convolution or inner product on any CPU (its
  // AVX512-FP16 kernels came later), so fp16 is storage only, everywhere.
  c.float_precision.fp16_storage = true;
  c.mode = "fp16-storage/fp32-compute";
  return c;
}

// fp16 storage: the f32 outputs a node just wrote, rounded in place to the
// values fp16 buffers would hold (not graph outputs, which are f32).
void round_outputs_to_fp16(Lowering& L, const Node& n, size_t steps_before) {
  if (L.steps().size() == steps_before) return;  // an alias (Reshape): nothing new written
  // Copies and maxima of rounded values are already fp16 values.
  if (n.op == OpType::kConcat || n.op == OpType::kMaxPool2D) return;
  const Graph& g = L.graph();
  for (int y : n.outputs) {
    if (std::find(g.outputs.begin(), g.outputs.end(), y) != g.outputs.end()) continue;
    const Tensor& t = g.tensor(y);
    const TensorPlace& p = L.place(y);
    if (t.dtype != DType::kF32 || p.buffer < 0 || L.buffer(p.buffer).constant >= 0) continue;
    const int b = p.buffer;
    const size_t count = L.buffer(b).bytes / sizeof(float);  // blocked padding included: zeros
    const Fp16RoundKernel& k = fp16_round_kernel();
    Step& s = L.add_step(std::string("round:fp16_") + k.isa);
    s.uses = {b};
    s.make_fn = [b, count, &k](const BufferPtrs& ptrs) -> std::function<void()> {
      float* x = reinterpret_cast<float*>(ptrs[static_cast<size_t>(b)]);
      return [x, count, &k] { k.round(x, count); };
    };
  }
}

// Float convolutions and fully-connected layers copy their weights and bias
// into oneDNN's packed layout: once packed, the graph's bytes of a constant
// that only this node reads are dropped, so the weights are not held twice.
void release_packed_constants(Graph& g, const Node& n, const Lowering& L) {
  for (size_t k = 1; k < n.inputs.size() && k <= 2; ++k) {
    const int id = n.inputs[k];
    if (id < 0 || L.readers(id) != 1) continue;
    Tensor& t = g.tensor(id);
    if (t.is_const() && !t.data.is_released()) t.data = ConstData::released();
  }
}

// The standard passes, then this backend's own float rewrite (it applies to
// float nodes only by its own preconditions: quantized pooling has no bias).
const std::vector<passes::Pass>& cpu_passes() {
  static const std::vector<passes::Pass> kPasses = [] {
    std::vector<passes::Pass> p = passes::standard_passes();
    p.push_back({"pool_below_pointwise", passes::pool_below_pointwise});
    return p;
  }();
  return kPasses;
}

// The packed-weight cache for this load, when asked for and the graph came
// from a file; keyed by everything that decides what packing writes.
std::unique_ptr<PackCache> open_pack_cache(const BackendOptions& opt, const PrecisionChoice& p,
                                           int threads, bool blocked) {
  if (opt.cache_dir.empty() || opt.cache_source.empty()) return nullptr;
  const LoadPhase phase("cache");
  const dnnl_version_t* v = dnnl_version();
  const std::string key =
      std::string("edgebench ") + EDGEBENCH_VERSION + " (" + file_identity("/proc/self/exe") +
      "); oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
      std::to_string(v->patch) + " " + v->hash + "; " + isa_name() + "; precision " + p.mode +
      "; threads " + std::to_string(threads) + (blocked ? "; nChw16c; " : "; ") + opt.cache_source;
  return std::make_unique<PackCache>(opt.cache_dir, opt.cache_name, key);
}

std::unique_ptr<CompiledModel> compile_graph(Graph source, const BackendOptions& opt) {
  const PrecisionChoice precision = choose_precision(source, opt.precision);
  auto g = std::make_unique<Graph>(std::move(source));
  {
    const LoadPhase phase("passes");
    passes::run_passes(*g, cpu_passes());
  }
  const LoadPhase lower_phase("lower");
  const int threads = opt.threads > 0 ? opt.threads : omp_get_num_procs();
  omp_set_num_threads(threads);  // primitives partition work for this many threads

  // Residual adds absorbed by the producing convolution (run at the Add's place).
  std::map<size_t, passes::ConvAddFusion> fused_at_add;
  std::vector<bool> deferred(g->nodes.size(), false);
  for (const auto& f : passes::find_conv_add_fusions(*g)) {
    if (!conv_f32_supports(*g, g->nodes[f.conv])) continue;
    fused_at_add[f.add] = f;
    deferred[f.conv] = true;
  }
  // Max pools computed with their convolution, band by band (run at the
  // pool's place); in f32, where rounding the convolution's output cannot
  // matter.
  std::map<size_t, size_t> conv_of_pool;
  if (precision.float_precision.compute == memory::data_type::f32 &&
      !precision.float_precision.fp16_storage)
    for (const ConvPoolPair& f : find_banded_conv_pools(*g)) {
      if (deferred[f.conv]) continue;
      conv_of_pool[f.pool] = f.conv;
      deferred[f.conv] = true;
    }

  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  Lowering L(*g, engine);
  const bool blocked = blocked_float_layout_pays(*g, precision.float_precision, opt.layout);
  L.set_blocked_float_layout(blocked);
  const std::unique_ptr<PackCache> cache = open_pack_cache(opt, precision, threads, blocked);
  L.set_pack_cache(cache.get());
  L.set_threads(threads);
  L.set_float_precision(precision.float_precision);

  std::vector<size_t> exec_pos(g->nodes.size());
  for (size_t i = 0; i < exec_pos.size(); ++i) exec_pos[i] = i;
  for (const auto& [add, f] : fused_at_add) exec_pos[f.conv] = add;
  for (const auto& [pool, conv] : conv_of_pool) exec_pos[conv] = pool;
  L.set_exec_positions(std::move(exec_pos));
  const std::vector<int> inputs = L.bind_graph_inputs();
  std::vector<std::string> notes(g->nodes.size());
  for (size_t i = 0; i < g->nodes.size(); ++i) {
    if (deferred[i]) continue;
    L.begin_node(i);
    const Node& n = g->nodes[i];
    const size_t steps_before = L.steps().size();
    try {
      if (auto it = fused_at_add.find(i); it != fused_at_add.end()) {
        const ConvResidual res{it->second.residual, n.outputs[0], n.attr<BinaryAttrs>().act};
        lower_conv_f32(L, g->nodes[it->second.conv], &res);
        notes[it->second.conv] = "(fused into node #" + std::to_string(i) + ")";
        release_packed_constants(*g, g->nodes[it->second.conv], L);
      } else if (auto pc = conv_of_pool.find(i); pc != conv_of_pool.end()) {
        lower_conv_f32(L, g->nodes[pc->second], nullptr, &n);
        notes[pc->second] = "(with node #" + std::to_string(i) + ")";
        release_packed_constants(*g, g->nodes[pc->second], L);
      } else {
        const std::string_view kernel = lower_node(L, n, i);
        if (kernel == "conv_f32" || kernel == "fully_connected_f32")
          release_packed_constants(*g, n, L);
      }
      if (precision.float_precision.fp16_storage) round_outputs_to_fp16(L, n, steps_before);
    } catch (const dnnl::error& e) {
      node_error(*g, i, std::string("oneDNN: ") + e.what());
    }
  }
  L.begin_node(g->nodes.empty() ? 0 : g->nodes.size() - 1);
  const std::vector<int> outputs = L.bind_graph_outputs();

  std::vector<std::string> names(g->nodes.size());
  for (const Step& s : L.steps()) names[s.node] += (names[s.node].empty() ? "" : " + ") + s.kernel;
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i].empty()) names[i] = notes[i].empty() ? "(alias)" : notes[i];

  L.release_pack_scratch();
  if (cache) {
    const LoadPhase phase("cache");
    if (cache->hits() > 0) L.keep(cache->owner());
    cache->save();
  }
  // oneDNN's primitive cache keeps every primitive made, the reorders that
  // packed the weights once included (InceptionV3: 0.6 MiB of kernels and
  // descriptors); the steps hold what runs. Emptying it costs a later compile
  // of the same shapes its cache hits.
  const int cache_capacity = dnnl::get_primitive_cache_capacity();
  dnnl::set_primitive_cache_capacity(0);
  dnnl::set_primitive_cache_capacity(cache_capacity);
  std::vector<Step> steps = std::move(L.steps());
  std::vector<Buffer> buffers = L.buffers();
  const LoadPhase bind_phase("bind");
  auto model =
      std::make_unique<CpuModel>(std::move(g), engine, std::move(steps), std::move(buffers), inputs,
                                 outputs, std::move(names), threads, std::move(L.kept()));
  model->set_precision_mode(precision.mode);
  return model;
}

class CpuBackend final : public Backend {
 public:
  std::string_view name() const override { return "cpu"; }
  std::unique_ptr<CompiledModel> compile(const Graph& g, const BackendOptions& opt) override {
    return compile_graph(g, opt);  // a copy: the caller's constants stay alive
  }
  std::unique_ptr<CompiledModel> compile_owned(Graph g, const BackendOptions& opt) override {
    return compile_graph(std::move(g), opt);
  }
};

}  // namespace

// bf16 kernels need AVX512-BF16 (Cooper Lake, Zen 4) or AMX. oneDNN would
// emulate bf16 on plain AVX-512 much more slowly; we refuse instead. Its
// effective ISA includes ONEDNN_MAX_CPU_ISA, so a cap disables bf16 here too.
// (oneDNN's ISA values are nested bit sets: AMX includes AVX512-BF16's bits.)
bool cpu_supports_bf16() {
  static const bool has = onednn_isa_has(dnnl::cpu_isa::avx512_core_bf16);
  return has;
}

std::unique_ptr<Backend> make_cpu_backend() {
  return std::make_unique<CpuBackend>();
}

}  // namespace edgebench
