// edgebench: command-line entry. Argument parsing only; the work lives in the library.
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "util/error.h"

int main(int argc, char** argv) {
  CLI::App app{"edgebench: which model, precision, compression and device meets your budget"};
  app.set_version_flag("--version", std::string("edgebench ") + EDGEBENCH_VERSION);
  app.require_subcommand(1);
  edgebench::cli::add_inspect(app);
  edgebench::cli::add_infer(app);
  edgebench::cli::add_classify(app);
  edgebench::cli::add_run(app);
  edgebench::cli::add_bench(app);
  edgebench::cli::add_zoo(app);
  edgebench::cli::add_test_case(app);
  edgebench::cli::add_export(app);
  edgebench::cli::add_dequantize(app);
  edgebench::cli::add_quantize(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "error: %s (see --help)\n", e.what());
    return static_cast<int>(edgebench::ErrorCode::kUsage);
  } catch (const edgebench::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "error: out of memory\n");
    return static_cast<int>(edgebench::ErrorCode::kInternal);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: internal: %s\n", e.what());
    return static_cast<int>(edgebench::ErrorCode::kInternal);
  }
  return edgebench::cli::g_exit_status;
}
