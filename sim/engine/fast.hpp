// The fast machinery of the weekly script (docs/architecture.md, "Two engines"): blocks of
// persons in parallel (oneTBB), the first Philox block of 64 streams at once (SIMD), requests
// gathered per block, counting sorts, guide tables, partial rankings and prefetching. Speed
// tricks live here and only here; the reference machinery (sim/engine/reference.hpp) does
// the same work plainly, and a test requires bit-identical state after every phase.
#pragma once

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/combinable.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_group.h>

#include <algorithm>

#include "sim/engine/first_blocks.hpp"
#include "sim/engine/parallel.hpp"
#include "sim/model/rules.hpp"
#include "sim/engine/world.hpp"

namespace percorsi {

struct World::Fast {
  World& w;
  static constexpr std::size_t kBlock = 8192;      // persons per parallel block (results never depend on it)
  static constexpr std::size_t kCensusBlock = 16384;
  static constexpr std::size_t kAhead = 16;        // how far loops over random firms prefetch

  static std::size_t n_blocks(std::size_t n, std::size_t block = kBlock) { return (n + block - 1) / block; }
  // tbb::parallel_for in a context of its own: a phase runs to its end even when the caller's
  // tasks are cancelled (another replicate interrupted; a warm-up runs inside a constructor), so
  // no phase ever sees a loop cut short. A loop of one chunk (a small world: a trial's cohort, a
  // calibration's runs, which run in parallel with each other) is called in place, without a
  // context or a task: the same calls in the same order.
  template <class Body>
  static void parallel_for(const tbb::blocked_range<std::size_t>& r, Body&& body) {
    if (!r.is_divisible()) {
      if (!r.empty()) body(r);
      return;
    }
    tbb::task_group_context own(tbb::task_group_context::isolated);
    parallel::parallel_for(r, std::forward<Body>(body), own);
  }
  template <class Body>
  static void parallel_for(int first, int last, Body&& body) {
    if (last - first <= 1) {
      for (int i = first; i < last; ++i) body(i);
      return;
    }
    tbb::task_group_context own(tbb::task_group_context::isolated);
    parallel::parallel_for(first, last, std::forward<Body>(body), own);
  }

  // Creates the people of ids [first[t], first[t + 1]) in territory t, for every t, in parallel
  // blocks of ids (each person's attributes depend only on its id).
  void create_people(const std::vector<std::size_t>& first, int week, bool initial) {
    parallel_for(tbb::blocked_range<std::size_t>(first.front(), first.back(), 2048), [&](const tbb::blocked_range<std::size_t>& r) {
      int t = static_cast<int>(std::upper_bound(first.begin(), first.end(), r.begin()) - first.begin()) - 1;
      for (std::size_t i = r.begin(); i != r.end(); ++i) {
        while (i >= first[t + 1]) ++t;
        rules::new_person(w.P_, static_cast<std::uint32_t>(i), t, week, initial, w.sc_, w.key_);
      }
    });
  }
  // fn(f) for every firm id in [0, n), in parallel blocks (each firm's draws are its own).
  template <class Fn>
  void firms(std::size_t n, Fn&& fn) {
    parallel_for(tbb::blocked_range<std::size_t>(0, n, 4096), [&](const tbb::blocked_range<std::size_t>& r) {
      for (std::size_t f = r.begin(); f != r.end(); ++f) fn(f);
    });
  }
  // fn(k) for every territory, in parallel (set-up of per-territory state).
  template <class Fn>
  void each_territory(Fn&& fn) {
    parallel_for(0, w.T_, [&](int k) { fn(k); });
  }

  // The people present, in id order: rows [0, present_rows_) are listed, the list compacted once
  // a week, so it may also hold people who left earlier this week (every phase's want(p) asks
  // P_.active(p), and the census does). Exited rows are kept (ids are never reused), and after
  // a warm-up of a few years they outnumber the people present: the per-person passes go
  // through this list instead of every row.
  const std::vector<std::uint32_t>& present() {
    auto& v = w.present_;
    const std::size_t n = w.P_.size();
    if (w.present_rows_ > n) v.clear(), w.present_rows_ = 0;  // (rows are never removed from a world: defensive)
    if (w.present_week_ != w.week_) {
      std::erase_if(v, [this](std::uint32_t p) { return !w.P_.active(p); });
      w.present_week_ = w.week_;
    }
    for (std::size_t i = w.present_rows_; i < n; ++i)
      if (w.P_.active(i)) v.push_back(static_cast<std::uint32_t>(i));
    w.present_rows_ = n;
    return v;
  }
  // The draws fixed for a person's whole stay, for one purpose: u(p) is
  // Stream(key, p, 0, purpose).uniform(), the first word of each person's stream computed once
  // per person, kBatch at a time (FirstBlocks), when first asked for. Call it before a pass (it
  // extends the cache to every row); u(p) may then be called from the pass's blocks in parallel.
  auto fixed_draws(Purpose purpose) {
    auto it = std::find_if(w.fixed_words_.begin(), w.fixed_words_.end(), [&](const auto& f) { return f.first == purpose; });
    if (it == w.fixed_words_.end()) it = w.fixed_words_.insert(w.fixed_words_.end(), {purpose, {}});
    const auto k = static_cast<std::size_t>(it - w.fixed_words_.begin());  // (an index: the list may grow)
    auto& words = it->second;
    const std::size_t n = w.P_.size();
    if (words.size() > n) words.clear();  // (defensive, as above)
    std::uint32_t ids[kBatch];
    FirstBlocks blocks;
    for (std::size_t i = words.size(); i < n; i += kBatch) {
      const std::size_t m = std::min<std::size_t>(kBatch, n - i);
      for (std::size_t j = 0; j < kBatch; ++j) ids[j] = static_cast<std::uint32_t>(i + std::min(j, m - 1));
      blocks.compute(w.key_, ids, 0, purpose);
      words.insert(words.end(), blocks.w[0], blocks.w[0] + m);
    }
    return [this, k](std::uint32_t p) { return static_cast<double>(w.fixed_words_[k].second[p]) * 0x1p-32; };  // as Stream::uniform
  }

