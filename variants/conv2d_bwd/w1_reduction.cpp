// conv2d backward-weights step 01 — reduction: SIMD over the output width,
//   register tiles, a deterministic parallel split of the N*OH*OW reduction.
// CONVLAB_MULTIARCH_FILE (the tile kernel is compiled per ISA, simd.hpp)
// What changed from w0_naive: dy is copied with rows zero-padded to OWp (a
//   vector multiple), x with rows zero-padded and split into sw phases, so each
//   tap reads one contiguous x vector per dy vector. A tile keeps MR channels x
//   NK taps of one (c, kh) in vector accumulators (AVX-512 6x4, AVX2/SSE 3x4).
//   Threads: the N*OH rows are cut into C <= 16 chunks fixed by the shape
//   alone; chunk k's partial dw is summed in order, dw = ((p0 + p1) + p2) + ...:
//   any thread may run any item, the bits never change.
// Why (w0's bottleneck): one scalar add chain per weight; here a dy vector
//   feeds NK FMAs and an x vector MR FMAs (AVX-512: 10 loads per 24 FMAs).
// Loop nest: [threads] copy dy -> Dp, x -> Xp
//   [threads] for (chunk k, part q): for sub-block of k: for (g, c, kh) in q:
//     for o-block, kw-block: acc[m][j] += Dp[o+m, row, v] * Xp[c, ih, phase(kw), v + start(kw)]
//     part_k[o+m, c, kh, kw+j] (+)= hadd(acc[m][j])
//   [threads] dw[e] = sum over k in order of part_k[e]
// Tiles: a sub-block holds ~64K/ocg floats of dy (L2) and >= 1024 positions.
// Cost of the guarantee: C-1 extra copies of dw (<= 64 MiB), summed in order
//   even on 1 thread; a per-thread split (kernel/reduction.hpp) needs threads-1
//   but its bits follow the thread count. Measured (AMD EPYC family 26 (Zen 5),
//   AVX-512, 1 thread, median of 5): 55.6 GFLOP/s on mb32ic32ih15oc64kh3 against
//   59.1 for the per-thread split (-6 % for the guarantee). Re-run
//   (flock /tmp/convlab-cpu.lock): build/release/tests/convlab_tests
//   --gtest_also_run_disabled_tests --gtest_filter='ConvBwd.DISABLED_BackwardTiming'
#include <algorithm>
#include <type_traits>

#include "convlab/simd.hpp"
#include "kernel/reduction.hpp"

namespace convlab::conv2d_bwd::reduction_detail {
struct TileArgs {
  const float* dp;  // dy, rows padded: [n][oc][OH][OWp]
  const float* xp;  // x, rows padded and phase-split: [n][ic][IH][SW][Lp]
  float* dw;        // this chunk's partial dw, [oc][icg][kh][kw]
  float* db;        // this chunk's partial db [oc], or nullptr (no bias, or not part 0)
  int64_t IC, IH, OC, OH, OWp, Lp, SW, KH, KW, ICG, OCG;
  int64_t sh, pt, dh, dwd;  // stride, top padding, dilations - 1 (rows, columns)
  int64_t r0, r1;           // rows (n * OH + oh) of the sub-block
  int64_t t0, t1;           // triples ((g * ICG + c) * KH + kh)
  bool accumulate;          // += (a later sub-block of the chunk) or = (its first)
};
struct Tiles {
  template <class Arch>
  void operator()(Arch, const TileArgs& a) const;
};
}  // namespace convlab::conv2d_bwd::reduction_detail
CONVLAB_DECLARE_KERNEL(convlab::conv2d_bwd::reduction_detail::Tiles,
                       const convlab::conv2d_bwd::reduction_detail::TileArgs&);

#if CONVLAB_ARCH_PASS

