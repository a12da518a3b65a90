// Every registered conv2d variant against the reference: the shape suites,
// the named edge cases, every ISA path, 1-4 threads bitwise identical, and a
// seeded random sweep of valid shapes covering every parameter.
#include <gtest/gtest.h>

#include <cstring>
#include <tuple>

#include "convlab/suite.hpp"
#include "shapes.hpp"
#include "tester.hpp"

namespace convlab::testing {
namespace {

const ConvVariant& variant(const std::string& name) {
  const ConvVariant* v = find_conv2d_variant(name);
  if (v == nullptr) throw std::logic_error("no conv2d variant " + name);
  return *v;
}

// --- suites ---------------------------------------------------------------
using SuiteParam = std::tuple<std::string, std::string, DataMode>;  // variant, suite, mode
class Conv2dSuite : public ::testing::TestWithParam<SuiteParam> {};

TEST_P(Conv2dSuite, MatchesReferenceOnEveryShape) {
  const auto& [name, suite, mode] = GetParam();
  int shapes = 0;
  for (const auto& e : load_suite(suite)) {
    const auto* p = std::get_if<Conv2dParams>(&e.problem);
    if (p == nullptr) continue;
    SCOPED_TRACE(e.source);
    ConvTester().params(*p).check(variant(name), mode);
    ++shapes;
  }
  EXPECT_GT(shapes, 0) << "suite " << suite << " has no conv2d shape";
}

INSTANTIATE_TEST_SUITE_P(
    All, Conv2dSuite,
    ::testing::Combine(::testing::ValuesIn(conv2d_variant_names()),
                       ::testing::Values("seed", "cifar", "lenet"),
                       ::testing::Values(DataMode::exact, DataMode::bounded)),
    [](const auto& info) {
      return test_name(std::get<0>(info.param) + "_" + std::get<1>(info.param) + "_" +
                       to_string(std::get<2>(info.param)));
    });

// --- edge cases -------------------------------------------------------------
using EdgeParam = std::tuple<std::string, NamedShape, DataMode>;
class Conv2dEdgeCase : public ::testing::TestWithParam<EdgeParam> {};

TEST_P(Conv2dEdgeCase, MatchesReference) {
  const auto& [name, shape, mode] = GetParam();
  ConvTester().params(parse_conv2d(shape.descriptor)).check(variant(name), mode);
}

INSTANTIATE_TEST_SUITE_P(
    All, Conv2dEdgeCase,
    ::testing::Combine(::testing::ValuesIn(conv2d_variant_names()),
                       ::testing::ValuesIn(conv2d_edge_cases()),
                       ::testing::Values(DataMode::exact, DataMode::bounded)),
    [](const auto& info) {
      return test_name(std::get<0>(info.param) + "_" + std::get<1>(info.param).name + "_" +
                       to_string(std::get<2>(info.param)));
    });

// --- every dispatch path ------------------------------------------------------
using IsaParam = std::tuple<std::string, Isa>;
class Conv2dIsaPath : public ::testing::TestWithParam<IsaParam> {};

TEST_P(Conv2dIsaPath, EdgeCasesExactOnThisIsa) {
  const auto& [name, isa] = GetParam();
  for (const auto& c : conv2d_edge_cases()) {
    SCOPED_TRACE(c.name);
    ConvTester().params(parse_conv2d(c.descriptor)).isa(isa).check(variant(name), DataMode::exact);
  }
}

INSTANTIATE_TEST_SUITE_P(All, Conv2dIsaPath,
                         ::testing::Combine(::testing::ValuesIn(conv2d_variant_names()),
                                            ::testing::ValuesIn(available_isas())),
                         [](const auto& info) {
                           return test_name(std::get<0>(info.param) + "_" +
                                            to_string(std::get<1>(info.param)));
                         });

// --- determinism across thread counts -------------------------------------------
class Conv2dThreads : public ::testing::TestWithParam<std::string> {};

TEST_P(Conv2dThreads, OneToFourThreadsGiveIdenticalBytes) {
  const ConvVariant& v = variant(GetParam());
  for (const char* d : {"mb4ic32ih15oc64kh3", "g2mb3ic6ih13iw11oc10kh3kw2sh2ph1", "mb1ic3ih28oc16kh3",
                        "mb2ic16ih33oc40kh3ph1sh2", "g24mb2ic24ih19oc24kh3sh2ph1"}) {
    SCOPED_TRACE(d);
    const ConvCase c(parse_conv2d(d), DataMode::bounded, 3);
    if (!v.supports(c.params())) continue;
    PlanOptions o;
    o.threads = 1;
    const std::vector<float> one = c.output_of(v, o);
    for (int t = 2; t <= 4; ++t) {
      o.threads = t;
      const std::vector<float> many = c.output_of(v, o);
      ASSERT_EQ(one.size(), many.size());
      if (v.kind() != VariantKind::baseline) {
        EXPECT_EQ(0, std::memcmp(one.data(), many.data(), one.size() * sizeof(float)))
            << t << " threads differ from 1 thread";
      } else {
        // A production library's parallel split is not ours to choose: oneDNN
        // 2.6's gemm:jit path (onednn-nchw) splits its GEMM reduction over
        // threads when mb*g < threads (here mb2ic16ih33oc40kh3ph1sh2 at 4
        // threads differs from 1 in the last bits). A baseline must still
        // repeat itself exactly at a given count and pass the reference check
        // at every count; bitwise equality across counts is the ladder's contract.
        const std::vector<float> again = c.output_of(v, o);
        EXPECT_EQ(0, std::memcmp(many.data(), again.data(), many.size() * sizeof(float)))
            << "two runs at " << t << " threads differ";
      }
      expect_pass(c.check(v, o), v.kind() == VariantKind::ladder);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(All, Conv2dThreads, ::testing::ValuesIn(conv2d_variant_names()),
                         [](const auto& info) { return test_name(info.param); });

// --- branches that take some shapes -------------------------------------------------
// A branch may refuse a shape, with a reason, but must take some edge case:
// otherwise every test above would pass it by skipping.
TEST(Conv2dBranches, EachTakesAnEdgeCaseAndRefusesOnlyWithAReason) {
  for (const auto* v : conv2d_variants()) {
    if (v->kind() != VariantKind::branch) continue;
    int taken = 0;
    for (const auto& c : conv2d_edge_cases()) {
      const Support s = v->supports(parse_conv2d(c.descriptor));
      taken += s ? 1 : 0;
      if (!s) {
        EXPECT_FALSE(s.reason.empty()) << v->name() << " refuses " << c.name << " without a reason";
      }
    }
    EXPECT_GT(taken, 0) << v->name() << " takes none of the edge cases";
  }
}

// --- random sweep ---------------------------------------------------------------
class Conv2dRandomSweep : public ::testing::TestWithParam<std::string> {};

TEST_P(Conv2dRandomSweep, SeededValidShapesAtOneToFourThreads) {
  const ConvVariant& v = variant(GetParam());
  std::mt19937_64 rng(20261123);
  const auto isas = available_isas();
  for (int i = 0; i < sweep_problems(); ++i) {
    // A variant that takes some shapes only gets shapes that it takes.
    Conv2dParams p = random_conv2d(rng);
    for (int draw = 0; draw < 10000 && !v.supports(p); ++draw) p = random_conv2d(rng);
    ConvTester t;
    t.params(p).threads(1 + static_cast<int>(rng() % 4)).isa(isas[rng() % isas.size()]);
    SCOPED_TRACE("random shape #" + std::to_string(i));
    t.check(v, DataMode::exact, i);
    if (i % 4 == 0 || sweep_is_long()) t.check(v, DataMode::bounded, i);
    if (::testing::Test::HasFailure()) break;  // one readable failure, not hundreds
  }
}

INSTANTIATE_TEST_SUITE_P(All, Conv2dRandomSweep, ::testing::ValuesIn(conv2d_variant_names()),
                         [](const auto& info) { return test_name(info.param); });

}  // namespace
}  // namespace convlab::testing
