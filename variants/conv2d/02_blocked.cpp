// conv2d step 02 — blocked: 01's loops cut into tiles sized from the caches
// this machine reports at run time (convlab::cache_info(), read from sysfs).
// In one line: measured here at 22.7 GFLOP/s on mb1ic64ih56oc64kh3ph1, 2.0x
// 01_reordered (1 thread; the full table and re-run command are below).
//
// What changed from 01_reordered: 01 sweeps a whole output plane once per
//   (input channel, kernel tap), and for every output channel it streams all
//   input planes again. This step tiles output channels, output rows and
//   input channels (and output columns, for very wide rows) so that each
//   level of the memory hierarchy holds what is reused at that level:
//     registers: kTaps = 8 taps (any input channel, kernel row or column of
//       the block) are summed into an output element per load and store of
//       it — 01 loaded and stored the output once per tap;
//     L1:  the input window of an input-channel block for one output row —
//       ic_block channels x ekh padded rows — is reused by every output
//       channel of the tile before the window moves down a row;
//     L2:  the output tile (oc_tile channels x oh_tile rows x ow) and its
//       weights stay there while the input-channel blocks stream by.
//   The image is first copied into a zero-padded buffer (allocated and
//   zeroed by the plan; run copies the interior, and that copy is timed), so
//   that every tap of every output column reads inside the buffer: the tile
//   loops carry no padding branch and no per-column edge case.
// Why (the bottleneck it attacks): 01 is limited by memory operations, not
//   arithmetic: each 4-wide SSE multiply-add pair costs 2 loads and a store.
//   Here a pair costs one input load plus 1/8 of an output load and store,
//   and the tiles keep what those loads touch in L1 (the window) and L2 (the
//   output tile) however large the layer. Still plain C++: the 8-stream loop
//   is what GCC vectorizes on its own (SSE4.2 mulps/addps with the baseline
//   -march=x86-64-v2); explicit SIMD is the next step's idea.
// Loop nest:
//   for n: pad x[n] into xp (interior only)
//   for group, for oc0 in oc_tile steps, for oh0 in oh_tile steps:
//     out[tile] = bias
//     for c0 in ic_block steps:                          // input channels
//       for oh in tile rows:                             // the L1 window moves down
//         taps = {(c, kh, kw) : c in block, padded row oh*sh + kh*(dh+1) not all zeros}
//         for ow0 in ow_tile steps (one step unless rows are very wide):
//           for oc in tile channels:
//             for each group of 8 taps:                  // registers
//               for ow in the column tile:
//                 out[oc, oh, ow] += sum_t w[oc, t] * xp[c_t, row_t, ow*sw + kw_t*(dw+1)]
// Tile rationale (plan time, from cache_info()):
//   ow_tile: whole rows, unless the windows of min(16, ic/g) channels over a
//     whole padded row exceed L1/2; then the widest column tile whose window
//     does fit (a 2000-wide image gets 126 columns);
//   ic_block: the window ic_block * ekh * (window columns) * 4 bytes <= L1/2
//     (the other half for output rows, weights and the prefetch stream);
//   oc_tile, oh_tile: output tile oc_tile * oh_tile * ow * 4 plus its weights
//     oc_tile * ic_block * kh * kw * 4 <= L2/2 — all output channels of the
//     group first (their reuse of the window is what L1 buys), then as many
//     rows as fit.
//   On this machine (L1d 48 KiB, L2 2 MiB) the ResNet layer mb1ic64ih56oc64kh3ph1
//   gets ic_block 35 (window 23.8 KiB), oc_tile 64, oh_tile 56, ow_tile 56.
// Measured here (1 thread, medians of 10 with min-max, interleaved with the
//   other steps and the FMA peak, 170 GFLOP/s):
//     mb1ic64ih56oc64kh3ph1  22.7 GFLOP/s (22.3-23.0), 13.3 % of peak, 2.04x reordered
//     mb32ic32ih15oc64kh3    12.1 GFLOP/s, 2.2x reordered
//     mb1ic3ih28oc16kh3      12.2 GFLOP/s, 1.5x reordered
//     mb1ic16ih13oc32kh3      8.88 GFLOP/s, 2.0x reordered
//   The baseline ISA's own peak (mul + add, `--isa sse42 --peak`) measured
//   26-30 GFLOP/s here, so 02 is within ~20 % of what 4-wide non-fused
//   arithmetic allows; the next 7x is 03's (16-wide FMA, register tile).
// What the cache tiles are worth (measured; the experiment knob
//   CONVLAB_BLOCKED_CACHE=L1,L2 cuts the tiles for other cache sizes):
//   with tiles for an unlimited cache (1000000000,1000000000000: one
//   input-channel block, the whole image as one tile), alternating runs (on
//   a busier machine than the table above: 01 at 7.8 GFLOP/s) gave the same speed within noise on mb1ic64ih56oc64kh3ph1 (15.0-15.2
//   against 14.9-15.7 GFLOP/s) and mb1ic64ih112oc64kh3ph1 (16.0-16.6 against
//   15.8-16.3), and 5 % less on mb1ic128ih112oc64kh3ph1 (6.4 MiB of input:
//   16.0 against 16.9). So the 2x over 01 is the register-level block (taps
//   per output load/store); at ~20 GFLOP/s the step needs ~40 GB/s of loads,
//   which L2 delivers as easily as L1 — cache tiles pay off only for a
//   kernel several times faster, and the largest layers.
//   CONVLAB_BLOCKED_CACHE=1000000000,1000000000000 flock /tmp/convlab-measure.lock
//     build/release/convlab run --variant reordered,blocked --shape mb1ic64ih112oc64kh3ph1 --reps 5
//   Re-run:
//   flock /tmp/convlab-measure.lock build/release/convlab run --variant reordered,blocked
//     --shape mb1ic64ih56oc64kh3ph1 --reps 10 --peak
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fmt/core.h>
#include <memory>
#include <vector>

