#include "table.hpp"

#include <algorithm>
#include <cctype>

namespace convlab::cli {

namespace {
bool numeric(const std::string& s) {
  return !s.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) ||
                        (s.size() > 1 && (s[0] == '-' || s[0] == '+') &&
                         std::isdigit(static_cast<unsigned char>(s[1]))));
}
}  // namespace

std::string Table::str() const {
  std::vector<std::size_t> width(header_.size(), 0);
  // A column is right-aligned when every non-empty cell below the header is a
  // number: a text cell that merely starts with a digit ("03's kernel …")
  // must not be pushed right on its own.
  std::vector<bool> right(header_.size(), !rows_.empty());
  auto measure = [&](const std::vector<std::string>& r) {
    for (std::size_t i = 0; i < r.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], r[i].size());
  };
  measure(header_);
  for (const auto& r : rows_) {
    measure(r);
    for (std::size_t i = 0; i < r.size() && i < right.size(); ++i)
      if (!r[i].empty() && !numeric(r[i])) right[i] = false;
  }
  auto line = [&](const std::vector<std::string>& r, bool is_header) {
    std::string out;
    for (std::size_t i = 0; i < width.size(); ++i) {
      const std::string cell = i < r.size() ? r[i] : "";
      const std::string pad(width[i] - std::min(width[i], cell.size()), ' ');
      out += (i ? "  " : "") + (right[i] && !is_header ? pad + cell : cell + (i + 1 < width.size() ? pad : ""));
    }
    return out + "\n";
  };
  std::string out = line(header_, true);
  std::size_t total = 0;
  for (auto w : width) total += w + 2;
  out += std::string(total > 2 ? total - 2 : 0, '-') + "\n";
  for (const auto& r : rows_) out += line(r, false);
  return out;
}

}  // namespace convlab::cli
