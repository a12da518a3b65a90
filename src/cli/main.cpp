// convlab: list, check and time the conv2d/pool2d variants.
// Exit codes: 0 success, 1 a check failed, 2 bad arguments or a bad shape.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <functional>
#include <new>
#include <string>

#include "common.hpp"
#include "convlab/error.hpp"

int main(int argc, char** argv) {
  using namespace convlab::cli;
  CLI::App app{
      "convlab - a performance lab for 2-D convolution and pooling.\n"
      "Shapes use oneDNN benchdnn's syntax: conv2d mb1ic64ih56oc64kh3ph1, pool2d max:mb32ic32ih30kh2sh2\n"
      "(see src/convlab/descriptor.hpp). Exit codes: 0 ok, 1 a check failed, 2 bad input.",
      "convlab"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every subcommand");
  Context ctx;
  register_list(app, ctx);
  register_check(app, ctx);
  register_run(app, ctx);
  register_machine(app, ctx);
  register_memory(app, ctx);
  register_train(app, ctx);
  // CLI11 alone says only "A subcommand is required" for `convlab frobnicate`.
  if (argc > 1 && argv[1][0] != '-') {
    std::string known;
    bool found = false;
    const std::function<bool(const CLI::App*)> every = [](const CLI::App*) { return true; };
    for (const CLI::App* sub : static_cast<const CLI::App&>(app).get_subcommands(every)) {
      known += (known.empty() ? "" : ", ") + sub->get_name();
      found = found || sub->check_name(argv[1]);
    }
    if (!found) {
      fmt::print(stderr, "convlab: error: command={}: no such command (known: {})\n",
                 std::string(argv[1]).substr(0, 60), known);
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "convlab: error: {}\nRun 'convlab --help' for usage.\n", e.what());
    return 2;
  } catch (const convlab::Error& e) {
    fmt::print(stderr, "convlab: error: {}\n", e.what());
    return 2;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "convlab: error: out of memory (is the shape too large for this machine?)\n");
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "convlab: internal error: {}\n", e.what());
    return 1;
  }
  return ctx.exit_code;
}
