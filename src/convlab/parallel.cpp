#include "convlab/parallel.hpp"

#include <string>

#include "convlab/error.hpp"

namespace convlab {

ThreadArena::ThreadArena(int threads) : threads_(threads) {
  if (threads < 1) throw Error("threads", std::to_string(threads), "must be >= 1");
  if (threads > 1) {
    arena_ = std::make_unique<tbb::task_arena>(threads);
    arena_->initialize();  // spin up the workers in plan(), not in the first run()
  }
}

}  // namespace convlab
