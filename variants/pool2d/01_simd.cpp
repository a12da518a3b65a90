// pool2d step 01 — simd: V output columns at once (xsimd, runtime dispatch
// AVX-512 / AVX2 / SSE4.2), a scalar path only where a window leaves the input.
// CONVLAB_MULTIARCH_FILE
//
// What changed from 00_naive: the innermost loop runs over output columns in
//   vectors of V = 16 / 8 / 4 lanes (AVX-512 / AVX2 / SSE4.2) instead of one
//   output at a time, and the per-window bound arithmetic moves out of the
//   loop: per output row the valid window rows are found once, and the output
//   columns are cut into [0, col_lo) (window hangs over the left edge),
//   [col_lo, col_hi) (window inside the input width: vector code, no bounds
//   checks) and [col_hi, OW) (right edge: padding or an overhanging ceil_mode
//   window). Both edges run the reference's scalar formula.
// Why (the bottleneck 00 has): 00 spends ~10 instructions of loop control and
//   clipping per input element and reduces a 2x2 window one element at a time;
//   here 16 outputs of a 2x2 stride-2 max cost ~20 vector instructions (4
//   loads, 4 permutes, 3 NaN-aware max updates of 3 instructions, 1 store).
//   Once the loop is cheap, a tensor in DRAM exposes the next limit: one core
//   does not keep enough cache misses in flight, so the kernel also prefetches
//   4 KiB ahead of its input stream (kPrefetchAhead).
// Stride along the width — output lane l of tap k reads column
//   (j + l)*sw - pw + k*(dw+1), so the lanes are sw floats apart:
//   sw = 1  contiguous: one unaligned load per tap.
//   sw = 2  de-interleave: load 2V contiguous floats (two vectors) and split
//           them into even and odd lanes with two-source permutes (AVX-512
//           vpermt2ps; AVX2 vshufps + vpermpd; SSE shufps). Tap k with offset
//           o = k*(dw+1) takes the even lanes of the pair loaded at 2*(o/2) if
//           o is even, the odd ones if o is odd, so the two taps of a 2x2
//           window come from ONE pair: 2 loads + 2 permutes per window row,
//           every loaded float used. Chosen over gathers because a gather
//           costs about one load per lane (vgatherdps) where the pair costs two
//           loads and two single-cycle shuffles per 16 lanes.
//   sw = 3, 4  the window at every input column (the stride-1 code), then
//           every sw-th result: sw times the arithmetic, contiguous loads.
//   sw >= 5 hardware gather (xsimd's B::gather: vgatherdps on AVX2/AVX-512,
//           lane inserts on SSE); computing every column would waste sw x.
//           Gathers are slow on this machine (vgatherdps: 4.4 GB/s on
//           max:mb8ic32ih60kh3, where computing every column gives 17.4), and
//           strides above 2 are rare in CNNs (ResNet's stem pool is stride 2).
//   The last block of a row may have n < V lanes (OW = 15 for CIFAR's first
//   pool is never a multiple of 16): AVX-512 and AVX2 use masked loads and
//   stores (no fault beyond the row), SSE copies through a small buffer.
// Exactness — each lane performs the reference's scalar steps in the same
//   order, so every variant is compared bit-exactly (reference.hpp):
//   max: m = isnan(v) ? v : max(v, m) per tap, with max(v, m) = v > m ? v : m
//        (vmaxps's own rule, operands in that order): a NaN anywhere wins (a
//        plain vmaxps would drop it), ties keep the earlier tap (the sign of
//        zero matches too), taps in padding are skipped (-inf never wins).
//   avg: acc = 0, then += each tap in row-major window order, then ONE fp32
//        division by the window's divisor (a reciprocal multiply would round
//        differently).
//   relu1: convlab::simd::relu on the pooled vector (activation.hpp).
// Loop nest (per call: a range of planes, or of row tiles for 02_parallel):
//   for plane (n, c):
//     for oh:                                          // output rows
//       rows = window rows of oh inside the input      // clipped once
//       for ow in [0, col_lo): scalar window           // left padding
//       for ow in [col_lo, col_hi) step V:             // vector body
//         acc = init; for r in rows: for k < kw: acc = combine(acc, tap(r, k))
//         store V (or n) outputs
//       for ow in [col_hi, OW): scalar window          // right padding / ceil
// Working set: kh input rows and one output row per step (a few KiB), so each
//   input byte is read from memory about once (with stride < kernel, the rows
//   shared by neighbouring windows are re-read from L1); the limit is the
//   bandwidth of whichever level holds the tensor.
// Measured here (1 thread, AVX-512, medians over reps with min-max, 00 in the
//   same run; a 2-core VM shared with other jobs):
//   max:mb32ic32ih30kh2 (CIFAR pool1, 4.6 MB, cache-resident)  23.7 GB/s
//     (13.6-24.3), 27.7x 00's 0.85; avg_p 24.9 GB/s (22.5-26.1), 9.7x 00's
//     2.57; avg_np 24.6 GB/s (23.5-25.5), 7.8x 00's 3.15. AVX2 path 19.2,
//     SSE4.2 path 6.5 GB/s (--isa).
//   max:mb160ic64ih112kh2 (642 MB, DRAM): 13.1 GB/s (12.6-13.5) = 96 % of one
//     core's streaming bandwidth sampled alongside (copy 12.4, triad 13.7
//     GB/s); 9.9 GB/s without the prefetch.
//   Re-run: build/release/convlab run --variant naive,simd,parallel --shape max:mb32ic32ih30kh2 --shape avg_p:mb32ic32ih30kh2 --shape avg_np:mb32ic32ih30kh2 --threads 1 --bandwidth --reps 10
//           build/release/convlab run --variant simd,parallel --shape max:mb160ic64ih112kh2 --threads 1 --bandwidth --reps 7
#include "pool2d/simd_kernel.hpp"

