// Large initializers' raw_data turned into external data of the model file
// itself, before parsing.
//
// Parsing a ModelProto copies each initializer's raw_data into a string: for
// InceptionV3, 91 MiB written to fresh pages before the importer starts, which
// it then converts into the IR's layout (a second copy). Instead the file is
// mapped and only its field headers are walked: the ModelProto is re-serialized
// with each large raw_data replaced by an external-data reference (location: the
// model file, offset, length). The importer resolves those as it resolves any
// external data, through a mapping of the file (onnx_importer.cpp), so parsing
// touches a few KiB and each weight is read once, where it is converted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace edgebench {

// The serialized ModelProto `bytes` with the raw_data of its graph initializers
// of at least `min_bytes` bytes replaced by external data at `location` (the
// file `bytes` were read from; offsets are into `bytes`). nullopt when nothing
// was detached, or when the wire data cannot be walked (the caller then parses
// `bytes` as they are and protobuf says what is wrong).
std::optional<std::string> detach_raw_data(std::span<const uint8_t> bytes,
                                           const std::string& location, size_t min_bytes);

}  // namespace edgebench
