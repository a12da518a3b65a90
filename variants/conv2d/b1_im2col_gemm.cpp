// conv2d branch b1 — im2col + GEMM, off step 04: lower the convolution to one
// matrix product per image and group, the way Caffe and early cuDNN did.
//
// What changed from 04_simd: 04 finds tap k of a pixel through its offset
//   table into the padded input, so the convolution never exists as a matrix.
//   Here im2col copies, for every tap k = (c, kh, kw) and output pixel j, the
//   value it reads (or the padding zero) into col[k][j] (K = ic/g*kh*kw rows,
//   N = oh*ow columns), and out[oc][j] = bias[oc] + sum_k w[oc][k] col[k][j]
//   is a GEMM run by 04's micro-kernel unchanged: in a panel of NB pixels tap
//   k of pixel j sits at k*NB + j, so the offsets are k*NB.
// Why a branch, not a rung: it trades memory for generality. The kernel's
//   loop no longer depends on stride, dilation or padding (why libraries
//   lowered to BLAS), but the workspace holds kh*kw copies of every input
//   pixel, K*N*4 bytes per (image, group): 7.06 MiB for mb1ic64ih56oc64kh3ph1
//   against a 0.77 MiB input, written and read back inside the timed run.
// Loop nest:
//   for n, for group: im2col into panels of R output rows (R*ow >= 56 pixels),
//     for panel, for tile of P pixels, for oc block: 04's micro-kernel
// Blocking: panels keep the K x P slice a tile reads inside one contiguous
//   K x R*ow block rather than K rows N floats apart; oc blocks innermost
//   reuse each slice from L1/L2, and the packed weights stay in L2.
// Measured (AMD EPYC (Zen 5), AVX-512 VM, 1 thread, medians of 5): 162 GFLOP/s
//   on mb1ic64ih56oc64kh3ph1, 0.79x simd (204) in the same run. Re-run:
//   build/release/convlab run --variant simd,im2col_gemm --shape mb1ic64ih56oc64kh3ph1 --reps 5 --peak
#include <algorithm>
#include <array>
#include <fmt/core.h>
#include <memory>

#include "conv2d/kernel/columns.hpp"
#include "conv2d/kernel/micro_kernel.hpp"
#include "conv2d/kernel/pack.hpp"
#include "conv2d/kernel/tiles.hpp"
#include "convlab/variant.hpp"
#include "ladder_hooks.hpp"

namespace convlab::conv2d {

// A panel holds at least this many pixels (4 tiles of 14), so narrow images
// still get full-width register tiles.
constexpr int64_t kMinPanelPixels = 56;

int64_t im2col_rows_per_panel(const Conv2dParams& p) {
  return std::clamp<int64_t>((kMinPanelPixels + p.ow() - 1) / p.ow(), 1, p.oh());
}
std::size_t im2col_workspace_bytes(const Conv2dParams& p) {
  const int64_t rows = im2col_rows_per_panel(p), panels = (p.oh() + rows - 1) / rows;
  return static_cast<std::size_t>(p.reduction_length() * panels * rows * p.ow()) * sizeof(float);
}

namespace {

class Im2colGemmPlan final : public ConvPlan {
 public:
  Im2colGemmPlan(const Conv2dParams& p, const PlanOptions& o, const float* w, const float* b)
      : ConvPlan(p, o),
        weights_(p, w, b, o.isa),
        valid_(p),
        rows_per_panel_(im2col_rows_per_panel(p)),
        panel_pixels_(rows_per_panel_ * p.ow()),
        col_(im2col_workspace_bytes(p) / sizeof(float)),
        offsets_(static_cast<std::size_t>(p.reduction_length())),
        pixels_(kernel::tile_pixels(o.isa, weights_.vectors, panel_pixels_)) {
    for (std::size_t k = 0; k < offsets_.size(); ++k) offsets_[k] = static_cast<int64_t>(k) * panel_pixels_;
    for (int width = 1; width <= pixels_; ++width)
      tiles_[width - 1] = kernel::micro_kernel(o.isa, weights_.vectors, width);
  }

  std::size_t workspace_bytes() const override { return col_.size() * sizeof(float); }
  // Repacked weights and bias, plus the tables built from the shape.
  std::size_t packed_weight_bytes() const override {
    return weights_.bytes() + offsets_.size() * sizeof(int64_t) + valid_.bytes();
  }
  std::string describe() const override {
    return fmt::format("{}: col {} x {} ({:.2f} MiB), tile {} px x {} oc", to_string(options().isa),
                       params().reduction_length(), params().oh() * params().ow(),
                       static_cast<double>(workspace_bytes()) / (1 << 20), pixels_, weights_.block);
  }

