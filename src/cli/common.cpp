#include "common.hpp"

#include <unistd.h>

#include <cstdlib>

#include "convlab/error.hpp"

namespace convlab::cli {

std::vector<SuiteEntry> select_problems(const std::vector<std::string>& suites,
                                        const std::vector<std::string>& shapes,
                                        const std::string& fallback_suite) {
  std::vector<SuiteEntry> out;
  for (const auto& s : suites) {
    auto entries = load_suite(s);
    out.insert(out.end(), entries.begin(), entries.end());
  }
  for (const auto& d : shapes) {
    LabeledProblem lp = parse_labeled_problem(d);
    out.push_back({std::move(lp.problem), std::move(lp.label), "--shape"});
  }
  if (suites.empty() && shapes.empty()) out = load_suite(fallback_suite);
  return out;
}

void add_pass_option(CLI::App* cmd, std::string& pass) {
  cmd->add_option("--pass", pass,
                  "fwd (default), bwd (conv2d_bwd_data, conv2d_bwd_weights, pool2d_bwd) or all")
      ->check(CLI::IsMember({"fwd", "bwd", "all"}));
}

Isa isa_option(const std::string& text) {
  const Isa isa = text.empty() ? default_isa() : parse_runnable_isa(text);
  cap_library_isa(isa);
  return isa;
}

bool progress_enabled() {
  if (const char* e = std::getenv("CONVLAB_PROGRESS"); e && *e) return std::string(e) != "0";
  return isatty(STDERR_FILENO) != 0;
}

}  // namespace convlab::cli
