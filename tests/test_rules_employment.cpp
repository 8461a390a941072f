// Tests of model meaning, rules of the employment pathway and the job centre added with the
// mechanisms round (issue "A model that holds up", point 8): direct placement, qualifying
// internships, non-profit firms, job loss and internship break-off by functioning, mental
// illness and sector, the ICF assessment, reiteration, the network's partners, the integrated
// job centre (joint assessment, co-design), Housing First job support and mental illness on the
// open market. As in test_model_rules.cpp: each hazard at three parameter sets or more, each
// covariate in its own bins, observed counts against the sum of the predicted probabilities
// person by person within 4.5 standard deviations (Trials), fixed seeds; deterministic rules
// exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "model_test_helpers.hpp"
#include "sim/engine/world.hpp"
#include "sim/model/rules.hpp"

using namespace percorsi;
using namespace percorsi::mt;

namespace {

// Territories A, B, ... of people housed, known to services (in charge in week 0) and looking
// for work, with every firm reached by scouting in week 0 and vacancies aplenty; every hazard
// and every gain of the employment pathway off (orientation one week, no training): each test
// turns on the mechanism it checks. Capacities are ample.
Scenario pathway(int people, int firms, int territories = 1) {
  std::ostringstream y;
  y << R"(name: employment rules
seed: 4321
horizon: 2 years
population:
  initial: {street: 0, shelter: 0, transitional: 0, known: 1}
  groups: {mental_health: 0.4, disability: 0.4, long_term_unemployed: 1}
  income_support: 0.5
exits: {rate: 0}
life: {eviction_rate: 0, reconnection_rate: 0, health_crisis_rate: 0, health_recovery: 0, efficacy_wait_loss: 0}
rehousing: {private_rate: 0}
institution: {health_rate: 0, justice_rate: 0}
access: {contact_rate: 0}
case: {dropout_rate: 0, follow_up_after: 520 weeks}
step: {shelter_seek_rate: 0, shelter_dropout_rate: 0, transitional_dropout_rate: 0, readiness_rate: 0, move_on_rate: 0}
housing_first: {tenancy_loss_rate: 0}
employment:
  orientation: 1 weeks
  training: {threshold: 0}
  scouting: {start: 0 weeks, intensity: 10000, hours_per_firm: 0.1}
  matching: {rate: 0, quality: 0}
  internship: {dropout_rate: 0, duration: 26 weeks}
  discouragement: {rate: 0}
  job_loss: {rate: 0}
  qualifying_gain: 0
  reiteration: {efficacy_gain: 0}
labour: {job_finding_rate: 0}
network: {firms_per_partner: 0, overhead_per_partner: 0}
firms: {vacancy_rate: 5, quota_initial_fill: 0}
territory_defaults: {inflow: 0, case_workers: 100000, assessment_capacity: 100000, cpi_assessment_capacity: 100000,
                     shelter_beds: 1000000, transitional_places: 1000000, training_seats: 100000, affordable_lets: 0,
                     social_housing_lets: 0}
territories:
)";
  for (int t = 0; t < territories; ++t)
    y << "  - {name: " << static_cast<char>('A' + t) << ", initial_population: " << people << ", firms: " << firms
      << "}\n";
  return yaml(y.str());
}

// A parameter's value as scenario text: a number, a flag, or text as it is ("2 weeks").
struct ParamValue {
  std::string text;
  ParamValue(const char* t) : text(t) {}
  ParamValue(std::string t) : text(std::move(t)) {}
  ParamValue(bool b) : text(b ? "true" : "false") {}
  ParamValue(int n) : text(std::to_string(n)) {}
  ParamValue(double x) {
    std::ostringstream o;
    o << x;
    text = o.str();
  }
};
void set(Scenario& sc, std::initializer_list<std::pair<const char*, ParamValue>> values) {
  for (const auto& [key, v] : values) sc.set(key, v.text);
}
std::string str(double x) {
  return ParamValue(x).text;
}
// An event on `target` with this factor, in force in every territory from week `start` on.
Scenario with_event(const Scenario& sc, const std::string& target, double factor, int start = 0) {
  return yaml(sc.to_yaml() + "events: [{name: e, target: " + target + ", factor: " + str(factor) +
              ", start: " + std::to_string(start) + " weeks, end: 1000 weeks}]\n");
}

// Runs `weeks` weeks (the phases in `only`, all when empty), with a copy of the people taken
// just before `phase` (in `before`) and check() called just after it.
void weeks_around(World& w, int weeks, const std::string& phase, Persons& before, const std::function<void()>& check,
                  std::initializer_list<const char*> only = {}) {
  const auto snapshot = [&] { before = w.persons(); };
  for (int k = 0; k < weeks; ++k) run_week(w, around(phase, snapshot, check), only);
}

const char* half(float x) {
  return x < 0.5f ? "low" : "high";
}
std::string level(int functioning) {
  return functioning == 0 ? "0" : functioning <= 2 ? "1-2" : "3-4";
}
bool mi(const Persons& P, std::size_t p) {
  return (P.groups[p] & GMentalHealth) != 0;
}
bool non_profit(const Firms& F, std::int32_t f) {
  return (F.flags[static_cast<std::size_t>(f)] & FfNonProfit) != 0;
}

// A count with a Poisson(mean) distribution, as trials of known total mean and variance.
void add_poisson(Trials& tr, const std::string& bin, double mean, double observed) {
  auto& b = tr.bins[bin];
  b.n++, b.expected += mean, b.var += mean, b.observed += observed;
}

// Proposals every week or so, (almost) always accepted: people reach an internship in weeks.
void place_quickly(Scenario& sc) {
  set(sc, {{"employment.matching.rate", "52"}, {"employment.matching.intercept", "4"}});
}

// Capacity units of week w for a weekly capacity x (cumulative rounding).
std::int64_t units(double x, int w) {
  return static_cast<std::int64_t>(std::floor(x * (w + 1)) - std::floor(x * w));
}

