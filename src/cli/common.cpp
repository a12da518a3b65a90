#include "common.hpp"

#include <unistd.h>

#include <cstdlib>

#include "convlab/error.hpp"
#include "convlab/registry.hpp"

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

VariantFilter::VariantFilter(std::vector<std::string> names) : names_(std::move(names)) {
  for (const auto& n : names_) {
    if (find_conv2d_variant(n) || find_pool2d_variant(n)) continue;
    std::string known;
    for (const auto* v : conv2d_variants()) known += " conv2d/" + std::string(v->name());
    for (const auto* v : pool2d_variants()) known += " pool2d/" + std::string(v->name());
    throw Error("variant", n, "no such variant (known:" + known + ")");
  }
}

bool VariantFilter::selects(std::string_view name) const {
  if (names_.empty()) return true;
  for (const auto& n : names_)
    if (n == name) return true;
  return false;
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