  // A per-person phase: fn(p, stream, tally, requests) for every person p for which want(p)
  // holds (want(p) must ask P_.active(p)), in id order within blocks of the people present run
  // in parallel, with p's stream for (this week, purpose). want(p) is evaluated ahead of fn for
  // up to kBatch persons, so it may only read what fn of another person does not change
  // (per-person phases change only their own person's state). The tallies are summed into the
  // territories after the pass.
  template <class Want, class Fn>
  void persons(Purpose purpose, Want&& want, Fn&& fn) {
    const auto& ids = present();
    const std::size_t n = ids.size(), nb = n_blocks(n);
    if (w.block_requests_.size() < nb) w.block_requests_.resize(nb);
    for (std::size_t b = nb; b < w.block_requests_.size(); ++b) w.block_requests_[b].clear();  // left from a longer list
    tbb::combinable<Tally> tallies([this] { return Tally(w.T_); });
    parallel_for(tbb::blocked_range<std::size_t>(0, nb, 1), [&](const tbb::blocked_range<std::size_t>& r) {
      Tally& t = tallies.local();
      for (std::size_t b = r.begin(); b != r.end(); ++b) {
        auto& req = w.block_requests_[b];
        req.clear();
        with_streams(ids.data() + b * kBlock, ids.data() + std::min(n, (b + 1) * kBlock), purpose, want,
                     [&](std::uint32_t p, Stream& s) { fn(p, s, t, req); });
      }
    });
    tallies.combine_each([this](const Tally& t) { w.apply_tally(t); });
  }
  // The first blocks of the streams are computed kBatch at a time (FirstBlocks); the people a
  // batch draws for are gathered without branches (want(i) is often unpredictable).
  template <class Want, class Fn>
  void with_streams(const std::uint32_t* b, const std::uint32_t* e, Purpose purpose, Want& want, Fn&& fn) const {
    const auto week = static_cast<std::uint32_t>(w.week_);
    std::uint32_t ids[kBatch] = {};
    FirstBlocks blocks;
    for (const std::uint32_t* i = b; i < e;) {
      std::size_t n = 0;
      for (; i < e && n < kBatch; ++i) {
        ids[n] = *i;
        n += want(*i) ? 1 : 0;
      }
      if (n == 0) break;
      blocks.compute(w.key_, ids, week, purpose);
      for (std::size_t j = 0; j < n; ++j) {
        Stream s = batched_stream(w.key_, ids[j], week, purpose, blocks, j);
        fn(ids[j], s);
      }
    }
  }
  // The requests of the last per-person phase, per territory and kind, in id order: lists kept
  // by the world from week to week, one set per number of kinds (cleared, their memory reused),
  // valid until the next call with as many kinds.
  std::vector<std::vector<std::vector<Request>>>& requests(int kinds) {
    if (w.request_lists_.size() <= static_cast<std::size_t>(kinds)) w.request_lists_.resize(static_cast<std::size_t>(kinds) + 1);
    auto& out = w.request_lists_[static_cast<std::size_t>(kinds)];
    out.resize(static_cast<std::size_t>(w.T_));
    for (auto& t : out) {
      t.resize(static_cast<std::size_t>(kinds));
      for (auto& v : t) v.clear();
    }
    for (const auto& block : w.block_requests_)
      for (const auto& r : block) out[w.P_.territory[r.person]][r.kind].push_back({r.person, r.priority});
    return out;
  }
  // A phase with shared state: fn(k, tally) for every territory in parallel (each touches only
  // its own territory's people, firms and queues); the tallies are applied in territory order.
  template <class Fn>
  void territories(Fn&& fn) {
    auto& local = w.territory_tallies_;
    local.resize(static_cast<std::size_t>(w.T_));
    for (auto& t : local) t.reset(w.T_);
    parallel_for(0, w.T_, [&](int k) { fn(k, local[k]); });
    for (const auto& t : local) w.apply_tally(t);
  }
  // Requests by (priority, id): a counting sort when the priorities span a few weeks.
  static void order(std::vector<Request>& v) { order_by_priority(v); }
  static void prefetch(const void* p) { __builtin_prefetch(p); }
  // fn(f) for the firm of each of n vacancy arrivals, in proportion to firm size (a uniform
  // draw of s each, in order): in batches, each in three passes with prefetches (guide
  // entries, then cumulative sizes and firm columns), since the arrivals fall on firms at
  // random and one at a time each would wait for its loads.
  template <class Fn>
  void vacancy_arrivals(const TerritoryState& ts, Stream& s, int n, Fn&& fn) {
    const double total = ts.size_cum.back();
    const std::size_t nb = ts.size_guide.size();
    constexpr int kArrivalBatch = 32;
    double x[kArrivalBatch];
    std::size_t at[kArrivalBatch];
    for (int i0 = 0; i0 < n; i0 += kArrivalBatch) {
      const int m = std::min(kArrivalBatch, n - i0);
      for (int j = 0; j < m; ++j) {
        x[j] = s.uniform() * total;
        at[j] = guide_bucket(x[j], total, nb);
        __builtin_prefetch(&ts.size_guide[at[j]]);
      }
      for (int j = 0; j < m; ++j) {
        at[j] = ts.size_guide[at[j]];
        const std::size_t g = std::min(at[j], ts.size_cum.size() - 1);  // the guide may point past the end
        __builtin_prefetch(ts.size_cum.data() + g);
        __builtin_prefetch(w.F_.vacancies.data() + ts.firm_begin + g);
        __builtin_prefetch(w.F_.size.data() + ts.firm_begin + g);
      }
      for (int j = 0; j < m; ++j) fn(static_cast<std::uint32_t>(ts.firm_begin + firm_from_guess(ts.size_cum, at[j], x[j])));
    }
  }
  // The first `top` entries of keyed in ascending order (a strict order: selecting them and
  // sorting the selection gives what a full sort would, in linear time on average).
  static void best_first(std::vector<std::pair<double, std::uint32_t>>& keyed, std::size_t top) {
    const auto mid = keyed.begin() + static_cast<std::ptrdiff_t>(top);
    if (top < keyed.size()) std::nth_element(keyed.begin(), mid, keyed.end());
    std::sort(keyed.begin(), mid);
  }
  // Adds the week's ended spells to the persons' totals in one pass, prefetching the rows a few
  // entries ahead so that their loads overlap (a few percent of the people change state in a
  // week: too little work to share between threads).
  void close_spells() {
    auto& v = w.week_tally_.spells;
    auto row = [this](const SpellEnd& s) -> std::uint16_t& {
      return s.kind == 0 ? w.P_.weeks_housing[s.person][s.state] : w.P_.weeks_case[s.person][s.state];
    };
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i + kAhead < v.size()) __builtin_prefetch(&row(v[i + kAhead]));
      row(v[i]) = static_cast<std::uint16_t>(row(v[i]) + v[i].weeks);
    }
    v.clear();
  }
  // The end-of-week pass: fn(p, counts of p's territory, timeline changes) for every active
  // person, in parallel blocks; the counts are summed into w.census_, the changes appended to
  // the timeline in id order.
  template <class Fn>
  void census(int slots, Fn&& fn) {
    const auto& ids = present();
    const std::size_t n = ids.size(), nb = n_blocks(n, kCensusBlock);
    tbb::combinable<std::vector<std::int64_t>> counts([&] { return std::vector<std::int64_t>(static_cast<std::size_t>(w.T_) * slots, 0); });
    if (w.block_changes_.size() < nb) w.block_changes_.resize(nb);
    parallel_for(tbb::blocked_range<std::size_t>(0, nb, 1), [&](const tbb::blocked_range<std::size_t>& r) {
      auto& c = counts.local();
      for (std::size_t blk = r.begin(); blk != r.end(); ++blk) {
        auto& changes = w.block_changes_[blk];
        changes.clear();
        const std::size_t end = std::min(n, (blk + 1) * kCensusBlock);
        for (std::size_t i = blk * kCensusBlock; i < end; ++i) {
          const std::uint32_t p = ids[i];
          if (w.P_.active(p)) fn(p, &c[static_cast<std::size_t>(w.P_.territory[p]) * slots], changes);
        }
      }
    });
    for (std::size_t b = 0; b < nb; ++b) w.timeline_.insert(w.timeline_.end(), w.block_changes_[b].begin(), w.block_changes_[b].end());
    w.census_.assign(static_cast<std::size_t>(w.T_) * slots, 0);
    counts.combine_each([&](const std::vector<std::int64_t>& c) {
      for (std::size_t i = 0; i < c.size(); ++i) w.census_[i] += c[i];
    });
  }
  // fn(p) for every person present (a warm-up's end of week), in id order.
  template <class Fn>
  void each_present(Fn&& fn) {
    for (const std::uint32_t p : present())
      if (w.P_.active(p)) fn(p);
  }
};

}  // namespace percorsi
