#pragma once
// Errors carry the Python exception type they become, so that bad input surfaces as the same
// exception PyTorch raises (RuntimeError, IndexError, TypeError, ValueError), never as an abort.
#include <sstream>
#include <stdexcept>
#include <string>

namespace ember {

struct RuntimeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct IndexError : std::out_of_range {
  using std::out_of_range::out_of_range;
};
struct TypeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct ValueError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// Concatenates anything streamable into one string: str("[add] shapes ", a, " and ", b).
template <typename... Args>
std::string str(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

}  // namespace ember

/// Throws ErrorType with the streamed message when cond is false.
#define EMBER_CHECK_AS(ErrorType, cond, ...) \
  do {                                       \
    if (!(cond)) throw ErrorType(::ember::str(__VA_ARGS__)); \
  } while (0)
#define EMBER_CHECK(cond, ...) EMBER_CHECK_AS(::ember::RuntimeError, cond, __VA_ARGS__)
#define EMBER_CHECK_INDEX(cond, ...) EMBER_CHECK_AS(::ember::IndexError, cond, __VA_ARGS__)
#define EMBER_CHECK_TYPE(cond, ...) EMBER_CHECK_AS(::ember::TypeError, cond, __VA_ARGS__)
#define EMBER_CHECK_VALUE(cond, ...) EMBER_CHECK_AS(::ember::ValueError, cond, __VA_ARGS__)
