// The machine-level probes convlab-parallel makes besides timing the
// strategies themselves, each measured apart from the loops they predict
// (scripts/study-q2-parallel's model):
//   KernelProbe        the kernel's rate per thread with P threads busy
//   fork_join_seconds  a parallel loop's arrival and tail (busy-wait items)
//   wake_up_seconds    the same arrival after the workers sat idle for a gap
//   shared_input_seconds  writing and reading a buffer that other cores hold
#pragma once

#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "conv2d/04_simd.hpp"
#include "convlab/data.hpp"
#include "convlab/descriptor.hpp"
#include "convlab/error.hpp"
#include "convlab/parallel.hpp"
#include "convlab/timing.hpp"

namespace convlab::parallel_study {

using conv2d::SimdConv;

// One work item: images [n0, n1) of group g, output rows [oh0, oh1), oc blocks [ocb0, ocb1).
struct Item {
  int64_t n0, n1, g, oh0, oh1, ocb0, ocb1;
};

// Item `it` for oc blocks [b0, b1): step 04's loops on it. x is the caller's
// input; when `conv` copies it, workspace slot n holds image n.
inline void run_blocks(const SimdConv& conv, const float* x, float* y, const Item& it, int64_t b0, int64_t b1) {
  for (int64_t n = it.n0; n < it.n1; ++n) conv.rows(conv.input().image(x, n, n), y, n, it.g, it.oh0, it.oh1, b0, b1);
}
inline void run_item(const SimdConv& conv, const float* x, float* y, const Item& it) {
  run_blocks(conv, x, y, it, it.ocb0, it.ocb1);
}
// Every image of x into workspace slot n, as step 05 packs it (one thread).
inline void pack_all(SimdConv& conv, const Conv2dParams& p, const float* x) {
  for (int64_t n = 0; n < p.mb; ++n) conv.input().pack_rows(x, n, n, 0, p.ih);
}

// The problem the kernel probe runs: one image of CIFAR's second layer.
constexpr const char* kProbeShape = "mb1ic32ih15oc64kh3";

// How much of each core the host gives right now, measured with the work the
// study times: step 04's kernel on a small private problem per thread (one
// image of CIFAR's second layer: input, weights and output ~145 KB, resident
// in each core's L2). An FMA loop alone is not enough here: in this VM the
// host at times slowed one vCPU's convolution by ~45 % while an FMA loop on
// the same threads lost only ~5 % (cache/port pressure, not lost time slices),
// and a static split then waits for that core.
class KernelProbe {
 public:
  KernelProbe(Isa isa, int max_threads)
      : p_(parse_conv2d(kProbeShape)), d_(make_conv2d_data(p_, DataMode::bounded, 5)),
        conv_(p_, d_.weights.data(), d_.bias.data(), isa, 1) {
    for (int t = 0; t < max_threads; ++t) outs_.emplace_back(Shape{p_.output_elems()});
    for (calls_ = 1;; calls_ *= 2) {  // ~5 ms per probe and thread
      const double t0 = now_seconds();
      run_slot(0);
      if (now_seconds() - t0 > 0.005) break;
    }
  }
  // GFLOP/s of thread slot `t` running the kernel `calls_` times on its own output.
  double run_slot(int t) {
    const Item whole{0, 1, 0, 0, p_.oh(), 0, conv_.oc_blocks()};
    float* y = outs_[static_cast<std::size_t>(t)].data();
    const double t0 = now_seconds();
    for (int64_t c = 0; c < calls_; ++c) run_item(conv_, d_.input.data(), y, whole);
    return static_cast<double>(p_.flops() * calls_) / (now_seconds() - t0) * 1e-9;
  }
  // Every thread of `arena` on its own slot, reported as threads x the slowest
  // thread's GFLOP/s: a static split runs at the pace of its slowest core.
  // Each thread's own rate stays in rates() (a work-stealing split runs at
  // their sum).
  double on(const ThreadArena& arena) {
    const int threads = arena.threads();
    rates_.assign(static_cast<std::size_t>(threads), 0.0);
    arena.for_each(threads, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) rates_[static_cast<std::size_t>(i)] = run_slot(static_cast<int>(i));
    });
    return slowest_times_threads();
  }
  // The same from rates the caller measured on its own threads.
  double record(std::vector<double> rates) {
    rates_ = std::move(rates);
    return slowest_times_threads();
  }
  const std::vector<double>& rates() const { return rates_; }

 private:
  Conv2dParams p_;
  ConvData d_;
  SimdConv conv_;
  double slowest_times_threads() const {
    return static_cast<double>(rates_.size()) * *std::min_element(rates_.begin(), rates_.end());
  }

  std::vector<Tensor> outs_;
  std::vector<double> rates_;
  int64_t calls_ = 1;
};

