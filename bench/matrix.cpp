// convlab-bench: the benchmark matrix, on Google Benchmark 1.7.
//
// Registers at run time every conv2d and pool2d variant of the registry (the
// ladder, then the baselines) x every shape of the chosen suites x every
// thread count, named
//     conv2d/<variant>/<descriptor>/threads:<t>      (pool2d likewise)
// With --pass bwd (or all) the backward's variants (registry_backward.hpp) too:
//     conv2d_bwd_data/<variant>/<descriptor>/threads:<t>     plan.run(dy, dx)
//     conv2d_bwd_weights/<variant>/<descriptor>/threads:<t>  plan.run(x, dy, dw, db)
//     pool2d_bwd/<variant>/<descriptor>/threads:<t>          plan.run(dy, indices, dx)
// counted as the forward's rows are: both conv2d gradients at the forward's
// flops() (PyTorch's convention), pool2d_bwd in GB/s of its compulsory bytes
// (dy, dx, and for max the argmax's 8 B per output). --variant takes their
// names as op/name (conv2d_bwd_data/as_forward); a bare name is a forward one.
// where <descriptor> is the canonical benchdnn descriptor without its n"label"
// (the labels go to the row's label and to the "convlab" context). Google
// Benchmark appends "/iterations:N/real_time" to every name (see below).
//
// What is timed: plan.run(input, output) only. Planning, weight packing, data
// generation and one warm-up run per repetition happen outside the timed loop.
// A plan that offers ConvPlan::run_compute_only() (onednn-best: the
// convolution without its activation reorders) gets an extra row named
// "<variant>:compute" that times that call instead.
//
// How: each benchmark's iteration count is calibrated once, before the matrix
// starts, so that one repetition lasts about --min-time seconds; every
// repetition then runs exactly that many calls (so every benchmark's
// repetitions are comparable, and progress can be counted exactly). With
// --benchmark_enable_random_interleaving (on by default) Google Benchmark
// shuffles all repetitions of all benchmarks, so drift on this shared machine
// hits every variant alike. Time is wall-clock (UseRealTime): plans run their
// own threads.
//
// Counters (per repetition; the JSON has median/mean/stddev/cv/min/max aggregates):
//   conv2d: GFLOP/s, %peak (of the fp32 FMA peak measured by `convlab machine`
//           for this ISA and thread count), AI (FLOP per byte of compulsory
//           traffic, Conv2dParams::arithmetic_intensity), flop (per call)
//   pool2d: GB/s (compulsory bytes), %bw (of the best copy/triad bandwidth
//           measured on a working set at least as large, at this thread
//           count: MachineInfo::bandwidth_roof), AI, bytes (per call)
//   both:   plan_threads, peak (the roof used: GFLOP/s or GB/s; 0 when unknown)
//   (conv2d_bwd_* rows count as conv2d, pool2d_bwd rows as pool2d)
// A variant whose supports() says no is not registered: it is listed with its
// reason on stderr and in the JSON context ("convlab" -> "skipped"), never
// failed. A plan or run that throws despite supports() is a real failure: its
// row reports the error and the exit code is 1.
//
// Note: Debian builds libbenchmark in debug mode and it prints a warning
// saying so; the timed code is ours (Release), so it does not affect figures.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fmt/core.h>
#include <fmt/ranges.h>
#include <map>
#include <memory>
#include <new>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/bounds.hpp"
#include "convlab/descriptor.hpp"
#include "convlab/error.hpp"
#include "convlab/machine.hpp"
#include "convlab/registry.hpp"
#include "convlab/registry_backward.hpp"
#include "convlab/timed_job.hpp"
#include "convlab/suite.hpp"
#include "convlab/timing.hpp"

