// Step-specific checks of the conv2d ladder, beside the generic tests that
// run every variant (test_conv2d.cpp): the cache-tiled step's tile choice on
// odd cache sizes, the byte counts the SIMD and im2col plans report, and the
// parallel step's threaded path on shapes above its serial cutoff, with
// every parameter at once.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "convlab/cache.hpp"
#include "convlab/descriptor.hpp"
#include "conv2d/ladder_hooks.hpp"
#include "tester.hpp"


namespace convlab::testing {
namespace {

const ConvVariant& variant(const char* name) {
  const ConvVariant* v = find_conv2d_variant(name);
  if (v == nullptr) throw std::logic_error(std::string("no conv2d variant ") + name);
  return *v;
}

std::unique_ptr<ConvPlan> plan_for(const char* name, const Conv2dParams& p, PlanOptions o = {}) {
  const std::vector<float> w(static_cast<std::size_t>(p.weight_elems()), 1.0f);
  const std::vector<float> b(static_cast<std::size_t>(p.bias_elems()), 1.0f);
  // The plan keeps pointers to w and b only when it does not repack; the
  // byte counts below never run it.
  return variant(name).plan(p, w, b, o);
}

// --- 03_cache_tiled: tiles from the cache sizes ----------------------------
TEST(CacheTiles, WindowFitsHalfOfL1AndTileFitsHalfOfL2) {
  const Conv2dParams p = parse_conv2d("mb1ic64ih56oc64kh3ph1");
  for (const int64_t l1 : {int64_t{32} << 10, int64_t{48} << 10, int64_t{80} << 10}) {
    for (const int64_t l2 : {int64_t{1} << 20, int64_t{2} << 20, int64_t{1280} << 10}) {
      const auto t = conv2d::choose_cache_tiles(p, l1, l2);
      SCOPED_TRACE(::testing::Message() << "L1 " << l1 << " L2 " << l2);
      EXPECT_LE(t.ic_block * p.ekh() * p.padded_iw() * 4, l1 / 2);
      EXPECT_GT((t.ic_block + 1) * p.ekh() * p.padded_iw() * 4, l1 / 2);  // the largest that fits
      EXPECT_LE(t.oc_tile * (t.oh_tile * p.ow() + t.ic_block * p.kh * p.kw) * 4, l2 / 2);
      EXPECT_GE(t.oh_tile, 1);
      EXPECT_LE(t.oh_tile, p.oh());
    }
  }
  // A 48 KiB L1 and a 2 MiB L2 (the Sapphire Rapids machine the tiles were first cut on).
  const auto here = conv2d::choose_cache_tiles(p, 48 << 10, 2 << 20);
  EXPECT_EQ(here.ic_block, 35);
  EXPECT_EQ(here.oc_tile, 64);
  EXPECT_EQ(here.oh_tile, 56);
  EXPECT_EQ(here.ow_tile, 56);  // whole rows
}

TEST(CacheTiles, CutsColumnsOnlyWhenARowIsTooWideForSixteenChannels) {
  // 2000 columns x 3 rows x 16 channels = 375 KiB: cut to 126 outputs (128 input columns).
  const Conv2dParams wide = parse_conv2d("mb1ic64ih8iw2000oc8kh3");
  const auto t = conv2d::choose_cache_tiles(wide, 48 << 10, 2 << 20);
  EXPECT_EQ(t.ow_tile, 126);
  EXPECT_EQ(t.ic_block, 16);
  EXPECT_LE(t.ic_block * wide.ekh() * ((t.ow_tile - 1) * wide.sw + wide.ekw()) * 4, 24 << 10);
  // ResNet conv1 (3 channels, 230 padded columns) keeps its rows whole.
  const Conv2dParams conv1 = parse_conv2d("mb1ic3ih224oc64kh7sh2ph3");
  EXPECT_EQ(conv2d::choose_cache_tiles(conv1, 48 << 10, 2 << 20).ow_tile, conv1.ow());
}

TEST(CacheTiles, OddAndTinyCachesStillGiveValidTiles) {
  for (const char* d : {"mb1ic64ih56oc64kh3ph1", "mb1ic3ih224oc64kh7sh2ph3", "g8mb1ic8ih10oc8kh3ph1",
                        "mb1ic5ih31iw37oc11kh5"}) {
    const Conv2dParams p = parse_conv2d(d);
    for (const int64_t l1 : {int64_t{1}, int64_t{4096} + 3, int64_t{49152} - 1, int64_t{1} << 30}) {
      for (const int64_t l2 : {int64_t{1}, int64_t{100000} + 7, int64_t{1} << 34}) {
        const auto t = conv2d::choose_cache_tiles(p, l1, l2);
        SCOPED_TRACE(::testing::Message() << d << " L1 " << l1 << " L2 " << l2);
        EXPECT_GE(t.ic_block, 1);
        EXPECT_LE(t.ic_block, p.icg());
        EXPECT_GE(t.oc_tile, 1);
        EXPECT_LE(t.oc_tile, p.ocg());
        EXPECT_GE(t.oh_tile, 1);
        EXPECT_LE(t.oh_tile, p.oh());
        EXPECT_GE(t.ow_tile, 1);
        EXPECT_LE(t.ow_tile, p.ow());
      }
    }
  }
}

TEST(RegisterBlockedAndCacheTiledPlans, ReportThePaddedImageAsWorkspaceAndTheTapTable) {
  // One padded image [ic][ih+2ph][iw+2pw]; the tap-offset table of K = 27
  // int64 entries is built from the shape.
  const Conv2dParams p = parse_conv2d("mb2ic3ih10iw12oc4kh3ph1pw2");
  for (const char* name : {"register_blocked", "cache_tiled"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(plan_for(name, p)->workspace_bytes(), std::size_t{3 * 12 * 16 * 4});
    EXPECT_EQ(plan_for(name, p)->packed_weight_bytes(), std::size_t{27 * 8});
  }
  // No padding and stride 1: the input is read in place.
  EXPECT_EQ(plan_for("register_blocked", parse_conv2d("mb2ic3ih10oc4kh3"))->workspace_bytes(), 0u);
  // Stride 2: the padded row splits into 2 phases of ceil(16 / 2) = 8 columns.
  EXPECT_EQ(plan_for("cache_tiled", parse_conv2d("mb1ic3ih10iw12oc4kh3ph1pw2sw2"))->workspace_bytes(),
            std::size_t{3 * 12 * 16 * 4});
}

// --- 04_simd / 05_parallel: packed weights and the input workspace ---------
TEST(SimdPlan, PacksWeightsPerBlockOfChannelsAndPadsOnlyWhenNeeded) {
  PlanOptions o;
  o.isa = Isa::sse42;  // 4 lanes: exists on every machine this runs on
  // oc 10 -> V = 2 (8 channels) wastes 6 lanes, V = 1 (4 channels) wastes 2 -> V = 1, 3 blocks
  const Conv2dParams a = parse_conv2d("mb1ic3ih8oc10kh3");
  // 3 blocks x (27 taps x 4 channels + 4 bias) floats, plus the 27-entry tap-offset table.
  EXPECT_EQ(plan_for("simd", a, o)->packed_weight_bytes(), std::size_t{(3 * 27 * 4 + 3 * 4) * 4 + 27 * 8});
  EXPECT_EQ(plan_for("simd", a, o)->workspace_bytes(), 0u);  // no padding, stride 1: read in place
  // Padding: one padded image [ic][ih+2ph][iw+2pw]
  const Conv2dParams b = parse_conv2d("mb3ic2ih8iw9oc8kh3ph1pw2");
  EXPECT_EQ(plan_for("simd", b, o)->workspace_bytes(), std::size_t{2 * 10 * 13 * 4});
  // Stride 2: the padded row splits into 2 phases of ceil(13 / 2) = 7 columns
  const Conv2dParams c = parse_conv2d("mb1ic2ih8iw9oc8kh3ph1pw2sw2");
  EXPECT_EQ(plan_for("simd", c, o)->workspace_bytes(), std::size_t{2 * 10 * 14 * 4});
  // 05 packs the whole batch when it runs threaded (above its cutoff), one
  // image when serial. sh2 implies sw2: rows of 2 phases x ceil(35 / 2) = 36 floats.
  o.threads = 2;
  const Conv2dParams d = parse_conv2d("mb2ic16ih33oc40kh3ph1sh2");
  EXPECT_EQ(plan_for("parallel", d, o)->workspace_bytes(), std::size_t{2 * 16 * 35 * 36 * 4});
  o.threads = 1;
  EXPECT_EQ(plan_for("parallel", d, o)->workspace_bytes(), std::size_t{16 * 35 * 36 * 4});
}

// The generic thread test uses two shapes above 05's serial cutoff; these
// add every parameter at once (groups, stride, padding, dilation, no bias,
// channel counts that leave padded lanes), each above the cutoff.
TEST(ParallelPlan, ThreadedPathIsExactAndBitwiseIdenticalForOneToFourThreads) {
  for (const char* d : {"g2mb3ic16ih29iw23oc50kh3kw2sh2sw1ph1pw2dh1dw0",
                        "mb2ic24ih40oc20kh5ph2dh1bias0", "g4mb4ic32ih21oc36kh3ph1sw2",
                        "mb5ic19ih17iw31oc33kh3kw4ph3pw0",
                        "mb2ic96ih9oc160kh3ph1"}) {  // weights outweigh the input: oc blocks cut first
    const Conv2dParams p = parse_conv2d(d);
    ASSERT_GE(p.flops(), 4'000'000) << d << " would run serially";
    SCOPED_TRACE(d);
    for (DataMode mode : {DataMode::exact, DataMode::bounded}) {
      const ConvCase c(p, mode, 11);
      PlanOptions o;
      o.threads = 1;
      const std::vector<float> one = c.output_of(variant("parallel"), o);
      for (int t = 1; t <= 4; ++t) {
        o.threads = t;
        expect_pass(c.check(variant("parallel"), o), true);
        const std::vector<float> many = c.output_of(variant("parallel"), o);
        ASSERT_EQ(one.size(), many.size());
        EXPECT_EQ(0, std::memcmp(one.data(), many.data(), one.size() * sizeof(float)))
            << t << " threads differ from 1 thread";
      }
    }
  }
}

// --- b1_im2col_gemm: the workspace is the K x N matrix ----------------------
TEST(Im2colGemm, WorkspaceIsKByNRoundedToWholePanels) {
  // ResNet's layer: K = 576, N = 56*56, panels of one 56-pixel row: exactly K*N.
  const Conv2dParams r = parse_conv2d("mb1ic64ih56oc64kh3ph1");
  EXPECT_EQ(conv2d::im2col_rows_per_panel(r), 1);
  EXPECT_EQ(conv2d::im2col_workspace_bytes(r), std::size_t{576} * 3136 * 4);
  EXPECT_EQ(plan_for("im2col_gemm", r)->workspace_bytes(), conv2d::im2col_workspace_bytes(r));
  // CIFAR conv2: ow = 13 -> 5 rows per panel (65 pixels), 13 rows -> 3 panels = 15 rows.
  const Conv2dParams c = parse_conv2d("mb32ic32ih15oc64kh3");
  EXPECT_EQ(conv2d::im2col_rows_per_panel(c), 5);
  EXPECT_EQ(conv2d::im2col_workspace_bytes(c), std::size_t{288} * 15 * 13 * 4);
  // Per group: K = ic/g*kh*kw, reused across groups and images.
  const Conv2dParams g = parse_conv2d("g4mb3ic8ih9oc8kh3ph1");
  EXPECT_EQ(plan_for("im2col_gemm", g)->workspace_bytes(), conv2d::im2col_workspace_bytes(g));
  EXPECT_EQ(conv2d::im2col_workspace_bytes(g), std::size_t{18} * 14 * 9 * 4);  // 7 rows per panel, 2 panels
}

// --- 06_best, b2 and b3: the choice never changes a bit ----------------------
// Every route best may take sums each output as 04 does (bias, then the taps
// in order, one FMA each), so its output equals 05's bit for bit, on dense,
// grouped and depthwise shapes, every ISA and thread count.
TEST(BestPlan, SameBitsAsParallelWhicheverRouteItTakes) {
  for (const char* d : {"g32mb1ic32ih30oc32kh3ph1", "g24mb2ic24ih19iw37oc24kh3sh2ph1bias0", "g40mb1ic40ih7oc40kh3ph1",
                        "g5mb1ic5ih17iw23oc5kh5ph2dh1", "mb1ic16ih13oc32kh3", "g2mb3ic6ih13iw11oc10kh3kw2sh2ph1",
                        "mb2ic130ih11oc40kh3sh2ph1"}) {
    SCOPED_TRACE(d);
    const ConvCase c(parse_conv2d(d), DataMode::bounded, 5);
    for (Isa isa : available_isas())
      for (int t : {1, 3}) {
        PlanOptions o;
        o.isa = isa;
        o.threads = t;
        const std::vector<float> best = c.output_of(variant("best"), o), parallel = c.output_of(variant("parallel"), o);
        ASSERT_EQ(best.size(), parallel.size());
        EXPECT_EQ(0, std::memcmp(best.data(), parallel.data(), best.size() * sizeof(float)))
            << to_string(isa) << ", " << t << " threads";
      }
  }
}

// b4 computes 05's sums (dense) and b3's (depthwise) over its blocked copy,
// tap for tap, so its output equals theirs bit for bit: at stride 2, with
// dilation, 3 input channels, channel counts that leave lanes empty, and
// depthwise rows shorter and longer than a vector.
TEST(BlockedPlan, SameBitsAsParallelDenseAndDepthwiseBlockedDepthwise) {
  for (const char* d : {"mb2ic3ih23oc20kh3sh2ph1", "mb1ic19ih17iw31oc33kh3kw4ph3pw0dh1dw1bias0",
                        "mb1ic64ih14oc96kh3ph1", "mb3ic24ih9oc40kh1", "g40mb2ic40ih7oc40kh3ph1",
                        "g24mb1ic24ih19iw37oc24kh3sh2ph1bias0", "g5mb1ic5ih17iw23oc5kh5ph2dh1"}) {
    SCOPED_TRACE(d);
    const Conv2dParams p = parse_conv2d(d);
    const ConvCase c(p, DataMode::bounded, 7);
    const char* twin = p.g == 1 ? "parallel" : "depthwise_blocked";
    for (Isa isa : available_isas())
      for (int t : {1, 3}) {
        PlanOptions o;
        o.isa = isa;
        o.threads = t;
        const std::vector<float> blocked = c.output_of(variant("blocked"), o), other = c.output_of(variant(twin), o);
        ASSERT_EQ(blocked.size(), other.size());
        EXPECT_EQ(0, std::memcmp(blocked.data(), other.data(), blocked.size() * sizeof(float)))
            << to_string(isa) << ", " << t << " threads";
      }
  }
}

// The `blocked:compute` row times run_compute_only() on whole blocked
// images; what it computes, laid back out, equals run()'s output and, on
// integer data, the naive rung's exactly.
TEST(BlockedPlan, ComputeRowMatchesRunAndNaiveExactly) {
  for (const char* d : {"mb2ic20ih13oc40kh3ph1", "mb1ic3ih30oc24kh7sh2ph3", "mb3ic33ih9oc17kh1",
                        "g40mb2ic40ih11oc40kh3sh2ph1", "g8mb1ic8ih5oc8kh3ph1bias0"}) {
    SCOPED_TRACE(d);
    const Conv2dParams p = parse_conv2d(d);
    std::vector<float> x(static_cast<std::size_t>(p.input_elems())), w(static_cast<std::size_t>(p.weight_elems())),
        b(static_cast<std::size_t>(p.bias_elems()));
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(static_cast<int>(i * 7 % 11) - 5);
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(static_cast<int>(i * 5 % 7) - 3);
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(static_cast<int>(i % 5) - 2);
    std::vector<float> naive(static_cast<std::size_t>(p.output_elems())), run(naive.size());
    variant("naive").plan(p, w, b)->run(x, naive);
    for (int t : {1, 3}) {
      PlanOptions o;
      o.threads = t;
      const auto plan = variant("blocked").plan(p, w, b, o);
      plan->run(x, run);
      EXPECT_EQ(run, naive) << t << " threads";
      EXPECT_EQ(conv2d::blocked_compute_output(*plan), run) << t << " threads";
    }
  }
}

TEST(BlockedPlan, RefusesGroupedAndWideStridesWithAReason) {
  EXPECT_NE(variant("blocked").supports(parse_conv2d("g2mb1ic8ih9oc8kh3")).reason.find("g2 ic8 oc8"), std::string::npos);
  EXPECT_NE(variant("blocked").supports(parse_conv2d("mb1ic8ih9oc8kh3sw3")).reason.find("sw = 3"), std::string::npos);
  EXPECT_TRUE(variant("blocked").supports(parse_conv2d("mb1ic8ih9oc8kh3sh3sw2")));
}

TEST(BestPlan, SaysWhichRouteItTookAndWhy) {
  PlanOptions o;
  o.isa = Isa::sse42;  // 4 lanes on every machine: rows of 8+ pixels count as long
  auto chose = [&](const char* d) { return plan_for("best", parse_conv2d(d), o)->describe(); };
  EXPECT_NE(chose("g32mb1ic32ih30oc32kh3ph1").find("chose depthwise ("), std::string::npos);
  EXPECT_NE(chose("g32mb1ic32ih30oc32kh3sh2ph1").find("chose depthwise_blocked ("), std::string::npos);
  EXPECT_NE(chose("g8mb1ic8ih7oc8kh3ph1").find("chose depthwise_blocked ("), std::string::npos);
  EXPECT_NE(chose("g3mb1ic3ih7oc3kh3ph1").find("chose depthwise ("), std::string::npos);  // 3 of 4 lanes
  EXPECT_NE(chose("mb1ic16ih13oc32kh3").find("chose parallel ("), std::string::npos);
  EXPECT_NE(chose("mb1ic128ih16oc64kh3sh2ph1").find("chose blocked ("), std::string::npos);  // K = 1152
  EXPECT_NE(chose("mb1ic64ih16oc64kh3ph1").find("chose parallel ("), std::string::npos);     // K = 576
}

}  // namespace
}  // namespace convlab::testing
