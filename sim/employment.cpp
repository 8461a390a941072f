// Phases 5 and 6: the employment pathway of people in charge, and scouting and firms.
// Firms are columns (one contiguous id range per territory). Per-person hazards run over
// blocks of people in parallel and make requests; each territory then resolves them in a
// defined order against its firms: separations, broken internships, hiring decisions,
// training seats, matching with known firms that have a vacancy, open-market hires.
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/poisson_distribution.hpp>
#include <cmath>
#include <numeric>

#include "sim/world.hpp"

namespace percorsi {

namespace {
enum EmpReq : std::uint8_t { RSeparate, RInternBreak, RHire, RTraining, RMatch, RMarket, kEmpReqs };

double logistic(double z) { return 1.0 / (1.0 + std::exp(-z)); }
float clamp01f(double x) { return static_cast<float>(x < 0 ? 0 : (x > 1 ? 1 : x)); }
int weeks_of(double w) { return static_cast<int>(std::lround(w)); }

// Whether scouting with this strategy reaches a firm of this sector.
bool scouting_targets(choice::employment_scouting_strategy s, bool non_profit) {
  switch (s) {
    case choice::employment_scouting_strategy::profit: return !non_profit;
    case choice::employment_scouting_strategy::non_profit: return non_profit;
    case choice::employment_scouting_strategy::mixed: return true;
  }
  return true;
}

// Law 68/1999: 15-35 employees one position, 36-50 two, over 50 7% of staff.
std::uint16_t law68_quota(int size) {
  if (size < 15) return 0;
  if (size <= 35) return 1;
  if (size <= 50) return 2;
  return static_cast<std::uint16_t>(std::floor(0.07 * size));
}
}  // namespace

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

void World::create_firms() {
  const bool integrated = sc_.choice<G::cpi_involvement>() == choice::cpi_involvement::integrated;
  std::size_t n = 0;
  for (int t = 0; t < T_; ++t) {
    terr_[t].firm_begin = n;
    n += static_cast<std::size_t>(std::llround(sc_.territories[t][T::firms] * sc_[G::scale]));
    terr_[t].firm_end = n;
  }
  F_.territory.resize(n);
  F_.flags.resize(n);
  for (auto* v : {&F_.size, &F_.quota, &F_.filled, &F_.vacancies, &F_.workers, &F_.interns}) v->assign(n, 0);
  F_.openness.resize(n);
  F_.known_week.assign(n, -1);
  const double mu = std::log(sc_[G::firms_size_median]), sigma = sc_[G::firms_size_sigma];
  // Each firm's attributes come from its own stream: drawn in parallel blocks of firm ids.
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 4096), [&](const tbb::blocked_range<std::size_t>& r) {
    int t = 0;
    for (std::size_t f = r.begin(); f != r.end(); ++f) {
      while (f >= terr_[t].firm_end) ++t;
      Stream s(key_, static_cast<std::uint32_t>(f), 0, Purpose::FirmCreate);
      auto& R = s.engine();
      const double z = boost::random::normal_distribution<double>(0, 1)(R);
      const int size = static_cast<int>(std::clamp(std::ceil(std::exp(mu + sigma * z)), 1.0, 60000.0));
      std::uint8_t flags = s.chance(sc_[G::firms_non_profit_share]) ? FfNonProfit : 0;
      const std::uint16_t quota = law68_quota(size);
      if (quota > 0) flags |= FfObliged;
      const double fill = quota * sc_[G::firms_quota_initial_fill] + s.uniform();  // stochastic rounding
      const double mean = (flags & FfNonProfit) ? sc_[G::firms_openness_non_profit] : sc_[G::firms_openness_profit];
      double open = beta_draw(s, mean * 8, (1 - mean) * 8);
      if (integrated && (flags & FfObliged)) {  // shared lists and incentive information
        flags |= FfKnown;
        F_.known_week[f] = 0;
        open += sc_[G::cpi_incentive_openness];
      }
      F_.territory[f] = static_cast<std::uint8_t>(t);
      F_.flags[f] = flags;
      F_.size[f] = static_cast<std::uint16_t>(size);
      F_.quota[f] = quota;
      F_.filled[f] = static_cast<std::uint16_t>(std::min<double>(quota, std::floor(fill)));
      F_.openness[f] = clamp01f(open);
    }
  });
  tbb::parallel_for(0, T_, [&](int t) {
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
    double cum = 0;
    for (std::size_t f = ts.firm_begin; f < ts.firm_end; ++f) ts.size_cum.push_back(cum += F_.size[f]);
    ts.size_guide = size_guide(ts.size_cum);
  });
}

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

