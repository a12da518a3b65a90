// conv2d step 03 — simd: an explicit xsimd micro-kernel whose accumulators
// stay in registers for the whole reduction, dispatched at run time over
// AVX-512, AVX2+FMA and SSE4.2.
// CONVLAB_MULTIARCH_FILE: the kernels below are compiled once per ISA.
//
// What changed from 02_blocked: 02 left vectorization to GCC, which (baseline
//   -march=x86-64-v2) gives 4-wide SSE mulps + addps, and 02's partial sums
//   still went through memory every 8 taps. This step writes the innermost
//   block by hand: a tile of P output pixels x V*L output channels lives in
//   P*V vector registers from the bias to the final store, across the whole
//   ic/g * kh * kw reduction; per tap it loads V weight vectors and broadcasts
//   P input values, each broadcast feeding V fused multiply-adds.
// Why (the bottleneck it attacks): 02 runs at 13 % of the AVX-512 FMA peak
//   because it issues 4-wide non-fused arithmetic and a memory operation per
//   multiply-add pair. The peak needs 2 full-width FMAs every cycle with no
//   other bottleneck: enough independent accumulators to cover the FMA
//   latency (4 cycles x 2 ports = 8 at least; here P*V = 28 on AVX-512), and
//   few enough loads per FMA for the load ports (here (V + P) / (P*V) = 0.57).
// Which dimension is vectorized, and why output channels: the lanes hold L
//   consecutive output channels of one pixel, not L consecutive pixels of one
//   channel. With pixels in the lanes a 13-wide CIFAR row fills 13 of 16
//   lanes (81 %), the 11-wide seed row 69 %, and a 56-wide ResNet row 3.5
//   vectors; output channels are 16, 32 or 64 in every layer we target, so
//   channel lanes are always full. The price is the store: a register holds
//   16 channels of one pixel while NCHW wants a row of pixels per channel,
//   so each 16x16 (pixel x channel) block is transposed in registers (64
//   shuffles per 16 accumulators — 4 per register against K FMAs, and they
//   compete with the FMAs for port 5) and written with masked row stores.
//   Measured by replacing the transposed store with plain (wrong-layout)
//   stores of the same registers: the seed's conv1 (K = 27) went from 5.1 to
//   4.4 us (the transpose is 14 % of it), conv2 (K = 144) from 6.9 to 6.6 us
//   (4 %); at K = 288..576 it is below the noise.
// Instruction mix (objdump -d of tile_kernel<avx512bw, 2, 14>): per tap,
//   2 vmovaps (weights) + 14 vbroadcastss (inputs) + 28 vfmadd231ps + 4
//   scalar (offset load, two pointer bumps, loop branch): 0.57 loads per FMA,
//   within the 2-3 loads/cycle the core sustains beside 2 FMAs. With V = 1
//   GCC folds each broadcast into its FMA (vfmadd231ps (mem){1to16}), so a
//   tap is 1 load + P FMAs.
// The input is repacked inside run (timed): zero-padded and, for stride
//   sw > 1, split into sw column phases, so that the P pixels of a tile read
//   P consecutive floats for every tap and no tap needs a bounds test.
//   Shapes without padding and with sw = 1 are read in place (no copy).
//   The weights are repacked in plan (not timed): [group][oc block][K][V*L],
//   zero-padded past the group's channels, so every weight load is aligned
//   and contiguous. A table of K offsets (plan time) says where tap (c, kh,
//   kw) of a pixel is, which covers dilation, stride phases and groups
//   without a branch in the loop.
// Loop nest (ConvRows below; tile_kernel is the micro-kernel):
//   for n, for group, for oh, for tile of P pixels in the row, for oc block:
//     acc[P][V] = bias
//     for k in 0..K: w[V] = wpacked[block][k]; for p: acc[p][:] += x[offset[k] + p] * w[:]
//     transpose acc per 16x16 block, store rows of P pixels per output channel
// Tile choice: V = 2 (32 channels) unless the group has <= L channels or a
//   single vector wastes fewer padded lanes; P = the widest the register file
//   holds next to V weight vectors (AVX-512: 16 at V=1, 14 at V=2; AVX2 12/6;
//   SSE 8/4), then evened out so a row splits into equal tiles (56 -> 4 x 14,
//   26 -> 2 x 13). Working set per tile: V*L*K*4 bytes of weights (73.7 KiB
//   at K = 576: streamed from L2 in order, prefetcher-friendly) and P+kw-1
//   columns of ekh rows of every input channel (12 KiB), reused from L1 by
//   the tile's neighbour in the next oc block.
// Measured here (1 thread, medians of 10 with min-max, interleaved with the
//   other steps and the 1-thread AVX-512 FMA peak, 170 GFLOP/s (151-175)):
//     mb1ic64ih56oc64kh3ph1  160 GFLOP/s (158-162)  94.3 % of peak   (input packed: padding)
//     mb32ic32ih15oc64kh3    163 GFLOP/s (161-166)  96.1 %           (read in place)
//     mb1ic3ih28oc16kh3      117 GFLOP/s (112-118)  68.7 %           (K = 27: loop and store overhead)
//     mb1ic16ih13oc32kh3     163 GFLOP/s (162-164)  96.1 %
//   AVX2 path (--isa avx2, against the AVX2 peak sampled alongside, 73):
//   74 GFLOP/s on the ResNet layer. Re-run:
//   flock /tmp/convlab-measure.lock build/release/convlab run --variant blocked,simd
//     --shape mb1ic64ih56oc64kh3ph1 --shape mb32ic32ih15oc64kh3
//     --shape mb1ic3ih28oc16kh3 --shape mb1ic16ih13oc32kh3 --reps 10 --peak
#include "simd_kernel.hpp"

