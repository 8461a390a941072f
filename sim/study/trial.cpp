#include "sim/study/trial.hpp"
#include "sim/run/csv.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>

#include "sim/engine/parallel.hpp"
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <limits>
#include <set>
#include <stdexcept>
#include <sstream>

#include "output/trial_table.hpp"
#include "sim/engine/world.hpp"
#include "sim/model/dating.hpp"
#include "sim/model/measures.hpp"
#include "sim/run/ensemble.hpp"
#include "sim/run/interrupt.hpp"
#include "sim/run/progress.hpp"
#include "sim/stats/stats.hpp"

namespace percorsi {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
bool employed(std::uint8_t w) { return w == Employed; }
bool street_or_shelter(std::uint8_t h) { return h == Street || h == Shelter; }

// The first t in [from, to] at which p is in the study and pred(state) holds; -1 if none.
template <class Pred>
int first_time(const CohortStates& c, int p, int from, int to, const std::vector<std::uint8_t>& col, Pred pred) {
  for (int t = from; t <= to && t <= c.weeks; ++t) {
    const std::uint8_t s = col[c.at(p, t)];
    if (s == CohortStates::kOut) return -1;
    if (pred(s)) return t;
  }
  return -1;
}
// A cohort member's observation, in the terms of sim/model/measures.hpp: entry in week 0, left in
// week e when last observed at t = e (the state at the end of week e - 1), a run of c.weeks weeks.
measures::Observation observation(const CohortStates& c, int p) {
  int e = 0;
  while (e < c.weeks && c.in(p, e + 1)) ++e;
  return {0, c.in(p, 0) && e == c.weeks ? -1 : e, c.weeks};
}
// The week of a change first observed at t: the state at t >= 1 is the state at the end of week
// t - 1, so the change happened in that week; t = 0 is a state held at entry (a week before
// it); kNever when it was not observed (t < 0).
int week_of(int t) { return t < 0 ? measures::kNever : t - 1; }
MeasureValue value_of(const measures::Ratio& r) { return {r.value(), r.den}; }
}  // namespace

MeasureValue per_person_year(const MeasureSpec& m, const CohortStates& c);

