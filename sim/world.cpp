#include "sim/world.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/combinable.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <boost/random/exponential_distribution.hpp>
#include <boost/random/poisson_distribution.hpp>
#include <cmath>

namespace percorsi {

namespace {
constexpr std::size_t kBlock = 8192;  // persons per parallel block (fixed: results never depend on it)
constexpr std::uint8_t kNotReached = 255;

float clamp01(float x) { return x < 0 ? 0.f : (x > 1 ? 1.f : x); }
double p_of(double rate_per_week) { return hazard_p(rate_per_week); }

// Request kinds of the housing pathway, resolved in this order.
enum ReqKind : std::uint8_t { RDemote, RMoveOn, RShelter, RTransitional, RHf, kReqKinds };
}  // namespace

// ---------------------------------------------------------------------------------------------
// Columns

void Persons::resize(std::size_t n) {
  for_each_column([n](auto& v) {
    if (n > v.capacity()) v.reserve(std::max(n, v.capacity() + v.capacity() / 4));
    v.resize(n);
  });
}

std::size_t Persons::bytes() const {
  std::size_t b = 0;
  for_each_column([&b](const auto& v) { b += v.capacity() * sizeof(v[0]); });
  return b;
}

// ---------------------------------------------------------------------------------------------
// Set-up

World::World(Scenario scenario, int replicate)
    : sc_(std::move(scenario)),
      replicate_(replicate),
      key_(sc_.seed(), static_cast<std::uint32_t>(replicate)),
      T_(static_cast<int>(sc_.territories.size())),
      terr_(T_),
      week_tally_(T_),
      territory_joiners_(T_) {
  set_capacities(0);
  initial_population();
  create_firms();
}

const std::vector<World::Phase>& World::phases() {
  static const std::vector<Phase> p = {
      {"inflow_and_exits", &World::inflow_and_exits},
      {"life_events", &World::life_events},
      {"contact_and_assessment", &World::contact_and_assessment},
      {"housing_pathway", &World::housing_pathway},
      {"employment_pathway", &World::employment_pathway},
      {"scouting_and_firms", &World::scouting_and_firms},
      {"events", &World::events},
      {"accounting", &World::accounting},
  };
  return p;
}

void World::begin_week() { week_tally_ = Tally(T_); }

void World::step() {
  begin_week();
  for (const auto& ph : phases()) (this->*ph.fn)();
  end_week();
}

void World::set_capacities(int w) {
  const double scale = sc_[G::scale];
  for (int t = 0; t < T_; ++t) {
    const auto& tv = sc_.territories[t];
    auto& ts = terr_[t];
    // Product of the factors of the events in force in week w that apply to t.
    auto factor = [&](choice::target target) {
      double f = 1;
      for (const auto& e : sc_.events) {
        const std::string& en = e.at(E::territory).text;
        if (e.choice<E::target>() == target && w >= e[E::start] && w < e[E::end] &&
            (en.empty() || en == sc_.territory_name(t)))
          f *= e[E::factor];
      }
      return f;
    };
    using enum choice::target;
    ts.activity = factor(activity);
    ts.assess_social = tv[T::assessment_capacity] * scale * factor(assessment_capacity);
    ts.assess_cpi = tv[T::cpi_assessment_capacity] * scale * factor(assessment_capacity);
    ts.case_slots = tv[T::case_workers] * sc_[G::case_caseload] * scale * factor(case_workers);
    ts.shelter_beds = tv[T::shelter_beds] * scale * factor(shelter_beds);
    ts.transitional = tv[T::transitional_places] * scale * factor(transitional_places);
    ts.hf_flats = tv[T::hf_flats] * scale * factor(hf_flats);
    ts.hf_slots = tv[T::hf_support_workers] * sc_[G::housing_first_caseload] * scale * factor(hf_flats);
    ts.lets = tv[T::affordable_lets] * scale * factor(affordable_lets);
    ts.inflow = tv[T::inflow] * scale * factor(inflow);
    ts.hiring = factor(hiring);
    ts.training_seats = tv[T::training_seats] * scale * factor(activity);
    // Network management takes case-management time from every partner beyond the first.
    ts.case_slots *= std::max(0.0, 1.0 - sc_[G::network_overhead_per_partner] * (sc_[G::network_partners] - 1));
  }
}

bool World::hf_eligible(std::uint32_t p) const {
  const std::uint8_t f = P_.flags[p];
  switch (sc_.choice<G::housing_first_eligibility>()) {
    case choice::housing_first_eligibility::chronic_high_need: {
      const bool high_need = (P_.groups[p] & GMentalHealth) || ((P_.groups[p] & GDisability) && P_.functioning[p] >= 2) ||
                             P_.health0[p] < 0.4f;
      return (f & FChronic) && high_need;
    }
    case choice::housing_first_eligibility::chronic: return f & FChronic;
    case choice::housing_first_eligibility::homeless: return P_.groups[p] & GHomeless;
  }
  return false;
}

// Creates person `id` (attributes drawn from its own stream, in a fixed order, so that every
// scenario with the same seed and inflow gives this id the same person).
void World::add_person(int t, int week, std::uint32_t id, bool initial) {
  Stream s(key_, id, static_cast<std::uint32_t>(week), Purpose::Attributes);
  auto& R = s.engine();
  P_.territory[id] = static_cast<std::uint8_t>(t);
  P_.entry[id] = static_cast<std::int16_t>(week);
  P_.exit[id] = -1;
  const int amin = static_cast<int>(sc_[G::population_age_min]), amax = static_cast<int>(sc_[G::population_age_max]);
  P_.age[id] = static_cast<std::uint8_t>(amin + std::min(amax - amin, static_cast<int>(s.uniform() * (amax - amin + 1))));
  std::uint8_t flags = s.chance(0.3) ? FFemale : 0;
  const double homeless_share = initial ? sc_[G::population_initial_street] + sc_[G::population_initial_shelter] + sc_[G::population_initial_transitional]
                                        : sc_.territories[t][T::arrival_homeless_share];
  std::uint16_t g = s.chance(homeless_share) ? GHomeless : 0;
  const std::pair<G, Group> groups[] = {{G::population_groups_disability, GDisability},     {G::population_groups_mental_health, GMentalHealth},
                                        {G::population_groups_migrant, GMigrant},           {G::population_groups_care_leaver, GCareLeaver},
                                        {G::population_groups_long_term_unemployed, GLongTermUnemployed},
                                        {G::population_groups_violence_victim, GViolenceVictim}, {G::population_groups_ex_offender, GExOffender}};
  for (auto [param, bit] : groups)
    if (s.chance(sc_[param])) g |= bit;
  P_.groups[id] = g;
  const double u_func = s.uniform();
  P_.functioning[id] = (g & GDisability) ? static_cast<std::uint8_t>(1 + std::min(3, static_cast<int>(u_func * 4))) : 0;
  if (s.chance(sc_[G::population_income_support])) flags |= FIncome;
  auto beta = [&](double mean) {
    mean = std::clamp(mean, 0.02, 0.98);
    return static_cast<float>(beta_draw(s, mean * 6, (1 - mean) * 6));
  };
  P_.health0[id] = P_.health[id] = beta(sc_[G::population_traits_health] - ((g & GMentalHealth) ? 0.1 : 0.0));
  P_.efficacy[id] = beta(sc_[G::population_traits_self_efficacy]);
  P_.employability[id] = beta(sc_[G::population_traits_employability]);
  const double prior = sc_[G::population_prior_homeless_mean] > 0
                           ? boost::random::exponential_distribution<double>(1.0 / sc_[G::population_prior_homeless_mean])(R)
                           : 0.0;
  if ((g & GHomeless) && prior >= sc_[G::population_chronic_threshold]) flags |= FChronic;
  const double u_hf = s.uniform();
  P_.flags[id] = flags;
  const auto model = sc_.choice<G::housing_model>();
  if (model != choice::housing_model::step && (g & GHomeless) && hf_eligible(id) &&
      (model == choice::housing_model::housing_first || u_hf < sc_[G::housing_hf_share]))
    P_.flags[id] |= FHfTrack;
  const double u_seek = s.uniform();
  P_.housing[id] = (g & GHomeless) ? Street : Housed;
  P_.seeking[id] = ((g & GLongTermUnemployed) || u_seek < sc_[G::population_seeking_work]) ? 1 : 0;
  P_.work[id] = P_.seeking[id] ? Searching : Inactive;
  P_.emp_phase[id] = EpNone;
  P_.rounds[id] = P_.spells[id] = P_.quota_job[id] = 0;
  P_.work_12m[id] = P_.work_24m[id] = kNotReached;
  P_.emp_since[id] = P_.intake[id] = P_.first_job[id] = P_.hire_week[id] = -1;
  P_.firm[id] = -1;
  P_.weeks_employed[id] = P_.weeks_employed_after_first[id] = 0;
  P_.logged[id] = 0xFFFF;
  P_.kase[id] = Unknown;
  P_.returns[id] = 0;
  P_.housing_12m[id] = P_.housing_24m[id] = kNotReached;
  P_.cost[id] = 0;
  P_.housing_since[id] = P_.case_since[id] = static_cast<std::int16_t>(week);
  P_.first_stable[id] = (g & GHomeless) ? -1 : static_cast<std::int16_t>(week);
  P_.weeks_housing[id] = {};
  P_.weeks_case[id] = {};
}

// Creates the people of ids [first[t], first[t + 1]) in territory t, for every t, in parallel
// blocks of ids (each person's attributes depend only on its id).
void World::add_people(const std::vector<std::size_t>& first, int week, bool initial) {
  tbb::parallel_for(tbb::blocked_range<std::size_t>(first.front(), first.back(), 2048), [&](const tbb::blocked_range<std::size_t>& r) {
    int t = static_cast<int>(std::upper_bound(first.begin(), first.end(), r.begin()) - first.begin()) - 1;
    for (std::size_t i = r.begin(); i != r.end(); ++i) {
      while (i >= first[t + 1]) ++t;
      add_person(t, week, static_cast<std::uint32_t>(i), initial);
    }
  });
}

void World::initial_population() {
  std::size_t n = 0;
  std::vector<std::size_t> first(T_ + 1);
  for (int t = 0; t < T_; ++t) {
    first[t] = n;
    n += static_cast<std::size_t>(std::llround(sc_.territories[t][T::initial_population] * sc_[G::scale]));
  }
  first[T_] = n;
  P_.resize(n);
  add_people(first, 0, true);
  // Initial states, in id order per territory, within capacities.
  const double sh = sc_[G::population_initial_street] + sc_[G::population_initial_shelter] + sc_[G::population_initial_transitional];
  for (int t = 0; t < T_; ++t) {
    auto& ts = terr_[t];
    for (std::size_t i = first[t]; i < first[t + 1]; ++i) {
      const auto p = static_cast<std::uint32_t>(i);
      Stream s(key_, p, 0, Purpose::Initial);
      const double u = s.uniform() * sh, u_known = s.uniform();
      if (P_.housing[p] == Street && sh > 0) {
        std::uint8_t h = Street;
        if (u >= sc_[G::population_initial_street]) h = u < sc_[G::population_initial_street] + sc_[G::population_initial_shelter] ? Shelter : Transitional;
        if (h == Shelter && ts.occ[Shelter] >= std::floor(ts.shelter_beds)) h = Street;
        if (h == Transitional && ts.occ[Transitional] >= std::floor(ts.transitional)) h = Street;
        P_.housing[p] = h;
      }
      ts.occ[P_.housing[p]]++;
      if (u_known < sc_[G::population_initial_known]) {
        P_.kase[p] = Assessed;
        P_.flags[p] |= FSocialDone | FCpiDone;
        ts.case_queue.push_back(p);
      }
      ts.cases[P_.kase[p]]++;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

std::size_t World::n_blocks(std::size_t n) const { return (n + kBlock - 1) / kBlock; }

void World::for_blocks(std::size_t n, const std::function<void(std::size_t, std::size_t, Tally&, std::size_t)>& fn) {
  const std::size_t nb = n_blocks(n);
  if (block_requests_.size() < nb) block_requests_.resize(nb);
  tbb::combinable<Tally> tallies([this] { return Tally(T_); });
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, nb, 1), [&](const tbb::blocked_range<std::size_t>& r) {
    Tally& t = tallies.local();
    for (std::size_t b = r.begin(); b != r.end(); ++b) {
      block_requests_[b].clear();
      fn(b * kBlock, std::min(n, (b + 1) * kBlock), t, b);
    }
  });
  tallies.combine_each([this](const Tally& t) { apply_tally(t); });
}

void World::for_territories(const std::function<void(int, Tally&)>& fn) {
  std::vector<Tally> local(T_, Tally(T_));
  tbb::parallel_for(0, T_, [&](int k) { fn(k, local[k]); });
  for (const auto& t : local) apply_tally(t);
}

void World::apply_tally(const Tally& t) {
  for (int k = 0; k < T_; ++k) {
    for (int h = 0; h < kHousingStates; ++h) terr_[k].occ[h] += t.at(k, COcc0 + h);
    for (int c = 0; c < kCaseStates; ++c) terr_[k].cases[c] += t.at(k, CCase0 + c);
    terr_[k].hf_reserved += t.at(k, CHfReservedDelta);
  }
  week_tally_.add(t);
}

std::vector<std::vector<std::vector<Request>>> World::gather_requests(int kinds) {
  std::vector<std::vector<std::vector<Request>>> out(T_, std::vector<std::vector<Request>>(kinds));
  const std::size_t nb = n_blocks(P_.size());
  for (std::size_t b = 0; b < nb; ++b)
    for (const auto& r : block_requests_[b]) out[P_.territory[r.person]][r.kind].push_back({r.person, r.priority});
  return out;
}

void order_by_priority(std::vector<Request>& v) {
  if (v.size() < 2) return;
  auto [lo, hi] = std::minmax_element(v.begin(), v.end(), [](const Request& a, const Request& b) { return a.priority < b.priority; });
  const std::int64_t min = lo->priority, range = static_cast<std::int64_t>(hi->priority) - min + 1;
  if (range > 4 * static_cast<std::int64_t>(v.size()) + 64) {
    std::sort(v.begin(), v.end(), [](const Request& a, const Request& b) {
      return a.priority != b.priority ? a.priority < b.priority : a.person < b.person;
    });
    return;
  }
  std::vector<std::uint32_t> start(static_cast<std::size_t>(range) + 1, 0);
  for (const auto& r : v) start[static_cast<std::size_t>(r.priority - min) + 1]++;
  for (std::size_t i = 1; i < start.size(); ++i) start[i] += start[i - 1];
  std::vector<Request> out(v.size());
  for (const auto& r : v) out[start[static_cast<std::size_t>(r.priority - min)]++] = r;  // stable: ids stay ordered
  v.swap(out);
}

std::int64_t World::units(double per_week, int w) {
  return static_cast<std::int64_t>(std::floor(per_week * (w + 1)) - std::floor(per_week * w));
}

void World::set_housing(std::uint32_t p, std::uint8_t h, Tally& t) {
  const int k = P_.territory[p];
  const std::uint8_t from = P_.housing[p];
  t.spells.push_back({p, 0, from, static_cast<std::uint16_t>(week_ - P_.housing_since[p])});
  t.at(k, CFlow0 + from * kHousingStates + h)++;
  t.at(k, COcc0 + from)--;
  t.at(k, COcc0 + h)++;
  P_.housing[p] = h;
  P_.housing_since[p] = static_cast<std::int16_t>(week_);
  if (stable(h) && P_.first_stable[p] < 0) P_.first_stable[p] = static_cast<std::int16_t>(week_);
  if (h == Street && stable(from)) {
    if (P_.returns[p] < 255) P_.returns[p]++;
    if (P_.first_stable[p] >= 0 && week_ - P_.first_stable[p] <= 52) P_.flags[p] |= FReturned12;
  }
}

void World::set_case(std::uint32_t p, std::uint8_t c, Tally& t) {
  const int k = P_.territory[p];
  t.at(k, CCase0 + P_.kase[p])--;
  t.at(k, CCase0 + c)++;
  t.spells.push_back({p, 1, P_.kase[p], static_cast<std::uint16_t>(week_ - P_.case_since[p])});
  P_.kase[p] = c;
  P_.case_since[p] = static_cast<std::int16_t>(week_);
}

void World::close_spells() {
  auto& v = week_tally_.spells;
  if (v.empty()) return;
  // One pass, prefetching the rows a few entries ahead so that their loads overlap (a few
  // percent of the people change state in a week: too little work to share between threads).
  constexpr std::size_t kAhead = 16;
  auto row = [this](const SpellEnd& s) -> std::uint16_t& {
    return s.kind == 0 ? P_.weeks_housing[s.person][s.state] : P_.weeks_case[s.person][s.state];
  };
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i + kAhead < v.size()) __builtin_prefetch(&row(v[i + kAhead]));
    row(v[i]) = static_cast<std::uint16_t>(row(v[i]) + v[i].weeks);
  }
  v.clear();
}

