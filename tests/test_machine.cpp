// The machine description that `convlab machine` writes and the benchmark
// matrix reads back: what it records, that the JSON round-trips, that bad
// files and options are rejected naming the field. No speed is asserted: a
// measurement only has to be a finite positive number.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

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
  int lines = 0;
  o.progress = [&](const std::string&) { ++lines; };
  const MachineInfo m = measure_machine(o);
  EXPECT_EQ(lines, 2 * 2 + 2 * 2 * 2 + 2);  // FMA samples, stream samples, two allocation notes
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
  EXPECT_EQ(m.stream_array_bytes, (1 << 16) * 4);

  const auto path = std::filesystem::temp_directory_path() / "convlab_test_machine.json";
  save_machine(m, path);
  const MachineInfo back = load_machine(path);
  std::filesystem::remove(path);
  EXPECT_EQ(back.cpu_model, m.cpu_model);
  EXPECT_EQ(back.hardware_threads, m.hardware_threads);
  EXPECT_EQ(back.caches.l2_bytes, m.caches.l2_bytes);
  EXPECT_EQ(back.reps, 2);
  for (int t : {1, 2}) {
    EXPECT_DOUBLE_EQ(back.peak(Isa::sse42, t)->median, m.peak(Isa::sse42, t)->median);
    EXPECT_DOUBLE_EQ(back.bandwidth(StreamKernel::triad, t)->max, m.bandwidth(StreamKernel::triad, t)->max);
  }
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

}  // namespace
}  // namespace convlab
