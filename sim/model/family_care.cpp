// Who a care worker and a family are (sim/model/family_care.hpp): attributes drawn from their own
// streams, in a fixed order.
#include "sim/model/family_care.hpp"

namespace percorsi::rules {

void new_care_worker(CareWorkers& W, std::uint32_t id, int t, const Scenario& sc, const RunKey& key) {
  Stream s(key, id, 0, Purpose::FcWorkerAttributes);
  std::uint8_t f = 0;
  if (s.uniform() < sc[G::family_care_workers_female_share]) f |= FwFemale;
  if (s.uniform() < sc[G::family_care_workers_foreign_share]) f |= FwForeign;
  if (s.uniform() < sc[G::family_care_workers_regular_share]) f |= FwRegular;
  const double m = sc[G::family_care_workers_competence];
  W.territory[id] = static_cast<std::uint8_t>(t);
  W.flags[id] = f;
  W.step[id] = FcNone;
  W.competence[id] = static_cast<float>(beta_draw(s, m * kFcCompetenceConcentration, (1 - m) * kFcCompetenceConcentration));
  W.since[id] = 0;
}

void new_family(Families& F, std::uint32_t id, int t, const Scenario& sc, const RunKey& key) {
  Stream s(key, id, 0, Purpose::FcFamilyAttributes);
  std::uint8_t f = 0;
  if (s.uniform() < sc[G::family_care_incentive_eligible_share]) f |= FaEligible;
  if (s.uniform() < sc[G::family_care_workers_regular_share]) f |= FaRegular;
  F.territory[id] = static_cast<std::uint8_t>(t);
  F.flags[id] = f;
  F.step[id] = FfIdle;
  F.since[id] = 0;
}

std::size_t care_workers_of(const Scenario& sc, int t) {
  if (sc[G::family_care_enabled] == 0) return 0;
  return static_cast<std::size_t>(std::llround(sc.territories[t][T::fc_care_workers] * sc[G::scale]));
}
std::size_t families_of(const Scenario& sc, int t) {
  if (sc[G::family_care_enabled] == 0) return 0;
  return static_cast<std::size_t>(std::llround(sc.territories[t][T::fc_families] * sc[G::scale]));
}

}  // namespace percorsi::rules
