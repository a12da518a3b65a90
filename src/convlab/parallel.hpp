// Exactly-N-threads parallel loops for plans, on oneTBB.
//
// A plan that parallelizes owns a ThreadArena built with the plan's thread
// count (the contract: threads are a plan parameter, and a parallel variant uses
// exactly that many). for_each splits [0, count) into chunks of `grain` with
// oneTBB's static partitioner. Determinism is the caller's half of the
// contract: body(begin, end) must write only outputs owned by its indices and
// never reduce across indices, so any split gives bitwise identical results.
#pragma once

#include <cstdint>
#include <memory>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

namespace convlab {

class ThreadArena {
 public:
  explicit ThreadArena(int threads);
  int threads() const { return threads_; }

  // body(int64_t begin, int64_t end) over [0, count) in chunks of at least
  // `grain` indices. Runs inline on the caller when one thread suffices.
  template <class Body>
  void for_each(int64_t count, int64_t grain, const Body& body) const {
    for_each_slot(count, grain, [&](int64_t begin, int64_t end, int) { body(begin, end); });
  }

  // The same, and body(begin, end, slot) learns its thread's slot in
  // [0, threads()): one thread at a time holds a slot, so a plan may keep
  // scratch memory per slot.
  template <class Body>
  void for_each_slot(int64_t count, int64_t grain, const Body& body) const {
    if (count <= 0) return;
    if (threads_ == 1 || count <= grain) {
      body(int64_t{0}, count, 0);
      return;
    }
    arena_->execute([&] {
      tbb::parallel_for(
          tbb::blocked_range<int64_t>(0, count, grain < 1 ? 1 : grain),
          [&](const tbb::blocked_range<int64_t>& r) {
            body(r.begin(), r.end(), tbb::this_task_arena::current_thread_index());
          },
          tbb::static_partitioner());
    });
  }

 private:
  int threads_;
  std::unique_ptr<tbb::task_arena> arena_;
};

}  // namespace convlab
