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
#include <utility>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#if defined(__SANITIZE_THREAD__)
// Debian's libtbb is not instrumented: ThreadSanitizer cannot see that a
// parallel loop's body starts after the caller's writes and ends before the
// caller reads, so ThreadArena says so (the tsan preset).
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#define CONVLAB_TSAN_RELEASE(addr) __tsan_release(addr)
#define CONVLAB_TSAN_ACQUIRE(addr) __tsan_acquire(addr)
#else
#define CONVLAB_TSAN_RELEASE(addr) ((void)(addr))
#define CONVLAB_TSAN_ACQUIRE(addr) ((void)(addr))
#endif

namespace convlab::detail {
// The edges' address: a global, so that a worker reaches it without reading
// the loop's closure, which is what the edge has to order first.
inline char tsan_fork_join;
}  // namespace convlab::detail

namespace convlab {
// For code that calls tbb::parallel_for itself (the Q2 study's nested
// strategy): tsan_fork() before the loop, the body wrapped in tsan_body(),
// tsan_join() after it; no-ops outside the tsan preset.
inline void tsan_fork() { CONVLAB_TSAN_RELEASE(&detail::tsan_fork_join); }
inline void tsan_join() { CONVLAB_TSAN_ACQUIRE(&detail::tsan_fork_join); }
template <class Body>
auto tsan_body(const Body& body) {
  return [&body](auto&&... args) {
    CONVLAB_TSAN_ACQUIRE(&detail::tsan_fork_join);
    body(std::forward<decltype(args)>(args)...);
    CONVLAB_TSAN_RELEASE(&detail::tsan_fork_join);
  };
}
}  // namespace convlab

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
    CONVLAB_TSAN_RELEASE(&detail::tsan_fork_join);
    arena_->execute([&] {
      tbb::parallel_for(
          tbb::blocked_range<int64_t>(0, count, grain < 1 ? 1 : grain),
          [&](const tbb::blocked_range<int64_t>& r) {
            CONVLAB_TSAN_ACQUIRE(&detail::tsan_fork_join);
            body(r.begin(), r.end(), tbb::this_task_arena::current_thread_index());
            CONVLAB_TSAN_RELEASE(&detail::tsan_fork_join);
          },
          tbb::static_partitioner());
    });
    CONVLAB_TSAN_ACQUIRE(&detail::tsan_fork_join);
  }

 private:
  int threads_;
  std::unique_ptr<tbb::task_arena> arena_;
};

}  // namespace convlab
