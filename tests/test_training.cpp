// Training end to end on a few hundred images (no speed threshold): the loss
// falls, and a run is bitwise reproducible for a seed and thread count.
#include <gtest/gtest.h>

#include <random>

#include "convlab/dataset.hpp"
#include "convlab/error.hpp"
#include "convlab/train.hpp"

namespace convlab {
namespace {

// Ten classes of 28x28 images: a class's own random pattern plus noise, so a
// few hundred images are enough to learn from.
LabelledImages synthetic(int64_t count, uint64_t seed) {
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<std::vector<float>> prototype(10, std::vector<float>(28 * 28));
  for (auto& p : prototype)
    for (float& v : p) v = u(rng) < 0.3f ? 1.0f : 0.0f;
  rng.seed(seed);
  LabelledImages s{count, 28, 28, std::vector<float>(static_cast<std::size_t>(count * 28 * 28)),
                   std::vector<uint8_t>(static_cast<std::size_t>(count))};
  for (int64_t i = 0; i < count; ++i) {
    const auto label = static_cast<uint8_t>(rng() % 10);
    s.labels[static_cast<std::size_t>(i)] = label;
    for (int64_t k = 0; k < 28 * 28; ++k)
      s.images[static_cast<std::size_t>(i * 784 + k)] =
          0.7f * prototype[label][static_cast<std::size_t>(k)] + 0.3f * u(rng);
  }
  return s;
}

TrainOptions quick(int threads) {
  TrainOptions o;
  o.epochs = 3;
  o.batch = 32;
  o.lr = 0.05;
  o.lr_decay = 1.0;
  o.threads = threads;
  o.progress_every = 5;
  return o;
}

TEST(Training, LossFallsOnAFewHundredImages) {
  const LabelledImages train_set = synthetic(320, 1), test_set = synthetic(160, 2);
  const TrainResult r = train(train_set, test_set, quick(1));
  ASSERT_EQ(r.epochs.size(), 3u);
  EXPECT_LT(r.epochs.back().train_loss, 0.5 * r.epochs.front().train_loss);
  EXPECT_LT(r.epochs.back().test_loss, r.epochs.front().test_loss);
  EXPECT_GT(r.epochs.back().test_accuracy, 0.5);  // chance is 0.1
  EXPECT_EQ(r.parameters, 16 * 9 + 16 + 32 * 16 * 9 + 32 + 800 * 10 + 10);
}

TEST(Training, SameSeedAndThreadsGiveTheSameRunBitForBit) {
  const LabelledImages train_set = synthetic(160, 3), test_set = synthetic(64, 4);
  for (int threads : {1, 2}) {
    const TrainResult a = train(train_set, test_set, quick(threads)), b = train(train_set, test_set, quick(threads));
    ASSERT_EQ(a.curve.size(), b.curve.size());
    for (std::size_t i = 0; i < a.curve.size(); ++i) EXPECT_EQ(a.curve[i].loss, b.curve[i].loss) << threads;
    EXPECT_EQ(a.epochs.back().test_loss, b.epochs.back().test_loss) << threads;
  }
}

TEST(Training, TheFastVariantsTrainAsTheOraclesDo) {
  // Same seed and order: the lab's backward ladder and the double-precision
  // oracles give nearly the same losses (they round differently).
  const LabelledImages train_set = synthetic(96, 5), test_set = synthetic(32, 6);
  TrainOptions slow = quick(1);
  slow.bwd_data = slow.bwd_weights = "reference";
  const TrainResult fast = train(train_set, test_set, quick(1)), oracle = train(train_set, test_set, slow);
  EXPECT_NEAR(fast.epochs.back().train_loss, oracle.epochs.back().train_loss,
              1e-3 * oracle.epochs.back().train_loss);
}

TEST(Training, BadOptionsNameTheirField) {
  const LabelledImages s = synthetic(64, 7);
  auto field = [&](TrainOptions o) {
    try {
      train(s, s, o);
    } catch (const Error& e) {
      return e.field();
    }
    return std::string("(accepted)");
  };
  TrainOptions o = quick(1);
  o.net = "vgg";
  EXPECT_EQ(field(o), "net");
  o = quick(1), o.batch = 65;  // more than the 64 images
  EXPECT_EQ(field(o), "batch");
  o = quick(1), o.lr = -1;
  EXPECT_EQ(field(o), "lr");
  o = quick(1), o.bwd_data = "nosuch";
  EXPECT_EQ(field(o), "variant");
}

}  // namespace
}  // namespace convlab
