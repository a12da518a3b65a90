// conv2d backward-weights step 02 — gemm: dW = dY x im2col(X)^T, the
//   reduction running over the long N*OH*OW dimension, never over one row.
// CONVLAB_MULTIARCH_FILE (the tile kernel is compiled per ISA, simd.hpp)
// What changed from w1_reduction: the positions p = (n, oh, ow) are one flat
//   axis. Per group, dW[oc][k] = sum_p D[oc][p] * C[k][p], k = (c, kh, kw):
//   D = dy packed [oc][P], C = im2col rows of x packed NK taps at a time over
//   a sub-block of Pb positions (per-thread scratch, padding as zeros). A tile
//   keeps MR x NK vector accumulators (AVX-512 4x6, AVX2/SSE 4x3). Threads
//   split the OUTPUT only (group x oc part x tap part): each dW is summed by
//   one tile, sub-blocks in order, lanes by a fixed shuffle tree (reduce_lanes):
//   the same bits for any thread count, no partial copies of dW.
// Why (w1's bottleneck): a row of OW = 13 fills one 16-lane vector, so w1 paid
//   a row's address arithmetic, a padding test and 3 wasted lanes per MR*NK
//   FMAs; here the body is MR + NK loads and MR*NK FMAs, nothing else.
// Loop nest: [threads] D = pack(dy); x -> Xp (padded, sw phases)
//   [threads] for item (g, oc part, tap part): for sub-block of Pb positions:
//     for NK-tap tile: C = im2col(Xp) rows; for MR-channel tile:
//       acc[m][j] += D[o+m][p] * C[j][p] over p;  dW[o+m][k+j] (+)= lanes(acc)
// Tiles: NK * Pb floats of C (24 KiB at 6 x 1024) stay in L1 across the channel
//   tiles; D's sub-block (~256 KiB) streams from L2. Pb ~ 64K floats / OC, at
//   least 1024, so the lane sums stay a few % of the FMAs.
// Measured (AMD EPYC family 26 (Zen 5), AVX-512, 1 thread, best of 15): cifar
//   conv2 mb32ic32ih15oc64kh3 138 GFLOP/s (w1 58, oneDNN 101, forward 195).
//   Re-run: flock /tmp/convlab-cpu.lock build/release/tests/convlab_tests
//   --gtest_also_run_disabled_tests --gtest_filter='ConvBwd.DISABLED_SuiteTiming'
#include <algorithm>
#include <type_traits>

#include "convlab/simd.hpp"

namespace convlab::conv2d_bwd::gemm_detail {
struct TileArgs {
  const float* d;  // D rows of the tile's group: [oc][ldd], at the sub-block's first position
  const float* c;  // the NK im2col rows of the sub-block: [j][ldc]
  float* dw;       // dW row of channel o0, column k0: dw[m * K + j]
  int64_t ldd, ldc, K;
  int64_t len;     // positions, a multiple of the vector width
  int64_t oc0, oc1, nk;  // channel tile range of the part, taps in this tile (<= kMaxNk)
  bool accumulate;       // += (a later sub-block) or = (the first)
};
struct Tiles {
  template <class Arch>
  void operator()(Arch, const TileArgs& a) const;
};
// One run of consecutive positions within an output row: im2col row k reads
// Xp[n][c][ih0 + kh*(dh+1)][phase(kw)][start(kw) + ow ..] for cnt positions.
struct Segment {
  int64_t x;    // Xp offset of (n, channel 0, row 0) plus ow
  int64_t ih0;  // oh * sh - pt
  int64_t dst;  // position - sub-block start
  int64_t cnt;
};
struct PackArgs {
  const float* xp;
  const float* xp_end;  // no vector reads past this
  const Segment* seg;
  int64_t segs;
  float* dst;        // nk rows of ldc floats
  int64_t ldc, len;  // len: the padded sub-block (zeros from the segments' end)
  int64_t c0, k0, nk;
  int64_t KH, KW, IH, SW, Lp, dh, dwd, plane;  // plane: floats of one (n, c) in Xp
};
struct Pack {
  template <class Arch>
  void operator()(Arch, const PackArgs& a) const;
};
struct BiasArgs {
  const float* d;  // D, [oc][ldd]
  float* db;
  int64_t ldd, oc, len;  // len: the whole padded position count
};
struct Bias {
  template <class Arch>
  void operator()(Arch, const BiasArgs& a) const;
};
}  // namespace convlab::conv2d_bwd::gemm_detail
CONVLAB_DECLARE_KERNEL(convlab::conv2d_bwd::gemm_detail::Tiles, const convlab::conv2d_bwd::gemm_detail::TileArgs&);
CONVLAB_DECLARE_KERNEL(convlab::conv2d_bwd::gemm_detail::Pack, const convlab::conv2d_bwd::gemm_detail::PackArgs&);
CONVLAB_DECLARE_KERNEL(convlab::conv2d_bwd::gemm_detail::Bias, const convlab::conv2d_bwd::gemm_detail::BiasArgs&);

