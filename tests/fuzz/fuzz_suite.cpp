// Writes the input to a per-process temporary file and loads it with
// convlab::load_suite(path) (src/convlab/suite.hpp): a suite file, one
// descriptor per line, '#' comments. convlab::Error naming "suite" is the clean
// rejection. A finding: any other exception (or an Error naming another
// field), a crash, a leak, a UBSan report, a hang.
#include <cstdint>
#include <string>

#include "convlab/error.hpp"
#include "convlab/suite.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fuzz::TempFile file("convlab-fuzz-suite", ".txt");
  const auto written = file.write(data, size);
  try {
    const auto entries = convlab::load_suite(written.path.string());
    if (entries.empty()) fuzz::finding("load_suite accepted a suite with no entries");
  } catch (const convlab::Error& e) {
    if (e.field() != "suite") fuzz::finding("load_suite's Error names \"" + e.field() + "\", not \"suite\": " + e.what());
  } catch (...) {
    fuzz::unexpected_exception("load_suite");
  }
  return 0;
}