MeasureValue compute_measure(const MeasureSpec& m, const CohortStates& c) {
  const int N = c.persons, W = c.weeks;
  double num = 0;
  auto stable_h = [](std::uint8_t h) { return stable(h); };
  switch (m.kind) {
    case MeasureKind::cost_per_person_year:
    case MeasureKind::institution_days_per_person_year:
    case MeasureKind::emergency_visits_per_person_year:
    case MeasureKind::shelter_nights_per_person_year: return per_person_year(m, c);
    case MeasureKind::family_care_count: {
      // The family-care service's count since week 0: its weekly series summed over the territories
      // (c.series sums them) and the weeks before `at`; n: the number counted.
      const auto& steps = family_care_steps();
      if (std::find(steps.begin(), steps.end(), m.step) == steps.end()) return {kNaN, 0};  // the loader requires one
      const std::string name = "fc_" + m.step + "_week";
      const auto it = std::find(std::begin(out::kSeriesIds), std::end(out::kSeriesIds), name);
      if (it == std::end(out::kSeriesIds)) return {kNaN, 0};
      const auto& v = c.series(static_cast<out::Series>(it - std::begin(out::kSeriesIds)));
      for (int k = 0; k < std::min(m.at, c.weeks); ++k) num += v[static_cast<std::size_t>(k)];
      return {num, num};
    }
    case MeasureKind::stably_housed_share:
    case MeasureKind::employed_share: {
      measures::Ratio r;
      for (int p = 0; p < N; ++p)
        if (observation(c, p).through(m.at))
          r.add(m.kind == MeasureKind::employed_share ? employed(c.w(p, m.at)) : stable(c.h(p, m.at)));
      return value_of(r);
    }
    case MeasureKind::time_stably_housed_share: {
      // Person-weeks in the study in weeks 0..over-1 (each week's state at its end), and the
      // share of them stably housed; n: the people contributing at least one week.
      measures::Ratio r;
      double people = 0;
      for (int p = 0; p < N; ++p) {
        bool any = false;
        for (int t = 1; t <= m.over && t <= W && c.in(p, t); ++t) r.add(stable(c.h(p, t))), any = true;
        people += any;
      }
      return {r.value(), people};
    }
    case MeasureKind::days_to_stable_housing: {
      measures::Ratio r;
      for (int p = 0; p < N; ++p)
        if (const int t = first_time(c, p, 0, m.within, c.housing, stable_h); t >= 0) r.add(measures::days_to(0, week_of(t)));
      return value_of(r);
    }
    case MeasureKind::housed_all_last:
    case MeasureKind::housed_some_last:
    case MeasureKind::housed_none_last: {
      measures::Ratio r;
      for (int p = 0; p < N; ++p) {
        if (!observation(c, p).through(m.at)) continue;
        int k = 0;
        for (int t = m.at - m.weeks + 1; t <= m.at; ++t) k += stable(c.h(p, t));
        r.add(m.kind == MeasureKind::housed_all_last    ? k == m.weeks
              : m.kind == MeasureKind::housed_none_last ? k == 0
                                                        : (k > 0 && k < m.weeks));
      }
      return value_of(r);
    }
    case MeasureKind::retention_share: {
      measures::Ratio r;
      for (int p = 0; p < N; ++p)
        if (observation(c, p).through(m.at) && first_time(c, p, 0, m.at, c.housing, stable_h) >= 0) r.add(stable(c.h(p, m.at)));
      return value_of(r);
    }
    case MeasureKind::returned_to_street_share: {
      // Among those who reached stable housing (first observed so at tf, a change in week f) with
      // the window's weeks inside the horizon: back on the street or in a shelter in the window;
      // those who left the study in the window without returning are censored (left out), as the
      // headline returns_to_street_12m does (which counts moves to the street alone).
      measures::Ratio r;
      for (int p = 0; p < N; ++p) {
        const int tf = first_time(c, p, 0, W, c.housing, stable_h), f = week_of(tf);
        if (tf < 0 || !measures::window_fits(f, m.within, W)) continue;
        const bool back = first_time(c, p, tf + 1, tf + m.within, c.housing, street_or_shelter) >= 0;
        if (back || observation(c, p).seen_at_end_of(f + m.within)) r.add(back);
      }
      return value_of(r);
    }
    case MeasureKind::entered_transitional_share: {
      // The first step of the ladder: seen in transitional housing within `within` weeks.
      measures::Ratio r;
      for (int p = 0; p < N; ++p)
        if (observation(c, p).through(m.within)) {
          const int t = first_time(c, p, 0, m.within, c.housing, [](std::uint8_t h) { return h == Transitional; });
          r.add(measures::within(0, week_of(t), m.within));
        }
      return value_of(r);
    }
    case MeasureKind::any_job_share: {
      measures::Ratio r;
      for (int p = 0; p < N; ++p)
        if (observation(c, p).through(m.within)) r.add(measures::within(0, week_of(first_time(c, p, 0, m.within, c.work, employed)), m.within));
      return value_of(r);
    }
    case MeasureKind::weeks_to_first_job: {
      measures::Ratio r;
      for (int p = 0; p < N; ++p)
        if (const int t = first_time(c, p, 0, m.within, c.work, employed); t >= 0) r.add(measures::weeks_to(0, week_of(t)));
      return value_of(r);
    }
    case MeasureKind::months_worked_after_first_job: {
      // Weeks employed among the `over` observations from the first job's (tj .. tj + over - 1),
      // in months; among those whose window fits the horizon and who are in the study to its end.
      measures::Ratio r;
      for (int p = 0; p < N; ++p) {
        const int tj = first_time(c, p, 0, W, c.work, employed);
        if (tj < 0 || !observation(c, p).seen_at_end_of(week_of(tj) + m.over - 1)) continue;
        int k = 0;
        for (int t = tj; t < tj + m.over; ++t) k += employed(c.w(p, t));
        r.add(measures::months(k));
      }
      return value_of(r);
    }
    case MeasureKind::cumulative_employed_km: {
      // Kaplan-Meier: at each t, the people at risk (no job before t, still observed at t) and
      // the first jobs seen at t; a person who leaves is censored after the last observation.
      std::vector<int> first(N), last(N);
      for (int p = 0; p < N; ++p) {
        first[p] = first_time(c, p, 0, m.at, c.work, employed);
        int l = 0;
        while (l < W && c.in(p, l + 1)) ++l;
        last[p] = c.in(p, 0) ? l : -1;
      }
      double surv = 1, at_risk0 = 0;
      for (int t = 0; t <= m.at; ++t) {
        double r = 0, d = 0;
        for (int p = 0; p < N; ++p) {
          if (last[p] < t || (first[p] >= 0 && first[p] < t)) continue;
          ++r, d += first[p] == t;
        }
        if (t == 0) at_risk0 = r;
        if (r > 0) surv *= 1 - d / r;
      }
      return {at_risk0 > 0 ? 1 - surv : kNaN, at_risk0};
    }
  }
  return {kNaN, 0};
}

