// The measurements convlab-parallel makes besides timing the strategies
// themselves: the pieces scripts/study-q2-parallel's decomposition model is
// built from, each measured apart from the 2-thread runs it predicts.
//   KernelProbe        how much of each core the host gives right now
//   fork_join_seconds  a parallel loop's arrival and tail (busy-wait items)
//   SharedOutputProbe  what a loop pays for output lines two threads both write
//   LayerCoreProbe     a layer's kernel with the other core busy, and reading
//                      a packed input the other core wrote
// plus the geometry the model needs: which output lines a split's threads share.
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

// The output cache lines (64 B, NCHW, the tensor 64-B aligned) that thread k
// writes and another thread writes too, when thread k runs the items of
// shares[k]; the most of any thread. Such a line changes owner on every call.
// Only the first and the last line of each contiguous run of outputs can be
// cut by another thread's run, so those are all this looks at.
inline int64_t shared_output_lines(const Conv2dParams& p, int64_t oc_blocks,
                                   const std::vector<std::vector<Item>>& shares) {
  const int64_t per_block = (p.ocg() + oc_blocks - 1) / oc_blocks, OH = p.oh(), OW = p.ow();
  std::unordered_map<int64_t, int64_t> owner;  // line -> thread, or -1 when several write it
  std::vector<std::vector<int64_t>> edges(shares.size());
  for (std::size_t k = 0; k < shares.size(); ++k)
    for (const Item& it : shares[k])
      for (int64_t n = it.n0; n < it.n1; ++n)
        for (int64_t c = it.ocb0 * per_block; c < std::min(p.ocg(), it.ocb1 * per_block); ++c) {
          const int64_t plane = n * p.oc + it.g * p.ocg() + c;
          const int64_t first = (plane * OH + it.oh0) * OW * 4, last = (plane * OH + it.oh1) * OW * 4 - 1;
          for (const int64_t line : {first / 64, last / 64}) {
            edges[k].push_back(line);
            const auto [at, fresh] = owner.try_emplace(line, static_cast<int64_t>(k));
            if (!fresh && at->second != static_cast<int64_t>(k)) at->second = -1;
          }
        }
  int64_t most = 0;
  for (auto& e : edges) {
    std::sort(e.begin(), e.end());
    e.erase(std::unique(e.begin(), e.end()), e.end());
    most = std::max<int64_t>(most, std::count_if(e.begin(), e.end(), [&](int64_t l) { return owner[l] == -1; }));
  }
  return most;
}

// oneTBB's static partitioner's cut of n items over P threads (P <= n): thread
// k runs [k n / P, (k + 1) n / P).
inline std::vector<std::vector<Item>> static_shares(const std::vector<Item>& items, int64_t threads) {
  const int64_t n = static_cast<int64_t>(items.size()), q = std::min(threads, n);
  std::vector<std::vector<Item>> shares(static_cast<std::size_t>(q));
  for (int64_t k = 0; k < q; ++k)
    shares[static_cast<std::size_t>(k)].assign(items.begin() + k * n / q, items.begin() + (k + 1) * n / q);
  return shares;
}
// Which thread of that cut runs item i: the k with k n / q <= i < (k + 1) n / q,
// q = min(threads, n).
inline int64_t static_share_of(int64_t i, int64_t n, int64_t threads) {
  const int64_t q = std::min(threads, n);
  int64_t k = 0;
  while ((k + 1) * n / q <= i) ++k;
  return k;
}

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
  double on(const ThreadArena& arena) {
    const int threads = arena.threads();
    std::vector<double> rate(static_cast<std::size_t>(threads));
    arena.for_each(threads, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) rate[static_cast<std::size_t>(i)] = run_slot(static_cast<int>(i));
    });
    return threads * *std::min_element(rate.begin(), rate.end());
  }

 private:
  Conv2dParams p_;
  ConvData d_;
  SimdConv conv_;
  std::vector<Tensor> outs_;
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
inline ForkJoin fork_join_seconds(int threads, double work) {
  ThreadArena arena(threads);
  auto spin = [](double seconds) {
    const double end = now_seconds() + seconds;
    while (now_seconds() < end) {
    }
  };
  struct Chunk {
    double start = 0, end = 0;
    std::thread::id thread;
  };
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
      for (int64_t i = b; i < e; ++i) {
        Chunk& c = chunks[static_cast<std::size_t>(i)];
        c.start = now_seconds(), c.thread = std::this_thread::get_id();
        spin(work);
        c.end = now_seconds();
      }
    });
    const double t1 = now_seconds();
    if (r == 0) continue;
    over.push_back(t1 - t0 - work);
    double last_start = 0, last_end = 0;
    std::vector<std::thread::id> seen;
    for (const Chunk& c : chunks) {
      if (c.thread != caller) last_start = std::max(last_start, c.start - t0);
      last_end = std::max(last_end, c.end - t0);
      if (std::find(seen.begin(), seen.end(), c.thread) == seen.end()) seen.push_back(c.thread);
    }
    if (static_cast<int>(seen.size()) == threads) {
      arrival.push_back(last_start);
      tail.push_back(t1 - t0 - last_end);
    }
  }
  ForkJoin f;
  f.overhead = summarize(over).median;
  f.joined = static_cast<double>(arrival.size()) / static_cast<double>(over.size());
  if (!arrival.empty()) f.arrival = summarize(arrival).median, f.tail = summarize(tail).median;
  return f;
}