// The share of the functioning level's effect that remains with the ICF assessment, if used.
double icf_keep(const Scenario& sc) {
  return sc[G::employment_icf_assessment] != 0 ? 1 - sc[G::employment_icf_fit_gain] : 1.0;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Matching and placement

// With employment.placement direct the firm's interview is the hiring decision: a proposed
// candidate is hired at once (a programme job, with a success's gain of self-efficacy) with
// probability logistic(acceptance) x logistic(hiring decision), no internship; with
// placement internship the acceptance alone starts an internship and nobody is hired at
// matching. The acceptance reads the functioning level times (1 - icf_fit_gain) when the ICF
// assessment is used. Firms are drawn at random among the known vacancies (matching quality 0).
TEST(EmploymentRules, DirectPlacementHiresAtTheInterviewWithAcceptanceTimesTheHiringDecision) {
  struct D {
    const char* placement;
    double rate, mi, me, mf, mo, mnp, hi, ho, he;
    bool icf;
    double fit;
  };
  for (const D& d : {D{"direct", 12, 0.5, 2.0, -0.4, 2.0, 0.5, 0.3, 1.5, 2.0, false, 0.5},
                     D{"direct", 20, -0.5, -1.0, -0.6, 3.0, -0.5, -0.5, -1.5, 1.0, true, 0.6},
                     D{"direct", 8, 1.0, 1.5, 0.4, 1.0, 1.0, 1.0, 2.0, -1.5, true, 0.25},
                     D{"internship", 12, 0.5, 2.0, -0.6, 2.0, 0.0, -3.0, 1.5, 2.0, true, 0.7}}) {
    const bool direct = std::string(d.placement) == "direct";
    Scenario sc = pathway(6000, 3000);
    set(sc, {{"employment.placement", d.placement},
             {"employment.matching.rate", d.rate},
             {"employment.matching.intercept", d.mi},
             {"employment.matching.employability_coef", d.me},
             {"employment.matching.functioning_coef", d.mf},
             {"employment.matching.openness_coef", d.mo},
             {"employment.matching.non_profit_coef", d.mnp},
             {"employment.hiring.intercept", d.hi},
             {"employment.hiring.openness_coef", d.ho},
             {"employment.hiring.employability_coef", d.he},
             {"employment.hiring.quota_coef", "0"},
             {"employment.icf_assessment", d.icf},
             {"employment.icf_fit_gain", d.fit},
             {"cpi.involvement", "marginal"},
             {"firms.non_profit_share", "0.4"},
             {"life.efficacy_failure_loss", "0.1"},
             {"life.efficacy_success_gain", "0.03"}});
    const double keep = d.icf ? 1 - d.fit : 1.0;
    World w(sc, 31);
    const Persons& P = w.persons();
    const Firms& F = w.firms();
    Persons B;
    Trials tr;
    weeks_around(w, 8, "employment_pathway", B, [&] {
      const int wk = w.week();
      // The vacancies on offer at matching time: those left, and those taken this week.
      std::map<std::uint32_t, double> slots;
      double total = 0;
      for (std::size_t f = 0; f < F.size_(); ++f)
        if ((F.flags[f] & FfKnown) && F.vacancies[f] > 0)
          slots[static_cast<std::uint32_t>(f)] += F.vacancies[f], total += F.vacancies[f];
      ASSERT_GT(total, 0) << "vacancies ran out: proposals were not all made";
      for (std::size_t p = 0; p < P.size(); ++p)
        if (B.emp_phase[p] == EpMatching && P.firm[p] >= 0) slots[static_cast<std::uint32_t>(P.firm[p])]++, total++;
      for (std::size_t p = 0; p < P.size(); ++p) {
        if (B.emp_phase[p] != EpMatching || B.efficacy[p] <= 0) continue;
        const bool hired = P.work[p] == Employed, intern = P.work[p] == Internship,
                   refused = P.efficacy[p] < B.efficacy[p];
        ASSERT_FALSE(direct ? intern : hired) << d.placement << " placement";
        if (hired) {
          ASSERT_EQ(P.emp_phase[p], EpEmployed) << "a programme job, with its follow-up";
          ASSERT_EQ(P.hire_week[p], wk);
          ASSERT_NEAR(P.efficacy[p], clamp01(B.efficacy[p] + 0.03f), 1e-6);
        }
        if (intern) {
          ASSERT_EQ(P.emp_phase[p], EpInternship);
          ASSERT_EQ(P.efficacy[p], B.efficacy[p]);
        }
        if (refused) {
          ASSERT_NEAR(P.efficacy[p], clamp01(B.efficacy[p] - 0.05f), 1e-6) << "half a failure loss";
        }
        const bool placed = hired || intern;
        tr.add("proposed", hz(d.rate), placed || refused);
        if (!(placed || refused)) continue;
        double pr = 0;
        for (const auto& [f, n] : slots) {
          const bool np = F.flags[f] & FfNonProfit;
          const double accept = logistic(d.mi + d.me * (P.employability[p] - 0.5) + d.mf * keep * P.functioning[p] +
                                         d.mo * (F.openness[f] - 0.5) + (np ? d.mnp : 0.0));
          const double hire = logistic(d.hi + d.ho * (F.openness[f] - 0.5) + d.he * (P.employability[p] - 0.5));
          pr += n / total * accept * (direct ? hire : 1.0);
        }
        tr.add("placed_functioning_" + level(P.functioning[p]), pr, placed);
        tr.add(std::string("placed_employability_") + half(P.employability[p]), pr, placed);
      }
    });
    tr.check(std::string(d.placement) + " placement, matching rate " + str(d.rate),
             {"proposed", "placed_functioning_0", "placed_functioning_1-2", "placed_functioning_3-4",
              "placed_employability_low", "placed_employability_high"},
             20);
  }
}

// A completed internship raises employability by employment.qualifying_gain in a profit firm
// and by non_profit_qualifying_share of it in a non-profit firm, hired or not; an internship
// that breaks off gives nothing, and nothing else in the pathway changes employability here.
TEST(EmploymentRules, ACompletedInternshipQualifiesLessInANonProfitFirm) {
  for (auto [gain, share] : {std::pair{0.05, 0.25}, {0.12, 0.0}, {0.2, 0.8}}) {
    Scenario sc = pathway(8000, 3000);
    place_quickly(sc);
    set(sc, {{"employment.internship.duration", "2 weeks"},
             {"employment.hiring.intercept", "0"},
             {"employment.internship.dropout_rate", "3"},
             {"firms.non_profit_share", "0.4"},
             {"employment.qualifying_gain", gain},
             {"employment.non_profit_qualifying_share", share}});
    World w(sc, 32);
    const Persons& P = w.persons();
    const Firms& F = w.firms();
    Persons B;
    std::map<std::string, int> n;
    weeks_around(w, 10, "employment_pathway", B, [&] {
      for (std::size_t p = 0; p < P.size(); ++p) {
        const bool completed = B.work[p] == Internship && w.week() - B.emp_since[p] >= 2;
        if (!completed) {
          ASSERT_EQ(P.employability[p], B.employability[p]) << "only a completed internship qualifies";
          n["broke off"] += B.work[p] == Internship && P.work[p] != Internship;
          continue;
        }
        const bool np = non_profit(F, B.firm[p]);
        const double x = static_cast<double>(B.employability[p]) + gain * (np ? share : 1.0);
        ASSERT_EQ(P.employability[p], static_cast<float>(std::min(1.0, x)))
            << (np ? "non-profit" : "profit") << " firm";
        n[std::string(np ? "non-profit" : "profit") + (P.work[p] == Employed ? " hired" : " not hired")]++;
      }
    });
    for (const char* k : {"profit hired", "profit not hired", "non-profit hired", "non-profit not hired", "broke off"})
      EXPECT_GT(n[k], 50) << k << ", gain " << gain;
  }
}

// ---------------------------------------------------------------------------------------------
// Firms

// Vacancies arrive at firms.vacancy_rate per employee a year times the hiring factor, in
// non-profit firms times firms.non_profit_vacancy_factor: each firm's weekly arrivals are
// Poisson(size x factor x rate / 52 x hiring), summed here by sector and size (firms large
// enough, and vacancies lasting long enough, that none is dropped or expires).
TEST(EmploymentRules, NonProfitFirmsOpenFewerVacanciesForTheirSize) {
  for (auto [factor, rate, hiring] : {std::tuple{0.4, 3.0, 1.0}, {0.1, 5.0, 0.5}, {2.0, 2.0, 1.5}}) {
    Scenario sc = pathway(0, 2000);
    set(sc, {{"firms.non_profit_vacancy_factor", factor},
             {"firms.vacancy_rate", rate},
             {"firms.non_profit_share", "0.3"},
             {"firms.size_median", "100"},
             {"firms.size_sigma", "0.5"},
             {"firms.vacancy_duration", "104 weeks"}});
    World w(with_event(sc, "hiring", hiring), 33);
    const Firms& F = w.firms();
    Trials tr;
    std::vector<std::uint16_t> open;
    for (int k = 0; k < 4; ++k)
      run_week(w,
               around(
                   "scouting_and_firms", [&] { open = F.vacancies; },
                   [&] {
                     for (std::size_t f = 0; f < F.size_(); ++f) {
                       ASSERT_LT(F.vacancies[f], F.size[f]) << "a firm with every post open drops arrivals";
                       const bool np = F.flags[f] & FfNonProfit;
                       const double mean = F.size[f] * (np ? factor : 1.0) * rate / 52 * hiring;
                       add_poisson(tr,
                                   std::string(np ? "non_profit" : "profit") + (F.size[f] < 100 ? "_small" : "_large"),
                                   mean, F.vacancies[f] - open[f]);
                     }
                   }),
               {"scouting_and_firms"});
    tr.check("non-profit vacancy factor " + str(factor) + " rate " + str(rate) + " hiring " + str(hiring),
             {"profit_small", "profit_large", "non_profit_small", "non_profit_large"});
  }
}

// ---------------------------------------------------------------------------------------------
// Job loss and internship break-off

namespace {
// A week of job loss of person p (state B before the phase, P after), in bins by functioning
// level, mental illness and sector: the parameters' log-rate, with `keep` of the functioning
// level's weight (1 - icf_fit_gain for people given the ICF assessment).
void add_job_loss(Trials& tr, const Scenario& sc, const Persons& B, const Persons& P, const Firms& F, std::size_t p,
                  int week, double keep) {
  const int tenure = week - B.hire_week[p], f = B.functioning[p];
  const bool early = tenure < rules::weeks_of(sc[G::employment_job_loss_early_period]);
  const bool follow = B.emp_phase[p] == EpEmployed && tenure < rules::weeks_of(sc[G::employment_follow_up_duration]);
  const bool np = non_profit(F, B.firm[p]);
  const double lp = (early ? std::log(sc[G::employment_job_loss_early_factor]) : 0.0) +
                    (follow ? sc[G::employment_follow_up_effect] * sc[G::employment_follow_up_intensity] : 0.0) +
                    sc[G::employment_job_loss_employability_coef] * (B.employability[p] - 0.5) +
                    sc[G::employment_job_loss_functioning_coef] * (B.emp_phase[p] == EpEmployed ? keep : 1.0) * f +
                    (mi(B, p) ? sc[G::employment_job_loss_mental_health_coef] : 0.0) +
                    (np ? sc[G::employment_job_loss_non_profit_coef] : 0.0);
  const double q = hz(sc[G::employment_job_loss_rate], lp);
  const bool lost = P.work[p] != Employed;
  tr.add("functioning_" + level(f), q, lost);
  tr.add(mi(B, p) ? "mental_illness" : "no_mental_illness", q, lost);
  tr.add(np ? "non_profit" : "profit", q, lost);
}
}  // namespace

// Job loss (programme and open-market jobs) rises with each functioning level (times
// 1 - icf_fit_gain in a programme job placed after an ICF assessment), with a mental illness and in a non-profit firm,
// on top of the early-months, follow-up and employability terms; the configurations flip the
// signs and make each positive term matter for the hazard's upper bound.
TEST(EmploymentRules, JobLossFollowsFunctioningMentalIllnessAndSectorLessAfterAnIcfAssessment) {
  struct L {
    double rate, func, mh, np;
    bool icf;
    double fit;
  };
  for (const L& l : {L{2, 0.3, 1.0, 0.5, false, 0.5}, L{3, -0.3, -0.8, -0.6, true, 0.5}, L{2, 0.5, 0.6, 1.2, true, 0.8},
                     L{1.5, 0.6, 1.5, 0.0, true, 0.2}}) {
    Scenario sc = pathway(8000, 3000);
    place_quickly(sc);
    set(sc, {{"employment.internship.duration", "1 weeks"},
             {"employment.hiring.intercept", "5"},
             {"labour.job_finding_rate", "3"},
             {"firms.non_profit_share", "0.4"},
             {"employment.job_loss.rate", l.rate},
             {"employment.job_loss.early_factor", "2"},
             {"employment.job_loss.early_period", "3 weeks"},
             {"employment.follow_up.duration", "4 weeks"},
             {"employment.job_loss.functioning_coef", l.func},
             {"employment.job_loss.mental_health_coef", l.mh},
             {"employment.job_loss.non_profit_coef", l.np},
             {"employment.icf_assessment", l.icf},
             {"employment.icf_fit_gain", l.fit}});
    World w(sc, 34);
    const Persons& P = w.persons();
    const Firms& F = w.firms();
    Persons B;
    Trials tr;
    weeks_around(w, 16, "employment_pathway", B, [&] {
      for (std::size_t p = 0; p < P.size(); ++p)
        if (B.work[p] == Employed) add_job_loss(tr, sc, B, P, F, p, w.week(), icf_keep(sc));
    });
    tr.check("job loss " + str(l.rate) + " functioning " + str(l.func) + " mental illness " + str(l.mh) +
                 " non-profit " + str(l.np) + (l.icf ? " with ICF" : ""),
             {"functioning_0", "functioning_1-2", "functioning_3-4", "mental_illness", "no_mental_illness",
              "non_profit", "profit"},
             20);
  }
}

// The ICF assessment is given to each person starting the employment pathway (and paid then);
// its task fit lowers the job loss of programme jobs only. People who never signed a plan, hired
// on the open market, lose their jobs at the full functioning effect (before the fix, the fit
// applied to every worker: 582 of the 5681 person-weeks worked by disabled people in
// scenarios/toscana/icf_on.yaml were of people never assessed).
TEST(EmploymentRules, TheIcfFitLowersOnlyTheJobLossOfPeopleAssessed) {
  for (double fit : {0.3, 0.8}) {
    Scenario sc = pathway(8000, 3000);
    set(sc, {{"population.initial.known", "0"},
             {"labour.job_finding_rate", "3"},
             {"employment.job_loss.rate", "2"},
             {"employment.job_loss.functioning_coef", "0.6"},
             {"employment.icf_assessment", true},
             {"employment.icf_fit_gain", fit}});
    World w(sc, 45);
    const Persons& P = w.persons();
    const Firms& F = w.firms();
    Persons B;
    Trials tr;
    weeks_around(w, 12, "employment_pathway", B, [&] {
      for (std::size_t p = 0; p < P.size(); ++p) {
        ASSERT_LT(B.first_plan[p], 0) << "nobody is taken in charge here";
        if (B.work[p] == Employed) add_job_loss(tr, sc, B, P, F, p, w.week(), 1.0);
      }
    });
    tr.check("open-market job loss of people never assessed, ICF fit " + str(fit),
             {"functioning_0", "functioning_1-2", "functioning_3-4"}, 20);
  }
}

// An internship breaks off at dropout_rate x exp(efficacy_coef (self_efficacy - 0.5) +
// rigid_functioning_coef x functioning level (rigid hours only; the level as it is, the ICF
// assessment fitting tasks, not hours) + break_activity_coef x -log(activity)), a lockdown
// (an activity event from week 4) raising it.
TEST(EmploymentRules, InternshipBreakOffRisesWithFunctioningUnderRigidHoursAndWhenActivityStops) {
  struct R {
    double rate, eff, rigid;
    bool flexible;
    double act_coef, activity;
    bool icf;
  };
  for (const R& r : {R{2, -2, 0.4, false, 1.0, 1.0, false}, R{2, -1, 0.6, true, 1.0, 0.3, false},
                     R{1.5, 0, -0.3, false, 0.5, 0.1, true}, R{3, -2, 0.3, false, 1.5, 0.5, true}}) {
    Scenario sc = pathway(8000, 3000);
    place_quickly(sc);
    set(sc, {{"employment.internship.dropout_rate", r.rate},
             {"employment.internship.dropout_efficacy_coef", r.eff},
             {"employment.internship.rigid_functioning_coef", r.rigid},
             {"employment.internship.flexible_hours", r.flexible},
             {"employment.internship.break_activity_coef", r.act_coef},
             {"employment.icf_assessment", r.icf},
             {"employment.icf_fit_gain", "0.8"}});
    World w(with_event(sc, "activity", r.activity, 4), 35);
    const Persons& P = w.persons();
    Persons B;
    Trials tr;
    weeks_around(w, 10, "employment_pathway", B, [&] {
      const double a = w.week() >= 4 ? r.activity : 1.0;
      for (std::size_t p = 0; p < P.size(); ++p) {
        if (B.work[p] != Internship) continue;
        const int f = P.functioning[p];
        const double lp = r.eff * (B.efficacy[p] - 0.5) + (r.flexible ? 0.0 : r.rigid * f) + r.act_coef * -std::log(a);
        const double q = hz(r.rate, lp);
        const bool broke = P.work[p] != Internship;
        tr.add("functioning_" + level(f), q, broke);
        tr.add(std::string("efficacy_") + tercile(B.efficacy[p]), q, broke);
        tr.add(w.week() >= 4 ? "activity_event" : "activity_before", q, broke);
      }
    });
    tr.check("internship break-off " + str(r.rate) + " rigid " + str(r.rigid) +
                 (r.flexible ? " flexible" : " rigid hours") + " activity " + str(r.activity),
             {"functioning_0", "functioning_1-2", "functioning_3-4", "efficacy_low", "efficacy_high", "activity_event",
              "activity_before"},
             20);
  }
}

// Activity above its usual level (an event with target activity and a factor over 1, which
// the registry allows) does not lower internship break-offs below the base: -log(activity) is
// taken as 0 there (before the fix it was negative, outside the covariate's declared range, and
// the rule threw, stopping any run with such an event and internships under way).
TEST(EmploymentRules, InternshipBreakOffAcceptsActivityAboveOne) {
  Scenario sc = pathway(0, 0);
  set(sc, {{"employment.internship.dropout_rate", "5"}, {"employment.internship.break_activity_coef", "1"}});
  const rules::EmploymentRules rule(sc, {2.0}, {1.0});
  Persons P;
  P.resize(1);
  P.territory[0] = 0, P.efficacy[0] = 0.5f, P.functioning[0] = 0;
  bool broke = true;
  EXPECT_NO_THROW(broke = rule.internship_breaks(P, 0, hz(5) * 1.001));
  EXPECT_FALSE(broke) << "activity above 1 raised the break-off";
}

// ---------------------------------------------------------------------------------------------
// Reiteration

// A failure (an internship broken off, no hire at its end, a programme job lost) costs
// life.efficacy_failure_loss and counts a round; with employment.reiterate and rounds left
// (rounds <= max_rounds) the person goes back to orientation with
// reiteration.efficacy_gain, otherwise leaves the pathway for good (while the case lasts).
// The rule's tries_again() says the same.
TEST(EmploymentRules, AFailureReiteratesOrientationWithAnEfficacyGainUpToMaxRoundsElseLeavesThePathway) {
  struct It {
    bool reiterate;
    double gain;
    int max_rounds;
    double loss;
  };
  for (const It& it :
       {It{true, 0.06, 2, 0.08}, It{true, 0.15, 0, 0.05}, It{false, 0.1, 3, 0.07}, It{true, 0.0, 5, 0.1}}) {
    Scenario sc = pathway(6000, 3000);
    place_quickly(sc);
    set(sc, {{"employment.internship.duration", "2 weeks"},
             {"employment.hiring.intercept", "-0.5"},
             {"employment.internship.dropout_rate", "4"},
             {"employment.job_loss.rate", "8"},
             {"employment.reiterate", it.reiterate},
             {"employment.reiteration.efficacy_gain", it.gain},
             {"employment.max_rounds", it.max_rounds},
             {"life.efficacy_failure_loss", it.loss},
             {"life.efficacy_success_gain", "0"}});
    World w(sc, 36);
    const rules::EmploymentRules rule(sc, {1.0}, {1.0});
    const Persons& P = w.persons();
    Persons B;
    std::map<std::string, int> n;
    weeks_around(w, 18, "employment_pathway", B, [&] {
      for (std::size_t p = 0; p < P.size(); ++p) {
        if (B.emp_phase[p] == EpOut) {
          ASSERT_EQ(P.emp_phase[p], EpOut) << "a person out of the pathway came back while the case lasts";
          continue;
        }
        const bool failed = (B.work[p] == Internship && P.work[p] != Internship && P.work[p] != Employed) ||
                            (B.work[p] == Employed && P.work[p] != Employed);
        if (!failed) {
          ASSERT_EQ(P.rounds[p], B.rounds[p]);
          continue;
        }
        const int rounds = B.rounds[p] + 1;
        const bool again = it.reiterate && rounds <= it.max_rounds;
        ASSERT_EQ(P.rounds[p], rounds);
        ASSERT_EQ(rule.tries_again(rounds), again) << "round " << rounds;
        ASSERT_EQ(P.emp_phase[p], again ? EpOrientation : EpOut) << "round " << rounds;
        ASSERT_EQ(P.emp_since[p], w.week());
        const float after_loss = rules::clamp01(static_cast<double>(B.efficacy[p]) - it.loss);
        ASSERT_EQ(P.efficacy[p], again ? rules::clamp01(static_cast<double>(after_loss) + it.gain) : after_loss)
            << "round " << rounds;
        n[again ? "again" : "out"]++;
        n[B.work[p] == Employed ? "job lost" : P.firm[p] < 0 && B.firm[p] >= 0 ? "internship failed" : "other"]++;
      }
    });
    EXPECT_GT(n["job lost"], 50);
    EXPECT_GT(n["internship failed"], 50);
    if (it.reiterate && it.max_rounds > 0) {
      EXPECT_GT(n["again"], 100);
    }
    if (!it.reiterate || it.max_rounds <= 2) {
      EXPECT_GT(n["out"], 100);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// ICF assessment: costs

// With employment.icf_assessment each person starting the pathway costs costs.icf_assessment
// (on the person and in the cost_icf series), and each territory pays
// costs.icf_training_per_territory x scale in week 0; without it, nothing, whatever the prices.
TEST(EmploymentRules, TheIcfAssessmentCostsItsPriceAtEachPathwayStartAndTheTrainingOnceATerritory) {
  struct C {
    bool icf;
    double cost, training, scale;
    int territories;
  };
  for (const C& c : {C{true, 150, 6000, 1, 2}, C{true, 90, 2500, 1.5, 3}, C{false, 150, 6000, 1, 2}}) {
    Scenario sc = pathway(1000, 50, c.territories);
    set(sc, {{"employment.icf_assessment", c.icf},
             {"costs.icf_assessment", c.cost},
             {"costs.icf_training_per_territory", c.training},
             {"scale", c.scale},
             {"population.initial.known", "0.5"},
             {"access.contact_rate", "20"}});
    World w(sc, 37);
    const Persons& P = w.persons();
    const float price = c.icf ? static_cast<float>(c.cost) : 0.f;
    Persons B;
    std::vector<std::vector<int>> started;  // [week][territory]
    weeks_around(w, 6, "employment_pathway", B, [&] {
      started.emplace_back(c.territories, 0);
      for (std::size_t p = 0; p < P.size(); ++p) {
        const bool starts = B.emp_phase[p] == EpNone && P.emp_phase[p] != EpNone;
        started.back()[P.territory[p]] += starts;
        ASSERT_EQ(P.cost[p], B.cost[p] + (starts ? price : 0.f)) << "person " << p << " week " << w.week();
      }
    });
    const auto r = w.results();
    const auto& cost = r.weekly[series_index("cost_icf")].values;
    int total = 0;
    for (int k = 0; k < 6; ++k)
      for (int t = 0; t < c.territories; ++t) {
        const double training = c.icf && k == 0 ? c.training * c.scale : 0.0;
        EXPECT_DOUBLE_EQ(cost[static_cast<std::size_t>(k * c.territories + t)],
                         started[k][t] * (c.icf ? c.cost : 0.0) + training)
            << "week " << k << " territory " << t;
        total += started[k][t];
        if (k > 0) {
          EXPECT_GT(started[k][t], 0) << "people start the pathway every week";
        }
      }
    EXPECT_GT(total, 500);
  }
}

// ---------------------------------------------------------------------------------------------
// The network's partners

// network.partners x firms_per_partner x scale firms of each territory are known from week 0:
// the first of the territory's scouting order (beside the obliged firms an integrated job
// centre shares). Network management leaves 1 - overhead_per_partner x (partners - 1) of the
// time (at least 0), which scales the case slots and the firms scouting reaches each week.
TEST(EmploymentRules, NetworkPartnersBringFirmsKnownFromTheStartAndTakeTheirShareOfTime) {
  struct N {
    int partners;
    double per_partner, overhead, scale;
    const char* cpi;
  };
  for (const N& n : {N{5, 4, 0.02, 1, "marginal"}, N{12, 10, 0.05, 1.5, "integrated"}, N{3, 0, 0.1, 1, "marginal"},
                     N{30, 2.5, 0.04, 2, "marginal"}, N{8, 7.3, 0.03, 1, "marginal"}}) {
    Scenario sc = pathway(0, 400, 2);
    set(sc, {{"network.partners", n.partners},
             {"network.firms_per_partner", n.per_partner},
             {"network.overhead_per_partner", n.overhead},
             {"scale", n.scale},
             {"cpi.involvement", n.cpi},
             {"employment.scouting.start", "1 weeks"},
             {"employment.scouting.intensity", "12"},
             {"employment.scouting.hours_per_firm", "0.5"},
             {"case.caseload", "20"},
             {"territories[].case_workers", "3"}});
    const double left = std::max(0.0, 1 - n.overhead * (n.partners - 1));
    ASSERT_DOUBLE_EQ(rules::network_time_left(sc), left);
    World w(sc, 38);
    const Firms& F = w.firms();
    const auto brought = static_cast<std::size_t>(std::llround(n.partners * n.per_partner * n.scale));
    for (int t = 0; t < 2; ++t) {
      const auto& ts = w.territories()[t];
      const std::set<std::uint32_t> first(ts.scout_order.begin(),
                                          ts.scout_order.begin() + std::min(brought, ts.scout_order.size()));
      std::size_t known = 0;
      for (std::size_t f = ts.firm_begin; f < ts.firm_end; ++f) {
        const bool expect = first.count(static_cast<std::uint32_t>(f)) ||
                            (std::string(n.cpi) == "integrated" && (F.flags[f] & FfObliged));
        ASSERT_EQ((F.flags[f] & FfKnown) != 0, expect) << "firm " << f;
        if (expect) {
          ASSERT_EQ(F.known_week[f], 0);
        }
        known += expect;
      }
      EXPECT_EQ(ts.known_firms.size(), known);
      EXPECT_EQ(ts.firms_known[0] + ts.firms_known[1], static_cast<std::int64_t>(known));
      EXPECT_DOUBLE_EQ(ts.case_slots, 3 * 20 * n.scale * left) << "territory " << t;
    }
    // Scouting from week 1: intensity x time left x scale / hours per firm firms a week (cumulative rounding).
    const double per_week = 12 * left * n.scale / 0.5;
    std::vector<std::uint8_t> flags;
    for (int k = 0; k < 5; ++k)
      run_week(w,
               around(
                   "scouting_and_firms", [&] { flags = F.flags; },
                   [&] {
                     const int wk = w.week();
                     std::vector<std::int64_t> reached(2, 0);
                     for (std::size_t f = 0; f < F.size_(); ++f)
                       reached[F.territory[f]] += !(flags[f] & FfKnown) && (F.flags[f] & FfKnown);
                     for (int t = 0; t < 2; ++t)
                       EXPECT_EQ(reached[t], wk < 1 ? 0 : units(per_week, wk)) << "territory " << t << " week " << wk;
                   }),
               {"scouting_and_firms"});
  }
}

// ---------------------------------------------------------------------------------------------
// The job centre integrated

// At the single point every assessment is joint, taking cpi.joint_assessment_factor times as
// long: (social + job-centre capacity) / factor people complete it each week while the queue lasts.
TEST(EmploymentRules, JointAssessmentsTakeTheirFactorOfTimeAtTheSinglePoint) {
  for (double factor : {1.0, 1.3, 2.0, 3.5}) {
    Scenario sc = pathway(3000, 0);
    set(sc, {{"cpi.involvement", "integrated"},
             {"cpi.joint_assessment_factor", factor},
             {"population.initial.known", "0"},
             {"access.contact_rate", "100"},
             {"territories[].assessment_capacity", "7.3"},
             {"territories[].cpi_assessment_capacity", "4.6"}});
    World w(sc, 39);
    const Persons& P = w.persons();
    Persons B;
    weeks_around(w, 10, "contact_and_assessment", B,
                 [&] {
                   std::int64_t assessed = 0, waiting = 0;
                   for (std::size_t p = 0; p < P.size(); ++p) {
                     assessed += B.kase[p] <= Waiting && P.kase[p] > Waiting;
                     waiting += P.kase[p] == Waiting;
                   }
                   ASSERT_GT(waiting, 50) << "the queue must stay long for the test";
                   EXPECT_EQ(assessed, units((7.3 + 4.6) / factor, w.week()))
                       << "factor " << factor << " week " << w.week();
                 },
                 {"contact_and_assessment"});
  }
}

// With the job centre integrated the plan is co-designed: a person assessed in week a signs it
// (is taken in charge) in week a + cpi.codesign_duration, not before (slots ample here); with
// a marginal job centre there is no co-design, whatever the duration.
TEST(EmploymentRules, CoDesignDelaysTheSignedPlanByItsDurationWithTheJobCentreIntegrated) {
  for (auto [cpi, weeks] : {std::pair{"integrated", 4}, {"integrated", 7}, {"integrated", 0}, {"marginal", 5}}) {
    Scenario sc = pathway(3000, 0);
    set(sc, {{"cpi.involvement", cpi},
             {"cpi.codesign_duration", std::to_string(weeks) + " weeks"},
             {"population.initial.known", "0"},
             {"access.contact_rate", "30"}});
    const int delay = std::string(cpi) == "integrated" ? weeks : 0;
    World w(sc, 40);
    const Persons& P = w.persons();
    Persons B;
    std::vector<int> assessed_at(P.size(), -1);
    int signed_plans = 0;
    weeks_around(w, 14, "contact_and_assessment", B,
                 [&] {
                   for (std::size_t p = 0; p < P.size(); ++p) {
                     if (B.kase[p] <= Waiting && P.kase[p] > Waiting) assessed_at[p] = w.week();
                     if (B.kase[p] != InCharge && P.kase[p] == InCharge) {
                       ASSERT_EQ(w.week() - assessed_at[p], delay) << cpi << " person " << p;
                       ++signed_plans;
                     }
                     if (P.kase[p] == Assessed) {
                       ASSERT_LT(w.week() - assessed_at[p], delay) << "a plan not signed after the co-design";
                     }
                   }
                 },
                 {"contact_and_assessment"});
    EXPECT_GT(signed_plans, 1000) << cpi << " " << weeks;
  }
}

// A co-designed plan (job centre integrated) changes case drop-out by cpi.codesign_dropout_coef
// on the log-rate; with a marginal job centre the coefficient has no effect.
TEST(EmploymentRules, CoDesignedPlansChangeCaseDropOutByTheirCoefficient) {
  for (auto [cpi, rate, eff, coef] : {std::tuple{"integrated", 3.0, -2.0, -0.5},
                                      {"integrated", 4.0, 1.0, 0.8},
                                      {"integrated", 4.0, 0.0, -2.0},
                                      {"marginal", 5.0, -1.0, -1.2}}) {
    Scenario sc = pathway(20000, 0);
    set(sc, {{"cpi.involvement", cpi},
             {"cpi.codesign_dropout_coef", coef},
             {"cpi.codesign_duration", "0 weeks"},
             {"case.dropout_rate", rate},
             {"case.dropout_efficacy_coef", eff}});
    const double codesigned = std::string(cpi) == "integrated" ? coef : 0.0;
    World w(sc, 41);
    run_week(w, {}, {"contact_and_assessment"});
    const Persons& P = w.persons();
    Persons B;
    Trials tr;
    weeks_around(w, 3, "life_events", B,
                 [&] {
                   for (std::size_t p = 0; p < P.size(); ++p)
                     if (B.kase[p] == InCharge)
                       tr.add(tercile(B.efficacy[p]), hz(rate, eff * (B.efficacy[p] - 0.5) + codesigned),
                              P.kase[p] == Closed);
                 },
                 {"life_events"});
    tr.check(std::string(cpi) + " case drop-out " + str(rate) + " co-design coef " + str(coef), {"low", "mid", "high"});
  }
}

// ---------------------------------------------------------------------------------------------
// Housing First job support

// With housing_first.job_support, a tenant moving in obtains income support with probability
// income_uptake (if without it) and, not looking for work, starts the employment pathway with
// probability work_uptake (work state searching, orientation that week; the people who looked
// for work at entry stay the same); without job support, neither. Nobody else changes.
TEST(EmploymentRules, HousingFirstJobSupportBringsIncomeAndWorkOnMovingIn) {
  for (auto [support, income, work] :
       {std::tuple{true, 0.7, 0.4}, {true, 0.3, 0.9}, {true, 0.55, 0.15}, {false, 0.8, 0.8}}) {
    Scenario sc = pathway(20000, 0);
    set(sc, {{"population.initial.street", "1"},
             {"population.groups.long_term_unemployed", "0.3"},
             {"population.seeking_work", "0.2"},
             {"housing.model", "housing_first"},
             {"housing_first.eligibility", "homeless"},
             {"housing_first.acceptance", "1"},
             {"housing_first.move_in_rate", "10"},
             {"territories[].hf_flats", "100000"},
             {"territories[].hf_support_workers", "100000"},
             {"housing_first.job_support", support},
             {"housing_first.income_uptake", income},
             {"housing_first.work_uptake", work}});
    World w(sc, 42);
    const Persons& P = w.persons();
    Persons B;
    Trials tr;
    std::set<std::size_t> started;
    for (int k = 0; k < 6; ++k)
      run_week(w,
               [&](const std::string& phase, bool after) {
                 if (phase != "housing_pathway" && phase != "employment_pathway") return;
                 if (!after) {
                   B = P;
                   return;
                 }
                 if (phase == "employment_pathway") {  // the pathway starts that week for those in charge
                   for (std::size_t p : started) {
                     ASSERT_EQ(P.kase[p], InCharge);
                     ASSERT_EQ(P.emp_phase[p], EpOrientation);
                     ASSERT_EQ(P.emp_since[p], w.week());
                   }
                   started.clear();
                   return;
                 }
                 for (std::size_t p = 0; p < P.size(); ++p) {
                   ASSERT_EQ(P.seeking[p], B.seeking[p]);
                   const bool moved_in = (B.flags[p] & FHfAssigned) && P.housing[p] == HfFlat;
                   const bool had = B.flags[p] & FIncome, has = P.flags[p] & FIncome;
                   if (!moved_in || had) {
                     ASSERT_EQ(has, had);
                   } else {
                     tr.add("income_uptake", support ? income : 0.0, has);
                   }
                   if (!moved_in || B.work[p] != Inactive) {
                     ASSERT_EQ(P.work[p], B.work[p]);
                   } else {
                     tr.add("work_uptake", support ? work : 0.0, P.work[p] == Searching);
                     if (P.work[p] == Searching) started.insert(p);
                   }
                 }
               },
               {"contact_and_assessment", "housing_pathway", "employment_pathway"});
    tr.check(std::string("job support ") + (support ? "on" : "off") + " income uptake " + str(income) +
                 " work uptake " + str(work),
             {"income_uptake", "work_uptake"}, support ? 30 : 0);
  }
}

// With job support, a Housing First tenant in matching is proposed to firms at
// job_support_matching_factor times the matching rate; other people (homeless on the step
// ladder, housed) at the rate; without job support, everyone at the rate. Firms accept everyone
// here (intercept 20).
TEST(EmploymentRules, HousingFirstTenantsAreProposedToFirmsAtTheJobSupportMatchingFactor) {
  for (auto [support, rate, factor] :
       {std::tuple{true, 12.0, 2.0}, {true, 8.0, 3.5}, {true, 20.0, 1.5}, {false, 10.0, 3.0}}) {
    Scenario sc = pathway(12000, 3000);
    set(sc, {{"population.initial.street", "0.6"},
             {"housing.model", "mixed"},
             {"housing.hf_share", "0.5"},
             {"housing_first.eligibility", "homeless"},
             {"housing_first.acceptance", "1"},
             {"housing_first.move_in_rate", "520"},
             {"territories[].hf_flats", "100000"},
             {"territories[].hf_support_workers", "100000"},
             {"housing_first.job_support", support},
             {"housing_first.job_support_matching_factor", factor},
             {"employment.matching.rate", rate},
             {"employment.matching.intercept", "20"},
             {"employment.matching.employability_coef", "0"},
             {"employment.matching.functioning_coef", "0"},
             {"employment.matching.openness_coef", "0"}});
    World w(sc, 43);
    const Persons& P = w.persons();
    Persons B;
    Trials tr;
    weeks_around(w, 8, "employment_pathway", B, [&] {
      ASSERT_GT(w.territories()[0].vacancies_open, 0) << "vacancies ran out: proposals were not all made";
      for (std::size_t p = 0; p < P.size(); ++p) {
        if (B.emp_phase[p] != EpMatching) continue;
        const bool tenant = B.housing[p] == HfFlat;
        tr.add(kHousingNames[B.housing[p]], hz(rate * (tenant && support ? factor : 1.0)) * logistic(20),
               P.work[p] == Internship);
      }
    });
    tr.check(std::string("job support ") + (support ? "on" : "off") + " matching rate " + str(rate) + " factor " +
                 str(factor),
             {"street", "hf_flat", "housed"});
  }
}

// ---------------------------------------------------------------------------------------------
// The open labour market

// Open-market job finding changes by labour.mental_health_coef on the log-rate with a serious
// mental illness, beside the other covariates (at their defaults here, as documented).
TEST(EmploymentRules, OpenMarketJobFindingFollowsMentalIllness) {
  for (auto [rate, coef] : {std::pair{2.0, -0.8}, {1.5, 0.7}, {3.0, -2.0}, {2.0, 0.0}}) {
    Scenario sc = pathway(20000, 3000);
    set(sc, {{"population.initial.known", "0"},
             {"population.initial.street", "0.3"},
             {"population.initial.shelter", "0.2"},
             {"labour.job_finding_rate", rate},
             {"labour.mental_health_coef", coef}});
    World w(sc, 44);
    const Persons& P = w.persons();
    Persons B;
    Trials tr;
    weeks_around(w, 8, "employment_pathway", B, [&] {
      ASSERT_GT(w.territories()[0].vacancies_open, 0) << "vacancies ran out";
      for (std::size_t p = 0; p < P.size(); ++p) {
        if (B.work[p] != Searching) continue;
        const int age = P.age[p] + (w.week() - P.entry[p]) / 52;
        const double lp = sc[G::labour_employability_coef] * (B.employability[p] - 0.5) +
                          sc[G::labour_functioning_coef] * P.functioning[p] +
                          sc[G::labour_health_coef] * (B.health[p] - 0.5) +
                          (homeless(B.housing[p]) ? sc[G::labour_homeless_coef] : 0.0) +
                          sc[G::labour_efficacy_coef] * (B.efficacy[p] - 0.5) + (mi(P, p) ? coef : 0.0) +
                          sc[G::labour_age_coef] * std::max(0, age - static_cast<int>(sc[G::labour_age_threshold]));
        const bool job = P.work[p] == Employed;
        const std::string where = homeless(B.housing[p]) ? "_homeless" : "_housed";
        tr.add((mi(P, p) ? "mental_illness" : "no_mental_illness") + where, hz(rate, lp), job);
      }
    });
    tr.check(
        "job finding " + str(rate) + " mental illness coef " + str(coef),
        {"mental_illness_homeless", "mental_illness_housed", "no_mental_illness_homeless", "no_mental_illness_housed"});
  }
}
