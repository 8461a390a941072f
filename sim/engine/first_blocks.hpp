// The first Philox block of many streams at once (engine machinery: the fast engine's
// per-person phases draw through it; sim/model/random.hpp defines the streams themselves).
#pragma once

#include <cstddef>
#include <cstdint>

#include "sim/model/random.hpp"

namespace percorsi {

// The first Philox block of the streams (entity, week, purpose) of up to kBatch entities,
// computed side by side in SIMD lanes (several times faster than one block at a time, whose
// ten rounds are a chain of dependent multiplications). Word j of entity ids[i]'s block is
// w[j][i]: exactly the first four words that Stream(rk, ids[i], week, purpose) gives. ids has
// kBatch entries (unused ones must still be initialised).
inline constexpr std::size_t kBatch = 64;
struct FirstBlocks {
  alignas(64) std::uint32_t w[4][kBatch];
  // Computes with the fastest version this processor runs (chosen once, at run time).
  void compute(const RunKey& rk, const std::uint32_t* ids, std::uint32_t week, Purpose purpose);
  // The versions, all giving the same words: a portable loop, AVX2 and AVX-512 intrinsics.
  enum class Simd { Portable, Avx2, Avx512 };
  static Simd best();
  static bool supported(Simd v);
  // The version compute() uses: best() unless use() chose another, process-wide (the tests pin
  // results for every version; results never depend on it).
  static Simd active();
  static void use(Simd v);
  static void use_best();
  // Computes with version v (the portable one where the processor lacks v; tests use this).
  void compute_with(Simd v, const RunKey& rk, const std::uint32_t* ids, std::uint32_t week, Purpose purpose);
};

// The stream of lane i of a batch: the same as Stream(rk, entity, week, purpose).
inline Stream batched_stream(const RunKey& rk, std::uint32_t entity, std::uint32_t week, Purpose purpose, const FirstBlocks& b,
                             std::size_t i) {
  return Stream(rk, entity, week, purpose, b.w[0][i], b.w[1][i], b.w[2][i], b.w[3][i]);
}

}  // namespace percorsi