namespace convlab::conv2d_bwd::reduction_detail {
namespace {

template <class Arch>
constexpr int kMaxMr = std::is_same_v<Arch, simd::Avx512> ? 6 : 3;
constexpr int kMaxNk = 4;

template <class Arch, int MR, int NK>
void tile(const TileArgs& a, int64_t gi, int64_t c, int64_t kh, int64_t o0, int64_t kw0) {
  using B = xsimd::batch<float, Arch>;
  constexpr int64_t W = B::size;
  B acc[MR][NK];
#pragma GCC unroll 8
  for (int m = 0; m < MR; ++m)
#pragma GCC unroll 4
    for (int j = 0; j < NK; ++j) acc[m][j] = B(0.0f);
  int64_t xoff[NK];
  for (int j = 0; j < NK; ++j) {
    const int64_t off = (kw0 + j) * (a.dwd + 1);
    xoff[j] = (off % a.SW) * a.Lp + off / a.SW;
  }
  for (int64_t r = a.r0; r < a.r1; ++r) {
    const int64_t n = r / a.OH, oh = r % a.OH;
    const int64_t ih = oh * a.sh - a.pt + kh * (a.dh + 1);
    if (ih < 0 || ih >= a.IH) continue;  // this tap read padding: a zero term
    const float* dyr = a.dp + ((n * a.OC + gi * a.OCG + o0) * a.OH + oh) * a.OWp;
    const int64_t dstride = a.OH * a.OWp;  // next channel
    const float* xr = a.xp + ((n * a.IC + gi * a.ICG + c) * a.IH + ih) * a.SW * a.Lp;
    for (int64_t v = 0; v < a.OWp; v += W) {
      B d[MR];
#pragma GCC unroll 8
      for (int m = 0; m < MR; ++m) d[m] = B::load_unaligned(dyr + m * dstride + v);
#pragma GCC unroll 4
      for (int j = 0; j < NK; ++j) {
        const B xv = B::load_unaligned(xr + xoff[j] + v);
#pragma GCC unroll 8
        for (int m = 0; m < MR; ++m) acc[m][j] = xsimd::fma(d[m], xv, acc[m][j]);
      }
    }
  }
  for (int m = 0; m < MR; ++m)
    for (int j = 0; j < NK; ++j) {
      const float s = xsimd::hadd(acc[m][j]);
      float& out = a.dw[((gi * a.OCG + o0 + m) * a.ICG + c) * a.KH * a.KW + kh * a.KW + kw0 + j];
      out = a.accumulate ? out + s : s;
    }
}

template <class Arch, int MR>
void tile_nk(int nk, const TileArgs& a, int64_t gi, int64_t c, int64_t kh, int64_t o0, int64_t kw0) {
  switch (nk) {
    case 1: return tile<Arch, MR, 1>(a, gi, c, kh, o0, kw0);
    case 2: return tile<Arch, MR, 2>(a, gi, c, kh, o0, kw0);
    case 3: return tile<Arch, MR, 3>(a, gi, c, kh, o0, kw0);
    default: return tile<Arch, MR, 4>(a, gi, c, kh, o0, kw0);
  }
}

template <class Arch>
void tile_any(int mr, int nk, const TileArgs& a, int64_t gi, int64_t c, int64_t kh, int64_t o0, int64_t kw0) {
  switch (mr) {
    case 1: return tile_nk<Arch, 1>(nk, a, gi, c, kh, o0, kw0);
    case 2: return tile_nk<Arch, 2>(nk, a, gi, c, kh, o0, kw0);
    case 3: return tile_nk<Arch, 3>(nk, a, gi, c, kh, o0, kw0);
    case 4: if constexpr (kMaxMr<Arch> >= 4) return tile_nk<Arch, 4>(nk, a, gi, c, kh, o0, kw0);
            [[fallthrough]];
    case 5: if constexpr (kMaxMr<Arch> >= 5) return tile_nk<Arch, 5>(nk, a, gi, c, kh, o0, kw0);
            [[fallthrough]];
    default: if constexpr (kMaxMr<Arch> >= 6) return tile_nk<Arch, 6>(nk, a, gi, c, kh, o0, kw0);
  }
}

}  // namespace
}  // namespace convlab::conv2d_bwd::reduction_detail

