// The core's small promises: alignment, counting, views, the registry's list,
// the comparison rules themselves.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "convlab/compare.hpp"
#include "convlab/data.hpp"
#include "convlab/descriptor.hpp"
#include "convlab/error.hpp"
#include "convlab/memory.hpp"
#include "convlab/registry.hpp"
#include "convlab/tensor.hpp"

namespace convlab {
namespace {

TEST(Tensor, StorageIs64ByteAligned) {
  for (int64_t n : {1, 3, 17, 1000}) {
    Tensor t({n});
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.data()) % 64, 0u) << n;
  }
}

TEST(Tensor, AllocationsAreCounted) {
  const auto before = memory::stats();
  {
    Tensor t({256, 256});
    EXPECT_EQ(memory::stats().current_bytes - before.current_bytes, 256 * 256 * 4);
  }
  EXPECT_EQ(memory::stats().current_bytes, before.current_bytes);
}

TEST(Tensor, PeakTracksTheHighWaterMark) {
  memory::reset_peak();
  const auto base = memory::stats().current_bytes;
  { Tensor a({1 << 20}); }
  { Tensor b({1 << 10}); }
  EXPECT_EQ(memory::stats().peak_bytes - base, (1 << 20) * 4);
}

TEST(Tensor, FlattenIsAZeroCopyView) {
  Tensor t({2, 3, 4, 5});
  const TensorView flat = t.view().reshaped({2, 60});
  EXPECT_EQ(flat.data(), t.data());
  EXPECT_EQ(flat.size(), 120);
  EXPECT_THROW(t.view().reshaped({7, 17}), Error);
}

TEST(Registry, NaiveStepsComeFirstAndNamesAreUnique) {
  ASSERT_FALSE(conv2d_variants().empty());
  ASSERT_FALSE(pool2d_variants().empty());
  EXPECT_EQ(conv2d_variants()[0]->name(), "naive");
  EXPECT_EQ(pool2d_variants()[0]->name(), "naive");
  for (const auto* v : conv2d_variants()) EXPECT_EQ(find_conv2d_variant(v->name()), v);
  for (const auto* v : pool2d_variants()) EXPECT_EQ(find_pool2d_variant(v->name()), v);
  EXPECT_EQ(find_conv2d_variant("no-such-step"), nullptr);
}

TEST(Registry, LadderStepsPrecedeBaselines) {
  bool seen_baseline = false;
  for (const auto* v : conv2d_variants()) {
    if (v->kind() == VariantKind::baseline) seen_baseline = true;
    else EXPECT_FALSE(seen_baseline) << v->name() << " listed after a baseline";
  }
}

TEST(Compare, ExactModeCatchesOneUlp) {
  const std::vector<float> ref = {1.0f, 2.0f, 3.0f};
  std::vector<float> got = ref;
  EXPECT_TRUE(compare_exact(got, ref).pass);
  got[1] = std::nextafter(2.0f, 3.0f);
  const Verdict v = compare_exact(got, ref);
  EXPECT_FALSE(v.pass);
  EXPECT_EQ(v.failures, 1);
}

TEST(Compare, NaNMustMatchNaN) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(compare_exact(std::vector<float>{nan, 1}, std::vector<float>{nan, 1}).pass);
  EXPECT_FALSE(compare_exact(std::vector<float>{0, 1}, std::vector<float>{nan, 1}).pass);
  EXPECT_FALSE(compare_exact(std::vector<float>{nan, 1}, std::vector<float>{0, 1}).pass);
}

TEST(Compare, BoundScalesWithReductionLengthAndMagnitude) {
  const Conv2dParams p = parse_conv2d("mb1ic4ih3oc1kh3");  // K = 36
  const std::vector<float> ref = {10.0f};
  const std::vector<double> abs_sum = {100.0};
  const double bound = kConvBoundFactor * FLT_EPSILON * 36 * 100.0 + kTiny;
  EXPECT_TRUE(compare_conv2d(p, DataMode::bounded, std::vector<float>{10.0f + float(bound * 0.9)}, ref, abs_sum).pass);
  EXPECT_FALSE(compare_conv2d(p, DataMode::bounded, std::vector<float>{10.0f + float(bound * 2)}, ref, abs_sum).pass);
  EXPECT_FALSE(compare_conv2d(p, DataMode::exact, std::vector<float>{std::nextafter(10.0f, 11.0f)}, ref, abs_sum).pass);
}

TEST(Data, IntegerRangeKeepsEverySumExact) {
  for (const char* d : {"mb1ic3ih8oc4kh3", "mb1ic512ih8oc4kh3", "mb1ic4096ih8oc4kh3"}) {
    const Conv2dParams p = parse_conv2d(d);
    const int r = exact_integer_range(p);
    EXPECT_GE(r, 1);
    EXPECT_LT(double(r) * r * (p.reduction_length() + 1), double(1 << 24)) << d;
  }
}

}  // namespace
}  // namespace convlab

namespace convlab {
namespace {

// Every byte a ladder plan holds is allocated through convlab::memory and
// reported by the plan (the memory study relies on it). Baselines allocate
// inside their library and are exempt.
TEST(PlanMemory, CountedBytesEqualWhatEveryLadderPlanReports) {
  for (const char* d : {"mb2ic3ih10iw12oc4kh3ph1pw2", "mb32ic32ih15oc64kh3", "g2mb1ic6ih9oc10kh3sh2ph1dh1",
                        "mb4ic2304ih1oc256kh1", "g8mb2ic8ih9oc8kh3ph1"}) {
    const Conv2dParams p = parse_conv2d(d);
    Tensor w({p.weight_elems()}), b({p.bias_elems()});
    for (const auto* v : conv2d_variants()) {
      if (v->kind() == VariantKind::baseline || !v->supports(p)) continue;
      for (int threads : {1, 2}) {
        PlanOptions o;
        o.threads = threads;
        const int64_t before = memory::stats().current_bytes;
        auto plan = v->plan(p, w.span(), b.span(), o);
        const int64_t counted = memory::stats().current_bytes - before;
        EXPECT_EQ(counted, static_cast<int64_t>(plan->workspace_bytes() + plan->packed_weight_bytes()))
            << v->name() << " on " << d << " with " << threads << " threads";
      }
    }
  }
  for (const char* d : {"max:mb2ic3ih9kh2", "avg_p:mb32ic64ih112kh3sh2ph1"}) {
    const Pool2dParams p = parse_pool2d(d);
    for (const auto* v : pool2d_variants()) {
      if (v->kind() == VariantKind::baseline) continue;
      const int64_t before = memory::stats().current_bytes;
      auto plan = v->plan(p, {});
      EXPECT_EQ(memory::stats().current_bytes - before, static_cast<int64_t>(plan->workspace_bytes()))
          << v->name() << " on " << d;
    }
  }
}

}  // namespace
}  // namespace convlab
