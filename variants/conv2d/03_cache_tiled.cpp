// conv2d step 03 — cache-tiled: 02's loops cut into tiles sized from the caches
// this machine reports (convlab::cache_info(), read from sysfs).
// What changed from 02_register_blocked: 02 sweeps all K taps of an output row
//   before the next, every output channel streaming the whole input. Here
//   output channels, rows and input channels (and columns of very wide rows)
//   are tiled: the input window of an input-channel block for one output row
//   (ic_block x ekh padded rows) stays in L1 while every output channel of the
//   tile uses it, and the output tile (oc_tile x oh_tile rows) with its
//   weights stays in L2 while the input-channel blocks stream by.
// Why (the bottleneck it targets): 02's input re-reads from L2 or further.
//   Measured, they are worth little here (AMD EPYC (Zen 5), AVX-512 VM, 1
//   thread, medians of 5): 29.1 against 28.9 GFLOP/s on mb1ic64ih56oc64kh3ph1;
//   30.3 against 29.6 on mb1ic128ih112oc64kh3ph1 (6.4 MiB of input). At ~30
//   GFLOP/s L2 delivers the loads as well as L1 does; step 04 is faster.
// Loop nest:
//   for n: pack x[n]; for group, oc0 += oc_tile, oh0 += oh_tile: out[tile] = bias
//     for c0 += ic_block: for oh in tile, ow0 += ow_tile, oc in tile:
//       02's 8-tap kernel over the block's taps, columns [ow0, ow0 + ow_tile)
// Tiles (plan time): window ic_block * ekh * (window columns) * 4 <= L1/2;
//   output tile oc_tile * oh_tile * ow * 4 plus its weights <= L2/2, all
//   channels of the group first; ow_tile cuts a row only when fewer than 16
//   channels' windows fit L1/2. Here (L1d 48 KiB, L2 1 MiB) the ResNet layer
//   gets ic_block 35, oc_tile 64, oh_tile 30, ow_tile 56 (the Q1 study recuts
//   them for other caches: convlab-loops tiles --assume-cache L1,L2). Re-run:
//   build/release/convlab run --variant register_blocked,cache_tiled --shape mb1ic128ih112oc64kh3ph1 --reps 5
#include <algorithm>
#include <fmt/core.h>
#include <memory>

#include "conv2d/kernel/pack.hpp"
#include "conv2d/kernel/taps.hpp"
#include "convlab/cache.hpp"
#include "convlab/variant.hpp"
#include "ladder_hooks.hpp"

namespace convlab::conv2d {

CacheTiles choose_cache_tiles(const Conv2dParams& p, int64_t l1_bytes, int64_t l2_bytes) {
  CacheTiles t;
  // Columns: whole rows unless a row is so wide that fewer than kMinChannels
  // channels' windows fit in half of L1; then as many columns as let them fit.
  constexpr int64_t kMinChannels = 16;
  const int64_t min_channels = std::min(kMinChannels, p.icg());
  const int64_t columns = l1_bytes / 2 / (min_channels * p.ekh() * 4);  // input columns that fit
  t.ow_tile = std::clamp<int64_t>((columns - p.ekw()) / p.sw + 1, 1, p.ow());
  const int64_t window_columns = t.ow_tile == p.ow() ? p.padded_iw() : (t.ow_tile - 1) * p.sw + p.ekw();
  t.ic_block = std::clamp<int64_t>(l1_bytes / 2 / (p.ekh() * window_columns * 4), 1, p.icg());
  // Output tile in L2: every output channel of the group if a row of each
  // fits, then as many rows as fit.
  const int64_t row_bytes = p.ow() * 4;
  const int64_t weight_bytes_per_oc = t.ic_block * p.kh * p.kw * 4;
  const int64_t budget = l2_bytes / 2;
  t.oc_tile = std::clamp<int64_t>(budget / (row_bytes + weight_bytes_per_oc), 1, p.ocg());
  t.oh_tile = std::clamp<int64_t>(
      (budget - t.oc_tile * weight_bytes_per_oc) / (t.oc_tile * row_bytes), 1, p.oh());
  return t;
}

namespace {

class CacheTiledPlan final : public ConvPlan {
 public:
  CacheTiledPlan(const Conv2dParams& p, const PlanOptions& o, const float* w, const float* b)
      : CacheTiledPlan(p, o, w, b, cache_info().l1d_bytes, cache_info().l2_bytes) {}
  CacheTiledPlan(const Conv2dParams& p, const PlanOptions& o, const float* w, const float* b, int64_t l1_bytes,
                 int64_t l2_bytes)
      : ConvPlan(p, o),
        w_(w),
        b_(b),
        input_(p, 1),
        tiles_(choose_cache_tiles(p, l1_bytes, l2_bytes)),
        l1_bytes_(l1_bytes),
        l2_bytes_(l2_bytes) {}

