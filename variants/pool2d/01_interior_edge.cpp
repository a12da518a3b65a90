// pool2d step 01 — interior/edge split: the bound arithmetic leaves the inner
// loop; still scalar, plain C++.
//
// What changed from 00_naive: 00 clips every window against the input. Here
//   the clipping is done once per output row (which window rows lie inside
//   the input, and the average's divisor) and once per problem (which output
//   columns have windows inside the input width: kernel/window.hpp). Output
//   columns are cut into [0, col_lo) (window hangs over the left edge),
//   [col_lo, col_hi) (the interior: no bounds test in the tap loops) and
//   [col_hi, OW) (right edge, padding or a ceil_mode overhang); the edges keep
//   00's formula.
// Why (the bottleneck): per element, 00 spends its time on loop control and
//   clipping; the interior, almost every output, now runs the bare reduction.
// Loop nest:
//   for n, c: for oh: rows = window rows of oh inside the input   // once per row
//     for ow < col_lo: 00's window;  for ow >= col_hi: 00's window
//     for ow in [col_lo, col_hi): for r in rows, for k < kw:
//       acc = max(acc, x[h0 + r*(dh+1), ow*sw - pw + k*(dw+1)])  (or sum; then / divisor)
// Working set: kh input rows and one output row.
// Measured (AMD EPYC (Zen 5), AVX-512 VM, 1 thread, medians of 5): 1.08 GB/s on
//   max:mb32ic32ih30kh2, 1.08x naive: for a 2x2 window the clipping was a small
//   part; the scalar, one-element-at-a-time reduction is the cost (step 02).
//   Re-run: build/release/convlab run --variant naive,interior_edge --shape max:mb32ic32ih30kh2 --reps 5
#include <limits>
#include <memory>

#include "convlab/variant.hpp"
#include "pool2d/kernel/window.hpp"

namespace convlab::pool2d {

namespace {

class InteriorEdgePlan final : public PoolPlan {
 public:
  static constexpr bool kWritesIndices = true;  // max_pool2d's return_indices (idx1), for training
  InteriorEdgePlan(const Pool2dParams& p, const PlanOptions& o)
      : PoolPlan(p, o), args_(kernel::whole_problem(p)), interior_(kernel::interior_columns(args_)) {}

 private:
  void execute(const float* x, float* y) override {
    const kernel::Args& a = args_;
    for (int64_t plane = 0; plane < a.last_item; ++plane) {
      const float* in = x + plane * a.ih * a.iw;
      for (int64_t oh = 0; oh < a.oh; ++oh) {
        float* out = y + (plane * a.oh + oh) * a.ow;
        const kernel::RowWindow rows = kernel::row_window(a, oh);
        for (int64_t ow = 0; ow < interior_.col_lo; ++ow) out[ow] = kernel::window_value(a, in, oh, ow);
        for (int64_t ow = interior_.col_lo; ow < interior_.col_hi; ++ow) out[ow] = interior(in, rows, ow);
        for (int64_t ow = interior_.col_hi; ow < a.ow; ++ow) out[ow] = kernel::window_value(a, in, oh, ow);
      }
    }
  }

  // The same split with the argmax of each window (max pooling only): the
  // edges take 00's formula, the interior the first maximum in window order.
  void execute_with_indices(const float* x, float* y, int64_t* indices) override {
    const kernel::Args& a = args_;
    for (int64_t plane = 0; plane < a.last_item; ++plane) {
      const float* in = x + plane * a.ih * a.iw;
      for (int64_t oh = 0; oh < a.oh; ++oh) {
        const int64_t row = (plane * a.oh + oh) * a.ow;
        const kernel::RowWindow rows = kernel::row_window(a, oh);
        for (int64_t ow = 0; ow < a.ow; ++ow) {
          const bool inside = ow >= interior_.col_lo && ow < interior_.col_hi && rows.r_begin < rows.r_end;
          const kernel::ArgMax m = inside ? interior_argmax(in, rows, ow) : kernel::window_argmax(a, in, oh, ow);
          y[row + ow] = m.value;
          indices[row + ow] = m.index;
        }
      }
    }
  }

  kernel::ArgMax interior_argmax(const float* in, const kernel::RowWindow& rows, int64_t ow) const {
    const kernel::Args& a = args_;
    const int64_t w0 = ow * a.sw - a.pw;
    float best = -std::numeric_limits<float>::infinity();
    int64_t best_at = (rows.h0 + rows.r_begin * (a.dh + 1)) * a.iw + w0;
    for (int64_t r = rows.r_begin; r < rows.r_end; ++r) {
      const int64_t at = (rows.h0 + r * (a.dh + 1)) * a.iw + w0;
      for (int64_t k = 0; k < a.kw; ++k) {
        // Selects, not branches: on real data which tap wins is a coin toss,
        // and a mispredicted branch per tap cost more than the comparison.
        const float v = in[at + k * (a.dw + 1)];
        const bool wins = v > best || v != v;
        best = wins ? v : best;
        best_at = wins ? at + k * (a.dw + 1) : best_at;
      }
    }
    if (a.relu && !(best > 0.0f || best != best)) best = 0.0f;
    return {best, best_at};
  }

  // Output column ow of a row whose window rows inside the input are `rows`:
  // every tap is inside the input, in the reference's order.
  float interior(const float* in, const kernel::RowWindow& rows, int64_t ow) const {
    const kernel::Args& a = args_;
    const bool is_max = a.alg == PoolAlg::max;
    float acc = is_max ? -std::numeric_limits<float>::infinity() : 0.0f;
    for (int64_t r = rows.r_begin; r < rows.r_end; ++r) {
      const float* src = in + (rows.h0 + r * (a.dh + 1)) * a.iw + ow * a.sw - a.pw;
      for (int64_t k = 0; k < a.kw; ++k) {
        const float v = src[k * (a.dw + 1)];
        if (!is_max) acc += v;
        else if (v > acc || v != v) acc = v;
      }
    }
    if (!is_max && rows.r_begin < rows.r_end) acc = avg_quotient(acc, rows.divisor);
    return a.relu && !(acc > 0.0f || acc != acc) ? 0.0f : acc;
  }

  kernel::Args args_;
  kernel::Interior interior_;
};

}  // namespace

const PoolVariant& interior_edge() {
  return ladder_step<InteriorEdgePlan>("interior_edge", "bounds hoisted: window rows clipped once per row, interior columns without tests");
}

}  // namespace convlab::pool2d
