// convlab list [--shape DESC]: every variant and baseline with its summary;
// with a shape, whether each supports it and why not.
#include <fmt/core.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "common.hpp"
#include "convlab/descriptor.hpp"
#include "convlab/registry.hpp"
#include "table.hpp"

namespace convlab::cli {

namespace {

constexpr std::size_t kWidth = 100;  // the table fits a 100-column terminal

// `text` cut at spaces into lines of at most `width` characters (a longer word stays whole).
std::vector<std::string> wrap(const std::string& text, std::size_t width) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      lines.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    start = end + 1;
  }
  if (!line.empty() || lines.empty()) lines.push_back(line);
  return lines;
}

struct Entry {
  std::string op, name, kind, text;  // text: the summary, or with --shape whether it supports it
};

}  // namespace

void register_list(CLI::App& app, Context&) {
  auto* cmd = app.add_subcommand("list", "List every variant (study order) and baseline");
  auto shape = std::make_shared<std::string>();
  cmd->add_option("--shape", *shape, "Say whether each variant supports this shape, and why not");
  cmd->callback([shape] {
    std::optional<Problem> problem;
    if (!shape->empty()) problem = parse_problem(*shape);
    const bool conv_shape = problem && std::holds_alternative<Conv2dParams>(*problem);
    const bool pool_shape = problem && std::holds_alternative<Pool2dParams>(*problem);

    std::vector<Entry> entries;
    auto support = [](const Support& s) { return s ? std::string("yes") : "no: " + s.reason; };
    for (const auto* v : conv2d_variants())
      if (!pool_shape)
        entries.push_back({"conv2d", std::string(v->name()), to_string(v->kind()),
                           conv_shape ? support(v->supports(std::get<Conv2dParams>(*problem)))
                                      : std::string(v->summary())});
    for (const auto* v : pool2d_variants())
      if (!conv_shape)
        entries.push_back({"pool2d", std::string(v->name()), to_string(v->kind()),
                           pool_shape ? support(v->supports(std::get<Pool2dParams>(*problem)))
                                      : std::string(v->summary())});

    // The last column wraps so that the table stays within kWidth columns.
    std::size_t used = 0;
    for (const auto& e : entries) used = std::max(used, e.name.size());
    used += std::string("conv2d").size() + std::string("baseline").size() + 3 * 2;
    const std::size_t room = kWidth > used + 20 ? kWidth - used : 20;
    if (problem) fmt::print("supports {}:\n", format_descriptor(*problem));
    Table t({"op", "variant", "kind", problem ? "supported" : "summary"});
    for (const auto& e : entries) {
      const auto lines = wrap(e.text, room);
      t.add({e.op, e.name, e.kind, lines[0]});
      for (std::size_t i = 1; i < lines.size(); ++i) t.add({"", "", "", lines[i]});
    }
    fmt::print("{}", t.str());
  });
}

}  // namespace convlab::cli