#if CONVLAB_ARCH_PASS

#include <immintrin.h>  // the transposes: every pass sees every declaration, uses only its own

#include <algorithm>
#include <type_traits>
#include <utility>

namespace convlab::conv2d::direct {
namespace {

template <class Arch>
using Vec = xsimd::batch<float, Arch>;

// Transposes L registers in place: r[i] lane j -> r[j] lane i.
template <class Arch>
[[gnu::always_inline]] inline void transpose(Vec<Arch>* r) {
  if constexpr (std::is_same_v<Arch, simd::Avx512>) {
    __m512 t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
      t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
      const __m512d a = _mm512_castps_pd(t[i]), b = _mm512_castps_pd(t[i + 1]);
      const __m512d c = _mm512_castps_pd(t[i + 2]), d = _mm512_castps_pd(t[i + 3]);
      u[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
      u[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
      u[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
      u[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    // Now quarter l (128 bits) of u[4q + m] holds rows 4q..4q+3 of column
    // 4l + m; two rounds of quarter shuffles move it to quarter q of r[4l + m].
    for (int i = 0; i < 4; ++i) {
      t[i] = _mm512_shuffle_f32x4(u[i], u[i + 4], 0x88);
      t[i + 4] = _mm512_shuffle_f32x4(u[i], u[i + 4], 0xdd);
      t[i + 8] = _mm512_shuffle_f32x4(u[i + 8], u[i + 12], 0x88);
      t[i + 12] = _mm512_shuffle_f32x4(u[i + 8], u[i + 12], 0xdd);
    }
    for (int i = 0; i < 8; ++i) {
      r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
      r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
    }
  } else if constexpr (std::is_same_v<Arch, simd::Avx2>) {
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
      t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
      u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
      u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xee);
      u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
      u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xee);
    }
    for (int i = 0; i < 4; ++i) {
      r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
      r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
    }
  } else {
    __m128 a = r[0], b = r[1], c = r[2], d = r[3];
    _MM_TRANSPOSE4_PS(a, b, c, d);
    r[0] = a, r[1] = b, r[2] = c, r[3] = d;
  }
}

// Stores the first `count` lanes of v at dst (count <= L).
template <class Arch>
[[gnu::always_inline]] inline void store_first(float* dst, const Vec<Arch>& v, int count) {
  constexpr int L = Vec<Arch>::size;
  if (count == L) {
    v.store_unaligned(dst);
  } else if constexpr (std::is_same_v<Arch, simd::Avx512>) {
    _mm512_mask_storeu_ps(dst, static_cast<__mmask16>((1u << count) - 1), v);
  } else if constexpr (std::is_same_v<Arch, simd::Avx2>) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    _mm256_maskstore_ps(dst, _mm256_cmpgt_epi32(_mm256_set1_epi32(count), lane), v);
  } else {
    alignas(64) float tmp[L];
    v.store_aligned(tmp);
    for (int i = 0; i < count; ++i) dst[i] = tmp[i];
  }
}

// acc[p * V + v]: pixel p, channel vector v. Writes out[v*L + i][p] for the
// `oc_valid` real channels, P pixels per channel row, through L x L transposes.
template <class Arch, int V, int P>
[[gnu::always_inline]] inline void store_tile(Vec<Arch>* acc, float* y, int64_t y_plane, int oc_valid) {
  using B = Vec<Arch>;
  constexpr int L = B::size;
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) {
    const int channels = std::min(L, oc_valid - v * L);
    if (channels <= 0) return;
#pragma GCC unroll 4
    for (int p0 = 0; p0 < P; p0 += L) {
      const int pixels = std::min(L, P - p0);
      B block[L];
#pragma GCC unroll 16
      for (int i = 0; i < L; ++i) block[i] = p0 + i < P ? acc[(p0 + i) * V + v] : B(0.0f);
      transpose<Arch>(block);
      float* out = y + static_cast<int64_t>(v * L) * y_plane + p0;
      for (int i = 0; i < channels; ++i) store_first<Arch>(out + i * y_plane, block[i], pixels);
    }
  }
}

// The micro-kernel: P pixels x V*L channels, the whole K-long reduction in registers.
template <class Arch, int V, int P>
void tile_kernel(const float* __restrict x, const int64_t* __restrict offsets, int64_t taps,
                 const float* __restrict w, const float* __restrict bias, float* y,
                 int64_t y_plane, int oc_valid) {
  using B = Vec<Arch>;
  constexpr int L = B::size;
  B acc[P * V];
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) {
    const B b = B::load_aligned(bias + v * L);
#pragma GCC unroll 32
    for (int p = 0; p < P; ++p) acc[p * V + v] = b;
  }
  for (int64_t k = 0; k < taps; ++k) {
    const float* xk = x + offsets[k];
    B wv[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) wv[v] = B::load_aligned(w + v * L);
    w += V * L;
#pragma GCC unroll 32
    for (int p = 0; p < P; ++p) {
      const B xb(xk[p]);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[p * V + v] = xsimd::fma(xb, wv[v], acc[p * V + v]);
    }
  }
  store_tile<Arch, V, P>(acc, y, y_plane, oc_valid);
}

