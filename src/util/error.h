// One error type for the whole library: a code (mapped to the CLI's exit
// status) and a message that already names the file / node / tensor involved.
#pragma once

#include <stdexcept>
#include <string>

namespace edgebench {

enum class ErrorCode {
  kUsage = 2,        // bad flag or argument combination
  kModel = 3,        // model file unreadable, corrupt, or not a model
  kUnsupported = 4,  // valid model using an operator/attribute we do not run
  kInput = 5,        // input tensor / image / dataset unreadable or mismatched
  kInternal = 6,     // a bug: an invariant the verifier should have caught
};

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string message)
      : std::runtime_error(std::move(message)), code_(code) {}
  ErrorCode code() const { return code_; }
  int exit_code() const { return static_cast<int>(code_); }

 private:
  ErrorCode code_;
};

// "<where>: <what>" — the form every user-facing error takes.
[[noreturn]] inline void fail(ErrorCode code, const std::string& where, const std::string& what) {
  throw Error(code, where.empty() ? what : where + ": " + what);
}

}  // namespace edgebench