#if CONVLAB_ARCH_PASS

namespace convlab::conv2d_bwd::gemm_detail {
namespace {

template <class Arch>
constexpr int kMr = 4;
template <class Arch>
constexpr int kNk = std::is_same_v<Arch, simd::Avx512> ? 6 : 3;

// sums[i] = the lanes of v[i] added up, N vectors at once: a transposing
// tree of shuffles and adds (AVX-512: 45 instructions per 16 vectors, AVX2:
// 21 per 8) in place of one horizontal add per vector (~10 each). The order
// of the lanes' additions is fixed per ISA, as hadd's is.
template <class Arch, int N>
void reduce_lanes(const xsimd::batch<float, Arch>* v, float* sums) {
  using B = xsimd::batch<float, Arch>;
#if defined(CONVLAB_ARCH_PASS_avx512)
  if constexpr (std::is_same_v<Arch, simd::Avx512>) {
    for (int i0 = 0; i0 < N; i0 += 16) {
      __m512 x[16];
      for (int i = 0; i < 16; ++i) x[i] = i0 + i < N ? static_cast<__m512>(v[i0 + i]) : _mm512_setzero_ps();
      __m512 s[8], t[4];
      for (int i = 0; i < 8; ++i)  // 512 -> 256 bits: [x2i halves summed | x2i+1 halves summed]
        s[i] = _mm512_add_ps(_mm512_shuffle_f32x4(x[2 * i], x[2 * i + 1], 0x44),
                             _mm512_shuffle_f32x4(x[2 * i], x[2 * i + 1], 0xEE));
      for (int i = 0; i < 4; ++i)  // 256 -> 128: block b of t[i] holds x[4i + b]
        t[i] = _mm512_add_ps(_mm512_shuffle_f32x4(s[2 * i], s[2 * i + 1], 0x88),
                             _mm512_shuffle_f32x4(s[2 * i], s[2 * i + 1], 0xDD));
      const __m512 u0 = _mm512_add_ps(_mm512_shuffle_ps(t[0], t[1], 0x44), _mm512_shuffle_ps(t[0], t[1], 0xEE));
      const __m512 u1 = _mm512_add_ps(_mm512_shuffle_ps(t[2], t[3], 0x44), _mm512_shuffle_ps(t[2], t[3], 0xEE));
      const __m512 r = _mm512_add_ps(_mm512_shuffle_ps(u0, u1, 0x88), _mm512_shuffle_ps(u0, u1, 0xDD));
      alignas(64) float out[16];  // block b, lane l: x[4l + b]
      _mm512_store_ps(out, r);
      for (int b = 0; b < 4; ++b)
        for (int l = 0; l < 4; ++l)
          if (i0 + 4 * l + b < N) sums[i0 + 4 * l + b] = out[4 * b + l];
    }
    return;
  }
#endif
#if defined(CONVLAB_ARCH_PASS_avx2)
  if constexpr (std::is_same_v<Arch, simd::Avx2>) {
    for (int i0 = 0; i0 < N; i0 += 8) {
      __m256 x[8];
      for (int i = 0; i < 8; ++i) x[i] = i0 + i < N ? static_cast<__m256>(v[i0 + i]) : _mm256_setzero_ps();
      __m256 s[4];
      for (int i = 0; i < 4; ++i)  // 256 -> 128: block b of s[i] holds x[2i + b]
        s[i] = _mm256_add_ps(_mm256_permute2f128_ps(x[2 * i], x[2 * i + 1], 0x20),
                             _mm256_permute2f128_ps(x[2 * i], x[2 * i + 1], 0x31));
      const __m256 u0 = _mm256_add_ps(_mm256_shuffle_ps(s[0], s[1], 0x44), _mm256_shuffle_ps(s[0], s[1], 0xEE));
      const __m256 u1 = _mm256_add_ps(_mm256_shuffle_ps(s[2], s[3], 0x44), _mm256_shuffle_ps(s[2], s[3], 0xEE));
      const __m256 r = _mm256_add_ps(_mm256_shuffle_ps(u0, u1, 0x88), _mm256_shuffle_ps(u0, u1, 0xDD));
      alignas(32) float out[8];  // block b, lane l: x[2l + b]
      _mm256_store_ps(out, r);
      for (int b = 0; b < 2; ++b)
        for (int l = 0; l < 4; ++l)
          if (i0 + 2 * l + b < N) sums[i0 + 2 * l + b] = out[4 * b + l];
    }
    return;
  }
#endif
  for (int i = 0; i < N; ++i) sums[i] = xsimd::hadd(B(v[i]));
}

template <class Arch, int MR, int NK>
void tile(const TileArgs& a, int64_t o0) {
  using B = xsimd::batch<float, Arch>;
  constexpr int64_t W = B::size;
  B acc[MR][NK];
#pragma GCC unroll 8
  for (int m = 0; m < MR; ++m)
#pragma GCC unroll 8
    for (int j = 0; j < NK; ++j) acc[m][j] = B(0.0f);
  const float* d = a.d + o0 * a.ldd;
  const float* c = a.c;
  for (int64_t v = 0; v < a.len; v += W) {
    B x[NK];
#pragma GCC unroll 8
    for (int j = 0; j < NK; ++j) x[j] = B::load_aligned(c + j * a.ldc + v);
#pragma GCC unroll 8
    for (int m = 0; m < MR; ++m) {
      const B dv = B::load_unaligned(d + m * a.ldd + v);
#pragma GCC unroll 8
      for (int j = 0; j < NK; ++j) acc[m][j] = xsimd::fma(dv, x[j], acc[m][j]);
    }
  }
  float sums[MR * NK];
  reduce_lanes<Arch, MR * NK>(&acc[0][0], sums);
  for (int m = 0; m < MR; ++m)
    for (int j = 0; j < NK; ++j) {
      const float s = sums[m * NK + j];
      float& out = a.dw[(o0 + m) * a.K + j];
      out = a.accumulate ? out + s : s;
    }
}

template <class Arch, int MR>
void tile_nk(int nk, const TileArgs& a, int64_t o0) {
  if constexpr (kNk<Arch> == 6) {
    switch (nk) {
      case 1: return tile<Arch, MR, 1>(a, o0);
      case 2: return tile<Arch, MR, 2>(a, o0);
      case 3: return tile<Arch, MR, 3>(a, o0);
      case 4: return tile<Arch, MR, 4>(a, o0);
      case 5: return tile<Arch, MR, 5>(a, o0);
      default: return tile<Arch, MR, 6>(a, o0);
    }
  } else {
    switch (nk) {
      case 1: return tile<Arch, MR, 1>(a, o0);
      case 2: return tile<Arch, MR, 2>(a, o0);
      default: return tile<Arch, MR, 3>(a, o0);
    }
  }
}

}  // namespace
}  // namespace convlab::conv2d_bwd::gemm_detail

