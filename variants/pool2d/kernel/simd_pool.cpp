// The vectorized pooling kernel (simd_pool.hpp), compiled once per ISA.
// CONVLAB_MULTIARCH_FILE
//
// Exactness: each lane performs the reference's scalar steps in the same
// order, so every step is compared bit-exactly (reference.hpp). max:
// m = isnan(v) ? v : max(v, m) per tap with max(v, m) = v > m ? v : m
// (vmaxps's rule, operands in that order): a NaN anywhere wins, ties keep the
// earlier tap (the sign of zero too), taps in padding are skipped. avg: 0,
// then += each tap in row-major window order, then ONE fp32 division.
#include "pool2d/kernel/simd_pool.hpp"

#if CONVLAB_ARCH_PASS

#include <cstdint>
#include <cstring>
#include <limits>

#include "convlab/activation.hpp"

namespace convlab::pool2d::kernel {

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
    const Interior interior = interior_columns(a);
    col_lo_ = interior.col_lo;
    col_hi_ = interior.col_hi;
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
    } else if (!a_.strided_windows || a_.sw > kMaxPickedStride) {
      pool_rows<Width::gather, 0>(in, out, r0, r1);
    } else if (a_.sw == 2) {
      if (dense_kw == 2) pool_rows<Width::pairs, 2>(in, out, r0, r1);
      else if (dense_kw == 3) pool_rows<Width::pairs, 3>(in, out, r0, r1);
      else pool_rows<Width::pairs, 0>(in, out, r0, r1);
    } else {
      if (dense_kw == 2) pool_rows<Width::picked, 2>(in, out, r0, r1);
      else if (dense_kw == 3) pool_rows<Width::picked, 3>(in, out, r0, r1);
      else pool_rows<Width::picked, 0>(in, out, r0, r1);
    }
  }

 private:
  // Output rows [r0, r1) of one plane. KW > 0: kw == KW and dense (dw == 0).
  template <Width W, int KW>
  void pool_rows(const float* in, float* out_plane, int64_t r0, int64_t r1) const {
    for (int64_t oh = r0; oh < r1; ++oh) {
      prefetch_ahead(in, oh);
      float* out = out_plane + oh * a_.ow;
      const RowWindow w = row_window(a_, oh);
      for (int64_t j = 0; j < col_lo_; ++j) out[j] = window_value(a_, in, oh, j);
      if (a_.alg == PoolAlg::max) vector_body<W, KW, true>(in, out, w.h0, w.r_begin, w.r_end, w.divisor);
      else vector_body<W, KW, false>(in, out, w.h0, w.r_begin, w.r_end, w.divisor);
      for (int64_t j = col_hi_; j < a_.ow; ++j) out[j] = window_value(a_, in, oh, j);
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
    if (!IsMax && r_begin < r_end) acc = acc / B(divisor) + B(0.0f);  // avg_quotient: -0 is +0
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

  const Args a_;  // a copy: its fields stay in registers across the stores
  int64_t step_h_ = 1, step_w_ = 1;
  int64_t col_lo_ = 0, col_hi_ = 0;
  int64_t pair_reach_ = 0;
};

template <class Arch>
void PoolItems::operator()(Arch, const Args& a) const {
  const Pooler<Arch> pooler(a);
  for (int64_t item = a.first_item; item < a.last_item; ++item) pooler.pool_item(item);
}

}  // namespace convlab::pool2d::kernel

CONVLAB_DEFINE_KERNEL(convlab::pool2d::kernel::PoolItems, const convlab::pool2d::kernel::Args&);

#else  // baseline pass

namespace convlab::pool2d::kernel {

Args whole_problem(const Pool2dParams& p) {
  Args a;
  a.alg = p.alg;
  a.relu = p.relu;
  a.ih = p.ih, a.iw = p.iw, a.oh = p.oh(), a.ow = p.ow();
  a.kh = p.kh, a.kw = p.kw, a.sh = p.sh, a.sw = p.sw;
  a.ph = p.ph, a.pw = p.pw, a.dh = p.dh, a.dw = p.dw;
  a.divisor_override = p.divisor;
  a.tiles_per_plane = 1;
  a.rows_per_tile = a.oh;
  a.first_item = 0;
  a.last_item = p.mb * p.ic;
  return a;
}

const char* width_scheme(int64_t stride_w, bool strided_windows) {
  if (stride_w == 1) return "contiguous loads (stride 1)";
  if (!strided_windows || stride_w > 4) return "gathers (stride > 1)";
  return stride_w == 2 ? "two loads split into even/odd lanes (stride 2)"
                       : "every column at stride 1, every sw-th kept (stride 3-4)";
}

}  // namespace convlab::pool2d::kernel

#endif
