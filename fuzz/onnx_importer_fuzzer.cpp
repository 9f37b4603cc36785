// libFuzzer target: arbitrary bytes as an ONNX ModelProto. Every input must give a
// verified Graph or an edgebench::Error — never a crash, a sanitizer report, a hang
// or an out-of-memory. A graph that imports is exported again (QDQ form): the exporter
// may refuse it (kUnsupported) but must never write a model ONNX's checker rejects
// (kInternal aborts), and its output must import. Seeds: fuzz/make_onnx_seeds.sh.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "exporters/onnx/onnx_exporter.h"
#include "importers/onnx/onnx_importer.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  edgebench::Graph g;
  try {
    g = edgebench::import_onnx_buffer(data, size, "fuzz.onnx");
  } catch (const edgebench::Error&) {
    return 0;
  }
  try {
    const std::string out = edgebench::export_onnx_bytes(g);
    edgebench::import_onnx_buffer(reinterpret_cast<const uint8_t*>(out.data()), out.size(),
                                  "exported.onnx");
  } catch (const edgebench::Error& e) {
    if (e.code() == edgebench::ErrorCode::kInternal) {
      std::fprintf(stderr, "exporter bug: %s\n", e.what());
      std::abort();
    }
  }
  return 0;
}
