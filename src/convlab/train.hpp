// Training the seed's CNN on real images, forward and backward through the
// lab's own variants: the registry's conv2d forward, conv2d_bwd_data and
// conv2d_bwd_weights, max pooling with argmax indices and its backward, ReLU;
// softmax cross-entropy and SGD with momentum (PyTorch's rule:
// v = momentum * v + g, w -= lr * v). A Linear layer is a 1x1 convolution on a
// 1x1 image of the flattened features, so it runs through the same variants.
//
// Deterministic for a given seed and thread count: the initial weights and
// every epoch's data order come from splitmix64 (reproducible in Python:
// scripts/train-pytorch builds the same model, weights and order), and every
// variant used is bitwise reproducible.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "convlab/dataset.hpp"

namespace convlab {

struct TrainOptions {
  std::string net = "seed";     // seed | cifar (TinyTorch's CIFAR-milestone CNN on one channel)
  int64_t batch = 32;
  int epochs = 5;
  double lr = 0.01;
  double momentum = 0.9;
  double lr_decay = 0.7;        // lr *= lr_decay after every epoch (PyTorch's ExponentialLR)
  uint64_t seed = 1;
  int threads = 1;
  int64_t train_images = 0;     // 0: every image of the set; else the first N (tests, quick runs)
  int64_t test_images = 0;
  int64_t progress_every = 200; // batches between progress lines (0: none)
  std::string conv = "best";    // conv2d forward variant
  std::string bwd_data = "phases";
  std::string bwd_weights = "gemm";  // or "reference": the oracles (slow, double)
};

struct TrainProgress {
  int epoch = 0;
  int64_t batch = 0, batches = 0;
  double loss = 0, accuracy = 0;  // over the batches since the previous line
  double images_per_second = 0;
};

struct EpochRecord {
  int epoch = 0;
  double train_loss = 0, train_accuracy = 0, test_loss = 0, test_accuracy = 0;
  double seconds = 0, images_per_second = 0;  // training only (the evaluation apart)
};

struct TrainResult {
  std::vector<EpochRecord> epochs;
  std::vector<TrainProgress> curve;  // every progress line
  int64_t parameters = 0;
  std::string layers;                // "conv 1->16 k3, relu, maxpool 2, ..."
  std::map<std::string, double> profile;  // seconds per "layer kind phase", training and evaluation
};

// The layers of a named network for one-channel images of rows x cols.
std::string describe_net(const std::string& net, int64_t rows, int64_t cols);

TrainResult train(const LabelledImages& train_set, const LabelledImages& test_set, const TrainOptions& options,
                  const std::function<void(const TrainProgress&)>& on_progress = {});

// Q3's training step, measured: one steady-state step (forward, backward,
// SGD update) of `net` on a batch of channels x rows x cols images, its peak
// by the counting allocator against the figure computed from the shapes,
// with or without gradient checkpointing (conv and ReLU outputs dropped in
// the forward and recomputed segment by segment in the backward). The memory
// pass runs plans that hold no workspace, so the figure is the network's
// own; step_seconds times the same step with `timing`'s variants.
struct StepMemory {
  std::string net;
  int64_t batch = 0;
  bool checkpoint = false;
  int64_t analytic = 0, measured = 0;
  int64_t parameters = 0, activations = 0, recomputed = 0, indices = 0, gradient_buffers = 0, batch_bytes = 0;
  double step_seconds = 0;
};
StepMemory measure_training_step(const std::string& net, int64_t batch, int64_t channels, int64_t rows,
                                 int64_t cols, bool checkpoint, const TrainOptions& timing);

// splitmix64, the generator of the initial weights and the data order.
uint64_t splitmix64(uint64_t& state);

}  // namespace convlab
