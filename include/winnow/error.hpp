// winnow::Error: the one exception type the library throws.
//
// Every failure the library reports carries where it happened (a file name,
// "FILE:LINE", an option name) and what went wrong, so that the command line
// can print `winnow: WHERE: WHAT` without knowing which module failed.
#ifndef WINNOW_ERROR_HPP_
#define WINNOW_ERROR_HPP_

#include <stdexcept>
#include <string>

namespace winnow {

class Error : public std::runtime_error {
 public:
  // `where` may be empty when no location makes sense.
  Error(std::string where, std::string message);

  const std::string& where() const { return where_; }
  const std::string& message() const { return message_; }

 private:
  std::string where_;
  std::string message_;
};

// Reading one input failed (a read error, corrupt or truncated compressed
// data): every byte read before it was good, and a caller with more inputs
// may go on with the next one.
class InputError : public Error {
 public:
  using Error::Error;
};

}  // namespace winnow

#endif  // WINNOW_ERROR_HPP_