// What two threads pay for the output cache lines they both write: a
// problem's output rows cut in two halves (every image, every channel), both
// halves on two threads writing one tensor (shared) or two (private); each
// half alone on one thread for reference. At the cut and at the ends of the
// channel planes the two cores write neighbouring bytes of one line, which
// then changes owner on every loop. Per loop it records the loop, the longer
// thread's chunk and the tail (from the last chunk's end to the loop's
// return): a line in flight slows the chunk that writes it, and the join waits
// for the stores still draining. How much the kernel hides depends on how
// often it stores, so the study runs this on 8 images of two problems: few
// multiply-adds per output (CIFAR's first layer, 27) and many (its second,
// 288), which give a cost per line; and on one image of the first, where a few
// dozen lines are shared and the loop pays a floor of ~1-2 us whatever their
// number (seen here: 28 lines cost seed conv1 as much as 56 cost this one).
class SharedOutputProbe {
 public:
  SharedOutputProbe(Isa isa, const std::string& shape)
      : shape_(shape), p_(parse_conv2d(shape)), d_(make_conv2d_data(p_, DataMode::bounded, 5)),
        conv_(p_, d_.weights.data(), d_.bias.data(), isa, p_.mb), arena_(2),
        shared_({p_.output_elems()}), private0_({p_.output_elems()}), private1_({p_.output_elems()}) {
    if (conv_.input().copies()) throw Error("shape", shape, "the shared-output probe needs an unpadded problem");
    for (int64_t i = 0; i < 2; ++i)
      halves_.push_back({Item{0, p_.mb, 0, i * p_.oh() / 2, (i + 1) * p_.oh() / 2, 0, conv_.oc_blocks()}});
    lines_ = shared_output_lines(p_, conv_.oc_blocks(), halves_);
    const double t0 = now_seconds();
    for (int i = 0; i < 20; ++i) half(i % 2, shared_.data());
    calls_ = std::max<int64_t>(4, static_cast<int64_t>(0.002 / ((now_seconds() - t0) / 20 * 2)));
  }
  // One repetition: each half alone, then `calls_` loops of each kind, interleaved.
  void sample() {
    double longest = 0;
    for (int i = 0; i < 2; ++i)
      longest = std::max(longest, time_per_call([&] { half(i, shared_.data()); }, calls_));
    alone_.push_back(longest);
    for (const bool shared : {true, false}) {
      double chunk = 0, tail = 0, loop = 0;
      for (int64_t c = 0; c < calls_; ++c) {
        double start[2] = {0, 0}, end[2] = {0, 0};
        const double t0 = now_seconds();
        arena_.for_each(2, 1, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i) {
            start[i] = now_seconds();
            half(static_cast<int>(i), shared ? shared_.data() : (i == 0 ? private0_ : private1_).data());
            end[i] = now_seconds();
          }
        });
        const double t1 = now_seconds();
        chunk += std::max(end[0] - start[0], end[1] - start[1]);
        tail += t1 - std::max(end[0], end[1]), loop += t1 - t0;
      }
      auto& to = shared ? shared_times_ : private_times_;
      to.chunk.push_back(chunk / calls_), to.tail.push_back(tail / calls_), to.loop.push_back(loop / calls_);
    }
  }
  nlohmann::json summary() const {
    auto med = [](const std::vector<double>& v) { return summarize(v).median; };
    auto times = [&](const Times& t) {
      return nlohmann::json{{"loop", med(t.loop)}, {"chunk", med(t.chunk)}, {"tail", med(t.tail)}};
    };
    return {{"problem", shape_}, {"images", p_.mb}, {"macs_per_output", p_.icg() * p_.kh * p_.kw}, {"lines", lines_},
            {"alone_chunk", med(alone_)}, {"shared", times(shared_times_)}, {"private", times(private_times_)},
            {"samples", alone_.size()}};
  }

 private:
  // Row by row, as the rows strategy runs its items: the shared lines are then
  // written in bursts, at the start and at the end of each half, not while the
  // other thread writes the same line (the cut's neighbour rows of one plane
  // would otherwise be written at the same moment, which costs ~2x per line).
  void half(int i, float* y) const {
    const Item& h = halves_[static_cast<std::size_t>(i)][0];
    for (int64_t oh = h.oh0; oh < h.oh1; ++oh)
      run_item(conv_, d_.input.data(), y, Item{h.n0, h.n1, 0, oh, oh + 1, h.ocb0, h.ocb1});
  }
  struct Times {
    std::vector<double> chunk, tail, loop;
  };

  std::string shape_;
  Conv2dParams p_;
  ConvData d_;
  SimdConv conv_;
  ThreadArena arena_;
  Tensor shared_, private0_, private1_;
  std::vector<std::vector<Item>> halves_;
  int64_t lines_ = 0, calls_ = 1;
  std::vector<double> alone_;
  Times shared_times_, private_times_;
};
inline const std::vector<std::string> kSharedOutputProbes = {"mb8ic3ih32oc32kh3", "mb8ic32ih15oc64kh3",
                                                             "mb1ic3ih32oc32kh3"};

