// convlab train: the seed's CNN trained on Fashion-MNIST through the lab's
// own forward and backward variants (convlab/train.hpp), with a progress line
// every N batches, the test accuracy after each epoch, and a JSON of every
// figure plus its loss/accuracy curve as a PNG (scripts/plot-training).
#include <fmt/core.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "bounds.hpp"
#include "common.hpp"
#include "convlab/dataset.hpp"
#include "convlab/error.hpp"
#include "convlab/machine.hpp"
#include "convlab/train.hpp"

namespace convlab::cli {

namespace {

struct Options {
  TrainOptions train;
  std::string data;
  std::string json, png;
  bool profile = false;
};

nlohmann::json to_json(const TrainOptions& o, const TrainResult& r, const std::string& data) {
  nlohmann::json j = {{"net", o.net}, {"layers", r.layers}, {"parameters", r.parameters}, {"batch", o.batch},
                      {"epochs_run", o.epochs}, {"lr", o.lr}, {"lr_decay", o.lr_decay}, {"momentum", o.momentum}, {"seed", o.seed},
                      {"threads", o.threads}, {"data", data}, {"cpu", describe_machine().cpu_model},
                      {"variants", {{"conv2d", o.conv}, {"conv2d_bwd_data", o.bwd_data},
                                    {"conv2d_bwd_weights", o.bwd_weights}, {"pool2d", "interior_edge (idx1)"},
                                    {"pool2d_bwd", "naive"}}}};
  for (const EpochRecord& e : r.epochs)
    j["epochs"].push_back({{"epoch", e.epoch}, {"train_loss", e.train_loss}, {"train_accuracy", e.train_accuracy},
                           {"test_loss", e.test_loss}, {"test_accuracy", e.test_accuracy}, {"seconds", e.seconds},
                           {"images_per_second", e.images_per_second}});
  for (const auto& [what, seconds] : r.profile) j["profile_seconds"][what] = seconds;
  for (const TrainProgress& p : r.curve)
    j["curve"].push_back({{"epoch", p.epoch}, {"batch", p.batch}, {"batches", p.batches}, {"loss", p.loss},
                          {"accuracy", p.accuracy}, {"images_per_second", p.images_per_second}});
  return j;
}

}  // namespace

void register_train(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("train", "Train the seed CNN on Fashion-MNIST through the lab's kernels");
  auto o = std::make_shared<Options>();
  TrainOptions& t = o->train;
  cmd->add_option("--net", t.net, "seed (TinyTorch's spatial CNN, default) or cifar (the CIFAR milestone's, one channel)")
      ->check(CLI::IsMember({"seed", "cifar"}));
  cmd->add_option("--epochs", t.epochs, "Epochs (default 5)")->check(cli::integer_in(1, 1000));
  cmd->add_option("--batch", t.batch, "Batch size (default 32)")->check(cli::integer_in(1, 65536));
  cmd->add_option("--lr", t.lr, "SGD learning rate (default 0.01)")->check(CLI::Range(1e-9, 10.0));
  cmd->add_option("--momentum", t.momentum, "SGD momentum (default 0.9)")->check(CLI::Range(0.0, 0.999));
  cmd->add_option("--lr-decay", t.lr_decay, "Multiply the learning rate by this after every epoch (default 0.7; 1: constant)")
      ->check(CLI::Range(1e-6, 1.0));
  cmd->add_option("--seed", t.seed, "Seed of the initial weights and the data order (default 1)");
  cmd->add_option("--threads", t.threads, "Threads for every plan (default 1)")->check(threads_range());
  cmd->add_option("--train-images", t.train_images, "Train on the first N images only (default: all 60,000)")
      ->check(cli::integer_in(1, 1 << 30));
  cmd->add_option("--test-images", t.test_images, "Evaluate on the first N test images only (default: all 10,000)")
      ->check(cli::integer_in(1, 1 << 30));
  cmd->add_option("--progress-every", t.progress_every, "Batches between progress lines (default 200; 0: none)")
      ->check(cli::integer_in(0, 1 << 30));
  cmd->add_option("--conv", t.conv, "conv2d forward variant (default best)");
  cmd->add_option("--bwd-data", t.bwd_data, "conv2d_bwd_data variant (default phases; reference: the oracle)");
  cmd->add_option("--bwd-weights", t.bwd_weights, "conv2d_bwd_weights variant (default gemm; reference: the oracle)");
  cmd->add_option("--data", o->data, "Fashion-MNIST's folder (default: $CONVLAB_FASHION_MNIST or Debian's "
                                     "/usr/share/datasets/fashion-mnist; scripts/setup installs it)");
  cmd->add_flag("--profile", o->profile, "Print the seconds per layer and phase (forward, plans, backward, update)");
  cmd->add_option("--json", o->json, "Write every figure and the curve as JSON here")->check(writable_file());
  cmd->add_option("--png", o->png, "Plot the loss/accuracy curve here (needs --json)")->check(writable_file());
  cmd->callback([o, &ctx] {
    if (!o->png.empty() && o->json.empty()) throw Error("png", o->png, "needs --json (the plot reads it)");
    const auto dir = o->data.empty() ? fashion_mnist_dir() : std::filesystem::path(o->data);
    if (std::error_code ec; !std::filesystem::is_directory(dir, ec))
      throw Error("data", dir.string(), o->data.empty() ? "no such folder (scripts/setup installs Debian's "
                                                          "dataset-fashion-mnist there; --data names another)"
                                                        : "no such folder");
    const LabelledImages train_set = load_fashion_mnist(dir, true), test_set = load_fashion_mnist(dir, false);
    const TrainOptions& t = o->train;
    fmt::print("Fashion-MNIST from {}: {} training, {} test images of {}x{}\n", dir.string(), train_set.count,
               test_set.count, train_set.rows, train_set.cols);
    fmt::print("net {}: {}\nbatch {}, {} epochs, SGD lr {} (x{} per epoch) momentum {}, seed {}, {} thread(s) on {}\n",
               t.net, describe_net(t.net, train_set.rows, train_set.cols), t.batch, t.epochs, t.lr, t.lr_decay,
               t.momentum, t.seed, t.threads, describe_machine().cpu_model);
    std::fflush(stdout);
    const TrainResult r = train(train_set, test_set, t, [](const TrainProgress& p) {
      fmt::print("epoch {} batch {:>5}/{}: loss {:.4f}, accuracy {:5.1f} %, {:.0f} images/s\n", p.epoch, p.batch,
                 p.batches, p.loss, 100 * p.accuracy, p.images_per_second);
      std::fflush(stdout);
    });
    for (const EpochRecord& e : r.epochs)
      fmt::print("epoch {}: train loss {:.4f} accuracy {:.2f} % ({:.1f} s, {:.0f} images/s); test loss {:.4f} "
                 "accuracy {:.2f} %\n",
                 e.epoch, e.train_loss, 100 * e.train_accuracy, e.seconds, e.images_per_second, e.test_loss,
                 100 * e.test_accuracy);
    if (o->profile) {
      double total = 0;
      for (const auto& [what, seconds] : r.profile) total += seconds;
      fmt::print("\nwhere the time went (every epoch, training and evaluation; layer, kind, phase):\n");
      for (const auto& [what, seconds] : r.profile)
        fmt::print("  {:<40} {:8.2f} s {:5.1f} %\n", what, seconds, 100 * seconds / total);
    }
    if (!o->json.empty()) {
      std::ofstream(o->json) << to_json(t, r, dir.string()).dump(1) << "\n";
      fmt::print("wrote {}\n", o->json);
    }
    if (!o->png.empty()) {
      const std::string cmd = fmt::format("/usr/bin/python3 '{}/scripts/plot-training' '{}' '{}'",
                                          CONVLAB_SOURCE_DIR, o->json, o->png);
      if (std::system(cmd.c_str()) != 0) throw Error("png", o->png, "the plot failed (scripts/plot-training)");
      fmt::print("wrote {}\n", o->png);
    }
    ctx.exit_code = 0;
  });
}

}  // namespace convlab::cli
