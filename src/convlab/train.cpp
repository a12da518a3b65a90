#include "convlab/train.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <numeric>

#include "convlab/activation.hpp"
#include "convlab/backward.hpp"
#include "convlab/error.hpp"
#include "convlab/memory.hpp"
#include "convlab/registry.hpp"
#include "convlab/registry_backward.hpp"
#include "convlab/tensor.hpp"

namespace convlab {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Every buffer of a training step is counted (convlab/memory.hpp), so the
// memory study can measure a step's peak and hold its analytic figure to it.
using Floats = std::vector<float, memory::Allocator<float>>;
using Indices = std::vector<int64_t, memory::Allocator<int64_t>>;

struct LayerSpec {
  enum Kind { conv, relu, maxpool, flatten, linear } kind;
  int64_t size = 0;  // conv/linear: output channels or features; maxpool: window
  int64_t kernel = 0;
};

std::vector<LayerSpec> layers_of(const std::string& net) {
  using L = LayerSpec;
  if (net == "seed")  // TinyTorch's spatial module: Conv 1->16 k3, pool, Conv 16->32 k3, pool, Linear 10
    return {{L::conv, 16, 3}, {L::relu}, {L::maxpool, 2}, {L::conv, 32, 3}, {L::relu}, {L::maxpool, 2},
            {L::flatten}, {L::linear, 10}};
  if (net == "cifar")  // the CIFAR milestone's CNN, on one channel
    return {{L::conv, 32, 3}, {L::relu}, {L::maxpool, 2}, {L::conv, 64, 3}, {L::relu}, {L::maxpool, 2},
            {L::flatten}, {L::linear, 256}, {L::relu}, {L::linear, 10}};
  throw Error("net", net, "unknown network (seed, cifar)");
}

// One layer with its parameters, gradients, momentum and the activations of
// the last forward pass (kept for the backward).
struct Layer {
  LayerSpec spec;
  int64_t c = 0, h = 0, w = 0;         // its input, per image
  int64_t oc = 0, oh = 0, ow = 0;      // its output, per image
  Floats weights, bias, dweights, dbias, vweights, vbias;
  Tensor out;                          // this layer's output for the batch
  Indices indices;                     // max pooling's argmax
  Conv2dParams conv_params(int64_t mb) const {
    if (spec.kind == LayerSpec::linear)
      return {.mb = mb, .ic = c * h * w, .ih = 1, .iw = 1, .oc = oc, .kh = 1, .kw = 1};
    return {.mb = mb, .ic = c, .ih = h, .iw = w, .oc = oc, .kh = spec.kernel, .kw = spec.kernel};
  }
  Pool2dParams pool_params(int64_t mb) const {
    return {.alg = PoolAlg::max, .mb = mb, .ic = c, .ih = h, .iw = w, .kh = spec.size, .kw = spec.size,
            .sh = spec.size, .sw = spec.size, .indices = true};
  }
  bool has_weights() const { return spec.kind == LayerSpec::conv || spec.kind == LayerSpec::linear; }
};

// PyTorch's default initialization of Conv2d and Linear (kaiming_uniform with
// a = sqrt(5)): weights and bias uniform in +-1/sqrt(fan_in), drawn in order
// from splitmix64 as u = (z >> 40) / 2^24.
void initialize(Layer& l, uint64_t& state) {
  const Conv2dParams p = l.conv_params(1);
  const double bound = 1.0 / std::sqrt(static_cast<double>(p.icg() * p.kh * p.kw));
  auto draw = [&] {
    const double u = static_cast<double>(splitmix64(state) >> 40) / 16777216.0;
    return static_cast<float>((2.0 * u - 1.0) * bound);
  };
  l.weights.resize(static_cast<std::size_t>(p.weight_elems()));
  l.bias.resize(static_cast<std::size_t>(p.oc));
  for (float& x : l.weights) x = draw();
  for (float& x : l.bias) x = draw();
  l.dweights.assign(l.weights.size(), 0.0f), l.vweights.assign(l.weights.size(), 0.0f);
  l.dbias.assign(l.bias.size(), 0.0f), l.vbias.assign(l.bias.size(), 0.0f);
}

class Model {
 public:
  Model(const TrainOptions& o, int64_t channels, int64_t rows, int64_t cols, bool checkpoint = false)
      : o_(o), checkpoint_(checkpoint) {
    uint64_t state = o.seed;
    int64_t c = channels, h = rows, w = cols;
    for (const LayerSpec& s : layers_of(o.net)) {
      Layer l;
      l.spec = s, l.c = c, l.h = h, l.w = w;
      switch (s.kind) {
        case LayerSpec::conv: l.oc = s.size, l.oh = h - s.kernel + 1, l.ow = w - s.kernel + 1; break;
        case LayerSpec::relu: l.oc = c, l.oh = h, l.ow = w; break;
        case LayerSpec::maxpool: l.oc = c, l.oh = h / s.size, l.ow = w / s.size; break;
        case LayerSpec::flatten: l.oc = c * h * w, l.oh = 1, l.ow = 1; break;
        case LayerSpec::linear: l.oc = s.size, l.oh = 1, l.ow = 1; break;
      }
      if (l.oh < 1 || l.ow < 1) throw Error("net", o.net, fmt::format("does not fit {}x{} images", rows, cols));
      if (l.has_weights()) initialize(l, state);
      c = l.oc, h = l.oh, w = l.ow;
      layers_.push_back(std::move(l));
    }
    if (c != 10) throw Error("net", o.net, "must end in 10 classes");
    options_.threads = o.threads;
  }