// Per person-year present in weeks [0, over) (people present at the end of each week; a
// virtual trial's territory holds the cohort alone): the cost a payer paid (the weekly cost
// series of out::cost_series_of), the days spent in an institution or the nights in a shelter
// (7 a week at the end of which the person was there), or the emergency visits (the weekly
// expected visits, out::Series::emergency_visits).
MeasureValue per_person_year(const MeasureSpec& m, const CohortStates& c) {
  using S = out::Series;
  const int O = std::min(m.over, c.weeks);
  double num = 0, person_weeks = 0;
  const auto& present = c.series(S::persons);
  for (int k = 0; k < O; ++k) person_weeks += present[static_cast<std::size_t>(k)];
  // The weekly series summed, each with its factor (7 days or nights a week; 1 euro, 1 visit).
  std::vector<std::pair<S, double>> terms;
  switch (m.kind) {
    case MeasureKind::cost_per_person_year: {
      const auto& names = out::payer_names();
      const auto it = std::find(names.begin(), names.end(), m.payer);
      if (it == names.end()) return {kNaN, 0};  // no payer (the loader requires one)
      for (S s : out::cost_series_of(static_cast<out::Payer>(it - names.begin()))) terms.push_back({s, 1.0});
      break;
    }
    case MeasureKind::institution_days_per_person_year:
      // hospital: the health institutions other than a psychiatric ward
      if (m.institution == "any") terms = {{S::housing_institution, 7.0}};
      else if (m.institution == "prison") terms = {{S::people_in_prison, 7.0}};
      else if (m.institution == "psychiatric") terms = {{S::people_in_psychiatric_ward, 7.0}};
      else if (m.institution == "hospital")
        terms = {{S::housing_institution, 7.0}, {S::people_in_prison, -7.0}, {S::people_in_psychiatric_ward, -7.0}};
      else return {kNaN, 0};  // no institution (the loader requires one)
      break;
    case MeasureKind::emergency_visits_per_person_year: terms = {{S::emergency_visits, 1.0}}; break;
    case MeasureKind::shelter_nights_per_person_year: terms = {{S::housing_shelter, 7.0}}; break;
    default: return {kNaN, 0};
  }
  for (const auto& [s, f] : terms)
    for (int k = 0; k < O; ++k) num += f * c.series(s)[static_cast<std::size_t>(k)];
  return {person_weeks > 0 ? num / measures::years(person_weeks) : kNaN, measures::years(person_weeks)};
}

bool measure_reads_series(MeasureKind k) { return measure_per_person_year(k) || k == MeasureKind::family_care_count; }

CohortStates observe_cohort(const Scenario& arm, int replicate, out::ReplicateResult* result, bool states_only) {
  if (states_only && result) throw std::logic_error("observe_cohort: a run that keeps its states only has no results");
  World w(arm, replicate);
  if (states_only) w.keep_states_only();
  const int W = arm.weeks();
  const auto& P = w.persons();
  const int N = static_cast<int>(P.size());
  CohortStates c(N, W);
  auto look = [&](int t) {
    for (int p = 0; p < N; ++p)
      if (P.active(static_cast<std::size_t>(p))) c.set(p, t, P.housing[p], P.work[p]);
  };
  look(0);
  for (int k = 0; k < W; ++k) {
    if (g_interrupt) throw Interrupted();
    w.step();
    look(k + 1);
  }
  if (static_cast<int>(P.size()) != N)
    throw std::runtime_error("trial arm '" + arm.name() + "': people arrived after week 0 (a trial has no inflow)");
  if (states_only) return c;
  auto r = w.results();
  c.weekly = r.weekly;
  if (result) *result = std::move(r);
  return c;
}

