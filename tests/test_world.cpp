// The engine: conservation, hazards against observed rates, determinism across thread
// counts, common random numbers, and the step model against Housing First.
#include <gtest/gtest.h>

#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/random/uniform_01.hpp>
#include <oneapi/tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>

#include "sim/engine/first_blocks.hpp"
#include "sim/engine/world.hpp"

using namespace percorsi;

namespace {
const std::string kSrc = PERCORSI_SOURCE_DIR;
Scenario shipped(const std::string& name) { return load_scenario(kSrc + "/scenarios/piemonte/" + name + ".yaml"); }

std::size_t series_index(const std::string& name) {
  const auto& n = World::series_names();
  const auto it = std::find(n.begin(), n.end(), name);
  EXPECT_NE(it, n.end()) << name;
  return static_cast<std::size_t>(it - n.begin());
}
// A whole run of the fast engine (the model alone: no running layer).
out::ReplicateResult run_replicate(const Scenario& sc, int replicate) {
  World w(sc, replicate);
  for (int k = 0; k < sc.weeks(); ++k) w.step();
  return w.results();
}
const std::vector<double>& weekly(const out::ReplicateResult& r, const std::string& name) {
  return r.weekly[series_index(name)].values;
}
// k-sigma tolerance of an observed proportion over n Bernoulli trials with probability p.
double tol(double p, double n, double k = 4) { return k * std::sqrt(p * (1 - p) / n); }
}  // namespace

TEST(World, PhasesAreTheModelsWeeklyProcessesInOrder) {
  std::vector<std::string> names;
  for (const auto& p : World::phases()) names.emplace_back(p.name);
  // MODEL.md's weekly processes; the firms' week (scouting, vacancies) before the pathway's
  // decisions (they commute: the pathway's proposals read no firm state); the family-care
  // service's week (its own care workers and families: it touches no person); accounting as the
  // end-of-week update and the recording of the week.
  EXPECT_EQ(names, (std::vector<std::string>{"inflow_and_exits", "life_events", "contact_and_assessment",
                                             "housing_pathway", "scouting_and_firms", "employment_pathway",
                                             "family_care", "end_of_week", "record", "events"}));
}

