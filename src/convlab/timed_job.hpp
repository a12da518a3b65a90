// One timed thing, whatever the op: a variant's plan on a problem, with the
// problem's generated inputs and an output. `convlab run` and the benchmark
// matrix both time these, so a problem becomes work, a unit and a call in one
// place, with no conv/pool twin branches in the callers.
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
  const char* op = "";    // "conv2d" or "pool2d"
  double flops = 0;       // per call
  double bytes = 0;       // compulsory traffic per call
  double work = 0;        // what the rate counts: flops (conv2d) or bytes (pool2d)
  bool counts_flops = true;
  std::string describe;   // the plan's own account of its choices (tiles, split...)
  std::function<void()> call;          // plan.run on the job's buffers: the timed call
  std::function<void()> compute_only;  // empty unless the plan splits out its computation
  std::shared_ptr<void> keep_alive;    // plan and buffers
};

// The variants of the problem's op, in study order (baselines last).
std::vector<std::string_view> variant_names(const Problem& p);
// Whether `variant` (of the problem's op) takes the problem; no with a reason.
Support supports(const Problem& p, std::string_view variant);
// Plans `variant` on the problem (inputs generated in bounded mode) and wraps
// its run. Throws convlab::Error naming "variant" for an unknown name.
TimedJob make_timed_job(const Problem& p, std::string_view variant, const PlanOptions& options);

}  // namespace convlab
