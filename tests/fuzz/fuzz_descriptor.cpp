// Feeds the input, as one descriptor string, to convlab::parse_labeled_problem
// and parse_problem (src/convlab/descriptor.hpp). convlab::Error is the clean
// rejection. A finding: any other exception, a crash, a leak, a UBSan report,
// a hang; and, for an accepted descriptor, a broken promise of descriptor.hpp:
// parse(format(p, label)) must give back p and the label.
#include <cstdint>
#include <string>
#include <string_view>

#include "convlab/descriptor.hpp"
#include "convlab/error.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  convlab::LabeledProblem lp;
  try {
    lp = convlab::parse_labeled_problem(text);
  } catch (const convlab::Error&) {
    return 0;
  } catch (...) {
    fuzz::unexpected_exception("parse_labeled_problem");
  }
  // Accepted: parse_problem agrees, and the canonical form round-trips.
  std::string canonical;
  try {
    if (convlab::parse_problem(text) != lp.problem)
      fuzz::finding("parse_problem and parse_labeled_problem disagree");
    canonical = convlab::format_descriptor(lp.problem, lp.label);
    const convlab::LabeledProblem again = convlab::parse_labeled_problem(canonical);
    if (again.problem != lp.problem || again.label != lp.label)
      fuzz::finding("round trip changed the problem: \"" + canonical + "\" parses to \"" +
                    convlab::format_descriptor(again.problem, again.label) + "\"");
  } catch (const convlab::Error& e) {
    fuzz::finding("an accepted descriptor's canonical form \"" + canonical +
                  "\" is rejected: " + e.what());
  } catch (...) {
    fuzz::unexpected_exception("parse_problem/format_descriptor");
  }
  return 0;
}
