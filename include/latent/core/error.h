// Error types shared by every layer. A UsageError is the user's mistake on the command line
// or in a spec (exit code 2); an Error is anything else that stops a run (exit code 1).
// Messages are one line and name the file, key or value at fault.
#pragma once

#include <stdexcept>
#include <string>

namespace latent {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class UsageError : public Error {
 public:
  using Error::Error;
};

// The first line of a message (LibTorch's errors carry a backtrace after it).
inline std::string first_line(const std::string& message) { return message.substr(0, message.find('\n')); }

// Throws Error(message) when the condition is false.
inline void check(bool condition, const std::string& message) {
  if (!condition) throw Error(message);
}

}  // namespace latent
