// convlab-parallel: the parallelization study's program (question 2).
//
// One switch, --strategy, decides how the multi-channel convolution is cut
// into independent work items for the threads; the arithmetic is always step
// 04's loops around its micro-kernel (variants/conv2d/04_simd.hpp), so the
// strategies differ only in the split and give bitwise identical outputs:
//   oc      blocks of output channels (each item: every image, every row)
//   rows    output rows (each item: every image, every channel block)
//   batch   images (each item: one whole image)
//   block   image x output-row tile x channel-block group, sized for >= 8
//           items per thread (step 05's split, conv2d::ConvSplit)
//   nested  images on the outer level, channel blocks of each image on an
//           inner parallel loop (oneTBB nests them in the same arena)
// A padded input is packed first by a parallel loop over (image, band of
// rows), the same for every strategy.
//
// `study` measures, per shape: each strategy's time at every thread count
// (strategies interleaved in every repetition, each sample after a kernel
// probe of its own threads), and beside it the model's 1-thread inputs: every
// work item's time in a serial run; to explain what the model leaves out,
// where the time of the sampled loop goes (each chunk's start and end inside
// it); once per run, the fork/join cost and the wake-up after an idle gap
// (parallel_probes.hpp).
// scripts/study-q2-parallel builds its model from them.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>
#include <thread>

#include "parallel_probes.hpp"
#include "conv2d/05_parallel.hpp"
#include "convlab/data.hpp"
#include "convlab/descriptor.hpp"
#include "convlab/error.hpp"
#include "convlab/parallel.hpp"
#include "convlab/reference.hpp"
#include "convlab/timing.hpp"

namespace {

using namespace convlab;
using namespace convlab::parallel_study;

const std::vector<std::string> kStrategies = {"oc", "rows", "batch", "block", "nested"};

class StrategyRun {
 public:
  StrategyRun(const Conv2dParams& p, const ConvData& d, const std::string& strategy, int threads, Isa isa)
      : p_(p), d_(d), strategy_(strategy), conv_(p, d.weights.data(), d.bias.data(), isa, p.mb),
        split_(p, conv_.oc_blocks(), threads), arena_(threads), nested_arena_(threads), out_({p.output_elems()}) {
    if (std::find(kStrategies.begin(), kStrategies.end(), strategy) == kStrategies.end())
      throw Error("strategy", strategy, "unknown (oc, rows, batch, block, nested)");
    const int64_t blocks = conv_.oc_blocks(), OH = p.oh();
    auto add = [&](int64_t n0, int64_t n1, int64_t g, int64_t oh0, int64_t oh1, int64_t b0, int64_t b1) {
      items_.push_back({n0, n1, g, oh0, oh1, b0, b1});
    };
    for (int64_t g = 0; g < p.g; ++g) {
      if (strategy == "oc") {
        for (int64_t b = 0; b < blocks; ++b) add(0, p.mb, g, 0, OH, b, b + 1);
      } else if (strategy == "rows") {
        for (int64_t oh = 0; oh < OH; ++oh) add(0, p.mb, g, oh, oh + 1, 0, blocks);
      } else if (strategy == "batch" || strategy == "nested") {
        for (int64_t n = 0; n < p.mb; ++n) add(n, n + 1, g, 0, OH, 0, blocks);
      }
    }
    if (strategy == "block")  // step 05's split: rows, then images, then channel blocks
      for (int64_t i = 0; i < split_.items; ++i) {
        const conv2d::ConvSplit::Item it = split_.item(i);
        add(it.n, it.n + 1, it.g, it.oh0, it.oh1, it.b0, it.b1);
      }
  }

  int64_t items() const { return static_cast<int64_t>(items_.size()); }
  // The rows of the (padded) input each item reads: [first image, last image
  // + 1, first row, last row + 1], rows counted in the padded image.
  nlohmann::json item_input_rows() const {
    nlohmann::json rows = nlohmann::json::array();
    for (const Item& it : items_)
      rows.push_back({it.n0, it.n1, it.oh0 * p_.sh, (it.oh1 - 1) * p_.sh + (p_.kh - 1) * (p_.dh + 1) + 1});
    return rows;
  }
  bool packs() const { return conv_.input().copies(); }