  int64_t parameters() const {
    int64_t n = 0;
    for (const Layer& l : layers_) n += static_cast<int64_t>(l.weights.size() + l.bias.size());
    return n;
  }
  std::string describe() const {
    std::string s;
    for (const Layer& l : layers_) {
      if (!s.empty()) s += ", ";
      switch (l.spec.kind) {
        case LayerSpec::conv: s += fmt::format("conv {}->{} k{}", l.c, l.oc, l.spec.kernel); break;
        case LayerSpec::relu: s += "relu"; break;
        case LayerSpec::maxpool: s += fmt::format("maxpool {}", l.spec.size); break;
        case LayerSpec::flatten: s += fmt::format("flatten {}", l.oc); break;
        case LayerSpec::linear: s += fmt::format("linear {}->{}", l.c * l.h * l.w, l.oc); break;
      }
    }
    return s;
  }

  // Logits (mb x 10) of a batch (mb x channels x rows x cols). With
  // checkpointing, a conv or ReLU output is dropped once the next layer has
  // read it (backward recomputes it from the kept input of its segment).
  const Tensor& forward(const float* x, int64_t mb) {
    x_ = x;
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      compute(i, mb);
      if (checkpoint_ && i > 0 && recomputable(i - 1)) layers_[i - 1].out = Tensor();
    }
    return layers_.back().out;
  }

  // Gradients of every parameter from dlogits (mb x 10), through two
  // ping-pong gradient buffers; x is the batch forward() saw.
  void backward(std::span<const float> dlogits, int64_t mb) {
    std::size_t most = dlogits.size();
    for (const Layer& l : layers_) most = std::max<std::size_t>(most, static_cast<std::size_t>(mb * l.c * l.h * l.w));
    if (grad_a_.size() < most) grad_a_ = Floats(most), grad_b_ = Floats(most);
    std::copy(dlogits.begin(), dlogits.end(), grad_a_.begin());
    float* dy_buf = grad_a_.data();
    float* dx_buf = grad_b_.data();
    for (std::size_t i = layers_.size(); i-- > 0;) {
      Layer& l = layers_[i];
      // A dropped output is recomputed with the rest of its segment (conv, relu) first.
      if (checkpoint_ && recomputable(i) && l.out.size() == 0)
        for (std::size_t k = segment_start(i); k <= i; ++k) compute(k, mb);
      const int64_t n_in = mb * l.c * l.h * l.w, n_out = mb * l.oc * l.oh * l.ow;
      if (l.spec.kind == LayerSpec::flatten) continue;  // a view: the gradient passes as it is
      const std::span<const float> input(input_of(i), static_cast<std::size_t>(n_in));
      const std::span<const float> dy(dy_buf, static_cast<std::size_t>(n_out));
      const std::span<float> dx(dx_buf, static_cast<std::size_t>(i == 0 ? 0 : n_in));
      switch (l.spec.kind) {
        case LayerSpec::conv:
        case LayerSpec::linear: {
          const Conv2dParams p = l.conv_params(mb);
          double t0 = now();
          if (o_.bwd_weights == "reference") reference_conv2d_bwd_weights(p, input, dy, l.dweights, l.dbias);
          else weights_plan(l, mb).run(input, dy, l.dweights, l.dbias);
          charge(i, "backward weights", t0);
          if (i > 0) {
            if (o_.bwd_data == "reference") {
              reference_conv2d_bwd_data(p, dy, l.weights, dx);
            } else {
              auto plan = conv2d_bwd_data_variant(o_.bwd_data).plan(p, l.weights, options_);
              charge(i, "backward data plan", t0);
              plan->run(dy, dx);
            }
            charge(i, "backward data", t0);
          }
          break;
        }
        case LayerSpec::relu: {
          double t0 = now();
          relu_backward(l.out.span(), dy, dx);
          charge(i, "backward", t0);
          break;
        }
        case LayerSpec::maxpool: {
          double t0 = now();
          pool_bwd_plan(l, mb).run(dy, l.indices, dx);
          charge(i, "backward", t0);
          break;
        }
        case LayerSpec::flatten: break;
      }
      if (checkpoint_ && recomputable(i)) l.out = Tensor();  // the recomputed output is used up
      std::swap(dy_buf, dx_buf);
    }
  }

