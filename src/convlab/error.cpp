#include "convlab/error.hpp"

namespace convlab {

namespace {
std::string format_message(const std::string& field, const std::string& value,
                           const std::string& reason) {
  if (value.empty()) return field + ": " + reason;
  return field + "=" + value + ": " + reason;
}
}  // namespace

Error::Error(std::string field, std::string value, const std::string& reason)
    : std::invalid_argument(format_message(field, value, reason)),
      field_(std::move(field)),
      value_(std::move(value)) {}

}  // namespace convlab
