// libFuzzer target: any byte string must import into a verified Graph or fail with an
// edgebench::Error. Anything else (a crash, a sanitizer report, another exception, a
// timeout or an out-of-memory) is a bug in the importer.
//   fuzz/make_tflite_seeds.sh corpus/ && ./tflite_importer_fuzzer corpus/ -max_len=5000000
#include <cstddef>
#include <cstdint>

#include "importers/tflite/tflite_importer.h"
#include "ir/cost.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    edgebench::Graph g = edgebench::import_tflite_buffer(data, size, nullptr, "fuzz.tflite");
    // What consumers do first with a graph: walk it, cost it, print it.
    (void)edgebench::graph_cost(g);
    (void)edgebench::print_ir(g);
  } catch (const edgebench::Error&) {
  }
  return 0;
}
