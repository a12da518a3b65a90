// TinyTorch's own unit facts (modules/08_spatial), checked on every variant.
#include <gtest/gtest.h>

#include "tester.hpp"

namespace convlab::testing {
namespace {

std::vector<float> run_conv(const ConvVariant& v, const Conv2dParams& p, const std::vector<float>& x,
                            const std::vector<float>& w) {
  std::vector<float> b(static_cast<std::size_t>(p.bias_elems()), 0.0f);
  std::vector<float> y(static_cast<std::size_t>(p.output_elems()));
  v.plan(p, w, b)->run(x, y);
  return y;
}

TEST(TinyTorchFacts, MaxPool4x4ImageOneToSixteenGives6_8_14_16) {
  const Pool2dParams p = parse_pool2d("max:mb1ic1ih4kh2");
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[i] = static_cast<float>(i + 1);
  for (const auto* v : pool2d_variants()) {
    std::vector<float> y(4);
    v->plan(p)->run(x, y);
    EXPECT_EQ(y, (std::vector<float>{6, 8, 14, 16})) << v->name();
  }
}

TEST(TinyTorchFacts, VerticalEdgeKernelOnOneToNineGives6) {
  const Conv2dParams p = parse_conv2d("mb1ic1ih3oc1kh3");
  const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::vector<float> w = {-1, 0, 1, -1, 0, 1, -1, 0, 1};
  for (const auto* v : conv2d_variants())
    EXPECT_EQ(run_conv(*v, p, x, w), std::vector<float>{6}) << v->name();
}

TEST(TinyTorchFacts, AllOnesKernelOnOnesGives9) {
  const Conv2dParams p = parse_conv2d("mb1ic1ih3oc1kh3");
  const std::vector<float> ones(9, 1.0f);
  for (const auto* v : conv2d_variants())
    EXPECT_EQ(run_conv(*v, p, ones, ones), std::vector<float>{9}) << v->name();
}

TEST(TinyTorchFacts, Conv3To16Kernel3On28x28Gives16x26x26) {
  const Conv2dParams p = parse_conv2d("mb1ic3ih28oc16kh3");
  EXPECT_EQ(p.oc, 16);
  EXPECT_EQ(p.oh(), 26);
  EXPECT_EQ(p.ow(), 26);
  EXPECT_EQ(p.output_elems(), 16 * 26 * 26);
}

TEST(TinyTorchFacts, Conv3To64Kernel3Has1792Parameters) {
  const Conv2dParams p = parse_conv2d("mb1ic3ih28oc64kh3");
  EXPECT_EQ(p.weight_elems() + p.bias_elems(), 1792);
}

TEST(TinyTorchFacts, PipelineShapesMatchTheModule) {
  // Conv(3->16) 28 -> 26, pool 13, conv(16->32) 11, pool 5: Linear(32*5*5).
  EXPECT_EQ(parse_conv2d("mb1ic3ih28oc16kh3").oh(), 26);
  EXPECT_EQ(parse_pool2d("max:mb1ic16ih26kh2").oh(), 13);
  EXPECT_EQ(parse_conv2d("mb1ic16ih13oc32kh3").oh(), 11);
  const Pool2dParams pool2 = parse_pool2d("max:mb1ic32ih11kh2");
  EXPECT_EQ(pool2.oh(), 5);
  EXPECT_EQ(pool2.output_elems(), 32 * 5 * 5);
}

}  // namespace
}  // namespace convlab::testing
