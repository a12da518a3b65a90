// Every registered pool2d variant against the reference, always exactly:
// suites, named edge cases, NaN and -inf semantics, every ISA path, 1-4
// threads bitwise identical, and a seeded random sweep.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>

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

INSTANTIATE_TEST_SUITE_P(All, Pool2dSpecialValues, ::testing::ValuesIn(pool2d_variant_names()),
                         [](const auto& info) { return test_name(info.param); });

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
  for (const char* d : {"max:mb4ic32ih30kh2", "avg_p:mb3ic5ih17kh3sh2ph1ceil1", "avg_np:mb2ic7ih33kh2",
                        "max:mb2ic3ih40kh3sh2dh1"}) {
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

class Pool2dRandomSweep : public ::testing::TestWithParam<std::string> {};

TEST_P(Pool2dRandomSweep, ThreeHundredValidShapes) {
  const PoolVariant& v = variant(GetParam());
  std::mt19937_64 rng(11232026);
  const auto isas = available_isas();
  for (int i = 0; i < 300; ++i) {
    PoolTester t;
    t.params(random_pool2d(rng)).threads(1 + static_cast<int>(rng() % 3)).isa(isas[rng() % isas.size()]);
    SCOPED_TRACE("random shape #" + std::to_string(i));
    t.check(v, i % 2 ? DataMode::exact : DataMode::bounded, i);
    if (::testing::Test::HasFailure()) break;
  }
}

INSTANTIATE_TEST_SUITE_P(All, Pool2dRandomSweep, ::testing::ValuesIn(pool2d_variant_names()),
                         [](const auto& info) { return test_name(info.param); });

}  // namespace
}  // namespace convlab::testing