// Fork/join cost of a parallel loop on `threads` threads: each thread gets one
// item of `work` seconds of busy work (median of 200 loops in a fresh arena,
// warmed like the study's).
// Every loop also records where its time went: when the last worker started
// its chunk (arrival, from the loop's start) and how long the loop took to
// return after the last chunk ended (tail). When a worker arrives after the
// caller has run every chunk itself, it did not take part (oneTBB's static
// partitioner lets the caller take a chunk no worker has claimed): such a
// loop is serial, and `joined` is the share of loops in which every thread
// ran a chunk.
struct ForkJoin {
  double overhead = 0, arrival = 0, tail = 0, joined = 1;
};
inline void spin(double seconds) {
  const double end = now_seconds() + seconds;
  while (now_seconds() < end) {
  }
}

// One chunk of a probe's loop: when it ran and on which thread.
struct Chunk {
  double start = 0, end = 0;
  std::thread::id thread;
};
inline void run_chunk(Chunk& c, double work) {
  c.start = now_seconds(), c.thread = std::this_thread::get_id();
  spin(work);
  c.end = now_seconds();
}
// When the last worker started its chunk, counted from t0 (the caller's own
// chunks aside), and whether each of `threads` threads ran one.
inline double last_worker_start(const std::vector<Chunk>& chunks, std::thread::id caller, double t0) {
  double last = 0;
  for (const Chunk& c : chunks)
    if (c.thread != caller) last = std::max(last, c.start - t0);
  return last;
}
inline bool every_thread_ran(const std::vector<Chunk>& chunks, int threads) {
  std::vector<std::thread::id> seen;
  for (const Chunk& c : chunks)
    if (std::find(seen.begin(), seen.end(), c.thread) == seen.end()) seen.push_back(c.thread);
  return static_cast<int>(seen.size()) == threads;
}

inline ForkJoin fork_join_seconds(int threads, double work) {
  ThreadArena arena(threads);
  std::vector<Chunk> chunks(static_cast<std::size_t>(threads));
  std::vector<double> over, arrival, tail;
  const std::thread::id caller = std::this_thread::get_id();
  // The study times every sample right after a 5 ms kernel probe on the same
  // arena, which brings the workers in; so does this, before its loops. (Cold,
  // a fresh arena's worker missed every loop under ~10 us in some sessions and
  // none in others.)
  arena.for_each(threads, 1, [&](int64_t, int64_t) { spin(0.005); });
  for (int r = 0; r < 201; ++r) {
    const double t0 = now_seconds();
    arena.for_each(threads, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) run_chunk(chunks[static_cast<std::size_t>(i)], work);
    });
    const double t1 = now_seconds();
    if (r == 0) continue;
    over.push_back(t1 - t0 - work);
    if (every_thread_ran(chunks, threads)) {
      double last_end = 0;
      for (const Chunk& c : chunks) last_end = std::max(last_end, c.end - t0);
      arrival.push_back(last_worker_start(chunks, caller, t0));
      tail.push_back(t1 - t0 - last_end);
    }
  }
  ForkJoin f;
  f.overhead = summarize(over).median;
  f.joined = static_cast<double>(arrival.size()) / static_cast<double>(over.size());
  if (!arrival.empty()) f.arrival = summarize(arrival).median, f.tail = summarize(tail).median;
  return f;
}

