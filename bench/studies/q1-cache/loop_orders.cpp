// convlab-loops: the cache-locality study's program (question 1).
//
// Runs the direct convolution in any of the 720 orders of its six loops
// (k c p q r s, see loop_order_nest.hpp), checks each against the reference,
// times them, and runs exactly N calls of one order or one registered variant
// so that cachegrind can count the misses of a call by difference:
// misses(N=3) - misses(N=1) = two steady-state calls, setup cancelled (an
// order's run also prints where x, w and y lie, for the model's placement and
// the study's trace check); and
// times conv step 03 (cache_tiled) with its tiles cut for an assumed L1/L2,
// the study's tile sweep (--assume-cache).
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <fstream>

#include "convlab/check.hpp"
#include "convlab/data.hpp"
#include "convlab/descriptor.hpp"
#include "convlab/error.hpp"
#include "convlab/reference.hpp"
#include "convlab/registry.hpp"
#include "convlab/timing.hpp"
#include "conv2d/ladder_hooks.hpp"
#include "loop_order_nest.hpp"

namespace {

using namespace convlab;
using namespace convlab::study;

// The study's nests are the plain definition: batch 1 at a time, no padding,
// no dilation, no groups (the loop order is the subject, not the edges).
Conv2dParams study_shape(const std::string& d) {
  const Conv2dParams p = parse_conv2d(d);
  if (p.padded()) throw Error("ph", std::to_string(p.pt), "the loop-order study runs unpadded convolutions");
  if (p.dh != 0 || p.dw != 0) throw Error("dh", std::to_string(p.dh), "the loop-order study runs dense kernels");
  if (p.g != 1) throw Error("g", std::to_string(p.g), "the loop-order study runs ungrouped convolutions");
  return p;
}

NestProblem nest_problem(const Conv2dParams& p) {
  return {{p.oc, p.ic, p.oh(), p.ow(), p.kh, p.kw}, p.ih, p.iw, p.sh, p.sw};
}

std::vector<std::string> resolve_orders(const std::vector<std::string>& wanted) {
  if (wanted.empty() || (wanted.size() == 1 && wanted[0] == "all"))
    return {all_orders().begin(), all_orders().end()};
  for (const auto& o : wanted)
    if (nest_for(o) == nullptr) throw Error("order", o, "not a permutation of kcpqrs");
  return wanted;
}

// One call: y = 0, then the nest over every image of the batch, then the bias.
// `nest_only` skips the zeroing and the bias, so that cachegrind counts the
// loop nest alone (the values are then meaningless, the accesses are not).
void run_nest(NestFn fn, const Conv2dParams& p, const ConvData& d, float* y, bool nest_only = false) {
  const NestProblem pr = nest_problem(p);
  const int64_t in_image = p.ic * p.ih * p.iw, out_image = p.oc * p.oh() * p.ow();
  if (!nest_only) std::memset(y, 0, sizeof(float) * static_cast<std::size_t>(p.output_elems()));
  for (int64_t n = 0; n < p.mb; ++n) fn(pr, d.input.data() + n * in_image, d.weights.data(), y + n * out_image);
  if (p.bias && !nest_only)
    for (int64_t n = 0; n < p.mb; ++n)
      for (int64_t k = 0; k < p.oc; ++k)
        for (int64_t i = 0; i < p.oh() * p.ow(); ++i) y[(n * p.oc + k) * p.oh() * p.ow() + i] += d.bias.data()[k];
}

int cmd_check(const std::string& shape, const std::vector<std::string>& orders_in) {
  const Conv2dParams p = study_shape(shape);
  const auto orders = resolve_orders(orders_in);
  const ConvData d = make_conv2d_data(p, DataMode::exact, 1);
  Tensor ref({p.output_elems()}), y({p.output_elems()});
  reference_conv2d(p, d.input.span(), d.weights.span(), d.bias.span(), ref.span());
  int failed = 0;
  for (const auto& o : orders) {
    run_nest(nest_for(o), p, d, y.data());
    const Verdict v = compare_exact(y.span(), ref.span());
    if (!v.pass) {
      ++failed;
      fmt::print("FAIL {}: {}\n", o, v.detail);
    }
  }
  fmt::print("{} orders checked exactly on {}: {} failed\n", orders.size(), format_descriptor(p), failed);
  return failed ? 1 : 0;
}

int cmd_time(const std::string& shape, const std::vector<std::string>& orders_in, int reps,
             const std::string& json_path) {
  const Conv2dParams p = study_shape(shape);
  const auto orders = resolve_orders(orders_in);
  const ConvData d = make_conv2d_data(p, DataMode::bounded, 1);
  Tensor y({p.output_elems()});
  struct Row { std::string order; Summary s; };
  std::vector<Row> rows;
  const double t0 = now_seconds();
  for (std::size_t i = 0; i < orders.size(); ++i) {
    const NestFn fn = nest_for(orders[i]);
    run_nest(fn, p, d, y.data());  // warm-up
    std::vector<double> samples;
    for (int r = 0; r < reps; ++r) {
      const double a = now_seconds();
      run_nest(fn, p, d, y.data());
      samples.push_back(now_seconds() - a);
    }
    rows.push_back({orders[i], summarize(samples)});
    if (orders.size() > 20 && (i + 1) % 60 == 0)
      fmt::print(stderr, "  {}/{} orders timed, {:.0f} s elapsed\n", i + 1, orders.size(), now_seconds() - t0);
  }
  const double macs = static_cast<double>(p.macs());
  nlohmann::json out = {{"shape", format_descriptor(p)}, {"macs", p.macs()}, {"reps", reps}};
  for (const auto& r : rows)
    out["orders"].push_back({{"order", r.order},
                             {"seconds", {{"median", r.s.median}, {"min", r.s.min}, {"max", r.s.max}}},
                             {"ns_per_mac", r.s.median / macs * 1e9},
                             {"gflops", 2 * macs / r.s.median * 1e-9}});
  if (!json_path.empty()) {
    std::ofstream(json_path) << out.dump(1) << "\n";
  }
  auto sorted = rows;
  std::sort(sorted.begin(), sorted.end(), [](const Row& a, const Row& b) { return a.s.median < b.s.median; });
  const std::size_t show = std::min<std::size_t>(sorted.size(), 12);
  fmt::print("{} on {} ({} MACs), median of {} reps, fastest first{}\n", "time per MAC", format_descriptor(p),
             p.macs(), reps, sorted.size() > show ? fmt::format(" (first {} and last {} of {})", show / 2, show / 2, sorted.size()) : "");
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (sorted.size() > show && i >= show / 2 && i < sorted.size() - show / 2) continue;
    const auto& r = sorted[i];
    fmt::print("  {}  {:8.3f} ns/MAC  {:6.2f} GFLOP/s  (min-max {:.3f}-{:.3f} ms)\n", r.order,
               r.s.median / macs * 1e9, 2 * macs / r.s.median * 1e-9, r.s.min * 1e3, r.s.max * 1e3);
  }
  return 0;
}

