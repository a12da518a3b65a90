// conv2d step 05 — im2col + GEMM: lower the convolution to one matrix
// product per image and group, the way Caffe and early cuDNN did.
//
// What changed from 03_simd (04 only added threads): 03 found each tap of a
//   pixel through a table of offsets into the (padded) input, so the
//   convolution never existed as a matrix. This step materializes the
//   matrix: im2col copies, for every tap k = (c, kh, kw) and output pixel
//   j = (oh, ow), the input value it reads (or the padding zero) into
//     col[k][j],  K = ic/g*kh*kw rows by N = oh*ow columns,
//   and the convolution becomes out[oc][j] = bias[oc] + sum_k w[oc][k] col[k][j],
//   a (oc/g x K) by (K x N) GEMM whose output is already NCHW. The GEMM is
//   03's register-blocked micro-kernel unchanged: in a panel of NB pixels
//   (below) tap k of pixel j is at panel + k*NB + j, so the offset table is
//   simply k*NB, and a tile of P pixels may span output rows.
// Why (what it buys, what it costs): the kernel's inner loop no longer
//   depends on stride, dilation or padding — any convolution becomes the
//   same GEMM, which is why libraries lowered to BLAS. The price is memory:
//   the workspace holds kh*kw copies of every input pixel, K*N*4 bytes per
//   (image, group) — 7.06 MiB for ResNet's 3x3 layer mb1ic64ih56oc64kh3ph1
//   against a 0.77 MiB input (9x) — and it is written once and read again,
//   from L3 rather than L2 at that size, inside the timed run.
// Loop nest:
//   for n, for group:
//     im2col: for panel of R output rows, for c, kh, kw (= k), for oh in the panel:
//               col[panel][k][r*ow + ow] = x[c][ih][iw] or 0
//     GEMM:   for panel, for tile of P pixels in it:    // the K x P slice: L1/L2
//               for oc block (V*L output channels):     // packed weights: L2
//                 acc[P][V] = bias; for k: acc += col[panel][k][tile] (broadcast) * w[block][k][:]
//                 transpose and store P pixels of V*L output channels
// Blocking: the register tile is 03's (P x V*L, the whole K in registers).
//   The column matrix is stored panel by panel — R output rows (R*ow >= 56
//   pixels, 1 row for the ResNet layer) — so the K x P slice a tile reads
//   is K short runs 4*R*ow bytes apart inside one contiguous K x R*ow panel
//   (129 KiB here) instead of K rows 4*N = 12.25 KiB apart. Measured in
//   alternating runs: the plain [K][N] layout (kMinPanelPixels = 1 << 30, one
//   panel per image) took 2.60-2.92 ms on the ResNet layer against 2.17-2.22
//   ms with row panels; on the CIFAR layer (a 195 KiB matrix, all in L2) the
//   layout made no difference. The oc
//   blocks are innermost, so each slice is fetched once and reused from
//   L1/L2 by every oc block; the packed weights (147 KiB) stay in L2.
// Where the time goes (ResNet layer; a temporary build skipped one phase
//   after the first call, interleaved with 03): the whole step 2.20 ms; the
//   GEMM alone 1.57 ms (147 GFLOP/s, 86 % of the peak, 9 % behind 03's
//   kernel on the same taps); im2col alone 0.53 ms — 7.06 MiB written at
//   13.6 GB/s; by size (no counters here) more than the 2 MiB L2 holds, so
//   the GEMM reads it back from L3. The lowering costs a third of the run time on top
//   of its 9x memory.
// Measured here (1 thread, medians of 10 with min-max, interleaved with the
//   other steps and the FMA peak, 170 GFLOP/s):
//     mb1ic64ih56oc64kh3ph1  106 GFLOP/s (103-107)   62.4 % of peak, 0.66x 03
//     mb32ic32ih15oc64kh3    97.3 GFLOP/s (95.5-98.1) 57.2 %
//     mb1ic3ih28oc16kh3      49.2 GFLOP/s             28.9 %  (K = 27: im2col is most of it)
//     mb1ic16ih13oc32kh3     65.1 GFLOP/s             38.3 %
//   Re-run:
//   flock /tmp/convlab-measure.lock build/release/convlab run --variant simd,im2col_gemm
//     --shape mb1ic64ih56oc64kh3ph1 --reps 10 --peak
#include <algorithm>
#include <fmt/core.h>
#include <memory>
#include <vector>