  // The kernel probe on this strategy's own threads (one slot per thread),
  // reported as threads x the slowest thread's GFLOP/s: a static split runs at
  // the pace of its slowest core. Using the run's threads matters: an extra set
  // of threads would compete with oneTBB's worker, which spins for a while
  // after every parallel loop.
  double probe_cores(KernelProbe& probe) {
    if (strategy_ != "nested") return probe.on(arena_);
    const int threads = arena_.threads();
    std::vector<double> rate(static_cast<std::size_t>(threads));
    const auto slot = [&](int i) { rate[static_cast<std::size_t>(i)] = probe.run_slot(i); };
    tsan_fork();
    nested_arena_.execute([&] { tbb::parallel_for(0, threads, tsan_body(slot), tbb::static_partitioner()); });
    tsan_join();
    return probe.record(std::move(rate));
  }
  const std::vector<float>& output_copy() {
    copy_.assign(out_.data(), out_.data() + out_.size());
    return copy_;
  }

  // The whole convolution; with `item_seconds`, also each item's time. `serial`
  // runs every loop on the calling thread, in order (to time the items of a
  // multi-thread split at 1 thread).
  void run(std::vector<double>* item_seconds = nullptr, double* pack_seconds = nullptr, bool serial = false) {
    const double t0 = now_seconds();
    const float* x = d_.input.data();
    if (conv_.input().copies()) {
      auto pack = [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          const int64_t n = i / split_.pack_bands, band = i % split_.pack_bands;
          conv_.input().pack_rows(x, n, n, split_.band_row(band), split_.band_row(band + 1));
        }
      };
      // nested packs in its own arena: a worker that had to move between two
      // arenas on every call cost padded layers ~15 % of their 2-thread speed.
      if (serial)
        pack(0, p_.mb * split_.pack_bands);
      else if (strategy_ == "nested")
      {
        const auto band = [&](const tbb::blocked_range<int64_t>& r) { pack(r.begin(), r.end()); };
        tsan_fork();
        nested_arena_.execute([&] {
          tbb::parallel_for(tbb::blocked_range<int64_t>(0, p_.mb * split_.pack_bands), tsan_body(band),
                            tbb::static_partitioner());
        });
        tsan_join();
      }
      else
        arena_.for_each(p_.mb * split_.pack_bands, 1, pack);
    }
    if (pack_seconds) *pack_seconds = now_seconds() - t0;
    if (trace_) trace_conv_start_ = now_seconds();
    auto run_item = [&](const Item& it, int64_t ocb0, int64_t ocb1) { run_blocks(conv_, x, out_.data(), it, ocb0, ocb1); };
    if (strategy_ == "nested") {  // both levels inside an arena of exactly `threads` threads
      const auto outer = [&](int64_t i) {
        const Item& it = items_[static_cast<std::size_t>(i)];
        const auto inner = [&](int64_t ocb) { run_item(it, ocb, ocb + 1); };
        tsan_fork();
        tbb::parallel_for(it.ocb0, it.ocb1, tsan_body(inner));
        tsan_join();
      };
      tsan_fork();
      nested_arena_.execute([&] { tbb::parallel_for(int64_t{0}, items(), tsan_body(outer)); });
      tsan_join();
      return;
    }
    auto body = [&](int64_t b, int64_t e) {
      // The trace's chunk index: oneTBB's static partitioner gives thread k the
      // items [k n / q, (k + 1) n / q), q = min(threads, n).
      const int64_t q = std::min<int64_t>(arena_.threads(), items());
      const int64_t k = trace_ ? std::min<int64_t>(q - 1, (b * q + items() - 1) / items()) : 0;
      if (trace_) trace_start_[static_cast<std::size_t>(k)] = now_seconds();
      for (int64_t i = b; i < e; ++i) {
        const double s = item_seconds ? now_seconds() : 0;
        run_item(items_[static_cast<std::size_t>(i)], items_[static_cast<std::size_t>(i)].ocb0,
                 items_[static_cast<std::size_t>(i)].ocb1);
        if (item_seconds) (*item_seconds)[static_cast<std::size_t>(i)] = now_seconds() - s;
      }
      if (trace_) trace_end_[static_cast<std::size_t>(k)] = now_seconds();
    };
    if (serial) body(0, items());
    else arena_.for_each(items(), 1, body);
  }