// "L1,L2" in bytes: the caches cache_tiled's tiles are cut for.
std::pair<int64_t, int64_t> parse_cache_sizes(const std::string& text) {
  long long l1 = 0, l2 = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%lld,%lld%c", &l1, &l2, &tail) != 2 || l1 < 1 || l2 < 1)
    throw Error("assume-cache", text, "expected L1,L2 in bytes, both >= 1");
  return {l1, l2};
}

// A variant's plan; for cache_tiled with `assume_cache`, its tiles cut for those caches.
std::unique_ptr<ConvPlan> plan_for(const Conv2dParams& p, const ConvData& d, const std::string& variant,
                                   const std::string& assume_cache) {
  if (!assume_cache.empty()) {
    if (variant != "cache_tiled") throw Error("assume-cache", assume_cache, "applies to --variant cache_tiled only");
    const auto [l1, l2] = parse_cache_sizes(assume_cache);
    return conv2d::cache_tiled_plan(p, d.weights.data(), d.bias.data(), l1, l2);
  }
  const ConvVariant* v = find_conv2d_variant(variant);
  if (v == nullptr) throw Error("variant", variant, "no such conv2d variant");
  return v->plan(p, d.weights.span(), d.bias.span());
}

// cache_tiled with its tiles cut for `assume_cache`: --reps samples of at
// least 20 ms each, the plan's description and the per-call seconds.
int cmd_tiles(const std::string& shape, const std::string& assume_cache, int reps, const std::string& json_path) {
  const Conv2dParams p = parse_conv2d(shape);
  const ConvData d = make_conv2d_data(p, DataMode::bounded, 1);
  Tensor y({p.output_elems()});
  auto plan = plan_for(p, d, "cache_tiled", assume_cache);
  auto call = [&] { plan->run(d.input.span(), y.span()); };
  call();
  const int64_t calls = calls_per_sample(call, 0.02);
  std::vector<double> samples;
  for (int r = 0; r < reps; ++r) samples.push_back(time_per_call(call, calls));
  const Summary s = summarize(samples);
  const nlohmann::json out = {{"shape", format_descriptor(p)}, {"plan", plan->describe()}, {"macs", p.macs()},
                              {"seconds", {{"median", s.median}, {"min", s.min}, {"max", s.max}}}};
  if (!json_path.empty()) std::ofstream(json_path) << out.dump(1) << "\n";
  fmt::print("cache_tiled on {}, {}: {:.3f} ms per call (median of {})\n", format_descriptor(p), plan->describe(),
             s.median * 1e3, reps);
  return 0;
}