// Arrival after an idle gap. A thread that finishes its chunk early waits for
// the next loop; past a while oneTBB puts it to sleep, and waking it costs
// more than the back-to-back loops of fork_join_seconds show. Each pair of
// loops here: first one chunk spins `work + gap` and the others `work` (so
// every thread but one sits idle for `gap`, as behind a layer's busiest
// chunk), then all spin `work`, and the second loop's arrival (its last
// worker's start, the caller's own chunk aside) is the sample. The chunks are
// long (0.5 ms) so that the caller cannot run a late worker's chunk itself
// first; `joined` is the share of pairs in which every thread ran its own.
// Median of 41 pairs per gap, in a fresh arena warmed like the study's.
struct WakeUp {
  double gap = 0, arrival = 0, joined = 1;
};
inline std::vector<WakeUp> wake_up_seconds(int threads, const std::vector<double>& gaps) {
  constexpr double work = 500e-6;
  ThreadArena arena(threads);
  std::vector<Chunk> chunks(static_cast<std::size_t>(threads));
  const std::thread::id caller = std::this_thread::get_id();
  arena.for_each(threads, 1, [&](int64_t, int64_t) { spin(0.005); });
  std::vector<WakeUp> out;
  for (double gap : gaps) {
    std::vector<double> arrival;
    constexpr int pairs = 41;
    for (int r = 0; r < pairs; ++r) {
      arena.for_each(threads, 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) spin(i == 0 ? work + gap : work);
      });
      const double t0 = now_seconds();
      arena.for_each(threads, 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) run_chunk(chunks[static_cast<std::size_t>(i)], work);
      });
      if (every_thread_ran(chunks, threads)) arrival.push_back(last_worker_start(chunks, caller, t0));
    }
    WakeUp w{gap, 0, static_cast<double>(arrival.size()) / pairs};
    if (!arrival.empty()) w.arrival = summarize(arrival).median;
    out.push_back(w);
  }
  return out;
}

// A padded layer's input moves between cores on every call: the packing loop
// rewrites rows that the threads read in the last call, and each thread then
// reads rows that others packed. This times that traffic on a buffer of the
// packed input's size, apart from the layer: per repetition, every thread
// writes its band (the write phase: the lines sit in every reader's cache),
// then every thread reads the whole buffer (the read phase: 1/P of it is its
// own). Each phase is its slowest thread's own time (arrival excluded); the
// medians of 15 repetitions after 2 unrecorded ones.
struct SharedInput {
  double write = 0, read = 0;
};
inline SharedInput shared_input_seconds(int threads, int64_t bytes) {
  ThreadArena arena(threads);
  std::vector<uint32_t> buffer(static_cast<std::size_t>(std::max<int64_t>(bytes / 4, threads)));
  const auto n = static_cast<int64_t>(buffer.size());
  std::vector<double> took(static_cast<std::size_t>(threads));
  std::vector<uint32_t> sums(static_cast<std::size_t>(threads));
  auto phase = [&](auto&& work) {
    arena.for_each(threads, 1, [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) {
        const double t0 = now_seconds();
        work(t);
        took[static_cast<std::size_t>(t)] = now_seconds() - t0;
      }
    });
    return *std::max_element(took.begin(), took.end());
  };
  std::vector<double> write, read;
  for (int r = 0; r < 17; ++r) {
    const double w = phase([&](int64_t t) {
      std::fill(buffer.begin() + t * n / threads, buffer.begin() + (t + 1) * n / threads, static_cast<uint32_t>(r));
    });
    const double rd = phase([&](int64_t t) {
      uint32_t sum = 0;
      for (uint32_t v : buffer) sum += v;
      sums[static_cast<std::size_t>(t)] = sum;
    });
    if (r >= 2) write.push_back(w), read.push_back(rd);
  }
  if (std::find(sums.begin(), sums.end(), 1u) != sums.end()) fmt::print(stderr, " ");  // keeps the reads
  return {summarize(write).median, summarize(read).median};
}

}  // namespace convlab::parallel_study
