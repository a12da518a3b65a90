// convlab list [--shape DESC] [--pass fwd|bwd|all]: every variant and baseline
// with its summary; with a shape, whether each supports it and why not. --pass
// bwd lists the backward's (conv2d_bwd_data, conv2d_bwd_weights, pool2d_bwd), all both.
#include <fmt/core.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "common.hpp"
#include "convlab/descriptor.hpp"
#include "convlab/registry.hpp"
#include "convlab/registry_backward.hpp"
#include "convlab/timed_job.hpp"
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

// An op's variants as (name, kind, summary), in list order.
struct Listed {
  std::string_view name;
  VariantKind kind;
  std::string_view summary;
};
template <class List>
std::vector<Listed> listed_of(const List& list) {
  std::vector<Listed> out;
  for (const auto* v : list) out.push_back({v->name(), v->kind(), v->summary()});
  return out;
}
std::vector<Listed> listed(std::string_view op) {
  if (op == kConv2d) return listed_of(conv2d_variants());
  if (op == kPool2d) return listed_of(pool2d_variants());
  if (op == kConv2dBwdData) return listed_of(conv2d_bwd_data_variants());
  if (op == kConv2dBwdWeights) return listed_of(conv2d_bwd_weights_variants());
  return listed_of(pool2d_bwd_variants());
}

}  // namespace

void register_list(CLI::App& app, Context&) {
  auto* cmd = app.add_subcommand("list", "List every variant (study order) and baseline");
  auto shape = std::make_shared<std::string>();
  auto pass = std::make_shared<std::string>("fwd");
  cmd->add_option("--shape", *shape, "Say whether each variant supports this shape, and why not");
  add_pass_option(cmd, *pass);
  cmd->callback([shape, pass] {
    std::optional<Problem> problem;
    if (!shape->empty()) problem = parse_problem(*shape);

    std::vector<Entry> entries;
    auto support = [](const Support& s) { return s ? std::string("yes") : "no: " + s.reason; };
    for (const char* op : ops_of(parse_pass(*pass))) {
      if (problem && !op_applies(op, *problem)) continue;
      for (const Listed& v : listed(op))
        entries.push_back({op, std::string(v.name), to_string(v.kind),
                           problem ? support(supports(*problem, op, v.name)) : std::string(v.summary)});
    }

    // The last column wraps so that the table stays within kWidth columns.
    std::size_t used = 0, op_width = 0;
    for (const auto& e : entries) used = std::max(used, e.name.size());
    for (const auto& e : entries) op_width = std::max(op_width, e.op.size());
    used += op_width + std::string("baseline").size() + 3 * 2;
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