TEST(World, ConservationEveryWeekPerTerritory) {
  for (const char* name : {"step_model", "housing_first", "lockdown_2020"}) {
    const Scenario sc = shipped(name);
    World w(sc, 0);
    const int T = static_cast<int>(sc.territories.size());
    std::vector<std::int64_t> before = w.count_active();
    std::vector<double> ordinary_before(T, 0.0);  // nobody is in charge at week 0
    for (int k = 0; k < 80; ++k) {
      w.step();
      const auto r = w.results();
      const auto now = w.count_active();
      for (int t = 0; t < T; ++t) {
        const std::size_t i = static_cast<std::size_t>(k) * T + t;
        double housing = 0, cases = 0, work = 0;
        for (auto h : kHousingNames) housing += weekly(r, std::string("housing_") + h)[i];
        for (auto c : kCaseNames) cases += weekly(r, std::string("case_") + c)[i];
        for (auto x : kWorkNames) work += weekly(r, std::string("work_") + x)[i];
        const double persons = weekly(r, "persons")[i];
        // Every person in exactly one state of each kind.
        ASSERT_EQ(persons, housing) << name << " week " << k << " territory " << t;
        ASSERT_EQ(persons, cases);
        ASSERT_EQ(persons, work);
        ASSERT_EQ(persons, static_cast<double>(now[t]));
        // Stock change = inflow - exits.
        ASSERT_EQ(now[t] - before[t], weekly(r, "inflow")[i] - weekly(r, "exits")[i]) << name << " week " << k;
        // Occupancy maintained incrementally equals the count from the columns.
        const auto& ts = w.territories()[t];
        ASSERT_EQ(static_cast<double>(ts.occ[Shelter]), weekly(r, "housing_shelter")[i]);
        ASSERT_EQ(static_cast<double>(ts.occ[HfFlat]), weekly(r, "housing_hf_flat")[i]);
        // Capacities hold.
        ASSERT_LE(weekly(r, "housing_shelter")[i], weekly(r, "capacity_shelter_beds")[i]);
        ASSERT_LE(weekly(r, "housing_transitional")[i], weekly(r, "capacity_transitional")[i]);
        ASSERT_LE(weekly(r, "housing_hf_flat")[i] + weekly(r, "hf_searching")[i], weekly(r, "capacity_hf_flats")[i]);
        // Case workers serve the plans that the Housing First team does not (its tenants): new
        // plans only within the case slots; above them only by people the team hands back.
        const double ordinary = weekly(r, "case_in_charge")[i] + weekly(r, "case_follow_up")[i] - weekly(r, "case_hf_team")[i];
        ASSERT_LE(ordinary, std::max(weekly(r, "capacity_case_slots")[i], ordinary_before[t] + weekly(r, "hf_handed_back")[i]));
        if (weekly(r, "taken_in_charge")[i] > 0) {
          ASSERT_LE(ordinary, weekly(r, "capacity_case_slots")[i]);
        }
        // While people wait for a case worker, the places are filled to their ceiling at intake;
        // afterwards in the week only tenants moving into a Housing First flat leave the case
        // workers for the team (Housing First tenants hold no case-worker place).
        if (weekly(r, "queue_case")[i] > 0 && sc.choice<G::cpi_involvement>() == choice::cpi_involvement::marginal) {
          const double moved_in = weekly(r, "flow_street_to_hf_flat")[i] + weekly(r, "flow_shelter_to_hf_flat")[i] +
                                  weekly(r, "flow_transitional_to_hf_flat")[i];
          ASSERT_GE(ordinary + moved_in, weekly(r, "capacity_case_slots")[i]) << sc.name() << " week " << k << " territory " << t;
        }
        ordinary_before[t] = ordinary;
        ASSERT_EQ(static_cast<double>(ts.hf_team_cases), weekly(r, "case_hf_team")[i]);
      }
      before = now;
      // Weeks per state add up to the weeks each person has been present (the spells that
      // ended are added at the end of the week; the open one is counted as it runs).
      if (k % 20 != 19) continue;
      const auto& P = w.persons();
      for (std::size_t p = 0; p < P.size(); ++p) {
        const int present = (P.active(p) ? w.week() : P.exit[p]) - P.entry[p];
        int h_sum = 0, c_sum = 0;
        for (int h = 0; h < kHousingStates; ++h) h_sum += P.weeks_in_housing(p, h, w.week());
        for (int c = 0; c < kCaseStates; ++c) c_sum += P.weeks_in_case(p, c, w.week());
        ASSERT_EQ(h_sum, present) << name << " person " << p << " week " << k;
        ASSERT_EQ(c_sum, present) << name << " person " << p << " week " << k;
      }
    }
  }
}

// The queue series count the people waiting from the person columns; they equal the live
// entries of the territories' queues (active, still in the state the queue serves).
TEST(World, QueueSeriesMatchTheQueues) {
  for (const std::string path : {"/scenarios/piemonte/step_model.yaml", "/scenarios/toscana/cpi_marginal.yaml",
                                 "/scenarios/toscana/cpi_integrated.yaml"}) {
    World w(load_scenario(kSrc + path), 1);
    const int T = static_cast<int>(w.territories().size());
    const auto& P = w.persons();
    auto live = [&](const std::deque<std::uint32_t>& q, std::uint8_t state, std::uint8_t done) {
      double m = 0;
      for (std::uint32_t p : q) m += P.active(p) && P.kase[p] == state && !(P.flags[p] & done);
      return m;
    };
    double waited = 0;
    for (int k = 0; k < 60; ++k) {
      w.step();
      const auto r = w.results();
      for (int t = 0; t < T; ++t) {
        const std::size_t i = static_cast<std::size_t>(k) * T + t;
        const auto& ts = w.territories()[t];
        ASSERT_EQ(weekly(r, "queue_social")[i], live(ts.social_queue, Waiting, FSocialDone)) << path << " week " << k;
        ASSERT_EQ(weekly(r, "queue_cpi")[i], live(ts.cpi_queue, Waiting, FCpiDone)) << path << " week " << k;
        ASSERT_EQ(weekly(r, "queue_case")[i], live(ts.case_queue, Assessed, 0)) << path << " week " << k;
        waited += weekly(r, "queue_social")[i] + weekly(r, "queue_case")[i];
      }
    }
    EXPECT_GT(waited, 0) << path;  // the queues were not all empty
  }
}

