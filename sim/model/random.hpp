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

namespace percorsi {

// What a draw is for. Two scenarios with the same seed give an entity the same draws for
// the same purpose and week, whatever else differs between them. Every value is written out and
// never renumbered: a purpose no longer drawn is deleted, and its number (6, 7, 11, 101, 108 so
// far) is not given to another.
enum class Purpose : std::uint32_t {
  Attributes = 1,      // person attributes at creation (week = entry week)
  Inflow = 2,          // territory arrivals
  Exit = 3,
  LifeEvents = 4,
  Contact = 5,
  ShelterOffer = 8,
  StepProgress = 9,    // drop-out, readiness, move-on
  HousingFirst = 10,
  Initial = 12,        // initial states at week 0
  Employment = 100,    // per-person employment pathway draws
  FirmCreate = 102,    // firm attributes (entity = firm id)
  ScoutOrder = 103,    // scouting order of a territory's firms (entity = territory)
  Vacancies = 104,     // vacancy arrivals of a territory (entity = territory)
  Matching = 105,      // proposal and acceptance of a candidate (entity = person)
  Hiring = 106,        // the firm's decision at the end of an internship (entity = person)
  MarketHire = 107,    // which vacancy an open-market hire fills (entity = person)
  SocialHousingList = 109,  // whether a migrant meets the residence requirement of the list (week 0: fixed)
  ProgrammeStart = 110,     // a person of the warm-up when the programme starts (week 0)
  RentAssistance = 111,     // whether a person's search for a private let has rent assistance (week 0: fixed)
  // The family-care model (entity = care worker or family id, apart from the persons' ids).
  FcWorkerAttributes = 112,  // a care worker's attributes at creation (week 0)
  FcFamilyAttributes = 113,  // a family's attributes at creation (week 0)
  FcWorker = 114,            // a care worker's weekly draws (job change, contact, the pathway's steps)
  FcFamily = 115,            // a family's weekly draws (search, contact, advice, contract)
  FcCareWork = 116,          // whether a person (entity = person id) takes up care work at home this week, and its regularity
};

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
}  // namespace percorsi
