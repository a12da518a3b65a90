// One timed thing, whatever the op: a variant's plan on a problem, with the
// problem's generated inputs and an output. `convlab run` and the benchmark
// matrix both time these, so a problem becomes work, a unit and a call in one
// place, with no conv/pool twin branches in the callers.
//
// The backward pass (issue 18) is three more ops with their own lists
// (registry_backward.hpp): a conv2d shape has conv2d, conv2d_bwd_data and
// conv2d_bwd_weights variants, a pool2d shape pool2d and pool2d_bwd ones. A
// Pass (--pass fwd|bwd|all) says which of those lists a command walks.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "convlab/descriptor.hpp"
#include "convlab/variant.hpp"

namespace convlab {

struct TimedJob {
  const char* op = "";    // "conv2d", "pool2d", "conv2d_bwd_data", "conv2d_bwd_weights" or "pool2d_bwd"
  double flops = 0;       // per call
  double bytes = 0;       // compulsory traffic per call
  double work = 0;        // what the rate counts: flops (conv2d*) or bytes (pool2d*)
  bool counts_flops = true;
  std::string describe;   // the plan's own account of its choices (tiles, split...)
  std::function<void()> call;          // plan.run on the job's buffers: the timed call
  std::function<void()> compute_only;  // empty unless the plan splits out its computation
  std::shared_ptr<void> keep_alive;    // plan and buffers
};

// --- the forward (unchanged interface) ------------------------------------------
// The variants of the problem's op, in study order (baselines last).
std::vector<std::string_view> variant_names(const Problem& p);
// Whether `variant` (of the problem's op) takes the problem; no with a reason.
Support supports(const Problem& p, std::string_view variant);
// Plans `variant` on the problem (inputs generated in bounded mode) and wraps
// its run. Throws convlab::Error naming "variant" for an unknown name.
TimedJob make_timed_job(const Problem& p, std::string_view variant, const PlanOptions& options);

// --- passes and ops ---------------------------------------------------------------
enum class Pass { fwd, bwd, all };
// "fwd", "bwd" or "all"; anything else throws convlab::Error naming "pass".
Pass parse_pass(std::string_view text);
const char* to_string(Pass p);

// The five ops' names, forward first.
inline constexpr const char* kConv2d = "conv2d";
inline constexpr const char* kPool2d = "pool2d";
inline constexpr const char* kConv2dBwdData = "conv2d_bwd_data";
inline constexpr const char* kConv2dBwdWeights = "conv2d_bwd_weights";
inline constexpr const char* kPool2dBwd = "pool2d_bwd";

// The op named `op` (one of the five) as a static string, or nullptr.
const char* find_op(std::string_view op);
bool is_backward_op(std::string_view op);
// Whether op's variants run on this problem's kind (conv2d* on conv shapes, pool2d* on pool shapes).
bool op_applies(std::string_view op, const Problem& p);
// The ops a pass walks on this problem, forward first: conv2d | conv2d_bwd_data,
// conv2d_bwd_weights; pool2d | pool2d_bwd.
std::vector<const char*> ops_of(const Problem& p, Pass pass);
// Every op a pass walks, whatever the shape, in the same order.
std::vector<const char*> ops_of(Pass pass);
// The variants of one op's list, in study order. Throws convlab::Error naming "op" for an unknown op.
std::vector<std::string_view> variant_names(std::string_view op);

// Whether op's `variant` takes the problem; no with a reason (a pool2d_bwd on a
// relu1 shape: no, the fused ReLU's backward is not pooling's). Throws
// convlab::Error naming "variant" for an unknown name, "op" for an op that does
// not apply to the problem's kind.
Support supports(const Problem& p, std::string_view op, std::string_view variant);
// Plans op's `variant` on the problem (inputs generated in bounded mode) and
// wraps its run. The backward ops time their plan->run:
//   conv2d_bwd_data     run(dy, dx);            flops = the forward's flops(), PyTorch's convention
//   conv2d_bwd_weights  run(x, dy, dw, db);     flops = the forward's flops()
//   pool2d_bwd          run(dy, indices, dx);   work = compulsory bytes: dy + dx (+ 8 B of
//                       argmax per output for max, computed by the reference forward)
TimedJob make_timed_job(const Problem& p, std::string_view op, std::string_view variant,
                        const PlanOptions& options);

// --- --variant names ----------------------------------------------------------------
// One --variant item: a bare name is a forward variant (of either forward op:
// `naive` is conv2d's and pool2d's), "op/name" names op's variant, for any of
// the five ops ("conv2d_bwd_data/as_forward", "pool2d/naive").
struct VariantRef {
  std::string text;  // as given
  const char* op = nullptr;  // nullptr for a bare name
  std::string name;
  bool backward() const { return op != nullptr && is_backward_op(op); }
  // Whether it names op's `variant`.
  bool matches(std::string_view op, std::string_view variant) const;
};
// Throws convlab::Error naming "variant" (with every known name) when no list has it.
VariantRef parse_variant_ref(std::string_view text);

// What --pass and --variant select on each problem.
//   No names: every variant of the lists the pass walks (fwd: the forward's, as
//   always; bwd: the backward's; all: both).
//   Names: exactly the named variants, in list order; a bare name is a forward
//   variant in any pass (e.g. a forward baseline beside backward rows), a
//   backward name needs --pass bwd or all (else convlab::Error naming "pass").
class VariantSelection {
 public:
  VariantSelection(const std::vector<std::string>& names, Pass pass);
  struct Item {
    const char* op;
    std::string_view variant;  // the registry's own string
  };
  // The (op, variant) pairs to walk on p, ops in ops_of(p, Pass::all) order, variants in list order.
  std::vector<Item> on(const Problem& p) const;
  bool selects(std::string_view op, std::string_view variant) const;
  const std::vector<VariantRef>& refs() const { return refs_; }
  Pass pass() const { return pass_; }

 private:
  std::vector<VariantRef> refs_;
  Pass pass_;
};

}  // namespace convlab