template <class Arch>
void convlab::conv2d_bwd::gemm_detail::Tiles::operator()(Arch, const TileArgs& a) const {
  constexpr int MR = kMr<Arch>;
  const int nk = static_cast<int>(a.nk);
  for (int64_t o0 = a.oc0; o0 < a.oc1; o0 += MR) {
    switch (std::min<int64_t>(MR, a.oc1 - o0)) {
      case 1: tile_nk<Arch, 1>(nk, a, o0); break;
      case 2: tile_nk<Arch, 2>(nk, a, o0); break;
      case 3: tile_nk<Arch, 3>(nk, a, o0); break;
      default: tile_nk<Arch, 4>(nk, a, o0); break;
    }
  }
}
CONVLAB_DEFINE_KERNEL(convlab::conv2d_bwd::gemm_detail::Tiles, const convlab::conv2d_bwd::gemm_detail::TileArgs&);

// Vector copies that may run up to W-1 floats past a segment: the next
// segment overwrites them, the row's slack (ldc >= len + W) takes the last.
template <class Arch>
void convlab::conv2d_bwd::gemm_detail::Pack::operator()(Arch, const PackArgs& a) const {
  using B = xsimd::batch<float, Arch>;
  constexpr int64_t W = B::size;
  const B zero(0.0f);
  for (int64_t j = 0; j < a.nk; ++j) {
    const int64_t k = a.k0 + j;
    const int64_t kw = k % a.KW, kh = (k / a.KW) % a.KH, c = a.c0 + k / (a.KW * a.KH);
    const int64_t off = kw * (a.dwd + 1), dkh = kh * (a.dh + 1);
    const float* xc = a.xp + c * a.plane + (off % a.SW) * a.Lp + off / a.SW;
    float* row = a.dst + j * a.ldc;
    int64_t end = 0;
    for (int64_t s = 0; s < a.segs; ++s) {
      const Segment& g = a.seg[s];
      const int64_t ih = g.ih0 + dkh;
      float* out = row + g.dst;
      if (ih < 0 || ih >= a.IH) {
        for (int64_t v = 0; v < g.cnt; v += W) zero.store_unaligned(out + v);
      } else {
        const float* src = xc + g.x + ih * a.SW * a.Lp;
        int64_t v = 0;
        for (; v + W <= g.cnt; v += W) B::load_unaligned(src + v).store_unaligned(out + v);
        if (v < g.cnt) {
          if (src + v + W <= a.xp_end) B::load_unaligned(src + v).store_unaligned(out + v);
          else for (; v < g.cnt; ++v) out[v] = src[v];
        }
      }
      end = g.dst + g.cnt;
    }
    for (int64_t v = end; v < a.len; ++v) row[v] = 0.0f;
  }
}
CONVLAB_DEFINE_KERNEL(convlab::conv2d_bwd::gemm_detail::Pack, const convlab::conv2d_bwd::gemm_detail::PackArgs&);

