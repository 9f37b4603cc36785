#include "importers/import_model.h"

#include <cstring>
#include <fstream>

#include "importers/onnx/onnx_importer.h"
#include "importers/tflite/tflite_importer.h"
#include "util/error.h"

namespace edgebench {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

Graph import_model(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail(ErrorCode::kModel, path, std::string("cannot open: ") + std::strerror(errno));
  char head[8] = {};
  f.read(head, sizeof head);
  if (f.gcount() == 8 && std::memcmp(head + 4, "TFL3", 4) == 0) return import_tflite(path);
  if (ends_with(path, ".tflite")) return import_tflite(path);  // let the importer explain
  // ONNX has no magic number: a ModelProto starts with field 1 (ir_version, varint: 0x08).
  if (ends_with(path, ".onnx") || (f.gcount() > 0 && head[0] == 0x08)) return import_onnx(path);
  fail(ErrorCode::kModel, path, "unrecognised model format (expected a .tflite or .onnx file)");
}

}  // namespace edgebench
