#include "convlab/timed_job.hpp"

#include "convlab/data.hpp"
#include "convlab/memory.hpp"
#include "convlab/registry.hpp"
#include "convlab/tensor.hpp"

namespace convlab {

namespace {

TimedJob job_for(const Conv2dParams& p, std::string_view variant, const PlanOptions& o) {
  struct State {
    ConvData data;
    Tensor out;
    std::unique_ptr<ConvPlan> plan;
  };
  // Input, weights, output, and as much again for the plan's packed copies
  // and workspace (none of the lab's plans needs more).
  memory::require_available(2.0 * static_cast<double>(p.min_bytes()), "the problem's tensors and the plan's workspace");
  auto s = std::make_shared<State>(State{make_conv2d_data(p, DataMode::bounded, 7), Tensor({p.output_elems()}), nullptr});
  s->plan = conv2d_variant(variant).plan(p, s->data.weights.span(), s->data.bias.span(), o);
  TimedJob j;
  j.op = "conv2d";
  j.flops = static_cast<double>(p.flops());
  j.bytes = static_cast<double>(p.min_bytes());
  j.work = j.flops;
  j.describe = s->plan->describe();
  j.call = [st = s.get()] { st->plan->run(st->data.input.span(), st->out.span()); };
  if (s->plan->has_compute_only()) j.compute_only = [st = s.get()] { st->plan->run_compute_only(); };
  j.keep_alive = s;
  return j;
}

TimedJob job_for(const Pool2dParams& p, std::string_view variant, const PlanOptions& o) {
  struct State {
    Tensor in, out;
    std::unique_ptr<PoolPlan> plan;
  };
  memory::require_available(2.0 * static_cast<double>(p.min_bytes()), "the problem's tensors and the plan's workspace");
  auto s = std::make_shared<State>(State{make_pool2d_input(p, DataMode::bounded, 7), Tensor({p.output_elems()}), nullptr});
  s->plan = pool2d_variant(variant).plan(p, o);
  TimedJob j;
  j.op = "pool2d";
  j.flops = static_cast<double>(p.flops());
  j.bytes = static_cast<double>(p.min_bytes());
  j.work = j.bytes;
  j.counts_flops = false;
  j.describe = s->plan->describe();
  j.call = [st = s.get()] { st->plan->run(st->in.span(), st->out.span()); };
  j.keep_alive = s;
  return j;
}

}  // namespace

std::vector<std::string_view> variant_names(const Problem& p) {
  std::vector<std::string_view> out;
  if (std::holds_alternative<Conv2dParams>(p))
    for (const ConvVariant* v : conv2d_variants()) out.push_back(v->name());
  else
    for (const PoolVariant* v : pool2d_variants()) out.push_back(v->name());
  return out;
}

Support supports(const Problem& p, std::string_view variant) {
  if (const auto* c = std::get_if<Conv2dParams>(&p)) return conv2d_variant(variant).supports(*c);
  return pool2d_variant(variant).supports(std::get<Pool2dParams>(p));
}

TimedJob make_timed_job(const Problem& p, std::string_view variant, const PlanOptions& options) {
  return std::visit([&](const auto& q) { return job_for(q, variant, options); }, p);
}

}  // namespace convlab
