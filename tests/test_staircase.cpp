// The staircase (docs/model.md, "The step model"): shelter -> transitional housing -> an own
// tenancy, each step earned after a minimum stay, with drop-outs down the ladder. Its rates come
// from the trials of scenarios/trials/ through scenarios/calibration/trials.yaml (the first step
// from the Family Options usual-care arm, the top step with the private lets from the At Home/
// Chez Soi usual-care arm; docs/calibration.md). This test shows that the engine's ladder, alone
// (no other rehousing route, no exits or life events), houses exactly what those rates and
// minimum stays imply: the share in transitional housing and in an own tenancy week by week,
// against the same ladder computed as a Markov chain over (step, weeks on it).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

#include "sim/engine/world.hpp"
#include "sim/model/hazard.hpp"

using namespace percorsi;

namespace {

constexpr int kPersons = 20000;

// `step`: more values of the step block ("readiness_rate: 2, ").
Scenario ladder_scenario(const std::string& step) {
  Scenario sc = parse_scenario(
      "name: ladder\nseed: 11\nhorizon: 24 months\n"
      "population: {initial: {street: 0, shelter: 1.0, transitional: 0, known: 1.0}, groups: {mental_health: 0},"
      " income_support: 1.0}\n"
      "step: {" + step + "shelter_seek_rate: 0, dropout_efficacy_coef: 0, readiness_efficacy_coef: 0, readiness_health_coef: 0,"
      " move_on_efficacy_coef: 0, case_time_coef: 0}\n"
      "rehousing: {private_rate: 0}\n"
      "territories: [{name: a, initial_population: " +
          std::to_string(kPersons) +
          ", inflow: 0, case_workers: 5000, assessment_capacity: 50000, shelter_beds: 50000,"
          " transitional_places: 50000, affordable_lets: 50000, social_housing_lets: 0}]\n",
      "ladder.yaml");
  sc.validate();
  return sc;
}

// The ladder as a Markov chain over weeks: mass by (step, week it began); each week a person in
// a shelter leaves it (to the street, where with no shelter seeking they stay) or, after the
// minimum stay, passes the readiness test; in transitional housing drops out (to a shelter bed)
// or, after the minimum stay, moves on to an own tenancy. Returns the shares in transitional
// housing and housed at the end of each week.
struct Chain {
  std::vector<double> transitional, housed, ever_transitional;
};
Chain ladder_chain(const Scenario& sc, int weeks) {
  const double pd = hazard_p(sc[G::step_shelter_dropout_rate] / 52), pr = hazard_p(sc[G::step_readiness_rate] / 52);
  const double pdt = hazard_p(sc[G::step_transitional_dropout_rate] / 52), pm = hazard_p(sc[G::step_move_on_rate] / 52);
  const int ms = static_cast<int>(sc[G::step_shelter_min_stay]), mt = static_cast<int>(sc[G::step_transitional_min_stay]);
  // Shelter mass of people never yet in transitional housing (first) and of those sent back down.
  std::map<int, double> first{{0, 1.0}}, again, trans;
  double housed = 0, ever = 0;
  Chain c;
  for (int k = 0; k < weeks; ++k) {
    std::map<int, double> f2, a2, t2;
    double to_trans = 0, to_shelter = 0;
    auto shelter_week = [&](const std::map<int, double>& from, std::map<int, double>& to) {
      double up_all = 0;
      for (const auto& [since, m] : from) {
        const double stay = m * (1 - pd);  // the rest leaves to the street
        const double up = k - since >= ms ? stay * pr : 0;
        to[since] += stay - up, up_all += up;
      }
      return up_all;
    };
    const double first_up = shelter_week(first, f2);
    to_trans = first_up + shelter_week(again, a2);
    for (const auto& [since, m] : trans) {
      const double down = m * pdt, rest = m - down;
      const double on = k - since >= mt ? rest * pm : 0;
      t2[since] += rest - on, to_shelter += down, housed += on;
    }
    a2[k] += to_shelter, t2[k] += to_trans, ever += first_up;
    first.swap(f2), again.swap(a2), trans.swap(t2);
    double tr = 0;
    for (const auto& [since, m] : trans) tr += m;
    c.transitional.push_back(tr), c.housed.push_back(housed), c.ever_transitional.push_back(ever);
  }
  return c;
}

void expect_share(double observed, double expected, const std::string& what) {
  // Four binomial standard errors of a share of kPersons.
  const double tol = 4 * std::sqrt(std::max(expected * (1 - expected), 1.0 / kPersons) / kPersons);
  EXPECT_NEAR(observed, expected, tol) << what;
}

}  // namespace

TEST(Staircase, TheLadderAloneHousesWhatItsRatesAndMinimumStaysImply) {
  for (const std::string& extra : {std::string(), std::string("readiness_rate: 2, move_on_rate: 2.4, transitional_min_stay: 3 months, ")}) {
    Scenario sc = ladder_scenario(extra);
    const int weeks = sc.weeks();
    const Chain chain = ladder_chain(sc, weeks);
    World w(sc, 0);
    const Persons& P = w.persons();
    std::vector<char> was_transitional(P.size(), 0);
    for (int k = 0; k < weeks; ++k) {
      w.begin_week();
      if (k == 0) {
        w.contact_and_assessment();  // everyone known is taken in charge at once
        for (std::uint32_t p = 0; p < P.size(); ++p) ASSERT_EQ(P.kase[p], InCharge) << "person " << p;
      }
      w.housing_pathway();
      w.end_week();
      double tr = 0, housed = 0, ever = 0;
      for (std::uint32_t p = 0; p < P.size(); ++p) {
        was_transitional[p] |= P.housing[p] == Transitional;
        tr += P.housing[p] == Transitional, housed += P.housing[p] == Housed, ever += was_transitional[p];
      }
      if (k % 13 != 12 && k != weeks - 1) continue;
      const std::string at = (extra.empty() ? "defaults" : "faster ladder") + std::string(", week ") + std::to_string(k + 1);
      expect_share(tr / kPersons, chain.transitional[k], "in transitional housing, " + at);
      expect_share(housed / kPersons, chain.housed[k], "in an own tenancy, " + at);
      expect_share(ever / kPersons, chain.ever_transitional[k], "ever in transitional housing, " + at);
    }
    std::printf("%s: at 12 months %.1f%% housed, %.1f%% ever in transitional housing; at 24 months %.1f%%, %.1f%%\n",
                extra.empty() ? "defaults" : "faster ladder", 100 * chain.housed[51], 100 * chain.ever_transitional[51],
                100 * chain.housed[weeks - 1], 100 * chain.ever_transitional[weeks - 1]);
  }
}