#include "convlab/activation.hpp"

#if CONVLAB_ARCH_PASS

#include <cstdint>
#include <cstring>
#include <limits>

namespace convlab::pool2d::simd_kernel {

// What xsimd 8.1 lacks, per ISA: masked (partial) loads and stores, and the
// even/odd split of two vectors. Each specialization exists only in its own
// ISA pass, so no instruction of one ISA can leak into another's code.
template <class Arch>
struct Lanes;

#if defined(CONVLAB_ARCH_PASS_avx512)
template <>
struct Lanes<simd::Avx512> {
  using B = simd::floats<simd::Avx512>;
  static __mmask16 first(int64_t n) { return static_cast<__mmask16>((1u << n) - 1u); }  // n <= 16
  static B load_n(const float* p, int64_t n) { return _mm512_maskz_loadu_ps(first(n), p); }
  static void store_n(float* p, const B& v, int64_t n) { _mm512_mask_storeu_ps(p, first(n), v); }
  static void split(const B& lo, const B& hi, B& even, B& odd) {
    const __m512i e = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i o = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    even = _mm512_permutex2var_ps(lo, e, hi);
    odd = _mm512_permutex2var_ps(lo, o, hi);
  }
};
#elif defined(CONVLAB_ARCH_PASS_avx2)
template <>
struct Lanes<simd::Avx2> {
  using B = simd::floats<simd::Avx2>;
  static __m256i first(int64_t n) {  // lanes < n set
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static B load_n(const float* p, int64_t n) { return _mm256_maskload_ps(p, first(n)); }
  static void store_n(float* p, const B& v, int64_t n) { _mm256_maskstore_ps(p, first(n), v); }
  static void split(const B& lo, const B& hi, B& even, B& odd) {
    // vshufps works within 128-bit halves: [lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6];
    // vpermpd 0xD8 swaps the middle 64-bit pairs into order.
    const __m256 e = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));
    const __m256 o = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1));
    even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8));
    odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), 0xD8));
  }
};
#else
template <>
struct Lanes<simd::Sse42> {
  using B = simd::floats<simd::Sse42>;
  // No masked moves before AVX: go through a buffer (partial blocks only).
  static B load_n(const float* p, int64_t n) {
    alignas(16) float buf[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    std::memcpy(buf, p, static_cast<std::size_t>(n) * sizeof(float));
    return B::load_aligned(buf);
  }
  static void store_n(float* p, const B& v, int64_t n) {
    alignas(16) float buf[4];
    v.store_aligned(buf);
    std::memcpy(p, buf, static_cast<std::size_t>(n) * sizeof(float));
  }
  static void split(const B& lo, const B& hi, B& even, B& odd) {
    even = _mm_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));
    odd = _mm_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1));
  }
};
#endif

