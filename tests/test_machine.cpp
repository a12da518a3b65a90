// The machine description that `convlab machine` writes and the benchmark
// matrix reads back: what it records, that the JSON round-trips, that bad
// files and options are rejected naming the field. No speed is asserted: a
// measurement only has to be a finite positive number.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "convlab/error.hpp"
#include "convlab/machine.hpp"

namespace convlab {
namespace {

std::string field_of(auto&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.field();
  }
  return "(no error)";
}

TEST(Machine, DescribesTopologyAndBuild) {
  const MachineInfo m = describe_machine();
  EXPECT_GE(m.hardware_threads, 1);
  EXPECT_GE(m.cores, 1);
  EXPECT_LE(m.cores, m.hardware_threads);
  EXPECT_GT(m.caches.l1d_bytes, 0);
  EXPECT_GT(m.caches.line_bytes, 0);
  EXPECT_FALSE(m.cpu_model.empty());
  EXPECT_FALSE(m.compiler.empty());
  EXPECT_FALSE(m.date.empty());
}

TEST(Machine, IdentityRecordsVendorFlagsAndPlacement) {
  const MachineInfo m = describe_machine();
  EXPECT_FALSE(m.identity.vendor.empty());
  EXPECT_GT(m.identity.family, 0);
  // Every CPU convlab runs on has SSE4.2, and the detected ISA's flags are listed.
  auto listed = [&](const char* flag) {
    return std::find(m.identity.isa_flags.begin(), m.identity.isa_flags.end(), flag) != m.identity.isa_flags.end();
  };
  EXPECT_TRUE(listed("sse4_2"));
  if (detected_isa() >= Isa::avx2) {
    EXPECT_TRUE(listed("avx2") && listed("fma"));
  }
  if (detected_isa() == Isa::avx512) {
    EXPECT_TRUE(listed("avx512f") && m.identity.os_avx512);
  }
  EXPECT_FALSE(m.identity.affinity.empty());
  EXPECT_FALSE(m.identity.placement.empty());
}

// The roof cannot lie only if the probe neither spills (chains and constants
// fit the register file) nor lets the FMA units wait (chains cover latency x
// ports), for every ISA pass, whatever this CPU runs.
TEST(FmaProbe, ChainsAndConstantsFitEachRegisterFileAndCoverLatency) {
  EXPECT_EQ(vector_registers(Isa::avx512), 32);
  EXPECT_EQ(vector_registers(Isa::avx2), 16);
  EXPECT_EQ(vector_registers(Isa::sse42), 16);
  for (Isa isa : {Isa::avx512, Isa::avx2, Isa::sse42}) {
    EXPECT_LE(fma_chains(isa) + kFmaConstants, vector_registers(isa)) << to_string(isa);
    EXPECT_GE(fma_chains(isa), kFmaLatencyTimesPorts) << to_string(isa);
  }
}

// A chain the result does not depend on is dead code the compiler may drop,
// and the FLOPs counted for it would be made up.
TEST(FmaProbe, ResultDependsOnEveryChainOfEveryIsaPass) {
  for (Isa isa : available_isas()) {
    std::vector<float> starts(static_cast<std::size_t>(fma_chains(isa)));
    for (std::size_t k = 0; k < starts.size(); ++k) starts[k] = 0.25f + 0.01f * static_cast<float>(k);
    const float base = fma_chains_result(isa, 16, starts);
    EXPECT_TRUE(std::isfinite(base)) << to_string(isa);
    for (std::size_t k = 0; k < starts.size(); ++k) {
      std::vector<float> changed = starts;
      changed[k] += 0.5f;
      EXPECT_NE(fma_chains_result(isa, 16, changed), base) << to_string(isa) << " chain " << k;
    }
  }
}

TEST(FmaProbe, WrongNumberOfStartsNamesTheField) {
  const std::vector<float> starts(3, 0.5f);
  EXPECT_EQ(field_of([&] { fma_chains_result(Isa::sse42, 1, starts); }), "starts");
}

TEST(Machine, SpreadIsMedianMinMax) {
  const Spread s = Spread::of({3.0, 1.0, 2.0, 10.0});
  EXPECT_DOUBLE_EQ(s.median, 2.5);
  EXPECT_DOUBLE_EQ(s.min, 1.0);
  EXPECT_DOUBLE_EQ(s.max, 10.0);
  EXPECT_EQ(s.samples.size(), 4u);
}

TEST(Machine, SmallMeasurementGivesEveryFigureAndRoundTrips) {
  MachineOptions o;
  o.reps = 2;
  o.fma_seconds = 0.01;
  o.threads = {1, 2};
  o.isas = {Isa::sse42};  // every CPU convlab runs on has it
  o.stream_elems = 1 << 16;
  o.sweep_bytes = {64 << 10};
  o.sweep_seconds = 0.001;
  int lines = 0;
  o.progress = [&](const std::string&) { ++lines; };
  const MachineInfo m = measure_machine(o);
  // FMA samples, stream samples, two allocation notes, one line per sweep point and kernel.
  EXPECT_EQ(lines, 2 * 2 + 2 * 2 * 2 + 2 + 2 * 2);
  for (int t : {1, 2}) {
    const auto peak = m.peak(Isa::sse42, t);
    ASSERT_TRUE(peak.has_value()) << t;
    EXPECT_TRUE(std::isfinite(peak->median) && peak->median > 0) << t;
    EXPECT_LE(peak->min, peak->median);
    EXPECT_LE(peak->median, peak->max);
    for (StreamKernel k : {StreamKernel::copy, StreamKernel::triad}) {
      const auto bw = m.bandwidth(k, t);
      ASSERT_TRUE(bw.has_value()) << to_string(k) << " " << t;
      EXPECT_TRUE(std::isfinite(bw->median) && bw->median > 0);
    }
  }
  EXPECT_FALSE(m.peak(Isa::sse42, 3).has_value());
  for (int t : {1, 2})
    for (const char* kernel : {"copy", "triad"}) {
      const auto& sizes = m.sweep_gbps.at(kernel).at(t);
      ASSERT_EQ(sizes.size(), 1u);
      EXPECT_EQ(sizes.begin()->first, 64 << 10);
      EXPECT_GT(sizes.begin()->second.median, 0);
    }
  EXPECT_EQ(m.stream_array_bytes, (1 << 16) * 4);

  const auto path = std::filesystem::temp_directory_path() / "convlab_test_machine.json";
  save_machine(m, path);
  const MachineInfo back = load_machine(path);
  std::filesystem::remove(path);
  EXPECT_EQ(back.cpu_model, m.cpu_model);
  EXPECT_EQ(back.identity.vendor, m.identity.vendor);
  EXPECT_EQ(back.identity.model, m.identity.model);
  EXPECT_EQ(back.identity.isa_flags, m.identity.isa_flags);
  EXPECT_EQ(back.identity.affinity, m.identity.affinity);
  EXPECT_EQ(back.hardware_threads, m.hardware_threads);
  EXPECT_EQ(back.caches.l2_bytes, m.caches.l2_bytes);
  EXPECT_EQ(back.reps, 2);
  for (int t : {1, 2}) {
    EXPECT_DOUBLE_EQ(back.peak(Isa::sse42, t)->median, m.peak(Isa::sse42, t)->median);
    EXPECT_DOUBLE_EQ(back.bandwidth(StreamKernel::triad, t)->max, m.bandwidth(StreamKernel::triad, t)->max);
    EXPECT_DOUBLE_EQ(*back.bandwidth_roof(t, 1024), *m.bandwidth_roof(t, 1024));
  }
}

// A pool whose data stays in a cache is compared with that cache's bandwidth:
// the best median on any working set at least as large, DRAM included.
TEST(Machine, BandwidthRoofIsTheBestOnWorkingSetsAtLeastAsLarge) {
  MachineInfo m;
  m.stream_gbps["copy"][1] = Spread::of({9.0});
  m.stream_gbps["triad"][1] = Spread::of({10.0});
  m.sweep_gbps["copy"][1][32 << 10] = Spread::of({100.0});
  m.sweep_gbps["triad"][1][32 << 10] = Spread::of({120.0});
  m.sweep_gbps["copy"][1][1 << 20] = Spread::of({50.0});
  m.sweep_gbps["triad"][1][(1 << 20) + 8] = Spread::of({40.0});
  EXPECT_DOUBLE_EQ(*m.bandwidth_roof(1, 1000), 120.0);          // fits the smallest set
  EXPECT_DOUBLE_EQ(*m.bandwidth_roof(1, 32 << 10), 120.0);      // exactly its size
  EXPECT_DOUBLE_EQ(*m.bandwidth_roof(1, (32 << 10) + 1), 50.0);  // larger than L1-sized sets
  EXPECT_DOUBLE_EQ(*m.bandwidth_roof(1, 64 << 20), 10.0);       // beyond the sweep: DRAM
  EXPECT_FALSE(m.bandwidth_roof(2, 1000).has_value());          // no figure at 2 threads
}

TEST(Machine, BadOptionsNameTheField) {
  MachineOptions o;
  o.reps = 0;
  EXPECT_EQ(field_of([&] { measure_machine(o); }), "reps");
  o.reps = 1;
  o.fma_seconds = 0;
  EXPECT_EQ(field_of([&] { measure_machine(o); }), "seconds");
  o.fma_seconds = 0.01;
  o.threads = {0};
  EXPECT_EQ(field_of([&] { measure_machine(o); }), "threads");
}

TEST(Machine, BadFilesNameTheMachineField) {
  EXPECT_EQ(field_of([] { load_machine("/nonexistent/convlab-machine.json"); }), "machine");
  const auto path = std::filesystem::temp_directory_path() / "convlab_test_bad_machine.json";
  for (const char* text : {"not json", "{\"other\": 1}", "{\"convlab_machine\": 1}"}) {
    std::ofstream(path) << text;
    EXPECT_EQ(field_of([&] { load_machine(path); }), "machine") << text;
  }
  std::filesystem::remove(path);
}

// Found by fuzzing the reader: nlohmann's get<int>() casts a float such as
// 1e300 out of range (undefined behaviour) and truncates 2^32 + 1 silently.
TEST(Machine, NumbersThatAreNotWholeOrDoNotFitAreRefused) {
  const auto path = std::filesystem::temp_directory_path() / "convlab_test_machine_numbers.json";
  for (const char* threads : {"1e300", "4294967297", "1.5", "-9223372036854775809"}) {
    std::ofstream(path) << R"({"convlab_machine":1,"cpu":{"model":"x","hardware_threads":)" << threads << "}}";
    try {
      load_machine(path);
      ADD_FAILURE() << threads << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.field(), "machine");
      EXPECT_NE(std::string(e.what()).find("hardware_threads"), std::string::npos) << e.what();
    }
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace convlab
