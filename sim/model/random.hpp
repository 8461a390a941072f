// Counter-based random streams (common random numbers). Every draw is a pure function of
// (seed, replicate, entity id, week, purpose): a Random123 Philox4x32 engine keyed by
// (seed, replicate) with the counter (draw, entity, week, purpose), feeding Boost.Random
// distributions. No generator is shared between threads, none lives across weeks.
#pragma once

#include <Random123/philox.h>

#include <boost/random/normal_distribution.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>

namespace percorsi {

// What a draw is for: the table sim/model/purposes.def (numbers written out, never renumbered).
enum class Purpose : std::uint32_t {
#define PURPOSE(name, number, meaning) name = number,
#define RETIRED(number)
#include "sim/model/purposes.def"
#undef PURPOSE
#undef RETIRED
};

// Every purpose of the table, with its name and meaning.
struct PurposeInfo {
  Purpose purpose;
  const char* name;
  const char* meaning;
};
inline constexpr PurposeInfo kPurposes[] = {
#define PURPOSE(name, number, meaning) {Purpose::name, #name, meaning},
#define RETIRED(number)
#include "sim/model/purposes.def"
#undef PURPOSE
#undef RETIRED
};
inline constexpr std::uint32_t kRetiredPurposes[] = {
#define PURPOSE(name, number, meaning)
#define RETIRED(number) number,
#include "sim/model/purposes.def"
#undef PURPOSE
#undef RETIRED
};
// No two purposes share a number, and none takes a retired one (their draws would be the same).
consteval bool purposes_distinct() {
  for (std::size_t i = 0; i < std::size(kPurposes); ++i) {
    const auto a = static_cast<std::uint32_t>(kPurposes[i].purpose);
    for (std::size_t j = i + 1; j < std::size(kPurposes); ++j)
      if (a == static_cast<std::uint32_t>(kPurposes[j].purpose)) return false;
    for (std::uint32_t r : kRetiredPurposes)
      if (a == r) return false;
  }
  return true;
}
static_assert(purposes_distinct(), "sim/model/purposes.def: two purposes share a number, or one takes a retired number");


using Philox = r123::Philox4x32;  // the counter-based bijection (10 rounds)

inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// The key of one replicate run.
struct RunKey {
  Philox::key_type key;
  RunKey(std::uint64_t seed, std::uint32_t replicate) {
    const std::uint64_t k = splitmix64(seed ^ splitmix64(0x5045524Bull + replicate));
    key = {{static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(k >> 32)}};
  }
  // The key of a replicate's warm-up: streams of their own, apart from the run's.
  static RunKey warmup(std::uint64_t seed, std::uint32_t replicate) { return RunKey(splitmix64(seed ^ 0x5741524D5550ull), replicate); }
};

// A short-lived stream for one (entity, week, purpose): the Philox block of counter
// (n, entity, week, purpose) for n = 1, 2, ... gives 4 words each. It is a uniform random bit
// generator, so Boost.Random distributions draw from it; uniform() gives Boost's uniform_01.
// (The same construction as r123::Engine, inlined: the hot path takes 1-3 draws per stream.)
class Stream {
 public:
  using result_type = std::uint32_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }

  Stream(const RunKey& rk, std::uint32_t entity, std::uint32_t week, Purpose purpose)
      : key_(rk.key), ctr_{{0, entity, week, static_cast<std::uint32_t>(purpose)}} {}
  // The same stream, its first block (counter 1) computed elsewhere (in a batch: see
  // sim/engine/first_blocks.hpp).
  Stream(const RunKey& rk, std::uint32_t entity, std::uint32_t week, Purpose purpose, std::uint32_t w0, std::uint32_t w1,
         std::uint32_t w2, std::uint32_t w3)
      : key_(rk.key), ctr_{{1, entity, week, static_cast<std::uint32_t>(purpose)}}, block_{{w0, w1, w2, w3}}, lane_(0) {}
  result_type operator()() {
    if (lane_ == 4) refill();
    return block_.v[lane_++];
  }
  Stream& engine() { return *this; }
  // Uniform in [0, 1): one word times 2^-32, the value boost::random::uniform_01<double> gives
  // for a 32-bit engine (a test checks they agree), without its retry loop (never taken here).
  double uniform() { return static_cast<double>((*this)()) * 0x1p-32; }
  bool chance(double p) { return uniform() < p; }

 private:
  // The next block (kept out of line: the common path takes words from the current block).
  [[gnu::noinline]] void refill() {
    ++ctr_.v[0];
    block_ = Philox()(ctr_, key_);
    lane_ = 0;
  }
  Philox::key_type key_;
  Philox::ctr_type ctr_, block_{};
  int lane_ = 4;
};

// Gamma(shape, 1) by Marsaglia and Tsang's method ("A simple method for generating gamma
// variables", ACM TOMS 26(3), 2000): a transformed standard normal (Boost's ziggurat) accepted
// by a squeeze that almost always spares the logarithms; shape < 1 through
// Gamma(shape + 1) * U^(1 / shape). Several times faster than Boost's gamma_distribution,
// whose Cauchy rejection calls tan, log and exp for every try.
template <class Engine>
double gamma_draw(Engine& s, double shape) {
  if (shape < 1) {
    const double g = gamma_draw(s, shape + 1);
    return g * std::pow(1.0 - s.uniform(), 1.0 / shape);  // 1 - u in (0, 1]
  }
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  boost::random::normal_distribution<double> normal;
  for (;;) {
    double x, v;
    do {
      x = normal(s);
      v = 1.0 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = s.uniform(), x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2 || std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) return d * v;
  }
}

// Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b), in that order.
template <class Engine>
double beta_draw(Engine& s, double a, double b) {
  const double x = gamma_draw(s, a), y = gamma_draw(s, b);
  return x / (x + y);
}

// Weekly probability of a hazard: p = 1 - exp(-rate * dt), rate per week.
inline double hazard_p(double rate_per_week) { return rate_per_week > 0 ? -std::expm1(-rate_per_week) : 0.0; }

// u < hazard_p(rate), always the same answer, mostly without expm1: for r >= 0,
// r - r^2/2 <= 1 - exp(-r) <= r, so a draw at or above the rate misses and one clearly below
// r - r^2/2 hits; only a draw in the band between (a share of about r^2/2 of them) needs expm1.
// The upper side holds in floating point as it is (expm1 is within an ulp of 1 - exp(-r), which is
// below the representable r, so the computed probability is at most r); the lower side keeps a
// relative margin of 1e-12, some ten thousand times the rounding of the bound.
inline bool hazard_hit(double u, double rate_per_week) {
  if (u >= rate_per_week) return false;  // also every rate <= 0 (u >= 0): hazard_p is 0
  if (u < (rate_per_week - 0.5 * rate_per_week * rate_per_week) * (1 - 1e-12)) return true;
  return u < hazard_p(rate_per_week);
}
}  // namespace percorsi
