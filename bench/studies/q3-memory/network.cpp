#include "q3-memory/network.hpp"

#include <algorithm>
#include <optional>

#include "convlab/activation.hpp"
#include "convlab/data.hpp"
#include "convlab/descriptor.hpp"
#include "convlab/error.hpp"
#include "convlab/memory.hpp"
#include "convlab/registry.hpp"
#include "convlab/timing.hpp"

namespace convlab {

const char* to_string(LayerKind k) {
  switch (k) {
    case LayerKind::conv: return "conv";
    case LayerKind::relu: return "relu";
    case LayerKind::maxpool: return "maxpool";
    case LayerKind::flatten: return "flatten";
    case LayerKind::linear: return "linear";
  }
  return "?";
}

NetworkSpec seed_cnn(int64_t batch) {
  return {"seed", batch, 3, 32, 32,
          {{LayerKind::conv, 16, 3}, {LayerKind::maxpool, 0, 2}, {LayerKind::conv, 32, 3},
           {LayerKind::maxpool, 0, 2}, {LayerKind::flatten}, {LayerKind::linear, 10}}};
}

NetworkSpec cifar_cnn(int64_t batch) {
  return {"cifar", batch, 3, 32, 32,
          {{LayerKind::conv, 32, 3}, {LayerKind::relu}, {LayerKind::maxpool, 0, 2},
           {LayerKind::conv, 64, 3}, {LayerKind::relu}, {LayerKind::maxpool, 0, 2},
           {LayerKind::flatten}, {LayerKind::linear, 256}, {LayerKind::relu}, {LayerKind::linear, 10}}};
}

NetworkSpec network_by_name(const std::string& name, int64_t batch) {
  if (batch < 1) throw Error("batch", std::to_string(batch), "must be >= 1");
  if (name == "seed") return seed_cnn(batch);
  if (name == "cifar") return cifar_cnn(batch);
  throw Error("net", name, "unknown network (seed, cifar)");
}

Conv2dParams conv_problem(const LayerSpec& l, const Shape& in) {
  Conv2dParams p;
  if (l.kind == LayerKind::linear) {  // [N, F] -> [N, out]: a 1x1 conv on a 1x1 image
    p.mb = in[0], p.ic = in[1], p.ih = p.iw = 1, p.oc = l.out, p.kh = p.kw = 1;
  } else {
    p.mb = in[0], p.ic = in[1], p.ih = in[2], p.iw = in[3], p.oc = l.out, p.kh = p.kw = l.kernel;
  }
  validate(p);
  return p;
}

Pool2dParams pool_problem(const LayerSpec& l, const Shape& in) {
  Pool2dParams p;
  p.alg = PoolAlg::max;
  p.mb = in[0], p.ic = in[1], p.ih = in[2], p.iw = in[3];
  p.kh = p.kw = p.sh = p.sw = l.kernel;
  validate(p);
  return p;
}

int64_t input_bytes(const NetworkSpec& net) {
  return 4 * net.batch * net.channels * net.height * net.width;
}

std::vector<LayerAccount> account(const NetworkSpec& net) {
  std::vector<LayerAccount> out;
  Shape shape = {net.batch, net.channels, net.height, net.width};
  int counts[5] = {0, 0, 0, 0, 0};
  for (const LayerSpec& l : net.layers) {
    LayerAccount a;
    a.kind = l.kind;
    a.name = std::string(to_string(l.kind)) + std::to_string(++counts[static_cast<int>(l.kind)]);
    switch (l.kind) {
      case LayerKind::conv:
      case LayerKind::linear: {
        const Conv2dParams p = conv_problem(l, shape);
        a.problem = format_descriptor(p);
        shape = l.kind == LayerKind::conv ? Shape{p.mb, p.oc, p.oh(), p.ow()} : Shape{p.mb, p.oc};
        a.activation_bytes = 4 * p.output_elems();
        a.parameter_bytes = 4 * (p.weight_elems() + p.bias_elems());
        a.flops = p.flops();
        break;
      }
      case LayerKind::maxpool: {
        const Pool2dParams p = pool_problem(l, shape);
        a.problem = format_descriptor(p);
        shape = {p.mb, p.ic, p.oh(), p.ow()};
        a.activation_bytes = 4 * p.output_elems();
        a.flops = p.flops();
        break;
      }
      case LayerKind::relu:  // in place: no new tensor, and its backward can run in place too
        a.flops = element_count(shape);
        break;
      case LayerKind::flatten:  // a view
        shape = {shape[0], element_count(shape) / shape[0]};
        break;
    }
    a.output = shape;
    // Training: a gradient for every parameter, and the gradient of this
    // layer's output while backward passes through it.
    a.gradient_bytes = a.parameter_bytes + a.activation_bytes;
    out.push_back(a);
  }
  return out;
}

// ---------------------------------------------------------------------------
struct Network::Layer {
  LayerSpec spec;
  LayerAccount acc;
  Shape input_shape;
  Tensor weights, bias;
  std::unique_ptr<ConvPlan> conv;
  std::unique_ptr<PoolPlan> pool;
  std::vector<double> seconds;
};

namespace {
int64_t live_bytes() { return memory::stats().current_bytes; }
}  // namespace

Network::Network(const NetworkSpec& spec, const std::string& conv_variant,
                 const std::string& pool_variant, const PlanOptions& options)
    : spec_(spec) {
  const ConvVariant* cv = find_conv2d_variant(conv_variant);
  if (cv == nullptr) throw Error("variant", conv_variant, "no such conv2d variant");
  const PoolVariant* pv = find_pool2d_variant(pool_variant);
  if (pv == nullptr) throw Error("pool-variant", pool_variant, "no such pool2d variant");
  memory::reset_peak();
  base_bytes_ = live_bytes();
  const auto accounts = account(spec);
  Shape shape = {spec.batch, spec.channels, spec.height, spec.width};
  uint64_t seed = 11;
  for (std::size_t i = 0; i < spec.layers.size(); ++i) {
    auto layer = std::make_unique<Layer>();
    layer->spec = spec.layers[i];
    layer->acc = accounts[i];
    layer->input_shape = shape;
    int64_t before = live_bytes();
    if (layer->spec.kind == LayerKind::conv || layer->spec.kind == LayerKind::linear) {
      const Conv2dParams p = conv_problem(layer->spec, shape);
      layer->weights = Tensor({p.oc, p.icg(), p.kh, p.kw});
      layer->bias = Tensor({p.bias_elems()});
      fill_reals(layer->weights.span(), seed++);
      fill_reals(layer->bias.span(), seed++);
      param_bytes_.push_back(live_bytes() - before);
      before = live_bytes();
      layer->conv = cv->plan(p, layer->weights.span(), layer->bias.span(), options);
    } else {
      param_bytes_.push_back(0);
      if (layer->spec.kind == LayerKind::maxpool)
        layer->pool = pv->plan(pool_problem(layer->spec, shape), options);
    }
    plan_bytes_.push_back(live_bytes() - before);
    shape = layer->acc.output;
    layers_.push_back(std::move(layer));
  }
}

Network::~Network() = default;

ForwardMeasure Network::forward(ForwardMode mode, int timed_passes) {
  ForwardMeasure m;
  memory::reset_peak();  // the pass's own high-water mark (parameters and plans are live)
  const int64_t before_input = live_bytes();
  Tensor input({spec_.batch, spec_.channels, spec_.height, spec_.width});
  fill_reals(input.span(), 5);
  m.input_bytes = live_bytes() - before_input;

  // Runs every layer once; `record` receives the memory figures of the pass.
  auto pass = [&](bool record) {
    std::vector<Tensor> kept;          // training: every activation stays
    std::optional<Tensor> current;     // the newest activation (inference)
    TensorView x(input.data(), input.shape());
    int64_t peak_seen = memory::stats().peak_bytes;
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      Layer& l = *layers_[i];
      LayerMeasure lm;
      lm.name = l.acc.name;
      lm.parameter_bytes = param_bytes_[i];
      lm.plan_bytes = plan_bytes_[i];
      if (l.conv) lm.reported_plan_bytes = static_cast<int64_t>(l.conv->workspace_bytes() + l.conv->packed_weight_bytes());
      if (l.pool) lm.reported_plan_bytes = static_cast<int64_t>(l.pool->workspace_bytes());
      const double t0 = now_seconds();
      if (l.conv || l.pool) {
        const int64_t before = live_bytes();
        Tensor y(l.acc.output);
        lm.activation_bytes = live_bytes() - before;
        if (l.conv) l.conv->run(x.span(), y.span());
        else l.pool->run(x.span(), y.span());
        x = TensorView(y.data(), y.shape());
        if (mode == ForwardMode::training) {
          if (current) kept.push_back(std::move(*current));
          current = std::move(y);
        } else {
          current = std::move(y);  // the previous activation is freed here
        }
      } else if (l.spec.kind == LayerKind::relu) {
        relu_inplace(x.span());
      } else {  // flatten
        x = flatten(x);
      }
      if (!record) {
        l.seconds.push_back(now_seconds() - t0);
        continue;
      }
      lm.live_after = live_bytes() - base_bytes_;
      const int64_t peak_now = memory::stats().peak_bytes;
      if (peak_now > peak_seen) m.peak_layer = l.acc.name;
      peak_seen = peak_now;
      m.layers.push_back(lm);
    }
  };

  pass(true);
  m.peak_bytes = memory::stats().peak_bytes - base_bytes_;
  if (m.peak_layer.empty()) m.peak_layer = "input";
  std::vector<double> totals;
  for (int r = 0; r < timed_passes; ++r) {
    const double t0 = now_seconds();
    pass(false);
    totals.push_back(now_seconds() - t0);
  }
  if (timed_passes > 0) {
    m.seconds = summarize(totals).median;
    for (std::size_t i = 0; i < layers_.size(); ++i) m.layers[i].seconds = summarize(layers_[i]->seconds).median;
  }
  for (auto& l : layers_) l->seconds.clear();
  return m;
}

}  // namespace convlab
