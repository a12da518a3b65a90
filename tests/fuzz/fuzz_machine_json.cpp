// Writes the input to a per-process temporary file and loads it with
// convlab::load_machine(path) (src/convlab/machine.hpp), then uses what it
// loaded as the tools do (peak, bandwidth, bandwidth_roof, to_json and back).
// convlab::Error naming "machine" is the clean rejection. A finding: any other
// exception (nlohmann's, std::out_of_range...), a crash, a leak, a UBSan report
// (a float-to-int conversion out of range), a hang.
#include <cstdint>
#include <string>

#include "convlab/error.hpp"
#include "convlab/machine.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fuzz::TempFile file("convlab-fuzz-machine", ".json");
  convlab::MachineInfo m;
  try {
    const auto written = file.write(data, size);
    m = convlab::load_machine(written.path);
  } catch (const convlab::Error& e) {
    if (e.field() != "machine")
      fuzz::finding("load_machine's Error names \"" + e.field() + "\", not \"machine\": " + e.what());
    return 0;
  } catch (...) {
    fuzz::unexpected_exception("load_machine");
  }
  try {
    for (int threads : {1, 2, m.hardware_threads}) {
      (void)m.peak(convlab::Isa::avx2, threads);
      (void)m.bandwidth(convlab::StreamKernel::triad, threads);
      (void)m.bandwidth_roof(threads, int64_t{1} << 20);
    }
    (void)convlab::MachineInfo::from_json(m.to_json());
  } catch (const convlab::Error& e) {
    fuzz::finding(std::string("a loaded description does not survive to_json/from_json: ") + e.what());
  } catch (...) {
    fuzz::unexpected_exception("MachineInfo (after load_machine)");
  }
  return 0;
}
