// ReLU (standalone, every ISA path, in place and out of place) and flatten
// (a zero-copy view that keeps the batch).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "convlab/activation.hpp"
#include "convlab/data.hpp"
#include "convlab/descriptor.hpp"
#include "convlab/error.hpp"
#include "convlab/tensor.hpp"

namespace convlab {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();

uint32_t bits(float v) {
  uint32_t b;
  std::memcpy(&b, &v, 4);
  return b;
}

TEST(Relu, PyTorchValuesAndTheZeroRule) {
  EXPECT_EQ(relu(3.5f), 3.5f);
  EXPECT_EQ(bits(relu(-3.5f)), bits(0.0f));
  EXPECT_EQ(relu(kInf), kInf);
  EXPECT_EQ(bits(relu(-kInf)), bits(0.0f));
  EXPECT_EQ(bits(relu(-0.0f)), bits(0.0f));  // +0, not -0: see activation.hpp
  EXPECT_EQ(bits(relu(0.0f)), bits(0.0f));
  EXPECT_TRUE(std::isnan(relu(kNaN)));
  EXPECT_EQ(bits(relu(-kNaN)), bits(-kNaN));  // NaN passes through unchanged, sign and payload
  const float tiny = std::numeric_limits<float>::denorm_min();
  EXPECT_EQ(relu(tiny), tiny);
  EXPECT_EQ(bits(relu(-tiny)), bits(0.0f));
}

// Every length up to a few vectors (tails on every ISA), every start
// misalignment, in place and out of place, against the scalar rule bit for bit.
TEST(Relu, VectorPathsMatchTheScalarRuleBitForBit) {
  const float specials[] = {kNaN, -kNaN, kInf, -kInf, 0.0f, -0.0f, 1e-40f, -1e-40f, 2.0f, -2.0f};
  std::vector<float> source(200);
  fill_reals(source, 3);
  for (std::size_t i = 0; i < source.size(); i += 3) source[i] = specials[(i / 3) % std::size(specials)];
  for (Isa isa : available_isas())
    for (std::size_t offset = 0; offset < 4; ++offset)
      for (std::size_t n = 0; n <= 70; ++n) {
        const std::span<const float> in(source.data() + offset, n);
        std::vector<float> out(n + 2, 7.0f);  // a guard after the end
        relu(in, std::span<float>(out.data(), n), isa);
        std::vector<float> inplace(in.begin(), in.end());
        relu_inplace(inplace, isa);
        for (std::size_t i = 0; i < n; ++i) {
          ASSERT_EQ(bits(out[i]), bits(relu(in[i]))) << to_string(isa) << " n " << n << " i " << i;
          ASSERT_EQ(bits(inplace[i]), bits(relu(in[i]))) << to_string(isa) << " in place";
        }
        ASSERT_EQ(out[n], 7.0f) << "wrote past the end";
      }
}

TEST(Relu, BadBuffersNameTheOutput) {
  std::vector<float> a(10), b(9);
  try {
    relu(a, b);
    FAIL() << "size mismatch accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "output");
  }
  try {
    relu(std::span<const float>(a.data(), 8), std::span<float>(a.data() + 1, 8));
    FAIL() << "partial overlap accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "output");
  }
  EXPECT_NO_THROW(relu(std::span<const float>(a), std::span<float>(a)));  // exactly in place is fine
}

TEST(Flatten, KeepsTheBatchAndIsAZeroCopyView) {
  Tensor t({2, 3, 4, 5});
  for (int64_t i = 0; i < t.size(); ++i) t.data()[i] = static_cast<float>(i);
  const TensorView flat = flatten(t.view());
  EXPECT_EQ(flat.shape(), (Shape{2, 60}));
  EXPECT_EQ(flat.data(), t.data());  // no copy
  EXPECT_EQ(flat.size(), t.size());
  // Row-major order is kept: flat[n][(c*H + h)*W + w] is t[n][c][h][w].
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t h = 0; h < 4; ++h)
        for (int64_t w = 0; w < 5; ++w)
          ASSERT_EQ(flat.data()[n * 60 + (c * 4 + h) * 5 + w], t.data()[((n * 3 + c) * 4 + h) * 5 + w]);
  // Writes through the view land in the tensor: the same memory.
  flat.data()[61] = -1.0f;
  EXPECT_EQ(t.data()[61], -1.0f);
}

TEST(Flatten, StartDimLikeTorchFlatten) {
  Tensor t({2, 3, 4, 5});
  EXPECT_EQ(flatten(t.view(), 0).shape(), (Shape{120}));
  EXPECT_EQ(flatten(t.view(), 2).shape(), (Shape{2, 3, 20}));
  EXPECT_EQ(flatten(t.view(), 3).shape(), (Shape{2, 3, 4, 5}));
  EXPECT_EQ(flatten(t.view(), -1).shape(), (Shape{2, 3, 4, 5}));
  EXPECT_EQ(flatten(t.view(), -3).shape(), (Shape{2, 60}));
  for (int bad : {4, -5, 100}) {
    try {
      flatten(t.view(), bad);
      FAIL() << "start_dim " << bad << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.field(), "start_dim");
    }
  }
}

TEST(Flatten, CifarMilestonePoolOutputFeedsLinear2304) {
  // Conv 32->64 k3 on 15x15 gives 13x13, pool 2 gives 6x6: 64*6*6 = 2304 features.
  const Pool2dParams pool2 = parse_pool2d("max:mb32ic64ih13kh2");
  Tensor pooled({pool2.mb, pool2.ic, pool2.oh(), pool2.ow()});
  const TensorView features = flatten(pooled.view());
  EXPECT_EQ(features.shape(), (Shape{32, 2304}));
  EXPECT_EQ(features.data(), pooled.data());
}

}  // namespace
}  // namespace convlab
