#include "convlab/timed_job.hpp"

#include <algorithm>
#include <cmath>

#include "convlab/backward.hpp"
#include "convlab/check.hpp"
#include "convlab/data.hpp"
#include "convlab/error.hpp"
#include "convlab/memory.hpp"
#include "convlab/reference.hpp"
#include "convlab/registry.hpp"
#include "convlab/registry_backward.hpp"
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
    std::vector<int64_t, memory::Allocator<int64_t>> indices;  // idx1: the argmax the plan writes
  };
  const double index_bytes = p.indices ? 8.0 * static_cast<double>(p.output_elems()) : 0.0;
  memory::require_available(2.0 * static_cast<double>(p.min_bytes()) + index_bytes,
                            "the problem's tensors and the plan's workspace");
  auto s = std::make_shared<State>(State{make_pool2d_input(p, DataMode::bounded, 7), Tensor({p.output_elems()}), nullptr,
                                         {}});
  s->indices.resize(p.indices ? static_cast<std::size_t>(p.output_elems()) : 0);
  s->plan = pool2d_variant(variant).plan(p, o);
  TimedJob j;
  j.op = "pool2d";
  j.flops = static_cast<double>(p.flops());
  j.bytes = static_cast<double>(p.min_bytes()) + index_bytes;  // the indices are written too
  j.work = j.bytes;
  j.counts_flops = false;
  j.describe = s->plan->describe();
  j.call = [st = s.get()] { st->plan->run(st->in.span(), st->out.span(), st->indices); };
  j.keep_alive = s;
  return j;
}

// --- the backward ----------------------------------------------------------------
// Compulsory traffic of each gradient: every tensor it reads or writes, once.
double bwd_data_bytes(const Conv2dParams& p) {
  return 4.0 * static_cast<double>(p.output_elems() + p.weight_elems() + p.input_elems());
}
double bwd_weights_bytes(const Conv2dParams& p) {
  return 4.0 * static_cast<double>(p.input_elems() + p.output_elems() + p.weight_elems() + p.bias_elems());
}
double pool_bwd_bytes(const Pool2dParams& p) {
  return 4.0 * static_cast<double>(p.output_elems() + p.input_elems()) +
         (p.is_avg() ? 0.0 : 8.0 * static_cast<double>(p.output_elems()));
}

TimedJob bwd_data_job(const Conv2dParams& p, std::string_view variant, const PlanOptions& o) {
  struct State {
    Tensor w, dy, dx;
    std::unique_ptr<ConvBwdDataPlan> plan;
  };
  // dy, weights, dx, and as much again for the plan (as_forward's zero-inserted
  // dy and the forward plan it runs, oneDNN's reorders).
  memory::require_available(2.0 * bwd_data_bytes(p), "the problem's tensors and the plan's workspace");
  auto s = std::make_shared<State>(
      State{Tensor({p.weight_elems()}), Tensor({p.output_elems()}), Tensor({p.input_elems()}), nullptr});
  fill_reals(s->w.span(), 7 * 3 + 2);
  fill_reals(s->dy.span(), 7 * 3 + 3);
  s->plan = conv2d_bwd_data_variant(variant).plan(p, s->w.span(), o);
  TimedJob j;
  j.op = kConv2dBwdData;
  j.flops = static_cast<double>(p.flops());
  j.bytes = bwd_data_bytes(p);
  j.work = j.flops;
  j.describe = s->plan->describe();
  j.call = [st = s.get()] { st->plan->run(st->dy.span(), st->dx.span()); };
  j.keep_alive = s;
  return j;
}

TimedJob bwd_weights_job(const Conv2dParams& p, std::string_view variant, const PlanOptions& o) {
  struct State {
    Tensor x, dy, dw, db;
    std::unique_ptr<ConvBwdWeightsPlan> plan;
  };
  memory::require_available(2.0 * bwd_weights_bytes(p), "the problem's tensors and the plan's workspace");
  auto s = std::make_shared<State>(State{Tensor({p.input_elems()}), Tensor({p.output_elems()}),
                                         Tensor({p.weight_elems()}), Tensor({p.bias_elems()}), nullptr});
  fill_reals(s->x.span(), 7 * 3 + 1);
  fill_reals(s->dy.span(), 7 * 3 + 3);
  s->plan = conv2d_bwd_weights_variant(variant).plan(p, o);
  TimedJob j;
  j.op = kConv2dBwdWeights;
  j.flops = static_cast<double>(p.flops());
  j.bytes = bwd_weights_bytes(p);
  j.work = j.flops;
  j.describe = s->plan->describe();
  j.call = [st = s.get()] { st->plan->run(st->x.span(), st->dy.span(), st->dw.span(), st->db.span()); };
  j.keep_alive = s;
  return j;
}

