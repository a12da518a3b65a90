// convlab machine [--json FILE] [--reps N] [--seconds S] [--threads 1,2] [--isa avx512,...] [--quick]
//   Measures the roofs every other figure is compared with (see
//   src/convlab/machine.hpp): the fp32 FMA peak per ISA and thread count, the
//   STREAM copy/triad bandwidth per thread count, plus the topology, caches
//   and build. Prints a summary; --json writes the machine description that
//   the benchmark matrix (bench/), the plots and the report read back.
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <thread>
#include <map>

#include "bounds.hpp"
#include "common.hpp"
#include "convlab/error.hpp"
#include "convlab/machine.hpp"
#include "table.hpp"

namespace convlab::cli {

namespace {

struct Options {
  std::string json;
  int reps = 7;
  double seconds = 0.2;
  std::vector<int> threads;
  std::vector<std::string> isas;
  bool quick = false;
  bool no_stream = false;
};

std::string mib(int64_t bytes) {
  if (bytes >= (int64_t(1) << 20)) return fmt::format("{} MiB", bytes >> 20);
  return fmt::format("{} KiB", bytes >> 10);
}

std::string spread(const Spread& s) {
  return fmt::format("{:.1f} ({:.1f}-{:.1f})", s.median, s.min, s.max);
}

void print_summary(const MachineInfo& m) {
  fmt::print("CPU        {}\n", m.cpu_model);
  const CpuIdentity& id = m.identity;
  std::string flags, cpus;
  for (const auto& f : id.isa_flags) flags += (flags.empty() ? "" : " ") + f;
  for (int c : id.affinity) cpus += (cpus.empty() ? "" : ",") + std::to_string(c);
  fmt::print("identity   {} family {} model {} stepping {}; OS enables AVX-512 state: {}, AMX: {}\n",
             id.vendor, id.family, id.model, id.stepping, id.os_avx512 ? "yes" : "no", id.os_amx ? "yes" : "no");
  fmt::print("ISA flags  {}\n", flags);
  fmt::print("placement  CPUs {}; {}\n", cpus, id.placement);
  fmt::print("topology   {} hardware threads, {} cores, {} package{}\n", m.hardware_threads, m.cores,
             m.packages, m.packages == 1 ? "" : "s");
  fmt::print("caches     L1d {}, L2 {}, L3 {}, line {} B (from {})\n", mib(m.caches.l1d_bytes),
             mib(m.caches.l2_bytes), mib(m.caches.l3_bytes), m.caches.line_bytes, m.caches.source);
  fmt::print("build      {} {}, baseline flags {}\n", m.compiler, m.build_type, m.baseline_flags);
  fmt::print("measured   {}, medians of {} samples (min-max)\n\n", m.date, m.reps);

  if (!m.fma_gflops.empty()) {
    fmt::print("fp32 FMA peak, GFLOP/s (independent chains per thread: avx512 {}, avx2/sse42 {}, the register\n"
               "file less {} constants; {:.2f} s per sample; sse42 has no FMA: mul + add):\n",
               fma_chains(Isa::avx512), fma_chains(Isa::avx2), kFmaConstants, m.fma_seconds);
    std::vector<std::string> header = {"isa"};
    for (const auto& [t, s] : m.fma_gflops.begin()->second) header.push_back(fmt::format("{} thr", t));
    Table t(header);
    for (Isa isa : available_isas()) {
      const auto it = m.fma_gflops.find(to_string(isa));
      if (it == m.fma_gflops.end()) continue;
      std::vector<std::string> row = {to_string(isa)};
      for (const auto& [threads, s] : it->second) row.push_back(spread(s));
      t.add(row);
    }
    fmt::print("{}\n", t.str());
  }
  if (!m.stream_gbps.empty()) {
    fmt::print("streaming bandwidth, GB/s (3 arrays of {}; copy counts 8 B/element, triad 12):\n",
               mib(m.stream_array_bytes));
    std::vector<std::string> header = {"kernel"};
    for (const auto& [t, s] : m.stream_gbps.begin()->second) header.push_back(fmt::format("{} thr", t));
    Table t(header);
    for (const auto& [kernel, per] : m.stream_gbps) {
      std::vector<std::string> row = {kernel};
      for (const auto& [threads, s] : per) row.push_back(spread(s));
      t.add(row);
    }
    fmt::print("{}", t.str());
  }
  if (!m.sweep_gbps.empty()) {
    // Best of copy and triad per working set: the roof of a kernel whose data is that large.
    std::map<int64_t, std::map<int, double>> best;
    for (const auto& [kernel, per_threads] : m.sweep_gbps)
      for (const auto& [threads, sizes] : per_threads)
        for (const auto& [bytes, s] : sizes) best[bytes][threads] = std::max(best[bytes][threads], s.median);
    fmt::print("\nbandwidth by working set, GB/s (best of copy and triad medians; the roof of a kernel\n"
               "that moves that many bytes per call):\n");
    std::vector<std::string> header = {"working set"};
    for (const auto& [threads, g] : best.begin()->second) header.push_back(fmt::format("{} thr", threads));
    Table t(header);
    for (const auto& [bytes, per] : best) {
      std::vector<std::string> row = {mib(bytes)};
      for (const auto& [threads, g] : per) row.push_back(fmt::format("{:.1f}", g));
      t.add(row);
    }
    fmt::print("{}", t.str());
  }
}

}  // namespace

void register_machine(CLI::App& app, Context&) {
  auto* cmd = app.add_subcommand("machine", "Measure the FMA peak and streaming bandwidth; describe the machine");
  auto o = std::make_shared<Options>();
  cmd->add_option("--json", o->json, "Also write the machine description (JSON) to this file")->check(writable_file());
  cmd->add_option("--reps", o->reps, "Samples per figure (default 7)")->check(reps_range());
  cmd->add_option("--seconds", o->seconds, "Seconds per FMA sample (default 0.2)")->check(seconds_range());
  cmd->add_option("--threads", o->threads, fmt::format("Thread counts (default here: 1..{}, every count up to the hardware threads)", std::max(1u, std::thread::hardware_concurrency())))
      ->delimiter(',')
      ->check(threads_range());
  cmd->add_option("--isa", o->isas, fmt::format("Instruction sets (default here: every one this CPU runs, up to {})", to_string(detected_isa())))->delimiter(',');
  cmd->add_flag("--quick", o->quick, "5 samples of 0.1 s (about a third of the default time)");
  cmd->add_flag("--no-stream", o->no_stream, "Skip the streaming bandwidth");
  cmd->callback([o] {
    MachineOptions mo;
    mo.reps = o->quick ? 5 : o->reps;
    mo.fma_seconds = o->quick ? 0.1 : o->seconds;
    mo.threads = o->threads;
    for (const auto& name : o->isas) mo.isas.push_back(parse_isa(name));
    mo.stream = !o->no_stream;
    // On a terminal one line, rewritten per sample; in a log (CONVLAB_PROGRESS=1) a line each.
    const bool tty = isatty(STDERR_FILENO) != 0;
    if (progress_enabled())
      mo.progress = [tty](const std::string& line) {
        if (tty) fmt::print(stderr, "\r\033[K{}", line);
        else fmt::print(stderr, "{}\n", line);
      };
    const MachineInfo m = measure_machine(mo);
    if (progress_enabled() && tty) fmt::print(stderr, "\n");
    print_summary(m);
    if (!o->json.empty()) {
      save_machine(m, o->json);
      fmt::print("\nwrote {}\n", o->json);
    }
  });
}

}  // namespace convlab::cli