// Two costs of a layer's kernel that its 1-thread item times cannot show,
// measured on the whole layer, never on a split:
// - a second busy core: the layer on one thread alone vs on both cores at once
//   (each core its own packed input and output; each thread times its own run,
//   so no fork or join is in it). Here each core runs ~1-4 % slower then: its
//   L3/mesh traffic meets the other core's, the host's clocks drop.
// - for a padded layer, a packed input that the other core wrote: the whole
//   convolution on the calling thread after oneTBB's worker packed its input,
//   vs after the caller packed it itself. Its first read of each line fetches
//   it from the other core's cache; how much of that the kernel hides depends
//   on its order of reads (a few long planes stream, many small ones jump).
// A split's threads pay the first on their chunks and the second on each line
// of input the other thread's share of the packing loop wrote. The modes take
// turns call by call, and each sample follows a kernel probe on both cores, so
// the model can keep the quiet ones.
class LayerCoreProbe {
 public:
  LayerCoreProbe(const Conv2dParams& p, const ConvData& d, Isa isa) : p_(p), d_(d), arena_(2) {
    for (int i = 0; i < 2; ++i) {
      convs_.push_back(std::make_unique<SimdConv>(p, d.weights.data(), d.bias.data(), isa, p.mb));
      outs_.emplace_back(Shape{p.output_elems()});
      if (convs_[i]->input().copies()) pack(i);
    }
    if (convs_[0]->input().copies()) input_lines_ = static_cast<double>(convs_[0]->input().bytes()) / 64;
    calls_ = std::max<int64_t>(8, calls_per_sample([&] { layer(0); }, 0.002));
  }
  void sample(KernelProbe& probe) {
    probe_.push_back(probe.on(arena_));
    std::vector<double> slower, extra;  // per call: both / alone, remote - local (robust to a call the host hit)
    for (int64_t c = 0; c < calls_; ++c) {
      const double alone = time_per_call([&] { layer(0); }, 1);
      double took[2] = {0, 0};
      arena_.for_each(2, 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) took[i] = time_per_call([&] { layer(static_cast<int>(i)); }, 1);
      });
      slower.push_back(std::max(took[0], took[1]) / alone);
      if (input_lines_ > 0 && pack_on_worker()) {
        const double remote = time_per_call([&] { layer(0); }, 1);
        pack(0);
        extra.push_back(remote - time_per_call([&] { layer(0); }, 1));
      }
    }
    slowdown_.push_back(summarize(slower).median);
    if (input_lines_ > 0) remote_extra_.push_back(extra.empty() ? -1.0 : summarize(extra).median);
  }
  nlohmann::json summary() const {
    nlohmann::json j = {{"slowdown", slowdown_}, {"probe_gflops", probe_}};
    if (input_lines_ > 0) j["input_lines"] = input_lines_, j["remote_extra_seconds"] = remote_extra_;
    return j;
  }

 private:
  void pack(int i) { pack_all(*convs_[static_cast<std::size_t>(i)], p_, d_.input.data()); }
  // Packs slot 0's input on the worker; false when the worker did not come
  // within 1 ms (the caller then packed it, which is not what this times).
  bool pack_on_worker() {
    std::atomic<bool> started{false};
    const std::thread::id caller = std::this_thread::get_id();
    bool on_worker = false;
    arena_.for_each(2, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        if (i == 0) {  // hold the caller here so it cannot take the worker's chunk
          const double until = now_seconds() + 0.001;
          while (!started.load(std::memory_order_acquire) && now_seconds() < until) {
          }
        } else {
          started.store(true, std::memory_order_release);
          pack(0);
          on_worker = std::this_thread::get_id() != caller;
        }
      }
    });
    return on_worker;
  }
  void layer(int i) {
    const SimdConv& conv = *convs_[static_cast<std::size_t>(i)];  // g = 1 in this study
    run_item(conv, d_.input.data(), outs_[static_cast<std::size_t>(i)].data(),
             Item{0, p_.mb, 0, 0, p_.oh(), 0, conv.oc_blocks()});
  }

  Conv2dParams p_;
  const ConvData& d_;
  ThreadArena arena_;
  std::vector<std::unique_ptr<SimdConv>> convs_;
  std::vector<Tensor> outs_;
  double input_lines_ = 0;
  int64_t calls_ = 1;
  std::vector<double> slowdown_, remote_extra_, probe_;
};

}  // namespace convlab::parallel_study
