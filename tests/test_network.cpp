// The memory study's network: the analytic account (shapes alone) must equal
// what the counting allocator measures during a real forward pass, for every
// ladder conv variant, and the pass must compute what the layers compute.
#include <gtest/gtest.h>

#include "convlab/descriptor.hpp"
#include "convlab/error.hpp"
#include "q3-memory/network.hpp"
#include "convlab/registry.hpp"

namespace convlab {
namespace {

TEST(Network, SeedAndCifarShapesFollowTheModules) {
  const auto seed = account(seed_cnn(32));
  EXPECT_EQ(seed.back().output, (Shape{32, 10}));
  EXPECT_EQ(seed[4].output, (Shape{32, 32 * 6 * 6}));  // flatten of 32 x 6 x 6
  const auto cifar = account(cifar_cnn(32));
  EXPECT_EQ(cifar[6].output, (Shape{32, 2304}));        // the milestone's Flatten (2304)
  EXPECT_EQ(cifar[0].parameter_bytes, 4 * (32 * 3 * 9 + 32));
  EXPECT_EQ(cifar[7].parameter_bytes, 4 * (2304 * 256 + 256));
  EXPECT_EQ(cifar[1].activation_bytes, 0);              // ReLU runs in place
}

TEST(Network, AnalyticBytesEqualMeasuredForEveryLadderVariant) {
  for (const char* net : {"seed", "cifar"}) {
    const NetworkSpec spec = network_by_name(net, 3);
    const auto acc = account(spec);
    auto takes_every_layer = [&](const ConvVariant& v) {
      for (const auto& layer : acc) {
        if (layer.problem.empty()) continue;
        const Problem problem = parse_problem(layer.problem);
        const auto* conv = std::get_if<Conv2dParams>(&problem);
        if (conv != nullptr && !v.supports(*conv)) return false;
      }
      return true;
    };
    for (const auto* v : conv2d_variants()) {
      if (v->kind() == VariantKind::baseline || !takes_every_layer(*v)) continue;
      for (int threads : {1, 2}) {
        PlanOptions o;
        o.threads = threads;
        Network n(spec, std::string(v->name()), "parallel", o);
        for (ForwardMode mode : {ForwardMode::inference, ForwardMode::training}) {
          const ForwardMeasure m = n.forward(mode);
          ASSERT_EQ(m.layers.size(), acc.size());
          int64_t kept = m.input_bytes, fixed = m.input_bytes;
          for (std::size_t i = 0; i < acc.size(); ++i) {
            SCOPED_TRACE(std::string(net) + " " + std::string(v->name()) + " " + acc[i].name);
            EXPECT_EQ(m.layers[i].activation_bytes, acc[i].activation_bytes);
            EXPECT_EQ(m.layers[i].parameter_bytes, acc[i].parameter_bytes);
            EXPECT_EQ(m.layers[i].plan_bytes, m.layers[i].reported_plan_bytes);
            fixed += acc[i].parameter_bytes + m.layers[i].plan_bytes;
            kept += acc[i].activation_bytes;
          }
          if (mode == ForwardMode::training) {
            EXPECT_EQ(m.peak_bytes, fixed + kept - m.input_bytes);  // everything kept at the end
          }
        }
      }
    }
  }
}

TEST(Network, RejectsUnknownNamesByField) {
  EXPECT_THROW(network_by_name("vgg", 1), Error);
  try {
    Network n(seed_cnn(1), "nosuch", "parallel", {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "variant");
  }
}

}  // namespace
}  // namespace convlab
