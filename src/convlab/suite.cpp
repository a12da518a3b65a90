#include "convlab/suite.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "convlab/error.hpp"

namespace convlab {

namespace fs = std::filesystem;

fs::path shapes_dir() {
  if (const char* env = std::getenv("CONVLAB_SHAPES_DIR"); env && *env) return env;
  return CONVLAB_SHAPES_DIR;
}

std::vector<std::string> suite_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(shapes_dir(), ec))
    if (e.path().extension() == ".txt") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

namespace {
std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}
std::string known_suites() {
  std::string s;
  for (const auto& n : suite_names()) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "none found in " + shapes_dir().string() : s;
}
}  // namespace

std::vector<SuiteEntry> load_suite(std::string_view name_or_path) {
  fs::path path(name_or_path);
  if (!fs::exists(path)) path = shapes_dir() / (std::string(name_or_path) + ".txt");
  std::ifstream in(path);
  if (!in)
    throw Error("suite", std::string(name_or_path), "no such suite (known: " + known_suites() + ")");
  std::vector<SuiteEntry> out;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    // '#' outside a n"label" starts a comment.
    bool in_label = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '"') in_label = !in_label;
      if (line[i] == '#' && !in_label) {
        line.resize(i);
        break;
      }
    }
    line = trim(line);
    if (line.empty()) continue;
    const std::string where = path.filename().string() + ":" + std::to_string(number);
    try {
      LabeledProblem lp = parse_labeled_problem(line);
      out.push_back({std::move(lp.problem), std::move(lp.label), where});
    } catch (const Error& e) {
      throw Error("suite", where, std::string("bad descriptor \"") + line + "\": " + e.what());
    }
  }
  if (out.empty()) throw Error("suite", path.string(), "holds no descriptors");
  return out;
}

}  // namespace convlab
