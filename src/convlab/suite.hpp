// Shape suites: text files bench/shapes/<name>.txt, one descriptor per line,
// '#' starts a comment. A suite may mix conv2d and pool2d descriptors.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "convlab/descriptor.hpp"

namespace convlab {

struct SuiteEntry {
  Problem problem;
  std::string label;   // the line's n"..." label, "" without one
  std::string source;  // "seed.txt:12", for messages
};

// $CONVLAB_SHAPES_DIR if set, else the source tree's bench/shapes.
std::filesystem::path shapes_dir();
// Names of the suites found there (file stems), sorted.
std::vector<std::string> suite_names();
// A suite name ("seed") or a path to a file. Errors name "suite" and, for a
// bad line, carry the file:line and the descriptor's own field in the message.
std::vector<SuiteEntry> load_suite(std::string_view name_or_path);

}  // namespace convlab