void World::hire(std::uint32_t p, std::uint32_t f, bool programme, Tally& t) {
  const int k = P_.territory[p];
  P_.work[p] = Employed;
  P_.firm[p] = static_cast<std::int32_t>(f);
  P_.emp_phase[p] = programme ? EpEmployed : EpMarketJob;
  P_.hire_week[p] = static_cast<std::int16_t>(week_);
  if (P_.first_job[p] < 0) P_.first_job[p] = static_cast<std::int16_t>(week_);
  if (P_.spells[p] < 255) P_.spells[p]++;
  F_.workers[f]++;
  engage(f);
  const bool quota_hire = (P_.groups[p] & GDisability) && (F_.flags[f] & FfObliged) && F_.filled[f] < F_.quota[f];
  P_.quota_job[p] = quota_hire ? 1 : 0;
  if (quota_hire) {
    fill_quota(f, +1);
    t.at(k, CHiresObliged)++;
  }
  t.at(k, CHires)++;
  if (programme) t.at(k, CHiresProgramme)++;
  P_.efficacy[p] = clamp01f(P_.efficacy[p] + sc_[G::life_efficacy_success_gain]);
}

void World::separate(std::uint32_t p, Tally& t) {
  const auto f = static_cast<std::uint32_t>(P_.firm[p]);
  F_.workers[f]--;
  if (P_.quota_job[p]) fill_quota(f, -1);
  if (week_ - P_.hire_week[p] < weeks_of(sc_[G::employment_job_loss_early_period]))
    F_.openness[f] = clamp01f(F_.openness[f] - sc_[G::employment_openness_after_failure]);
  P_.quota_job[p] = 0;
  P_.firm[p] = -1;
  P_.work[p] = Searching;
  t.at(P_.territory[p], CSeparations)++;
}

// After a failure: back to matching (reiterate, rounds left) or out of the pathway.
void World::pathway_failure(std::uint32_t p) {
  P_.efficacy[p] = clamp01f(P_.efficacy[p] - sc_[G::life_efficacy_failure_loss]);
  if (P_.rounds[p] < 255) P_.rounds[p]++;
  const bool again = sc_[G::employment_reiterate] != 0 && P_.rounds[p] <= static_cast<int>(sc_[G::employment_max_rounds]);
  P_.emp_phase[p] = again ? EpMatching : EpOut;
  P_.emp_since[p] = static_cast<std::int16_t>(week_);
}

// ---------------------------------------------------------------------------------------------
// Phase 5: employment pathway (per person)