// ---------------------------------------------------------------------------------------------
// Phase 1: inflow and exits

void World::inflow_and_exits() {
  // Exits first, over the people present at the start of the week.
  const double exit_w = sc_[G::exits_rate] / 52.0, exit_h = sc_[G::exits_health_coef];
  const int exit_age = static_cast<int>(sc_[G::exits_age_out]);
  const Hazard exit_hz(exit_w, std::fabs(exit_h) * 0.5);  // health in [0, 1]
  for_blocks(P_.size(), [&](std::size_t b, std::size_t e, Tally& t, std::size_t blk) {
    auto present = [&](std::uint32_t p) { return P_.active(p); };
    with_streams(b, e, Purpose::Exit, present, [&](std::uint32_t p, Stream& s) {
      const double u = s.uniform();  // health is read only for draws below the largest exit probability
      const bool leave = P_.age[p] + (week_ - P_.entry[p]) / 52 >= exit_age ||
                         (exit_hz.maybe(u) && exit_hz.hit(u, exit_h * (P_.health[p] - 0.5)));
      if (!leave) return;
      const int k = P_.territory[p];
      P_.weeks_housing[p][P_.housing[p]] = static_cast<std::uint16_t>(P_.weeks_in_housing(p, P_.housing[p], week_));
      P_.weeks_case[p][P_.kase[p]] = static_cast<std::uint16_t>(P_.weeks_in_case(p, P_.kase[p], week_));
      P_.exit[p] = static_cast<std::int16_t>(week_);
      t.at(k, CExits)++;
      t.at(k, COcc0 + P_.housing[p])--;
      t.at(k, CCase0 + P_.kase[p])--;
      if (P_.flags[p] & FHfAssigned) t.at(k, CHfReservedDelta)--;
      if (P_.firm[p] >= 0) block_requests_[blk].push_back({p, P_.firm[p], 0});
    });
  });
  // People who leave free their job or internship (firm columns are shared: done in order).
  for (const auto& list : gather_requests(1))
    for (const auto& r : list[0]) {
      const auto f = static_cast<std::uint32_t>(r.priority);
      if (P_.work[r.person] == Employed) {
        F_.workers[f]--;
        if (P_.quota_job[r.person]) fill_quota(f, -1);
      } else {
        F_.interns[f]--;
      }
      P_.firm[r.person] = -1;
    }
  // Arrivals: Poisson per territory, appended in territory order.
  std::vector<int> arrivals(T_);
  for (int t = 0; t < T_; ++t) {
    Stream s(key_, static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(week_), Purpose::Inflow);
    arrivals[t] = terr_[t].inflow > 0 ? boost::random::poisson_distribution<int>(terr_[t].inflow)(s.engine()) : 0;
  }
  std::size_t first = P_.size(), total = 0;
  for (int a : arrivals) total += static_cast<std::size_t>(a);
  P_.resize(first + total);
  std::vector<std::size_t> begin(T_ + 1, first);
  for (int t = 0; t < T_; ++t) begin[t + 1] = begin[t] + static_cast<std::size_t>(arrivals[t]);
  add_people(begin, week_, false);
  for (int t = 0; t < T_; ++t) {
    for (std::size_t i = begin[t]; i < begin[t + 1]; ++i) {
      terr_[t].occ[P_.housing[i]]++;
      terr_[t].cases[P_.kase[i]]++;
    }
    week_tally_.at(t, CInflow) += arrivals[t];
  }
}

