// Descriptor parsing: defaults, canonical printing, round trips.
#include <gtest/gtest.h>

#include <random>

#include "convlab/descriptor.hpp"
#include "convlab/error.hpp"
#include "convlab/suite.hpp"
#include "shapes.hpp"

namespace convlab {
namespace {

TEST(Descriptor, ConvDefaultsFollowBenchdnn) {
  const Conv2dParams p = parse_conv2d("ic3ih32oc32kh3");
  EXPECT_EQ(p.mb, 2);  // benchdnn's default batch
  EXPECT_EQ(p.iw, 32);
  EXPECT_EQ(p.kw, 3);
  EXPECT_EQ(p.sh, 1);
  EXPECT_EQ(p.sw, 1);
  EXPECT_EQ(p.pt, 0);
  EXPECT_EQ(p.pb, 0);
  EXPECT_EQ(p.dh, 0);
  EXPECT_EQ(p.g, 1);
  EXPECT_TRUE(p.bias);
  EXPECT_EQ(p.oh(), 30);
}

TEST(Descriptor, WidthKeysTakeTheirHeightTwin) {
  const Conv2dParams p = parse_conv2d("mb1ic3ih9oc4kh5sh2ph1dh1");
  EXPECT_EQ(p.iw, 9);
  EXPECT_EQ(p.kw, 5);
  EXPECT_EQ(p.sw, 2);
  EXPECT_EQ(p.pl, 1);
  EXPECT_EQ(p.pr, 1);
  EXPECT_EQ(p.dw, 1);
}

TEST(Descriptor, PoolStrideDefaultsToKernel) {
  const Pool2dParams p = parse_pool2d("max:mb1ic1ih8kh2kw4");
  EXPECT_EQ(p.sh, 2);
  EXPECT_EQ(p.sw, 4);
  const Pool2dParams q = parse_pool2d("max:mb1ic1ih8kh2kw4sh1");
  EXPECT_EQ(q.sw, 1);  // an explicit sh also sets sw
}

TEST(Descriptor, PoolAlgorithmsAndCeilMode) {
  EXPECT_EQ(parse_pool2d("avg_p:mb1ic1ih8kh2").alg, PoolAlg::avg_include_pad);
  EXPECT_EQ(parse_pool2d("avg_np:mb1ic1ih8kh2").alg, PoolAlg::avg_exclude_pad);
  EXPECT_TRUE(parse_pool2d("max:mb1ic1ih9kh2ceil1").ceil_mode);
  EXPECT_EQ(parse_pool2d("max:mb1ic1ih9kh2ceil1").oh(), 5);
  EXPECT_EQ(parse_pool2d("max:mb1ic1ih9kh2").oh(), 4);
}

TEST(Descriptor, PoolFusedReluFlag) {
  EXPECT_FALSE(parse_pool2d("max:mb1ic1ih8kh2").relu);
  EXPECT_FALSE(parse_pool2d("max:mb1ic1ih8kh2relu0").relu);
  const Pool2dParams p = parse_pool2d("avg_np:mb1ic1ih9kh2relu1ceil1");
  EXPECT_TRUE(p.relu);
  EXPECT_TRUE(p.ceil_mode);
  EXPECT_EQ(format_descriptor(p), "avg_np:mb1ic1ih9kh2ceil1relu1");
  EXPECT_EQ(format_descriptor(parse_pool2d("max:mb1ic1ih8kh2relu0")), "max:mb1ic1ih8kh2");
  EXPECT_EQ(parse_pool2d(format_descriptor(p)), p);
  EXPECT_NE(parse_pool2d("max:mb1ic1ih8kh2relu1"), parse_pool2d("max:mb1ic1ih8kh2"));
}

TEST(Descriptor, LabelMayHoldColonsAndHashes) {
  const LabeledProblem p = parse_labeled_problem("mb1ic64ih56oc64kh3ph1n\"resnet_50:res2a #1\"");
  ASSERT_TRUE(std::holds_alternative<Conv2dParams>(p.problem));
  EXPECT_EQ(p.label, "resnet_50:res2a #1");
  EXPECT_EQ(format_descriptor(p.problem, p.label), "mb1ic64ih56oc64kh3ph1n\"resnet_50:res2a #1\"");
}

TEST(Descriptor, LabelIsNoPartOfTheProblem) {
  const LabeledProblem labeled = parse_labeled_problem("max:mb1ic3ih8kh2n\"pool\"");
  EXPECT_TRUE(labeled.problem == parse_problem("max:mb1ic3ih8kh2"));
  EXPECT_TRUE(parse_problem("max:mb1ic3ih8kh2n\"pool\"") == parse_problem("max:mb1ic3ih8kh2"));
  EXPECT_EQ(parse_labeled_problem("max:mb1ic3ih8kh2").label, "");
}

TEST(Descriptor, KeysInAnyOrderAndUnderscoresIgnored) {
  EXPECT_EQ(parse_conv2d("kh3_oc8_ih10_ic2_mb1"), parse_conv2d("mb1ic2ih10oc8kh3"));
}

TEST(Descriptor, GivenOutputSizeMustMatch) {
  EXPECT_NO_THROW(parse_conv2d("mb1ic3ih32oc8oh30kh3"));
  try {
    parse_conv2d("mb1ic3ih32oc8oh31kh3");
    FAIL() << "oh31 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "oh");
  }
}

TEST(Descriptor, CanonicalFormOmitsDefaults) {
  EXPECT_EQ(format_descriptor(parse_conv2d("mb1ic3ih28iw28oc16kh3kw3sh1sw1ph0pw0dh0dw0g1bias1")),
            "mb1ic3ih28oc16kh3");
  EXPECT_EQ(format_descriptor(parse_pool2d("max:mb32ic32ih30iw30kh2kw2sh2sw2")), "max:mb32ic32ih30kh2");
}

TEST(Descriptor, OneSidedPaddingKeys) {
  const Conv2dParams p = parse_conv2d("mb1ic3ih9oc4kh4pt1pb2");
  EXPECT_EQ(p.pt, 1);
  EXPECT_EQ(p.pb, 2);
  EXPECT_EQ(p.pl, 1);  // the width takes the height's pair when none of pw/pl/pr is given
  EXPECT_EQ(p.pr, 2);
  EXPECT_EQ(p.oh(), 9);  // PyTorch's padding='same' for k = 4
  const Conv2dParams q = parse_conv2d("mb1ic3ih9oc4kh3ph1pr2");
  EXPECT_EQ(q.pt, 1);
  EXPECT_EQ(q.pb, 1);
  EXPECT_EQ(q.pl, 0);  // a side not given is 0
  EXPECT_EQ(q.pr, 2);
  EXPECT_EQ(q.ow(), 9);
  EXPECT_EQ(format_descriptor(p), "mb1ic3ih9oc4kh4pt1pb2");
  EXPECT_EQ(format_descriptor(q), "mb1ic3ih9oc4kh3ph1pr2");
  EXPECT_EQ(format_descriptor(parse_conv2d("mb1ic3ih9oc4kh3pt1pb1pl1pr1")), "mb1ic3ih9oc4kh3ph1");
  EXPECT_EQ(format_descriptor(parse_conv2d("mb1ic3ih9oc4kh3pt1pb2pw0")), "mb1ic3ih9oc4kh3pt1pb2pw0");
}

TEST(Descriptor, EmptyBatchAndPyTorchPoolOptions) {
  EXPECT_EQ(parse_conv2d("mb0ic3ih9oc4kh3").output_elems(), 0);
  const Pool2dParams p = parse_pool2d("avg_np:mb1ic2ih8kh2div3");
  EXPECT_EQ(p.divisor, 3);
  EXPECT_EQ(format_descriptor(p), "avg_np:mb1ic2ih8kh2div3");
  const Pool2dParams q = parse_pool2d("max:mb1ic2ih8kh2idx1");
  EXPECT_TRUE(q.indices);
  EXPECT_EQ(format_descriptor(q), "max:mb1ic2ih8kh2idx1");
  EXPECT_EQ(parse_pool2d("max:mb1ic1ih2kh3sh2ceil1").oh(), 1);  // PyTorch: a 1x1 output
}

void expect_round_trip(const Problem& p, const std::string& label = {}) {
  const std::string text = format_descriptor(p, label);
  const LabeledProblem back = parse_labeled_problem(text);
  EXPECT_EQ(format_descriptor(back.problem, back.label), text);
  EXPECT_TRUE(p == back.problem) << text;
  EXPECT_EQ(back.label, label) << text;
}

TEST(Descriptor, EverySuiteShapeRoundTrips) {
  int n = 0;
  for (const auto& suite : suite_names())
    for (const auto& e : load_suite(suite)) {
      SCOPED_TRACE(e.source);
      expect_round_trip(e.problem, e.label);
      ++n;
    }
  EXPECT_GT(n, 20);
}

TEST(Descriptor, RandomConvAndPoolShapesRoundTrip) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 500; ++i) {
    expect_round_trip(testing::random_conv2d(rng), i % 3 == 0 ? "layer " + std::to_string(i) : "");
    expect_round_trip(testing::random_pool2d(rng));
  }
}

}  // namespace
}  // namespace convlab