 private:
  void execute(const float* x, float* y) override {
    const Conv2dParams& p = params();
    const int64_t OH = p.oh(), plane = OH * p.ow(), K = p.reduction_length(), block = weights_.block;
    for (int64_t n = 0; n < p.mb; ++n)
      for (int64_t g = 0; g < p.g; ++g) {
        im2col(x + (n * p.ic + g * p.icg()) * p.ih * p.iw);
        float* out = y + (n * p.oc + g * p.ocg()) * plane;
        for (int64_t oh0 = 0, panel = 0; oh0 < OH; oh0 += rows_per_panel_, ++panel) {
          const int64_t pixels = std::min(rows_per_panel_, OH - oh0) * p.ow();
          for (int64_t t0 = 0; t0 < pixels; t0 += pixels_) {
            const int width = static_cast<int>(std::min<int64_t>(pixels_, pixels - t0));
            for (int64_t b = 0; b < weights_.oc_blocks; ++b)
              tiles_[width - 1](col_.data() + panel * K * panel_pixels_ + t0, offsets_.data(), K,
                                weights_.block_weights(g, b), weights_.block_bias(g, b),
                                out + b * block * plane + panel * panel_pixels_ + t0, plane,
                                static_cast<int>(std::min(block, p.ocg() - b * block)));
          }
        }
      }
  }

  // col[panel][k][r*OW + ow] for the group's channels starting at `planes`:
  // tap k = (c, kh, kw) of the pixel (panel*R + r, ow), or 0 in the padding.
  void im2col(const float* planes) {
    const Conv2dParams& p = params();
    const int64_t OH = p.oh(), OW = p.ow(), K = p.reduction_length();
    for (int64_t oh0 = 0, panel = 0; oh0 < OH; oh0 += rows_per_panel_, ++panel) {
      const int64_t rows = std::min(rows_per_panel_, OH - oh0);
      float* __restrict col = col_.data() + panel * K * panel_pixels_;
      for (int64_t c = 0; c < p.icg(); ++c)
        for (int64_t kh = 0; kh < p.kh; ++kh)
          for (int64_t kw = 0; kw < p.kw; ++kw, col += panel_pixels_) {
            const int64_t lo = valid_.begin[kw], hi = valid_.end[kw];
            const int64_t shift = kw * (p.dw + 1) - p.pl;
            for (int64_t r = 0; r < rows; ++r) {
              float* __restrict dst = col + r * OW;
              const int64_t ih = (oh0 + r) * p.sh - p.pt + kh * (p.dh + 1);
              if (ih < 0 || ih >= p.ih) {
                std::fill(dst, dst + OW, 0.0f);
                continue;
              }
              std::fill(dst, dst + lo, 0.0f);  // left padding
              if (lo < hi) {
                const float* __restrict src = planes + (c * p.ih + ih) * p.iw + lo * p.sw + shift;
                if (p.sw == 1)
                  for (int64_t ow = lo; ow < hi; ++ow) dst[ow] = src[ow - lo];
                else
                  for (int64_t ow = lo; ow < hi; ++ow) dst[ow] = src[(ow - lo) * p.sw];
              }
              std::fill(dst + std::max(lo, hi), dst + OW, 0.0f);  // right padding
            }
          }
    }
  }

  kernel::PackedWeights weights_;
  kernel::ValidColumns valid_;
  int64_t rows_per_panel_, panel_pixels_;  // R output rows = NB pixels per panel
  kernel::Buffer<float> col_;              // the K x N matrix of one (image, group), panel by panel
  kernel::Buffer<int64_t> offsets_;        // k * NB: where tap k of a panel's pixel 0 is
  int pixels_;                             // P: the tile width
  std::array<kernel::MicroKernel, 16> tiles_{};  // tiles_[w - 1]: the kernel for w pixels
};

}  // namespace

const ConvVariant& im2col_gemm() {
  return ladder_step<Im2colGemmPlan>("im2col_gemm", "branch off 04: im2col into a K x N workspace, then 04's micro-kernel as a GEMM", VariantKind::branch);
}

}  // namespace convlab::conv2d