template <class Arch>
void convlab::conv2d_bwd::gemm_detail::Bias::operator()(Arch, const BiasArgs& a) const {
  using B = xsimd::batch<float, Arch>;
  constexpr int64_t W = B::size;
  for (int64_t oc = 0; oc < a.oc; ++oc) {
    const float* row = a.d + oc * a.ldd;
    B acc0(0.0f), acc1(0.0f);
    int64_t v = 0;
    for (; v + 2 * W <= a.len; v += 2 * W) {
      acc0 += B::load_unaligned(row + v);
      acc1 += B::load_unaligned(row + v + W);
    }
    if (v < a.len) acc0 += B::load_unaligned(row + v);
    a.db[oc] = xsimd::hadd(acc0 + acc1);
  }
}
CONVLAB_DEFINE_KERNEL(convlab::conv2d_bwd::gemm_detail::Bias, const convlab::conv2d_bwd::gemm_detail::BiasArgs&);

#else  // baseline pass

#include <fmt/core.h>
#include <vector>

#include "convlab/memory.hpp"
#include "convlab/parallel.hpp"
#include "kernel/ladder.hpp"

namespace convlab::conv2d_bwd {

namespace {

using gemm_detail::TileArgs;
using FloatVec = std::vector<float, memory::Allocator<float>>;

constexpr int64_t kItemsPerThread = 8;

class GemmPlan final : public ConvBwdWeightsPlan {
 public:
  GemmPlan(const Conv2dParams& p, const PlanOptions& o) : ConvBwdWeightsPlan(p, o), arena_(o.threads) {
    W_ = vector_floats(o.isa);
    mr_ = 4;
    nk_ = W_ == 16 ? 6 : 3;
    OH_ = p.oh(), OW_ = p.ow();
    P_ = p.mb * OH_ * OW_;
    Pp_ = (P_ + W_ - 1) / W_ * W_;
    // x is read in place when no tap reads left or right padding at stride 1;
    // else Xp: rows padded and split into sw phases of Lp floats.
    direct_x_ = p.sw == 1 && p.pl == 0 && (OW_ - 1) + (p.kw - 1) * (p.dw + 1) < p.iw;
    Lp_ = (OW_ - 1) + ((p.kw - 1) * (p.dw + 1)) / p.sw + 1;  // phase row: start + ow < Lp
    Lp_ = std::max<int64_t>(Lp_, (p.iw + p.pl + p.sw - 1) / p.sw);
    if (direct_x_) Lp_ = p.iw;
    K_ = p.icg() * p.kh * p.kw;
    // Sub-blocks of positions: ~64K floats of one group's D (L2), >= 1024
    // positions, a vector multiple; fixed by the shape alone.
    const int64_t positions = std::clamp<int64_t>(65536 / std::max<int64_t>(p.ocg(), 1), 1024, 8192);
    Pb_ = std::min(Pp_, positions / W_ * W_);
    Pb_ = std::max<int64_t>(Pb_, W_);
    // Items: group x oc part x tap part; taps first (each part packs its own
    // im2col rows, an oc split packs them again).
    const int64_t tap_tiles = (K_ + nk_ - 1) / nk_, oc_tiles = (p.ocg() + mr_ - 1) / mr_;
    const int64_t target = kItemsPerThread * o.threads;
    const int64_t per_group = std::max<int64_t>(1, (target + p.g - 1) / p.g);
    tap_parts_ = std::clamp<int64_t>(per_group, 1, tap_tiles);
    oc_parts_ = std::clamp<int64_t>((per_group + tap_parts_ - 1) / tap_parts_, 1, oc_tiles);
    if (o.threads == 1) tap_parts_ = oc_parts_ = 1;
    tap_tiles_ = tap_tiles, oc_tiles_ = oc_tiles;
    // dy is D itself for one image whose positions fill whole vectors.
    direct_d_ = p.mb == 1 && P_ == Pp_;
    if (!direct_d_) d_.resize(static_cast<std::size_t>(p.oc * Pp_));
    if (!direct_x_) xp_.resize(static_cast<std::size_t>(p.mb * p.ic * p.ih * p.sw * Lp_));
    ldc_ = Pb_ + W_;  // + over-write slack
    scratch_.resize(static_cast<std::size_t>(o.threads * nk_ * ldc_));
    // The segments of each sub-block: runs of one output row.
    const int64_t plane = p.ih * p.sw * Lp_;
    for (int64_t p0 = 0; p0 < Pp_; p0 += Pb_) {
      block_seg_.push_back(static_cast<int64_t>(segs_.size()));
      const int64_t end = std::min(P_, p0 + Pb_);
      for (int64_t q = p0; q < end;) {
        const int64_t r = q / OW_, ow = q % OW_, n = r / OH_, oh = r % OH_;
        const int64_t cnt = std::min(OW_ - ow, end - q);
        segs_.push_back({.x = n * p.ic * plane + ow, .ih0 = oh * p.sh - p.pt, .dst = q - p0, .cnt = cnt});
        q += cnt;
      }
    }
    block_seg_.push_back(static_cast<int64_t>(segs_.size()));
  }

