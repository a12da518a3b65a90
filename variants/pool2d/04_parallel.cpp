// pool2d step 04 — parallel: 03's kernel on several cores (oneTBB, through the
// plan's convlab::ThreadArena), over batch x channels x row tiles.
//
// What changed from 03_strided_windows: who runs the kernel. The output is
//   cut into work items (item i = row tile i % T of plane i / T, plane =
//   n*ic + c) and ranges of items go to the plan's ThreadArena. T = 1 (whole
//   planes, each input row read by one thread, sequentially) when there are
//   kItemsPerThread planes per thread; else planes are cut into row tiles so
//   every thread gets work. An output is computed by the same code in the
//   same order whatever thread it lands in: identical bytes for any count.
// Why (the bottleneck): one core cannot draw DRAM's bandwidth: pooling does
//   well under one instruction per float, so a tensor in DRAM is limited by
//   cache misses in flight, and two cores keep twice as many.
// Grain and serial cutoff: no chunk below kMinChunkBytes (256 KiB of input +
//   output, ~10 us); a problem under two chunks runs inline on the caller,
//   03's very call: waking a oneTBB worker costs as much as pooling a small
//   image (the seed's pools take 0.1-3 us).
// Loop nest:
//   [threads] for item range [b, e): 03's kernel on items b..e-1
// Measured (AMD EPYC (Zen 5), AVX-512 VM shared with other jobs, 2 threads,
//   medians of 5): 32.7 GB/s on max:mb160ic64ih112kh2 (642 MB, DRAM), 1.56x
//   strided_windows; 57.3 GB/s on max:mb32ic32ih30kh2, 1.84x. Re-run:
//   build/release/convlab run --variant strided_windows,parallel --threads 2 --shape max:mb160ic64ih112kh2 --reps 5 --bandwidth
#include <algorithm>
#include <memory>
#include <string>

#include "02_simd.hpp"
#include "convlab/parallel.hpp"
#include "pool2d/kernel/simd_pool.hpp"

namespace convlab::pool2d {

namespace {

// Items per thread before planes are cut into row tiles: a few, so that the
// static split stays balanced when planes are not a multiple of the threads.
constexpr int64_t kItemsPerThread = 4;
// Smallest chunk worth a thread (bytes of input + output). See the header.
constexpr int64_t kMinChunkBytes = 256 * 1024;

class ParallelPlan final : public SimdPoolPlan {
 public:
  ParallelPlan(const Pool2dParams& p, const PlanOptions& o) : SimdPoolPlan(p, o, true), arena_(o.threads) {
    const int64_t planes = p.mb * p.ic, rows = args_.oh;
    // Below two chunks' worth the plan is serial: whole planes, exactly 03's call.
    const bool splits = o.threads > 1 && p.min_bytes() > 2 * kMinChunkBytes;
    int64_t tiles = 1;
    if (splits && planes < kItemsPerThread * o.threads)
      tiles = std::min(rows, (kItemsPerThread * o.threads + planes - 1) / planes);
    args_.rows_per_tile = (rows + tiles - 1) / tiles;
    args_.tiles_per_plane = (rows + args_.rows_per_tile - 1) / args_.rows_per_tile;
    items_ = planes * args_.tiles_per_plane;
    // oneTBB halves a range while it holds more than `grain` items, so a grain
    // of two chunks' worth keeps every chunk at kMinChunkBytes or more.
    const double item_bytes = static_cast<double>(p.min_bytes()) / static_cast<double>(items_);
    grain_ = splits ? std::max<int64_t>(1, static_cast<int64_t>(2 * kMinChunkBytes / item_bytes)) : items_;
  }

  std::string describe() const override {
    return std::to_string(items_) + " items (" + std::to_string(args_.tiles_per_plane) + " tile(s) of " +
           std::to_string(args_.rows_per_tile) + " rows per plane), grain " + std::to_string(grain_) +
           (items_ <= grain_ ? ", serial (below the cutoff)" : "") + ", " +
           kernel::width_scheme(params().sw, args_.strided_windows);
  }

 private:
  void execute(const float* x, float* y) override {
    arena_.for_each(items_, grain_, [&](int64_t begin, int64_t end) { pool_items(x, y, begin, end); });
  }

  ThreadArena arena_;
  int64_t items_ = 0;
  int64_t grain_ = 1;
};

}  // namespace

const PoolVariant& parallel() {
  return ladder_step<ParallelPlan>("parallel", "03's kernel on oneTBB threads over batch x channels x row tiles");
}

}  // namespace convlab::pool2d