using TileFn = void (*)(const float*, const int64_t*, int64_t, const float*, const float*, float*,
                        int64_t, int);

// kMaxTile[V-1]: the widest tile per ISA; must match max_tile_width().
template <class Arch>
constexpr int kMaxTile[2] = {std::is_same_v<Arch, simd::Avx512> ? 16 : std::is_same_v<Arch, simd::Avx2> ? 12 : 8,
                             std::is_same_v<Arch, simd::Avx512> ? 14 : std::is_same_v<Arch, simd::Avx2> ? 6 : 4};

// tile_table<Arch, V>()[P - 1] = tile_kernel<Arch, V, P>
template <class Arch, int V, int... Ps>
const TileFn* tile_table(std::integer_sequence<int, Ps...>) {
  static constexpr TileFn table[] = {&tile_kernel<Arch, V, Ps + 1>...};
  return table;
}
template <class Arch, int V>
const TileFn* tile_table() {
  return tile_table<Arch, V>(std::make_integer_sequence<int, kMaxTile<Arch>[V - 1]>{});
}

}  // namespace
}  // namespace convlab::conv2d::direct

template <class Arch>
void convlab::conv2d::direct::ConvRows::operator()(Arch, const ConvJob& j) const {
  constexpr int L = Vec<Arch>::size;
  const int V = j.vectors;
  const TileFn* tiles = V == 1 ? tile_table<Arch, 1>() : tile_table<Arch, 2>();
  const int64_t block = static_cast<int64_t>(V) * L;
  for (int64_t n = j.n0; n < j.n1; ++n) {
    const float* xg = j.x + n * j.x_image + j.g * j.x_group;
    float* yg = j.y + n * j.y_image + j.g * j.ocg * j.y_plane;
    for (int64_t oh = j.oh0; oh < j.oh1; ++oh)
      for (int64_t t0 = 0; t0 < j.row_pixels; t0 += j.tile_width) {
        const int width = static_cast<int>(std::min<int64_t>(j.tile_width, j.row_pixels - t0));
        const TileFn tile = tiles[width - 1];
        const float* x_tile = xg + oh * j.x_row + t0;
        for (int64_t b = j.ocb0; b < j.ocb1; ++b) {
          const int64_t packed = j.g * j.oc_blocks + b;
          tile(x_tile, j.offsets, j.taps, j.weights + packed * j.taps * block, j.bias + packed * block,
               yg + b * block * j.y_plane + oh * j.y_row + t0, j.y_plane,
               static_cast<int>(std::min(block, j.ocg - b * block)));
        }
      }
  }
}
CONVLAB_DEFINE_KERNEL(convlab::conv2d::direct::ConvRows, const convlab::conv2d::direct::ConvJob&);