  std::size_t workspace_bytes() const override { return (d_.size() + xp_.size() + scratch_.size()) * sizeof(float); }
  std::string describe() const override {
    return fmt::format("{}x{} tiles, sub-blocks of {} positions (of {}), {} tap x {} oc parts", mr_, nk_, Pb_, P_,
                       tap_parts_, oc_parts_);
  }

 private:
  void execute(const float* x, const float* dy, float* dw, float* db) override {
    const Conv2dParams& p = params();
    if (P_ == 0) {
      std::fill(dw, dw + p.weight_elems(), 0.0f);
      if (db != nullptr) std::fill(db, db + p.oc, 0.0f);
      return;
    }
    const int64_t IH = p.ih, IW = p.iw, SW = p.sw, OHW = OH_ * OW_;
    // D: [oc][Pp], images concatenated, zero tail.
    const float* D = dy;
    if (!direct_d_) {
      arena_.for_each(p.oc, 1, [&](int64_t b, int64_t e) {
        for (int64_t oc = b; oc < e; ++oc) {
          float* dst = d_.data() + oc * Pp_;
          for (int64_t n = 0; n < p.mb; ++n) std::copy_n(dy + (n * p.oc + oc) * OHW, OHW, dst + n * OHW);
          std::fill(dst + P_, dst + Pp_, 0.0f);
        }
      });
      D = d_.data();
    }
    // Xp: rows zero-padded on the left by pl (and past the end), split into
    // sw phases: phase ph, element u = padded column u*sw + ph.
    const float* X = x;
    const int64_t x_floats = p.mb * p.ic * IH * (direct_x_ ? IW : SW * Lp_);
    if (!direct_x_) {
      arena_.for_each(p.mb * p.ic, 1, [&](int64_t b, int64_t e) {
        for (int64_t plane = b; plane < e; ++plane)
          for (int64_t ih = 0; ih < IH; ++ih) {
            const float* src = x + (plane * IH + ih) * IW;
            float* dst = xp_.data() + (plane * IH + ih) * SW * Lp_;
            for (int64_t ph = 0; ph < SW; ++ph) {
              // u with 0 <= u*SW + ph - pl < IW
              const int64_t first = std::clamp<int64_t>((p.pl - ph + SW - 1) / SW, 0, Lp_);
              const int64_t right = IW - 1 + p.pl - ph;  // the last u's column, times SW
              const int64_t last = std::clamp<int64_t>(right < 0 ? 0 : right / SW + 1, first, Lp_);
              float* row = dst + ph * Lp_;
              std::fill(row, row + first, 0.0f);
              const float* s0 = src + first * SW + ph - p.pl;
              if (SW == 1) std::copy(s0, s0 + (last - first), row + first);
              else for (int64_t u = first; u < last; ++u) row[u] = s0[(u - first) * SW];
              std::fill(row + last, row + Lp_, 0.0f);
            }
          }
      });
      X = xp_.data();
    }

    const int64_t ICG = p.icg(), OCG = p.ocg(), plane = p.ih * p.sw * Lp_;
    const int64_t items = p.g * oc_parts_ * tap_parts_;
    arena_.for_each_slot(items, 1, [&](int64_t b, int64_t e, int slot) {
      float* cbuf = scratch_.data() + slot * nk_ * ldc_;
      for (int64_t item = b; item < e; ++item) {
        const int64_t tq = item % tap_parts_, oq = (item / tap_parts_) % oc_parts_, gi = item / (tap_parts_ * oc_parts_);
        const int64_t t0 = tq * tap_tiles_ / tap_parts_, t1 = (tq + 1) * tap_tiles_ / tap_parts_;
        const int64_t o0 = oq * oc_tiles_ / oc_parts_ * mr_, o1 = std::min(OCG, (oq + 1) * oc_tiles_ / oc_parts_ * mr_);
        for (int64_t sb = 0, p0 = 0; p0 < Pp_; ++sb, p0 += Pb_) {
          const int64_t len = std::min(Pb_, Pp_ - p0);
          for (int64_t t = t0; t < t1; ++t) {
            const int64_t k0 = t * nk_, nk = std::min(nk_, K_ - k0);
            gemm_detail::PackArgs pa{.xp = X, .xp_end = X + x_floats, .seg = segs_.data() + block_seg_[sb],
                                     .segs = block_seg_[sb + 1] - block_seg_[sb], .dst = cbuf, .ldc = ldc_,
                                     .len = len, .c0 = gi * ICG, .k0 = k0, .nk = nk, .KH = p.kh, .KW = p.kw,
                                     .IH = p.ih, .SW = p.sw, .Lp = Lp_, .dh = p.dh, .dwd = p.dw, .plane = plane};
            simd::dispatch(options().isa, gemm_detail::Pack{}, pa);
            TileArgs a{.d = D + gi * OCG * Pp_ + p0, .c = cbuf, .dw = dw + gi * OCG * K_ + k0,
                       .ldd = Pp_, .ldc = ldc_, .K = K_, .len = len, .oc0 = o0, .oc1 = o1, .nk = nk,
                       .accumulate = p0 != 0};
            simd::dispatch(options().isa, gemm_detail::Tiles{}, a);
          }
        }
      }
    });
    if (db != nullptr) {
      gemm_detail::BiasArgs ba{.d = D, .db = db, .ldd = Pp_, .oc = p.oc, .len = Pp_};
      simd::dispatch(options().isa, gemm_detail::Bias{}, ba);
    }
  }

  ThreadArena arena_;
  int64_t W_ = 16, mr_ = 4, nk_ = 6;
  bool direct_x_ = false, direct_d_ = false;
  int64_t OH_ = 0, OW_ = 0, P_ = 0, Pp_ = 0, Lp_ = 0, K_ = 0, Pb_ = 0, ldc_ = 0;
  std::vector<gemm_detail::Segment> segs_;
  std::vector<int64_t> block_seg_;  // sub-block b: segs_[block_seg_[b], block_seg_[b + 1])
  int64_t tap_parts_ = 1, oc_parts_ = 1, tap_tiles_ = 1, oc_tiles_ = 1;
  FloatVec d_, xp_, scratch_;
};

}  // namespace

const ConvBwdWeightsVariant& weights_gemm() {
  return bwd_weights_step<GemmPlan>(
      "gemm", "dW = dY x im2col(X)^T over the flat N*OH*OW axis, MRxNK register tiles, packed im2col rows per thread");
}

}  // namespace convlab::conv2d_bwd

#endif