  // Every byte a step holds besides its plans: parameters, their gradients
  // and momentum, the kept activations and argmax indices, the two gradient
  // buffers, the batch (images and dlogits) — from the shapes alone.
  struct Bytes {
    int64_t parameters = 0, activations = 0, recomputed = 0, indices = 0, gradient_buffers = 0;
  };
  Bytes bytes(int64_t mb) const {
    Bytes b;
    int64_t most = mb * 10, segment = 0;
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      const Layer& l = layers_[i];
      b.parameters += 4 * static_cast<int64_t>(l.weights.size() + l.bias.size());
      const int64_t out = l.spec.kind == LayerSpec::flatten ? 0 : 4 * mb * l.oc * l.oh * l.ow;  // a view
      if (checkpoint_ && recomputable(i)) {
        segment = (i > 0 && recomputable(i - 1) ? segment : 0) + out;
        b.recomputed = std::max(b.recomputed, segment);
      } else {
        b.activations += out;
      }
      if (l.spec.kind == LayerSpec::maxpool) b.indices += 8 * mb * l.oc * l.oh * l.ow;
      most = std::max(most, mb * l.c * l.h * l.w);
    }
    b.gradient_buffers = 2 * 4 * most;
    return b;
  }

 private:
  void compute(std::size_t i, int64_t mb) {
    Layer& l = layers_[i];
    const int64_t n_out = mb * l.oc * l.oh * l.ow, n_in = mb * l.c * l.h * l.w;
    if (l.spec.kind == LayerSpec::flatten) return;  // a view of its input: nothing to compute or keep
    if (l.out.size() != n_out) l.out = Tensor({n_out});
    const std::span<const float> input(input_of(i), static_cast<std::size_t>(n_in));
    double t0 = now();
    switch (l.spec.kind) {
      case LayerSpec::conv:
      case LayerSpec::linear: {
        auto plan = conv2d_variant(o_.conv).plan(l.conv_params(mb), l.weights, l.bias, options_);
        charge(i, "forward plan", t0);
        plan->run(input, l.out.span());
        break;
      }
      case LayerSpec::relu: relu(input, l.out.span()); break;
      case LayerSpec::maxpool:
        if (l.indices.size() != static_cast<std::size_t>(n_out)) l.indices = Indices(static_cast<std::size_t>(n_out));
        pool_plan(l, mb).run(input, l.out.span(), l.indices);
        break;
      case LayerSpec::flatten: break;
    }
    charge(i, "forward", t0);
  }
  // Layer i's input: the batch, or the previous layer's output (through a
  // flatten, which is a view of its own input).
  const float* input_of(std::size_t i) const {
    while (i > 0 && layers_[i - 1].spec.kind == LayerSpec::flatten) --i;
    return i == 0 ? x_ : layers_[i - 1].out.data();
  }
  // Checkpointing keeps the outputs of pooling, flatten and linear layers and
  // drops those of a conv and the ReLU after it (a segment).
  bool recomputable(std::size_t i) const {
    const auto k = layers_[i].spec.kind;
    return (k == LayerSpec::conv || k == LayerSpec::relu) && i + 1 < layers_.size() &&
           layers_[i + 1].spec.kind != LayerSpec::flatten &&
           !(k == LayerSpec::relu && layers_[i - 1].spec.kind == LayerSpec::linear);
  }
  std::size_t segment_start(std::size_t i) const {
    while (i > 0 && recomputable(i - 1)) --i;
    return i;
  }

 public:
  // Seconds per (layer, phase), summed over the run: `convlab train --profile`.
  std::map<std::string, double> profile() const { return profile_; }

  void decay_lr() { lr_ *= o_.lr_decay; }

  void step() {
    double t0 = now();
    const float lr = static_cast<float>(lr_), mu = static_cast<float>(o_.momentum);
    for (Layer& l : layers_) {
      for (std::size_t i = 0; i < l.weights.size(); ++i) {
        l.vweights[i] = mu * l.vweights[i] + l.dweights[i];
        l.weights[i] -= lr * l.vweights[i];
      }
      for (std::size_t i = 0; i < l.bias.size(); ++i) {
        l.vbias[i] = mu * l.vbias[i] + l.dbias[i];
        l.bias[i] -= lr * l.vbias[i];
      }
    }
    profile_["  SGD update (every layer)"] += now() - t0;
  }

 private:
  // Plans that hold no weights are made once per (layer, batch size).
  PoolPlan& pool_plan(const Layer& l, int64_t mb) {
    auto& plan = pool_plans_[{&l, mb}];
    if (!plan) plan = pool2d_variant("interior_edge").plan(l.pool_params(mb), options_);  // the fastest step that writes argmax
    return *plan;
  }
  PoolBwdPlan& pool_bwd_plan(const Layer& l, int64_t mb) {
    auto& plan = pool_bwd_plans_[{&l, mb}];
    if (!plan) {
      Pool2dParams p = l.pool_params(mb);
      plan = pool2d_bwd_variant("naive").plan(p, options_);
    }
    return *plan;
  }
  ConvBwdWeightsPlan& weights_plan(const Layer& l, int64_t mb) {
    auto& plan = weights_plans_[{&l, mb}];
    if (!plan) plan = conv2d_bwd_weights_variant(o_.bwd_weights).plan(l.conv_params(mb), options_);
    return *plan;
  }

  // Adds the seconds since t0 to (layer i, phase) and restarts t0.
  void charge(std::size_t i, const char* phase, double& t0) {
    const double t = now();
    profile_[fmt::format("{} {:<14} {}", i, kind_name(layers_[i].spec.kind), phase)] += t - t0;
    t0 = t;
  }
  static const char* kind_name(LayerSpec::Kind k) {
    switch (k) {
      case LayerSpec::conv: return "conv";
      case LayerSpec::relu: return "relu";
      case LayerSpec::maxpool: return "maxpool";
      case LayerSpec::flatten: return "flatten";
      case LayerSpec::linear: return "linear";
    }
    return "?";
  }

  std::map<std::string, double> profile_;
  TrainOptions o_;
  double lr_ = o_.lr;
  bool checkpoint_ = false;
  PlanOptions options_;
  std::vector<Layer> layers_;
  const float* x_ = nullptr;
  Floats grad_a_, grad_b_;
  std::map<std::pair<const Layer*, int64_t>, std::unique_ptr<PoolPlan>> pool_plans_;
  std::map<std::pair<const Layer*, int64_t>, std::unique_ptr<PoolBwdPlan>> pool_bwd_plans_;
  std::map<std::pair<const Layer*, int64_t>, std::unique_ptr<ConvBwdWeightsPlan>> weights_plans_;
};

