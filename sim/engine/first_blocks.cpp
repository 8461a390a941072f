// Philox4x32-10 for many counters at once (see FirstBlocks in sim/model/random.hpp). The rounds are
// written lane by lane over fixed-size arrays so that the compiler turns them into SIMD code;
// on x86-64, versions written with AVX2 and AVX-512 intrinsics run where the processor has
// them (chosen at run time). The words are the same on every processor (integer arithmetic
// only), and a test checks every version the processor can run against Random123's Philox4x32.
#include "sim/engine/first_blocks.hpp"

#include <atomic>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define PERCORSI_PHILOX_AVX2 1
#else
#define PERCORSI_PHILOX_AVX2 0
#endif

namespace percorsi {

namespace {
constexpr std::uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // Random123's PHILOX_M4x32_0/1
constexpr std::uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // PHILOX_W32_0/1 (key schedule)

// Portable version: four words per lane, rounds over all lanes (the compiler vectorizes what
// it can).
void philox_lanes(std::uint32_t k0, std::uint32_t k1, std::uint32_t (&c)[4][kBatch]) {
  for (int r = 0; r < 10; ++r) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      const std::uint64_t p0 = static_cast<std::uint64_t>(kM0) * c[0][i];
      const std::uint64_t p1 = static_cast<std::uint64_t>(kM1) * c[2][i];
      const std::uint32_t n0 = static_cast<std::uint32_t>(p1 >> 32) ^ c[1][i] ^ k0;
      const std::uint32_t n2 = static_cast<std::uint32_t>(p0 >> 32) ^ c[3][i] ^ k1;
      c[0][i] = n0;
      c[1][i] = static_cast<std::uint32_t>(p1);
      c[2][i] = n2;
      c[3][i] = static_cast<std::uint32_t>(p0);
    }
    k0 += kW0;
    k1 += kW1;
  }
}

#if PERCORSI_PHILOX_AVX2
// AVX2: eight lanes per register. _mm256_mul_epu32 multiplies the even 32-bit lanes into
// 64-bit products; the odd lanes are shifted down and multiplied the same way, and blends put
// the high and low halves back in lane order.
__attribute__((target("avx2"))) void philox_lanes_avx2(std::uint32_t k0, std::uint32_t k1, const std::uint32_t* ids,
                                                       std::uint32_t week, std::uint32_t purpose,
                                                       std::uint32_t (&c)[4][kBatch]) {
  const __m256i m0 = _mm256_set1_epi64x(kM0), m1 = _mm256_set1_epi64x(kM1);
  for (std::size_t i = 0; i < kBatch; i += 8) {
    // Counters (1, id, week, purpose), then the ten rounds in registers.
    __m256i x0 = _mm256_set1_epi32(1), x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ids + i));
    __m256i x2 = _mm256_set1_epi32(static_cast<int>(week)), x3 = _mm256_set1_epi32(static_cast<int>(purpose));
    std::uint32_t a = k0, b = k1;
    for (int r = 0; r < 10; ++r) {
      const __m256i e0 = _mm256_mul_epu32(x0, m0), o0 = _mm256_mul_epu32(_mm256_srli_epi64(x0, 32), m0);
      const __m256i e1 = _mm256_mul_epu32(x2, m1), o1 = _mm256_mul_epu32(_mm256_srli_epi64(x2, 32), m1);
      const __m256i lo0 = _mm256_blend_epi32(e0, _mm256_slli_epi64(o0, 32), 0xAA);
      const __m256i hi0 = _mm256_blend_epi32(_mm256_srli_epi64(e0, 32), o0, 0xAA);
      const __m256i lo1 = _mm256_blend_epi32(e1, _mm256_slli_epi64(o1, 32), 0xAA);
      const __m256i hi1 = _mm256_blend_epi32(_mm256_srli_epi64(e1, 32), o1, 0xAA);
      x0 = _mm256_xor_si256(_mm256_xor_si256(hi1, x1), _mm256_set1_epi32(static_cast<int>(a)));
      x1 = lo1;
      x2 = _mm256_xor_si256(_mm256_xor_si256(hi0, x3), _mm256_set1_epi32(static_cast<int>(b)));
      x3 = lo0;
      a += kW0;
      b += kW1;
    }
    _mm256_store_si256(reinterpret_cast<__m256i*>(&c[0][i]), x0);
    _mm256_store_si256(reinterpret_cast<__m256i*>(&c[1][i]), x1);
    _mm256_store_si256(reinterpret_cast<__m256i*>(&c[2][i]), x2);
    _mm256_store_si256(reinterpret_cast<__m256i*>(&c[3][i]), x3);
  }
}

