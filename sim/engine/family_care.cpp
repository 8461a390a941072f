// The family-care model's week (docs/model.md, "Family care work"): care workers and families
// decide (sim/model/family_care.hpp), then each territory's projects serve the requests with their
// staff hours, course seats and matching hours, in a defined order: by the week asked, then id.
// The same serial code runs under both engines (the model is small beside the persons'); it
// decides nothing itself and reads no parameter.
#include <algorithm>
#include <cstring>

#include "sim/engine/world.hpp"
#include "sim/model/family_care.hpp"

namespace percorsi {

void World::setup_family_care() {
  const rules::FamilyCareRules rule(sc_, 0);
  if (!rule.enabled) return;
  fc_.on = true;
  fc_.territories.assign(static_cast<std::size_t>(T_), FamilyCareTerritory{});
  std::size_t nw = 0, nf = 0;
  for (int t = 0; t < T_; ++t) nw += rules::care_workers_of(sc_, t), nf += rules::families_of(sc_, t);
  fc_.workers.resize(nw);
  fc_.families.resize(nf);
  std::uint32_t w = 0, f = 0;
  for (int t = 0; t < T_; ++t) {
    for (std::size_t i = 0, n = rules::care_workers_of(sc_, t); i < n; ++i) rules::new_care_worker(fc_.workers, w++, t, sc_, key_);
    for (std::size_t i = 0, n = rules::families_of(sc_, t); i < n; ++i) rules::new_family(fc_.families, f++, t, sc_, key_);
  }
  fc_.own_workers = nw;
  for (std::size_t i = 0; i < nw; ++i) {
    auto& ft = fc_.territories[fc_.workers.territory[i]];
    ft.workers++;
    ft.regular += (fc_.workers.flags[i] & FwRegular) != 0;
  }
}

void World::family_care() {
  if (!fc_.on) return;
  const rules::FamilyCareRules rule(sc_, week_);
  const int w = week_;
  auto& W = fc_.workers;
  auto& F = fc_.families;
  auto& FT = fc_.territories;
  for (auto& ft : FT) ft.week = {};
  const auto w16 = static_cast<std::int16_t>(w);

  // 0. Persons of the rest of the model who take up care work at home (off by default).
  if (rule.p_care_work > 0) take_up_care_work(rule);

  // 1. Each care worker's week: the job, and the pathway's decisions between the steps served.
  std::vector<double> serve_u(W.size());
  for (std::size_t i = 0; i < W.size(); ++i) {
    Stream s(key_, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(w), Purpose::FcWorker);
    const auto d = rules::FcDraws::of(s);
    serve_u[i] = d.u[4];
    const auto r = rule.worker_week(W.territory[i], W.step[i], W.flags[i], W.since[i], w, d);
    auto& ft = FT[W.territory[i]];
    if (W.step[i] == FcInCourse && r.step != FcInCourse) ft.in_course--;
    W.step[i] = r.step;
    W.flags[i] = r.flags;
    if (r.changed_step) W.since[i] = w16;
    if (r.trained) ft.week[FcTrainedN]++;
  }
  // 2. Each family's week: a search, turning to the service, a contract signed on its own.
  std::vector<double> contract_u(F.size()), advice_u(F.size());
  for (std::size_t i = 0; i < F.size(); ++i) {
    Stream s(key_, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(w), Purpose::FcFamily);
    const auto d = rules::FcDraws::of(s);
    contract_u[i] = d.u[3], advice_u[i] = d.u[4];
    const auto r = rule.family_week(F.territory[i], F.step[i], F.flags[i], d);
    auto& ft = FT[F.territory[i]];
    F.step[i] = r.step;
    F.flags[i] = r.flags;
    if (r.changed_step) F.since[i] = w16;
    ft.week[FcRegularContractsN] += r.contract && r.counted && r.regular;
    ft.week[FcIncentivesN] += r.incentive;
  }

  // 3. The projects serve the requests of each territory: later steps first (validation,
  // identification), then advice to families, then orientation, within the staff hours left after
  // case management; course seats as they free; matching within its own hours.
  enum Kind { KValidation, KIdentification, KOrientation, KCourse, KWorkerMatch, kKinds };
  std::vector<std::vector<std::vector<Request>>> req(static_cast<std::size_t>(T_), std::vector<std::vector<Request>>(kKinds));
  std::vector<std::int64_t> followed(static_cast<std::size_t>(T_), 0);
  for (std::size_t i = 0; i < W.size(); ++i) {
    const std::uint8_t st = W.step[i];
    const int k = st == FcWantValidation       ? KValidation
                  : st == FcWantIdentification ? KIdentification
                  : st == FcWantOrientation    ? KOrientation
                  : st == FcWantCourse         ? KCourse
                  : st == FcMatching           ? KWorkerMatch
                                               : -1;
    if (k >= 0) req[W.territory[i]][static_cast<std::size_t>(k)].push_back({static_cast<std::uint32_t>(i), W.since[i]});
    followed[W.territory[i]] += rules::FamilyCareRules::on_pathway(st);
  }
  std::vector<std::vector<Request>> advice(static_cast<std::size_t>(T_));
  std::vector<std::vector<std::uint32_t>> families_of(static_cast<std::size_t>(T_));
  for (std::size_t i = 0; i < F.size(); ++i) {
    families_of[F.territory[i]].push_back(static_cast<std::uint32_t>(i));
    if (F.step[i] == FfWantAdvice) advice[F.territory[i]].push_back({static_cast<std::uint32_t>(i), F.since[i]});
  }
  for (int t = 0; t < T_; ++t) {
    auto& ft = FT[static_cast<std::size_t>(t)];
    auto& rq = req[static_cast<std::size_t>(t)];
    for (auto& v : rq) order_by_priority(v);
    order_by_priority(advice[static_cast<std::size_t>(t)]);
    double hours = std::max(0.0, rule.staff_hours_of(t) - static_cast<double>(followed[static_cast<std::size_t>(t)]) * rule.hours_case_management);
    auto serve_workers = [&](Kind k, FcCounter counter) {
      for (const auto& r : rq[k]) {
        const std::uint32_t i = r.person;
        const double h = rule.hours_of(W.step[i]);
        if (hours < h) break;
        hours -= h;
        const std::uint8_t next = rule.served(W.step[i], W.competence[i], serve_u[i]);
        ft.week[counter] += next != FcLeft;
        if (next == FcValidated) W.flags[i] |= FwValidated;
        W.step[i] = next;
        W.since[i] = w16;
      }
    };
    serve_workers(KValidation, FcValidatedN);
    serve_workers(KIdentification, FcIdentifiedN);
    for (const auto& r : advice[static_cast<std::size_t>(t)]) {
      if (hours < rule.hours_advice) break;
      hours -= rule.hours_advice;
      const std::uint32_t f = r.person;
      F.flags[f] |= FaAdvised;
      F.step[f] = rule.after_advice(advice_u[f]);
      F.since[f] = w16;
      ft.week[FcAdvisedN]++;
    }
    serve_workers(KOrientation, FcOrientedN);
    ft.hours_left = hours;
    // Course seats.
    const std::int64_t seats = rule.seats_of(t);
    for (const auto& r : rq[KCourse]) {
      if (ft.in_course >= seats) break;
      W.step[r.person] = rule.served(FcWantCourse, W.competence[r.person], serve_u[r.person]);
      W.since[r.person] = w16;
      ft.in_course++;
    }
    // Matching: families on the list (by the week they asked, then id) with workers on the list.
    std::vector<Request> wanting;
    for (std::uint32_t f : families_of[static_cast<std::size_t>(t)])
      if (F.step[f] == FfWantMatch) wanting.push_back({f, F.since[f]});
    order_by_priority(wanting);
    double matching = rule.matching_hours_of(t);
    const auto& workers = rq[KWorkerMatch];
    for (std::size_t a = 0, b = 0; a < wanting.size() && b < workers.size() && matching >= rule.hours_matching && matching > 0; ++a, ++b) {
      matching -= rule.hours_matching;
      const std::uint32_t f = wanting[a].person, i = workers[b].person;
      const auto r = rule.matched(F.flags[f], contract_u[f]);
      F.step[f] = r.step;
      F.flags[f] = r.flags;
      F.since[f] = w16;
      W.step[i] = FcPlaced;
      W.since[i] = w16;
      W.flags[i] = static_cast<std::uint8_t>(r.regular ? (W.flags[i] | FwRegular) : (W.flags[i] & ~FwRegular));
      ft.week[FcMatchedN]++;
      ft.week[FcRegularContractsN] += r.regular;
      ft.week[FcIncentivesN] += r.incentive;
    }
    ft.cost_week = rule.cost_week(t, ft.in_course, ft.week[FcIncentivesN]);
  }

  // 4. Totals and the census of the week.
  for (auto& ft : FT) {
    for (int k = 0; k < kFcCounters; ++k) ft.total[static_cast<std::size_t>(k)] += ft.week[static_cast<std::size_t>(k)];
    ft.workers = ft.regular = ft.waiting = ft.matching = 0;
  }
  for (std::size_t i = 0; i < W.size(); ++i) {
    auto& ft = FT[W.territory[i]];
    ft.workers++;
    ft.regular += (W.flags[i] & FwRegular) != 0;
    ft.waiting += rules::FamilyCareRules::waiting(W.step[i]);
    ft.matching += W.step[i] == FcMatching;
  }
}

void World::take_up_care_work(const rules::FamilyCareRules& rule) {
  const rules::EfficacyRules efficacy_rule(sc_);
  Tally t(T_);
  auto& W = fc_.workers;
  for (std::uint32_t p = 0; p < P_.size(); ++p) {
    if (!rules::FamilyCareRules::may_take_care_work(P_, p)) continue;
    Stream s(key_, p, static_cast<std::uint32_t>(week_), Purpose::FcCareWork);
    if (!rule.takes_care_work(s.uniform())) continue;
    const std::uint8_t flags = rule.care_worker_flags(s.uniform());
    start_job(p, -1, false, efficacy_rule, t);  // a job with a family: no firm
    const auto i = static_cast<std::uint32_t>(W.size());
    W.resize(i + 1);
    rules::new_care_worker(W, i, P_.territory[p], sc_, key_);  // her informal competences, as anyone's
    W.flags[i] = flags;
    fc_.worker_person.push_back(p);
  }
  apply_tally(t);
}

std::uint64_t World::family_care_hash() const {
  std::uint64_t h = 1469598103934665603ull;
  auto bytes = [&h](const void* data, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  };
  auto col = [&](const auto& v) { bytes(v.data(), v.size() * sizeof(v[0])); };
  col(fc_.workers.territory), col(fc_.workers.flags), col(fc_.workers.step), col(fc_.workers.competence), col(fc_.workers.since);
  col(fc_.families.territory), col(fc_.families.flags), col(fc_.families.step), col(fc_.families.since);
  col(fc_.worker_person);  // (empty unless persons took up care work: no bytes, the hash as before)
  for (const auto& ft : fc_.territories) {
    col(ft.week), col(ft.total);
    for (double x : {ft.cost_week, ft.hours_left}) bytes(&x, sizeof x);
    for (std::int64_t x : {ft.in_course, ft.workers, ft.regular, ft.waiting, ft.matching}) bytes(&x, sizeof x);
  }
  return h;
}

}  // namespace percorsi
