// The employment pathway and firms: conservation of jobs, hiring and job-loss hazards
// against observed rates, and the direction of the policy levers (paired, common random
// numbers).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "sim/engine/world.hpp"

using namespace percorsi;

namespace {
const std::string kSrc = PERCORSI_SOURCE_DIR;
Scenario toscana(const std::string& name) { return load_scenario(kSrc + "/scenarios/toscana/" + name + ".yaml"); }
double logistic(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// Runs one week phase by phase, calling `before` and `after` around the named phase.
template <class Before, class After>
void week_around(World& w, const char* phase, Before before, After after) {
  w.begin_week();
  for (const auto& ph : World::phases()) {
    const bool hit = std::string(ph.name) == phase;
    if (hit) before();
    (w.*ph.fn)();
    if (hit) after();
  }
  w.end_week();
}

}  // namespace

TEST(Employment, EveryJobHasOnePersonAndQuotasStayInRange) {
  for (const char* name : {"cpi_integrated", "follow_up_12m", "scouting_profit"}) {
    World w(toscana(name), 0);
    const Firms& F = w.firms();
    const Persons& P = w.persons();
    for (int k = 0; k < 120; ++k) {
      w.step();
      std::vector<int> workers(F.size_(), 0), interns(F.size_(), 0);
      for (std::size_t p = 0; p < P.size(); ++p) {
        if (!P.active(p)) continue;
        const bool has_job = P.work[p] == Employed || P.work[p] == Internship;
        ASSERT_EQ(has_job, P.firm[p] >= 0) << name << " week " << k << " person " << p;
        if (!has_job) continue;
        const auto f = static_cast<std::size_t>(P.firm[p]);
        ASSERT_EQ(F.territory[f], P.territory[p]);
        (P.work[p] == Employed ? workers : interns)[f]++;
      }
      for (std::size_t f = 0; f < F.size_(); ++f) {
        ASSERT_EQ(F.workers[f], workers[f]) << name << " week " << k << " firm " << f;
        ASSERT_EQ(F.interns[f], interns[f]);
        ASSERT_LE(F.filled[f], F.quota[f]);  // unsigned: never negative, never above the quota
        ASSERT_LE(F.vacancies[f], F.size[f]);
        if (F.quota[f] > 0) {
          ASSERT_TRUE(F.flags[f] & FfObliged);
        }
      }
      // The territory counters kept incrementally agree with a recount of the firm columns.
      for (std::size_t t = 0; t < w.territories().size(); ++t) {
        const auto& ts = w.territories()[t];
        std::int64_t known[2] = {0, 0}, engaged[2] = {0, 0}, positions = 0, filled = 0, vacancies = 0;
        for (std::size_t f = ts.firm_begin; f < ts.firm_end; ++f) {
          const int np = (F.flags[f] & FfNonProfit) ? 1 : 0;
          known[np] += (F.flags[f] & FfKnown) ? 1 : 0;
          engaged[np] += (F.flags[f] & FfEngaged) ? 1 : 0;
          positions += F.quota[f];
          filled += F.filled[f];
          vacancies += F.vacancies[f];
        }
        ASSERT_EQ(ts.firms_known[0], known[0]);
        ASSERT_EQ(ts.firms_known[1], known[1]);
        ASSERT_EQ(ts.firms_engaged[0], engaged[0]);
        ASSERT_EQ(ts.firms_engaged[1], engaged[1]);
        ASSERT_EQ(ts.quota_positions, positions);
        ASSERT_EQ(ts.quota_filled, filled);
        ASSERT_EQ(ts.vacancies_open, vacancies);
      }
    }
  }
}

TEST(Employment, Law68Quotas) {
  World w(toscana("baseline"), 0);
  const Firms& F = w.firms();
  int obliged = 0;
  for (std::size_t f = 0; f < F.size_(); ++f) {
    const int s = F.size[f];
    const int expect = s < 15 ? 0 : s <= 35 ? 1 : s <= 50 ? 2 : static_cast<int>(std::floor(0.07 * s));
    ASSERT_EQ(F.quota[f], expect) << "size " << s;
    obliged += F.quota[f] > 0;
  }
  EXPECT_GT(obliged, 0);
}

TEST(Employment, HiringDecisionsMatchTheirProbabilities) {
  Scenario sc = toscana("scouting_early");
  sc.set("scale", "4");
  World w(sc, 5);
  const Persons& P = w.persons();
  const Firms& F = w.firms();
  const int len = static_cast<int>(std::lround(sc[G::employment_internship_duration]));
  double expected = 0, var = 0, hired = 0;
  std::vector<std::pair<std::uint32_t, std::int16_t>> due;
  for (int k = 0; k < 100; ++k) {
    week_around(
        w, "employment_pathway",
        [&] {
          due.clear();
          for (std::size_t p = 0; p < P.size(); ++p)
            if (P.active(p) && P.emp_phase[p] == EpInternship && w.week() - P.emp_since[p] >= len) {
              const auto f = static_cast<std::size_t>(P.firm[p]);
              const bool quota = (P.groups[p] & GDisability) && (F.flags[f] & FfObliged) && F.filled[f] < F.quota[f];
              const double pr = logistic(sc[G::employment_hiring_intercept] + sc[G::employment_hiring_openness_coef] * (F.openness[f] - 0.5) +
                                         sc[G::employment_hiring_employability_coef] * (P.employability[p] - 0.5) +
                                         (quota ? sc[G::employment_hiring_quota_coef] : 0.0));
              expected += pr;
              var += pr * (1 - pr);
              due.emplace_back(static_cast<std::uint32_t>(p), 0);
            }
        },
        [] {});
    // Decisions are taken in scouting_and_firms, right after.
    for (auto& d : due) hired += P.work[d.first] == Employed && P.hire_week[d.first] == w.week() - 1;
  }
  ASSERT_GT(var, 20) << "too few hiring decisions to test";
  EXPECT_NEAR(hired, expected, 4 * std::sqrt(var)) << "decisions with expected " << expected;
}

TEST(Employment, JobLossMatchesItsHazard) {
  Scenario sc = toscana("cpi_integrated");
  sc.set("scale", "4");
  sc.set("employment.job_loss.rate", "2");  // frequent enough to count
  World w(sc, 2);
  const Persons& P = w.persons();
  const double base = 2.0 / 52.0, coef = sc[G::employment_job_loss_employability_coef];
  const int early = static_cast<int>(std::lround(sc[G::employment_job_loss_early_period]));
  double expected = 0, var = 0, lost = 0;
  std::vector<std::uint32_t> employed;
  for (int k = 0; k < 104; ++k)
    week_around(
        w, "employment_pathway",
        [&] {
          employed.clear();
          for (std::size_t p = 0; p < P.size(); ++p)
            if (P.active(p) && P.work[p] == Employed) {
              const int tenure = w.week() - P.hire_week[p];
              const bool np = w.firms().flags[static_cast<std::size_t>(P.firm[p])] & FfNonProfit;
              const double lp = (tenure < early ? std::log(sc[G::employment_job_loss_early_factor]) : 0.0) +
                                coef * (P.employability[p] - 0.5) +  // no follow-up, no ICF assessment in this scenario
                                sc[G::employment_job_loss_functioning_coef] * P.functioning[p] +
                                ((P.groups[p] & GMentalHealth) ? sc[G::employment_job_loss_mental_health_coef] : 0.0) +
                                (np ? sc[G::employment_job_loss_non_profit_coef] : 0.0);
              const double pr = -std::expm1(-base * std::exp(lp));
              expected += pr;
              var += pr * (1 - pr);
              employed.push_back(static_cast<std::uint32_t>(p));
            }
        },
        [&] {});
  // Count separations from the weekly series (every separation is a job loss here).
  const auto r = w.results();
  const auto& names = World::series_names();
  const auto s = static_cast<std::size_t>(std::find(names.begin(), names.end(), "separations") - names.begin());
  for (double x : r.weekly[s].values) lost += x;
  ASSERT_GT(var, 50);
  EXPECT_NEAR(lost, expected, 4 * std::sqrt(var));
}

// Vacancies arrive in proportion to firm size: the guide-table search gives the firm that a
// binary search over the cumulative sizes gives, for any draw, including bucket edges and the
// ends of the range.
TEST(Employment, GuideTableFindsTheSameFirmAsBinarySearch) {
  const RunKey key(7, 0);
  for (std::uint32_t trial = 0; trial < 40; ++trial) {
    Stream s(key, trial, 0, Purpose::FirmCreate);
    const std::size_t n = 1 + static_cast<std::size_t>(s.uniform() * (trial < 20 ? 12 : 3000));
    std::vector<double> cum;
    double total = 0;
    for (std::size_t f = 0; f < n; ++f)  // sizes from 1 to about 60,000 (heavy tail)
      cum.push_back(total += std::ceil(std::exp(s.uniform() * 11.0)));
    const auto guide = size_guide(cum);
    ASSERT_EQ(guide.size(), n);
    std::vector<double> xs = {0.0, std::nextafter(total, 0.0), total};
    for (std::size_t b = 0; b < n; ++b) {  // bucket edges and their neighbours
      const double edge = total * static_cast<double>(b) / static_cast<double>(n);
      ASSERT_EQ(guide[b], static_cast<std::size_t>(std::upper_bound(cum.begin(), cum.end(), edge) - cum.begin())) << b;
      xs.insert(xs.end(), {edge, std::nextafter(edge, 0.0), std::nextafter(edge, total)});
    }
    for (std::size_t f = 0; f < n; ++f) xs.insert(xs.end(), {cum[f], std::nextafter(cum[f], 0.0)});
    for (int j = 0; j < 2000; ++j) xs.push_back(s.uniform() * total);
    for (double x : xs) {
      const auto expect = static_cast<std::size_t>(std::upper_bound(cum.begin(), cum.end(), x) - cum.begin());
      ASSERT_EQ(firm_by_size(cum, guide, x), expect) << "n " << n << " x " << x;
    }
  }
}
