// convlab check [--suite NAME | --shape DESC]... [--variant NAME,...] [--pass fwd|bwd|all]
//   Every selected variant against the reference: integer-valued inputs
//   compared exactly, random reals within the bound of compare.hpp.
//   --pass bwd (or all) checks the backward's variants too (conv2d_bwd_data,
//   conv2d_bwd_weights, pool2d_bwd) against their oracles (check.hpp:
//   ConvBwdCase, PoolBwdCase). Exit 1 if any row fails.
#include <fmt/core.h>
#include <fmt/ranges.h>

#include "bounds.hpp"
#include "common.hpp"
#include "convlab/check.hpp"
#include "convlab/descriptor.hpp"
#include "convlab/error.hpp"
#include "convlab/timed_job.hpp"
#include "table.hpp"

namespace convlab::cli {

namespace {

struct Options {
  std::vector<std::string> suites, shapes, variants, modes{"exact", "bounded"};
  std::vector<int> threads{1};
  std::string isa, pass = "fwd";
  uint64_t seed = 1;
};

std::string number(double v) { return v == 0.0 ? "0" : fmt::format("{:.3g}", v); }

}  // namespace

void register_check(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("check", "Cross-check variants against the reference oracle");
  auto o = std::make_shared<Options>();
  cmd->add_option("--suite", o->suites, "Shape suite name or file (repeatable; default: seed)");
  cmd->add_option("--shape", o->shapes, "A shape descriptor (repeatable)");
  cmd->add_option("--variant", o->variants,
                  "Variant name(s), comma-separated (default: all of --pass); a backward one as op/name, e.g. "
                  "conv2d_bwd_data/as_forward")
      ->check(comma_list());
  add_pass_option(cmd, o->pass);
  cmd->add_option("--mode", o->modes, "exact, bounded or both (default)")
      ->delimiter(',')
      ->check(CLI::IsMember({"exact", "bounded"}));
  cmd->add_option("--threads", o->threads, "Thread counts to plan with (default 1)")
      ->delimiter(',')
      ->check(threads_range());
  cmd->add_option("--isa", o->isa, fmt::format("Cap the SIMD dispatch: sse42, avx2, avx512 (default here: {})", to_string(default_isa())));
  cmd->add_option("--seed", o->seed, "Seed of the generated data");
  cmd->callback([o, &ctx] {
    const auto problems = select_problems(o->suites, o->shapes, "seed");
    o->variants = split_items(o->variants);
    const VariantSelection selection(o->variants, parse_pass(o->pass));
    PlanOptions base;
    base.isa = isa_option(o->isa);

    Table t({"op", "variant", "shape", "mode", "threads", "max error", "bound", "verdict"});
    int pass = 0, fail = 0, skip = 0, step = 0;
    const bool progress = progress_enabled();
    auto record = [&](const char* op, CheckRow r, const SuiteEntry& entry) {
      r.shape = format_descriptor(entry.problem, entry.label);
      std::string verdict = !r.supported ? "skip: " + r.detail
                            : r.pass     ? "pass"
                                         : "FAIL: " + r.detail;
      (!r.supported ? skip : r.pass ? pass : fail) += 1;
      t.add({op, r.variant, r.shape, to_string(r.mode), std::to_string(r.options.threads),
             r.supported ? number(r.max_error) : "-", r.supported ? number(r.bound) : "-",
             verdict});
    };
    for (const auto& entry : problems) {
      for (const auto& mode_name : o->modes) {
        const DataMode mode = mode_name == "exact" ? DataMode::exact : DataMode::bounded;
        if (progress)
          fmt::print(stderr, "[{}/{}] {} ({})\n", ++step, problems.size() * o->modes.size(),
                     format_descriptor(entry.problem, entry.label), mode_name);
        const ProblemCase c(entry.problem, mode, o->seed);
        for (const auto& [op, name] : selection.on(entry.problem)) {
          for (int th : o->threads) {
            PlanOptions opt = base;
            opt.threads = th;
            record(op, c.check(op, name, opt), entry);
          }
        }
      }
    }
    if (t.empty()) throw Error("variant", fmt::format("{}", fmt::join(o->variants, ",")),
                               "no selected variant applies to the selected shapes");
    fmt::print("{}", t.str());
    fmt::print("\n{} checks: {} passed, {} failed, {} skipped (isa {})\n", pass + fail + skip, pass,
               fail, skip, to_string(base.isa));
    if (fail > 0) ctx.exit_code = 1;
  });
}

}  // namespace convlab::cli