template <class Arch>
void convlab::conv2d_bwd::reduction_detail::Tiles::operator()(Arch, const TileArgs& a) const {
  using B = xsimd::batch<float, Arch>;
  constexpr int64_t W = B::size;
  constexpr int MR = kMaxMr<Arch>;
  for (int64_t t = a.t0; t < a.t1; ++t) {
    const int64_t kh = t % a.KH, c = (t / a.KH) % a.ICG, gi = t / (a.KH * a.ICG);
    for (int64_t o0 = 0; o0 < a.OCG; o0 += MR)
      for (int64_t kw0 = 0; kw0 < a.KW; kw0 += kMaxNk)
        tile_any<Arch>(static_cast<int>(std::min<int64_t>(MR, a.OCG - o0)),
                       static_cast<int>(std::min<int64_t>(kMaxNk, a.KW - kw0)), a, gi, c, kh, o0, kw0);
  }
  if (a.db != nullptr)
    for (int64_t oc = 0; oc < a.OC; ++oc) {
      B acc(0.0f);
      for (int64_t r = a.r0; r < a.r1; ++r) {
        const float* row = a.dp + ((r / a.OH * a.OC + oc) * a.OH + r % a.OH) * a.OWp;
        for (int64_t v = 0; v < a.OWp; v += W) acc += B::load_unaligned(row + v);
      }
      const float s = xsimd::hadd(acc);
      a.db[oc] = a.accumulate ? a.db[oc] + s : s;
    }
}
CONVLAB_DEFINE_KERNEL(convlab::conv2d_bwd::reduction_detail::Tiles,
                      const convlab::conv2d_bwd::reduction_detail::TileArgs&);

#else  // baseline pass

#include <algorithm>
#include <fmt/core.h>
#include <vector>

#include "convlab/memory.hpp"
#include "convlab/parallel.hpp"
#include "kernel/ladder.hpp"

namespace convlab::conv2d_bwd {

namespace {

using reduction_detail::TileArgs;
using FloatVec = std::vector<float, memory::Allocator<float>>;

constexpr int64_t kMaxChunks = 16;
constexpr double kMaxPartialBytes = 64.0 * 1024 * 1024;

class ReductionPlan final : public ConvBwdWeightsPlan {
 public:
  ReductionPlan(const Conv2dParams& p, const PlanOptions& o, ReductionSplit split = ReductionSplit::fixed_chunks)
      : ConvBwdWeightsPlan(p, o), arena_(o.threads) {
    const int64_t W = vector_floats(o.isa);
    OH_ = p.oh(), OW_ = p.ow();
    OWp_ = (OW_ + W - 1) / W * W;
    Lp_ = OWp_ + (p.kw - 1) * (p.dw + 1) / p.sw;
    const int64_t rows = std::max<int64_t>(p.mb, 1) * OH_;
    // Sub-blocks: ~64K floats of one group's dy (L2), at least 1024 positions.
    const int64_t positions = std::clamp<int64_t>(65536 / p.ocg(), 1024, 16384);
    sub_rows_ = std::clamp<int64_t>(positions / OWp_, 1, rows);
    const int64_t blocks = (rows + sub_rows_ - 1) / sub_rows_;
    const int64_t partial = p.weight_elems() + p.bias_elems();
    if (split == ReductionSplit::per_thread) {
      chunks_ = o.threads;
      parts_ = 1;
    } else {
      const int64_t by_memory = std::max<int64_t>(1, static_cast<int64_t>(kMaxPartialBytes / (4.0 * partial)));
      chunks_ = std::clamp<int64_t>(std::min(blocks, by_memory), 1, kMaxChunks);
      const int64_t triples = p.g * p.icg() * p.kh;
      parts_ = std::clamp<int64_t>((2 * kMaxChunks + chunks_ - 1) / chunks_, 1, triples);
    }
    // Chunk k: sub-blocks [k*blocks/C, (k+1)*blocks/C), i.e. rows from there.
    for (int64_t k = 0; k <= chunks_; ++k) chunk_block_.push_back(k * blocks / chunks_);
    rows_ = rows;
    partials_.resize(static_cast<std::size_t>((chunks_ - 1) * partial));
    dp_.resize(static_cast<std::size_t>(p.mb * p.oc * OH_ * OWp_));
    xp_.resize(static_cast<std::size_t>(p.mb * p.ic * p.ih * p.sw * Lp_));
  }

  std::size_t workspace_bytes() const override {
    return (partials_.size() + dp_.size() + xp_.size()) * sizeof(float);
  }
  std::string describe() const override {
    return fmt::format("{} chunks x {} parts, sub-blocks of {} rows (OWp {})", chunks_, parts_, sub_rows_, OWp_);
  }

