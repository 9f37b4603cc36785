#include "backends/cpu/dnnl_util.h"

#include <algorithm>
#include <limits>

namespace edgebench::cpu {

memory::data_type dnnl_type(DType t) {
  switch (t) {
    case DType::kF32: return memory::data_type::f32;
    case DType::kF16: return memory::data_type::f16;
    case DType::kBF16: return memory::data_type::bf16;
    case DType::kI8: return memory::data_type::s8;
    case DType::kU8: return memory::data_type::u8;
    case DType::kI32: return memory::data_type::s32;
    case DType::kI64: return memory::data_type::undef;
  }
  return memory::data_type::undef;
}

memory::dims nchw_dims(const Shape& s) {
  return {s[0], s[3], s[1], s[2]};
}

memory::desc row_major_md(const Shape& shape, memory::data_type t) {
  memory::dims dims(shape.begin(), shape.end());
  if (dims.empty()) dims = {1};
  memory::dims strides(dims.size(), 1);
  for (size_t i = dims.size() - 1; i > 0; --i) strides[i - 1] = strides[i] * dims[i];
  return memory::desc(dims, t, strides);
}

bool dnnl_can_hold(const Tensor& t) {
  if (dnnl_type(t.dtype) == memory::data_type::undef) return false;
  for (int64_t d : t.shape)
    if (d == 0) return false;
  return t.shape.size() <= 6;
}

memory::desc plain_md(const Tensor& t) {
  if (!dnnl_can_hold(t)) return memory::desc();
  if (t.shape.size() == 4)
    return memory::desc(nchw_dims(t.shape), dnnl_type(t.dtype), memory::format_tag::nhwc);
  return row_major_md(t.shape, dnnl_type(t.dtype));
}

memory::desc plain_md(const Tensor& t, memory::data_type dt) {
  if (!dnnl_can_hold(t)) return memory::desc();
  if (t.shape.size() == 4) return memory::desc(nchw_dims(t.shape), dt, memory::format_tag::nhwc);
  return row_major_md(t.shape, dt);
}

void append_activation(dnnl::post_ops& ops, const FusedActivation& act) {
  if (act.kind == ActivationKind::kNone) return;
  const float lo = std::max(act.min, std::numeric_limits<float>::lowest());
  const float hi = std::min(act.max, std::numeric_limits<float>::max());
  if (lo == 0.0f && hi == std::numeric_limits<float>::max())
    ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
  else
    ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip, lo, hi);
}

std::string describe_md(const memory::desc& md) {
  const dnnl_memory_desc_t& d = md.data;
  std::string s;
  const auto put = [&s](const char* name, int64_t v) {
    s += name;
    s += std::to_string(v);
    s += ' ';
  };
  const auto put_all = [&](const char* name, const auto* v, int n) {
    for (int i = 0; i < n; ++i) put(name, static_cast<int64_t>(v[i]));
  };
  put("nd", d.ndims);
  put_all("d", d.dims, d.ndims);
  put_all("pd", d.padded_dims, d.ndims);
  put_all("po", d.padded_offsets, d.ndims);
  put("dt", d.data_type);
  put("o", d.offset0);
  put("fk", d.format_kind);
  if (d.format_kind == dnnl_blocked) {
    const dnnl_blocking_desc_t& b = d.format_desc.blocking;
    put_all("s", b.strides, d.ndims);
    put("nb", b.inner_nblks);
    put_all("b", b.inner_blks, b.inner_nblks);
    put_all("i", b.inner_idxs, b.inner_nblks);
  } else if (d.format_kind == dnnl_format_kind_wino) {
    const dnnl_wino_desc_t& w = d.format_desc.wino_desc;
    const int64_t v[] = {
        w.wino_format, w.r,        w.alpha,     w.ic,        w.oc,
        w.ic_block,    w.oc_block, w.ic2_block, w.oc2_block, static_cast<int64_t>(w.size)};
    put_all("w", v, 10);
    s += "as" + std::to_string(w.adj_scale) + ' ';
  } else {
    s += "other";
  }
  put("xf", d.extra.flags);
  put("xc", d.extra.compensation_mask);
  put("xa", d.extra.asymm_compensation_mask);
  s += "xs" + std::to_string(d.extra.scale_adjust);
  return s;
}

bool onednn_isa_has(dnnl::cpu_isa isa) {
  const auto have = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  const auto want = static_cast<unsigned>(isa);
  return (have & want) == want;
}

std::string impl_name(const dnnl::primitive_desc_base& pd) {
  return std::string("dnnl:") + pd.impl_info_str();
}

dnnl::primitive_attr user_scratchpad_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

}  // namespace edgebench::cpu
