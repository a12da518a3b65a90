// One exception type for every rejected input. It names the offending field
// and its value so that a user (and a test) can tell exactly what was wrong.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace convlab {

// `text` cut to about `max` bytes at a UTF-8 character boundary, with the
// length it had, so that an error line stays one line (a 90 kB descriptor).
std::string shortened(std::string_view text, std::size_t max = 80);

class Error : public std::invalid_argument {
 public:
  // what() reads "<field>=<value>: <reason>", or "<field>: <reason>" when
  // there is no value to show (a missing field).
  Error(std::string field, std::string value, const std::string& reason);

  const std::string& field() const noexcept { return field_; }
  const std::string& value() const noexcept { return value_; }

 private:
  std::string field_;
  std::string value_;
};

}  // namespace convlab
