// The reference machinery of the weekly script (docs/architecture.md, "Two engines"): the
// same phases and rules as the fast engine, run by plain serial loops, one stream per draw
// created where it is used, requests in one list, plain sorts and binary searches, no
// batching, prefetching or partial rankings. It is slow and obviously right; the fast engine
// must give bit-identical state after every phase of every week (tests/test_reference.cpp).
#pragma once

#include <algorithm>

#include "sim/model/rules.hpp"
#include "sim/engine/world.hpp"

namespace percorsi {

struct World::Reference {
  World& w;
  static constexpr std::size_t kAhead = 16;  // (no prefetching here: kept for the script's arithmetic)

  void create_people(const std::vector<std::size_t>& first, int week, bool initial) {
    for (int t = 0; t < w.T_; ++t)
      for (std::size_t i = first[t]; i < first[t + 1]; ++i)
        rules::new_person(w.P_, static_cast<std::uint32_t>(i), t, week, initial, w.sc_, w.key_);
  }
  template <class Fn>
  void firms(std::size_t n, Fn&& fn) {
    for (std::size_t f = 0; f < n; ++f) fn(f);
  }
  template <class Fn>
  void each_territory(Fn&& fn) {
    for (int k = 0; k < w.T_; ++k) fn(k);
  }
  // A per-person phase: every person in id order, a fresh stream for each one drawn for.
  template <class Want, class Fn>
  void persons(Purpose purpose, Want&& want, Fn&& fn) {
    w.block_requests_.assign(1, {});
    Tally t(w.T_);
    const std::size_t n = w.P_.size();
    for (std::size_t i = 0; i < n; ++i) {
      const auto p = static_cast<std::uint32_t>(i);
      if (!want(p)) continue;
      Stream s(w.key_, p, static_cast<std::uint32_t>(w.week_), purpose);
      fn(p, s, t, w.block_requests_[0]);
    }
    w.apply_tally(t);
  }
  // A draw fixed for a person's whole stay: the first of the person's stream of week 0.
  auto fixed_draws(Purpose purpose) {
    return [this, purpose](std::uint32_t p) { return Stream(w.key_, p, 0, purpose).uniform(); };
  }
  std::vector<std::vector<std::vector<Request>>> requests(int kinds) {
    std::vector<std::vector<std::vector<Request>>> out(w.T_, std::vector<std::vector<Request>>(kinds));
    for (const auto& r : w.block_requests_.at(0)) out[w.P_.territory[r.person]][r.kind].push_back({r.person, r.priority});
    return out;
  }
  template <class Fn>
  void territories(Fn&& fn) {
    Tally t(w.T_);
    for (int k = 0; k < w.T_; ++k) fn(k, t);
    w.apply_tally(t);
  }
  // Requests by priority; among equal priorities they stay in id order.
  static void order(std::vector<Request>& v) {
    std::stable_sort(v.begin(), v.end(), [](const Request& a, const Request& b) { return a.priority < b.priority; });
  }
  static void prefetch(const void*) {}
  template <class Fn>
  void vacancy_arrivals(const TerritoryState& ts, Stream& s, int n, Fn&& fn) {
    const double total = ts.size_cum.back();
    for (int i = 0; i < n; ++i) {
      const double x = s.uniform() * total;
      const auto at = std::upper_bound(ts.size_cum.begin(), ts.size_cum.end(), x) - ts.size_cum.begin();
      fn(static_cast<std::uint32_t>(ts.firm_begin + static_cast<std::size_t>(at)));
    }
  }
  static void best_first(std::vector<std::pair<double, std::uint32_t>>& keyed, std::size_t) {
    std::sort(keyed.begin(), keyed.end());
  }
  void close_spells() {
    for (const auto& s : w.week_tally_.spells) {
      auto& row = s.kind == 0 ? w.P_.weeks_housing[s.person][s.state] : w.P_.weeks_case[s.person][s.state];
      row = static_cast<std::uint16_t>(row + s.weeks);
    }
    w.week_tally_.spells.clear();
  }
  template <class Fn>
  void each_present(Fn&& fn) {
    for (std::size_t i = 0; i < w.P_.size(); ++i)
      if (w.P_.active(i)) fn(static_cast<std::uint32_t>(i));
  }
  template <class Fn>
  void census(int slots, Fn&& fn) {
    w.census_.assign(static_cast<std::size_t>(w.T_) * slots, 0);
    for (std::size_t i = 0; i < w.P_.size(); ++i)
      if (w.P_.active(i)) fn(static_cast<std::uint32_t>(i), &w.census_[static_cast<std::size_t>(w.P_.territory[i]) * slots], w.timeline_);
  }
};

}  // namespace percorsi
