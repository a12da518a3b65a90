// convlab list [--shape DESC]: every variant and baseline with its summary;
// with a shape, whether each supports it and why not.
#include <fmt/core.h>

#include <optional>

#include "common.hpp"
#include "convlab/descriptor.hpp"
#include "convlab/registry.hpp"
#include "table.hpp"

namespace convlab::cli {

void register_list(CLI::App& app, Context&) {
  auto* cmd = app.add_subcommand("list", "List every variant (study order) and baseline");
  auto shape = std::make_shared<std::string>();
  cmd->add_option("--shape", *shape, "Also say whether each variant supports this shape");
  cmd->callback([shape] {
    std::optional<Problem> problem;
    if (!shape->empty()) problem = parse_problem(*shape);
    const bool conv_shape = problem && std::holds_alternative<Conv2dParams>(*problem);
    const bool pool_shape = problem && std::holds_alternative<Pool2dParams>(*problem);

    std::vector<std::string> header = {"op", "variant", "kind", "summary"};
    if (problem) header.push_back("supports " + format_descriptor(*problem));
    Table t(header);
    for (const auto* v : conv2d_variants()) {
      if (pool_shape) continue;
      std::vector<std::string> row = {"conv2d", std::string(v->name()), to_string(v->kind()),
                                      std::string(v->summary())};
      if (conv_shape) {
        const Support s = v->supports(std::get<Conv2dParams>(*problem));
        row.push_back(s ? "yes" : "no: " + s.reason);
      }
      t.add(row);
    }
    for (const auto* v : pool2d_variants()) {
      if (conv_shape) continue;
      std::vector<std::string> row = {"pool2d", std::string(v->name()), to_string(v->kind()),
                                      std::string(v->summary())};
      if (pool_shape) {
        const Support s = v->supports(std::get<Pool2dParams>(*problem));
        row.push_back(s ? "yes" : "no: " + s.reason);
      }
      t.add(row);
    }
    fmt::print("{}", t.str());
  });
}

}  // namespace convlab::cli