#if CONVLAB_HAVE_DNNL
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace {

using namespace convlab;

struct Options {
  std::vector<std::string> suites, shapes, variants;
  std::vector<int> threads;
  std::string machine, json, isa, pass = "fwd";
  int reps = 5;
  double min_time = 0.05;
  bool no_interleave = false;
  bool quiet = false;
  bool list = false;
  bool no_banner = false;
};

// --- progress -----------------------------------------------------------------
// On stderr, one line rewritten every second on a terminal, a line every 15 s
// in a log: which benchmark, how many repetitions are done and left, elapsed
// and estimated remaining time.
class Progress {
 public:
  void start(const std::string& phase, int total, bool enabled) {
    phase_ = phase;
    total_ = total;
    done_ = 0;
    enabled_ = enabled;
    tty_ = isatty(STDERR_FILENO) != 0;
    t0_ = last_ = now_seconds();
  }
  void tick(const std::string& what) {
    ++done_;
    if (!enabled_) return;
    const double now = now_seconds();
    // A terminal gets one line rewritten every second; a log a line every 15 s.
    if (done_ < total_ && now - last_ < (tty_ ? 1.0 : 15.0)) return;
    last_ = now;
    const double elapsed = now - t0_;
    const double left = done_ > 0 ? elapsed / done_ * (total_ - done_) : 0;
    const std::string line = fmt::format("{} [{}/{}] {} elapsed, ~{} left: {}", phase_, done_, total_,
                                         clock(elapsed), clock(left), what);
    if (tty_)
      fmt::print(stderr, "\r\033[K{}{}", line.substr(0, 160), done_ == total_ ? "\n" : "");
    else
      fmt::print(stderr, "{}\n", line);
  }
  double elapsed() const { return now_seconds() - t0_; }
  static std::string clock(double s) {
    const int t = static_cast<int>(s + 0.5);
    return fmt::format("{}:{:02d}", t / 60, t % 60);
  }

 private:
  std::string phase_;
  int total_ = 0, done_ = 0;
  bool enabled_ = true, tty_ = false;
  double t0_ = 0, last_ = 0;
};
Progress progress;
int failed_rows = 0;  // rows whose plan or run threw: the exit code says so

// Google Benchmark's console output, minus the "convlab" context entry (a
// long JSON string meant for the JSON file and the scripts, not for people).
class Display : public benchmark::ConsoleReporter {
 public:
  explicit Display(bool banner) : ConsoleReporter(OO_Tabular), banner_(banner) {}
  bool ReportContext(const Context& context) override {
    std::ostringstream out, err;
    std::ostream* real_out = &GetOutputStream();
    std::ostream* real_err = &GetErrorStream();
    SetOutputStream(&out);
    SetErrorStream(&err);
    const bool ok = ConsoleReporter::ReportContext(context);
    SetOutputStream(real_out);
    SetErrorStream(real_err);
    auto copy = [](const std::string& text, std::ostream& to) {
      std::istringstream lines(text);
      for (std::string line; std::getline(lines, line);)
        if (line.rfind("convlab: ", 0) != 0) to << line << '\n';
    };
    // Without the banner on stderr (--no-banner), it still heads the table on stdout.
    copy(err.str(), banner_ ? *real_err : *real_out);
    copy(out.str(), *real_out);
    return ok;
  }
  // A median above 100 % of its roof means the roof (or the clock) is wrong,
  // never that the kernel beat the hardware: collected and said at the end.
  // The table shows our rate counters as plain numbers: their names say the unit.
  void ReportRuns(const std::vector<Run>& runs) override {
    std::vector<Run> shown = runs;
    for (Run& r : shown) {
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name == "median")
        for (const char* pct : {"%peak", "%bw"})
          if (const auto c = r.counters.find(pct); c != r.counters.end() && c->second.value > 100.0)
            above_roof.push_back(fmt::format("{} at {:.0f} {}", r.run_name.function_name, c->second.value, pct));
      for (auto& [name, counter] : r.counters) counter.flags = benchmark::Counter::kDefaults;
    }
    ConsoleReporter::ReportRuns(shown);
  }
  std::vector<std::string> above_roof;

 private:
  bool banner_;
};