 private:
  void execute(const float* x, const float* dy, float* dw, float* db) override {
    const Conv2dParams& p = params();
    const int64_t IH = p.ih, IW = p.iw, SW = p.sw;
    // dy rows padded with zeros to OWp.
    arena_.for_each(p.mb * p.oc, 1, [&](int64_t b, int64_t e) {
      for (int64_t plane = b; plane < e; ++plane)
        for (int64_t oh = 0; oh < OH_; ++oh) {
          const float* src = dy + (plane * OH_ + oh) * OW_;
          float* dst = dp_.data() + (plane * OH_ + oh) * OWp_;
          std::copy(src, src + OW_, dst);
          std::fill(dst + OW_, dst + OWp_, 0.0f);
        }
    });
    // x rows: zero padding pl on the left (and zeros past the end), split into
    // sw phases: phase ph, element u = padded column u*sw + ph.
    arena_.for_each(p.mb * p.ic, 1, [&](int64_t b, int64_t e) {
      for (int64_t plane = b; plane < e; ++plane)
        for (int64_t ih = 0; ih < IH; ++ih) {
          const float* src = x + (plane * IH + ih) * IW;
          float* dst = xp_.data() + (plane * IH + ih) * SW * Lp_;
          for (int64_t ph = 0; ph < SW; ++ph)
            for (int64_t u = 0; u < Lp_; ++u) {
              const int64_t iw = u * SW + ph - p.pl;
              dst[ph * Lp_ + u] = iw >= 0 && iw < IW ? src[iw] : 0.0f;
            }
        }
    });

    const int64_t partial = p.weight_elems() + p.bias_elems();
    const int64_t triples = p.g * p.icg() * p.kh;
    arena_.for_each(chunks_ * parts_, 1, [&](int64_t b, int64_t e) {
      for (int64_t item = b; item < e; ++item) {
        const int64_t k = item / parts_, q = item % parts_;
        float* pdw = k == 0 ? dw : partials_.data() + (k - 1) * partial;
        float* pdb = k == 0 ? db : (db != nullptr ? pdw + p.weight_elems() : nullptr);
        TileArgs a{.dp = dp_.data(), .xp = xp_.data(), .dw = pdw, .db = q == 0 ? pdb : nullptr,
                   .IC = p.ic, .IH = IH, .OC = p.oc, .OH = OH_, .OWp = OWp_, .Lp = Lp_, .SW = SW,
                   .KH = p.kh, .KW = p.kw, .ICG = p.icg(), .OCG = p.ocg(),
                   .sh = p.sh, .pt = p.pt, .dh = p.dh, .dwd = p.dw,
                   .r0 = 0, .r1 = 0, .t0 = q * triples / parts_, .t1 = (q + 1) * triples / parts_,
                   .accumulate = false};
        for (int64_t sb = chunk_block_[k]; sb < chunk_block_[k + 1]; ++sb) {
          a.r0 = sb * sub_rows_;
          a.r1 = std::min(rows_, a.r0 + sub_rows_);
          a.accumulate = sb != chunk_block_[k];
          simd::dispatch(options().isa, reduction_detail::Tiles{}, a);
        }
      }
    });
    if (chunks_ == 1) return;
    // The chunks' sum, in chunk order for every element.
    auto sum = [&](float* out, int64_t offset, int64_t count) {
      arena_.for_each(count, 4096, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          float s = out[i];
          for (int64_t k = 1; k < chunks_; ++k) s += partials_[(k - 1) * partial + offset + i];
          out[i] = s;
        }
      });
    };
    sum(dw, 0, p.weight_elems());
    if (db != nullptr) sum(db, p.weight_elems(), p.oc);
  }

  ThreadArena arena_;
  int64_t OH_ = 0, OW_ = 0, OWp_ = 0, Lp_ = 0;
  int64_t rows_ = 0, sub_rows_ = 1, chunks_ = 1, parts_ = 1;
  std::vector<int64_t> chunk_block_;
  FloatVec partials_, dp_, xp_;
};

}  // namespace

std::unique_ptr<ConvBwdWeightsPlan> make_reduction_plan(const Conv2dParams& p, const PlanOptions& o,
                                                        ReductionSplit split) {
  validate(p);
  validate(o);
  return std::make_unique<ReductionPlan>(p, o, split);
}

const ConvBwdWeightsVariant& weights_reduction() {
  return bwd_weights_step<ReductionPlan>(
      "reduction", "SIMD over the output width, MRxNK register tiles, a fixed chunked reduction summed in chunk order");
}

}  // namespace convlab::conv2d_bwd

#endif