#include "convlab/variant.hpp"
#include "ladder_testing.hpp"
#include "simd_kernel.hpp"

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
        pixels_(p.oh() * p.ow()),
        col_(im2col_workspace_bytes(p) / sizeof(float)),
        offsets_(static_cast<std::size_t>(p.reduction_length())),
        ow_begin_(p.kw),
        ow_end_(p.kw) {
    const int64_t OW = p.ow();
    // Row blocks: R output rows = NB pixels whose K x NB panel is contiguous.
    rows_per_block_ = im2col_rows_per_panel(p);
    block_pixels_ = rows_per_block_ * OW;
    for (std::size_t k = 0; k < offsets_.size(); ++k) offsets_[k] = static_cast<int64_t>(k) * block_pixels_;
    for (int64_t kw = 0; kw < p.kw; ++kw) {  // output columns whose tap kw is inside the image
      const int64_t shift = kw * (p.dw + 1) - p.pw;
      int64_t lo = 0, hi = OW;
      while (lo < OW && lo * p.sw + shift < 0) ++lo;
      while (hi > lo && (hi - 1) * p.sw + shift >= p.iw) --hi;
      ow_begin_[kw] = lo;
      ow_end_[kw] = hi;
    }
    job_.x = col_.data();
    job_.x_row = p.reduction_length() * block_pixels_;  // between panels
    job_.offsets = offsets_.data();
    weights_.fill(job_, p);
    job_.y_plane = pixels_;
    job_.y_image = p.oc * pixels_;
    job_.y_row = block_pixels_;
    job_.row_pixels = block_pixels_;  // each panel is a "row" of NB pixels for 03's loop
    job_.tile_width = direct::tile_width(o.isa, weights_.vectors, block_pixels_);
    job_.n0 = 0, job_.n1 = 1;
  }

  std::size_t workspace_bytes() const override { return col_.size() * sizeof(float); }
  // Repacked weights and bias, plus the tables built from the shape.
  std::size_t packed_weight_bytes() const override {
    return weights_.bytes() + (offsets_.size() + ow_begin_.size() + ow_end_.size()) * sizeof(int64_t);
  }
  std::string describe() const override {
    return fmt::format("{}: col {} x {} ({:.2f} MiB), tile {} px x {} oc", to_string(options().isa),
                       params().reduction_length(), pixels_,
                       static_cast<double>(workspace_bytes()) / (1 << 20), job_.tile_width,
                       weights_.vectors * weights_.lanes);
  }

 private:
  void execute(const float* x, float* y) override {
    const Conv2dParams& p = params();
    const int64_t blocks = (p.oh() + rows_per_block_ - 1) / rows_per_block_;
    const int64_t last_pixels = pixels_ - (blocks - 1) * block_pixels_;
    direct::ConvJob job = job_;
    for (int64_t n = 0; n < p.mb; ++n)
      for (job.g = 0; job.g < p.g; ++job.g) {
        im2col(x + (n * p.ic + job.g * p.icg()) * p.ih * p.iw);
        job.y = y + n * job.y_image;
        // Full panels, then the last one, which may hold fewer rows.
        job.oh0 = 0, job.oh1 = blocks - 1, job.row_pixels = block_pixels_;
        simd::dispatch(options().isa, direct::ConvRows{}, job);
        job.oh0 = blocks - 1, job.oh1 = blocks, job.row_pixels = last_pixels;
        simd::dispatch(options().isa, direct::ConvRows{}, job);
      }
  }

  // col[block][k][r*OW + ow] for the group's channels starting at `planes`:
  // tap k = (c, kh, kw) of the pixel (block*R + r, ow), or 0 in the padding.
  void im2col(const float* planes) {
    const Conv2dParams& p = params();
    const int64_t OH = p.oh(), OW = p.ow(), K = p.reduction_length();
    for (int64_t oh0 = 0, block = 0; oh0 < OH; oh0 += rows_per_block_, ++block) {
      const int64_t rows = std::min(rows_per_block_, OH - oh0);
      float* __restrict col = col_.data() + block * K * block_pixels_;
      for (int64_t c = 0; c < p.icg(); ++c)
        for (int64_t kh = 0; kh < p.kh; ++kh)
          for (int64_t kw = 0; kw < p.kw; ++kw, col += block_pixels_) {
            const int64_t lo = ow_begin_[kw], hi = ow_end_[kw];
            const int64_t shift = kw * (p.dw + 1) - p.pw;
            for (int64_t r = 0; r < rows; ++r) {
              float* __restrict dst = col + r * OW;
              const int64_t ih = (oh0 + r) * p.sh - p.ph + kh * (p.dh + 1);
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

  direct::PackedWeights weights_;
  int64_t pixels_;                 // N = oh * ow
  int64_t rows_per_block_ = 1, block_pixels_ = 1;  // R output rows = NB pixels per panel
  direct::Buffer<float> col_;      // the K x N matrix of one (image, group)
  direct::Buffer<int64_t> offsets_;  // k * N: where tap k of pixel 0 is
  direct::Buffer<int64_t> ow_begin_, ow_end_;
  direct::ConvJob job_;
};

}  // namespace

const ConvVariant& im2col_gemm() {
  static const LadderConvVariant<Im2colGemmPlan> v{
      "im2col_gemm", "im2col into a K x N workspace, then 03's register-blocked micro-kernel as a GEMM"};
  return v;
}

}  // namespace convlab::conv2d
