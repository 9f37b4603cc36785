// Each subcommand registers itself on the CLI11 app; the callbacks throw
// edgebench::Error, which main() turns into one "error: ..." line and an exit code.
#pragma once

#include <CLI/CLI.hpp>

#include "harness/ptq.h"

namespace edgebench::cli {

// Set by a subcommand that finished but wants a non-zero status (e.g. a failed check).
inline int g_exit_status = 0;

void add_inspect(CLI::App& app);
void add_infer(CLI::App& app);
void add_classify(CLI::App& app);
void add_run(CLI::App& app);
void add_bench(CLI::App& app);
void add_zoo(CLI::App& app);
void add_test_case(CLI::App& app);
void add_export(CLI::App& app);
void add_dequantize(CLI::App& app);
void add_quantize(CLI::App& app);

// --ptq DIR, --ptq-count, --ptq-method, --ptq-keep-float on run and bench:
// quantize the float model in memory (PTQ) before measuring it.
void add_ptq_flags(CLI::App& sub, PtqOptions& o);

// --cache-dir DIR on the commands that load a model file (default: the
// EDGEBENCH_CACHE_DIR environment variable): packed weights kept between loads.
void add_cache_flag(CLI::App& sub, std::string& dir);

}  // namespace edgebench::cli