// Softmax cross-entropy of mb rows of 10 logits: the summed loss, the correct
// count, and dlogits = (softmax - onehot) / mb.
struct LossOut {
  double loss = 0;
  int64_t correct = 0;
};
LossOut softmax_cross_entropy(const float* logits, const uint8_t* labels, int64_t mb, float* dlogits) {
  LossOut r;
  for (int64_t n = 0; n < mb; ++n) {
    const float* z = logits + n * 10;
    const int64_t best = std::max_element(z, z + 10) - z;
    double sum = 0;
    for (int k = 0; k < 10; ++k) sum += std::exp(double(z[k]) - z[best]);
    r.loss += std::log(sum) - (double(z[labels[n]]) - z[best]);
    r.correct += best == labels[n];
    if (dlogits)
      for (int k = 0; k < 10; ++k)
        dlogits[n * 10 + k] =
            static_cast<float>((std::exp(double(z[k]) - z[best]) / sum - (k == labels[n] ? 1.0 : 0.0)) / double(mb));
  }
  return r;
}

int64_t limited(int64_t count, int64_t limit) { return limit > 0 ? std::min(count, limit) : count; }


}  // namespace

std::string describe_net(const std::string& net, int64_t rows, int64_t cols) {
  TrainOptions o;
  o.net = net;
  return Model(o, 1, rows, cols).describe();
}