TEST(World, ExitHazardMatchesObservedRate) {
  Scenario sc = shipped("baseline");
  sc.set("exits.rate", "5");
  sc.set("exits.health_coef", "0");
  sc.set("exits.age_out", "120");
  sc.set("scale", "5");
  sc.set("horizon", "20 weeks");
  const auto r = run_replicate(sc, 0);
  const int T = static_cast<int>(sc.territories.size());
  double at_risk = 0, exits = 0, initial = 0;
  for (const auto& t : sc.territories) initial += t[T::initial_population] * 5;
  for (int k = 0; k < r.weeks; ++k)
    for (int t = 0; t < T; ++t) {
      exits += weekly(r, "exits")[k * T + t];
      // People exposed this week: those present at the end of the previous week.
      at_risk += k == 0 ? 0 : weekly(r, "persons")[(k - 1) * T + t];
    }
  at_risk += initial;
  const double p = -std::expm1(-5.0 / 52.0);
  EXPECT_NEAR(exits / at_risk, p, tol(p, at_risk)) << "observed over " << at_risk << " person-weeks";
}

TEST(World, ContactHazardMatchesObservedRate) {
  Scenario sc = shipped("baseline");
  sc.set("access.contact_rate", "10");
  sc.set("access.contact_efficacy_coef", "0");
  sc.set("scale", "5");
  World w(sc, 3);
  double at_risk = 0, contacted = 0;
  for (int k = 0; k < 12; ++k) {
    w.begin_week();
    for (const auto& ph : World::phases()) {
      if (std::string(ph.name) != "contact_and_assessment") {
        (w.*ph.fn)();
        continue;
      }
      const Persons& P = w.persons();
      std::vector<std::uint32_t> exposed;
      for (std::size_t p = 0; p < P.size(); ++p)
        if (P.active(p) && P.kase[p] == Unknown && homeless(P.housing[p])) exposed.push_back(static_cast<std::uint32_t>(p));
      (w.*ph.fn)();
      at_risk += static_cast<double>(exposed.size());
      for (auto p : exposed) contacted += P.kase[p] != Unknown;
    }
    w.end_week();
  }
  const double p = -std::expm1(-10.0 / 52.0);
  EXPECT_NEAR(contacted / at_risk, p, tol(p, at_risk)) << "over " << at_risk << " person-weeks";
}

TEST(World, EvictionHazardAndIncomeEffect) {
  Scenario sc = shipped("baseline");
  for (const char* k : {"population.initial.street", "population.initial.shelter", "population.initial.transitional",
                        "territories[].arrival_homeless_share"})
    sc.set(k, "0");  // everyone starts in an own tenancy
  sc.set("life.eviction_rate", "4");
  sc.set("life.eviction_income_coef", "-0.7");
  sc.set("scale", "5");
  World w(sc, 1);
  double n[2] = {0, 0}, ev[2] = {0, 0};
  for (int k = 0; k < 10; ++k) {
    w.begin_week();
    for (const auto& ph : World::phases()) {
      if (std::string(ph.name) != "life_events") {
        (w.*ph.fn)();
        continue;
      }
      const Persons& P = w.persons();
      std::vector<std::uint32_t> housed;
      for (std::size_t p = 0; p < P.size(); ++p)
        if (P.active(p) && P.housing[p] == Housed) housed.push_back(static_cast<std::uint32_t>(p));
      (w.*ph.fn)();
      for (auto p : housed) {
        const int inc = (P.flags[p] & FIncome) ? 1 : 0;
        n[inc]++;
        ev[inc] += P.housing[p] == Street;
      }
    }
    w.end_week();
  }
  const double p0 = -std::expm1(-4.0 / 52.0), p1 = -std::expm1(-4.0 / 52.0 * std::exp(-0.7));
  EXPECT_NEAR(ev[0] / n[0], p0, tol(p0, n[0]));
  EXPECT_NEAR(ev[1] / n[1], p1, tol(p1, n[1]));
}

