// pool2d step 02 — parallel: 01's kernel on several cores (oneTBB, through the
// plan's convlab::ThreadArena), over batch x channels x row tiles.
//
// What changed from 01_simd: nothing in the arithmetic. The kernel is 01's,
//   shared through pool2d/simd_kernel.hpp (same instantiations, no copy); this
//   step only cuts the output into work items and hands ranges of items to
//   the plan's ThreadArena of `threads` threads (oneTBB itself caps the
//   workers at the machine's cores: 3 or 4 threads run as 2 on this VM).
// Why (the bottleneck 01 has): one core cannot draw the machine's DRAM
//   bandwidth. Pooling moves 5 bytes per input float (4 in, 1 out for 2x2) and
//   does well under one instruction per float, so a tensor that lives in DRAM
//   (ResNet's stem pool on a large batch) is limited by how many cache misses
//   are in flight; two cores keep twice as many.
// Work items: item i = row tile (i % T) of plane (i / T), plane = n*ic + c.
//   T = 1 (whole planes: every input row is read by one thread, sequentially)
//   whenever there are at least kItemsPerThread * threads planes or the plan
//   is serial (below); otherwise
//   planes are cut into T row tiles so every thread still gets work (batch 1
//   with few channels, one large image). A tile boundary falls between output
//   rows; the input rows a window straddling it needs are read by both tiles
//   (only when stride < kernel), never written.
// Determinism: an output element is computed by the same code and in the same
//   order whatever tile or thread it lands in (no reduction is ever split), so
//   every thread count gives identical bytes (tested for 1-4 threads).
// Grain and serial cutoff: a range of items is never cut into chunks below
//   kMinChunkBytes (256 KiB of input + output, ~10 us of work), and a problem
//   under two chunks (512 KiB) runs inline on the caller, whole planes, without
//   touching the arena: the very call 01 makes. Waking a oneTBB worker costs
//   microseconds here, and on this shared 2-core VM often more (the worker may
//   have to preempt another process), as much as pooling a whole small image
//   (the seed's pools take 0.1-3 us). Measured with no cutoff at all, 2
//   threads gained 1.2-1.5x from ~150-300 KB when the second core was idle
//   and lost 5-10 % up to ~400 KB when it was not.
// Loop nest:
//   parallel for item range [b, e) (static partition, grain g):
//     01's kernel on items b..e-1: for plane, for oh in tile: vector body + scalar edges
// Measured here (2 threads, medians over reps with min-max; the streaming roof
//   is sampled in the same repetitions; a 2-core VM shared with other jobs):
//   max:mb160ic64ih112kh2 (642 MB, 2.5x the 260 MiB L3 this VM reports, so it
//     streams from DRAM): 27.8 GB/s (26.4-28.5), 2.09x 01, 115 % of the roof
//     (copy 22.5, triad 24.3 GB/s); avg_p 26.6, avg_np 26.7 GB/s (110 %).
//     Above 100 % because every figure counts each byte once, as STREAM does:
//     with write-allocate the real DRAM traffic per counted byte is 1.2 for a
//     2x2 pool (4 read + 1 written + 1 read for ownership, per 5) but 1.5 for
//     copy and 1.33 for triad, so all three move ~33 GB/s of real traffic.
//     Without the kernel's prefetch: 20.0 GB/s, 73 %.
//   max:mb32ic64ih112kh2 (128 MB): 34.9 GB/s, partly served by that L3.
//   max:mb32ic32ih30kh2 (CIFAR pool1): 45.6 GB/s (42.0-47.5), 1.86x 01.
//   The seed's pools stay serial: 22.6 vs 01's 22.4 GB/s (max:mb1ic16ih26kh2).
//   Re-run: build/release/convlab run --variant simd,parallel --shape max:mb160ic64ih112kh2 --shape avg_p:mb160ic64ih112kh2 --threads 2 --bandwidth --reps 7
#include <algorithm>
#include <memory>
#include <string>

#include "convlab/parallel.hpp"
#include "convlab/variant.hpp"
#include "pool2d/simd_kernel.hpp"

namespace convlab::pool2d {

namespace {

// Items per thread before planes are cut into row tiles: a few, so that the
// static split stays balanced when planes are not a multiple of the threads.
constexpr int64_t kItemsPerThread = 4;
// Smallest chunk worth a thread (bytes of input + output). See the header.
constexpr int64_t kMinChunkBytes = 256 * 1024;

class ParallelPlan final : public PoolPlan {
 public:
  ParallelPlan(const Pool2dParams& p, const PlanOptions& o)
      : PoolPlan(p, o), args_(simd_kernel::whole_problem(p)), arena_(o.threads) {
    const int64_t planes = p.mb * p.ic, rows = args_.oh;
    // Below two chunks' worth the plan is serial: whole planes, exactly 01's call.
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
    grain_ = splits ? std::max<int64_t>(1, static_cast<int64_t>(2 * kMinChunkBytes / item_bytes))
                    : items_;
  }

  std::string describe() const override {
    return std::to_string(items_) + " items (" + std::to_string(args_.tiles_per_plane) +
           " tile(s) of " + std::to_string(args_.rows_per_tile) + " rows per plane), grain " +
           std::to_string(grain_) + (items_ <= grain_ ? ", serial (below the cutoff)" : "") +
           ", " + simd_kernel::width_scheme(params().sw);
  }

 private:
  void execute(const float* x, float* y) override {
    arena_.for_each(items_, grain_, [&](int64_t begin, int64_t end) {
      simd_kernel::Args a = args_;
      a.x = x;
      a.y = y;
      a.first_item = begin;
      a.last_item = end;
      simd::dispatch(options().isa, simd_kernel::Kernel{}, a);
    });
  }

  simd_kernel::Args args_;
  ThreadArena arena_;
  int64_t items_ = 0;
  int64_t grain_ = 1;
};

}  // namespace

const PoolVariant& parallel() {
  static const LadderPoolVariant<ParallelPlan> v{
      "parallel", "01's kernel on oneTBB threads over batch x channels x row tiles"};
  return v;
}

}  // namespace convlab::pool2d