enum class Width { contiguous, pairs, picked, gather };

// Software prefetch distance. The input is one sequential stream (planes are
// contiguous and a row's window rows are adjacent), which the L2 streamer
// follows, but on this machine it keeps too few lines in flight for one core
// to reach DRAM's bandwidth: 9.9 GB/s without, 13.1 GB/s with 4 KiB ahead on
// max:mb160ic64ih112kh2 (1 thread; 2-8 KiB all within noise of each other).
inline constexpr int64_t kPrefetchAhead = 4096;
// Largest stride computed at every column and picked (see picked_body).
inline constexpr int64_t kMaxPickedStride = 4;

// Everything about one problem that does not change from row to row.
template <class Arch>
class Pooler {
 public:
  using B = simd::floats<Arch>;
  using L = Lanes<Arch>;
  static constexpr int64_t V = B::size;

  explicit Pooler(const Args& a) : a_(a) {
    step_h_ = a.dh + 1;
    step_w_ = a.dw + 1;
    const int64_t ekw = (a.kw - 1) * step_w_ + 1;
    // Interior columns: window columns [j*sw - pw, j*sw - pw + ekw) inside [0, iw).
    col_lo_ = min(a.ow, (a.pw + a.sw - 1) / a.sw);
    const int64_t room = a.iw + a.pw - ekw;  // last interior j satisfies j*sw <= room
    col_hi_ = room < 0 ? col_lo_ : max(col_lo_, min(a.ow, room / a.sw + 1));
    // A full pair load reads 2V floats from the even offset at or below each
    // tap; the last one may read one float past the window (odd ekw).
    pair_reach_ = 2 * ((ekw - 1) / 2) + 2 * V;
  }

  void pool_item(int64_t item) const {
    const int64_t plane = item / a_.tiles_per_plane, tile = item % a_.tiles_per_plane;
    const int64_t r0 = tile * a_.rows_per_tile;
    const int64_t r1 = min(a_.oh, r0 + a_.rows_per_tile);
    const float* in = a_.x + plane * a_.ih * a_.iw;
    float* out = a_.y + plane * a_.oh * a_.ow;
    // Dense 2- and 3-wide kernels (every CNN pool) get a compile-time tap
    // count, so the tap loop unrolls and the pair bookkeeping folds away.
    const int dense_kw = a_.dw == 0 && (a_.kw == 2 || a_.kw == 3) ? static_cast<int>(a_.kw) : 0;
    if (a_.sw == 1) {
      if (dense_kw == 2) pool_rows<Width::contiguous, 2>(in, out, r0, r1);
      else if (dense_kw == 3) pool_rows<Width::contiguous, 3>(in, out, r0, r1);
      else pool_rows<Width::contiguous, 0>(in, out, r0, r1);
    } else if (a_.sw == 2) {
      if (dense_kw == 2) pool_rows<Width::pairs, 2>(in, out, r0, r1);
      else if (dense_kw == 3) pool_rows<Width::pairs, 3>(in, out, r0, r1);
      else pool_rows<Width::pairs, 0>(in, out, r0, r1);
    } else if (a_.sw <= kMaxPickedStride) {
      if (dense_kw == 2) pool_rows<Width::picked, 2>(in, out, r0, r1);
      else if (dense_kw == 3) pool_rows<Width::picked, 3>(in, out, r0, r1);
      else pool_rows<Width::picked, 0>(in, out, r0, r1);
    } else {
      pool_rows<Width::gather, 0>(in, out, r0, r1);
    }
  }