TEST(World, SameHashForAnyThreadCount) {
  Scenario sc = shipped("housing_first");
  sc.set("scale", "20");  // ~20,000 people: several blocks of persons per phase
  sc.set("horizon", "30 weeks");
  std::uint64_t reference = 0;
  for (int threads : {1, 2, 4, 8})
    for (int rep = 0; rep < 3; ++rep) {
      tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
      World w(sc, 2);
      for (int k = 0; k < sc.weeks(); ++k) w.step();
      const std::uint64_t h = w.state_hash();
      if (reference == 0) reference = h;
      EXPECT_EQ(h, reference) << threads << " threads, repetition " << rep;
    }
}

TEST(World, DifferentSeedsOrReplicatesDiffer) {
  Scenario sc = shipped("baseline");
  sc.set("horizon", "10 weeks");
  World a(sc, 0), b(sc, 1);
  for (int k = 0; k < 10; ++k) a.step(), b.step();
  EXPECT_NE(a.state_hash(), b.state_hash());
}

// The batched (SIMD and portable) first blocks are the words of Random123's Philox4x32-10 and of Stream.
TEST(Rng, BatchedFirstBlocksMatchRandom123AndStream) {
  const RunKey k(20200301, 3);
  std::uint32_t ids[kBatch];
  for (std::size_t i = 0; i < kBatch; ++i) ids[i] = static_cast<std::uint32_t>(i * 2654435761u + 7);
  using Simd = FirstBlocks::Simd;
  int versions = 0;
  for (std::uint32_t week : {0u, 52u, 519u}) {
    FirstBlocks b{}, v[3]{};
    b.compute(k, ids, week, Purpose::Employment);
    for (Simd s : {Simd::Portable, Simd::Avx2, Simd::Avx512}) {
      if (!FirstBlocks::supported(s)) continue;  // this processor lacks it (the portable one always runs)
      v[static_cast<int>(s)].compute_with(s, k, ids, week, Purpose::Employment);
      ++versions;
    }
    for (std::size_t i = 0; i < kBatch; ++i) {
      const Philox::ctr_type ctr = {{1, ids[i], week, static_cast<std::uint32_t>(Purpose::Employment)}};
      const auto ref = Philox()(ctr, k.key);
      Stream scalar(k, ids[i], week, Purpose::Employment), batched = batched_stream(k, ids[i], week, Purpose::Employment, b, i);
      for (int j = 0; j < 4; ++j) {
        for (Simd s : {Simd::Portable, Simd::Avx2, Simd::Avx512}) {
          if (!FirstBlocks::supported(s)) continue;
          ASSERT_EQ(v[static_cast<int>(s)].w[j][i], ref.v[j]) << "version " << static_cast<int>(s) << " lane " << i << " word " << j;
        }
        ASSERT_EQ(b.w[j][i], ref.v[j]) << "lane " << i << " word " << j;
        ASSERT_EQ(batched(), scalar());
      }
      for (int j = 0; j < 6; ++j) ASSERT_EQ(batched.uniform(), scalar.uniform());  // next blocks agree too
    }
  }
  EXPECT_GE(versions, 3);  // the portable version ran for every week
  if (!FirstBlocks::supported(Simd::Avx512)) std::printf("note: this processor lacks AVX-512; that version was not checked\n");
  // Stream::uniform() is Boost's uniform_01<double> over the same words.
  Stream a(k, 5, 9, Purpose::Exit), b(k, 5, 9, Purpose::Exit);
  boost::random::uniform_01<double> u01;
  for (int j = 0; j < 20; ++j) ASSERT_EQ(a.uniform(), u01(b));
}

