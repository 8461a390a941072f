// The fork-join loops of the program (a world's blocks of persons, a run's tasks): oneTBB's
// parallel_for, and what ThreadSanitizer needs to know about it. Debian's libtbb is not
// instrumented, so TSan does not see that everything written before a loop happens before its
// bodies, and that the bodies happen before what follows the loop (TBB's spawn and join). In the
// ThreadSanitizer build (PERCORSI_TSAN, tools/tsan.sh) each loop says so with two sync objects:
// the fork's, released before the loop starts and acquired by every body call, and the loop's
// join, released by every body call and acquired after the loop. Bodies never acquire the join's
// releases, so a race between two bodies of one loop is still reported. Elsewhere the annotations
// are empty: the same loops, the same results.
#pragma once

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_group.h>

#include <concepts>

#if defined(PERCORSI_TSAN)
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
extern "C" void AnnotateIgnoreReadsBegin(const char* file, int line);
extern "C" void AnnotateIgnoreReadsEnd(const char* file, int line);
#endif

namespace percorsi::parallel {

class ForkJoin {
 public:
#if defined(PERCORSI_TSAN)
  // The fork edge goes through one object of the program, not one per loop: a worker must acquire
  // it before it reads anything of the loop (even the body's captures, which live on the forking
  // thread's stack). The join edge is the loop's own.
  static void fork() { __tsan_release(&fork_); }
  static void enter() { __tsan_acquire(&fork_); }
  // The body's captures are read from TBB's copy of it, which the thread that split the range
  // wrote into a task another thread may run: a handoff inside libtbb, and nothing of ours.
  static void captures_begin() { AnnotateIgnoreReadsBegin(__FILE__, __LINE__); }
  static void captures_end() { AnnotateIgnoreReadsEnd(__FILE__, __LINE__); }
  void leave() const { __tsan_release(&join_); }
  void joined() const { __tsan_acquire(&join_); }

 private:
  static inline char fork_ = 0;
  mutable char join_ = 0;
#else
  static void fork() {}
  static void enter() {}
  static void captures_begin() {}
  static void captures_end() {}
  void leave() const {}
  void joined() const {}
#endif
};

// One body call of the loop: the fork acquired, the body's captures read (from TBB's copy of the
// body), then f(x) and the join's release.
#define PERCORSI_PARALLEL_BODY(X)              \
  {                                            \
    ForkJoin::enter();                         \
    ForkJoin::captures_begin();                \
    const auto* const captured_f = &f;         \
    const ForkJoin* const captured_fj = &fj;   \
    ForkJoin::captures_end();                  \
    (*captured_f)(X);                          \
    captured_fj->leave();                      \
  }

// f(i) for every i in [first, last), in parallel (tbb::parallel_for).
template <std::integral Index, class F>
void parallel_for(Index first, Index last, const F& f) {
  const ForkJoin fj;
  const auto body = [&](Index i) PERCORSI_PARALLEL_BODY(i);
  ForkJoin::fork();
  tbb::parallel_for(first, last, body);
  fj.joined();
}
template <std::integral Index, class F>
void parallel_for(Index first, Index last, const F& f, tbb::task_group_context& context) {
  const ForkJoin fj;
  const auto body = [&](Index i) PERCORSI_PARALLEL_BODY(i);
  ForkJoin::fork();
  tbb::parallel_for(first, last, body, context);
  fj.joined();
}
// f(r) for the sub-ranges r of `range`, in parallel.
template <class Range, class F>
void parallel_for(const Range& range, const F& f, tbb::task_group_context& context) {
  const ForkJoin fj;
  const auto body = [&](const Range& r) PERCORSI_PARALLEL_BODY(r);
  ForkJoin::fork();
  tbb::parallel_for(range, body, context);
  fj.joined();
}

#undef PERCORSI_PARALLEL_BODY

}  // namespace percorsi::parallel