std::vector<MeasureValue> measure_arm(const Trial& trial, const Scenario& arm, int replicate, out::ReplicateResult* result,
                                      const std::vector<bool>* wanted) {
  const auto& ms = trial.spec.measures;
  if (wanted && wanted->size() != ms.size()) throw std::logic_error("measure_arm: one flag per measure");
  auto want = [&](std::size_t i) { return !wanted || (*wanted)[i]; };
  bool series = false;
  for (std::size_t i = 0; i < ms.size(); ++i) series |= want(i) && measure_reads_series(ms[i].kind);
  const CohortStates c = observe_cohort(arm, replicate, result, !series && !result);
  std::vector<MeasureValue> v;
  for (std::size_t i = 0; i < ms.size(); ++i) v.push_back(want(i) ? compute_measure(ms[i], c) : MeasureValue{kNaN, 0});
  return v;
}

bool TrialResult::target_met(const std::string& id) const {
  bool any = false;
  for (const auto& r : rows)
    if (r.target == id && r.within) {
      any = true;
      if (!*r.within) return false;
    }
  return any;
}

std::vector<std::string> TrialResult::target_ids() const {
  std::vector<std::string> ids;
  for (const auto& r : rows)
    if (!r.target.empty() && std::find(ids.begin(), ids.end(), r.target) == ids.end()) ids.push_back(r.target);
  return ids;
}

std::vector<std::vector<std::size_t>> trial_row_arms(const TrialSpec& spec) {
  auto arm = [&](const std::string& a) { return static_cast<std::size_t>(std::find(spec.arms.begin(), spec.arms.end(), a) - spec.arms.begin()); };
  std::vector<std::vector<std::size_t>> rows;  // as trial_table_of makes them: arms x measures, then the differences
  for (std::size_t a = 0; a < spec.arms.size(); ++a)
    for (std::size_t m = 0; m < spec.measures.size(); ++m) rows.push_back({a});
  for (const auto& t : spec.targets)
    for (const auto& pv : t.published)
      if (pv.minus) rows.push_back({arm(pv.a.arm), arm(pv.minus->arm)});
  return rows;
}

TrialResult trial_table_of(const Trial& trial, const std::vector<std::vector<std::vector<MeasureValue>>>& values) {
  TrialResult res;
  res.name = trial.name();
  res.file = trial.base.file;
  res.cohort = trial.spec.cohort;
  res.weeks = trial.base.weeks();
  res.seed = trial.base.seed();
  res.replicates = values.empty() || values[0].empty() ? 0 : static_cast<int>(values[0][0].size());
  const auto& spec = trial.spec;
  auto index_of = [](const std::vector<std::string>& v, const std::string& x) {
    return static_cast<std::size_t>(std::find(v.begin(), v.end(), x) - v.begin());
  };
  std::vector<std::string> mids;
  for (const auto& m : spec.measures) mids.push_back(m.id);
  auto clean = [](const std::vector<double>& v) {
    std::vector<double> out;
    for (double x : v)
      if (!std::isnan(x)) out.push_back(x);
    return out;
  };
  auto column = [&](std::size_t a, std::size_t m, bool n) {
    std::vector<double> v;
    for (const auto& mv : values[a][m]) v.push_back(n ? mv.n : mv.value);
    return v;
  };
  auto mean = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? kNaN : s / static_cast<double>(v.size());
  };
  auto set_target = [&](TrialRow& row, const TargetSpec& t, const PublishedValue& pv) {
    row.target = t.id;
    row.published = pv.value;
    row.tolerance = t.tolerance_of(pv.value);
    row.within = !std::isnan(row.summary.mean) && std::fabs(row.summary.mean - pv.value) <= *row.tolerance + 1e-12;
  };
  for (std::size_t a = 0; a < spec.arms.size(); ++a)
    for (std::size_t m = 0; m < spec.measures.size(); ++m) {
      TrialRow row;
      row.arm = spec.arms[a];
      row.measure = spec.measures[m].id;
      row.kind = measure_kind_name(spec.measures[m].kind);
      row.values = column(a, m, false);
      row.summary = summarize(clean(row.values));
      if (row.summary.n == 0) row.summary.mean = row.summary.ci_low = row.summary.ci_high = kNaN;
      row.n = mean(column(a, m, true));
      for (const auto& t : spec.targets)
        for (const auto& pv : t.published)
          if (!pv.minus && pv.a.arm == row.arm && pv.a.measure == row.measure) set_target(row, t, pv);
      res.rows.push_back(std::move(row));
    }
  for (const auto& t : spec.targets)
    for (const auto& pv : t.published) {
      if (!pv.minus) continue;
      const std::size_t a = index_of(spec.arms, pv.a.arm), b = index_of(spec.arms, pv.minus->arm);
      const std::size_t ma = index_of(mids, pv.a.measure), mb = index_of(mids, pv.minus->measure);
      TrialRow row;
      row.arm = pv.a.arm + "-" + pv.minus->arm;
      row.measure = pv.a.measure == pv.minus->measure ? pv.a.measure : pv.a.measure + "-" + pv.minus->measure;
      row.kind = pv.a.measure == pv.minus->measure ? measure_kind_name(spec.measure(pv.a.measure)->kind) : "difference";
      const std::vector<double> va = column(a, ma, false), vb = column(b, mb, false);
      std::vector<double> na = column(a, ma, true), nb = column(b, mb, true), nmin;
      for (std::size_t r = 0; r < va.size(); ++r) {
        row.values.push_back(va[r] - vb[r]);
        nmin.push_back(std::min(na[r], nb[r]));
      }
      row.summary = summarize(clean(row.values));  // paired by replicate: common random numbers
      if (row.summary.n == 0) row.summary.mean = row.summary.ci_low = row.summary.ci_high = kNaN;
      row.n = mean(nmin);
      set_target(row, t, pv);
      res.rows.push_back(std::move(row));
    }
  return res;
}

