// Phases 5 and 6 of docs/model.md: scouting and firms (vacancies open and expire, scouting
// reaches firms), then the employment pathway of people in charge. Firms are columns (one
// contiguous id range per territory). The pathway's per-person rules make requests, which
// each territory resolves in the same phase, in a defined order against its firms:
// separations, broken internships, hiring decisions, training seats, matching with known firms
// that have a vacancy, open-market hires. (The firms' week comes first: the pathway's
// proposals read no firm state, and its decisions see this week's vacancies and known firms.)
#include <algorithm>
#include <boost/random/poisson_distribution.hpp>
#include <cmath>
#include <numeric>

#include "sim/engine/script.hpp"
#include "sim/model/rules.hpp"
#include "sim/engine/world.hpp"

namespace percorsi {

// Vacancy arrivals in proportion to firm size: a guide table (one entry per firm) finds the
// firm in a step or two instead of a binary search over all the territory's firms.
std::vector<std::uint32_t> size_guide(const std::vector<double>& cum) {
  // The bucket starts rise with b, so their upper bounds are found in one sweep of cum.
  std::vector<std::uint32_t> guide(cum.size());
  std::size_t i = 0;
  for (std::size_t b = 0; b < cum.size(); ++b) {
    const double x = cum.back() * static_cast<double>(b) / static_cast<double>(cum.size());
    while (i < cum.size() && cum[i] <= x) ++i;
    guide[b] = static_cast<std::uint32_t>(i);
  }
  return guide;
}

std::size_t guide_bucket(double x, double total, std::size_t buckets) {
  return std::min(buckets - 1, static_cast<std::size_t>(x / total * static_cast<double>(buckets)));
}

std::size_t firm_from_guess(const std::vector<double>& cum, std::size_t i, double x) {
  while (i > 0 && cum[i - 1] > x) --i;
  while (i < cum.size() && cum[i] <= x) ++i;
  return i;
}

std::size_t firm_by_size(const std::vector<double>& cum, const std::vector<std::uint32_t>& guide, double x) {
  return firm_from_guess(cum, guide[guide_bucket(x, cum.back(), guide.size())], x);
}

// ---------------------------------------------------------------------------------------------
// Set-up of the firms

template <class M>
void World::create_firms(M& m) {
  const rules::FirmRules firm_rule(sc_);
  const rules::ScoutingRules scouting(sc_);
  std::size_t n = 0;
  std::vector<std::size_t> ends(T_);
  for (int t = 0; t < T_; ++t) {
    terr_[t].firm_begin = n;
    n += rules::firms_of(sc_, t);
    terr_[t].firm_end = ends[t] = n;
  }
  F_.territory.resize(n);
  F_.flags.resize(n);
  for (auto* v : {&F_.size, &F_.quota, &F_.filled, &F_.vacancies, &F_.workers, &F_.interns}) v->assign(n, 0);
  F_.openness.resize(n);
  F_.known_week.assign(n, -1);
  // Each firm's attributes come from its own stream.
  m.firms(n, [&](std::size_t f) {
    const int t = static_cast<int>(std::upper_bound(ends.begin(), ends.end(), f) - ends.begin());
    Stream s(key_, static_cast<std::uint32_t>(f), 0, Purpose::FirmCreate);
    const rules::NewFirm firm = rules::new_firm(sc_, s);
    if (firm.flags & FfKnown) F_.known_week[f] = 0;
    F_.territory[f] = static_cast<std::uint8_t>(t);
    F_.flags[f] = firm.flags;
    F_.size[f] = static_cast<std::uint16_t>(firm.size);
    F_.quota[f] = firm.quota;
    F_.filled[f] = firm.filled;
    F_.openness[f] = firm.openness;
  });
  m.each_territory([&](int t) {
    auto& ts = terr_[t];
    for (std::size_t f = ts.firm_begin; f < ts.firm_end; ++f) {
      ts.quota_positions += F_.quota[f];
      ts.quota_filled += F_.filled[f];
      if (F_.flags[f] & FfKnown) {
        ts.known_firms.push_back(static_cast<std::uint32_t>(f));
        ts.firms_known[(F_.flags[f] & FfNonProfit) ? 1 : 0]++;
      }
    }
    // Scouting reaches firms in a random (seeded) order; vacancies arrive in proportion to size.
    Stream s(key_, static_cast<std::uint32_t>(t), 0, Purpose::ScoutOrder);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> keyed;
    keyed.reserve(ts.firm_end - ts.firm_begin);
    for (std::size_t f = ts.firm_begin; f < ts.firm_end; ++f)
      keyed.emplace_back(static_cast<std::uint32_t>(s.engine()()), static_cast<std::uint32_t>(f));
    std::sort(keyed.begin(), keyed.end());
    for (const auto& k : keyed) ts.scout_order.push_back(k.second);
    if (programme_start_ == 0) bring_partner_firms(ts);  // a warm-up has no programme: its partners come at week 0
    double cum = 0;
    // Vacancies arrive in proportion to size (fewer in non-profit firms).
    for (std::size_t f = ts.firm_begin; f < ts.firm_end; ++f)
      ts.size_cum.push_back(cum += scouting.vacancy_weight(F_.size[f], F_.flags[f] & FfNonProfit));
    ts.size_guide = size_guide(ts.size_cum);
  });
}

// The network's partners bring firms, known from the programme's start (the first of the
// scouting order) and presented to the project by the partner as scouting presents the firms it
// reaches.
void World::bring_partner_firms(TerritoryState& ts) {
  const rules::FirmRules firm_rule(sc_);
  const std::size_t brought = rules::partner_firms(sc_);
  for (std::size_t j = 0; j < std::min(brought, ts.scout_order.size()); ++j) {
    const std::uint32_t f = ts.scout_order[j];
    if (F_.flags[f] & FfKnown) continue;
    F_.flags[f] |= FfKnown;
    F_.known_week[f] = 0;
    ts.known_firms.push_back(f);
    ts.firms_known[(F_.flags[f] & FfNonProfit) ? 1 : 0]++;
    F_.openness[f] = firm_rule.openness_after(rules::FirmOutcome::Scouted, F_.openness[f]);
  }
}

// ---------------------------------------------------------------------------------------------
// Employment state changes

void World::engage(std::uint32_t f) {
  if (F_.flags[f] & FfEngaged) return;
  F_.flags[f] |= FfEngaged;
  terr_[F_.territory[f]].firms_engaged[(F_.flags[f] & FfNonProfit) ? 1 : 0]++;
}

void World::fill_quota(std::uint32_t f, int delta) {
  if (delta < 0 && F_.filled[f] == 0) return;
  F_.filled[f] = static_cast<std::uint16_t>(F_.filled[f] + delta);
  terr_[F_.territory[f]].quota_filled += delta;
}

void World::start_job(std::uint32_t p, std::int32_t f, bool programme, const rules::EfficacyRules& efficacy_rule, Tally& t) {
  const int k = P_.territory[p];
  P_.work[p] = Employed;
  P_.firm[p] = f;
  P_.emp_phase[p] = programme ? EpEmployed : EpMarketJob;
  P_.hire_week[p] = static_cast<std::int16_t>(week_);
  if (P_.first_job[p] < 0) P_.first_job[p] = static_cast<std::int16_t>(week_);
  if (P_.spells[p] < 255) P_.spells[p]++;
  P_.quota_job[p] = 0;
  t.at(k, CHires)++;
  if (programme) t.at(k, CHiresProgramme)++;
  P_.efficacy[p] = efficacy_rule.after(rules::EfficacyEvent::Hired, P_.efficacy[p]);
}

void World::hire(std::uint32_t p, std::uint32_t f, bool programme, const rules::EfficacyRules& efficacy_rule, Tally& t) {
  start_job(p, static_cast<std::int32_t>(f), programme, efficacy_rule, t);
  F_.workers[f]++;
  engage(f);
  const bool quota_hire = rules::FirmRules::quota_hire(P_, p, F_, f);
  P_.quota_job[p] = quota_hire ? 1 : 0;
  if (quota_hire) {
    fill_quota(f, +1);
    t.at(P_.territory[p], CHiresObliged)++;
  }
}

void World::separate(std::uint32_t p, const rules::FirmRules& firm_rule, Tally& t) {
  const auto f = static_cast<std::uint32_t>(P_.firm[p]);
  F_.workers[f]--;
  if (P_.quota_job[p]) fill_quota(f, -1);
  if (firm_rule.separation_counts(week_ - P_.hire_week[p]))
    F_.openness[f] = firm_rule.openness_after(rules::FirmOutcome::EarlySeparation, F_.openness[f]);
  P_.quota_job[p] = 0;
  P_.firm[p] = -1;
  P_.work[p] = Searching;
  t.at(P_.territory[p], CSeparations)++;
}

// After a failure: orientation and matching repeated (reiterate, rounds left), which restores
// some self-efficacy, or out of the pathway.
void World::pathway_failure(std::uint32_t p, const rules::EmploymentRules& rule, const rules::EfficacyRules& efficacy_rule) {
  if (P_.rounds[p] < 255) P_.rounds[p]++;
  P_.efficacy[p] = efficacy_rule.after_pathway_failure(P_.efficacy[p], rule.tries_again(P_.rounds[p]));
  P_.emp_phase[p] = rule.tries_again(P_.rounds[p]) ? EpOrientation : EpOut;
  P_.emp_since[p] = static_cast<std::int16_t>(week_);
}

// ---------------------------------------------------------------------------------------------
// Phase 5: scouting and firms (per territory)

template <class M>
void World::scouting_and_firms(M& m) {
  const rules::ScoutingRules scouting(sc_);
  const rules::FirmRules firm_rule(sc_);
  m.territories([&](int k, Tally& t) {
    auto& ts = terr_[k];
    const auto week = static_cast<std::uint32_t>(week_);
    // Vacancies: arrivals in proportion to firm size; the oldest expire first.
    if (!ts.size_cum.empty()) {
      Stream s(key_, static_cast<std::uint32_t>(k), week, Purpose::Vacancies);
      const double mean = scouting.vacancies_mean(ts.size_cum.back(), ts.hiring);
      const int n = mean > 0 ? boost::random::poisson_distribution<int>(mean)(s.engine()) : 0;
      m.vacancy_arrivals(ts, s, n, [&](std::uint32_t f) {
        if (f >= ts.firm_end || F_.vacancies[f] >= F_.size[f]) return;  // every post of the firm is open already
        F_.vacancies[f]++;
        ts.vacancies_open++;
        ts.open_vacancies.emplace_back(f, week_);
      });
      std::size_t expired = 0;
      while (expired < ts.open_vacancies.size() && scouting.expired(week_ - ts.open_vacancies[expired].second)) {
        if (expired + M::kAhead < ts.open_vacancies.size()) m.prefetch(&F_.vacancies[ts.open_vacancies[expired + M::kAhead].first]);
        const auto f = ts.open_vacancies[expired++].first;
        if (F_.vacancies[f] > 0) F_.vacancies[f]--, ts.vacancies_open--;
      }
      ts.open_vacancies.erase(ts.open_vacancies.begin(), ts.open_vacancies.begin() + static_cast<std::ptrdiff_t>(expired));
    }
    // Scouting reaches new firms of the chosen sector(s).
    if (scouting.scouting(week_ - programme_start_)) {  // weeks since the programme began (negative in a warm-up)
      std::int64_t reach = units(scouting.firms_per_week * ts.activity, week_);
      while (reach > 0 && ts.scout_next < ts.scout_order.size()) {
        const std::uint32_t f = ts.scout_order[ts.scout_next++];
        const bool np = F_.flags[f] & FfNonProfit;
        if ((F_.flags[f] & FfKnown) || !scouting.targets(np)) continue;
        F_.flags[f] |= FfKnown;
        F_.known_week[f] = static_cast<std::int16_t>(week_);
        ts.known_firms.push_back(f);
        ts.firms_known[np ? 1 : 0]++;
        F_.openness[f] = firm_rule.openness_after(rules::FirmOutcome::Scouted, F_.openness[f]);
        t.at(k, CScoutedFirms)++;
        --reach;
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Phase 6: employment pathway (proposals per person, decisions per territory)

template <class M>
void World::employment_pathway(M& m) {
  using rules::PathwayRequest;
  using rules::request_kind;
  const rules::EmploymentRules rule(sc_, activity(), hiring());
  const rules::FirmRules firm_rule(sc_);
  const rules::EfficacyRules efficacy_rule(sc_);
  using enum rules::EfficacyEvent;
  using rules::FirmOutcome;
  m.persons(Purpose::Employment, [&](std::uint32_t p) { return P_.active(p) & ((P_.work[p] != Inactive) | (P_.emp_phase[p] != EpNone)); },
            [&](std::uint32_t p, Stream& s, Tally& t, std::vector<TaggedRequest>& req) {
              const double u_a = s.uniform(), u_b = s.uniform(), u_c = s.uniform();
              const double employability = P_.employability[p];  // as it was at the start of the week
              const double efficacy = P_.efficacy[p];            // as it was at the start of the week
              if (P_.work[p] == Employed) {
                if (!rules::EmploymentRules::job_can_be_lost(P_, p)) return;  // care work with a family
                const bool non_profit = F_.flags[static_cast<std::uint32_t>(P_.firm[p])] & FfNonProfit;
                if (rule.loses_job(P_, p, week_, employability, non_profit, u_a)) req.push_back({p, P_.firm[p], request_kind(PathwayRequest::Separate)});
                return;
              }
              std::uint8_t ph = P_.emp_phase[p];
              const bool in_care = P_.kase[p] == InCharge || P_.kase[p] == FollowUp;
              // Taken in charge: the programme's pathway starts (from the programme's first week: in a
              // warm-up people in charge look for work on the open market only).
              if (ph == EpNone && P_.kase[p] == InCharge && P_.work[p] == Searching && week_ >= programme_start_) {
                ph = P_.emp_phase[p] = EpOrientation;
                P_.emp_since[p] = static_cast<std::int16_t>(week_);
                P_.cost[p] += rule.icf_cost;  // the ICF assessment, when used
                t.at(P_.territory[p], CIcfAssessed) += rule.icf_cost > 0;
              }
              if ((ph == EpOrientation || ph == EpTraining || ph == EpMatching) && !in_care) {
                if (ph == EpTraining) P_.work[p] = Searching;
                ph = P_.emp_phase[p] = EpOut;  // the case closed: the pathway ends with it
              }
              const int in_phase = week_ - P_.emp_since[p];
              switch (static_cast<EmpPhase>(ph)) {
                case EpOrientation:
                  if (in_phase < rule.orient) break;
                  if (rule.needs_training(employability)) {
                    req.push_back({p, P_.emp_since[p], request_kind(PathwayRequest::Training)});  // waits in orientation for a seat
                  } else {
                    P_.emp_phase[p] = EpMatching;
                    P_.emp_since[p] = static_cast<std::int16_t>(week_);
                  }
                  break;
                case EpTraining:
                  if (in_phase < rule.train_len) break;
                  P_.employability[p] = rule.employability_after_training(employability);
                  P_.work[p] = Searching;
                  P_.emp_phase[p] = EpMatching;
                  P_.emp_since[p] = static_cast<std::int16_t>(week_);
                  break;
                case EpMatching:
                  if (!rule.scouting_begun(P_, p, week_)) break;  // scouting for this person not begun
                  if (rule.discouraged(P_, p, u_b)) {
                    P_.emp_phase[p] = EpOut;
                  } else {
                    P_.efficacy[p] = efficacy_rule.after(WaitingForFirm, P_.efficacy[p]);
                    if (rule.proposed(P_, p, u_a)) req.push_back({p, P_.emp_since[p], request_kind(PathwayRequest::Match)});
                  }
                  break;
                case EpInternship:
                  if (in_phase >= rule.intern_len) req.push_back({p, P_.firm[p], request_kind(PathwayRequest::Hire)});
                  else if (rule.internship_breaks(P_, p, u_b)) req.push_back({p, P_.firm[p], request_kind(PathwayRequest::InternBreak)});
                  break;
                case EpNone:
                case EpEmployed:
                case EpMarketJob:
                case EpOut: break;
              }
              // The open labour market, for anyone looking for work and not in an internship or course.
              if (P_.work[p] == Searching && P_.emp_phase[p] != EpInternship && rule.finds_market_job(P_, p, week_, employability, efficacy, u_c))
                req.push_back({p, static_cast<std::int32_t>(p), request_kind(PathwayRequest::Market)});
            });
  auto&& requests = m.requests(rules::request_kinds<PathwayRequest>());
  m.territories([&](int k, Tally& t) {
    auto& ts = terr_[k];
    auto& rq = requests[k];
    const auto week = static_cast<std::uint32_t>(week_);
    for (const auto& r : rq[request_kind(PathwayRequest::Separate)]) {
      separate(r.person, firm_rule, t);
      if (P_.emp_phase[r.person] == EpEmployed) {
        pathway_failure(r.person, rule, efficacy_rule);  // a programme job lost: one failure (its loss of self-efficacy included)
      } else {  // an open-market job lost
        P_.efficacy[r.person] = efficacy_rule.after(MarketJobLost, P_.efficacy[r.person]);
        P_.emp_phase[r.person] = EpNone;
      }
    }
    for (const auto& r : rq[request_kind(PathwayRequest::InternBreak)]) {
      const auto f = static_cast<std::uint32_t>(P_.firm[r.person]);
      F_.interns[f]--;
      F_.openness[f] = firm_rule.openness_after(FirmOutcome::InternNotHired, F_.openness[f]);
      P_.firm[r.person] = -1;
      P_.work[r.person] = Searching;
      pathway_failure(r.person, rule, efficacy_rule);
    }
    for (const auto& r : rq[request_kind(PathwayRequest::Hire)]) {  // the firm's decision at the end of the internship
      const std::uint32_t p = r.person;
      const auto f = static_cast<std::uint32_t>(P_.firm[p]);
      const double p_hire = firm_rule.hire_p(P_, p, F_, f);
      Stream s(key_, p, week, Purpose::Hiring);
      F_.interns[f]--;
      // A completed internship qualifies, hired or not (more in a profit firm).
      P_.employability[p] = rule.employability_after_internship(P_.employability[p], F_.flags[f] & FfNonProfit);
      if (s.chance(p_hire)) {
        hire(p, f, true, efficacy_rule, t);
        t.at(k, CInternConverted)++;
        F_.openness[f] = firm_rule.openness_after(FirmOutcome::InternHired, F_.openness[f]);
      } else {
        F_.openness[f] = firm_rule.openness_after(FirmOutcome::InternNotHired, F_.openness[f]);
        P_.firm[p] = -1;
        P_.work[p] = Searching;
        pathway_failure(p, rule, efficacy_rule);
      }
    }
    std::int64_t seats = static_cast<std::int64_t>(std::floor(ts.training_seats)) - ts.in_training;
    for (const auto& r : rq[request_kind(PathwayRequest::Training)]) {
      if (seats <= 0) break;  // the others wait in orientation for a seat
      P_.emp_phase[r.person] = EpTraining;
      P_.emp_since[r.person] = static_cast<std::int16_t>(week_);
      P_.work[r.person] = Training;
      t.at(k, CTrainingStarted)++;
      --seats;
    }
    ts.in_training += t.at(k, CTrainingStarted);
    // Matching: known firms with an open vacancy, one slot per vacancy.
    std::vector<std::uint32_t> slots;
    const auto& known = ts.known_firms;
    for (std::size_t j = 0; j < known.size(); ++j) {
      if (j + M::kAhead < known.size()) m.prefetch(&F_.vacancies[known[j + M::kAhead]]);
      const std::uint32_t f = known[j];
      if (F_.vacancies[f] > 0) slots.insert(slots.end(), F_.vacancies[f], f);
    }
    auto& match = rq[request_kind(PathwayRequest::Match)];
    m.order(match);
    // Calibrated matching proposes the best-suited known firm: firms ranked by their part of
    // the acceptance logit, which differs between people only by disability (the CPI link).
    // Only accepted proposals use a slot, so the walk down a ranking past used slots never
    // passes more than one slot per candidate: the top (candidates + 1) are enough (twice that, to spare).
    std::vector<std::uint32_t> ranked[2];
    std::size_t next_best[2] = {0, 0};
    const std::size_t top = std::min(slots.size(), 2 * match.size() + 1);
    for (int d = 0; d < 2 && !match.empty(); ++d) {
      if (d == 1 && !firm_rule.integrated) {  // without the CPI link both kinds of person rank firms alike
        ranked[1] = ranked[0];
        break;
      }
      std::vector<std::pair<double, std::uint32_t>> keyed(slots.size());  // (-score, slot): a strict order
      for (std::uint32_t j = 0; j < slots.size(); ++j) keyed[j] = {-firm_rule.firm_score(F_, slots[j], d == 1), j};
      m.best_first(keyed, top);
      for (std::size_t j = 0; j < top; ++j) ranked[d].push_back(keyed[j].second);
    }
    std::vector<char> used(slots.size(), 0);
    std::size_t left = slots.size();
    for (const auto& r : match) {
      if (left == 0) break;
      const std::uint32_t p = r.person;
      Stream s(key_, p, week, Purpose::Matching);
      const double u_quality = s.uniform(), u_pick = s.uniform(), u_accept = s.uniform();
      std::size_t pick = slots.size();
      const int d = rules::disabled(P_, p) ? 1 : 0;
      while (next_best[d] < ranked[d].size() && used[ranked[d][next_best[d]]]) ++next_best[d];
      if (u_quality < firm_rule.matching_quality && next_best[d] < ranked[d].size()) {
        pick = ranked[d][next_best[d]];  // calibrated: the best-suited known firm
      } else {  // any known firm with a vacancy
        pick = static_cast<std::size_t>(u_pick * static_cast<double>(slots.size()));
        while (used[pick]) pick = (pick + 1) % slots.size();
      }
      const std::uint32_t f = slots[pick];
      // The firm turns the candidate down; with direct placement, the interview is also the
      // hiring decision.
      const bool turned_down = u_accept >= rules::logistic(firm_rule.acceptance_logit(P_, p, F_, f)) ||
                               (rule.direct && !Stream(key_, p, week, Purpose::Hiring).chance(firm_rule.hire_p(P_, p, F_, f)));
      if (turned_down) {
        P_.efficacy[p] = efficacy_rule.after(TurnedDown, P_.efficacy[p]);
        continue;
      }
      used[pick] = 1;
      --left;
      F_.vacancies[f]--;
      ts.vacancies_open--;
      if (rule.direct) {  // place then train: hired at once, with the follow-up of the programme
        hire(p, f, true, efficacy_rule, t);
        continue;
      }
      F_.interns[f]++;
      engage(f);
      P_.firm[p] = static_cast<std::int32_t>(f);
      P_.work[p] = Internship;
      P_.emp_phase[p] = EpInternship;
      P_.emp_since[p] = static_cast<std::int16_t>(week_);
      t.at(k, CInternStarted)++;
    }
    // Open-market hires fill any open vacancy of the territory.
    for (const auto& r : rq[request_kind(PathwayRequest::Market)]) {
      const std::uint32_t p = r.person;
      if (P_.work[p] != Searching || ts.open_vacancies.empty()) continue;
      Stream s(key_, p, week, Purpose::MarketHire);
      std::size_t j = static_cast<std::size_t>(s.uniform() * static_cast<double>(ts.open_vacancies.size()));
      std::size_t tries = 0;
      while (F_.vacancies[ts.open_vacancies[j].first] == 0 && ++tries < ts.open_vacancies.size()) j = (j + 1) % ts.open_vacancies.size();
      const std::uint32_t f = ts.open_vacancies[j].first;
      if (F_.vacancies[f] == 0) continue;
      F_.vacancies[f]--;
      ts.vacancies_open--;
      hire(p, f, false, efficacy_rule, t);
    }
  });
}

void World::scouting_and_firms() { with_machinery([&](auto& m) { scouting_and_firms(m); }); }
void World::employment_pathway() { with_machinery([&](auto& m) { employment_pathway(m); }); }

// The constructor (sim/engine/world.cpp) sets the firms up with either machinery.
template void World::create_firms<World::Fast>(World::Fast&);
template void World::create_firms<World::Reference>(World::Reference&);
}  // namespace percorsi