TrainResult train(const LabelledImages& train_set, const LabelledImages& test_set, const TrainOptions& o,
                  const std::function<void(const TrainProgress&)>& on_progress) {
  if (o.batch < 1 || o.batch > 65536) throw Error("batch", std::to_string(o.batch), "must be 1 to 65536");
  if (o.epochs < 1) throw Error("epochs", std::to_string(o.epochs), "must be >= 1");
  if (!(o.lr > 0) || !std::isfinite(o.lr)) throw Error("lr", fmt::format("{}", o.lr), "must be a finite number above 0");
  if (!(o.momentum >= 0 && o.momentum < 1)) throw Error("momentum", fmt::format("{}", o.momentum), "must be in [0, 1)");
  if (!(o.lr_decay > 0 && o.lr_decay <= 1)) throw Error("lr_decay", fmt::format("{}", o.lr_decay), "must be in (0, 1]");
  if (train_set.rows != test_set.rows || train_set.cols != test_set.cols)
    throw Error("dataset", "", "train and test images differ in size");
  Model model(o, 1, train_set.rows, train_set.cols);
  TrainResult result;
  result.parameters = model.parameters();
  result.layers = model.describe();
  const int64_t pixels = train_set.rows * train_set.cols;
  const int64_t n_train = limited(train_set.count, o.train_images), n_test = limited(test_set.count, o.test_images);
  const int64_t batches = n_train / o.batch;  // the remainder is dropped, as DataLoader(drop_last=True)
  if (batches == 0) throw Error("batch", std::to_string(o.batch), fmt::format("more than the {} training images", n_train));
  std::vector<int64_t> order(static_cast<std::size_t>(n_train));
  std::vector<float> x(static_cast<std::size_t>(o.batch * pixels)), dlogits(static_cast<std::size_t>(o.batch * 10));
  std::vector<uint8_t> y(static_cast<std::size_t>(o.batch));
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    // Fisher-Yates with splitmix64 seeded by (seed, epoch): scripts/train-pytorch draws the same order.
    std::iota(order.begin(), order.end(), 0);
    uint64_t state = o.seed * 1000003u + static_cast<uint64_t>(epoch);
    for (int64_t i = n_train - 1; i > 0; --i)
      std::swap(order[static_cast<std::size_t>(i)],
                order[static_cast<std::size_t>(splitmix64(state) % static_cast<uint64_t>(i + 1))]);
    EpochRecord rec;
    rec.epoch = epoch;
    double loss_sum = 0, since_loss = 0, t0 = now(), since_t = t0;
    int64_t correct = 0, since_correct = 0, since_batches = 0;
    for (int64_t b = 0; b < batches; ++b) {
      for (int64_t i = 0; i < o.batch; ++i) {
        const int64_t src = order[static_cast<std::size_t>(b * o.batch + i)];
        std::copy_n(train_set.images.data() + src * pixels, pixels, x.data() + i * pixels);
        y[static_cast<std::size_t>(i)] = train_set.labels[static_cast<std::size_t>(src)];
      }
      const Tensor& logits = model.forward(x.data(), o.batch);
      const LossOut l = softmax_cross_entropy(logits.data(), y.data(), o.batch, dlogits.data());
      model.backward(dlogits, o.batch);
      model.step();
      loss_sum += l.loss, correct += l.correct, since_loss += l.loss, since_correct += l.correct, ++since_batches;
      if (o.progress_every > 0 && ((b + 1) % o.progress_every == 0 || b + 1 == batches)) {
        const double t = now();
        TrainProgress pr{epoch, b + 1, batches, since_loss / double(since_batches * o.batch),
                         double(since_correct) / double(since_batches * o.batch),
                         double(since_batches * o.batch) / (t - since_t)};
        result.curve.push_back(pr);
        if (on_progress) on_progress(pr);
        since_loss = 0, since_correct = 0, since_batches = 0, since_t = t;
      }
    }
    model.decay_lr();
    rec.seconds = now() - t0;
    rec.images_per_second = double(batches * o.batch) / rec.seconds;
    rec.train_loss = loss_sum / double(batches * o.batch);
    rec.train_accuracy = double(correct) / double(batches * o.batch);
    // Evaluation on the test images, in batches (the last one shorter).
    double test_loss = 0;
    int64_t test_correct = 0;
    for (int64_t b0 = 0; b0 < n_test; b0 += o.batch) {
      const int64_t mb = std::min(o.batch, n_test - b0);
      const Tensor& logits = model.forward(test_set.images.data() + b0 * pixels, mb);
      const LossOut l = softmax_cross_entropy(logits.data(), test_set.labels.data() + b0, mb, nullptr);
      test_loss += l.loss, test_correct += l.correct;
    }
    rec.test_loss = n_test ? test_loss / double(n_test) : 0.0;
    rec.test_accuracy = n_test ? double(test_correct) / double(n_test) : 0.0;
    result.epochs.push_back(rec);
  }
  result.profile = model.profile();
  return result;
}