 private:
  // Output rows [r0, r1) of one plane. KW > 0: kw == KW and dense (dw == 0).
  template <Width W, int KW>
  void pool_rows(const float* in, float* out_plane, int64_t r0, int64_t r1) const {
    for (int64_t oh = r0; oh < r1; ++oh) {
      prefetch_ahead(in, oh);
      float* out = out_plane + oh * a_.ow;
      // Window taps r with input row h0 + r*step_h inside [0, ih).
      const int64_t h0 = oh * a_.sh - a_.ph;
      int64_t r_begin = 0, r_end = 0;
      if (step_h_ == 1) {  // the common case, without two integer divisions per row
        r_begin = max(-h0, 0);
        r_end = min(a_.kh, a_.ih - h0);
      } else {
        r_begin = h0 >= 0 ? 0 : (-h0 + step_h_ - 1) / step_h_;
        r_end = h0 >= a_.ih ? 0 : min(a_.kh, (a_.ih - 1 - h0) / step_h_ + 1);
      }
      float divisor = 1.0f;
      if (a_.alg == PoolAlg::avg_include_pad)  // rows clipped to the padded input, full kw
        divisor = static_cast<float>((min(h0 + a_.kh, a_.ih + a_.ph) - h0) * a_.kw);
      else if (a_.alg == PoolAlg::avg_exclude_pad)
        divisor = static_cast<float>(max(r_end - r_begin, 0) * a_.kw);

      for (int64_t j = 0; j < col_lo_; ++j) out[j] = finish(scalar_window(in, oh, j));
      if (a_.alg == PoolAlg::max) vector_body<W, KW, true>(in, out, h0, r_begin, r_end, divisor);
      else vector_body<W, KW, false>(in, out, h0, r_begin, r_end, divisor);
      for (int64_t j = col_hi_; j < a_.ow; ++j) out[j] = finish(scalar_window(in, oh, j));
    }
  }

  template <Width W, int KW, bool IsMax>
  void vector_body(const float* in, float* out, int64_t h0, int64_t r_begin, int64_t r_end,
                   float divisor) const {
    if constexpr (W == Width::picked) {
      picked_body<KW, IsMax>(in, out, h0, r_begin, r_end, divisor);
      return;
    }
    int64_t j = col_lo_;
    // Full blocks: V lanes, unmasked loads that stay inside the row.
    for (; j + V <= col_hi_; j += V) {
      if (W == Width::pairs && j * 2 - a_.pw + pair_reach_ > a_.iw) break;
      window_block<W, KW, IsMax, true>(in, h0, r_begin, r_end, j * a_.sw - a_.pw, V, divisor)
          .store_unaligned(out + j);
    }
    // The rest (fewer than V lanes, or a pair load that would cross the row's end).
    for (; j < col_hi_; j += V) {
      const int64_t n = min(V, col_hi_ - j);
      L::store_n(out + j,
                 window_block<W, KW, IsMax, false>(in, h0, r_begin, r_end, j * a_.sw - a_.pw, n, divisor),
                 n);
    }
  }

  // Strides 3 and 4: the window at EVERY input column from the block's first
  // window to its last (contiguous loads, exactly the stride-1 code), then
  // every sw-th result. sw times the arithmetic, but no gather: vgatherdps
  // measured 4.4 GB/s on max:mb8ic32ih60kh3 here, slower than the extra adds.
  // The in-between columns' windows lie between the kept ones', inside the row.
  template <int KW, bool IsMax>
  void picked_body(const float* in, float* out, int64_t h0, int64_t r_begin, int64_t r_end,
                   float divisor) const {
    alignas(64) float at_column[kMaxPickedStride * V];  // V outputs span < kMaxPickedStride*V columns
    for (int64_t j = col_lo_; j < col_hi_; j += V) {
      const int64_t n = min(V, col_hi_ - j);
      const int64_t col0 = j * a_.sw - a_.pw, span = (n - 1) * a_.sw + 1;
      for (int64_t c = 0; c < span; c += V) {
        const int64_t m = min(V, span - c);
        const B r = m == V ? window_block<Width::contiguous, KW, IsMax, true>(in, h0, r_begin, r_end,
                                                                              col0 + c, V, divisor)
                           : window_block<Width::contiguous, KW, IsMax, false>(
                                 in, h0, r_begin, r_end, col0 + c, m, divisor);
        r.store_aligned(at_column + c);
      }
      for (int64_t l = 0; l < n; ++l) out[j + l] = at_column[l * a_.sw];
    }
  }