  std::size_t workspace_bytes() const override { return input_.bytes(); }
  std::size_t packed_weight_bytes() const override { return input_.table_bytes(); }
  std::string describe() const override {
    return fmt::format("ic_block {} oc_tile {} oh_tile {} ow_tile {} taps {} (tiles for L1 {} KiB, L2 {} KiB)",
                       tiles_.ic_block, tiles_.oc_tile, tiles_.oh_tile, tiles_.ow_tile, kernel::kTaps,
                       l1_bytes_ / 1024, l2_bytes_ / 1024);
  }

 private:
  void execute(const float* x, float* y) override {
    const Conv2dParams& p = params();
    const int64_t OH = p.oh(), OW = p.ow(), K = p.reduction_length(), OCG = p.ocg();
    const int64_t taps_per_channel = p.kh * p.kw;
    for (int64_t n = 0; n < p.mb; ++n) {
      const float* image = input_.prepare(x, n, 0);
      for (int64_t g = 0; g < p.g; ++g)
        for (int64_t oc0 = g * OCG; oc0 < (g + 1) * OCG; oc0 += tiles_.oc_tile)
          for (int64_t oh0 = 0; oh0 < OH; oh0 += tiles_.oh_tile) {
            const int64_t oc1 = std::min((g + 1) * OCG, oc0 + tiles_.oc_tile);
            const int64_t oh1 = std::min(OH, oh0 + tiles_.oh_tile);
            for (int64_t oc = oc0; oc < oc1; ++oc) {
              float* out = y + ((n * p.oc + oc) * OH + oh0) * OW;
              std::fill(out, out + (oh1 - oh0) * OW, b_ != nullptr ? b_[oc] : 0.0f);
            }
            for (int64_t c0 = 0; c0 < p.icg(); c0 += tiles_.ic_block) {
              const int64_t k0 = c0 * taps_per_channel;
              const int64_t k1 = std::min(p.icg(), c0 + tiles_.ic_block) * taps_per_channel;
              for (int64_t oh = oh0; oh < oh1; ++oh)
                for (int64_t ow0 = 0; ow0 < OW; ow0 += tiles_.ow_tile) {
                  const int64_t columns = std::min(tiles_.ow_tile, OW - ow0);
                  const float* window = image + g * input_.group_floats() + input_.row_origin(oh) + ow0;
                  for (int64_t oc = oc0; oc < oc1; ++oc) {
                    float* out = y + ((n * p.oc + oc) * OH + oh) * OW + ow0;
                    for (int64_t k = k0; k < k1; k += kernel::kTaps)
                      kernel::accumulate_taps(out, columns, window, input_.tap_offsets() + k, w_ + oc * K + k,
                                              static_cast<int>(std::min<int64_t>(kernel::kTaps, k1 - k)));
                  }
                }
            }
          }
    }
  }

  const float* w_;
  const float* b_;
  kernel::PaddedInput input_;
  CacheTiles tiles_;
  int64_t l1_bytes_, l2_bytes_;  // the caches the tiles are cut for
};

}  // namespace

std::unique_ptr<ConvPlan> cache_tiled_plan(const Conv2dParams& p, const float* w, const float* b,
                                           int64_t l1_bytes, int64_t l2_bytes) {
  validate(p);
  return std::make_unique<CacheTiledPlan>(p, PlanOptions{}, w, b, l1_bytes, l2_bytes);
}

const ConvVariant& cache_tiled() {
  return ladder_step<CacheTiledPlan>("cache_tiled", "02 in tiles over oc / rows / ic sized from L1 and L2");
}

}  // namespace convlab::conv2d
