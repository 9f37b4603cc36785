// libFuzzer target: arbitrary bytes as an ONNX ModelProto. Every input must give a
// verified Graph or an edgebench::Error — never a crash, a sanitizer report, a hang
// or an out-of-memory. Seeds: fuzz/make_onnx_seeds.sh.
#include <cstddef>
#include <cstdint>

#include "importers/onnx/onnx_importer.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    edgebench::Graph g = edgebench::import_onnx_buffer(data, size, "fuzz.onnx");
    (void)g;
  } catch (const edgebench::Error&) {
  }
  return 0;
}
