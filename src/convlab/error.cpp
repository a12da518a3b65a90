#include "convlab/error.hpp"

namespace convlab {

std::string shortened(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  std::size_t cut = max * 3 / 4;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
  return std::string(text.substr(0, cut)) + "... (" + std::to_string(text.size()) + " bytes)";
}

namespace {
std::string format_message(const std::string& field, const std::string& value,
                           const std::string& reason) {
  if (value.empty()) return shortened(field) + ": " + reason;
  return shortened(field) + "=" + shortened(value) + ": " + reason;
}
}  // namespace

Error::Error(std::string field, std::string value, const std::string& reason)
    : std::invalid_argument(format_message(field, value, reason)),
      field_(std::move(field)),
      value_(std::move(value)) {}

}  // namespace convlab
