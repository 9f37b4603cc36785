// The packed-weight cache: entries round-trip through the file; a damaged,
// truncated or foreign file is ignored, never trusted. Through the backend: a
// second load takes the weights from the file without reading the model's
// bytes (they are poisoned and the results do not change), and another
// source (a changed model file) does not see the first one's entries.
#include "backends/cpu/pack_cache.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>

#include "backends/cpu/cpu_test_util.h"
#include "backends/reference/test_graph_util.h"
#include "ir/permute.h"

namespace edgebench::cpu {
namespace {

namespace fs = std::filesystem;

std::string fresh_dir(const std::string& name) {
  const fs::path d = fs::path(::testing::TempDir()) / ("edgebench_pack_cache_" + name);
  fs::remove_all(d);
  return d.string();
}

std::vector<std::byte> bytes_of(size_t n, unsigned seed) {
  std::vector<std::byte> b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<std::byte>((i * 131 + seed) & 0xff);
  return b;
}

TEST(PackCache, EntriesRoundTripThroughTheFile) {
  const std::string dir = fresh_dir("round_trip");
  const auto a = bytes_of(10000, 1), b = bytes_of(70000, 2);
  std::string path;
  {
    PackCache c(dir, "model", "key 1");
    EXPECT_EQ(c.find("a", a.size()), nullptr);
    c.add("a", a.data(), a.size());
    c.add("b", b.data(), b.size());
    c.save();
    path = c.path();
  }
  ASSERT_TRUE(fs::is_regular_file(path));
  EXPECT_EQ(fs::path(path).filename().string().rfind("model-", 0), 0u);
  PackCache c(dir, "model", "key 1");
  const std::byte* pa = c.find("a", a.size());
  const std::byte* pb = c.find("b", b.size());
  ASSERT_NE(pa, nullptr);
  ASSERT_NE(pb, nullptr);
  EXPECT_EQ(std::memcmp(pa, a.data(), a.size()), 0);
  EXPECT_EQ(std::memcmp(pb, b.data(), b.size()), 0);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(pb) % 64, 0u) << "entries are aligned";
  EXPECT_EQ(c.find("b", b.size() - 1), nullptr) << "an entry of another size";
  EXPECT_EQ(c.find("c", 10), nullptr);
  EXPECT_EQ(c.hits(), 2u);
  c.save();  // nothing missed: the file is left as it was
  EXPECT_EQ(PackCache(dir, "model", "key 2").find("a", a.size()), nullptr) << "another key";
}

TEST(PackCache, ADamagedFileIsIgnoredAndRewritten) {
  const std::string dir = fresh_dir("damaged");
  const auto a = bytes_of(100000, 3);
  std::string path;
  {
    PackCache c(dir, "m", "key");
    c.add("a", a.data(), a.size());
    c.save();
    path = c.path();
  }
  const auto full = fs::file_size(path);
  const auto damage = [&](const std::function<void(std::fstream&)>& how) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    how(f);
  };
  // Truncated into the packed bytes, into the entry table, to nothing.
  for (const uintmax_t size : {full - 10, uintmax_t{40}, uintmax_t{0}}) {
    fs::resize_file(path, size);
    PackCache c(dir, "m", "key");
    EXPECT_EQ(c.find("a", a.size()), nullptr) << "truncated to " << size;
    c.add("a", a.data(), a.size());
    c.save();
    EXPECT_EQ(fs::file_size(path), full) << "rewritten";
  }
  // Not ours at all; an entry's offset pointing into the header.
  damage([](std::fstream& f) { f.write("garbage!", 8); });
  EXPECT_EQ(PackCache(dir, "m", "key").find("a", a.size()), nullptr);
  {
    PackCache c(dir, "m", "key");
    c.add("a", a.data(), a.size());
    c.save();
  }
  const std::streamoff offset_at = 8 + 8 + 3 + 8 + 64;  // magic, key size, key, count, name
  damage([&](std::fstream& f) {
    const uint64_t inside = 0;
    f.seekp(offset_at);
    f.write(reinterpret_cast<const char*>(&inside), 8);
  });
  EXPECT_EQ(PackCache(dir, "m", "key").find("a", a.size()), nullptr);
}