StepMemory measure_training_step(const std::string& net, int64_t batch, int64_t channels, int64_t rows,
                                 int64_t cols, bool checkpoint, const TrainOptions& timing) {
  StepMemory r;
  r.net = net, r.batch = batch, r.checkpoint = checkpoint;
  std::vector<uint8_t> labels(static_cast<std::size_t>(batch));
  for (int64_t i = 0; i < batch; ++i) labels[static_cast<std::size_t>(i)] = static_cast<uint8_t>(i % 10);
  {
    // The memory pass: plans that hold no workspace (the naive forward, the
    // oracles backward), so every counted byte is the network's own.
    TrainOptions m;
    m.net = net, m.conv = "naive", m.bwd_data = m.bwd_weights = "reference";
    const int64_t base = memory::stats().current_bytes;
    Model model(m, channels, rows, cols, checkpoint);
    Tensor x({batch * channels * rows * cols});
    for (int64_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(i % 17) / 17.0f;
    Floats dlogits(static_cast<std::size_t>(batch * 10));
    auto step = [&] {
      const Tensor& logits = model.forward(x.data(), batch);
      softmax_cross_entropy(logits.data(), labels.data(), batch, dlogits.data());
      model.backward(dlogits, batch);
      model.step();
    };
    step();  // the first step allocates what every later one reuses
    memory::reset_peak();
    step();
    r.measured = memory::stats().peak_bytes - base;
    const auto b = model.bytes(batch);
    r.parameters = b.parameters, r.activations = b.activations, r.recomputed = b.recomputed;
    r.indices = b.indices, r.gradient_buffers = b.gradient_buffers;
    r.batch_bytes = 4 * (x.size() + batch * 10);
    // Weights, their gradients and momentum; kept activations and indices; the
    // two gradient buffers; images and dlogits; with checkpointing, the
    // largest segment recomputed (a conv output and its ReLU's) on top.
    r.analytic = 3 * r.parameters + r.activations + r.indices + r.gradient_buffers + r.batch_bytes + r.recomputed;
  }
  // The time pass: the same step with the lab's fast variants (plans made per
  // step, as training makes them), the median of 9 after one warm-up.
  TrainOptions t = timing;
  t.net = net;
  Model model(t, channels, rows, cols, checkpoint);
  std::vector<float> x(static_cast<std::size_t>(batch * channels * rows * cols), 0.5f), dlogits(static_cast<std::size_t>(batch * 10));
  std::vector<double> seconds;
  for (int k = 0; k < 10; ++k) {
    const double t0 = now();
    const Tensor& logits = model.forward(x.data(), batch);
    softmax_cross_entropy(logits.data(), labels.data(), batch, dlogits.data());
    model.backward(dlogits, batch);
    model.step();
    if (k > 0) seconds.push_back(now() - t0);
  }
  std::sort(seconds.begin(), seconds.end());
  r.step_seconds = seconds[seconds.size() / 2];
  return r;
}

}  // namespace convlab