// ---------------------------------------------------------------------------------------------
// Phase 2: life events

void World::life_events() {
  // Probabilities that do not depend on continuous traits are computed once a week.
  const double evict_w = sc_[G::life_eviction_rate] / 52.0, income_f = std::exp(sc_[G::life_eviction_income_coef]);
  const double p_evict[2] = {p_of(evict_w), p_of(evict_w * income_f)};  // [has income]
  const double crisis_w = sc_[G::life_health_crisis_rate] / 52.0, drop = sc_[G::life_health_crisis_drop];
  const double p_crisis[2] = {p_of(crisis_w), p_of(2 * crisis_w)};  // [mental illness]
  const float recovery = static_cast<float>(sc_[G::life_health_recovery]);
  const double p_recon = p_of(sc_[G::life_reconnection_rate] / 52.0);
  const float wait_loss = static_cast<float>(sc_[G::life_efficacy_wait_loss]);
  const float fail_loss = static_cast<float>(sc_[G::life_efficacy_failure_loss]);
  const float success_gain = static_cast<float>(sc_[G::life_efficacy_success_gain]);
  const double hf_loss_w = sc_[G::housing_first_tenancy_loss_rate] / 52.0 * std::exp(sc_[G::housing_first_support_coef] * sc_[G::housing_first_support_intensity]);
  const double mh_f = std::exp(sc_[G::housing_first_mental_health_coef]);
  const double p_hf_loss[2][2] = {{p_of(hf_loss_w), p_of(hf_loss_w * income_f)},
                                  {p_of(hf_loss_w * mh_f), p_of(hf_loss_w * income_f * mh_f)}};  // [mental illness][income]
  const double rehousing = sc_[G::housing_first_rehousing];
  const int hf_len = static_cast<int>(std::lround(sc_[G::housing_first_support_duration]));
  const double drop_coef = sc_[G::case_dropout_efficacy_coef];
  const Hazard drop_hz(sc_[G::case_dropout_rate] / 52.0, std::fabs(drop_coef) * 0.5);  // efficacy in [0, 1]
  const int fu_after = static_cast<int>(std::lround(sc_[G::case_follow_up_after]));
  const int fu_len = static_cast<int>(std::lround(sc_[G::case_follow_up_length]));
  const int recontact = static_cast<int>(std::lround(sc_[G::access_recontact_after]));
  for_blocks(P_.size(), [&](std::size_t b, std::size_t e, Tally& t, std::size_t) {
    auto present = [&](std::uint32_t p) { return P_.active(p); };
    with_streams(b, e, Purpose::LifeEvents, present, [&](std::uint32_t p, Stream& s) {
      // Three draws, always taken in this order whatever the state: common random numbers.
      // The housing draw serves eviction, reconnection or tenancy loss, which exclude each other.
      const double u_housing = s.uniform(), u_crisis = s.uniform(), u_drop = s.uniform();
      const std::uint8_t h = P_.housing[p], f = P_.flags[p], c = P_.kase[p];
      const int income = ((f & FIncome) != 0) | (P_.work[p] == Employed);
      const int mh = (P_.groups[p] & GMentalHealth) ? 1 : 0;
      float eff = P_.efficacy[p];
      // Health: crises, and recovery towards the level at entry.
      const float health = P_.health[p], health0 = P_.health0[p];
      const float recovered = std::min(health0, health + recovery * (stable(h) ? 2.f : 1.f));
      P_.health[p] = u_crisis < p_crisis[mh] ? clamp01(health - static_cast<float>(drop))
                     : health < health0      ? recovered
                                             : health;
      // Housing and case events are rare: whether one happens is tested without branches
      // (& and | rather than && and ||: the states of successive people are unpredictable),
      // and the events themselves are handled only then.
      const double pl = p_hf_loss[mh][income];
      const bool housing_event = ((h == Housed) & (u_housing < p_evict[income])) |
                                 ((h == HfFlat) & ((week_ - P_.housing_since[p] >= hf_len) | (u_housing < pl))) |
                                 (homeless(h) & !(f & FHfAssigned) & (u_housing < p_recon));
      if (housing_event) {
        if (h == Housed) {
          set_housing(p, Street, t);  // eviction
          eff -= fail_loss;
        } else if (h == HfFlat) {
          if (week_ - P_.housing_since[p] >= hf_len) {
            set_housing(p, Housed, t);  // graduation: the lease becomes the tenant's own
            eff += success_gain;
          } else {  // tenancy loss
            set_housing(p, Street, t);
            eff -= fail_loss;
            // The same draw, rescaled to [0, 1), decides whether the team rehouses the person.
            if (u_housing / pl >= rehousing) P_.flags[p] &= static_cast<std::uint8_t>(~FHfTrack);
          }
        } else {
          set_housing(p, Housed, t);  // family reconnection
          eff += success_gain;
        }
      }
      // Case progression.
      const std::uint8_t hn = P_.housing[p];
      const int in_case = week_ - P_.case_since[p];
      const bool need = in_need(p);
      const bool hn_stable = stable(hn);
      const bool case_event =
          ((c == InCharge) & ((hn_stable & (week_ - P_.housing_since[p] >= fu_after)) | drop_hz.maybe(u_drop))) |
          ((c == FollowUp) & (in_case >= fu_len)) | ((c == Closed) & need & (in_case >= recontact));
      if (case_event) {
        if (c == InCharge) {
          if (hn_stable && week_ - P_.housing_since[p] >= fu_after) set_case(p, FollowUp, t);
          else if (hn != HfFlat && !(P_.flags[p] & FHfAssigned) && drop_hz.hit(u_drop, drop_coef * (eff - 0.5)))
            set_case(p, Closed, t);
        } else if (c == FollowUp) {
          set_case(p, Closed, t);
        } else {
          set_case(p, Unknown, t);  // back in need after the case closed: contact again
        }
      }
      const std::uint8_t cn = P_.kase[p];
      eff -= ((cn == Waiting) | ((cn == Unknown) & need)) ? wait_loss : 0.f;
      P_.efficacy[p] = clamp01(eff);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Phase 3: contact, assessment and queues

void World::contact_and_assessment() {
  const double coef = sc_[G::access_contact_efficacy_coef];
  double max_activity = 0;
  for (const auto& ts : terr_) max_activity = std::max(max_activity, ts.activity);
  const Hazard contact_hz(sc_[G::access_contact_rate] / 52.0, std::fabs(coef) * 0.5 + std::log(std::max(max_activity, 1e-300)));
  std::vector<double> log_activity(T_);  // -inf where activity stopped
  for (int k = 0; k < T_; ++k) log_activity[k] = std::log(terr_[k].activity);
  for_blocks(P_.size(), [&](std::size_t b, std::size_t e, Tally& t, std::size_t blk) {
    auto unknown_in_need = [&](std::uint32_t p) { return P_.active(p) & (P_.kase[p] == Unknown) & in_need(p); };
    with_streams(b, e, Purpose::Contact, unknown_in_need, [&](std::uint32_t p, Stream& s) {
      const double log_act = log_activity[P_.territory[p]];
      const double u = s.uniform();  // efficacy is read only for draws below the largest contact probability
      if (std::isinf(log_act) || !contact_hz.maybe(u) || !contact_hz.hit(u, coef * (P_.efficacy[p] - 0.5) + log_act)) return;
      set_case(p, Waiting, t);
      P_.flags[p] &= static_cast<std::uint8_t>(~(FSocialDone | FCpiDone));
      t.at(P_.territory[p], CContacts)++;
      block_requests_[blk].push_back({p, week_, 0});
    });
  });
  auto joiners = gather_requests(1);
  const bool integrated = sc_.choice<G::cpi_involvement>() == choice::cpi_involvement::integrated;
  const float assess_cost = static_cast<float>(sc_[G::costs_assessment]);
  for_territories([&](int k, Tally& t) {
    auto& ts = terr_[k];
    for (const auto& r : joiners[k][0]) {
      ts.social_queue.push_back(r.person);
      if (!integrated) ts.cpi_queue.push_back(r.person);
    }
    auto complete = [&](std::uint32_t p) {
      t.at(k, CWaitSum) += week_ - P_.case_since[p];
      t.at(k, CWaitCount)++;
      set_case(p, Assessed, t);
      ts.case_queue.push_back(p);
    };
    // Serves a queue within its weekly capacity; `done` marks the assessment it gives.
    auto serve = [&](std::deque<std::uint32_t>& q, std::int64_t cap, std::uint8_t done, int counter) {
      while (cap > 0 && !q.empty()) {
        const std::uint32_t p = q.front();
        q.pop_front();
        if (!P_.active(p) || P_.kase[p] != Waiting) continue;
        --cap;
        P_.flags[p] |= done;
        P_.cost[p] += assess_cost;
        t.at(k, counter)++;
        if ((P_.flags[p] & (FSocialDone | FCpiDone)) == (FSocialDone | FCpiDone)) complete(p);
      }
    };
    if (integrated) {
      serve(ts.social_queue, units(ts.assess_social + ts.assess_cpi, week_), FSocialDone | FCpiDone, CAssessSocial);
    } else {
      serve(ts.social_queue, units(ts.assess_social, week_), FSocialDone, CAssessSocial);
      serve(ts.cpi_queue, units(ts.assess_cpi, week_), FCpiDone, CAssessCpi);
    }
    // Presa in carico: assessed people get a case worker in the order they were assessed.
    std::int64_t slots = static_cast<std::int64_t>(std::floor(ts.case_slots)) - ts.cases[InCharge] - ts.cases[FollowUp] -
                         t.at(k, CCase0 + int{InCharge}) - t.at(k, CCase0 + int{FollowUp});
    while (slots > 0 && !ts.case_queue.empty()) {
      const std::uint32_t p = ts.case_queue.front();
      ts.case_queue.pop_front();
      if (!P_.active(p) || P_.kase[p] != Assessed) continue;
      set_case(p, InCharge, t);
      P_.intake[p] = static_cast<std::int16_t>(week_);
      t.at(k, CTakenInCharge)++;
      --slots;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Phase 4: housing pathway (step model and Housing First)

void World::housing_pathway() {
  const double seek_p = p_of(sc_[G::step_shelter_seek_rate] / 52.0);
  const double drop_eff = sc_[G::step_dropout_efficacy_coef], drop_mh = sc_[G::step_dropout_mental_health_coef];
  const double lp_drop_max = std::fabs(drop_eff) * 0.5 + std::max(0.0, drop_mh);
  const Hazard sh_drop(sc_[G::step_shelter_dropout_rate] / 52.0, lp_drop_max), tr_drop(sc_[G::step_transitional_dropout_rate] / 52.0, lp_drop_max);
  const int sh_min = static_cast<int>(std::lround(sc_[G::step_shelter_min_stay]));
  const int tr_min = static_cast<int>(std::lround(sc_[G::step_transitional_min_stay]));
  const double ready_w = sc_[G::step_readiness_rate] / 52.0, ready_eff = sc_[G::step_readiness_efficacy_coef],
               ready_h = sc_[G::step_readiness_health_coef];
  const double move_w = sc_[G::step_move_on_rate] / 52.0, no_income = sc_[G::step_move_on_no_income_coef];
  const double move_in_w = sc_[G::housing_first_move_in_rate] / 52.0;
  const float gain = static_cast<float>(sc_[G::life_efficacy_success_gain]);
  const float loss = static_cast<float>(sc_[G::life_efficacy_failure_loss]);
  const bool hf_model = sc_.choice<G::housing_model>() != choice::housing_model::step;
  // What depends only on the territory is computed once a week; the readiness probability is
  // only computed for draws below its largest possible value (efficacy and health in [0, 1]).
  double max_activity = 0;
  std::vector<double> p_move_in(T_);
  std::vector<std::array<double, 2>> p_move_on(T_);  // [has income]
  for (int k = 0; k < T_; ++k) {
    const double a = terr_[k].activity;
    max_activity = std::max(max_activity, a);
    p_move_in[k] = p_of(move_in_w * a);
    p_move_on[k] = {p_of(move_w * a * std::exp(no_income)), p_of(move_w * a * std::exp(0.0))};
  }
  const double p_ready_max = p_of(ready_w * max_activity * std::exp(std::fabs(ready_eff) * 0.5 + std::fabs(ready_h) * 0.5));

  for_blocks(P_.size(), [&](std::size_t b, std::size_t e, Tally& t, std::size_t blk) {
    auto& req = block_requests_[blk];
    auto homeless_now = [&](std::uint32_t p) { return P_.active(p) & homeless(P_.housing[p]); };
    with_streams(b, e, Purpose::StepProgress, homeless_now, [&](std::uint32_t p, Stream& s) {
      const std::uint8_t h = P_.housing[p];
      const int k = P_.territory[p];
      const double activity = terr_[k].activity;
      const double u_drop = s.uniform(), u_prog = s.uniform(), u_move = s.uniform();
      const std::uint8_t f = P_.flags[p];
      if (f & FHfAssigned) {  // flat search under way
        if (u_move < p_move_in[k]) {
          t.at(P_.territory[p], CHfReservedDelta)--;
          P_.flags[p] &= static_cast<std::uint8_t>(~FHfAssigned);
          set_housing(p, HfFlat, t);
          P_.efficacy[p] = clamp01(P_.efficacy[p] + gain);
        }
        return;
      }
      const bool in_charge = P_.kase[p] == InCharge;
      const bool hf = hf_model && (f & FHfTrack) && in_charge;
      const int stay = week_ - P_.housing_since[p];
      // Drop-out covariates, read only for the few draws below the largest drop-out probability.
      auto lp_drop = [&] { return drop_eff * (P_.efficacy[p] - 0.5) + ((P_.groups[p] & GMentalHealth) ? drop_mh : 0.0); };
      if (hf) req.push_back({p, P_.case_since[p], RHf});
      switch (h) {
        case Street:
          if (u_move < seek_p) req.push_back({p, P_.housing_since[p], RShelter});
          break;
        case Shelter:
          if (sh_drop.maybe(u_drop) && sh_drop.hit(u_drop, lp_drop())) {
            set_housing(p, Street, t);
            P_.efficacy[p] = clamp01(P_.efficacy[p] - loss);
          } else if (!hf && in_charge && stay >= sh_min && u_prog < p_ready_max &&
                     u_prog < p_of(ready_w * activity *
                                   std::exp(ready_eff * (P_.efficacy[p] - 0.5) + ready_h * (P_.health[p] - 0.5)))) {
            req.push_back({p, P_.housing_since[p], RTransitional});
          }
          break;
        case Transitional: {
          const bool income = (f & FIncome) || P_.work[p] == Employed;
          if (tr_drop.maybe(u_drop) && tr_drop.hit(u_drop, lp_drop())) {
            req.push_back({p, P_.housing_since[p], RDemote});
          } else if (!hf && in_charge && stay >= tr_min &&
                     u_prog < p_move_on[k][income ? 1 : 0]) {
            req.push_back({p, P_.housing_since[p], RMoveOn});
          }
          break;
        }
        default: break;
      }
    });
  });
  auto requests = gather_requests(kReqKinds);
  const double acceptance = sc_[G::step_shelter_acceptance], hf_accept = sc_[G::housing_first_acceptance];
  for_territories([&](int k, Tally& t) {
    auto& ts = terr_[k];
    auto& rq = requests[k];
    for (auto& v : rq) order_by_priority(v);  // longer waiting first, then lower id
    auto occ = [&](int h) { return ts.occ[h] + t.at(k, COcc0 + h); };
    auto free_of = [&](double cap, int h) { return static_cast<std::int64_t>(std::floor(cap)) - occ(h); };
    const auto week = static_cast<std::uint32_t>(week_);
    for (const auto& r : rq[RDemote]) {  // a step down: to a shelter bed if one is free
      set_housing(r.person, free_of(ts.shelter_beds, Shelter) > 0 ? Shelter : Street, t);
      P_.efficacy[r.person] = clamp01(P_.efficacy[r.person] - loss);
    }
    std::int64_t lets = units(ts.lets, week_);
    for (const auto& r : rq[RMoveOn]) {
      if (lets-- <= 0) break;
      set_housing(r.person, Housed, t);
      P_.efficacy[r.person] = clamp01(P_.efficacy[r.person] + gain);
    }
    for (const auto& r : rq[RShelter]) {
      if (free_of(ts.shelter_beds, Shelter) <= 0) break;
      Stream s(key_, r.person, week, Purpose::ShelterOffer);
      const double a = acceptance * ((P_.groups[r.person] & GMentalHealth) ? 2.0 / 3.0 : 1.0);
      if (s.chance(a)) set_housing(r.person, Shelter, t);
    }
    for (const auto& r : rq[RTransitional]) {
      if (free_of(ts.transitional, Transitional) <= 0) break;
      set_housing(r.person, Transitional, t);
      P_.efficacy[r.person] = clamp01(P_.efficacy[r.person] + gain);
    }
    const std::int64_t reserved = ts.hf_reserved + t.at(k, CHfReservedDelta);
    std::int64_t hf_free = std::min(static_cast<std::int64_t>(std::floor(ts.hf_flats)),
                                    static_cast<std::int64_t>(std::floor(ts.hf_slots))) -
                           occ(HfFlat) - reserved;
    for (const auto& r : rq[RHf]) {
      if (hf_free <= 0) break;
      Stream s(key_, r.person, week, Purpose::HousingFirst);
      if (!s.chance(hf_accept)) continue;
      P_.flags[r.person] |= FHfAssigned;
      t.at(k, CHfReservedDelta)++;
      t.at(k, CHfAssigned)++;
      --hf_free;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Phase 7: events (capacities and activity factors in force next week)

void World::events() { set_capacities(week_ + 1); }

}  // namespace percorsi
