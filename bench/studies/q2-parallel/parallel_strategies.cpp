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
// probe of its cores), and beside it the model's inputs: every work item's
// time in a serial run, each thread's static chunk timed alone, the bytes each
// item moves, the output and packed-input lines a split makes change cores,
// and the layer's own core probe; and, to compare with the model's parts,
// where the time of the sampled loop goes (each chunk's start and end inside
// it) and the chunks run together without the loop; once per run, the
// fork/join cost and the shared-output probes (parallel_probes.hpp).
// scripts/study-q2-parallel builds its decomposition model from them.
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
    return threads * *std::min_element(rate.begin(), rate.end());
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
      const int64_t k = trace_ ? static_share_of(b, items(), arena_.threads()) : 0;
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
  // loop did (arrival), how long each chunk ran inside the loop, and how long
  // the loop took to return after the last chunk ended (tail); medians over
  // the loops, and the loops' mean. Not a model input: it shows the
  // model's parts against the run they predict.
  nlohmann::json trace_loop(int64_t calls) {
    const std::size_t q = static_cast<std::size_t>(std::min<int64_t>(arena_.threads(), items()));
    std::vector<double> pack, arrival, tail, loop;
    std::vector<std::vector<double>> chunk(q);
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
      }
      pack.push_back(trace_conv_start_ - t0), arrival.push_back(last_start);
      tail.push_back(t1 - last_end), loop.push_back(t1 - t0);
    }
    trace_ = false;
    auto med = [](const std::vector<double>& v) { return summarize(v).median; };
    nlohmann::json chunks = nlohmann::json::array();
    for (const auto& c : chunk) chunks.push_back(med(c));
    const double loop_mean = std::accumulate(loop.begin(), loop.end(), 0.0) / static_cast<double>(calls);
    return {{"pack", med(pack)}, {"arrival", med(arrival)}, {"chunks", chunks}, {"tail", med(tail)}, {"loop", med(loop)},
            {"loop_mean", loop_mean}};
  }

  // Each of the static partitioner's chunks of this run's items ([k n/P,
  // (k+1) n/P) for P = the run's threads), timed alone on the calling thread,
  // call after call as a worker runs its share: the 1-thread cost of the work
  // each thread gets, with that share's own cache footprint (half of a
  // cache-unfriendly split, like one row of every image per item, runs faster
  // than half of the whole). One sample per chunk; run() must have packed.
  std::vector<double> chunk_seconds() {
    const int64_t n = items(), p = arena_.threads();
    std::vector<double> out;
    for (int64_t k = 0; k < p; ++k) {
      const int64_t b = k * n / p, e = (k + 1) * n / p;
      auto chunk = [&] { run_items(b, e); };
      out.push_back(b == e ? 0.0 : time_per_call(chunk, calls_per_sample(chunk, 0.002)));
    }
    return out;
  }

  // The same static chunks run at the same moment, each thread its own, on
  // the run's real tensors: what a chunk costs while the other cores run
  // theirs (caches, memory path, the output lines they share), with no fork,
  // join or packing loop in it. Each thread times its own calls over a common
  // window after a barrier, so every core stays busy for all of it; per
  // thread, the mean time per call. Not a model input: as the model's second
  // busy core (its ratio to chunk_seconds()) it did worse than the layer's
  // own core probe (31-33 of 35 points within 10 % in five sessions, against
  // 32-35): on the seed layers it runs 3.4-3.6 us against ~2.8 us inside the
  // loop, the two threads' stores colliding on every call, and on the large
  // ones it scatters by +-3 %. It is shown beside the in-loop trace. Empty
  // when a worker did not arrive within 1 ms three times over. (Copies of the
  // tensors are no proxy: a CIFAR conv1 `rows` chunk sits at the L2's
  // capacity edge, and on a copy it took 430-700 us against 245 us.)
  std::vector<double> chunks_together(double window) {
    const int64_t n = items(), p = std::min<int64_t>(arena_.threads(), n);
    for (int attempt = 0; attempt < 3; ++attempt) {
      std::vector<double> per_call(static_cast<std::size_t>(p), 0.0);
      std::vector<std::thread::id> who(static_cast<std::size_t>(p));
      std::atomic<int64_t> arrived{0};
      std::atomic<bool> missed{false};
      arena_.for_each(p, 1, [&](int64_t b, int64_t e) {
        for (int64_t k = b; k < e; ++k) {
          who[static_cast<std::size_t>(k)] = std::this_thread::get_id();
          arrived.fetch_add(1, std::memory_order_acq_rel);
          const double give_up = now_seconds() + 0.001;
          while (arrived.load(std::memory_order_acquire) < p && !missed.load(std::memory_order_relaxed))
            if (now_seconds() > give_up) missed = true;
          const int64_t i0 = k * n / p, i1 = (k + 1) * n / p;
          int64_t calls = 0;
          const double t0 = now_seconds();
          double t = t0;
          for (; calls == 0 || t - t0 < window; ++calls, t = now_seconds()) run_items(i0, i1);
          per_call[static_cast<std::size_t>(k)] = (t - t0) / static_cast<double>(calls);
        }
      });
      std::sort(who.begin(), who.end());
      if (!missed && std::unique(who.begin(), who.end()) == who.end()) return per_call;
    }
    return {};
  }

  // Bytes an item reads (its input rows of its images, its channel blocks'
  // weights) and writes (its outputs), each once: its demand on L2/L3/DRAM.
  double item_bytes(const Item& it) const {
    const int64_t rows_in = std::min(p_.padded_ih(), (it.oh1 - it.oh0 - 1) * p_.sh + p_.ekh());
    const int64_t per_block = (p_.ocg() + conv_.oc_blocks() - 1) / conv_.oc_blocks();
    const int64_t channels = std::min(p_.ocg(), (it.ocb1 - it.ocb0) * per_block);
    const double input = double(it.n1 - it.n0) * p_.icg() * rows_in * p_.padded_iw();
    const double weights = double(channels) * p_.icg() * p_.kh * p_.kw;
    const double output = double(it.n1 - it.n0) * channels * (it.oh1 - it.oh0) * p_.ow();
    return 4 * (input + weights + output);
  }
  double total_item_bytes() const {
    double s = 0;
    for (const auto& it : items_) s += item_bytes(it);
    return s;
  }

  // The output lines a thread shares with another when this split's items are
  // cut statically over `threads` threads (the most of any thread).
  int64_t shared_lines(int64_t threads) const {
    const auto shares = static_shares(static_items(), threads);
    return shares.size() < 2 ? 0 : shared_output_lines(p_, conv_.oc_blocks(), shares);
  }
  // The packed-input lines a thread reads that another thread's share of the
  // packing loop wrote (the most of any thread), both loops cut statically over
  // `threads` threads. Even a split of one item has them: its packing loop
  // still runs on every thread.
  int64_t remote_input_lines(int64_t threads) const {
    if (!conv_.input().copies() || threads < 2) return 0;
    const int64_t bands = conv2d::ConvSplit(p_, conv_.oc_blocks(), static_cast<int>(threads)).pack_bands;
    const int64_t jobs = p_.mb * bands;
    auto packer = [&](int64_t n, int64_t row) {  // which thread packs input row `row` of image n
      int64_t band = 0;
      while ((band + 1) * p_.ih / bands <= row) ++band;
      return static_share_of(n * bands + band, jobs, threads);
    };
    const double lines_per_row =
        static_cast<double>(conv_.input().bytes()) / static_cast<double>(p_.mb * p_.ic * (p_.padded_ih())) / 64;
    const auto shares = static_shares(static_items(), threads);
    int64_t most = 0;
    for (std::size_t k = 0; k < shares.size(); ++k) {
      std::vector<int64_t> rows;  // (image, input row) pairs thread k reads and another thread packed
      for (const Item& it : shares[k])
        for (int64_t n = it.n0; n < it.n1; ++n)
          for (int64_t r = std::max<int64_t>(0, it.oh0 * p_.sh - p_.pt);
               r < std::min(p_.ih, (it.oh1 - 1) * p_.sh + p_.ekh() - p_.pt); ++r)
            if (packer(n, r) != static_cast<int64_t>(k)) rows.push_back(n * p_.ih + r);
      std::sort(rows.begin(), rows.end());
      rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
      most = std::max(most, static_cast<int64_t>(static_cast<double>(rows.size()) * p_.icg() * lines_per_row));
    }
    return most;
  }

 private:
  // The items as a static split would cut them (nested's inner loop cuts each
  // image into channel blocks, work-stolen; counted as if static too).
  std::vector<Item> static_items() const {
    if (strategy_ != "nested") return items_;
    std::vector<Item> items;
    for (const Item& it : items_)
      for (int64_t b = it.ocb0; b < it.ocb1; ++b) items.push_back({it.n0, it.n1, it.g, it.oh0, it.oh1, b, b + 1});
    return items;
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
  // Interleaved with everything else in the repetitions below.
  const bool two = std::find_if(threads.begin(), threads.end(), [](int t) { return t >= 2; }) != threads.end();
  std::vector<std::unique_ptr<SharedOutputProbe>> sharing;
  if (two)
    for (const auto& shape : kSharedOutputProbes)
      sharing.push_back(std::make_unique<SharedOutputProbe>(default_isa(), shape));
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
    // All of them take turns in every repetition, so drift hits them alike.
    // Right before each sample, a ~5 ms kernel probe on the run's own threads
    // says how much of those cores the host gave at that moment (this VM shares
    // its host); its GFLOP/s is kept beside the sample.
    const int64_t calls = calls_per_sample([&] { runs[0]->run(); }, 0.02);
    KernelProbe probe(default_isa(), *std::max_element(threads.begin(), threads.end()));
    std::unique_ptr<LayerCoreProbe> layer_cores;
    if (two) layer_cores = std::make_unique<LayerCoreProbe>(p, d, default_isa());
    // Each sample is bracketed by two probes: the host's slow phases come and go
    // within a sample's ~20 ms, and one probe before it missed some of them.
    std::vector<std::vector<double>> samples(runs.size()), probes(runs.size()), probes_after(runs.size());
    // Per repetition, beside each sample: its split's items timed in a serial
    // run (the 1-thread cost of every item) and, for a multi-thread split,
    // each thread's static chunk timed alone; each right after a 1-thread probe
    // of the calling core, so the model can keep only the quiet passes too.
    std::vector<std::vector<std::vector<double>>> passes(runs.size()), chunks(runs.size());
    std::vector<std::vector<double>> pass_probes(runs.size()), packs(runs.size()), chunk_probes(runs.size());
    std::vector<std::vector<double>> trace_probes(runs.size()), together_probes(runs.size());
    std::vector<nlohmann::json> together(runs.size(), nlohmann::json::array());
    std::vector<nlohmann::json> traces(runs.size(), nlohmann::json::array());
    for (int rep = 0; rep < reps; ++rep) {
      for (std::size_t i = 0; i < runs.size(); ++i) {
        probes[i].push_back(runs[i]->probe_cores(probe));
        // One untimed call first: the other runs since this one's last sample
        // pushed its tensors out of the caches, and the first call back pays
        // to fetch them (CIFAR conv1 `rows` at 2 threads: 1050-1220 us against
        // 270 us for the calls after it, +8 % on a 37-call sample). A sample is
        // the steady state, as the model predicts it.
        runs[i]->run();
        samples[i].push_back(time_per_call([&] { runs[i]->run(); }, calls));
        probes_after[i].push_back(runs[i]->probe_cores(probe));
        if (keys[i].first == "nested") continue;  // its items are the batch strategy's
        pass_probes[i].push_back(probe.run_slot(0));
        std::vector<double> tt(static_cast<std::size_t>(runs[i]->items()));
        double pack = 0;
        runs[i]->run(&tt, &pack, /*serial=*/true);
        passes[i].push_back(tt), packs[i].push_back(runs[i]->packs() ? pack : 0.0);
        if (keys[i].second > 1) {
          chunk_probes[i].push_back(probe.run_slot(0)), chunks[i].push_back(runs[i]->chunk_seconds());
          if (runs[i]->items() > 1) {
            together_probes[i].push_back(runs[i]->probe_cores(probe));
            together[i].push_back(runs[i]->chunks_together(0.004));
            trace_probes[i].push_back(runs[i]->probe_cores(probe));
            traces[i].push_back(runs[i]->trace_loop(std::max<int64_t>(4, calls / 4)));
          }
        }
      }
      for (auto& probe_lines : sharing) probe_lines->sample();
      if (layer_cores) layer_cores->sample(probe);
    }
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const Summary sm = summarize(samples[i]);
      nlohmann::json row = {{"strategy", keys[i].first}, {"threads", keys[i].second}, {"items", runs[i]->items()},
                            {"seconds", {{"median", sm.median}, {"min", sm.min}, {"max", sm.max}}},
                            {"samples", samples[i]}, {"probe_gflops", probes[i]},
                            {"probe_gflops_after", probes_after[i]},
                            {"item_bytes_total", runs[i]->total_item_bytes()}};
      if (keys[i].first != "nested") {
        row["item_passes"] = passes[i], row["item_pass_probe_gflops"] = pass_probes[i];
        row["pack_passes"] = packs[i];
      }
      if (!chunks[i].empty()) row["chunk_passes"] = chunks[i], row["chunk_probe_gflops"] = chunk_probes[i];
      if (!together_probes[i].empty())
        row["together_passes"] = together[i], row["together_probe_gflops"] = together_probes[i];
      if (!traces[i].empty()) row["in_loop"] = traces[i], row["in_loop_probe_gflops"] = trace_probes[i];
      for (int64_t t : {2, 4, 8, 16, 64}) {
        row["shared_output_lines"][std::to_string(t)] = runs[i]->shared_lines(t);
        row["remote_input_lines"][std::to_string(t)] = runs[i]->remote_input_lines(t);
      }
      sj["runs"].push_back(row);
    }
    if (layer_cores) sj["layer_core_probe"] = layer_cores->summary();
    out["shapes"].push_back(sj);
  }
  for (const auto& probe_lines : sharing) out["shared_output_probes"].push_back(probe_lines->summary());
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