namespace {

out::TrialTable table_for_file(const TrialResult& r) {
  out::TrialTable t;
  t.name = r.name;
  t.source_file = r.file;
  t.cohort = r.cohort;
  t.weeks = r.weeks;
  t.replicates = r.replicates;
  t.seed = r.seed;
  for (int i = 0; i < r.replicates; ++i) t.replicate_index.push_back(i);
  for (const auto& row : r.rows) {
    t.arm.push_back(row.arm);
    t.measure.push_back(row.measure);
    t.kind.push_back(row.kind);
    t.target.push_back(row.target);
    t.mean.push_back(row.summary.mean);
    t.ci_low.push_back(row.summary.ci_low);
    t.ci_high.push_back(row.summary.ci_high);
    t.n.push_back(row.n);
    t.published.push_back(row.published.value_or(kNaN));
    t.tolerance.push_back(row.tolerance.value_or(kNaN));
    t.within.push_back(row.within ? (*row.within ? 1 : 0) : -1);
    for (int i = 0; i < r.replicates; ++i) t.values.push_back(i < static_cast<int>(row.values.size()) ? row.values[i] : kNaN);
  }
  return t;
}
}  // namespace

TrialResult run_trial(const Trial& trial, const TrialOptions& opt, const std::string& out_path) {
  const int R = opt.replicates ? *opt.replicates : trial.base.replicates();
  const std::size_t A = trial.arms.size(), M = trial.spec.measures.size();
  const int threads = opt.threads > 0 ? opt.threads : tbb::info::default_concurrency();
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  const auto start = std::chrono::steady_clock::now();
  const std::string started = utc_now();
  std::vector<std::vector<std::vector<MeasureValue>>> values(A, std::vector<std::vector<MeasureValue>>(M, std::vector<MeasureValue>(R)));
  const bool keep = !out_path.empty();
  std::vector<out::ReplicateResult> results(keep ? A * static_cast<std::size_t>(R) : 0);
  std::int64_t total_weeks = 0;
  for (const auto& a : trial.arms) total_weeks += static_cast<std::int64_t>(a.weeks()) * R;
  {
    Progress progress(total_weeks, "trial " + trial.name() + ": " + std::to_string(A) + " arms x " + std::to_string(R) + " replicates",
                      opt.progress);
    parallel::parallel_for(std::size_t{0}, A * static_cast<std::size_t>(R), [&](std::size_t i) {
      const std::size_t a = i / static_cast<std::size_t>(R);
      const int r = static_cast<int>(i % static_cast<std::size_t>(R));
      const auto v = measure_arm(trial, trial.arms[a], r, keep ? &results[i] : nullptr);
      progress.add(trial.arms[a].weeks());
      for (std::size_t m = 0; m < M; ++m) values[a][m][static_cast<std::size_t>(r)] = v[m];
    });
    progress.finish();
  }
  TrialResult res = trial_table_of(trial, values);
  res.replicates = R;
  if (!keep) return res;

  // The arms' results, as `percorsi run` writes them, then the trial table; renamed at the end.
  write_staged(out_path, "trial", [&](const std::string& staged) {
    out::Provenance p = provenance_of(opt.command_line, threads, started, start);
    p.ranks = 1;  // trials run in one process
    write_results(staged, trial.arms, R, results, p);
    out::write_trial_table(staged, table_for_file(res));
  });
  return res;
}

