// pool2d backward and ReLU backward: every pool2d_bwd variant against the
// oracle (max exactly, through the forward's argmax; average within its
// rounding bound), PyTorch 1.13's own figures on small cases, and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "convlab/activation.hpp"
#include "convlab/backward.hpp"
#include "convlab/descriptor.hpp"
#include "convlab/error.hpp"
#include "convlab/reference.hpp"
#include "convlab/registry_backward.hpp"
#include "shapes.hpp"
#include "tester.hpp"

namespace convlab {
namespace {

std::vector<std::string> pool_bwd_names() {
  std::vector<std::string> out;
  for (const auto* v : pool2d_bwd_variants()) out.emplace_back(v->name());
  return out;
}

struct PoolBwdCase {
  Pool2dParams p;
  std::vector<float> x, dy;
  std::vector<int64_t> indices;
};

// Integer-valued x (many ties) and dy; the forward's argmax from the reference.
PoolBwdCase make_case(Pool2dParams p, uint64_t seed) {
  if (!p.is_avg()) p.indices = true;
  p.relu = false;
  std::mt19937_64 rng(seed);
  PoolBwdCase c{p, std::vector<float>(static_cast<std::size_t>(p.input_elems())),
                std::vector<float>(static_cast<std::size_t>(p.output_elems())), {}};
  for (float& v : c.x) v = static_cast<float>(static_cast<int>(rng() % 7) - 3);
  for (float& v : c.dy) v = static_cast<float>(static_cast<int>(rng() % 9) - 4);
  std::vector<float> y(c.dy.size());
  c.indices.assign(p.indices ? c.dy.size() : 0, 0);
  reference_pool2d(p, c.x, y, c.indices);
  return c;
}

void expect_matches_reference(const PoolBwdVariant& v, const PoolBwdCase& c) {
  SCOPED_TRACE(format_descriptor(c.p));
  std::vector<float> want(c.x.size()), got(c.x.size(), -7.0f);
  reference_pool2d_bwd(c.p, c.dy, c.indices, want);
  v.plan(c.p)->run(c.dy, c.indices, got);
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (!c.p.is_avg()) {
      ASSERT_EQ(got[i], want[i]) << "dx[" << i << "]: max pooling's sums of integers are exact";
    } else {
      // Each dx sums at most ceil(kh/sh) * ceil(kw/sw) shares dy/d, each rounded once, then added in fp32.
      const double terms = double((c.p.kh + c.p.sh - 1) / c.p.sh * ((c.p.kw + c.p.sw - 1) / c.p.sw));
      ASSERT_NEAR(got[i], want[i], 2 * (terms + 1) * FLT_EPSILON * (std::fabs(want[i]) + 4.0)) << "dx[" << i << "]";
    }
  }
}

class PoolBwd : public ::testing::TestWithParam<std::string> {};

TEST_P(PoolBwd, MatchesTheOracleOnEveryEdgeCaseAndRandomShapes) {
  const PoolBwdVariant& v = pool2d_bwd_variant(GetParam());
  for (const auto& e : testing::pool2d_edge_cases()) expect_matches_reference(v, make_case(parse_pool2d(e.descriptor), 1));
  std::mt19937_64 rng(18);
  for (int i = 0; i < 200; ++i) expect_matches_reference(v, make_case(testing::random_pool2d(rng), i));
}

// PyTorch 1.13: F.max_pool2d(x, 2, 1, return_indices=True) on
// [[1,3,3,2,0],[5,5,1,0,2],[7,7,2,2,9]], backward of dy = 1..8: ties go to the
// first maximum, overlapping windows add up.
TEST_P(PoolBwd, MaxPoolingGradientAsPyTorch) {
  const Pool2dParams p = parse_pool2d("max:mb1ic1ih3iw5kh2sh1idx1");
  const std::vector<float> x = {1, 3, 3, 2, 0, 5, 5, 1, 0, 2, 7, 7, 2, 2, 9};
  std::vector<float> y(8), dy = {1, 2, 3, 4, 5, 6, 7, 8}, dx(15);
  std::vector<int64_t> idx(8);
  reference_pool2d(p, x, y, idx);
  EXPECT_EQ(idx, (std::vector<int64_t>{5, 6, 2, 3, 10, 11, 12, 14}));
  pool2d_bwd_variant(GetParam()).plan(p)->run(dy, idx, dx);
  EXPECT_EQ(dx, (std::vector<float>{0, 0, 3, 4, 0, 1, 2, 0, 0, 0, 5, 6, 7, 0, 8}));
}

// PyTorch 1.13: F.avg_pool2d(ones(1,1,3,5), (2,3), (1,2), padding=(1,1),
// ceil_mode=True, ...), backward of dy = 1..12.
TEST_P(PoolBwd, AverageGradientAsPyTorchInEveryDivisorMode) {
  struct Mode {
    const char* descriptor;
    std::vector<float> dx;
  };
  const Mode modes[] = {
      {"avg_p:mb1ic1ih3iw5kh2kw3sh1sw2ph1pw1ceil1",
       {0.83333337f, 2.0f, 1.16666663f, 2.66666675f, 1.5f, 1.83333325f, 4.0f, 2.16666675f, 4.66666651f, 2.5f,
        2.83333325f, 6.0f, 3.16666675f, 6.66666698f, 3.5f}},
      {"avg_np:mb1ic1ih3iw5kh2kw3sh1sw2ph1pw1ceil1",
       {1.5f, 3.0f, 1.5f, 4.5f, 3.0f, 2.75f, 4.91666651f, 2.16666675f, 5.91666651f, 3.75f, 6.75f, 11.75000095f,
        5.0f, 13.25f, 8.25f}},
      {"avg_p:mb1ic1ih3iw5kh2kw3sh1sw2ph1pw1ceil1div3",
       {1.66666675f, 4.0f, 2.33333325f, 5.33333349f, 3.0f, 3.66666651f, 8.0f, 4.33333349f, 9.33333302f, 5.0f,
        5.66666651f, 12.0f, 6.33333349f, 13.33333397f, 7.0f}},
  };
  for (const Mode& m : modes) {
    SCOPED_TRACE(m.descriptor);
    const Pool2dParams p = parse_pool2d(m.descriptor);
    ASSERT_EQ(p.output_elems(), 12);
    std::vector<float> dy(12), dx(15);
    for (int i = 0; i < 12; ++i) dy[static_cast<std::size_t>(i)] = static_cast<float>(i + 1);
    pool2d_bwd_variant(GetParam()).plan(p)->run(dy, {}, dx);
    for (std::size_t i = 0; i < dx.size(); ++i) EXPECT_NEAR(dx[i], m.dx[i], 3e-6f * (1 + std::fabs(m.dx[i]))) << i;
  }
}

TEST_P(PoolBwd, BadSizesAndIndicesNameTheirField) {
  const Pool2dParams p = parse_pool2d("max:mb1ic1ih4kh2idx1");
  std::vector<float> dy(4), dx(16);
  std::vector<int64_t> idx(4, 0);
  auto plan = pool2d_bwd_variant(GetParam()).plan(p);
  auto field = [&](auto f) {
    try {
      f();
    } catch (const Error& e) {
      return e.field();
    }
    return std::string("(accepted)");
  };
  EXPECT_EQ(field([&] { plan->run(std::vector<float>(3), idx, dx); }), "dy");
  std::vector<float> short_dx(15);
  EXPECT_EQ(field([&] { plan->run(dy, idx, short_dx); }), "dx");
  EXPECT_EQ(field([&] { plan->run(dy, {}, dx); }), "indices");
  idx[2] = 16;  // one past the 4x4 plane
  EXPECT_EQ(field([&] { plan->run(dy, idx, dx); }), "indices");
  EXPECT_EQ(field([&] { pool2d_bwd_variant(GetParam()).plan(parse_pool2d("max:mb1ic1ih4kh2relu1")); }), "relu");
}

INSTANTIATE_TEST_SUITE_P(All, PoolBwd, ::testing::ValuesIn(pool_bwd_names()),
                         [](const auto& info) { return testing::test_name(info.param); });

TEST(ReluBackward, PassesTheGradientWherePyTorchDoes) {
  const float nan = std::nanf("");
  const std::vector<float> y = {2.0f, 0.0f, -0.0f, nan, 1e-30f}, dy = {1, 2, 3, 4, 5};
  std::vector<float> dx(5);
  relu_backward(y, dy, dx);
  EXPECT_EQ(dx, (std::vector<float>{1, 0, 0, 4, 5}));
  EXPECT_THROW(relu_backward(y, std::vector<float>(4), dx), Error);
}

}  // namespace
}  // namespace convlab
