// Bounds on what every command takes from its options (convlab, and
// convlab-bench and the studies, which include this header): numbers finite
// and at most a stated maximum, so that no option can hang a run
// (`--min-time nan`), run it for years (`--reps 1000000000`) or ask for a
// million threads; output files whose folder exists. Each is a CLI11
// validator whose message is one short line naming the value.
#pragma once

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace convlab::cli {

// Oversubscription is a measurement worth making; far past it is a typo.
inline int max_threads() { return 4 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }
inline constexpr int kMaxReps = 1000;
inline constexpr double kMaxSeconds = 60.0;  // per sample or repetition

// An integer in [lo, hi]; `hi_why` says where hi comes from.
inline CLI::Validator integer_in(long long lo, long long hi, const std::string& hi_why = "") {
  return CLI::Validator(
      [lo, hi, hi_why](std::string& text) -> std::string {
        errno = 0;
        char* end = nullptr;
        const long long v = std::strtoll(text.c_str(), &end, 10);
        if (text.empty() || end == text.c_str() || *end != '\0')
          return "'" + text.substr(0, 40) + "' is not an integer";
        if (errno == ERANGE || v < lo || v > hi)
          return "'" + text.substr(0, 40) + "' is out of range: " + std::to_string(lo) + " to " +
                 std::to_string(hi) + hi_why;
        return {};
      },
      "INT in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

// A finite number of seconds in (0, hi].
inline CLI::Validator seconds_up_to(double hi) {
  return CLI::Validator(
      [hi](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || end == text.c_str() || *end != '\0')
          return "'" + text.substr(0, 40) + "' is not a number";
        if (!std::isfinite(v) || v <= 0 || v > hi)
          return "'" + text.substr(0, 40) + "' must be a finite number of seconds above 0 and at most " +
                 CLI::detail::to_string(hi);
        return {};
      },
      "SECONDS in (0, " + CLI::detail::to_string(hi) + "]");
}

// A file this run can create: its folder exists and is writable, checked
// before a measurement rather than after it (`--json /nonexistent/dir/x`).
inline CLI::Validator writable_file() {
  return CLI::Validator(
      [](std::string& path) -> std::string {
        const std::filesystem::path p(path);
        std::error_code ec;
        if (std::filesystem::is_directory(p, ec)) return "'" + path.substr(0, 80) + "' is a folder, not a file";
        const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
        if (!std::filesystem::is_directory(dir, ec)) return "folder '" + dir.string().substr(0, 80) + "' does not exist";
        if (access(dir.c_str(), W_OK) != 0) return "folder '" + dir.string().substr(0, 80) + "' is not writable";
        return {};
      },
      "FILE (its folder must exist)");
}

// A comma-separated list with no empty item: CLI11's delimiter drops the
// empty item of "naive,,simd" without a word, so such options take the raw
// text, this validator checks it, and split_items() splits it.
inline CLI::Validator comma_list() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const bool empty_item = text.empty() || text.front() == ',' || text.back() == ',' ||
                                text.find(",,") != std::string::npos;
        if (empty_item) return "'" + text.substr(0, 80) + "' has an empty item in its comma-separated list";
        return {};
      },
      "NAME[,NAME...]");
}
inline std::vector<std::string> split_items(const std::vector<std::string>& lists) {
  std::vector<std::string> items;
  for (const auto& list : lists)
    for (std::size_t begin = 0; begin <= list.size();) {
      const std::size_t end = std::min(list.find(',', begin), list.size());
      items.push_back(list.substr(begin, end - begin));
      begin = end + 1;
    }
  return items;
}

inline CLI::Validator threads_range() {
  return integer_in(1, max_threads(), " (4 x this machine's " +
                                          std::to_string(std::max(1u, std::thread::hardware_concurrency())) +
                                          " hardware threads)");
}
inline CLI::Validator reps_range(long long lo = 1) { return integer_in(lo, kMaxReps); }
inline CLI::Validator seconds_range() { return seconds_up_to(kMaxSeconds); }

}  // namespace convlab::cli
