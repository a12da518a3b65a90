// Every registered pool2d variant against the reference, always exactly:
// suites, named edge cases, NaN and -inf semantics, every ISA path, 1-4
// threads bitwise identical, and a seeded random sweep.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <tuple>

#include "convlab/activation.hpp"
#include "convlab/data.hpp"
#include "convlab/reference.hpp"
#include "convlab/suite.hpp"
#include "shapes.hpp"
#include "tester.hpp"

namespace convlab::testing {
namespace {

const PoolVariant& variant(const std::string& name) {
  const PoolVariant* v = find_pool2d_variant(name);
  if (v == nullptr) throw std::logic_error("no pool2d variant " + name);
  return *v;
}

constexpr float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();

// Every alg of a suite's pools: suites list max pools; avg is checked on the same windows.
using SuiteParam = std::tuple<std::string, std::string, DataMode>;
class Pool2dSuite : public ::testing::TestWithParam<SuiteParam> {};

TEST_P(Pool2dSuite, MatchesReferenceExactlyForEveryAlgorithm) {
  const auto& [name, suite, mode] = GetParam();
  int shapes = 0;
  for (const auto& e : load_suite(suite)) {
    const auto* p = std::get_if<Pool2dParams>(&e.problem);
    if (p == nullptr) continue;
    SCOPED_TRACE(e.source);
    for (PoolAlg alg : {PoolAlg::max, PoolAlg::avg_include_pad, PoolAlg::avg_exclude_pad}) {
      Pool2dParams q = *p;
      q.alg = alg;
      if (q.is_avg()) q.dh = q.dw = 0;
      PoolTester().params(q).check(variant(name), mode);
    }
    ++shapes;
  }
  EXPECT_GT(shapes, 0) << "suite " << suite << " has no pool2d shape";
}

INSTANTIATE_TEST_SUITE_P(
    All, Pool2dSuite,
    ::testing::Combine(::testing::ValuesIn(pool2d_variant_names()),
                       ::testing::Values("seed", "cifar", "lenet"),
                       ::testing::Values(DataMode::exact, DataMode::bounded)),
    [](const auto& info) {
      return test_name(std::get<0>(info.param) + "_" + std::get<1>(info.param) + "_" +
                       (std::get<2>(info.param) == DataMode::exact ? "integers" : "reals"));
    });

using EdgeParam = std::tuple<std::string, NamedShape>;
class Pool2dEdgeCase : public ::testing::TestWithParam<EdgeParam> {};

TEST_P(Pool2dEdgeCase, MatchesReferenceExactly) {
  const auto& [name, shape] = GetParam();
  PoolTester t;
  t.params(parse_pool2d(shape.descriptor));
  t.check(variant(name), DataMode::exact);
  t.check(variant(name), DataMode::bounded);
}

INSTANTIATE_TEST_SUITE_P(All, Pool2dEdgeCase,
                         ::testing::Combine(::testing::ValuesIn(pool2d_variant_names()),
                                            ::testing::ValuesIn(pool2d_edge_cases())),
                         [](const auto& info) {
                           return test_name(std::get<0>(info.param) + "_" +
                                            std::get<1>(info.param).name);
                         });

// --- NaN and infinities ---------------------------------------------------------
class Pool2dSpecialValues : public ::testing::TestWithParam<std::string> {};

// Fills a 1x1xHxW input with 1..H*W, then plants the given values.
Tensor planted(int64_t h, int64_t w, std::initializer_list<std::pair<int64_t, float>> values) {
  Tensor t({1, 1, h, w});
  for (int64_t i = 0; i < h * w; ++i) t.data()[i] = static_cast<float>(i + 1);
  for (const auto& [at, v] : values) t.data()[at] = v;
  return t;
}

std::vector<float> pooled(const PoolVariant& v, const Pool2dParams& p, Tensor input) {
  const PoolCase c(p, std::move(input));
  expect_pass(c.check(v), true);
  return c.output_of(v, {});
}

TEST_P(Pool2dSpecialValues, MaxWindowWithNaNGivesNaN) {
  const auto out = pooled(variant(GetParam()), parse_pool2d("max:mb1ic1ih4iw32kh2"),
                          planted(4, 32, {{0, kNaN}, {32 + 17, kNaN}}));
  EXPECT_TRUE(std::isnan(out[0]));
  EXPECT_TRUE(std::isnan(out[8]));   // row 0 of the output, column 17/2
  EXPECT_FALSE(std::isnan(out[1]));
}

TEST_P(Pool2dSpecialValues, MaxOfMinusInfinityWindowIsMinusInfinity) {
  Tensor in({1, 1, 2, 2});
  for (int i = 0; i < 4; ++i) in.data()[i] = -kInf;
  const auto out = pooled(variant(GetParam()), parse_pool2d("max:mb1ic1ih2kh2"), std::move(in));
  EXPECT_EQ(out[0], -kInf);
}

TEST_P(Pool2dSpecialValues, MaxPaddingIsMinusInfinityNotZero) {
  Tensor in({1, 1, 3, 3});
  for (int i = 0; i < 9; ++i) in.data()[i] = -5.0f - static_cast<float>(i);
  const auto out = pooled(variant(GetParam()), parse_pool2d("max:mb1ic1ih3kh2sh2ph1"), std::move(in));
  EXPECT_EQ(out[0], -5.0f);  // the corner window holds one real pixel and three padded ones
}

TEST_P(Pool2dSpecialValues, AvgWithInfinityAndNaN) {
  for (const char* d : {"avg_p:mb1ic1ih4iw32kh2", "avg_np:mb1ic1ih4iw32kh2ph1"}) {
    const auto out = pooled(variant(GetParam()), parse_pool2d(d),
                            planted(4, 32, {{0, kInf}, {5, -kInf}, {4, kInf}, {70, kNaN}}));
    (void)out;  // pooled() already compared against the reference exactly
  }
}

TEST_P(Pool2dSpecialValues, CountIncludePadBothWays) {
  // 2x2 of ones, 3x3 window, padding 1: the one output covers 4 real pixels of 9.
  Tensor ones({1, 1, 2, 2});
  for (int i = 0; i < 4; ++i) ones.data()[i] = 1.0f;
  Tensor copy({1, 1, 2, 2});
  std::memcpy(copy.data(), ones.data(), 16);
  EXPECT_FLOAT_EQ(pooled(variant(GetParam()), parse_pool2d("avg_p:mb1ic1ih2kh3ph1"), std::move(ones))[0],
                  4.0f / 9.0f);
  EXPECT_EQ(pooled(variant(GetParam()), parse_pool2d("avg_np:mb1ic1ih2kh3ph1"), std::move(copy))[0], 1.0f);
}

TEST_P(Pool2dSpecialValues, CeilModeOverhangingWindowIsClipped) {
  // 5 wide, kernel 2, stride 2, ceil: the third window covers only column 4.
  const Pool2dParams p = parse_pool2d("avg_p:mb1ic1ih2iw5kh2ceil1");
  ASSERT_EQ(p.ow(), 3);
  Tensor in({1, 1, 2, 5});
  for (int i = 0; i < 10; ++i) in.data()[i] = static_cast<float>(i);
  // Column 4 holds 4 and 9; the window is clipped to the input (no padding to count): divisor 2.
  EXPECT_EQ(pooled(variant(GetParam()), p, std::move(in))[2], (4.0f + 9.0f) / 2.0f);
}

// The figures below are PyTorch 1.13's (F.max_pool2d / F.avg_pool2d on the same input).
TEST_P(Pool2dSpecialValues, CeilModeWindowLargerThanThePaddedInputGivesOneOutput) {
  const Pool2dParams mx = parse_pool2d("max:mb1ic1ih2kh3sh2ceil1");
  ASSERT_EQ(mx.oh(), 1);
  ASSERT_EQ(mx.ow(), 1);
  EXPECT_EQ(pooled(variant(GetParam()), mx, planted(2, 2, {}))[0], 4.0f);
  Tensor ones({1, 1, 2, 2});
  for (int i = 0; i < 4; ++i) ones.data()[i] = 1.0f;
  Tensor copy({1, 1, 2, 2});
  std::memcpy(copy.data(), ones.data(), 16);
  // 5x5 window from (-1, -1): 4 real pixels; count_include_pad counts the 4x4 inside the padded input.
  EXPECT_EQ(pooled(variant(GetParam()), parse_pool2d("avg_np:mb1ic1ih2kh5sh4ph1ceil1"), std::move(ones))[0], 1.0f);
  EXPECT_EQ(pooled(variant(GetParam()), parse_pool2d("avg_p:mb1ic1ih2kh5sh4ph1ceil1"), std::move(copy))[0], 0.25f);
}

TEST_P(Pool2dSpecialValues, DivisorOverrideReplacesTheWindowCount) {
  Tensor ones({1, 1, 4, 4});
  for (int i = 0; i < 16; ++i) ones.data()[i] = 1.0f;
  EXPECT_EQ(pooled(variant(GetParam()), parse_pool2d("avg_np:mb1ic1ih4kh2div3"), std::move(ones))[3], 4.0f / 3.0f);
}

TEST_P(Pool2dSpecialValues, AverageThatUnderflowsToZeroIsPositiveZero) {
  // PyTorch 1.13: avg_pool2d([-1.4e-45, 0]) and avg_pool2d([-0.0, -0.0]) are +0.0.
  const float denormal = -std::numeric_limits<float>::denorm_min();
  for (const char* d : {"avg_p:mb1ic1ih1iw32kh1kw2", "avg_np:mb1ic1ih1iw32kh1kw2"}) {
    Tensor in({1, 1, 1, 32});
    for (int i = 0; i < 32; ++i) in.data()[i] = i % 2 == 0 ? denormal : (i % 4 == 1 ? 0.0f : -0.0f);
    const auto out = pooled(variant(GetParam()), parse_pool2d(d), std::move(in));
    for (float v : out) EXPECT_FALSE(std::signbit(v)) << d;
  }
}

TEST_P(Pool2dSpecialValues, EmptyBatchGivesAnEmptyOutput) {
  const Pool2dParams p = parse_pool2d("max:mb0ic3ih8kh2");
  EXPECT_EQ(p.output_elems(), 0);
  EXPECT_TRUE(pooled(variant(GetParam()), p, Tensor({0, 3, 8, 8})).empty());
}

INSTANTIATE_TEST_SUITE_P(All, Pool2dSpecialValues, ::testing::ValuesIn(pool2d_variant_names()),
                         [](const auto& info) { return test_name(info.param); });

// --- max_pool2d(return_indices=True): idx1, the naive step --------------------------
std::vector<int64_t> indices_of(const char* descriptor, Tensor input) {
  const Pool2dParams p = parse_pool2d(descriptor);
  const PoolCase c(p, std::move(input));
  expect_pass(c.check(variant("naive")), true);  // values and indices against the reference
  std::vector<float> y(static_cast<std::size_t>(p.output_elems()));
  std::vector<int64_t> idx(y.size(), -1);
  variant("naive").plan(p)->run(c.input(), y, idx);
  return idx;
}

TEST(Pool2dIndices, FirstMaximumWinsATieAsInPyTorch) {
  EXPECT_EQ(indices_of("max:mb1ic1ih1iw4kh1kw4idx1", planted(1, 4, {{0, 1}, {1, 3}, {2, 3}, {3, 2}}))[0], 1);
}

TEST(Pool2dIndices, LastNaNWinsAsInPyTorch) {
  EXPECT_EQ(indices_of("max:mb1ic1ih1iw6kh1kw6idx1",
                       planted(1, 6, {{0, 1}, {1, 3}, {2, 3}, {3, kNaN}, {4, 2}, {5, kNaN}}))[0],
            5);
}

TEST(Pool2dIndices, AllMinusInfinityPointsAtTheFirstTapInsideTheInput) {
  Tensor in({1, 1, 2, 2});
  for (int i = 0; i < 4; ++i) in.data()[i] = -kInf;
  Tensor copy({1, 1, 2, 2});
  std::memcpy(copy.data(), in.data(), 16);
  EXPECT_EQ(indices_of("max:mb1ic1ih2kh3sh2ceil1idx1", std::move(in))[0], 0);
  EXPECT_EQ(indices_of("max:mb1ic1ih2kh3sh2ph1idx1", std::move(copy)), std::vector<int64_t>{0});
}

TEST(Pool2dIndices, PlaneOffsetsAreWithinEachPlaneWithPaddingAndDilation) {
  Tensor in({2, 2, 7, 9});
  for (int64_t i = 0; i < in.size(); ++i) in.data()[i] = static_cast<float>(i * 37 % 11);  // ties
  const auto idx = indices_of("max:mb2ic2ih7iw9kh3sh2ph1dh1idx1", std::move(in));
  for (int64_t i : idx) {
    EXPECT_GE(i, 0);
    EXPECT_LT(i, 7 * 9);
  }
}

TEST(Pool2dIndices, OnlyTheScalarStepsWriteThemAndTheOthersSaySo) {
  const Pool2dParams p = parse_pool2d("max:mb1ic1ih8kh2idx1");
  for (const auto* v : pool2d_variants()) {
    const Support s = v->supports(p);
    if (v->name() == "naive" || v->name() == "interior_edge") EXPECT_TRUE(s);
    else EXPECT_NE(s.reason.find("indices"), std::string::npos) << v->name();
  }
}

// --- every dispatch path, thread determinism, random sweep ------------------------
using IsaParam = std::tuple<std::string, Isa>;
class Pool2dIsaPath : public ::testing::TestWithParam<IsaParam> {};

TEST_P(Pool2dIsaPath, EdgeCasesExactOnThisIsa) {
  const auto& [name, isa] = GetParam();
  for (const auto& c : pool2d_edge_cases()) {
    SCOPED_TRACE(c.name);
    PoolTester().params(parse_pool2d(c.descriptor)).isa(isa).check(variant(name), DataMode::bounded);
  }
}

INSTANTIATE_TEST_SUITE_P(All, Pool2dIsaPath,
                         ::testing::Combine(::testing::ValuesIn(pool2d_variant_names()),
                                            ::testing::ValuesIn(available_isas())),
                         [](const auto& info) {
                           return test_name(std::get<0>(info.param) + "_" +
                                            to_string(std::get<1>(info.param)));
                         });

class Pool2dThreads : public ::testing::TestWithParam<std::string> {};

TEST_P(Pool2dThreads, OneToFourThreadsGiveIdenticalBytes) {
  const PoolVariant& v = variant(GetParam());
  // The last four are large enough for 02_parallel to split them (its serial
  // cutoff is 256 KiB), two of them into row tiles (fewer planes than 4 per thread).
  for (const char* d : {"max:mb4ic32ih30kh2", "avg_p:mb3ic5ih17kh3sh2ph1ceil1", "avg_np:mb2ic7ih33kh2",
                        "max:mb2ic3ih40kh3sh2dh1", "max:mb1ic1ih400iw300kh2",
                        "avg_np:mb1ic3ih200iw160kh3sh1ph1relu1", "max:mb2ic16ih64kh3sh2ph1dh1ceil1relu1",
                        "avg_p:mb8ic16ih56kh3sh3ph1ceil1"}) {
    SCOPED_TRACE(d);
    const PoolCase c(parse_pool2d(d), DataMode::bounded, 5);
    PlanOptions o;
    o.threads = 1;
    const std::vector<float> one = c.output_of(v, o);
    for (int t = 2; t <= 4; ++t) {
      o.threads = t;
      const std::vector<float> many = c.output_of(v, o);
      ASSERT_EQ(one.size(), many.size());
      EXPECT_EQ(0, std::memcmp(one.data(), many.data(), one.size() * sizeof(float)))
          << t << " threads differ from 1 thread";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(All, Pool2dThreads, ::testing::ValuesIn(pool2d_variant_names()),
                         [](const auto& info) { return test_name(info.param); });

// --- NaN, infinities and signed zeros at every position ----------------------------
// Shapes that reach every code path of the SIMD steps: stride 1 / 2 / 3-4 / 5+
// (the four width schemes), full and partial vector blocks, left and right
// edges (padding, an overhanging ceil_mode window), dilation.
const char* const kSpecialValueShapes[] = {
    "max:mb1ic1ih5iw37kh3sh1ph1", "max:mb1ic1ih6iw41kh3sh2ph1ceil1", "max:mb1ic1ih7iw50kh2sh3dh1",
    "max:mb1ic1ih4iw34kh2",       "avg_p:mb1ic1ih5iw37kh3sh2ph1ceil1", "avg_np:mb1ic1ih5iw37kh3sh1ph1",
    "max:mb1ic1ih5iw90kh3sh5ph1", "avg_np:mb1ic1ih5iw45kh4sh4ph2ceil1",
};

std::vector<PlanOptions> every_isa_and_some_threads() {
  std::vector<PlanOptions> out;
  for (Isa isa : available_isas()) out.push_back({.threads = 1, .isa = isa});
  out.push_back({.threads = 3, .isa = default_isa()});
  return out;
}

class Pool2dSpecialValueSweep : public ::testing::TestWithParam<std::string> {};

// One NaN (or +-inf) planted at each input position in turn, on a background
// of ordinary values or of -inf: the output must be NaN / inf exactly where the
// reference's is, whichever lane, tap, edge or ISA path covers that position.
TEST_P(Pool2dSpecialValueSweep, OneSpecialValueAtEveryPosition) {
  const PoolVariant& v = variant(GetParam());
  for (const char* d : kSpecialValueShapes) {
    const Pool2dParams p = parse_pool2d(d);
    for (float background : {0.0f, -kInf})
      for (float special : {kNaN, kInf, -kInf}) {
        if (!p.is_avg() && special == -kInf && background == -kInf) continue;
        for (int64_t at = 0; at < p.input_elems(); ++at) {
          Tensor in = make_pool2d_input(p, DataMode::exact, 3);
          if (background != 0.0f)
            for (float& x : in.span()) x = background;
          in.data()[at] = special;
          const PoolCase c(p, std::move(in));
          for (const PlanOptions& o : every_isa_and_some_threads()) {
            const CheckRow r = c.check(v, o);
            expect_pass(r, v.kind() == VariantKind::ladder);
            if (!r.pass && r.supported) {
              ADD_FAILURE() << d << ": value " << special << " at input " << at << " on background "
                            << background;
              return;
            }
          }
        }
      }
  }
}

// Signed zeros: max keeps the earliest of equal values (the reference's
// `v > m`), so a window of -0 and +0 gives the sign of whichever comes first.
// compare_pool2d treats -0 == +0; the ladder's steps match the reference's
// bits anyway, and this checks them with memcmp.
TEST_P(Pool2dSpecialValueSweep, MaxTiesKeepTheReferenceSignOfZero) {
  const PoolVariant& v = variant(GetParam());
  if (v.kind() == VariantKind::baseline) GTEST_SKIP() << "bit-level zero signs are a ladder promise";
  std::mt19937_64 rng(5);
  for (const char* d : {"max:mb1ic2ih6iw41kh3sh2ph1ceil1", "max:mb1ic2ih5iw37kh3sh1ph1",
                        "max:mb1ic2ih7iw50kh2sh3dh1", "max:mb2ic3ih8iw66kh2"}) {
    const Pool2dParams p = parse_pool2d(d);
    Tensor in({p.mb, p.ic, p.ih, p.iw});
    for (float& x : in.span()) x = rng() % 3 == 0 ? -1.0f : (rng() % 2 ? -0.0f : 0.0f);
    std::vector<float> ref(static_cast<std::size_t>(p.output_elems()));
    reference_pool2d(p, in.span(), ref);
    for (const PlanOptions& o : every_isa_and_some_threads()) {
      std::vector<float> got(ref.size());
      v.plan(p, o)->run(in.span(), got);
      EXPECT_EQ(0, std::memcmp(got.data(), ref.data(), ref.size() * sizeof(float)))
          << d << " isa " << to_string(o.isa) << " threads " << o.threads;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(All, Pool2dSpecialValueSweep, ::testing::ValuesIn(pool2d_variant_names()),
                         [](const auto& info) { return test_name(info.param); });

// --- the fused ReLU (relu1) -----------------------------------------------------------
// Reals in [-1, 1) with NaN, +-inf, -0 and +0 planted: the values that tell
// one order of max and ReLU from the other.
Tensor relu_test_input(const Pool2dParams& p, uint64_t seed) {
  Tensor in = make_pool2d_input(p, DataMode::bounded, seed);
  std::mt19937_64 rng(seed);
  const float planted[] = {kNaN, kInf, -kInf, -0.0f, 0.0f, -0.0f, -2.0f};
  const int64_t plants = 100 + in.size() / 100;
  for (int64_t i = 0; i < plants; ++i)
    in.data()[rng() % static_cast<uint64_t>(in.size())] = planted[rng() % std::size(planted)];
  // Whole windows of non-positive values (the first rows of the first plane),
  // so that relu must produce zeros.
  for (int64_t i = 0; i < std::min<int64_t>(p.ih, 6) * p.iw; ++i) in.data()[i] = -std::fabs(in.data()[i]);
  return in;
}

const char* const kReluShapes[] = {
    "max:mb2ic5ih30kh2",          "max:mb1ic3ih13iw70kh3sh1ph1", "max:mb1ic2ih12iw40kh3sh2ph1dh1ceil1",
    "max:mb1ic2ih9iw100kh3",      "max:mb1ic1ih400iw300kh2",     "max:mb2ic16ih64kh3sh2ph1",
};

class Pool2dFusedRelu : public ::testing::TestWithParam<std::string> {};

// max(relu(x)) == relu(max(x)) bit for bit: ReLU is monotone and maps every
// non-positive value to +0 (activation.hpp), and both keep NaN.
TEST_P(Pool2dFusedRelu, ReluThenMaxEqualsMaxThenReluBitForBit) {
  const PoolVariant& v = variant(GetParam());
  for (const char* d : kReluShapes) {
    SCOPED_TRACE(d);
    Pool2dParams unfused = parse_pool2d(d), fused = unfused;
    fused.relu = true;
    const Tensor x = relu_test_input(unfused, 9);
    Tensor relu_x(x.shape());
    relu(x.span(), relu_x.span());  // the standalone ReLU, then plain max pooling
    for (const PlanOptions& o : every_isa_and_some_threads()) {
      std::vector<float> relu_then_max(static_cast<std::size_t>(unfused.output_elems()));
      std::vector<float> max_then_relu(relu_then_max.size());
      v.plan(unfused, o)->run(relu_x.span(), relu_then_max);
      v.plan(fused, o)->run(x.span(), max_then_relu);
      EXPECT_EQ(0, std::memcmp(relu_then_max.data(), max_then_relu.data(),
                               relu_then_max.size() * sizeof(float)))
          << "isa " << to_string(o.isa) << " threads " << o.threads;
      int nans = 0, zeros = 0;
      for (float y : max_then_relu) {
        nans += std::isnan(y);
        zeros += y == 0.0f;
        if (!std::isnan(y)) {
          EXPECT_FALSE(y < 0.0f || std::signbit(y)) << "relu output " << y;
        }
      }
      EXPECT_GT(nans, 0) << "the test input must reach NaN outputs";
      EXPECT_GT(zeros, 0) << "the test input must reach clamped outputs";
    }
    // And the fused output is the reference's, exactly.
    Tensor copy(x.shape());
    std::memcpy(copy.data(), x.data(), x.bytes());
    expect_pass(PoolCase(fused, std::move(copy)).check(v), v.kind() == VariantKind::ladder);
  }
}

// For average pooling relu1 means relu(avg(x)), the pooled value clamped.
TEST_P(Pool2dFusedRelu, FusedReluOnAverageIsReluOfTheAverage) {
  const PoolVariant& v = variant(GetParam());
  for (const char* d : {"avg_p:mb2ic5ih30kh2", "avg_np:mb1ic3ih13iw70kh3sh1ph1",
                        "avg_p:mb1ic2ih12iw41kh3sh2ph1ceil1", "avg_np:mb2ic4ih64kh3sh2ph1"}) {
    SCOPED_TRACE(d);
    Pool2dParams unfused = parse_pool2d(d), fused = unfused;
    fused.relu = true;
    const Tensor x = relu_test_input(unfused, 4);
    for (const PlanOptions& o : every_isa_and_some_threads()) {
      std::vector<float> avg(static_cast<std::size_t>(unfused.output_elems())), got(avg.size());
      v.plan(unfused, o)->run(x.span(), avg);
      v.plan(fused, o)->run(x.span(), got);
      for (float& a : avg) a = relu(a);
      EXPECT_EQ(0, std::memcmp(avg.data(), got.data(), avg.size() * sizeof(float)))
          << "isa " << to_string(o.isa) << " threads " << o.threads;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(All, Pool2dFusedRelu, ::testing::ValuesIn(pool2d_variant_names()),
                         [](const auto& info) { return test_name(info.param); });

// The determinism test above means something for 02_parallel only if its plan
// really splits those shapes (and tiles planes when there are few of them).
TEST(Pool2dParallelStep, SplitsTheLargeDeterminismShapesAndKeepsTinyOnesSerial) {
  const PoolVariant* v = find_pool2d_variant("parallel");
  if (v == nullptr) GTEST_SKIP() << "no pool2d variant named parallel";
  auto plan_of = [&](const char* d) { return v->plan(parse_pool2d(d), {.threads = 2})->describe(); };
  for (const char* d : {"max:mb1ic1ih400iw300kh2", "avg_np:mb1ic3ih200iw160kh3sh1ph1relu1",
                        "max:mb2ic16ih64kh3sh2ph1dh1ceil1relu1", "avg_p:mb8ic16ih56kh3sh3ph1ceil1"})
    EXPECT_EQ(plan_of(d).find("serial"), std::string::npos) << d << ": " << plan_of(d);
  EXPECT_NE(plan_of("max:mb1ic1ih400iw300kh2").find("8 tile(s)"), std::string::npos);
  for (const char* d : {"max:mb1ic16ih26kh2", "max:mb1ic1ih4kh2"})
    EXPECT_NE(plan_of(d).find("serial"), std::string::npos) << d << ": " << plan_of(d);
}

class Pool2dRandomSweep : public ::testing::TestWithParam<std::string> {};

TEST_P(Pool2dRandomSweep, SeededValidShapesAtOneToFourThreads) {
  const PoolVariant& v = variant(GetParam());
  std::mt19937_64 rng(11232026);
  const auto isas = available_isas();
  for (int i = 0; i < sweep_problems(); ++i) {
    // A variant that takes some shapes only gets shapes that it takes.
    Pool2dParams p = random_pool2d(rng);
    for (int draw = 0; draw < 10000 && !v.supports(p); ++draw) p = random_pool2d(rng);
    PoolTester t;
    t.params(p).threads(1 + static_cast<int>(rng() % 4)).isa(isas[rng() % isas.size()]);
    SCOPED_TRACE("random shape #" + std::to_string(i));
    t.check(v, i % 2 ? DataMode::exact : DataMode::bounded, i);
    if (sweep_is_long()) t.check(v, i % 2 ? DataMode::bounded : DataMode::exact, i);
    if (::testing::Test::HasFailure()) break;
  }
}

INSTANTIATE_TEST_SUITE_P(All, Pool2dRandomSweep, ::testing::ValuesIn(pool2d_variant_names()),
                         [](const auto& info) { return test_name(info.param); });

}  // namespace
}  // namespace convlab::testing