// AVX-512: sixteen lanes per register, the whole batch in four registers side by side (the
// rounds of one register are a chain of dependent multiplications; interleaving four keeps
// the multipliers busy). Same arithmetic as the AVX2 version; the three-way exclusive or is
// one ternary-logic instruction.
// GCC 12 warns that the placeholder its AVX-512 headers use for "undefined" register contents
// is uninitialised (a known false positive); the warning is silenced for this function.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f"))) void philox_lanes_avx512(std::uint32_t k0, std::uint32_t k1, const std::uint32_t* ids,
                                                           std::uint32_t week, std::uint32_t purpose,
                                                           std::uint32_t (&c)[4][kBatch]) {
  constexpr std::size_t U = kBatch / 16;
  const __m512i m0 = _mm512_set1_epi64(kM0), m1 = _mm512_set1_epi64(kM1);
  __m512i x0[U], x1[U], x2[U], x3[U];
  for (std::size_t u = 0; u < U; ++u) {
    x0[u] = _mm512_set1_epi32(1);
    x1[u] = _mm512_loadu_si512(ids + 16 * u);
    x2[u] = _mm512_set1_epi32(static_cast<int>(week));
    x3[u] = _mm512_set1_epi32(static_cast<int>(purpose));
  }
  for (int r = 0; r < 10; ++r) {
    const __m512i ka = _mm512_set1_epi32(static_cast<int>(k0)), kb = _mm512_set1_epi32(static_cast<int>(k1));
    for (std::size_t u = 0; u < U; ++u) {
      const __m512i e0 = _mm512_mul_epu32(x0[u], m0), o0 = _mm512_mul_epu32(_mm512_srli_epi64(x0[u], 32), m0);
      const __m512i e1 = _mm512_mul_epu32(x2[u], m1), o1 = _mm512_mul_epu32(_mm512_srli_epi64(x2[u], 32), m1);
      const __m512i lo0 = _mm512_mask_blend_epi32(0xAAAA, e0, _mm512_slli_epi64(o0, 32));
      const __m512i hi0 = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(e0, 32), o0);
      const __m512i lo1 = _mm512_mask_blend_epi32(0xAAAA, e1, _mm512_slli_epi64(o1, 32));
      const __m512i hi1 = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(e1, 32), o1);
      x0[u] = _mm512_ternarylogic_epi32(hi1, x1[u], ka, 0x96);  // hi1 ^ x1 ^ ka
      x1[u] = lo1;
      x2[u] = _mm512_ternarylogic_epi32(hi0, x3[u], kb, 0x96);
      x3[u] = lo0;
    }
    k0 += kW0;
    k1 += kW1;
  }
  for (std::size_t u = 0; u < U; ++u) {
    _mm512_store_si512(&c[0][16 * u], x0[u]);
    _mm512_store_si512(&c[1][16 * u], x1[u]);
    _mm512_store_si512(&c[2][16 * u], x2[u]);
    _mm512_store_si512(&c[3][16 * u], x3[u]);
  }
}
#pragma GCC diagnostic pop
static_assert(kBatch % 16 == 0, "the AVX-512 version takes sixteen lanes at a time");
#endif
}  // namespace

FirstBlocks::Simd FirstBlocks::best() {
#if PERCORSI_PHILOX_AVX2
  static const Simd b = __builtin_cpu_supports("avx512f") ? Simd::Avx512
                        : __builtin_cpu_supports("avx2")  ? Simd::Avx2
                                                          : Simd::Portable;
  return b;
#else
  return Simd::Portable;
#endif
}

bool FirstBlocks::supported(Simd v) {
  return v == Simd::Portable || (v == Simd::Avx2 && best() != Simd::Portable) || (v == Simd::Avx512 && best() == Simd::Avx512);
}

namespace {
std::atomic<int> g_simd_choice{-1};  // -1: best()
}  // namespace

void FirstBlocks::use(Simd v) { g_simd_choice.store(static_cast<int>(v), std::memory_order_relaxed); }
void FirstBlocks::use_best() { g_simd_choice.store(-1, std::memory_order_relaxed); }
FirstBlocks::Simd FirstBlocks::active() {
  const int c = g_simd_choice.load(std::memory_order_relaxed);
  return c < 0 ? best() : static_cast<Simd>(c);
}

void FirstBlocks::compute(const RunKey& rk, const std::uint32_t* ids, std::uint32_t week, Purpose purpose) {
  compute_with(active(), rk, ids, week, purpose);
}

void FirstBlocks::compute_with(Simd v, const RunKey& rk, const std::uint32_t* ids, std::uint32_t week, Purpose purpose) {
  const auto pu = static_cast<std::uint32_t>(purpose);
#if PERCORSI_PHILOX_AVX2
  if (v == Simd::Avx512 && supported(v)) return philox_lanes_avx512(rk.key.v[0], rk.key.v[1], ids, week, pu, w);
  if (v == Simd::Avx2 && supported(v)) return philox_lanes_avx2(rk.key.v[0], rk.key.v[1], ids, week, pu, w);
#endif
  for (std::size_t i = 0; i < kBatch; ++i) {
    w[0][i] = 1;  // the first block of a Stream has draw counter 1
    w[1][i] = ids[i];
    w[2][i] = week;
    w[3][i] = pu;
  }
  philox_lanes(rk.key.v[0], rk.key.v[1], w);
}

}  // namespace percorsi