  // V interior outputs (the first n when !Full) whose lane 0 window starts at
  // input column col0.
  template <Width W, int KW, bool IsMax, bool Full>
  B window_block(const float* in, int64_t h0, int64_t r_begin, int64_t r_end, int64_t col0,
                 int64_t n, float divisor) const {
    B acc = IsMax ? B(-std::numeric_limits<float>::infinity()) : B(0.0f);
    bool first_tap = true;
    for (int64_t r = r_begin; r < r_end; ++r) {
      const float* src = in + (h0 + r * step_h_) * a_.iw + col0;
      for_each_tap<W, KW, Full>(src, col0, n, [&](const B& v) {
        if constexpr (!IsMax) {
          acc += v;
        } else {
          // The first tap replaces the -inf start: what the update gives, NaN included.
          acc = first_tap ? v : xsimd::select(xsimd::isnan(v), v, xsimd::max(v, acc));
          first_tap = false;
        }
      });
    }
    if (!IsMax && r_begin < r_end) acc = acc / B(divisor);
    return a_.relu ? simd::relu<Arch>(acc) : acc;
  }

  // Calls f(tap vector) for k = 0..kw-1, in order.
  template <Width W, int KW, bool Full, class F>
  void for_each_tap(const float* src, int64_t col0, int64_t n, F&& f) const {
    const int64_t kw = KW > 0 ? KW : a_.kw;
    const int64_t step = KW > 0 ? 1 : step_w_;
    if constexpr (W == Width::contiguous) {
      for (int64_t k = 0; k < kw; ++k) {
        const float* p = src + k * step;
        f(Full ? B::load_unaligned(p) : L::load_n(p, n));
      }
    } else if constexpr (W == Width::pairs) {
      int64_t loaded = -1;  // even offset of the pair in registers
      B even, odd;
      for (int64_t k = 0; k < kw; ++k) {
        const int64_t off = k * step, base = off & ~int64_t{1};
        if (base != loaded) {
          const float* p = src + base;
          B lo, hi;
          if (Full) {
            lo = B::load_unaligned(p);
            hi = B::load_unaligned(p + V);
          } else {  // only the floats inside the row: 2n, or up to its end
            const int64_t avail = min(2 * n, a_.iw - (col0 + base));
            lo = L::load_n(p, min(avail, V));
            hi = L::load_n(p + V, max(avail - V, 0));
          }
          L::split(lo, hi, even, odd);
          loaded = base;
        }
        f(off & 1 ? odd : even);
      }
    } else {
      using I = xsimd::batch<int32_t, Arch>;
      alignas(64) int32_t lane[V];
      for (int64_t l = 0; l < V; ++l) lane[l] = static_cast<int32_t>(l);
      I index = I::load_aligned(lane);
      // Lanes past n repeat lane n-1: never outside the row.
      // (select, not xsimd::min: GCC 12's _mm512_min_epi32 trips -Wuninitialized in its own header.)
      if (!Full) {
        const I last(static_cast<int32_t>(n - 1));
        index = xsimd::select(index > last, last, index);
      }
      index = index * I(static_cast<int32_t>(a_.sw));
      for (int64_t k = 0; k < kw; ++k) f(B::gather(src + k * step, index));
    }
  }

  // The reference's formula for one output (edges only).
  float scalar_window(const float* in, int64_t oh, int64_t ow) const {
    const int64_t h0 = oh * a_.sh - a_.ph, w0 = ow * a_.sw - a_.pw;
    if (a_.alg == PoolAlg::max) {
      float m = -std::numeric_limits<float>::infinity();
      for (int64_t r = 0; r < a_.kh; ++r) {
        const int64_t h = h0 + r * step_h_;
        if (h < 0 || h >= a_.ih) continue;
        for (int64_t k = 0; k < a_.kw; ++k) {
          const int64_t w = w0 + k * step_w_;
          if (w < 0 || w >= a_.iw) continue;
          const float v = in[h * a_.iw + w];
          if (v > m || v != v) m = v;
        }
      }
      return m;
    }
    int64_t h1 = min(h0 + a_.kh, a_.ih + a_.ph), w1 = min(w0 + a_.kw, a_.iw + a_.pw);
    const int64_t padded_count = (h1 - h0) * (w1 - w0);
    const int64_t hs = max(h0, 0), ws = max(w0, 0);
    h1 = min(h1, a_.ih);
    w1 = min(w1, a_.iw);
    if (hs >= h1 || ws >= w1) return 0.0f;
    float sum = 0.0f;
    for (int64_t h = hs; h < h1; ++h)
      for (int64_t w = ws; w < w1; ++w) sum += in[h * a_.iw + w];
    const int64_t divisor =
        a_.alg == PoolAlg::avg_include_pad ? padded_count : (h1 - hs) * (w1 - ws);
    return sum / static_cast<float>(divisor);
  }

