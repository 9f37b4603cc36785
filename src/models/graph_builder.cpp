#include "models/graph_builder.h"

#include <cmath>

namespace edgebench {

GraphBuilder::GraphBuilder(std::string name, uint32_t seed) : rng_(seed) {
  g_.source = std::move(name);
  g_.format = "builtin";
}

int GraphBuilder::activation(const Shape& s) {
  Tensor t;
  t.name = "t" + std::to_string(g_.tensors.size());
  t.dtype = DType::kF32;
  t.shape = s;
  return g_.add_tensor(std::move(t));
}

int GraphBuilder::constant(const Shape& s, std::vector<float> values, const std::string& name) {
  Tensor t;
  t.name = name;
  t.dtype = DType::kF32;
  t.shape = s;
  t.data = make_owned_const(values);
  return g_.add_tensor(std::move(t));
}

int GraphBuilder::node(OpType op, std::vector<int> inputs, const Shape& out_shape, Attrs attrs) {
  int y = activation(out_shape);
  Node n;
  n.op = op;
  n.name = std::string(op_name(op)) + "_" + std::to_string(counter_++);
  n.inputs = std::move(inputs);
  n.outputs = {y};
  n.attrs = std::move(attrs);
  g_.nodes.push_back(std::move(n));
  return y;
}

int GraphBuilder::input(const Shape& nhwc, const std::string& name) {
  int id = activation(nhwc);
  g_.tensor(id).name = name;
  g_.inputs.push_back(id);
  return id;
}

static int64_t out_dim(int64_t in, int k, int s, int pad) { return (in + 2 * pad - k) / s + 1; }

int GraphBuilder::conv(int x, int out_ch, int kh, int kw, int stride, int pad_h, int pad_w,
                       ActivationKind act, float gain, int stride_w) {
  if (stride_w == 0) stride_w = stride;
  const Shape xs = shape(x);
  const int64_t cin = xs[3];
  std::normal_distribution<float> dist(0.f, gain * std::sqrt(2.0f / static_cast<float>(kh * kw * cin)));
  std::vector<float> w(static_cast<size_t>(out_ch * kh * kw * cin));
  for (float& v : w) v = dist(rng_);
  std::normal_distribution<float> bdist(0.f, 0.05f);
  std::vector<float> b(static_cast<size_t>(out_ch));
  for (float& v : b) v = bdist(rng_);
  std::string base = "conv" + std::to_string(counter_);
  int wid = constant({out_ch, kh, kw, cin}, std::move(w), base + "/weights");
  int bid = constant({out_ch}, std::move(b), base + "/bias");
  Conv2DAttrs a;
  a.stride_h = stride;
  a.stride_w = stride_w;
  a.pad = {pad_h, pad_w, pad_h, pad_w};
  a.act = make_activation(act);
  Shape ys = {xs[0], out_dim(xs[1], kh, stride, pad_h), out_dim(xs[2], kw, stride_w, pad_w), out_ch};
  return node(OpType::kConv2D, {x, wid, bid}, ys, a);
}

int GraphBuilder::depthwise(int x, int k, int stride, int pad, ActivationKind act) {
  const Shape xs = shape(x);
  const int64_t c = xs[3];
  std::normal_distribution<float> dist(0.f, std::sqrt(2.0f / static_cast<float>(k * k)));
  std::vector<float> w(static_cast<size_t>(k * k * c));
  for (float& v : w) v = dist(rng_);
  std::normal_distribution<float> bdist(0.f, 0.05f);
  std::vector<float> b(static_cast<size_t>(c));
  for (float& v : b) v = bdist(rng_);
  std::string base = "dwconv" + std::to_string(counter_);
  int wid = constant({1, k, k, c}, std::move(w), base + "/weights");
  int bid = constant({c}, std::move(b), base + "/bias");
  Conv2DAttrs a;
  a.stride_h = a.stride_w = stride;
  a.pad = {pad, pad, pad, pad};
  a.act = make_activation(act);
  Shape ys = {xs[0], out_dim(xs[1], k, stride, pad), out_dim(xs[2], k, stride, pad), c};
  return node(OpType::kDepthwiseConv2D, {x, wid, bid}, ys, a);
}

int GraphBuilder::fully_connected(int x, int out, float gain) {
  const int64_t k = shape(x).back();
  std::normal_distribution<float> dist(0.f, gain / std::sqrt(static_cast<float>(k)));
  std::vector<float> w(static_cast<size_t>(out * k));
  for (float& v : w) v = dist(rng_);
  std::vector<float> b(static_cast<size_t>(out), 0.f);
  std::string base = "fc" + std::to_string(counter_);
  int wid = constant({out, k}, std::move(w), base + "/weights");
  int bid = constant({out}, std::move(b), base + "/bias");
  return node(OpType::kFullyConnected, {x, wid, bid}, {shape_elements(shape(x)) / k, out},
              FullyConnectedAttrs{});
}

int GraphBuilder::add(int a, int b) { return node(OpType::kAdd, {a, b}, shape(a), BinaryAttrs{}); }

int GraphBuilder::avg_pool(int x, int k, int stride, int pad, bool count_include_pad) {
  const Shape xs = shape(x);
  Pool2DAttrs a;
  a.filter_h = a.filter_w = k;
  a.stride_h = a.stride_w = stride;
  a.pad = {pad, pad, pad, pad};
  a.count_include_pad = count_include_pad;
  return node(OpType::kAveragePool2D, {x},
              {xs[0], out_dim(xs[1], k, stride, pad), out_dim(xs[2], k, stride, pad), xs[3]}, a);
}

int GraphBuilder::max_pool(int x, int k, int stride, int pad) {
  const Shape xs = shape(x);
  Pool2DAttrs a;
  a.filter_h = a.filter_w = k;
  a.stride_h = a.stride_w = stride;
  a.pad = {pad, pad, pad, pad};
  return node(OpType::kMaxPool2D, {x},
              {xs[0], out_dim(xs[1], k, stride, pad), out_dim(xs[2], k, stride, pad), xs[3]}, a);
}

int GraphBuilder::global_avg_pool(int x) {
  const Shape xs = shape(x);
  ReduceAttrs a;
  a.axes = {1, 2};
  a.keep_dims = true;
  return node(OpType::kMean, {x}, {xs[0], 1, 1, xs[3]}, a);
}

int GraphBuilder::reshape(int x, const Shape& s) { return node(OpType::kReshape, {x}, s, NoAttrs{}); }

int GraphBuilder::softmax(int x) { return node(OpType::kSoftmax, {x}, shape(x), SoftmaxAttrs{}); }

int GraphBuilder::concat(const std::vector<int>& xs, int axis) {
  Shape s = shape(xs[0]);
  for (size_t i = 1; i < xs.size(); ++i) s[axis] += shape(xs[i])[axis];
  ConcatAttrs a;
  a.axis = axis;
  return node(OpType::kConcat, xs, s, a);
}

Graph GraphBuilder::finish(const std::vector<int>& outputs) {
  g_.outputs = outputs;
  if (!g_.outputs.empty()) g_.tensor(g_.outputs[0]).name = "output";
  verify(g_);
  return std::move(g_);
}

}  // namespace edgebench
