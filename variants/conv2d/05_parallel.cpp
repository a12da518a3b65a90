// conv2d step 05 — parallel: 04's loop nest on exactly the plan's thread count
// (oneTBB through convlab::ThreadArena, static partitioner).
// What changed from 04_simd: who runs the loops. The output is cut into
//   independent work items, image x group x tile of output rows x group of
//   oc blocks, shared out between the threads; each runs 04's loops
//   (SimdConv::rows) on its item. Every output element is computed by one
//   item with 04's kernel, tile and tap order, so the result is bitwise
//   identical for any thread count (no reduction is ever split).
// Why (the bottleneck): 04 runs one core near its FMA peak; the only way up is
//   more cores, and at hundreds of FLOPs per byte bandwidth does not bind.
// Split (plan time, ConvSplit): rows first (a row tile reads its own band of
//   input rows, and all tiles share the packed weights), then images, then oc
//   blocks, until there are kItemsPerThread items per thread, so the static
//   chunks differ by at most 1/8. Padded inputs are packed for the whole batch
//   by a parallel loop over (image, band of rows) numbered like the items, so
//   each thread mostly packs what it reads. Below kSerialFlops (4 MFLOP) the
//   plan runs 04's loop on the calling thread: waking a thread costs more.
// Loop nest:
//   [threads] for (image, band of input rows): pack
//   [threads] for item = (n, group, row tile, oc-block group): 04's loops on it
// Measured (AMD EPYC (Zen 5), AVX-512 VM shared with other jobs, medians of 5):
//   2 threads 342 GFLOP/s on mb1ic64ih56oc64kh3ph1, 1.75x simd in the same run,
//   87 % of the 2-thread FMA peak sampled alongside. Re-run:
//   build/release/convlab run --variant simd,parallel --threads 2 --shape mb1ic64ih56oc64kh3ph1 --reps 5 --peak
#include "05_parallel.hpp"

#include <algorithm>
#include <fmt/core.h>
#include <memory>

#include "04_simd.hpp"
#include "convlab/parallel.hpp"
#include "convlab/variant.hpp"

namespace convlab::conv2d {

ConvSplit::ConvSplit(const Conv2dParams& p, int64_t oc_blocks, int threads)
    : oc_first(p.weight_elems() > p.ic * p.ih * p.iw), g_(p.g), oh_(p.oh()), ih_(p.ih), oc_blocks_(oc_blocks) {
  // Rows (or oc blocks) first, then images, then oc blocks (or rows), until
  // there are enough items for every thread.
  // An empty batch is split as one image: run() never executes it.
  const int64_t images = std::max<int64_t>(p.mb, 1);
  const int64_t target = kItemsPerThread * threads, base = images * p.g;
  auto cut = [&](int64_t so_far, int64_t total, int64_t& parts, int64_t& per_part) {
    parts = std::clamp<int64_t>((target + so_far - 1) / so_far, 1, total);
    per_part = (total + parts - 1) / parts;
    parts = (total + per_part - 1) / per_part;
  };
  if (oc_first) {
    cut(base, oc_blocks, ocb_groups, blocks_per_group);
    cut(base * ocb_groups, oh_, row_tiles, rows_per_tile);
  } else {
    cut(base, oh_, row_tiles, rows_per_tile);
    cut(base * row_tiles, oc_blocks, ocb_groups, blocks_per_group);
  }
  items = base * row_tiles * ocb_groups;
  pack_bands = std::clamp<int64_t>((target + images - 1) / images, 1, p.ih);
}

ConvSplit::Item ConvSplit::item(int64_t i) const {
  const int64_t inner = oc_first ? row_tiles : ocb_groups, rest = i / inner;
  const int64_t outer = oc_first ? ocb_groups : row_tiles;
  const int64_t tile = oc_first ? i % inner : rest % outer, ocb_group = oc_first ? rest % outer : i % inner;
  const int64_t ng = rest / outer;
  const int64_t oh0 = tile * rows_per_tile, b0 = ocb_group * blocks_per_group;
  return {ng / g_, ng % g_, oh0, std::min(oh_, oh0 + rows_per_tile), b0,
          std::min(oc_blocks_, b0 + blocks_per_group)};
}

namespace {

class ParallelPlan final : public SimdPlan {
 public:
  ParallelPlan(const Conv2dParams& p, const PlanOptions& o, const float* w, const float* b)
      : SimdPlan(p, o, w, b, runs_serially(p, o) ? 1 : p.mb),
        serial_(runs_serially(p, o)),
        split_(p, conv_.oc_blocks(), o.threads),
        arena_(serial_ ? 1 : o.threads) {}

  std::string describe() const override {
    if (serial_) return conv_.describe() + "; serial (below the cutoff or 1 thread)";
    return fmt::format("{}; {} threads over {} items ({} rows x {} oc blocks each)", conv_.describe(),
                       arena_.threads(), split_.items, split_.rows_per_tile, split_.blocks_per_group);
  }

 private:
  static bool runs_serially(const Conv2dParams& p, const PlanOptions& o) {
    return o.threads == 1 || p.flops() < kSerialFlops;
  }

  void execute(const float* x, float* y) override {
    const Conv2dParams& p = params();
    if (serial_) return SimdPlan::execute(x, y);  // 04, exactly
    kernel::PaddedInput& input = conv_.input();
    if (input.copies())
      arena_.for_each(p.mb * split_.pack_bands, 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          const int64_t n = i / split_.pack_bands, band = i % split_.pack_bands;
          input.pack_rows(x, n, n, split_.band_row(band), split_.band_row(band + 1));
        }
      });
    arena_.for_each(split_.items, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const ConvSplit::Item it = split_.item(i);
        conv_.rows(input.image(x, it.n, it.n), y, it.n, it.g, it.oh0, it.oh1, it.b0, it.b1);
      }
    });
  }

  bool serial_;
  ConvSplit split_;
  ThreadArena arena_;
};

}  // namespace

const ConvVariant& parallel() {
  return ladder_step<ParallelPlan>("parallel", "04's loops on N oneTBB threads: images x row tiles x oc blocks, bitwise identical for any N");
}

}  // namespace convlab::conv2d