template <class Arch>
void convlab::conv2d::direct::PackInput::operator()(Arch, const PackJob& j) const {
  for (int64_t plane = j.plane0; plane < j.plane1; ++plane) {
    const float* src = j.x + (plane * j.ih + j.row0) * j.iw;
    float* dst = j.xp + plane * j.packed_plane + (j.ph + j.row0) * j.packed_row;
    for (int64_t i = j.row0; i < j.row1; ++i, src += j.iw, dst += j.packed_row) {
      if (j.sw == 1) {
        float* __restrict d = dst + j.pw;
        for (int64_t c = 0; c < j.iw; ++c) d[c] = src[c];
      } else {
        for (int64_t c = 0; c < j.iw; ++c) {
          const int64_t q = j.pw + c;  // padded column
          dst[(q % j.sw) * j.phase_len + q / j.sw] = src[c];
        }
      }
    }
  }
}
CONVLAB_DEFINE_KERNEL(convlab::conv2d::direct::PackInput, const convlab::conv2d::direct::PackJob&);

#else  // baseline pass: the plan

#include <algorithm>
#include <fmt/core.h>
#include <memory>

#include "convlab/variant.hpp"

namespace convlab::conv2d {
namespace direct {

namespace {
// Must match kMaxTile in the arch passes.
int max_tile_width(Isa isa, int vectors) {
  switch (isa) {
    case Isa::avx512: return vectors == 1 ? 16 : 14;
    case Isa::avx2: return vectors == 1 ? 12 : 6;
    case Isa::sse42: return vectors == 1 ? 8 : 4;
  }
  return 1;
}
}  // namespace

int tile_width(Isa isa, int vectors, int64_t row_pixels) {
  const int64_t widest = max_tile_width(isa, vectors);
  const int64_t tiles = (row_pixels + widest - 1) / widest;
  return static_cast<int>((row_pixels + tiles - 1) / tiles);
}

PackedWeights::PackedWeights(const Conv2dParams& p, const float* w, const float* b, Isa isa)
    : lanes(vector_floats(isa)) {
  const int64_t ocg = p.ocg(), L = lanes, K = p.reduction_length();
  // V: two vectors per pixel unless one wastes fewer padded lanes.
  const int64_t waste1 = (ocg + L - 1) / L * L - ocg, waste2 = (ocg + 2 * L - 1) / (2 * L) * 2 * L - ocg;
  vectors = ocg > L && waste2 <= waste1 ? 2 : 1;
  const int64_t block = vectors * L;
  oc_blocks = (ocg + block - 1) / block;
  weights.assign(static_cast<std::size_t>(p.g * oc_blocks * K * block), 0.0f);
  bias.assign(static_cast<std::size_t>(p.g * oc_blocks * block), 0.0f);
  for (int64_t g = 0; g < p.g; ++g)
    for (int64_t oc = 0; oc < ocg; ++oc) {
      const int64_t packed = g * oc_blocks + oc / block, lane = oc % block;
      const float* src = w + (g * ocg + oc) * K;
      for (int64_t k = 0; k < K; ++k) weights[static_cast<std::size_t>((packed * K + k) * block + lane)] = src[k];
      if (b != nullptr) bias[static_cast<std::size_t>(packed * block + lane)] = b[g * ocg + oc];
    }
}

void PackedWeights::fill(ConvJob& j, const Conv2dParams& p) const {
  j.taps = p.reduction_length();
  j.weights = weights.data();
  j.bias = bias.data();
  j.ocg = p.ocg();
  j.oc_blocks = oc_blocks;
  j.vectors = vectors;
  j.ocb0 = 0, j.ocb1 = oc_blocks;
}

DirectConvSetup::DirectConvSetup(const Conv2dParams& p, const float* weights, const float* bias,
                                 Isa isa, int64_t images)
    : p_(p), isa_(isa), weights_(p, weights, bias, isa),
      tile_width_(tile_width(isa, weights_.vectors, p.ow())) {
  // The input layout the kernel reads: the caller's when there is nothing to
  // pad or split, else [c][ih + 2ph][sw phases][phase_len].
  packs_input_ = p.ph != 0 || p.pw != 0 || p.sw != 1;
  phase_len_ = packs_input_ ? (p.iw + 2 * p.pw + p.sw - 1) / p.sw : p.iw;
  packed_row_ = p.sw * phase_len_;
  packed_plane_ = (p.ih + 2 * p.ph) * packed_row_;
  packed_image_ = p.ic * packed_plane_;
  if (packs_input_) workspace_.assign(static_cast<std::size_t>(images * packed_image_), 0.0f);

  offsets_.resize(static_cast<std::size_t>(p.reduction_length()));
  for (int64_t c = 0, k = 0; c < p.icg(); ++c)
    for (int64_t kh = 0; kh < p.kh; ++kh)
      for (int64_t kw = 0; kw < p.kw; ++kw, ++k) {
        const int64_t col = kw * (p.dw + 1);  // padded column of pixel 0's tap
        offsets_[static_cast<std::size_t>(k)] =
            c * packed_plane_ + kh * (p.dh + 1) * packed_row_ + (col % p.sw) * phase_len_ + col / p.sw;
      }
}

PackJob DirectConvSetup::pack_job(const float* x, int64_t n0, int64_t n1,
                                  int64_t first_workspace_image) {
  PackJob j;
  j.x = x + n0 * p_.ic * p_.ih * p_.iw;
  j.xp = workspace_.data() + first_workspace_image * packed_image_;
  j.ih = p_.ih, j.iw = p_.iw, j.ph = p_.ph, j.pw = p_.pw, j.sw = p_.sw;
  j.packed_plane = packed_plane_, j.packed_row = packed_row_, j.phase_len = phase_len_;
  j.plane0 = 0, j.plane1 = (n1 - n0) * p_.ic;
  j.row0 = 0, j.row1 = p_.ih;
  return j;
}

ConvJob DirectConvSetup::conv_job(const float* x, float* y) const {
  ConvJob j;
  j.x = x;
  j.x_image = packed_image_;
  j.x_group = p_.icg() * packed_plane_;
  j.x_row = p_.sh * packed_row_;
  j.offsets = offsets_.data();
  weights_.fill(j, p_);
  j.y = y;
  j.y_plane = p_.oh() * p_.ow();
  j.y_image = p_.oc * j.y_plane;
  j.y_row = p_.ow();
  j.row_pixels = p_.ow();
  j.tile_width = tile_width_;
  j.n0 = 0, j.n1 = p_.mb, j.g = 0, j.oh0 = 0, j.oh1 = p_.oh();
  return j;
}

void DirectConvSetup::run_serial(const float* x, float* y) {
  ConvJob job = conv_job(x, y);
  if (!packs_input_) {
    for (job.g = 0; job.g < p_.g; ++job.g) simd::dispatch(isa_, ConvRows{}, job);
    return;
  }
  // One image at a time through the padded workspace, so it is still in cache.
  job.x = packed_image(0);
  job.n1 = 1;
  for (int64_t n = 0; n < p_.mb; ++n) {
    simd::dispatch(isa_, PackInput{}, pack_job(x, n, n + 1, 0));
    job.y = y + n * job.y_image;
    for (job.g = 0; job.g < p_.g; ++job.g) simd::dispatch(isa_, ConvRows{}, job);
  }
}

std::string DirectConvSetup::describe() const {
  return fmt::format("{}: tile {} px x {} oc, {} oc block(s)/group, input {}", to_string(isa_),
                     tile_width_, weights_.vectors * weights_.lanes, weights_.oc_blocks,
                     packs_input_ ? "packed (padding/stride phases)" : "read in place");
}

}  // namespace direct

namespace {

class SimdPlan final : public ConvPlan {
 public:
  SimdPlan(const Conv2dParams& p, const PlanOptions& o, const float* w, const float* b)
      : ConvPlan(p, o), setup_(p, w, b, o.isa, 1) {}

  std::size_t workspace_bytes() const override { return setup_.workspace_bytes(); }
  std::size_t packed_weight_bytes() const override { return setup_.packed_weight_bytes(); }
  std::string describe() const override { return setup_.describe(); }

 private:
  void execute(const float* x, float* y) override { setup_.run_serial(x, y); }

  direct::DirectConvSetup setup_;
};

}  // namespace

const ConvVariant& simd() {
  static const LadderConvVariant<SimdPlan> v{
      "simd", "xsimd micro-kernel: P pixels x 32 channels in registers over the whole reduction; AVX-512/AVX2/SSE"};
  return v;
}

}  // namespace convlab::conv2d

#endif
