// The pooling problem as plain data (it crosses the ISA dispatch), and the
// two formulas every pool step shares: the window of one output, as the
// reference defines it (00 for every output, the later steps at the edges),
// and the clipping of one output row's window to the input (01 onwards).
//
// The helpers are always inlined: SIMD files compile them once per ISA, and
// an out-of-line copy could leak one ISA's instructions into another's
// callers (src/convlab/simd.hpp).
#pragma once

#include <cstdint>
#include <limits>

#include "convlab/params.hpp"

namespace convlab::pool2d::kernel {

// The output of plane p = n*ic + c is cut into tiles_per_plane tiles of
// rows_per_tile output rows (the last one shorter); item i is tile
// i % tiles_per_plane of plane i / tiles_per_plane. A tile never splits an
// output row, so any split computes every output with the same code.
struct Args {
  const float* x = nullptr;
  float* y = nullptr;
  PoolAlg alg = PoolAlg::max;
  bool relu = false;
  bool strided_windows = true;  // step 03's loads for sw = 2..4; gathers otherwise
  int64_t ih = 0, iw = 0, oh = 0, ow = 0;
  int64_t kh = 0, kw = 0, sh = 0, sw = 0, ph = 0, pw = 0, dh = 0, dw = 0;
  int64_t divisor_override = 0;  // avg: PyTorch's divisor_override, 0 = none
  int64_t tiles_per_plane = 1, rows_per_tile = 0;
  int64_t first_item = 0, last_item = 0;
};

// Shape fields from p; one tile per plane covering every item (buffers unset).
Args whole_problem(const Pool2dParams& p);

[[gnu::always_inline]] inline int64_t min(int64_t x, int64_t y) { return x < y ? x : y; }
[[gnu::always_inline]] inline int64_t max(int64_t x, int64_t y) { return x > y ? x : y; }

// Max pooling's value and argmax (h*iw + w) of output (oh, ow), PyTorch's
// return_indices: the first maximum in window order, the last NaN, and the
// first tap inside the input when every tap is -inf. Fused ReLU included.
struct ArgMax {
  float value;
  int64_t index;
};
[[gnu::always_inline]] inline ArgMax window_argmax(const Args& a, const float* in, int64_t oh, int64_t ow) {
  const int64_t h0 = oh * a.sh - a.ph, w0 = ow * a.sw - a.pw;
  ArgMax m{-std::numeric_limits<float>::infinity(), -1};
  for (int64_t r = 0; r < a.kh; ++r) {
    const int64_t h = h0 + r * (a.dh + 1);
    if (h < 0 || h >= a.ih) continue;
    for (int64_t k = 0; k < a.kw; ++k) {
      const int64_t w = w0 + k * (a.dw + 1);
      if (w < 0 || w >= a.iw) continue;
      const float x = in[h * a.iw + w];
      if (m.index < 0) m.index = h * a.iw + w;
      if (x > m.value || x != x) m = {x, h * a.iw + w};
    }
  }
  if (a.relu && !(m.value > 0.0f || m.value != m.value)) m.value = 0.0f;
  return m;
}

// The reference's formula for output (oh, ow) of one plane, fused ReLU included.
[[gnu::always_inline]] inline float window_value(const Args& a, const float* in, int64_t oh, int64_t ow) {
  // Max pooling: the value of its argmax scan, fused ReLU included (padding
  // is -inf: it never wins, so it is skipped; NaN propagates as in np.max).
  if (a.alg == PoolAlg::max) return window_argmax(a, in, oh, ow).value;
  const int64_t h0 = oh * a.sh - a.ph, w0 = ow * a.sw - a.pw;
  float v = 0.0f;
  int64_t h1 = min(h0 + a.kh, a.ih + a.ph), w1 = min(w0 + a.kw, a.iw + a.pw);
  const int64_t padded_count = (h1 - h0) * (w1 - w0);
  const int64_t hs = max(h0, 0), ws = max(w0, 0);
  h1 = min(h1, a.ih);
  w1 = min(w1, a.iw);
  if (hs < h1 && ws < w1) {
    for (int64_t h = hs; h < h1; ++h)
      for (int64_t w = ws; w < w1; ++w) v += in[h * a.iw + w];
    v = avg_quotient(v, static_cast<float>(a.divisor_override != 0 ? a.divisor_override
                                           : a.alg == PoolAlg::avg_include_pad
                                               ? padded_count
                                               : (h1 - hs) * (w1 - ws)));
  }
  return a.relu && !(v > 0.0f || v != v) ? 0.0f : v;  // relu() of activation.hpp, inlined
}

// Output columns [col_lo, col_hi) whose windows lie inside the input width.
struct Interior {
  int64_t col_lo = 0, col_hi = 0;
};
[[gnu::always_inline]] inline Interior interior_columns(const Args& a) {
  const int64_t ekw = (a.kw - 1) * (a.dw + 1) + 1;
  Interior c;
  c.col_lo = min(a.ow, (a.pw + a.sw - 1) / a.sw);
  const int64_t room = a.iw + a.pw - ekw;  // the last interior j satisfies j*sw <= room
  c.col_hi = room < 0 ? c.col_lo : max(c.col_lo, min(a.ow, room / a.sw + 1));
  return c;
}

// The window rows of output row oh inside the input, r_begin <= r < r_end,
// and the average's divisor for an interior column (full kw).
struct RowWindow {
  int64_t h0 = 0, r_begin = 0, r_end = 0;
  float divisor = 1.0f;
};
[[gnu::always_inline]] inline RowWindow row_window(const Args& a, int64_t oh) {
  RowWindow w;
  const int64_t step = a.dh + 1;
  w.h0 = oh * a.sh - a.ph;
  if (step == 1) {  // the common case, without two integer divisions per row
    w.r_begin = max(-w.h0, 0);
    w.r_end = min(a.kh, a.ih - w.h0);
  } else {
    w.r_begin = w.h0 >= 0 ? 0 : (-w.h0 + step - 1) / step;
    w.r_end = w.h0 >= a.ih ? 0 : min(a.kh, (a.ih - 1 - w.h0) / step + 1);
  }
  if (a.divisor_override != 0)
    w.divisor = static_cast<float>(a.divisor_override);
  else if (a.alg == PoolAlg::avg_include_pad)  // rows clipped to the padded input
    w.divisor = static_cast<float>((min(w.h0 + a.kh, a.ih + a.ph) - w.h0) * a.kw);
  else if (a.alg == PoolAlg::avg_exclude_pad)
    w.divisor = static_cast<float>(max(w.r_end - w.r_begin, 0) * a.kw);
  return w;
}

}  // namespace convlab::pool2d::kernel