  // Where the time of this very loop goes, for a split of >= 2 items over >= 2
  // threads: `calls` loops back to back, as a sample runs them, each with a
  // timestamp at the start and the end of every thread's chunk (static
  // partitioner: one body call per thread). Per loop: how long the packing loop
  // took (pack), when the last worker's chunk started after the convolution's
  // loop did (arrival), when each chunk started and how long it ran, and how long
  // the loop took to return after the last chunk ended (tail); medians over
  // the loops, and the loops' mean. Not a model input: it shows the
  // model's parts against the run they predict.
  nlohmann::json trace_loop(int64_t calls) {
    const std::size_t q = static_cast<std::size_t>(std::min<int64_t>(arena_.threads(), items()));
    std::vector<double> pack, arrival, tail, loop;
    std::vector<std::vector<double>> chunk(q), start(q);
    trace_start_.assign(q, 0.0), trace_end_.assign(q, 0.0);
    trace_ = true;
    for (int64_t c = 0; c < calls; ++c) {
      const double t0 = now_seconds();
      run();
      const double t1 = now_seconds();
      double last_start = 0, last_end = 0;
      for (std::size_t k = 0; k < q; ++k) {
        if (k > 0) last_start = std::max(last_start, trace_start_[k] - trace_conv_start_);
        last_end = std::max(last_end, trace_end_[k]);
        chunk[k].push_back(trace_end_[k] - trace_start_[k]);
        start[k].push_back(trace_start_[k] - trace_conv_start_);
      }
      pack.push_back(trace_conv_start_ - t0), arrival.push_back(last_start);
      tail.push_back(t1 - last_end), loop.push_back(t1 - t0);
    }
    trace_ = false;
    auto med = [](const std::vector<double>& v) { return summarize(v).median; };
    nlohmann::json chunks = nlohmann::json::array(), starts = nlohmann::json::array();
    for (const auto& c : chunk) chunks.push_back(med(c));
    for (const auto& c : start) starts.push_back(med(c));
    const double loop_mean = std::accumulate(loop.begin(), loop.end(), 0.0) / static_cast<double>(calls);
    return {{"pack", med(pack)}, {"arrival", med(arrival)}, {"chunks", chunks}, {"starts", starts}, {"tail", med(tail)}, {"loop", med(loop)},
            {"loop_mean", loop_mean}};
  }

  // Items [b, e), whole, one after another: a thread's static chunk.
  void run_items(int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) run_item(conv_, d_.input.data(), out_.data(), items_[static_cast<std::size_t>(i)]);
  }

  Conv2dParams p_;
  const ConvData& d_;
  std::string strategy_;
  SimdConv conv_;
  conv2d::ConvSplit split_;
  ThreadArena arena_;
  tbb::task_arena nested_arena_;
  Tensor out_;
  std::vector<float> copy_;
  std::vector<Item> items_;
  bool trace_ = false;  // trace_loop(): timestamps per chunk
  std::vector<double> trace_start_, trace_end_;
  double trace_conv_start_ = 0;
};