TimedJob pool_bwd_job(Pool2dParams p, std::string_view variant, const PlanOptions& o) {
  struct State {
    Tensor dy, dx;
    std::vector<int64_t> indices;
    std::unique_ptr<PoolBwdPlan> plan;
  };
  const PoolBwdVariant& v = pool2d_bwd_variant(variant);
  if (const Support s = pool2d_bwd_supports(v, p); !s) throw Error("variant", std::string(variant), s.reason);
  memory::require_available(2.0 * pool_bwd_bytes(p) + 4.0 * static_cast<double>(p.input_elems()),
                            "the problem's tensors, the forward's argmax and the plan's workspace");
  if (!p.is_avg()) p.indices = true;
  auto s = std::make_shared<State>(State{Tensor({p.output_elems()}), Tensor({p.input_elems()}), {}, nullptr});
  fill_reals(s->dy.span(), 7 * 3 + 3);
  if (!p.is_avg()) {  // the forward's argmax, from the reference forward
    const Tensor x = make_pool2d_input(p, DataMode::bounded, 7);
    s->indices.assign(static_cast<std::size_t>(p.output_elems()), 0);
    Tensor y({p.output_elems()});
    reference_pool2d(p, x.span(), y.span(), s->indices);
  }
  s->plan = v.plan(p, o);
  TimedJob j;
  j.op = kPool2dBwd;
  // One add per output (max), or a divide and a window of adds (avg).
  j.flops = static_cast<double>(p.output_elems()) * (p.is_avg() ? 1.0 + static_cast<double>(p.kh * p.kw) : 1.0);
  j.bytes = pool_bwd_bytes(p);
  j.work = j.bytes;
  j.counts_flops = false;
  j.describe = s->plan->describe();
  j.call = [st = s.get()] { st->plan->run(st->dy.span(), st->indices, st->dx.span()); };
  j.keep_alive = s;
  return j;
}

const char* const kOps[] = {kConv2d, kPool2d, kConv2dBwdData, kConv2dBwdWeights, kPool2dBwd};

