// One exception type for every rejected input. It names the offending field
// and its value so that a user (and a test) can tell exactly what was wrong.
#pragma once

#include <stdexcept>
#include <string>

namespace convlab {

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
