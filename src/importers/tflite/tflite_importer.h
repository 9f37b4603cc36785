// TFLite flatbuffer (schema v3) -> IR. Reads subgraph 0; constants point into the
// model bytes (ConstData::owner keeps them alive), copied only where they must be
// transformed or realigned. Every index, size and shape in the file is checked:
// any input yields a verified Graph or an edgebench::Error, never a crash.
//   kModel       not a TFLite model, truncated, corrupt or inconsistent
//   kUnsupported a valid model using an operator, option or type the IR lacks
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "ir/graph.h"

namespace edgebench {

// Maps the file read-only and imports it; the graph's constants keep the mapping alive.
Graph import_tflite(const std::string& path);

// Imports a model held in memory. `owner` keeps [data, data + size) alive for as long as
// the graph's constants need it (may be null if the caller guarantees that); `name`
// prefixes every error message and becomes Graph::source.
Graph import_tflite_buffer(const uint8_t* data, size_t size, std::shared_ptr<const void> owner,
                           const std::string& name);

}  // namespace edgebench
