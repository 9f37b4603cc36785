// Picks the importer for a model file by its content (TFLite's "TFL3"
// identifier) or extension (.onnx), and returns the verified IR.
#pragma once

#include <string>

#include "ir/graph.h"

namespace edgebench {

Graph import_model(const std::string& path);

}  // namespace edgebench