// --- one benchmark --------------------------------------------------------------
struct Bench {
  std::string name;   // <op>/<variant>/<descriptor>/threads:<t>
  std::string label;  // the shape's n"label"s
  bool is_conv = true;
  double work = 0;    // FLOPs (conv) or compulsory bytes (pool) per call
  double flops = 0, bytes = 0;
  int threads = 1;
  double roof = 0;    // GFLOP/s (conv) or GB/s (pool) at this ISA/threads; 0 unknown
  int64_t iterations = 1;
  std::function<void()> warm, call;  // warm: one run(); call: the timed call
  std::string error;                 // planning failed: the row reports it instead of a time
  std::shared_ptr<void> keep_alive;  // plan and buffers
};

// Without the n"label", so that names stay filter-friendly and one shape is one name.
std::string canonical(const Problem& p) { return format_descriptor(p); }

std::vector<int> parse_threads(const std::vector<int>& given) {
  std::vector<int> out = given;
  if (out.empty()) {
    out.push_back(1);
    const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    if (hw > 1) out.push_back(hw);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Google Benchmark's --benchmark_filter semantics: a regex, or "-regex" to exclude.
bool filter_selects(const std::string& filter, const std::string& name) {
  if (filter.empty() || filter == "all" || filter == ".") return true;
  const bool negative = filter[0] == '-';
  try {
    const std::regex re(negative ? filter.substr(1) : filter, std::regex::extended);
    return std::regex_search(name, re) != negative;
  } catch (const std::regex_error& e) {
    throw Error("benchmark_filter", filter, std::string("not a regular expression: ") + e.what());
  }
}

// The skips, one line per variant and reason: a branch refuses whole classes
// of shapes, and one line per (shape, threads) would bury the rest. The JSON
// keeps every skip with its own reason.
void print_skips(const nlohmann::json& skipped) {
  std::map<std::string, std::pair<int, std::string>> groups;  // "op/variant: reason" -> count, first shape
  for (const auto& s : skipped) {
    const std::string name = s["name"], reason = s["reason"];
    const std::string op_variant = name.substr(0, name.find('/', name.find('/') + 1));
    const std::string why = reason.substr(0, reason.find("; here"));
    auto& g = groups[op_variant + ": " + why];
    if (g.first++ == 0) g.second = name.substr(op_variant.size() + 1);
  }
  for (const auto& [key, g] : groups)
    fmt::print(stderr, "skip {} ({} benchmark{}, e.g. {})\n", key, g.first, g.first == 1 ? "" : "s", g.second);
}

int run(int argc, char** argv) {
  // Our options first; --benchmark_* flags pass through to Google Benchmark.
  CLI::App app{"convlab-bench: the benchmark matrix (variant x shape x threads) on Google Benchmark.\n"
               "Also accepts Google Benchmark's --benchmark_* flags (e.g. --benchmark_filter=REGEX).",
               "convlab-bench"};
  app.allow_extras();
  Options o;
  app.add_option("--suite", o.suites, "Shape suite (repeatable; default seed)");
  app.add_option("--shape", o.shapes, "A shape descriptor (repeatable)");
  app.add_option("--variant", o.variants,
                 "Only these variants, comma-separated (default: all of --pass); a backward one as op/name, e.g. "
                 "conv2d_bwd_data/as_forward")
      ->check(cli::comma_list());
  app.add_option("--pass", o.pass,
                 "fwd (default), bwd (conv2d_bwd_data, conv2d_bwd_weights, pool2d_bwd rows) or all")
      ->check(CLI::IsMember({"fwd", "bwd", "all"}));
  app.add_option("--threads", o.threads, fmt::format("Thread counts, comma-separated (default here: {})", fmt::join(parse_threads({}), ",")))
      ->delimiter(',')
      ->check(cli::threads_range());
  app.add_option("--machine", o.machine, "Machine JSON from `convlab machine --json` (for %peak and %bw)");
  app.add_option("--isa", o.isa, fmt::format("Cap the SIMD dispatch of the plans (and oneDNN): sse42, avx2, avx512 (default here: {})", to_string(default_isa())));
  app.add_option("--reps", o.reps, "Repetitions per benchmark (default 5)")->check(cli::reps_range());
  app.add_option("--min-time", o.min_time, "Seconds per repetition (default 0.05)")->check(cli::seconds_range());
  app.add_option("--json", o.json, "Write Google Benchmark's JSON (runs and aggregates) to this file")->check(cli::writable_file());
  app.add_flag("--no-interleave", o.no_interleave, "Run each benchmark's repetitions back to back");
  app.add_flag("--quiet", o.quiet, "No progress lines on stderr");
  app.add_flag("--list", o.list, "Print the benchmarks and skips, run nothing");
  app.add_flag("--no-banner", o.no_banner,
               "Google Benchmark's banner (machine, load, its DEBUG-build warning) to stdout, not stderr");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {  // one line and exit 2, as convlab (CLI11 alone exits 105 and more)
    fmt::print(stderr, "convlab-bench: error: {}\nRun 'convlab-bench --help' for usage.\n", e.what());
    return 2;
  }

  // Google Benchmark's argv: our defaults first, the user's --benchmark_* flags after (they win).
  std::vector<std::string> gb_args = {argv[0], fmt::format("--benchmark_repetitions={}", o.reps),
                                      "--benchmark_enable_random_interleaving=" +
                                          std::string(o.no_interleave ? "false" : "true")};
  if (!o.json.empty()) {
    gb_args.push_back("--benchmark_out=" + o.json);
    gb_args.push_back("--benchmark_out_format=json");
  }
  for (const auto& extra : app.remaining()) gb_args.push_back(extra);
  std::vector<char*> gb_argv;
  for (auto& a : gb_args) gb_argv.push_back(a.data());
  int gb_argc = static_cast<int>(gb_argv.size());
  for (const auto& extra : app.remaining())
    if (extra.rfind("--benchmark_repetitions", 0) == 0)
      throw Error("benchmark_repetitions", extra, "use --reps (the progress count depends on it)");
  benchmark::Initialize(&gb_argc, gb_argv.data());
  if (benchmark::ReportUnrecognizedArguments(gb_argc, gb_argv.data())) return 2;

  if (o.suites.empty() && o.shapes.empty()) o.suites.push_back("seed");
  const std::vector<int> threads = parse_threads(o.threads);
  const Isa isa = o.isa.empty() ? default_isa() : parse_runnable_isa(o.isa);
  cap_library_isa(isa);
  o.variants = cli::split_items(o.variants);
  const Pass pass = parse_pass(o.pass);
  const VariantSelection selection(o.variants, pass);  // throws naming variant (or pass) up front

  std::optional<MachineInfo> machine;
  if (!o.machine.empty()) machine = load_machine(o.machine);
  else fmt::print(stderr, "convlab-bench: no --machine file: %peak and %bw counters are left out\n");

  // Shapes in suite order, one entry per canonical descriptor.
  struct Shape {
    Problem problem;
    std::vector<std::string> labels;
    nlohmann::json where;  // [{suite, label}]
  };
  std::vector<Shape> shapes;
  auto add_shape = [&](const Problem& p, const std::string& label, const std::string& suite) {
    const std::string key = canonical(p);
    auto it = std::find_if(shapes.begin(), shapes.end(), [&](const Shape& s) { return canonical(s.problem) == key; });
    if (it == shapes.end()) {
      shapes.push_back({p, {}, nlohmann::json::array()});
      it = shapes.end() - 1;
    }
    if (!label.empty() && std::find(it->labels.begin(), it->labels.end(), label) == it->labels.end())
      it->labels.push_back(label);
    it->where.push_back({{"suite", suite}, {"label", label}});
  };
  for (const auto& s : o.suites)
    for (const auto& e : load_suite(s)) add_shape(e.problem, e.label, s);
  for (const auto& d : o.shapes) {
    const LabeledProblem lp = parse_labeled_problem(d);
    add_shape(lp.problem, lp.label, "--shape");
  }

  // Every (shape, threads, variant): plan, or skip with the variant's reason.
  const std::string filter = benchmark::GetBenchmarkFilter();
  std::vector<std::shared_ptr<Bench>> benches;
  nlohmann::json skipped = nlohmann::json::array(), plans = nlohmann::json::object();
  nlohmann::json shape_info = nlohmann::json::array();
  std::set<std::string> warned;
  for (const auto& shape : shapes) {
    const std::string desc = canonical(shape.problem);
    const bool is_conv = std::holds_alternative<Conv2dParams>(shape.problem);
    nlohmann::json info = {{"op", is_conv ? "conv2d" : "pool2d"}, {"descriptor", desc}, {"where", shape.where}};
    if (is_conv) {
      const auto& p = std::get<Conv2dParams>(shape.problem);
      info["flop"] = p.flops();
      info["bytes"] = p.min_bytes();
      info["ai"] = p.arithmetic_intensity();
    } else {
      const auto& p = std::get<Pool2dParams>(shape.problem);
      info["flop"] = p.flops();
      info["bytes"] = p.min_bytes();
      info["ai"] = static_cast<double>(p.flops()) / static_cast<double>(p.min_bytes());
    }
    shape_info.push_back(info);
    std::string label;
    for (const auto& l : shape.labels) label += (label.empty() ? "" : "; ") + l;

    for (int t : threads) {
      PlanOptions opt;
      opt.threads = t;
      opt.isa = isa;
      double roof = 0;
      if (machine) {
        if (is_conv) {
          if (auto s = machine->peak(isa, t)) roof = s->median;
        } else {
          // The bandwidth measured on a working set at least as large as this pool's.
          const auto& p = std::get<Pool2dParams>(shape.problem);
          if (auto b = machine->bandwidth_roof(t, p.min_bytes())) roof = *b;
        }
        if (roof == 0 && warned.insert(fmt::format("{}{}", is_conv, t)).second)
          fmt::print(stderr, "convlab-bench: {} has no {} for {} threads: no %{} counter there\n", o.machine,
                     is_conv ? fmt::format("{} FMA peak", to_string(isa)) : std::string("stream bandwidth"), t,
                     is_conv ? "peak" : "bw");
      }
      // op: the forward's or a backward's (conv2d_bwd_* count as conv2d, pool2d_bwd as pool2d).
      auto make = [&](const char* op, std::string_view variant, bool compute_only) {
        auto b = std::make_shared<Bench>();
        b->name = fmt::format("{}/{}{}/{}/threads:{}", op, variant, compute_only ? ":compute" : "", desc, t);
        b->label = label;
        b->is_conv = is_conv;
        b->threads = t;
        b->roof = roof;
        return b;
      };
      auto skip = [&](const char* op, std::string_view variant, const std::string& reason) {
        const std::string name = fmt::format("{}/{}/{}/threads:{}", op, variant, desc, t);
        skipped.push_back({{"name", name}, {"reason", reason}});
      };
      for (const auto& [op, variant] : selection.on(shape.problem)) {
        auto b = make(op, variant, false);
        if (!filter_selects(filter, b->name)) continue;
        if (const Support s = supports(shape.problem, op, variant); !s) {
          skip(op, variant, s.reason);
          continue;
        }
        std::shared_ptr<TimedJob> job;
        try {
          job = std::make_shared<TimedJob>(make_timed_job(shape.problem, op, variant, opt));
        } catch (const convlab::Error& e) {
          if (e.field() == "memory") throw;  // the shape cannot fit this machine: bad input, refused up front
          b->error = fmt::format("plan() failed although supports() said yes: {}", e.what());
          benches.push_back(b);
          continue;
        } catch (const std::exception& e) {
          b->error = fmt::format("plan() failed although supports() said yes: {}", e.what());
          benches.push_back(b);
          continue;
        }
        b->flops = job->flops;
        b->bytes = job->bytes;
        b->work = job->work;
        if (machine && !is_conv && job->bytes != static_cast<double>(std::get<Pool2dParams>(shape.problem).min_bytes())) {
          // pool2d_bwd: the bandwidth measured on a working set at least as large as its own bytes.
          const auto bw = machine->bandwidth_roof(t, static_cast<int64_t>(job->bytes));
          b->roof = bw ? *bw : 0.0;
        }
        b->warm = job->call;
        b->call = job->call;
        b->keep_alive = job;
        if (!job->describe.empty()) plans[b->name] = job->describe;
        benches.push_back(b);
        if (job->compute_only) {
          auto c = make(op, variant, true);
          if (!filter_selects(filter, c->name)) continue;
          c->flops = b->flops;
          c->bytes = b->bytes;
          c->work = b->work;
          // run() once, then the computation once: a plan that converts its
          // input on the first compute-only call (blocked) does it untimed.
          c->warm = [warm = b->warm, compute = job->compute_only] {
            warm();
            compute();
          };
          c->call = job->compute_only;
          c->keep_alive = job;
          plans[c->name] = job->describe + "; timed: the convolution alone (run_compute_only)";
          benches.push_back(c);
        }
      }
    }
  }
  if (benches.empty()) throw Error("variant", "", "nothing to run: no variant applies to the selected shapes");
  print_skips(skipped);

  if (o.list) {
    for (const auto& b : benches) fmt::print("{}\n", b->name);
    fmt::print(stderr, "{} benchmarks x {} reps, {} skipped\n", benches.size(), o.reps, skipped.size());
    return 0;
  }

  // Calibrate: the calls that make one repetition last about --min-time.
  progress.start("calibrate", static_cast<int>(benches.size()), !o.quiet);
  for (const auto& b : benches) {
    if (b->error.empty()) {
      try {
        b->warm();
        b->iterations = calls_per_sample(b->call, o.min_time);
      } catch (const std::exception& e) {
        b->error = fmt::format("run() failed: {}", e.what());
      }
    }
    if (!b->error.empty()) fmt::print(stderr, "\nFAILED {}: {}\n", b->name, b->error);
    progress.tick(fmt::format("{} ({} calls per repetition)", b->name, b->iterations));
  }

  for (const auto& bp : benches) {
    auto* reg = benchmark::RegisterBenchmark(bp->name.c_str(), [b = bp.get()](benchmark::State& state) {
      std::string error = b->error;
      if (error.empty()) {
        try {
          b->warm();  // untimed: page in buffers, wake the threads
        } catch (const std::exception& e) {
          error = fmt::format("run() failed: {}", e.what());
        }
      }
      if (!error.empty()) {
        state.SkipWithError(error.c_str());
        ++failed_rows;
        progress.tick(b->name);
        return;
      }
      for (auto _ : state) b->call();
      using C = benchmark::Counter;
      if (b->is_conv) {
        state.counters["GFLOP/s"] = C(b->work * 1e-9, C::kIsIterationInvariantRate);
        state.counters["flop"] = b->flops;
      } else {
        state.counters["GB/s"] = C(b->work * 1e-9, C::kIsIterationInvariantRate);
        state.counters["bytes"] = b->bytes;
      }
      if (b->roof > 0)
        state.counters[b->is_conv ? "%peak" : "%bw"] = C(100.0 * b->work * 1e-9 / b->roof, C::kIsIterationInvariantRate);
      state.counters["peak"] = b->roof;
      state.counters["AI"] = b->flops / b->bytes;
      state.counters["plan_threads"] = b->threads;
      if (!b->label.empty()) state.SetLabel(b->label);
      progress.tick(b->name);
    });
    reg->Iterations(bp->iterations)->UseRealTime()->Unit(benchmark::kMicrosecond);
    reg->ComputeStatistics("min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); });
    reg->ComputeStatistics("max", [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); });
  }

  nlohmann::json ctx = {
      {"isa", to_string(isa)},
      {"threads", threads},
      {"suites", o.suites},
      {"reps", o.reps},
      {"min_time", o.min_time},
      {"interleaved", !o.no_interleave},
      {"machine_file", o.machine},
      {"shapes", shape_info},
      {"skipped", skipped},
      {"plans", plans},
      {"timed", "plan.run only (one untimed warm-up run per repetition); rows named <variant>:compute time "
                "ConvPlan::run_compute_only"},
      {"benchmark_library_note", "Debian's libbenchmark 1.7.1 is a debug build and warns so; the timed code is "
                                 "convlab's Release build"},
  };
  if (machine) ctx["machine"] = machine->to_json();
  for (const ConvVariant* v : conv2d_variants())
    ctx["variants"].push_back({{"op", "conv2d"}, {"name", v->name()}, {"kind", to_string(v->kind())},
                               {"summary", v->summary()}});
  for (const PoolVariant* v : pool2d_variants())
    ctx["variants"].push_back({{"op", "pool2d"}, {"name", v->name()}, {"kind", to_string(v->kind())},
                               {"summary", v->summary()}});
  if (pass != Pass::fwd) {  // the default's context stays as it was
    ctx["pass"] = to_string(pass);
    auto add = [&](const char* op, const auto& list) {
      for (const auto* v : list)
        ctx["variants"].push_back({{"op", op}, {"name", v->name()}, {"kind", to_string(v->kind())},
                                   {"summary", v->summary()}});
    };
    add(kConv2dBwdData, conv2d_bwd_data_variants());
    add(kConv2dBwdWeights, conv2d_bwd_weights_variants());
    add(kPool2dBwd, pool2d_bwd_variants());
  }
#if CONVLAB_HAVE_DNNL
  const auto* dv = dnnl::version();
  ctx["onednn_version"] = fmt::format("{}.{}.{}", dv->major, dv->minor, dv->patch);
#endif
  benchmark::AddCustomContext("convlab", ctx.dump());

  progress.start("matrix", static_cast<int>(benches.size()) * o.reps, !o.quiet);
  Display display(!o.no_banner);
  benchmark::RunSpecifiedBenchmarks(&display);
  benchmark::Shutdown();
  // A few rows by name, then a count: a wrong roof (a busy core while the
  // peak was measured) flags every row at once, and REPORT.md lists them all.
  constexpr std::size_t kRowsNamed = 3;
  for (std::size_t i = 0; i < display.above_roof.size() && i < kRowsNamed; ++i)
    fmt::print(stderr, "convlab-bench: above the measured roof: the roof or the clock is off: {}\n",
               display.above_roof[i]);
  if (display.above_roof.size() > kRowsNamed)
    fmt::print(stderr, "convlab-bench: ... and {} more rows above the measured roof (all in the JSON's "
                       "%peak and REPORT.md)\n", display.above_roof.size() - kRowsNamed);
  if (!o.quiet)
    fmt::print(stderr, "matrix: {} benchmarks x {} repetitions in {}{}\n", benches.size(), o.reps,
               Progress::clock(progress.elapsed()),
               skipped.empty() ? std::string()
                               : fmt::format(", {} skipped (reasons above and in the JSON)", skipped.size()));
  if (failed_rows > 0) {
    fmt::print(stderr, "convlab-bench: {} repetitions failed (error rows in the output)\n", failed_rows);
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const convlab::Error& e) {
    fmt::print(stderr, "convlab-bench: error: {}\n", e.what());
    return 2;
  } catch (const std::bad_alloc&) {  // as convlab: a shape too large is bad input, not a crash
    fmt::print(stderr, "convlab-bench: error: out of memory (is a shape too large for this machine?)\n");
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "convlab-bench: internal error: {}\n", e.what());
    return 1;
  }
}