// The trait and openness draws: Marsaglia-Tsang gamma and the beta built from it follow their
// distributions. Kolmogorov-Smirnov distance to the exact CDF (Boost.Math) below the 0.1%
// critical value 1.95 / sqrt(n), and the mean within 5 standard errors, for shapes below and
// above 1 and the Beta parameters the defaults use (concentration 6 and 8).
TEST(Rng, GammaAndBetaDrawsFollowTheirDistributions) {
  const RunKey k(11, 0);
  const int n = 40000;
  auto ks = [n](std::vector<double>& x, auto cdf) {
    std::sort(x.begin(), x.end());
    double d = 0;
    for (int i = 0; i < n; ++i) {
      const double f = cdf(x[i]);
      d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
    }
    return d;
  };
  const double crit = 1.95 / std::sqrt(static_cast<double>(n));
  std::uint32_t entity = 0;
  for (double a : {0.3, 1.0, 2.4, 3.0, 5.6, 30.0}) {
    std::vector<double> x(n);
    double sum = 0;
    for (int i = 0; i < n; ++i) {
      Stream s(k, entity++, 0, Purpose::Attributes);
      x[i] = gamma_draw(s, a);
      sum += x[i];
    }
    EXPECT_NEAR(sum / n, a, 5 * std::sqrt(a / n)) << "gamma shape " << a;
    EXPECT_LT(ks(x, [a](double v) { return boost::math::gamma_p(a, v); }), crit) << "gamma shape " << a;
  }
  for (auto [a, b] : {std::pair{3.0, 3.0}, {3.6, 2.4}, {2.8, 5.2}, {4.8, 3.2}, {0.12, 5.88}}) {
    std::vector<double> x(n);
    double sum = 0;
    for (int i = 0; i < n; ++i) {
      Stream s(k, entity++, 0, Purpose::Attributes);
      x[i] = beta_draw(s, a, b);
      sum += x[i];
    }
    const double m = a / (a + b), var = a * b / ((a + b) * (a + b) * (a + b + 1));
    EXPECT_NEAR(sum / n, m, 5 * std::sqrt(var / n)) << "beta " << a << ", " << b;
    EXPECT_LT(ks(x, [a, b](double v) { return boost::math::ibeta(a, b, v); }), crit) << "beta " << a << ", " << b;
  }
}

TEST(World, LockdownScalesActivityDuringItsWindowOnly) {
  const Scenario base = [] {
    Scenario b = shipped("baseline");
    b.set("horizon", "3 years");
    return b;
  }();
  const Scenario lock = shipped("lockdown_2020");
  const int start = static_cast<int>(lock.events[0][E::start]), end = static_cast<int>(lock.events[0][E::end]);
  for (int rep = 0; rep < 3; ++rep) {
    const auto a = run_replicate(base, rep), b = run_replicate(lock, rep);
    const int T = static_cast<int>(base.territories.size());
    auto sum = [&](const out::ReplicateResult& r, const char* s, int w0, int w1) {
      double x = 0;
      for (int k = w0; k < w1; ++k)
        for (int t = 0; t < T; ++t) x += weekly(r, s)[k * T + t];
      return x;
    };
    // Identical before the event (common random numbers), fewer assessments during it.
    EXPECT_EQ(sum(a, "contacts", 0, start), sum(b, "contacts", 0, start));
    EXPECT_LT(sum(b, "assessments_social", start, end), 0.6 * sum(a, "assessments_social", start, end));
  }
}

TEST(World, TimelineRecordsEveryChangeOfState) {
  Scenario sc = shipped("housing_first");
  sc.set("horizon", "40 weeks");
  World w(sc, 0);
  for (int k = 0; k < 40; ++k) w.step();
  const auto tl = w.timeline();
  ASSERT_EQ(tl.size(), 5u);
  const auto &person = tl[0].ints, &week = tl[1].ints, &housing = tl[2].ints, &kase = tl[3].ints, &work = tl[4].ints;
  const Persons& P = w.persons();
  std::vector<int> last(P.size(), -1);
  for (std::size_t i = 0; i < person.size(); ++i) {
    if (i > 0 && person[i] == person[i - 1]) {
      ASSERT_GT(week[i], week[i - 1]);  // ordered by person, then week
      ASSERT_TRUE(housing[i] != housing[i - 1] || kase[i] != kase[i - 1] || work[i] != work[i - 1]);  // changes only
    } else if (i > 0) {
      ASSERT_GT(person[i], person[i - 1]);
    }
    last[static_cast<std::size_t>(person[i])] = static_cast<int>(i);
  }
  for (std::size_t p = 0; p < P.size(); ++p) {
    if (P.exit[p] == P.entry[p]) continue;  // left before the end of their first week
    ASSERT_GE(last[p], 0) << "person " << p << " has no timeline";
    const auto i = static_cast<std::size_t>(last[p]);
    if (P.active(p)) {  // the last change is the final state
      EXPECT_EQ(housing[i], P.housing[p]);
      EXPECT_EQ(kase[i], P.kase[p]);
      EXPECT_EQ(work[i], P.work[p]);
    }
  }
}
