#include "sim/model/rules.hpp"

#include <boost/random/exponential_distribution.hpp>
#include <boost/random/normal_distribution.hpp>

namespace percorsi::rules {

void new_person(Persons& P, std::uint32_t id, int t, int week, bool initial, const Scenario& sc, const RunKey& key) {
  Stream s(key, id, static_cast<std::uint32_t>(week), Purpose::Attributes);
  auto& R = s.engine();
  P.territory[id] = static_cast<std::uint8_t>(t);
  P.entry[id] = static_cast<std::int16_t>(week);
  P.exit[id] = -1;
  const int amin = static_cast<int>(sc[G::population_age_min]), amax = static_cast<int>(sc[G::population_age_max]);
  P.age[id] = static_cast<std::uint8_t>(amin + std::min(amax - amin, static_cast<int>(s.uniform() * (amax - amin + 1))));
  std::uint8_t flags = s.chance(sc[G::population_female_share]) ? FFemale : 0;
  const double homeless_share = initial ? initial_homeless_share(sc) : sc.territories[t][T::arrival_homeless_share];
  std::uint16_t g = s.chance(homeless_share) ? GHomeless : 0;
  const std::pair<G, Group> groups[] = {{G::population_groups_disability, GDisability},
                                        {G::population_groups_mental_health, GMentalHealth},
                                        {G::population_groups_migrant, GMigrant},
                                        {G::population_groups_care_leaver, GCareLeaver},
                                        {G::population_groups_long_term_unemployed, GLongTermUnemployed},
                                        {G::population_groups_violence_victim, GViolenceVictim},
                                        {G::population_groups_ex_offender, GExOffender}};
  for (auto [param, bit] : groups)
    if (s.chance(sc[param])) g |= bit;
  P.groups[id] = g;
  const double u_func = s.uniform();
  // ICF-style functioning level 1-4, uniform, for people with a disability.
  P.functioning[id] = (g & GDisability) ? static_cast<std::uint8_t>(1 + std::min(3, static_cast<int>(u_func * 4))) : 0;
  if (s.chance(sc[G::population_income_support])) flags |= FIncome;
  const double conc = sc[G::population_traits_concentration];
  auto beta = [&](double mean) {
    mean = std::clamp(mean, 0.02, 0.98);
    return static_cast<float>(beta_draw(s, mean * conc, (1 - mean) * conc));
  };
  P.health0[id] = P.health[id] =
      beta(sc[G::population_traits_health] + ((g & GMentalHealth) ? sc[G::population_traits_health_mental_health_shift] : 0.0));
  P.efficacy[id] = beta(sc[G::population_traits_self_efficacy]);
  P.employability[id] = beta(sc[G::population_traits_employability]);
  const double prior = sc[G::population_prior_homeless_mean] > 0
                           ? boost::random::exponential_distribution<double>(1.0 / sc[G::population_prior_homeless_mean])(R)
                           : 0.0;
  if ((g & GHomeless) && prior >= sc[G::population_chronic_threshold]) flags |= FChronic;
  const double u_hf = s.uniform();
  P.flags[id] = flags;
  if (hf_track(P, id, sc, u_hf)) P.flags[id] |= FHfTrack;
  const double u_seek = s.uniform();
  P.housing[id] = (g & GHomeless) ? Street : Housed;
  P.seeking[id] = ((g & GLongTermUnemployed) || u_seek < sc[G::population_seeking_work]) ? 1 : 0;
  P.work[id] = P.seeking[id] ? Searching : Inactive;
  P.emp_phase[id] = EpNone;
  P.rounds[id] = P.spells[id] = P.quota_job[id] = 0;
  P.work_12m[id] = P.work_24m[id] = kNotReached;
  P.emp_since[id] = P.intake[id] = P.first_job[id] = P.hire_week[id] = -1;
  P.first_contact[id] = P.first_plan[id] = -1;
  P.firm[id] = -1;
  P.weeks_employed[id] = P.weeks_employed_after_first[id] = 0;
  P.logged[id] = 0xFFFF;
  P.kase[id] = Unknown;
  P.returns[id] = 0;
  P.housing_12m[id] = P.housing_24m[id] = kNotReached;
  P.cost[id] = 0;
  P.housing_since[id] = P.case_since[id] = static_cast<std::int16_t>(week);
  P.first_stable[id] = (g & GHomeless) ? -1 : static_cast<std::int16_t>(week);
  P.inst_from[id] = Street;
  P.inst_kind[id] = InstHealth;
  // Drawn last, so that adding the group left every earlier attribute as it was.
  if (s.chance(sc[G::population_groups_substance_use])) P.groups[id] |= GSubstanceUse;
  P.weeks_housing[id] = {};
  P.weeks_case[id] = {};
}

NewFirm new_firm(const Scenario& sc, Stream& s) {
  const double mu = std::log(sc[G::firms_size_median]), sigma = sc[G::firms_size_sigma];
  const double conc = sc[G::firms_openness_concentration];
  auto& R = s.engine();
  const double z = boost::random::normal_distribution<double>(0, 1)(R);
  const int size = static_cast<int>(std::clamp(std::ceil(std::exp(mu + sigma * z)), 1.0, 60000.0));
  std::uint8_t flags = s.chance(sc[G::firms_non_profit_share]) ? FfNonProfit : 0;
  const std::uint16_t quota = law68_quota(size);
  if (quota > 0) flags |= FfObliged;
  const double fill = quota * sc[G::firms_quota_initial_fill] + s.uniform();  // stochastic rounding
  const double mean = (flags & FfNonProfit) ? sc[G::firms_openness_non_profit] : sc[G::firms_openness_profit];
  double open = beta_draw(s, mean * conc, (1 - mean) * conc);
  cpi_link(sc, flags, open);
  return {size, flags, quota, static_cast<std::uint16_t>(std::min<double>(quota, std::floor(fill))), clamp01(open)};
}

bool hf_track(const Persons& P, std::uint32_t id, const Scenario& sc, double u_hf) {
  const auto model = sc.choice<G::housing_model>();
  // No track in a territory without Housing First flats: nobody waits for a flat that is not there.
  return model != choice::housing_model::step && (P.groups[id] & GHomeless) && sc.territories[P.territory[id]][T::hf_flats] > 0 &&
         hf_eligible(P, id, sc) &&
         (model == choice::housing_model::housing_first || u_hf < sc[G::housing_hf_share]);
}

void cpi_link(const Scenario& sc, std::uint8_t& flags, double& openness) {
  if (sc.choice<G::cpi_involvement>() == choice::cpi_involvement::integrated && (flags & FfObliged)) {  // shared lists and incentive information
    flags |= FfKnown;
    openness += sc[G::cpi_incentive_openness];
  }
}

void programme_start_firm(const Scenario& before, const Scenario& now, std::uint8_t& flags, float& openness) {
  if (before.choice<G::cpi_involvement>() == now.choice<G::cpi_involvement>()) return;
  double open = openness;
  cpi_link(now, flags, open);
  openness = clamp01(open);
}

}  // namespace percorsi::rules