// x -> conv 3x3 -> conv 3x3 -> y, 64 channels (weights of 144 KiB, cached),
// the weights deferred permutations of OIHW bytes the test owns.
struct TwoConvs {
  Graph g;
  std::vector<std::shared_ptr<std::vector<float>>> sources;
};

TwoConvs two_convs() {
  constexpr int64_t kC = 64;
  TwoConvs m;
  ref::testing::GraphBuilder b;
  const int x = b.input(DType::kF32, {1, 6, 6, kC});
  Conv2DAttrs a;
  a.pad = {1, 1, 1, 1};
  int h = x;
  std::vector<int> weights;
  for (unsigned seed : {1u, 2u}) {
    const auto n = static_cast<size_t>(kC * 9 * kC);
    weights.push_back(b.constant(DType::kF32, {kC, 3, 3, kC},
                                 ref::testing::random_values<float>(n, -0.1, 0.1, seed)));
    const int y = b.tensor(DType::kF32, {1, 6, 6, kC});
    b.node(OpType::kConv2D, {h, weights.back(), -1}, y, a);
    h = y;
  }
  m.g = b.build({h});
  for (int w : weights) {  // OHWI bytes -> an OIHW source read through {0, 2, 3, 1}
    Tensor& t = m.g.tensor(w);
    auto src = std::make_shared<std::vector<float>>(static_cast<size_t>(t.elements()));
    permute_bytes(t.data.bytes(), reinterpret_cast<std::byte*>(src->data()), 4, t.shape,
                  {0, 3, 1, 2});
    const ConstData source(reinterpret_cast<const std::byte*>(src->data()), t.data.size, src);
    t.data = ConstData::permuted(source, 4, {kC, kC, 3, 3}, {0, 2, 3, 1});
    m.sources.push_back(src);
  }
  return m;
}

std::vector<float> run_cpu(const Graph& g, const BackendOptions& opt,
                           const std::vector<std::vector<std::byte>>& in) {
  auto model = make_backend("cpu")->compile(g, opt);
  std::vector<std::byte> out(g.tensor(g.outputs[0]).bytes());
  model->run({in[0].data()}, {out.data()});
  return testing::as_floats(out);
}

TEST(PackCache, ASecondLoadReadsTheFileNotTheModelsBytes) {
  const TwoConvs m = two_convs();
  const auto in = testing::make_inputs(m.g);
  const auto want = testing::as_floats(testing::run_backend(m.g, "reference", in)[0]);
  BackendOptions opt;
  opt.cache_dir = fresh_dir("backend");
  opt.cache_source = "two convolutions, version 1";
  opt.cache_name = "two_convs";
  const std::vector<float> first = run_cpu(m.g, opt, in);
  EXPECT_LE(testing::relative_error(first, want), 1e-4);
  ASSERT_EQ(std::distance(fs::directory_iterator(opt.cache_dir), fs::directory_iterator()), 1);

  for (const auto& s : m.sources) std::fill(s->begin(), s->end(), std::nanf(""));
  EXPECT_EQ(run_cpu(m.g, opt, in), first) << "the weights were not taken from the cache";

  BackendOptions changed = opt;  // the model file changed: its own entries
  changed.cache_source = "two convolutions, version 2";
  const std::vector<float> other = run_cpu(m.g, changed, in);
  EXPECT_TRUE(std::isnan(other[0])) << "a changed model's load used the old model's weights";

  // No cache asked for, or no source to key it by: the model's own bytes.
  BackendOptions no_dir = opt;
  no_dir.cache_dir.clear();
  EXPECT_TRUE(std::isnan(run_cpu(m.g, no_dir, in)[0]));
  BackendOptions no_source = opt;
  no_source.cache_source.clear();
  EXPECT_TRUE(std::isnan(run_cpu(m.g, no_source, in)[0]));
}

}  // namespace
}  // namespace edgebench::cpu