#include "convlab/cache.hpp"
#include "convlab/error.hpp"
#include "convlab/memory.hpp"
#include "convlab/variant.hpp"
#include "ladder_testing.hpp"

namespace convlab::conv2d {

BlockedTiles choose_blocked_tiles(const Conv2dParams& p, int64_t l1_bytes, int64_t l2_bytes) {
  BlockedTiles t;
  // Columns: whole rows unless a row is so wide that fewer than kMinChannels
  // channels' windows fit in half of L1; then as many columns as let them fit.
  constexpr int64_t kMinChannels = 16;
  const int64_t min_channels = std::min(kMinChannels, p.icg());
  const int64_t columns = l1_bytes / 2 / (min_channels * p.ekh() * 4);  // input columns that fit
  t.ow_tile = std::clamp<int64_t>((columns - p.ekw()) / p.sw + 1, 1, p.ow());
  const int64_t window_columns = t.ow_tile == p.ow() ? p.iw + 2 * p.pw : (t.ow_tile - 1) * p.sw + p.ekw();
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

constexpr int kTaps = 8;  // taps summed per load and store of an output element

// The cache sizes the tiles are cut for: this machine's, or the experiment's
// CONVLAB_BLOCKED_CACHE="L1,L2" (bytes), which re-runs the step with the
// tiles another cache would get (see the header's cache experiment).
std::pair<int64_t, int64_t> cache_sizes_for_tiles() {
  const char* text = std::getenv("CONVLAB_BLOCKED_CACHE");
  if (text == nullptr || *text == '\0') return {cache_info().l1d_bytes, cache_info().l2_bytes};
  long long l1 = 0, l2 = 0;
  char tail = 0;
  if (std::sscanf(text, "%lld,%lld%c", &l1, &l2, &tail) != 2 || l1 < 1 || l2 < 1)
    throw Error("CONVLAB_BLOCKED_CACHE", text, "expected L1,L2 in bytes, both >= 1");
  return {l1, l2};
}

class BlockedPlan final : public ConvPlan {
 public:
  BlockedPlan(const Conv2dParams& p, const PlanOptions& o, const float* w, const float* b)
      : ConvPlan(p, o),
        w_(w),
        b_(b),
        tiles_(choose_blocked_tiles(p, cache_sizes_for_tiles().first, cache_sizes_for_tiles().second)),
        ihp_(p.ih + 2 * p.ph),
        iwp_(p.iw + 2 * p.pw),
        padded_(static_cast<std::size_t>(p.icg() * p.g * ihp_ * iwp_)) {  // zero borders stay zero
    // A row's tap list never exceeds one channel block's kh * kw taps: reserve
    // it here so run() allocates nothing.
    tap_input_.reserve(static_cast<std::size_t>(tiles_.ic_block * p.kh * p.kw));
    tap_weight_.reserve(tap_input_.capacity());
  }

  std::size_t workspace_bytes() const override {
    return padded_.size() * sizeof(float) + (tap_input_.capacity() + tap_weight_.capacity()) * sizeof(int64_t);
  }
  std::string describe() const override {
    const auto [l1, l2] = cache_sizes_for_tiles();
    return fmt::format("ic_block {} oc_tile {} oh_tile {} ow_tile {} taps {} (tiles for L1 {} KiB, L2 {} KiB)",
                       tiles_.ic_block, tiles_.oc_tile, tiles_.oh_tile, tiles_.ow_tile, kTaps,
                       l1 / 1024, l2 / 1024);
  }

 private:
  void execute(const float* x, float* y) override {
    const Conv2dParams& p = params();
    const int64_t OH = p.oh(), ICG = p.icg(), OCG = p.ocg();
    for (int64_t n = 0; n < p.mb; ++n) {
      pad_image(x + n * p.ic * p.ih * p.iw);
      for (int64_t g = 0; g < p.g; ++g)
        for (int64_t oc0 = 0; oc0 < OCG; oc0 += tiles_.oc_tile)
          for (int64_t oh0 = 0; oh0 < OH; oh0 += tiles_.oh_tile) {
            const int64_t oc1 = std::min(OCG, oc0 + tiles_.oc_tile);
            const int64_t oh1 = std::min(OH, oh0 + tiles_.oh_tile);
            fill_bias(y, n, g * OCG + oc0, g * OCG + oc1, oh0, oh1);
            for (int64_t c0 = 0; c0 < ICG; c0 += tiles_.ic_block) {
              const int64_t c1 = std::min(ICG, c0 + tiles_.ic_block);
              for (int64_t oh = oh0; oh < oh1; ++oh) {
                collect_taps(g * ICG + c0, g * ICG + c1, oh);
                for (int64_t ow0 = 0; ow0 < p.ow(); ow0 += tiles_.ow_tile) {
                  const int64_t columns = std::min(tiles_.ow_tile, p.ow() - ow0);
                  for (int64_t oc = g * OCG + oc0; oc < g * OCG + oc1; ++oc) {
                    float* out = y + ((n * p.oc + oc) * OH + oh) * p.ow() + ow0;
                    const float* w = w_ + oc * ICG * p.kh * p.kw;
                    for (std::size_t t = 0; t < tap_input_.size(); t += kTaps)
                      accumulate_taps(out, columns, ow0 * p.sw, w, t,
                                      std::min<std::size_t>(kTaps, tap_input_.size() - t));
                  }
                }
              }
            }
          }
    }
  }

  void pad_image(const float* image) {
    const Conv2dParams& p = params();
    for (int64_t c = 0; c < p.ic; ++c)
      for (int64_t ih = 0; ih < p.ih; ++ih)
        std::memcpy(&padded_[static_cast<std::size_t>((c * ihp_ + ih + p.ph) * iwp_ + p.pw)],
                    image + (c * p.ih + ih) * p.iw, static_cast<std::size_t>(p.iw) * sizeof(float));
  }

  void fill_bias(float* y, int64_t n, int64_t oc0, int64_t oc1, int64_t oh0, int64_t oh1) const {
    const Conv2dParams& p = params();
    const int64_t OW = p.ow();
    for (int64_t oc = oc0; oc < oc1; ++oc) {
      float* out = y + ((n * p.oc + oc) * p.oh() + oh0) * OW;
      std::fill(out, out + (oh1 - oh0) * OW, b_ != nullptr ? b_[oc] : 0.0f);
    }
  }

  // The taps of channels [c0, c1) (absolute) that output row oh reads:
  // where in the padded image (column of output 0) and which weight of the
  // output channel's [ic/g][kh][kw] block. Rows that are all padding are skipped.
  void collect_taps(int64_t c0, int64_t c1, int64_t oh) {
    const Conv2dParams& p = params();
    tap_input_.clear();
    tap_weight_.clear();
    for (int64_t c = c0; c < c1; ++c)
      for (int64_t kh = 0; kh < p.kh; ++kh) {
        const int64_t row = oh * p.sh + kh * (p.dh + 1);  // padded row
        if (row < p.ph || row >= p.ph + p.ih) continue;
        for (int64_t kw = 0; kw < p.kw; ++kw) {
          tap_input_.push_back((c * ihp_ + row) * iwp_ + kw * (p.dw + 1));
          tap_weight_.push_back(((c % p.icg()) * p.kh + kh) * p.kw + kw);
        }
      }
  }

  // out[ow] += sum over taps [t0, t0+count) of w * xp[tap + shift + ow*sw] for ow < OW:
  // one load and one store of the output per `count` multiply-adds.
  void accumulate_taps(float* __restrict out, int64_t OW, int64_t shift, const float* weights,
                       std::size_t t0, std::size_t count) const {
    const int64_t sw = params().sw;
    const float* xp = padded_.data() + shift;
    if (count == kTaps) {
      const float *__restrict i0 = xp + tap_input_[t0], *__restrict i1 = xp + tap_input_[t0 + 1],
                              *__restrict i2 = xp + tap_input_[t0 + 2], *__restrict i3 = xp + tap_input_[t0 + 3],
                              *__restrict i4 = xp + tap_input_[t0 + 4], *__restrict i5 = xp + tap_input_[t0 + 5],
                              *__restrict i6 = xp + tap_input_[t0 + 6], *__restrict i7 = xp + tap_input_[t0 + 7];
      const float w0 = weights[tap_weight_[t0]], w1 = weights[tap_weight_[t0 + 1]],
                  w2 = weights[tap_weight_[t0 + 2]], w3 = weights[tap_weight_[t0 + 3]],
                  w4 = weights[tap_weight_[t0 + 4]], w5 = weights[tap_weight_[t0 + 5]],
                  w6 = weights[tap_weight_[t0 + 6]], w7 = weights[tap_weight_[t0 + 7]];
      if (sw == 1)  // split so that the common case vectorizes with plain loads
        for (int64_t ow = 0; ow < OW; ++ow)
          out[ow] += w0 * i0[ow] + w1 * i1[ow] + w2 * i2[ow] + w3 * i3[ow] + w4 * i4[ow] +
                     w5 * i5[ow] + w6 * i6[ow] + w7 * i7[ow];
      else
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t i = ow * sw;
          out[ow] += w0 * i0[i] + w1 * i1[i] + w2 * i2[i] + w3 * i3[i] + w4 * i4[i] + w5 * i5[i] +
                     w6 * i6[i] + w7 * i7[i];
        }
      return;
    }
    for (std::size_t t = t0; t < t0 + count; ++t) {  // the block's last, partial group
      const float* __restrict in = xp + tap_input_[t];
      const float w = weights[tap_weight_[t]];
      for (int64_t ow = 0; ow < OW; ++ow) out[ow] += w * in[ow * sw];
    }
  }

  const float* w_;
  const float* b_;
  BlockedTiles tiles_;
  int64_t ihp_, iwp_;                                   // padded input plane
  std::vector<float, memory::Allocator<float>> padded_;  // one zero-padded image
  std::vector<int64_t, memory::Allocator<int64_t>> tap_input_, tap_weight_;  // the current row's taps
};

}  // namespace

const ConvVariant& blocked() {
  static const LadderConvVariant<BlockedPlan> v{
      "blocked", "tiles over oc / rows / ic sized from L1 and L2; 8 taps per output load/store"};
  return v;
}

}  // namespace convlab::conv2d