  // The input this row's window advances over (sh rows), kPrefetchAhead bytes
  // further on: the rows of an output row a few rows down, or of the next plane
  // (planes are contiguous). Addresses are formed as integers: they may lie
  // outside the tensor, which a prefetch tolerates and pointer arithmetic does not.
  void prefetch_ahead(const float* in, int64_t oh) const {
    const std::uintptr_t start = reinterpret_cast<std::uintptr_t>(in) +
                                 static_cast<std::uintptr_t>((oh * a_.sh - a_.ph) * a_.iw * 4) +
                                 kPrefetchAhead;
    for (int64_t b = 0; b < a_.sh * a_.iw * 4; b += 64)
      __builtin_prefetch(reinterpret_cast<const void*>(start + static_cast<std::uintptr_t>(b)), 0, 3);
  }

  float finish(float v) const { return a_.relu ? simd::relu(Arch{}, v) : v; }
  // Members, not std::min/max: arch-pass helpers must be templates on Arch (simd.hpp).
  static int64_t min(int64_t x, int64_t y) { return x < y ? x : y; }
  static int64_t max(int64_t x, int64_t y) { return x > y ? x : y; }

  const Args a_;  // a copy: its fields stay in registers across the stores
  int64_t step_h_ = 1, step_w_ = 1;
  int64_t col_lo_ = 0, col_hi_ = 0;
  int64_t pair_reach_ = 0;
};

template <class Arch>
void Kernel::operator()(Arch, const Args& a) const {
  const Pooler<Arch> pooler(a);
  for (int64_t item = a.first_item; item < a.last_item; ++item) pooler.pool_item(item);
}

}  // namespace convlab::pool2d::simd_kernel

CONVLAB_DEFINE_KERNEL(convlab::pool2d::simd_kernel::Kernel,
                      const convlab::pool2d::simd_kernel::Args&);

#else  // baseline pass: the plan

#include <memory>
#include <string>

#include "convlab/variant.hpp"

namespace convlab::pool2d {

namespace simd_kernel {

Args whole_problem(const Pool2dParams& p) {
  Args a;
  a.alg = p.alg;
  a.relu = p.relu;
  a.ih = p.ih, a.iw = p.iw, a.oh = p.oh(), a.ow = p.ow();
  a.kh = p.kh, a.kw = p.kw, a.sh = p.sh, a.sw = p.sw;
  a.ph = p.ph, a.pw = p.pw, a.dh = p.dh, a.dw = p.dw;
  a.tiles_per_plane = 1;
  a.rows_per_tile = a.oh;
  a.first_item = 0;
  a.last_item = p.mb * p.ic;
  return a;
}

const char* width_scheme(int64_t stride_w) {
  return stride_w == 1   ? "contiguous loads (stride 1)"
         : stride_w == 2 ? "two loads split into even/odd lanes (stride 2)"
         : stride_w <= 4 ? "every column at stride 1, every sw-th kept (stride 3-4)"
                         : "gathers (stride >= 5)";
}

}  // namespace simd_kernel

namespace {

class SimdPlan final : public PoolPlan {
 public:
  SimdPlan(const Pool2dParams& p, const PlanOptions& o)
      : PoolPlan(p, o), args_(simd_kernel::whole_problem(p)) {}

  std::string describe() const override {
    return std::to_string(vector_floats(options().isa)) + " lanes (" + to_string(options().isa) +
           "), " + simd_kernel::width_scheme(params().sw);
  }

 private:
  void execute(const float* x, float* y) override {
    simd_kernel::Args a = args_;
    a.x = x;
    a.y = y;
    simd::dispatch(options().isa, simd_kernel::Kernel{}, a);
  }

  simd_kernel::Args args_;
};

}  // namespace

const PoolVariant& simd() {
  static const LadderPoolVariant<SimdPlan> v{
      "simd", "xsimd along the output width (even/odd split for stride 2), scalar edges"};
  return v;
}

}  // namespace convlab::pool2d

#endif
