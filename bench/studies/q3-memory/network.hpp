// A small sequential CNN run through the lab's own kernels, for the memory
// study (question 3): the seed's CNN and TinyTorch's CIFAR-10 milestone CNN.
//
// Every tensor of a forward pass (parameters, activations, plan workspaces,
// packed weights) is allocated through convlab::memory, so the pass can be
// *measured* by the counting allocator and compared with the *analytic*
// account computed from the shapes alone.
//
// Layers: conv (a registry conv2d variant), relu (in place, no new tensor),
// maxpool 2x2/2 (a registry pool2d variant), flatten (a zero-copy view) and
// linear, run as a 1x1 convolution over a 1x1 image (in -> out channels), so
// that Linear reuses the same conv2d variants and their GEMM-like kernels.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "convlab/params.hpp"
#include "convlab/tensor.hpp"
#include "convlab/variant.hpp"

namespace convlab {

enum class LayerKind { conv, relu, maxpool, flatten, linear };
const char* to_string(LayerKind k);

struct LayerSpec {
  LayerKind kind;
  int64_t out = 0;     // output channels (conv) or features (linear)
  int64_t kernel = 0;  // conv kernel size, pool window
};

struct NetworkSpec {
  std::string name;
  int64_t batch = 32, channels = 3, height = 32, width = 32;
  std::vector<LayerSpec> layers;
};

// Conv 3->16 k3, MaxPool 2, Conv 16->32 k3, MaxPool 2, Flatten, Linear -> 10
// (TinyTorch's spatial module pipeline, here on 32x32x3 CIFAR images).
NetworkSpec seed_cnn(int64_t batch);
// Conv 3->32 k3, ReLU, MaxPool 2, Conv 32->64 k3, ReLU, MaxPool 2, Flatten
// (2304), Linear 256, ReLU, Linear 10 (TinyTorch's CIFAR-10 milestone).
NetworkSpec cifar_cnn(int64_t batch);
// "seed" or "cifar"; throws convlab::Error naming "net".
NetworkSpec network_by_name(const std::string& name, int64_t batch);

// One layer of the analytic account, from the shapes alone.
struct LayerAccount {
  std::string name;             // "conv1", "relu1", ...
  LayerKind kind;
  Shape output;                 // NCHW, or [N, features] after flatten
  std::string problem;          // conv2d/pool2d descriptor, empty for relu/flatten
  int64_t activation_bytes = 0; // new tensor this layer allocates (0: in place or a view)
  int64_t parameter_bytes = 0;  // weights + bias
  int64_t gradient_bytes = 0;   // training: parameter gradients + gradient of the output
  int64_t flops = 0;
};
std::vector<LayerAccount> account(const NetworkSpec& net);
int64_t input_bytes(const NetworkSpec& net);

// The conv2d problem of a conv or linear layer and the pool2d problem of a
// maxpool layer, given the layer's input shape (as in account()).
Conv2dParams conv_problem(const LayerSpec& l, const Shape& input);
Pool2dParams pool_problem(const LayerSpec& l, const Shape& input);

enum class ForwardMode {
  inference,  // an activation is freed as soon as the next layer has consumed it
  training,   // every activation is kept for the backward pass
};

struct LayerMeasure {
  std::string name;
  int64_t activation_bytes = 0;  // counted allocation of this layer's output
  int64_t parameter_bytes = 0;   // counted allocation of its weights and bias
  int64_t plan_bytes = 0;        // counted allocation of its plan (workspace + packed weights)
  int64_t reported_plan_bytes = 0;  // what the plan says: workspace_bytes() + packed_weight_bytes()
  int64_t live_after = 0;        // bytes live after this layer ran (from the pass start)
  double seconds = 0;            // median time of this layer's run over the timed passes
};

struct ForwardMeasure {
  std::vector<LayerMeasure> layers;
  int64_t input_bytes = 0;
  int64_t peak_bytes = 0;        // counting allocator high-water mark over build + pass
  std::string peak_layer;        // where it was reached
  double seconds = 0;            // median time of a whole forward pass
};

// Builds the network (parameters, plans) with the named variants and runs
// forward passes, measuring with the counting allocator and the clock.
class Network {
 public:
  Network(const NetworkSpec& spec, const std::string& conv_variant, const std::string& pool_variant,
          const PlanOptions& options);
  ~Network();
  // One measured pass (memory), then `timed_passes` more for the clock.
  ForwardMeasure forward(ForwardMode mode, int timed_passes = 0);

 private:
  struct Layer;
  NetworkSpec spec_;
  std::vector<std::unique_ptr<Layer>> layers_;
  int64_t base_bytes_ = 0;  // live before the network was built
  std::vector<int64_t> param_bytes_, plan_bytes_;
};

}  // namespace convlab
