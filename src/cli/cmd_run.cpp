// convlab run --variant A[,B...] --shape DESC [--shape ...] [--threads N] [--reps N] [--peak] [--json]
//   Times plan.run only (planning, weight packing and data generation are
//   outside the clock). Each repetition is one sample of enough calls to last
//   --min-time; the variants (and, with --peak, an FMA peak sample) take
//   turns within every repetition, so machine drift hits all of them alike.
//   Reports median, min and max over the repetitions: GFLOP/s for conv2d,
//   GB/s of compulsory traffic for pool2d.
//   --pass bwd (or all) lets --variant name backward variants as op/name
//   (conv2d_bwd_data/as_forward, conv2d_bwd_weights/reduction, pool2d_bwd/naive);
//   bare names stay forward variants (a forward row first makes the x column
//   backward/forward: both count the forward's FLOPs). pool2d_bwd: GB/s.
#include <fmt/core.h>

#include <fmt/ranges.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "bounds.hpp"
#include "common.hpp"
#include "convlab/descriptor.hpp"
#include "convlab/error.hpp"
#include "convlab/probe.hpp"
#include "convlab/timed_job.hpp"
#include "convlab/timing.hpp"
#include "table.hpp"

namespace convlab::cli {

namespace {

struct Options {
  std::vector<std::string> variants, shapes, suites;
  int threads = 1;
  int reps = 10;
  double min_time = 0.05;
  bool peak = false;
  bool bandwidth = false;
  bool json = false;
  std::string isa, pass = "fwd";
};

// A timed job and its samples.
struct Job {
  std::string variant, shape;  // variant: the bare name (the op is timed.op)
  TimedJob timed;
  int64_t calls = 1;
  std::vector<double> seconds;
};

std::string fixed(double v) {
  return v >= 100 ? fmt::format("{:.0f}", v) : v >= 10 ? fmt::format("{:.1f}", v) : fmt::format("{:.2f}", v);
}
std::string duration(double s) {
  if (s >= 1) return fmt::format("{:.2f} s", s);
  if (s >= 1e-3) return fmt::format("{:.3f} ms", s * 1e3);
  if (s >= 1e-6) return fmt::format("{:.1f} us", s * 1e6);
  return fmt::format("{:.0f} ns", s * 1e9);
}

}  // namespace

void register_run(CLI::App& app, Context&) {
  auto* cmd = app.add_subcommand("run", "Time variants side by side (medians over repetitions)");
  auto o = std::make_shared<Options>();
  cmd->add_option("--variant", o->variants,
                  "Variant name(s), comma-separated; first is the baseline of the x column; a backward one as "
                  "op/name (needs --pass bwd or all), e.g. conv2d_bwd_data/as_forward")
      ->required()
      ->check(comma_list());
  add_pass_option(cmd, o->pass);
  cmd->add_option("--shape", o->shapes, "Shape descriptor (repeatable)");
  cmd->add_option("--suite", o->suites, "Shape suite (repeatable)");
  cmd->add_option("--threads", o->threads, "Threads for the plans (default 1)")->check(threads_range());
  cmd->add_option("--reps", o->reps, "Repetitions (samples) per variant (default 10)")->check(reps_range());
  cmd->add_option("--min-time", o->min_time, "Seconds per sample (default 0.05)")->check(seconds_range());
  cmd->add_flag("--peak", o->peak, "Also sample the FMA peak (same ISA and threads) in every repetition (conv2d: % peak)");
  cmd->add_flag("--bandwidth", o->bandwidth,
                "Also sample DRAM streaming bandwidth (copy and triad, same threads) in every repetition");
  cmd->add_option("--isa", o->isa, fmt::format("Cap the SIMD dispatch: sse42, avx2, avx512 (default here: {})", to_string(default_isa())));
  cmd->add_flag("--json", o->json, "Print JSON instead of a table");
  cmd->callback([o] {
    if (o->shapes.empty() && o->suites.empty())
      throw Error("shape", "", "give at least one --shape or --suite");
    const auto problems = select_problems(o->suites, o->shapes, "");
    o->variants = split_items(o->variants);
    const VariantSelection selection(o->variants, parse_pass(o->pass));  // rejects unknown names up front
    PlanOptions opt;
    opt.threads = o->threads;
    opt.isa = isa_option(o->isa);

    // Jobs in the order given on the command line, per shape.
    std::vector<Job> jobs;
    std::vector<std::string> skipped;
    for (const auto& e : problems) {
      for (const VariantRef& ref : selection.refs()) {
        const std::string shape = format_descriptor(e.problem, e.label);
        const char* op = ref.op != nullptr ? ref.op : op_name(e.problem);
        if (!op_applies(op, e.problem)) {  // a backward variant of the other kind's op
          skipped.push_back(fmt::format("{} on {}: a {} variant does not run on a {} shape", ref.text, shape, op,
                                        op_name(e.problem)));
          continue;
        }
        const auto names = variant_names(op);
        if (std::find(names.begin(), names.end(), ref.name) == names.end()) {  // the other op's variant
          skipped.push_back(fmt::format("{} on {}: no {} variant has that name", ref.text, shape, op));
          continue;
        }
        if (const Support s = supports(e.problem, op, ref.name); !s) {
          skipped.push_back(ref.text + " on " + shape + ": " + s.reason);
          continue;
        }
        jobs.push_back({ref.name, shape, make_timed_job(e.problem, op, ref.name, opt)});
      }
    }
    if (jobs.empty()) throw Error("variant", fmt::format("{}", fmt::join(o->variants, ",")),
                                  "no selected variant applies to the selected shapes");

    const bool progress = progress_enabled() && !o->json;
    for (auto& j : jobs) {
      j.timed.call();  // warm-up: page in buffers, fill caches, spin up threads
      j.calls = calls_per_sample(j.timed.call, o->min_time);
    }
    std::vector<double> peak_samples, copy_samples, triad_samples;
    std::unique_ptr<StreamBench> stream;
    if (o->bandwidth) stream = std::make_unique<StreamBench>(opt.threads);
    for (int r = 0; r < o->reps; ++r) {
      if (progress) fmt::print(stderr, "rep {}/{}\n", r + 1, o->reps);
      for (auto& j : jobs) j.seconds.push_back(time_per_call(j.timed.call, j.calls));
      if (o->peak) peak_samples.push_back(measure_fma_gflops(opt.isa, opt.threads, 0.1));
      if (stream) {
        copy_samples.push_back(stream->gbps(StreamKernel::copy));
        triad_samples.push_back(stream->gbps(StreamKernel::triad));
      }
    }
    const Summary peak = summarize(peak_samples);
    const Summary copy_bw = summarize(copy_samples), triad_bw = summarize(triad_samples);
    // Pooling is compared with the better of the two streams: the conservative roof.
    const double stream_roof = std::max(copy_bw.median, triad_bw.median);

    nlohmann::json out;
    out["threads"] = opt.threads;
    out["isa"] = to_string(opt.isa);
    out["reps"] = o->reps;
    if (o->peak) out["peak_gflops"] = {{"median", peak.median}, {"min", peak.min}, {"max", peak.max}};
    if (stream) {
      out["stream_gbps"] = {
          {"copy", {{"median", copy_bw.median}, {"min", copy_bw.min}, {"max", copy_bw.max}}},
          {"triad", {{"median", triad_bw.median}, {"min", triad_bw.min}, {"max", triad_bw.max}}},
          {"array_bytes", stream->elems() * 4}};
    }
    Table t({"op", "variant", "shape", "time/call", "rate", "min-max", "x first", "% roof"});
    std::map<std::string, double> first_rate;  // per shape: the first variant's median rate
    std::vector<std::string> above_roof;       // a wrong roof, never a kernel faster than the hardware
    for (const auto& j : jobs) {
      const Summary s = summarize(j.seconds);
      const double work = j.timed.work, rate = work / s.median * 1e-9, lo = work / s.max * 1e-9,
                   hi = work / s.min * 1e-9;
      const bool is_conv = j.timed.counts_flops;
      const std::string unit = is_conv ? "GFLOP/s" : "GB/s";
      first_rate.emplace(j.shape, rate);
      nlohmann::json row = {{"op", j.timed.op}, {"variant", j.variant}, {"shape", j.shape},
                            {"calls_per_sample", j.calls}, {"plan", j.timed.describe},
                            {"seconds", {{"median", s.median}, {"min", s.min}, {"max", s.max}}},
                            {is_conv ? "gflops" : "gbps", {{"median", rate}, {"min", lo}, {"max", hi}}}};
      std::string pct;
      if (o->peak && is_conv) {
        row["percent_of_peak"] = 100.0 * rate / peak.median;
        pct = fmt::format("{:.1f}% peak", 100.0 * rate / peak.median);
      }
      if (stream && !is_conv) {
        row["percent_of_stream"] = 100.0 * rate / stream_roof;
        pct = fmt::format("{:.1f}% bw", 100.0 * rate / stream_roof);
      }
      const double pct_value = row.value("percent_of_peak", row.value("percent_of_stream", 0.0));
      if (pct_value > 100.0) {
        pct += " !";
        above_roof.push_back(fmt::format("{} {} {}: {:.0f} % of its roof", j.timed.op, j.variant, j.shape, pct_value));
      }
      out["results"].push_back(row);
      t.add({j.timed.op, j.variant, j.shape, duration(s.median), fixed(rate) + " " + unit,
             fixed(lo) + "-" + fixed(hi), first_rate[j.shape] > 0 ? fmt::format("{:.2f}", rate / first_rate[j.shape]) : "-", pct});
    }
    for (const auto& s : skipped) out["skipped"].push_back(s);
    for (const auto& a : above_roof)
      fmt::print(stderr, "convlab run: above the measured roof: the roof or the clock is off: {}\n", a);
    if (o->json) {
      fmt::print("{}\n", out.dump(2));
      return;
    }
    fmt::print("threads {}, isa {}, {} reps, medians (min-max over reps), variants interleaved\n",
               opt.threads, to_string(opt.isa), o->reps);
    if (o->peak)
      fmt::print("fp32 FMA peak ({} x {} threads, {} chains): {:.1f} GFLOP/s (min {:.1f}, max {:.1f})\n",
                 to_string(opt.isa), opt.threads, fma_chains(opt.isa), peak.median, peak.min, peak.max);
    if (stream)
      fmt::print("streaming bandwidth ({} threads, {} MiB arrays): copy {:.1f} GB/s ({:.1f}-{:.1f}), triad {:.1f} GB/s ({:.1f}-{:.1f})\n",
                 opt.threads, stream->elems() * 4 >> 20, copy_bw.median, copy_bw.min, copy_bw.max,
                 triad_bw.median, triad_bw.min, triad_bw.max);
    fmt::print("{}", t.str());
    for (const auto& s : skipped) fmt::print("skipped: {}\n", s);

  });
}

}  // namespace convlab::cli
