// Pieces shared by the convlab subcommands.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "convlab/suite.hpp"
#include "convlab/timed_job.hpp"
#include "convlab/variant.hpp"

namespace convlab::cli {

// Set by a subcommand's callback; main() returns it.
struct Context {
  int exit_code = 0;
};

// --suite (repeatable) and --shape (repeatable) into one list, in order; the
// fallback suite when neither is given. Throws convlab::Error on a bad name or descriptor.
std::vector<SuiteEntry> select_problems(const std::vector<std::string>& suites,
                                        const std::vector<std::string>& shapes,
                                        const std::string& fallback_suite);

// --pass fwd|bwd|all (default fwd): which lists of variants the command walks
// (timed_job.hpp: Pass, VariantSelection). A bad value exits 2 naming pass.
void add_pass_option(CLI::App* cmd, std::string& pass);
// --variant NAME[,NAME...] (bare: a forward variant; or op/NAME, e.g.
// conv2d_bwd_data/as_forward) under --pass: VariantSelection. Unknown names
// throw convlab::Error("variant", name, "... known: ..."), a backward name
// under --pass fwd convlab::Error("pass", ...).

// --isa: empty means default_isa(). Throws convlab::Error("isa", ...).
Isa isa_option(const std::string& text);

// Progress lines on stderr, only when it is a terminal or CONVLAB_PROGRESS=1.
bool progress_enabled();

// One registration function per subcommand; main() calls each.
void register_list(CLI::App& app, Context& ctx);
void register_check(CLI::App& app, Context& ctx);
void register_run(CLI::App& app, Context& ctx);
void register_machine(CLI::App& app, Context& ctx);
void register_memory(CLI::App& app, Context& ctx);
void register_train(CLI::App& app, Context& ctx);

}  // namespace convlab::cli