int study(const std::vector<std::string>& shapes, const std::vector<std::string>& strategies,
          const std::vector<int>& threads, int reps, const std::string& json_path) {
  nlohmann::json out = {{"isa", to_string(default_isa())}, {"reps", reps}};
  for (int t : threads)
    for (double work : {1e-6, 2e-6, 5e-6, 10e-6, 20e-6, 50e-6, 100e-6, 200e-6, 500e-6}) {
      // Three fresh arenas, the median: whether the worker joins the loops at a
      // given size differs from one arena to the next.
      std::vector<double> o, a, tl, j;
      for (int k = 0; k < 3 && t > 1; ++k) {
        const ForkJoin f = fork_join_seconds(t, work);
        o.push_back(f.overhead), a.push_back(f.arrival), tl.push_back(f.tail);
        j.push_back(f.joined);
      }
      auto med = [&](const std::vector<double>& v) { return t > 1 ? summarize(v).median : 0.0; };
      out["fork_join_seconds"][std::to_string(t)].push_back(
          {{"work_seconds", work}, {"overhead_seconds", med(o)}, {"arenas", o}, {"arrival_seconds", med(a)},
           {"tail_seconds", med(tl)}, {"joined", t > 1 ? summarize(j).median : 1.0}});
    }
  const std::vector<double> gaps = {0, 10e-6, 20e-6, 50e-6, 100e-6, 200e-6, 300e-6, 500e-6, 1e-3, 2e-3};
  for (int t : threads)
    if (t > 1)
      for (const WakeUp& w : wake_up_seconds(t, gaps))
        out["wake_up_seconds"][std::to_string(t)].push_back(
            {{"gap_seconds", w.gap}, {"arrival_seconds", w.arrival}, {"joined", w.joined}});
  for (const auto& desc : shapes) {
    const Conv2dParams p = parse_conv2d(desc);
    const ConvData d = make_conv2d_data(p, DataMode::exact, 3);
    Tensor ref({p.output_elems()});
    reference_conv2d(p, d.input.span(), d.weights.span(), d.bias.span(), ref.span());
    fmt::print(stderr, "{}: {} strategies x {} thread counts\n", desc, strategies.size(), threads.size());
    nlohmann::json sj = {{"shape", format_descriptor(p)}, {"flops", p.flops()}, {"min_bytes", p.min_bytes()},
                         {"macs_per_output", p.icg() * p.kh * p.kw}};
    // Every (strategy, thread count) is built once; the first run checks it.
    std::vector<float> first;
    std::vector<std::unique_ptr<StrategyRun>> runs;
    std::vector<std::pair<std::string, int>> keys;
    for (int t : threads)
      for (const auto& s : strategies) {
        auto r = std::make_unique<StrategyRun>(p, d, s, t, default_isa());
        r->run();
        const auto& y = r->output_copy();
        if (!compare_exact(y, ref.span()).pass) throw Error("strategy", s, "does not match the reference on " + desc);
        if (first.empty()) first = y;
        else if (std::memcmp(first.data(), y.data(), y.size() * 4) != 0)
          throw Error("strategy", s, fmt::format("at {} threads is not bitwise identical to the first run", t));
        runs.push_back(std::move(r));
        keys.emplace_back(s, t);
      }
    // A padded layer's packed input, moved between the cores at every P.
    const int64_t row_bytes = p.ic * p.padded_iw() * 4, packed = p.mb * p.padded_ih() * row_bytes;
    sj["packed_row_bytes"] = row_bytes, sj["packed_input_bytes"] = packed;
    if (!runs.empty() && runs.front()->packs())  // step 04 packs this input (PaddedInput::copies)
      for (int t : threads) {
        const SharedInput si = shared_input_seconds(t, packed);
        sj["shared_input_seconds"][std::to_string(t)] = {{"write", si.write}, {"read", si.read}};
      }
    // All of them take turns in every repetition, so drift hits them alike.
    // Right before each sample, a ~5 ms kernel probe on the run's own threads
    // says how much of those cores the host gave at that moment (this VM shares
    // its host); its GFLOP/s is kept beside the sample.
    const int64_t calls = calls_per_sample([&] { runs[0]->run(); }, 0.02);
    KernelProbe probe(default_isa(), *std::max_element(threads.begin(), threads.end()));
    std::vector<std::vector<double>> samples(runs.size()), probes(runs.size());
    std::vector<nlohmann::json> probe_threads(runs.size(), nlohmann::json::array());
    // Per repetition, beside each sample: its split's items timed in a serial
    // run (the 1-thread cost of every item), right after a 1-thread probe of
    // the calling core (the model weighs each pass by it).
    std::vector<std::vector<std::vector<double>>> passes(runs.size());
    std::vector<std::vector<double>> pass_probes(runs.size()), packs(runs.size()), trace_probes(runs.size());
    std::vector<nlohmann::json> traces(runs.size(), nlohmann::json::array());
    for (int rep = 0; rep < reps; ++rep) {
      for (std::size_t i = 0; i < runs.size(); ++i) {
        probes[i].push_back(runs[i]->probe_cores(probe));
        probe_threads[i].push_back(probe.rates());
        // One untimed call first: the other runs since this one's last sample
        // pushed its tensors out of the caches, and the first call back pays
        // to fetch them (CIFAR conv1 `rows` at 2 threads: 1050-1220 us against
        // 270 us for the calls after it, +8 % on a 37-call sample). A sample is
        // the steady state, as the model predicts it.
        runs[i]->run();
        samples[i].push_back(time_per_call([&] { runs[i]->run(); }, calls));
        if (keys[i].first == "nested") continue;  // its items are the batch strategy's
        pass_probes[i].push_back(probe.run_slot(0));
        std::vector<double> tt(static_cast<std::size_t>(runs[i]->items()));
        double pack = 0;
        runs[i]->run(&tt, &pack, /*serial=*/true);
        passes[i].push_back(tt), packs[i].push_back(runs[i]->packs() ? pack : 0.0);
        if (keys[i].second > 1 && runs[i]->items() > 1) {
          trace_probes[i].push_back(runs[i]->probe_cores(probe));
          traces[i].push_back(runs[i]->trace_loop(std::max<int64_t>(4, calls / 4)));
        }
      }
    }
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const Summary sm = summarize(samples[i]);
      nlohmann::json row = {{"strategy", keys[i].first}, {"threads", keys[i].second}, {"items", runs[i]->items()},
                            {"seconds", {{"median", sm.median}, {"min", sm.min}, {"max", sm.max}}},
                            {"samples", samples[i]}, {"probe_gflops", probes[i]},
                            {"probe_thread_gflops", probe_threads[i]}};
      if (keys[i].first != "nested") {
        row["item_passes"] = passes[i], row["item_pass_probe_gflops"] = pass_probes[i];
        row["pack_passes"] = packs[i];
        row["item_input_rows"] = runs[i]->item_input_rows();
      }
      if (!traces[i].empty()) row["in_loop"] = traces[i], row["in_loop_probe_gflops"] = trace_probes[i];
      sj["runs"].push_back(row);
    }
    out["shapes"].push_back(sj);
  }
  const std::string text = out.dump(1);
  if (json_path.empty()) fmt::print("{}\n", text);
  else std::ofstream(json_path) << text << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"convlab-parallel: parallel strategies for the multi-channel convolution (Q2).\n"
               "Strategies: oc, rows, batch, block (step 05's split), nested; all run step 04's loops.",
               "convlab-parallel"};
  std::vector<std::string> shapes = {"mb32ic32ih15oc64kh3"}, strategies = kStrategies;
  std::vector<int> threads = {1, 2};
  int reps = 7;
  std::string json_path;
  app.add_option("--shape", shapes, "conv2d descriptors (comma-separated)")->delimiter(',');
  app.add_option("--strategy", strategies, "oc, rows, batch, block, nested (default: all)")->delimiter(',')
      ->check(CLI::IsMember(kStrategies));
  app.add_option("--threads", threads, "Thread counts (default 1,2)")->delimiter(',')->check(CLI::PositiveNumber);
  app.add_option("--reps", reps, "Repetitions, strategies interleaved in each")->check(CLI::PositiveNumber);
  app.add_option("--json", json_path, "Write the results here (default: stdout)");
  try {
    app.parse(argc, argv);
    return study(shapes, strategies, threads, reps, json_path);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const Error& e) {
    fmt::print(stderr, "convlab-parallel: error: {}\n", e.what());
    return 2;
  }
}