std::string known_variants() {
  std::string known;
  for (const char* op : ops_of(Pass::all))
    for (std::string_view v : variant_names(op)) known += " " + std::string(op) + "/" + std::string(v);
  return known;
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

// --- passes and ops ---------------------------------------------------------------
Pass parse_pass(std::string_view text) {
  if (text == "fwd") return Pass::fwd;
  if (text == "bwd") return Pass::bwd;
  if (text == "all") return Pass::all;
  throw Error("pass", std::string(text.substr(0, 60)), "expected fwd, bwd or all");
}

const char* to_string(Pass p) {
  switch (p) {
    case Pass::fwd: return "fwd";
    case Pass::bwd: return "bwd";
    case Pass::all: return "all";
  }
  return "?";
}

const char* find_op(std::string_view op) {
  for (const char* o : kOps)
    if (op == o) return o;
  return nullptr;
}

bool is_backward_op(std::string_view op) { return op == kConv2dBwdData || op == kConv2dBwdWeights || op == kPool2dBwd; }

bool op_applies(std::string_view op, const Problem& p) {
  const bool conv_op = op == kConv2d || op == kConv2dBwdData || op == kConv2dBwdWeights;
  return conv_op == std::holds_alternative<Conv2dParams>(p) && find_op(op) != nullptr;
}

std::vector<const char*> ops_of(const Problem& p, Pass pass) {
  std::vector<const char*> out;
  for (const char* op : ops_of(pass))
    if (op_applies(op, p)) out.push_back(op);
  return out;
}

std::vector<const char*> ops_of(Pass pass) {
  std::vector<const char*> out;
  if (pass != Pass::bwd) out.insert(out.end(), {kConv2d, kPool2d});
  if (pass != Pass::fwd) out.insert(out.end(), {kConv2dBwdData, kConv2dBwdWeights, kPool2dBwd});
  return out;
}

std::vector<std::string_view> variant_names(std::string_view op) {
  std::vector<std::string_view> out;
  if (op == kConv2d)
    for (const auto* v : conv2d_variants()) out.push_back(v->name());
  else if (op == kPool2d)
    for (const auto* v : pool2d_variants()) out.push_back(v->name());
  else if (op == kConv2dBwdData)
    for (const auto* v : conv2d_bwd_data_variants()) out.push_back(v->name());
  else if (op == kConv2dBwdWeights)
    for (const auto* v : conv2d_bwd_weights_variants()) out.push_back(v->name());
  else if (op == kPool2dBwd)
    for (const auto* v : pool2d_bwd_variants()) out.push_back(v->name());
  else
    throw Error("op", std::string(op), "no such op (known: conv2d, pool2d, conv2d_bwd_data, conv2d_bwd_weights, pool2d_bwd)");
  return out;
}

Support supports(const Problem& p, std::string_view op, std::string_view variant) {
  if (!op_applies(op, p))
    throw Error("op", std::string(op), std::string("its variants do not run on a ") + op_name(p) + " shape");
  if (op == kConv2d || op == kPool2d) return supports(p, variant);
  if (op == kConv2dBwdData) return conv2d_bwd_data_variant(variant).supports(std::get<Conv2dParams>(p));
  if (op == kConv2dBwdWeights) return conv2d_bwd_weights_variant(variant).supports(std::get<Conv2dParams>(p));
  return pool2d_bwd_supports(pool2d_bwd_variant(variant), std::get<Pool2dParams>(p));
}

TimedJob make_timed_job(const Problem& p, std::string_view op, std::string_view variant, const PlanOptions& options) {
  if (!op_applies(op, p))
    throw Error("op", std::string(op), std::string("its variants do not run on a ") + op_name(p) + " shape");
  if (op == kConv2d || op == kPool2d) return make_timed_job(p, variant, options);
  if (op == kConv2dBwdData) return bwd_data_job(std::get<Conv2dParams>(p), variant, options);
  if (op == kConv2dBwdWeights) return bwd_weights_job(std::get<Conv2dParams>(p), variant, options);
  return pool_bwd_job(std::get<Pool2dParams>(p), variant, options);
}

// --- --variant names ----------------------------------------------------------------
bool VariantRef::matches(std::string_view o, std::string_view variant) const {
  if (variant != name) return false;
  if (op != nullptr) return o == op;
  return o == kConv2d || o == kPool2d;
}

VariantRef parse_variant_ref(std::string_view text) {
  VariantRef r;
  r.text = std::string(text);
  const std::size_t slash = text.find('/');
  bool known = false;
  if (slash == std::string_view::npos) {
    r.name = std::string(text);
    for (const char* op : {kConv2d, kPool2d})
      for (std::string_view v : variant_names(op)) known = known || v == text;
  } else {
    r.op = find_op(text.substr(0, slash));
    r.name = std::string(text.substr(slash + 1));
    if (r.op != nullptr)
      for (std::string_view v : variant_names(r.op)) known = known || v == r.name;
  }
  if (!known) throw Error("variant", r.text, "no such variant (known:" + known_variants() + ")");
  return r;
}

VariantSelection::VariantSelection(const std::vector<std::string>& names, Pass pass) : pass_(pass) {
  for (const auto& n : names) {
    refs_.push_back(parse_variant_ref(n));
    if (refs_.back().backward() && pass == Pass::fwd)
      throw Error("pass", "fwd", n + " is a backward variant: add --pass bwd (or --pass all)");
  }
}

bool VariantSelection::selects(std::string_view op, std::string_view variant) const {
  if (refs_.empty()) {
    const auto ops = ops_of(pass_);
    return std::find_if(ops.begin(), ops.end(), [&](const char* o) { return op == o; }) != ops.end();
  }
  for (const auto& r : refs_)
    if (r.matches(op, variant)) return true;
  return false;
}

std::vector<VariantSelection::Item> VariantSelection::on(const Problem& p) const {
  std::vector<Item> out;
  for (const char* op : ops_of(p, refs_.empty() ? pass_ : Pass::all))
    for (std::string_view v : variant_names(op))
      if (selects(op, v)) out.push_back({op, v});
  return out;
}

}  // namespace convlab