// Exactly `calls` calls and nothing else in between, for cachegrind's
// differential counts. An order runs its loop nest alone (no zeroing, no
// bias); a variant runs its whole plan->run, as timed everywhere else.
int cmd_once(const std::string& shape, const std::string& order, const std::string& variant,
             const std::string& assume_cache, int calls) {
  if (order.empty() == variant.empty()) throw Error("order", order, "give exactly one of --order or --variant");
  if (!order.empty()) {
    const Conv2dParams p = study_shape(shape);
    const NestFn fn = nest_for(order);
    if (fn == nullptr) throw Error("order", order, "not a permutation of kcpqrs");
    const ConvData d = make_conv2d_data(p, DataMode::bounded, 1);
    Tensor y({p.output_elems()});
    for (int i = 0; i < calls; ++i) run_nest(fn, p, d, y.data(), /*nest_only=*/true);
    fmt::print("{} x {} on {}: y[0] = {}\n", calls, order, format_descriptor(p), y.data()[0]);
    // where the nest's arrays lie (first byte, bytes), for the study's trace check
    fmt::print("arrays x {} {} w {} {} y {} {}\n", static_cast<const void*>(d.input.data()),
               d.input.bytes(), static_cast<const void*>(d.weights.data()),
               d.weights.bytes(), static_cast<const void*>(y.data()), y.bytes());
    return 0;
  }
  const Conv2dParams p = parse_conv2d(shape);
  const ConvData d = make_conv2d_data(p, DataMode::bounded, 1);
  Tensor y({p.output_elems()});
  auto plan = plan_for(p, d, variant, assume_cache);
  for (int i = 0; i < calls; ++i) plan->run(d.input.span(), y.span());
  fmt::print("{} x {} on {}: y[0] = {}\n", calls, variant, format_descriptor(p), y.data()[0]);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"convlab-loops: the 720 loop orders of the direct convolution (cache-locality study, Q1).\n"
               "Orders are permutations of kcpqrs, outermost first: k out channel, c in channel,\n"
               "p out row, q out column, r kernel row, s kernel column. The seed's order is kcpqrs.",
               "convlab-loops"};
  app.require_subcommand(1);
  std::string shape = "mb1ic16ih32oc16kh3", order, variant, json_path, assume_cache;
  std::vector<std::string> orders;
  int reps = 5, calls = 1;
  int rc = 0;

  auto* list = app.add_subcommand("orders", "Print the 720 orders");
  list->callback([] {
    for (const auto& o : all_orders()) fmt::print("{}\n", o);
  });
  auto* check = app.add_subcommand("check", "Check orders exactly (integer data) against the reference");
  check->add_option("--shape", shape, "Unpadded conv2d descriptor")->capture_default_str();
  check->add_option("--orders", orders, "Orders, comma-separated, or all (default)")->delimiter(',');
  check->callback([&] { rc = cmd_check(shape, orders); });
  auto* time = app.add_subcommand("time", "Time orders (median of --reps single calls each)");
  time->add_option("--shape", shape, "Unpadded conv2d descriptor")->capture_default_str();
  time->add_option("--orders", orders, "Orders, comma-separated, or all (default)")->delimiter(',');
  time->add_option("--reps", reps, "Samples per order")->check(CLI::PositiveNumber)->capture_default_str();
  time->add_option("--json", json_path, "Write every order's timing here");
  time->callback([&] { rc = cmd_time(shape, orders, reps, json_path); });
  auto* once = app.add_subcommand("once", "Run exactly --calls calls of one order or one variant (for cachegrind)");
  once->add_option("--shape", shape, "conv2d descriptor")->capture_default_str();
  once->add_option("--order", order, "A loop order");
  once->add_option("--variant", variant, "A registered conv2d variant");
  once->add_option("--calls", calls, "Calls")->check(CLI::PositiveNumber)->capture_default_str();
  once->add_option("--assume-cache", assume_cache, "L1,L2 bytes to cut cache_tiled's tiles for");
  once->callback([&] { rc = cmd_once(shape, order, variant, assume_cache, calls); });
  auto* tiles = app.add_subcommand("tiles", "Time conv step 03 (cache_tiled) with its tiles cut for --assume-cache");
  tiles->add_option("--shape", shape, "conv2d descriptor")->capture_default_str();
  tiles->add_option("--assume-cache", assume_cache, "L1,L2 in bytes")->required();
  tiles->add_option("--reps", reps, "Samples")->check(CLI::PositiveNumber)->capture_default_str();
  tiles->add_option("--json", json_path, "Write the timing here");
  tiles->callback([&] { rc = cmd_tiles(shape, assume_cache, reps, json_path); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "convlab-loops: error: {}\n", e.what());
    return 2;
  } catch (const Error& e) {
    fmt::print(stderr, "convlab-loops: error: {}\n", e.what());
    return 2;
  }
  return rc;
}
