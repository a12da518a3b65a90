// convlab memory: question 3 — how much memory a small CNN needs for a batch
// of CIFAR-10 images, computed from the shapes (analytic) and measured by the
// counting allocator during a real forward pass through the lab's kernels.
#include <fmt/core.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/bounds.hpp"
#include "common.hpp"
#include "convlab/cache.hpp"
#include "convlab/error.hpp"
#include "convlab/memory.hpp"
#include "q3-memory/network.hpp"
#include "convlab/registry.hpp"
#include "convlab/train.hpp"
#include "table.hpp"

namespace convlab::cli {

namespace {

struct Options {
  std::vector<std::string> nets{"seed", "cifar"};
  int64_t batch = 32;
  std::string conv_variant = "parallel", pool_variant = "parallel";
  int threads = 0;  // 0: all hardware threads
  int reps = 5;
  bool sweep = false;
  std::string json_path;
};

std::string bytes(int64_t b) {
  if (b >= (int64_t(1) << 30)) return fmt::format("{:.2f} GiB", b / double(int64_t(1) << 30));
  if (b >= (1 << 20)) return fmt::format("{:.2f} MiB", b / double(1 << 20));
  if (b >= (1 << 10)) return fmt::format("{:.1f} KiB", b / 1024.0);
  return fmt::format("{} B", b);
}
std::string agree(int64_t a, int64_t m) { return a == m ? "=" : "DIFFERS"; }

int64_t machine_memory_bytes() {
  return static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
}

// Analytic peaks from the account and the plans' own reports (plan_bytes per layer).
struct Peaks {
  int64_t inference = 0, training = 0, training_step = 0;
  std::string inference_at;
};
Peaks analytic_peaks(const NetworkSpec& net, const std::vector<LayerAccount>& acc,
                     const std::vector<int64_t>& plan_bytes) {
  int64_t fixed = input_bytes(net);
  for (std::size_t i = 0; i < acc.size(); ++i) fixed += acc[i].parameter_bytes + plan_bytes[i];
  Peaks p;
  int64_t current = 0, kept = 0, worst = -1;  // current: newest activation other than the input
  for (const auto& a : acc) {
    if (a.activation_bytes == 0) continue;
    const int64_t live = fixed + current + a.activation_bytes;  // inference: input of this layer + its output
    if (live > worst) worst = live, p.inference_at = a.name;
    current = a.activation_bytes;
    kept += a.activation_bytes;
  }
  p.inference = std::max(worst, fixed);
  p.training = fixed + kept;
  // A training step adds the parameter gradients and, during backward, the
  // output gradients of two adjacent layers at most.
  int64_t param_grads = 0, pair = 0, prev = 0;
  for (const auto& a : acc) {
    param_grads += a.parameter_bytes;
    pair = std::max(pair, prev + a.activation_bytes);
    if (a.activation_bytes) prev = a.activation_bytes;
  }
  p.training_step = p.training + param_grads + pair;
  return p;
}

}  // namespace

void register_memory(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("memory", "Q3: memory of the seed and CIFAR CNNs, analytic and measured");
  auto o = std::make_shared<Options>();
  cmd->add_option("--net", o->nets, "seed, cifar (default: both)")->delimiter(',')->check(CLI::IsMember({"seed", "cifar"}));
  cmd->add_option("--batch", o->batch, "Batch size (default 32)")->check(cli::integer_in(1, int64_t{1} << 30));
  cmd->add_option("--variant", o->conv_variant, "conv2d variant for conv and linear layers (default parallel)");
  cmd->add_option("--pool-variant", o->pool_variant, "pool2d variant (default parallel)");
  cmd->add_option("--threads", o->threads, "Threads for the plans (default: all)")->check(cli::integer_in(0, cli::max_threads(), " (0: all; at most 4 x the hardware threads)"));
  cmd->add_option("--reps", o->reps, "Timed forward passes (default 5)")->check(cli::reps_range(0));
  cmd->add_flag("--sweep", o->sweep, "Also the analytic batch-size sweep 1..2^20");
  cmd->add_option("--json", o->json_path, "Write every figure as JSON here")->check(cli::writable_file());
  cmd->callback([o, &ctx] {
    PlanOptions opt;
    opt.threads = o->threads > 0 ? o->threads : static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
    nlohmann::json out = {{"batch", o->batch}, {"conv_variant", o->conv_variant},
                          {"pool_variant", o->pool_variant}, {"threads", opt.threads},
                          {"machine_memory_bytes", machine_memory_bytes()},
                          {"l2_bytes", cache_info().l2_bytes}, {"l3_bytes", cache_info().l3_bytes}};
    bool all_agree = true;
    for (const auto& name : o->nets) {
      const NetworkSpec net = network_by_name(name, o->batch);
      const auto acc = account(net);
      {
        // Refused before any allocation when it cannot fit: the training forward
        // (every activation kept), the parameters and the input, plus the
        // largest activation again as the plans' allowance (padded copies, columns).
        const Peaks kept = analytic_peaks(net, acc, std::vector<int64_t>(acc.size(), 0));
        int64_t largest = input_bytes(net);
        for (const auto& a : acc) largest = std::max(largest, a.activation_bytes);
        memory::require_available(static_cast<double>(kept.training) + static_cast<double>(largest),
                                  fmt::format("the {} CNN at batch {} (activations kept for training, "
                                              "parameters, and one activation for the plans)", name, o->batch));
      }

      // Each conv variant's plan memory per conv/linear layer: reported and measured.
      Table ws({"layer", "problem", "variant", "workspace", "packed weights", "counted", "agree"});
      nlohmann::json ws_json;
      {
        Shape shape = {net.batch, net.channels, net.height, net.width};
        for (std::size_t i = 0; i < net.layers.size(); ++i) {
          const LayerSpec& l = net.layers[i];
          if (l.kind == LayerKind::conv || l.kind == LayerKind::linear) {
            const Conv2dParams p = conv_problem(l, shape);
            Tensor w({p.weight_elems()}), b({p.bias_elems()});
            for (const auto* v : conv2d_variants()) {
              if (!v->supports(p)) continue;
              const int64_t before = memory::stats().current_bytes;
              auto plan = v->plan(p, w.span(), b.span(), opt);
              const int64_t counted = memory::stats().current_bytes - before;
              const int64_t reported = static_cast<int64_t>(plan->workspace_bytes() + plan->packed_weight_bytes());
              const bool ours = v->kind() != VariantKind::baseline;  // baselines allocate inside their library
              if (ours && counted != reported) all_agree = false;
              ws.add({acc[i].name, acc[i].problem, std::string(v->name()), bytes(static_cast<int64_t>(plan->workspace_bytes())),
                      bytes(static_cast<int64_t>(plan->packed_weight_bytes())), ours ? bytes(counted) : "(library)",
                      ours ? agree(reported, counted) : "-"});
              ws_json.push_back({{"layer", acc[i].name}, {"variant", v->name()}, {"kind", to_string(v->kind())},
                                 {"workspace_bytes", plan->workspace_bytes()},
                                 {"packed_weight_bytes", plan->packed_weight_bytes()}, {"counted_bytes", counted}});
            }
          }
          shape = acc[i].output;
        }
      }

      Network network(net, o->conv_variant, o->pool_variant, opt);
      const ForwardMeasure inf = network.forward(ForwardMode::inference, o->reps);
      const ForwardMeasure trn = network.forward(ForwardMode::training, 0);
      std::vector<int64_t> plan_reported;
      for (const auto& l : inf.layers) plan_reported.push_back(l.reported_plan_bytes);
      const Peaks peaks = analytic_peaks(net, acc, plan_reported);

      fmt::print("\n== {} CNN, batch {}, input {}x{}x{} ({}), {} / {} variants, {} threads\n", name, net.batch,
                 net.height, net.width, net.channels, bytes(input_bytes(net)), o->conv_variant, o->pool_variant,
                 opt.threads);
      Table t({"layer", "output", "activation", "measured", "params", "measured", "grads (train)", "plan mem",
               "plan measured", "time", "share"});
      nlohmann::json layers;
      int64_t act_sum = 0, param_sum = 0, mact_sum = 0, mparam_sum = 0;
      for (std::size_t i = 0; i < acc.size(); ++i) {
        const auto& a = acc[i];
        const auto& m = inf.layers[i];
        act_sum += a.activation_bytes, param_sum += a.parameter_bytes;
        mact_sum += m.activation_bytes, mparam_sum += m.parameter_bytes;
        const bool ok = a.activation_bytes == m.activation_bytes && a.parameter_bytes == m.parameter_bytes &&
                        m.plan_bytes == m.reported_plan_bytes;
        all_agree = all_agree && ok;
        t.add({a.name, to_string(a.output), bytes(a.activation_bytes), agree(a.activation_bytes, m.activation_bytes),
               bytes(a.parameter_bytes), agree(a.parameter_bytes, m.parameter_bytes), bytes(a.gradient_bytes),
               bytes(m.reported_plan_bytes), agree(m.reported_plan_bytes, m.plan_bytes),
               fmt::format("{:.1f} us", m.seconds * 1e6),
               inf.seconds > 0 ? fmt::format("{:.0f}%", 100 * m.seconds / inf.seconds) : "-"});
        layers.push_back({{"name", a.name}, {"kind", to_string(a.kind)}, {"problem", a.problem},
                          {"output", a.output}, {"activation_bytes", a.activation_bytes},
                          {"measured_activation_bytes", m.activation_bytes},
                          {"parameter_bytes", a.parameter_bytes}, {"measured_parameter_bytes", m.parameter_bytes},
                          {"gradient_bytes", a.gradient_bytes}, {"plan_bytes_reported", m.reported_plan_bytes},
                          {"plan_bytes_measured", m.plan_bytes}, {"flops", a.flops}, {"seconds", m.seconds},
                          {"live_after_inference", m.live_after}, {"live_after_training", trn.layers[i].live_after}});
      }
      fmt::print("{}", t.str());
      fmt::print("activations {} (measured {}), parameters {} (measured {})\n", bytes(act_sum), bytes(mact_sum),
                 bytes(param_sum), bytes(mparam_sum));
      fmt::print("peak, inference forward (activations freed once consumed): analytic {}, measured {} {} (reached at {})\n",
                 bytes(peaks.inference), bytes(inf.peak_bytes), agree(peaks.inference, inf.peak_bytes), inf.peak_layer);
      fmt::print("peak, training forward (activations kept for backward):   analytic {}, measured {} {} (reached at {})\n",
                 bytes(peaks.training), bytes(trn.peak_bytes), agree(peaks.training, trn.peak_bytes), trn.peak_layer);
      fmt::print("training step (analytic: + parameter gradients + two adjacent output gradients): {}\n",
                 bytes(peaks.training_step));
      all_agree = all_agree && peaks.inference == inf.peak_bytes && peaks.training == trn.peak_bytes;
      double conv_seconds = 0;  // the conv layers alone, what TinyTorch's 97 s figure times
      for (std::size_t i = 0; i < acc.size(); ++i)
        if (acc[i].kind == LayerKind::conv) conv_seconds += inf.layers[i].seconds;
      if (inf.seconds > 0) {
        fmt::print("forward pass: {:.3f} ms per batch of {} = {:.0f} images/s; its conv2d layers {:.3f} ms "
                   "(TinyTorch's NumPy conv2d: 97 s per CIFAR batch, {:.0f}x slower)\n",
                   inf.seconds * 1e3, net.batch, net.batch / inf.seconds, conv_seconds * 1e3, 97.0 / conv_seconds);
      }
      fmt::print("\nplan memory of every conv2d variant, per conv/linear layer:\n{}", ws.str());

      // A real training step (forward, backward, SGD with momentum) of the
      // trainer's network of this name (convlab/train.hpp; the seed one has a
      // ReLU after each conv), measured by the counting allocator, with and
      // without gradient checkpointing.
      TrainOptions timing;
      timing.threads = opt.threads;
      nlohmann::json steps = nlohmann::json::array();
      StepMemory plain_step;
      for (bool checkpoint : {false, true}) {
        const StepMemory sm = measure_training_step(name, net.batch, net.channels, net.height, net.width, checkpoint, timing);
        if (!checkpoint) plain_step = sm;
        all_agree = all_agree && sm.analytic == sm.measured;
        fmt::print("training step{}: analytic {}, measured {} {} (weights, gradients, momentum {}; kept activations {}; "
                   "argmax {}; gradient buffers {}; batch {}{}); {:.2f} ms per step\n",
                   checkpoint ? ", gradient checkpointing" : "", bytes(sm.analytic), bytes(sm.measured),
                   agree(sm.analytic, sm.measured), bytes(3 * sm.parameters), bytes(sm.activations), bytes(sm.indices),
                   bytes(sm.gradient_buffers), bytes(sm.batch_bytes),
                   checkpoint ? "; recomputed segment " + bytes(sm.recomputed) : std::string(), sm.step_seconds * 1e3);
        if (checkpoint)
          fmt::print("  checkpointing saves {} ({:.0f} %) for {:+.0f} % time per step (the conv layers run twice)\n",
                     bytes(plain_step.measured - sm.measured),
                     100.0 * double(plain_step.measured - sm.measured) / double(plain_step.measured),
                     100.0 * (sm.step_seconds / plain_step.step_seconds - 1.0));
        steps.push_back({{"checkpoint", checkpoint}, {"analytic", sm.analytic}, {"measured", sm.measured},
                         {"parameters_x3", 3 * sm.parameters}, {"activations", sm.activations},
                         {"recomputed", sm.recomputed}, {"indices", sm.indices},
                         {"gradient_buffers", sm.gradient_buffers}, {"batch", sm.batch_bytes},
                         {"step_seconds", sm.step_seconds}});
      }

      nlohmann::json netj = {{"name", name}, {"input_bytes", input_bytes(net)}, {"layers", layers},
                             {"activation_bytes", act_sum}, {"parameter_bytes", param_sum},
                             {"peak_inference", {{"analytic", peaks.inference}, {"measured", inf.peak_bytes}, {"at", inf.peak_layer}}},
                             {"peak_training_forward", {{"analytic", peaks.training}, {"measured", trn.peak_bytes}, {"at", trn.peak_layer}}},
                             {"training_step_bytes", peaks.training_step},
                             {"training_step_measured", steps},
                             {"forward_seconds", inf.seconds}, {"conv_seconds", conv_seconds},
                             {"variant_plans", ws_json}};
      if (o->sweep) {
        for (int64_t b = 1; b <= (int64_t(1) << 20); b *= 2) {
          const NetworkSpec nb = network_by_name(name, b);
          const auto ab = account(nb);
          // Plans scale with the batch only through per-image workspaces: rescale the measured ones.
          std::vector<int64_t> plan_b;
          for (std::size_t i = 0; i < ab.size(); ++i) plan_b.push_back(plan_reported[i]);
          const Peaks pb = analytic_peaks(nb, ab, plan_b);
          // One layer's input + output activations: what must stream through the
          // caches per layer (the weights are a separate, batch-independent term).
          int64_t largest_layer = 0;
          int64_t prev = input_bytes(nb);
          for (const auto& a : ab) {
            if (a.activation_bytes) {
              largest_layer = std::max(largest_layer, prev + a.activation_bytes);
              prev = a.activation_bytes;
            }
          }
          int64_t acts = 0;
          for (const auto& a : ab) acts += a.activation_bytes;
          netj["sweep"].push_back({{"batch", b}, {"inference_peak", pb.inference}, {"training_forward", pb.training},
                                   {"training_step", pb.training_step}, {"largest_layer_activations", largest_layer},
                                   {"activations", acts}});
        }
      }
      out["networks"].push_back(netj);
    }
    out["analytic_equals_measured"] = all_agree;
    if (!o->json_path.empty()) {
      std::ofstream f(o->json_path);
      if (!f) throw Error("json", o->json_path, "cannot write this file");
      f << out.dump(1) << "\n";
    }
    fmt::print("\nanalytic activation, parameter and plan bytes {} the counting allocator's\n",
               all_agree ? "equal" : "DIFFER FROM");
    if (!all_agree) ctx.exit_code = 1;
  });
}

}  // namespace convlab::cli