void World::employment_pathway() {
  const double emp_loss_coef = sc_[G::employment_job_loss_employability_coef];
  const int early = weeks_of(sc_[G::employment_job_loss_early_period]), fu_len = weeks_of(sc_[G::employment_follow_up_duration]);
  const double log_early = std::log(sc_[G::employment_job_loss_early_factor]);
  const double log_fu = sc_[G::employment_follow_up_effect] * sc_[G::employment_follow_up_intensity];
  const Hazard loss_hz(sc_[G::employment_job_loss_rate] / 52.0,
                       std::max(0.0, log_early) + std::max(0.0, log_fu) + std::fabs(emp_loss_coef) * 0.5);
  const int orient = weeks_of(sc_[G::employment_orientation]), train_len = weeks_of(sc_[G::employment_training_duration]);
  const double threshold = sc_[G::employment_training_threshold], gain = sc_[G::employment_training_gain];
  const bool by_intake = sc_.choice<G::employment_scouting_reference>() == choice::employment_scouting_reference::intake;
  const int scout_start = weeks_of(sc_[G::employment_scouting_start]);
  const double disc_coef = sc_[G::employment_discouragement_efficacy_coef];
  const Hazard disc_hz(sc_[G::employment_discouragement_rate] / 52.0, std::fabs(disc_coef) * 0.5);
  const double match_w = sc_[G::employment_matching_rate] / 52.0;
  const int intern_len = weeks_of(sc_[G::employment_internship_duration]);
  const Hazard intern_drop(sc_[G::employment_internship_dropout_rate] / 52.0, 1.0);
  const double mkt_coef = sc_[G::labour_employability_coef];
  double max_hiring = 0;
  for (const auto& ts : terr_) max_hiring = std::max(max_hiring, ts.hiring);
  const Hazard market_hz(sc_[G::labour_job_finding_rate] / 52.0, std::fabs(mkt_coef) * 0.5 + std::log(std::max(max_hiring, 1e-300)));
  std::vector<double> log_hiring(T_);
  for (int k = 0; k < T_; ++k) log_hiring[k] = std::log(std::max(terr_[k].hiring, 1e-300));
  const float wait_loss = static_cast<float>(sc_[G::life_efficacy_wait_loss]);

  for_blocks(P_.size(), [&](std::size_t b, std::size_t e, Tally&, std::size_t blk) {
    auto& req = block_requests_[blk];
    auto in_pathway = [&](std::uint32_t p) { return P_.active(p) & ((P_.work[p] | P_.emp_phase[p]) != 0); };  // not Inactive and EpNone
    with_streams(b, e, Purpose::Employment, in_pathway, [&](std::uint32_t p, Stream& s) {
      const std::uint8_t w = P_.work[p];
      std::uint8_t ph = P_.emp_phase[p];
      const auto& ts = terr_[P_.territory[p]];
      const double u_a = s.uniform(), u_b = s.uniform(), u_c = s.uniform();
      // Covariates are read only where a draw needs them (most hazards are first tested
      // against their largest possible probability, Hazard::maybe).
      // employability as it was at the start of the week (training may raise it below).
      double emp_start = -1;
      auto emp = [&] { return emp_start >= 0 ? emp_start : (emp_start = P_.employability[p]); };
      if (w == Employed) {
        auto lp = [&] {
          const int tenure = week_ - P_.hire_week[p];
          return (tenure < early ? log_early : 0.0) + (ph == EpEmployed && tenure < fu_len ? log_fu : 0.0) +
                 emp_loss_coef * (emp() - 0.5);
        };
        if (loss_hz.maybe(u_a) && loss_hz.hit(u_a, lp())) req.push_back({p, P_.firm[p], RSeparate});
        return;
      }
      const bool in_care = P_.kase[p] == InCharge || P_.kase[p] == FollowUp;
      if (ph == EpNone && P_.kase[p] == InCharge && w == Searching) {
        ph = P_.emp_phase[p] = EpOrientation;
        P_.emp_since[p] = static_cast<std::int16_t>(week_);
      }
      if ((ph == EpOrientation || ph == EpTraining || ph == EpMatching) && !in_care) {
        if (ph == EpTraining) P_.work[p] = Searching;
        ph = P_.emp_phase[p] = EpOut;  // the case closed: the pathway ends with it
      }
      const int in_phase = week_ - P_.emp_since[p];
      switch (ph) {
        case EpOrientation:
          if (in_phase >= orient) {
            if (emp() < threshold) {
              req.push_back({p, P_.emp_since[p], RTraining});
            } else {
              P_.emp_phase[p] = EpMatching;
              P_.emp_since[p] = static_cast<std::int16_t>(week_);
            }
          }
          break;
        case EpTraining:
          if (in_phase >= train_len) {
            P_.employability[p] = clamp01f(emp() + gain);
            P_.work[p] = Searching;
            P_.emp_phase[p] = EpMatching;
            P_.emp_since[p] = static_cast<std::int16_t>(week_);
          }
          break;
        case EpMatching:
          if (by_intake && week_ - P_.intake[p] < scout_start) break;  // scouting for this person not begun
          if (disc_hz.hit(u_b, disc_coef * (P_.efficacy[p] - 0.5))) {
            P_.emp_phase[p] = EpOut;
          } else {
            P_.efficacy[p] = clamp01f(P_.efficacy[p] - wait_loss);
            if (u_a < hazard_p(match_w * ts.activity)) req.push_back({p, P_.emp_since[p], RMatch});
          }
          break;
        case EpInternship:
          if (in_phase >= intern_len) req.push_back({p, P_.firm[p], RHire});
          else if (intern_drop.hit(u_b, -2.0 * (P_.efficacy[p] - 0.5))) req.push_back({p, P_.firm[p], RInternBreak});
          break;
        default: break;
      }
      // The open labour market, for anyone looking for work and not in an internship or course.
      if (P_.work[p] == Searching && P_.emp_phase[p] != EpInternship && ts.hiring > 0 &&
          market_hz.maybe(u_c) && market_hz.hit(u_c, mkt_coef * (emp() - 0.5) + log_hiring[P_.territory[p]]))
        req.push_back({p, static_cast<std::int32_t>(p), RMarket});
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Phase 6: scouting and firms (per territory)

// How far ahead loops over firms in a random order prefetch the firm columns.
constexpr std::size_t kAhead = 16;

void World::scouting_and_firms() {
  auto requests = gather_requests(kEmpReqs);
  const auto strategy = sc_.choice<G::employment_scouting_strategy>();
  const bool by_intake = sc_.choice<G::employment_scouting_reference>() == choice::employment_scouting_reference::intake;
  const int scout_start = weeks_of(sc_[G::employment_scouting_start]);
  const double firms_per_week = sc_[G::employment_scouting_intensity] * sc_[G::scale] / sc_[G::employment_scouting_hours_per_firm];
  const int vac_len = weeks_of(sc_[G::firms_vacancy_duration]);
  const bool integrated = sc_.choice<G::cpi_involvement>() == choice::cpi_involvement::integrated;
  const double good = sc_[G::employment_openness_after_success], bad = sc_[G::employment_openness_after_failure];
  for_territories([&](int k, Tally& t) {
    auto& ts = terr_[k];
    auto& rq = requests[k];
    const auto week = static_cast<std::uint32_t>(week_);
    // Vacancies: arrivals in proportion to firm size; the oldest expire first.
    if (!ts.size_cum.empty()) {
      Stream s(key_, static_cast<std::uint32_t>(k), week, Purpose::Vacancies);
      const double mean = ts.size_cum.back() * sc_[G::firms_vacancy_rate] / 52.0 * ts.hiring;
      const int n = mean > 0 ? boost::random::poisson_distribution<int>(mean)(s.engine()) : 0;
      // In batches, each in three passes with prefetches (guide entries, then the cumulative
      // sizes and firm columns): the arrivals fall on firms at random, so one at a time each
      // would wait for its loads. The firms are then taken in arrival order, as drawn.
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
          __builtin_prefetch(F_.vacancies.data() + ts.firm_begin + g);
          __builtin_prefetch(F_.size.data() + ts.firm_begin + g);
        }
        for (int j = 0; j < m; ++j) {
          const auto f = static_cast<std::uint32_t>(ts.firm_begin + firm_from_guess(ts.size_cum, at[j], x[j]));
          if (f >= ts.firm_end || F_.vacancies[f] >= F_.size[f]) continue;
          F_.vacancies[f]++;
          ts.vacancies_open++;
          ts.open_vacancies.emplace_back(f, week_);
        }
      }
      std::size_t expired = 0;
      while (expired < ts.open_vacancies.size() && week_ - ts.open_vacancies[expired].second >= vac_len) {
        if (expired + kAhead < ts.open_vacancies.size()) __builtin_prefetch(&F_.vacancies[ts.open_vacancies[expired + kAhead].first]);
        const auto f = ts.open_vacancies[expired++].first;
        if (F_.vacancies[f] > 0) F_.vacancies[f]--, ts.vacancies_open--;
      }
      ts.open_vacancies.erase(ts.open_vacancies.begin(), ts.open_vacancies.begin() + static_cast<std::ptrdiff_t>(expired));
    }
    // Scouting reaches new firms of the chosen sector(s).
    if (by_intake || week_ >= scout_start) {
      std::int64_t reach = units(firms_per_week * ts.activity, week_);
      while (reach > 0 && ts.scout_next < ts.scout_order.size()) {
        const std::uint32_t f = ts.scout_order[ts.scout_next++];
        const bool np = F_.flags[f] & FfNonProfit;
        if ((F_.flags[f] & FfKnown) || !scouting_targets(strategy, np)) continue;
        F_.flags[f] |= FfKnown;
        F_.known_week[f] = static_cast<std::int16_t>(week_);
        ts.known_firms.push_back(f);
        ts.firms_known[np ? 1 : 0]++;
        F_.openness[f] = clamp01f(F_.openness[f] + sc_[G::employment_scouting_openness_gain]);
        t.at(k, CScoutedFirms)++;
        --reach;
      }
    }
    for (const auto& r : rq[RSeparate]) {
      separate(r.person, t);
      P_.efficacy[r.person] = clamp01f(P_.efficacy[r.person] - sc_[G::life_efficacy_failure_loss]);
      if (P_.emp_phase[r.person] == EpEmployed) pathway_failure(r.person);
      else P_.emp_phase[r.person] = EpNone;
    }
    for (const auto& r : rq[RInternBreak]) {
      const auto f = static_cast<std::uint32_t>(P_.firm[r.person]);
      F_.interns[f]--;
      F_.openness[f] = clamp01f(F_.openness[f] - bad);
      P_.firm[r.person] = -1;
      P_.work[r.person] = Searching;
      pathway_failure(r.person);
    }
    for (const auto& r : rq[RHire]) {  // the firm's decision at the end of the internship
      const std::uint32_t p = r.person;
      const auto f = static_cast<std::uint32_t>(P_.firm[p]);
      const bool quota = (P_.groups[p] & GDisability) && (F_.flags[f] & FfObliged) && F_.filled[f] < F_.quota[f];
      const double z = sc_[G::employment_hiring_intercept] + sc_[G::employment_hiring_openness_coef] * (F_.openness[f] - 0.5) +
                       sc_[G::employment_hiring_employability_coef] * (P_.employability[p] - 0.5) + (quota ? sc_[G::employment_hiring_quota_coef] : 0.0);
      Stream s(key_, p, week, Purpose::Hiring);
      F_.interns[f]--;
      if (s.chance(logistic(z))) {
        hire(p, f, true, t);
        t.at(k, CInternConverted)++;
        F_.openness[f] = clamp01f(F_.openness[f] + good);
      } else {
        F_.openness[f] = clamp01f(F_.openness[f] - bad);
        P_.firm[p] = -1;
        P_.work[p] = Searching;
        pathway_failure(p);
      }
    }
    std::int64_t seats = static_cast<std::int64_t>(std::floor(ts.training_seats)) - ts.in_training;
    for (const auto& r : rq[RTraining]) {
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
      if (j + kAhead < known.size()) __builtin_prefetch(&F_.vacancies[known[j + kAhead]]);
      const std::uint32_t f = known[j];
      if (F_.vacancies[f] > 0) slots.insert(slots.end(), F_.vacancies[f], f);
    }
    auto& match = rq[RMatch];
    order_by_priority(match);
    auto quota_open = [&](std::uint32_t f) { return (F_.flags[f] & FfObliged) && F_.filled[f] < F_.quota[f]; };
    auto logit = [&](std::uint32_t p, std::uint32_t f) {
      const bool disabled = P_.groups[p] & GDisability;
      return sc_[G::employment_matching_intercept] + sc_[G::employment_matching_employability_coef] * (P_.employability[p] - 0.5) +
             sc_[G::employment_matching_functioning_coef] * P_.functioning[p] + sc_[G::employment_matching_openness_coef] * (F_.openness[f] - 0.5) +
             ((F_.flags[f] & FfNonProfit) ? sc_[G::employment_matching_non_profit_coef] : 0.0) +
             ((integrated && disabled && quota_open(f)) ? sc_[G::employment_matching_cpi_link_coef] : 0.0);
    };
    // The best-suited firm differs only by the person's disability (Law 68 link): rank the
    // slots once for each kind of person, and walk each ranking past used slots.
    auto firm_part = [&](std::uint32_t f, bool disabled) {
      return sc_[G::employment_matching_openness_coef] * F_.openness[f] + ((F_.flags[f] & FfNonProfit) ? sc_[G::employment_matching_non_profit_coef] : 0.0) +
             ((integrated && disabled && quota_open(f)) ? sc_[G::employment_matching_cpi_link_coef] : 0.0);
    };
    // Only accepted proposals use a slot, so the best-pick walk never passes more than one slot
    // per candidate: the top (candidates + 1) of each ranking are enough (twice that, to spare).
    std::vector<std::uint32_t> ranked[2];
    std::size_t next_best[2] = {0, 0};
    const std::size_t top = std::min(slots.size(), 2 * match.size() + 1);
    for (int d = 0; d < 2 && !match.empty(); ++d) {
      if (d == 1 && !integrated) {  // without the CPI link both kinds of person rank firms alike
        ranked[1] = ranked[0];
        break;
      }
      // The top slots by (-score, slot): a strict order, so selecting them and sorting the
      // selection gives exactly what a partial sort would, in linear time on average.
      std::vector<std::pair<double, std::uint32_t>> keyed(slots.size());
      for (std::uint32_t j = 0; j < slots.size(); ++j) keyed[j] = {-firm_part(slots[j], d == 1), j};
      const auto mid = keyed.begin() + static_cast<std::ptrdiff_t>(top);
      if (top < keyed.size()) std::nth_element(keyed.begin(), mid, keyed.end());
      std::sort(keyed.begin(), mid);
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
      const int d = (P_.groups[p] & GDisability) ? 1 : 0;
      while (next_best[d] < ranked[d].size() && used[ranked[d][next_best[d]]]) ++next_best[d];
      if (u_quality < sc_[G::employment_matching_quality] && next_best[d] < ranked[d].size()) {
        pick = ranked[d][next_best[d]];  // calibrated: the best-suited known firm
      } else {  // any known firm with a vacancy
        pick = static_cast<std::size_t>(u_pick * static_cast<double>(slots.size()));
        while (used[pick]) pick = (pick + 1) % slots.size();
      }
      const std::uint32_t f = slots[pick];
      if (u_accept >= logistic(logit(p, f))) {
        P_.efficacy[p] = clamp01f(P_.efficacy[p] - 0.5 * sc_[G::life_efficacy_failure_loss]);
        continue;
      }
      used[pick] = 1;
      --left;
      F_.vacancies[f]--;
      ts.vacancies_open--;
      F_.interns[f]++;
      engage(f);
      P_.firm[p] = static_cast<std::int32_t>(f);
      P_.work[p] = Internship;
      P_.emp_phase[p] = EpInternship;
      P_.emp_since[p] = static_cast<std::int16_t>(week_);
      t.at(k, CInternStarted)++;
    }
    // Open-market hires fill any open vacancy of the territory.
    for (const auto& r : rq[RMarket]) {
      const std::uint32_t p = r.person;
      if (P_.work[p] != Searching || ts.open_vacancies.empty()) continue;
      Stream s(key_, p, week, Purpose::MarketHire);
      std::size_t j = static_cast<std::size_t>(s.uniform() * static_cast<double>(ts.open_vacancies.size()));
      std::size_t tries = 0;
      while (F_.vacancies[ts.open_vacancies[j].first] == 0 && ++tries < ts.open_vacancies.size())
        j = (j + 1) % ts.open_vacancies.size();
      const std::uint32_t f = ts.open_vacancies[j].first;
      if (F_.vacancies[f] == 0) continue;
      F_.vacancies[f]--;
      ts.vacancies_open--;
      hire(p, f, false, t);
    }
  });
}

}  // namespace percorsi