std::string format_measure(double x, int digits) {
  if (std::isnan(x)) return "n/a";
  char buf[64];
  const double ax = std::fabs(x);
  std::snprintf(buf, sizeof buf, "%.*f", ax >= 100 ? 1 : ax >= 10 ? 2 : digits, x);
  return buf;
}

std::string format_estimate(const out::Summary& s) {
  return format_measure(s.mean) + " [" + format_measure(s.ci_low) + ", " + format_measure(s.ci_high) + "]";
}

namespace {
// CSV numbers: full precision, NaN as "nan" (an undefined value), empty when absent.
std::string csv_num(double x) {
  if (std::isnan(x)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}
}  // namespace

std::string format_trial(const TrialResult& r, TableFormat fmt) {
  std::ostringstream os;
  if (fmt == TableFormat::Csv) {
    os << "arm,measure,kind,mean,ci_low,ci_high,n,published,tolerance,within\n";
    for (const auto& row : r.rows) {
      os << csv_cell(row.arm) << ',' << csv_cell(row.measure) << ',' << row.kind << ',' << csv_num(row.summary.mean) << ','
         << csv_num(row.summary.ci_low) << ',' << csv_num(row.summary.ci_high) << ',' << csv_num(row.n) << ',';
      if (row.published) os << csv_num(*row.published) << ',' << csv_num(*row.tolerance) << ',' << (*row.within ? "true" : "false");
      else os << ",,";
      os << '\n';
    }
    return os.str();
  }
  std::vector<std::vector<std::string>> cells;
  cells.push_back({"arm", "measure", "kind", "mean [95% CI]", "n", "published", "tolerance", "within"});
  for (const auto& row : r.rows) {
    const std::string est = std::isnan(row.summary.mean) ? "n/a (no one counted)" : format_estimate(row.summary);
    cells.push_back({row.arm, row.measure, row.kind, est, format_measure(row.n, 1),
                     row.published ? format_measure(*row.published) : "", row.tolerance ? format_measure(*row.tolerance) : "",
                     row.within ? (*row.within ? "yes" : "NO") : ""});
  }
  const std::string title = "trial " + r.name + ": cohort of " + std::to_string(r.cohort) + ", " + std::to_string(r.weeks) +
                            " weeks, " + std::to_string(r.replicates) + " replicates (seed " + std::to_string(r.seed) +
                            "; the same people and life events in every arm)";
  os << title << (fmt == TableFormat::Markdown ? "\n\n" : "\n") << cell_table(cells, fmt);
  os << "\nn: mean size of the measure's denominator per replicate (a difference: the smaller arm's). Rows of "
        "differences (a-b) are paired by replicate.\n";
  return os.str();
}

std::string check_report(const TrialResult& r, const std::vector<std::string>& only) {
  std::string out;
  for (const auto& id : r.target_ids()) {
    if (!only.empty() && std::find(only.begin(), only.end(), id) == only.end()) continue;
    std::string parts;
    for (const auto& row : r.rows)
      if (row.target == id)
        parts += (parts.empty() ? "" : "; ") + row.arm + " " + row.measure + " " + format_measure(row.summary.mean) +
                 " vs " + format_measure(*row.published) + " +/- " + format_measure(*row.tolerance) +
                 (*row.within ? "" : " (missed)");
    out += std::string(r.target_met(id) ? "met    " : "MISSED ") + id + ": " + parts + "\n";
  }
  return out;
}

}  // namespace percorsi
