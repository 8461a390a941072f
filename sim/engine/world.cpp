// The weekly script (docs/architecture.md): set-up and phases 1-4 and 7 of docs/model.md.
// Each phase is written once, as a template over the machinery that runs it (World::Fast,
// sim/engine/fast.hpp, or World::Reference, sim/engine/reference.hpp), and decides nothing
// itself: every decision is a rule of sim/model/rules.hpp.
#include "sim/engine/world.hpp"

#include <algorithm>
#include <boost/random/poisson_distribution.hpp>
#include <cmath>
#include <list>
#include <memory>
#include <mutex>

#include "sim/engine/script.hpp"
#include "sim/model/measures.hpp"
#include "sim/model/rules.hpp"
#include "sim/registry/outputs.hpp"

namespace percorsi {

namespace {
// The window of a return to the street after the first stable housing (the output table's).
constexpr int kReturnWindow = out::window_of(out::Headline::returns_to_street_12m);
// Request kinds of the housing pathway, resolved in this order.

// The state a warm-up ends in, people renumbered and weeks shifted (World::adopt_warmup), and the
// store of those shared between worlds (World::share_warmups).
struct WarmState {
  Persons P;
  Firms F;
  std::vector<TerritoryState> terr;
  std::size_t bytes = 0;
};
class WarmStore {
 public:
  std::shared_ptr<const WarmState> find(const std::string& key) {
    std::lock_guard lock(mu_);
    for (auto it = kept_.begin(); it != kept_.end(); ++it)
      if (it->first == key) {
        kept_.splice(kept_.begin(), kept_, it);  // most recently used first
        return it->second;
      }
    return nullptr;
  }
  void offer(const std::string& key, std::shared_ptr<const WarmState> w) {
    std::lock_guard lock(mu_);
    if (w->bytes > budget_) return;
    for (const auto& [k, v] : kept_)
      if (k == key) return;  // another thread ran the same warm-up meanwhile
    while (used_ + w->bytes > budget_) {
      used_ -= kept_.back().second->bytes;
      kept_.pop_back();
    }
    used_ += w->bytes;
    kept_.emplace_front(key, std::move(w));
  }
  std::size_t set_budget(std::size_t b) {
    std::lock_guard lock(mu_);
    const std::size_t before = budget_;
    budget_ = b;
    while (used_ > budget_) {
      used_ -= kept_.back().second->bytes;
      kept_.pop_back();
    }
    return before;
  }
  bool on() {
    std::lock_guard lock(mu_);
    return budget_ > 0;
  }

 private:
  std::mutex mu_;
  std::size_t budget_ = std::size_t{256} << 20, used_ = 0;
  std::list<std::pair<std::string, std::shared_ptr<const WarmState>>> kept_;
};
WarmStore& warm_store() {
  static WarmStore s;
  return s;
}
}  // namespace

std::size_t World::share_warmups(std::size_t budget_bytes) { return warm_store().set_budget(budget_bytes); }

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

World::World(Scenario scenario, int replicate, Engine engine) : World(std::move(scenario), replicate, engine, 0) {}

World::World(Scenario scenario, int replicate, Engine engine, int warmup)
    : sc_(std::move(scenario)),
      replicate_(replicate),
      engine_(engine),
      key_(warmup > 0 ? RunKey::warmup(sc_.seed(), static_cast<std::uint32_t>(replicate))
                      : RunKey(sc_.seed(), static_cast<std::uint32_t>(replicate))),
      programme_start_(warmup),
      T_(static_cast<int>(sc_.territories.size())),
      terr_(T_),
      week_tally_(T_) {
  if (const int weeks = rules::warmup_weeks(sc_); weeks > 0 && warmup == 0) {
    adopt_warmup(weeks);
    setup_family_care();
    return;
  }
  set_capacities(0);
  with_machinery([&](auto& m) {
    initial_population(m);
    create_firms(m);
  });
  if (warmup == 0) setup_family_care();  // a warm-up has none: the programme begins at its end
}

// The warm-up (docs/model.md, "Warm-up"): the scenario's baseline runs `weeks` weeks from its own
// streams; the people still present, the firms and the queues become this world's week 0. Week
// columns are shifted so that week 0 is now; what the run measures (entry, first stable housing
// and first job, snapshots, weeks counted, costs, returns) starts again at week 0, while the
// state (housing, case, pathway, traits, how long each has lasted) carries on. Then the programme
// starts: Housing First tracks and the job centre's link as this scenario sets them.
void World::adopt_warmup(int weeks) {
  Scenario base = sc_.warmup_scenario();
  base.set("output.timeline", "false");
  // What does not act on the warm-up is set alike, so that the scenarios of a comparison share it.
  base.set("name", "warmup");
  base.set("description", "warm-up");
  base.set("replicates", "1");
  base.set("horizon", std::to_string(weeks) + " weeks");
  const bool sharing = warm_store().on();
  // What varies most between the warm-ups of one run comes first, so that keys that differ
  // differ early.
  const std::string key = sharing ? "# replicate " + std::to_string(replicate_) + ", " + std::to_string(weeks) +
                                        " weeks, engine " + std::to_string(static_cast<int>(engine_)) + "\n" +
                                        base.to_yaml()
                                  : std::string();
  if (const auto warm = sharing ? warm_store().find(key) : nullptr) {
    P_ = warm->P;
    F_ = warm->F;
    terr_ = warm->terr;
  } else {
    run_warmup(base, weeks);
    if (sharing) {
      auto w = std::make_shared<WarmState>(WarmState{P_, F_, terr_, 0});
      w->bytes = key.size() + P_.bytes() + sizeof(TerritoryState) * terr_.size();
      F_.for_each_named_column([&](const char*, const auto& v) { w->bytes += v.size() * sizeof(v[0]); });
      for (const auto& ts : terr_)
        w->bytes += (ts.scout_order.size() + ts.size_guide.size() + ts.known_firms.size() + ts.social_queue.size() +
                     ts.cpi_queue.size() + ts.case_queue.size()) * sizeof(std::uint32_t) +
                    ts.size_cum.size() * sizeof(double) + ts.open_vacancies.size() * 8;
      warm_store().offer(key, std::move(w));
    }
  }
  start_programme(base);
}

void World::run_warmup(const Scenario& base, int weeks) {
  World pre(base, replicate_, engine_, weeks);
  // Every phase of every week but `record`: the warm-up's weekly series are never read, and
  // recording writes nothing else (its contract, phases()).
  for (int w = 0; w < weeks; ++w) {
    for (const auto& t : pre.terr_)
      for (auto o : t.occ) warmup_person_weeks_ += static_cast<double>(o);
    pre.begin_week();
    for (const auto& ph : phases())
      if (ph.fn != &World::record) (pre.*ph.fn)();
    pre.end_week();
  }
  const int W = pre.week_;
  // People still present, renumbered in id order (ids stay dense).
  std::vector<std::int64_t> id(pre.P_.size(), -1);
  std::size_t n = 0;
  for (std::size_t p = 0; p < pre.P_.size(); ++p)
    if (pre.P_.active(p)) id[p] = static_cast<std::int64_t>(n++);
  P_ = std::move(pre.P_);
  P_.for_each_column([&](auto& v) {
    std::size_t j = 0;
    for (std::size_t i = 0; i < id.size(); ++i)
      if (id[i] >= 0) v[j++] = v[i];
    v.resize(n);
  });
  auto shift = [W](std::int16_t w) { return static_cast<std::int16_t>(std::max(w - W, -32000)); };
  auto shift_or_none = [&](std::int16_t w) {  // -1 stays "none"; a week that would become -1 becomes -2
    return w == -1 ? w : static_cast<std::int16_t>(shift(w) == -1 ? -2 : shift(w));
  };
  for (std::size_t p = 0; p < n; ++p) {
    P_.age[p] = static_cast<std::uint8_t>(std::min(255, P_.age[p] + (W - P_.entry[p]) / 52));
    P_.entry[p] = 0;
    P_.housing_since[p] = shift(P_.housing_since[p]);
    P_.case_since[p] = shift(P_.case_since[p]);
    for (auto* c : {&P_.emp_since, &P_.intake, &P_.hire_week, &P_.first_contact, &P_.first_plan}) (*c)[p] = shift_or_none((*c)[p]);
    P_.first_stable[p] = stable(P_.housing[p]) ? 0 : -1;
    P_.first_job[p] = -1;
    P_.returns[p] = 0;
    P_.flags[p] &= static_cast<std::uint8_t>(~FReturned12);
    P_.housing_12m[p] = P_.housing_24m[p] = P_.work_12m[p] = P_.work_24m[p] = kNotReached;
    P_.spells[p] = 0;
    P_.weeks_employed[p] = P_.weeks_employed_after_first[p] = 0;
    P_.weeks_housing[p] = {};
    P_.weeks_case[p] = {};
    P_.cost[p] = 0;
    P_.logged[p] = 0xFFFF;
  }
  F_ = std::move(pre.F_);
  for (auto& k : F_.known_week) k = shift_or_none(k);
  terr_ = std::move(pre.terr_);
  for (auto& ts : terr_) {
    for (auto* q : {&ts.social_queue, &ts.cpi_queue, &ts.case_queue}) {
      std::deque<std::uint32_t> kept;
      for (auto p : *q)
        if (id[p] >= 0) kept.push_back(static_cast<std::uint32_t>(id[p]));
      q->swap(kept);
    }
    for (auto& [f, opened] : ts.open_vacancies) opened -= W;
  }
}

void World::start_programme(const Scenario& base) {
  const std::size_t n = P_.size();
  set_capacities(0);
  // The programme starts.
  for (std::size_t p = 0; p < n; ++p) {
    Stream s(key_, static_cast<std::uint32_t>(p), 0, Purpose::ProgrammeStart);
    if (!(P_.flags[p] & FHfTrack) && rules::hf_track(P_, static_cast<std::uint32_t>(p), sc_, s.uniform())) P_.flags[p] |= FHfTrack;
  }
  for (auto& ts : terr_) {
    bring_partner_firms(ts);
    ts.hf_team_cases = 0;
    for (std::size_t f = ts.firm_begin; f < ts.firm_end; ++f) {
      const bool known = F_.flags[f] & FfKnown;
      rules::programme_start_firm(base, sc_, F_.flags[f], F_.openness[f]);
      if (!known && (F_.flags[f] & FfKnown)) {
        F_.known_week[f] = 0;
        ts.known_firms.push_back(static_cast<std::uint32_t>(f));
        ts.firms_known[(F_.flags[f] & FfNonProfit) ? 1 : 0]++;
      }
    }
  }
  for (std::size_t p = 0; p < n; ++p)
    if (team_case(static_cast<std::uint32_t>(p))) terr_[P_.territory[p]].hf_team_cases++;
}

// The weekly script and each phase's contract (docs/architecture.md, "A week"). "rows": the
// phase may add persons (rows); "territories": the shared per-territory state (capacities,
// queues, occupancy, firm lists); "tally": the week's counters and ended spells; "census":
// the end-of-week counts; "series" and "timeline": what is recorded.
const std::vector<World::Phase>& World::phases() {
  static const std::vector<Phase> p = {
      {"inflow_and_exits", &World::inflow_and_exits,
       {"age", "entry", "health", "exit", "housing", "kase", "emp_phase", "flags", "firm", "work", "quota_job", "housing_since", "case_since",
        "weeks_housing", "weeks_case", "inst_from", "territories"},
       {"rows", "exit", "weeks_housing", "weeks_case", "firm", "firm.workers", "firm.interns", "firm.filled", "territories", "tally"}},
      {"life_events", &World::life_events,
       {"exit", "health", "health0", "housing", "housing_since", "flags", "groups", "work", "seeking", "kase", "case_since", "efficacy",
        "first_stable", "intake", "emp_phase", "age", "entry", "inst_from", "inst_kind"},
       {"health", "housing", "housing_since", "first_stable", "returns", "flags", "kase", "case_since", "efficacy", "inst_from",
        "inst_kind", "territories", "tally"}},
      {"contact_and_assessment", &World::contact_and_assessment,
       {"exit", "kase", "case_since", "housing", "work", "seeking", "efficacy", "flags", "territory", "first_contact", "first_plan",
        "territories"},
       {"kase", "case_since", "flags", "cost", "intake", "emp_phase", "first_contact", "first_plan", "territories", "tally"}},
      {"housing_pathway", &World::housing_pathway,
       {"exit", "housing", "housing_since", "flags", "kase", "case_since", "efficacy", "health", "groups", "work", "territory",
        "intake", "seeking", "territories"},
       {"housing", "housing_since", "first_stable", "returns", "flags", "efficacy", "work", "territories", "tally"}},
      {"scouting_and_firms", &World::scouting_and_firms,
       {"firm.size", "firm.flags", "firm.vacancies", "territories"},
       {"firm.vacancies", "firm.flags", "firm.known_week", "firm.openness", "territories", "tally"}},
      {"employment_pathway", &World::employment_pathway,
       {"exit", "work", "emp_phase", "emp_since", "kase", "intake", "hire_week", "employability", "efficacy", "functioning", "groups",
        "health", "housing", "age", "entry", "firm", "quota_job", "rounds", "territory", "firm.flags", "firm.openness", "firm.vacancies", "firm.quota", "firm.filled",
        "territories"},
       {"work", "emp_phase", "emp_since", "employability", "efficacy", "firm", "rounds", "hire_week", "first_job", "spells", "quota_job", "cost",
        "firm.workers", "firm.interns", "firm.filled", "firm.openness", "firm.vacancies", "firm.flags", "territories", "tally"}},
      {"family_care", &World::family_care,
       {"family_care", "exit", "flags", "groups", "work", "housing", "territory", "first_job", "spells", "efficacy"},
       {"family_care", "work", "firm", "emp_phase", "hire_week", "first_job", "spells", "quota_job", "efficacy", "tally"}},
      {"end_of_week", &World::end_of_week,
       {"exit", "entry", "housing", "kase", "work", "emp_phase", "flags", "hire_week", "first_job", "logged", "territory", "tally",
        "inst_from"},
       {"cost", "weeks_employed", "weeks_employed_after_first", "logged", "housing_12m", "housing_24m", "work_12m", "work_24m",
        "weeks_housing", "weeks_case", "territories", "tally", "census", "timeline"}},
      {"record", &World::record, {"census", "tally", "territories", "family_care"}, {"series"}},
      // Last: the events set the capacities and activity of the next week (the week recorded
      // above is reported with the capacities that were in force during it).
      {"events", &World::events, {"territories"}, {"territories"}},
  };
  return p;
}

void World::begin_week() { week_tally_.reset(T_); }

void World::step() {
  begin_week();
  for (const auto& ph : phases()) (this->*ph.fn)();
  end_week();
}

void World::inflow_and_exits() { with_machinery([&](auto& m) { inflow_and_exits(m); }); }
void World::life_events() { with_machinery([&](auto& m) { life_events(m); }); }
void World::contact_and_assessment() { with_machinery([&](auto& m) { contact_and_assessment(m); }); }
void World::housing_pathway() { with_machinery([&](auto& m) { housing_pathway(m); }); }

void World::set_capacities(int w) {
  const rules::CapacityRules capacity(sc_);
  for (int t = 0; t < T_; ++t) static_cast<Capacities&>(terr_[t]) = capacity.of(t, w);
}

std::vector<double> World::activity() const {
  std::vector<double> a;
  for (const auto& ts : terr_) a.push_back(ts.activity);
  return a;
}
std::vector<double> World::case_time() const {
  std::vector<double> c;
  for (const auto& ts : terr_)
    c.push_back(rules::territory_case_time(sc_, static_cast<double>(ts.cases[InCharge] + ts.cases[FollowUp] - ts.hf_team_cases), ts.case_slots));
  return c;
}
std::vector<double> World::hiring() const {
  std::vector<double> h;
  for (const auto& ts : terr_) h.push_back(ts.hiring);
  return h;
}

template <class M>
void World::initial_population(M& m) {
  std::size_t n = 0;
  std::vector<std::size_t> first(T_ + 1);
  for (int t = 0; t < T_; ++t) {
    first[t] = n;
    n += rules::initial_population_of(sc_, t);
  }
  first[T_] = n;
  P_.resize(n);
  m.create_people(first, 0, true);
  // Initial states, in id order per territory, within capacities.
  const double sh = rules::initial_homeless_share(sc_);
  for (int t = 0; t < T_; ++t) {
    auto& ts = terr_[t];
    for (std::size_t i = first[t]; i < first[t + 1]; ++i) {
      const auto p = static_cast<std::uint32_t>(i);
      Stream s(key_, p, 0, Purpose::Initial);
      const double u = s.uniform() * sh, u_known = s.uniform();
      const auto init = rules::initial_state(sc_, u, u_known);
      if (P_.housing[p] == Street && sh > 0) {
        std::uint8_t h = init.housing;
        if (h == Shelter && ts.occ[Shelter] >= std::floor(ts.shelter_beds)) h = Street;
        if (h == Transitional && ts.occ[Transitional] >= std::floor(ts.transitional)) h = Street;
        P_.housing[p] = h;
      }
      ts.occ[P_.housing[p]]++;
      if (init.known) {
        P_.kase[p] = Assessed;
        P_.flags[p] |= FSocialDone | FCpiDone;
        ts.case_queue.push_back(p);
      }
      ts.cases[P_.kase[p]]++;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// State changes shared by several phases

void World::apply_tally(const Tally& t) {
  for (int k = 0; k < T_; ++k) {
    for (int h = 0; h < kHousingStates; ++h) terr_[k].occ[h] += t.at(k, COcc0 + h);
    for (int c = 0; c < kCaseStates; ++c) terr_[k].cases[c] += t.at(k, CCase0 + c);
    terr_[k].hf_reserved += t.at(k, CHfReservedDelta);
    terr_[k].hf_held += t.at(k, CHfHeldDelta);
    terr_[k].hf_team_cases += t.at(k, CHfTeamDelta);
  }
  week_tally_.add(t);
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

bool World::team_case(std::uint32_t p) const {
  return rules::hf_team_supports(P_, p) & ((P_.kase[p] == InCharge) | (P_.kase[p] == FollowUp));
}

void World::set_housing(std::uint32_t p, std::uint8_t h, Tally& t) {
  const int k = P_.territory[p];
  const std::uint8_t from = P_.housing[p];
  const bool team_before = team_case(p);
  t.spells.push_back({p, 0, from, static_cast<std::uint16_t>(Persons::spell_weeks(P_.housing_since[p], week_))});
  t.at(k, CFlow0 + from * kHousingStates + h)++;
  t.at(k, COcc0 + from)--;
  t.at(k, COcc0 + h)++;
  P_.housing[p] = h;
  P_.housing_since[p] = static_cast<std::int16_t>(week_);
  const bool team_after = team_case(p);
  t.at(k, CHfTeamDelta) += int{team_after} - int{team_before};
  const bool in_care = (P_.kase[p] == InCharge) | (P_.kase[p] == FollowUp);
  t.at(k, CHfHandback) += team_before & !team_after & in_care;
  if (stable(h) && P_.first_stable[p] < 0) P_.first_stable[p] = static_cast<std::int16_t>(week_);
  if (h == Street && stable(from)) {
    if (P_.returns[p] < 255) P_.returns[p]++;
    if (P_.first_stable[p] >= 0 && measures::returned_within(P_.first_stable[p], week_, kReturnWindow)) P_.flags[p] |= FReturned12;
  }
}

void World::set_case(std::uint32_t p, std::uint8_t c, Tally& t) {
  const int k = P_.territory[p];
  t.at(k, CCase0 + P_.kase[p])--;
  t.at(k, CCase0 + c)++;
  t.spells.push_back({p, 1, P_.kase[p], static_cast<std::uint16_t>(Persons::spell_weeks(P_.case_since[p], week_))});
  const bool team_before = team_case(p);
  P_.kase[p] = c;
  P_.case_since[p] = static_cast<std::int16_t>(week_);
  t.at(k, CHfTeamDelta) += int{team_case(p)} - int{team_before};
}

void World::leave(std::uint32_t p, Tally& t) {
  const int k = P_.territory[p];
  P_.weeks_housing[p][P_.housing[p]] = static_cast<std::uint16_t>(P_.weeks_in_housing(p, P_.housing[p], week_));
  P_.weeks_case[p][P_.kase[p]] = static_cast<std::uint16_t>(P_.weeks_in_case(p, P_.kase[p], week_));
  P_.exit[p] = static_cast<std::int16_t>(week_);
  t.at(k, CExits)++;
  t.at(k, COcc0 + P_.housing[p])--;
  t.at(k, CCase0 + P_.kase[p])--;
  if (P_.flags[p] & FHfAssigned) t.at(k, CHfReservedDelta)--;
  if (P_.housing[p] == Institution && P_.inst_from[p] == HfFlat) t.at(k, CHfHeldDelta)--;  // the flat held is given up
  if (team_case(p)) t.at(k, CHfTeamDelta)--;
}

// ---------------------------------------------------------------------------------------------
// Phase 1: inflow and exits

template <class M>
void World::inflow_and_exits(M& m) {
  // Exits first, over the people present at the start of the week.
  const rules::ExitRules rule(sc_);
  m.persons(Purpose::Exit, [&](std::uint32_t p) { return P_.active(p); },
            [&](std::uint32_t p, Stream& s, Tally& t, std::vector<TaggedRequest>& req) {
              if (!rule.leaves(P_, p, week_, s.uniform())) return;
              leave(p, t);
              if (P_.firm[p] >= 0) req.push_back({p, P_.firm[p], 0});
            });
  // People who leave free their job or internship (firm columns are shared: done in order).
  for (const auto& list : m.requests(1))
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
  m.create_people(begin, week_, false);
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

template <class M>
void World::life_events(M& m) {
  using rules::HousingEvent, rules::CaseEvent;
  const rules::LifeEventRules rule(sc_);
  const rules::EfficacyRules efficacy(sc_);
  m.persons(Purpose::LifeEvents, [&](std::uint32_t p) { return P_.active(p); },
            [&](std::uint32_t p, Stream& s, Tally& t, std::vector<TaggedRequest>&) {
              // Three draws, always taken in this order whatever the state: common random numbers.
              // The housing draw serves eviction, reconnection or tenancy loss, which exclude each other.
              const double u_housing = s.uniform(), u_crisis = s.uniform(), u_drop = s.uniform(), u_inst = s.uniform();
              P_.health[p] = rule.health_next(P_, p, u_crisis);
              // One housing change a week: entering or leaving an institution, or a housing event.
              const auto inst = rule.institution_event(P_, p, week_, u_inst);
              if (inst != rules::InstitutionEvent::None) institution_event(p, inst, t);
              const bool moved = inst != rules::InstitutionEvent::None && inst != rules::InstitutionEvent::HoldLost;
              const HousingEvent event = moved ? HousingEvent::None : rule.housing_event(P_, p, week_, u_housing);
              switch (event) {
                case HousingEvent::None: break;
                case HousingEvent::Eviction: set_housing(p, Street, t); break;
                case HousingEvent::Graduation:
                case HousingEvent::Reconnection: set_housing(p, Housed, t); break;
                case HousingEvent::TenancyLoss: {
                  const bool rehoused = rule.team_rehouses(P_, p, u_housing);
                  set_housing(p, Street, t);
                  if (!rehoused) P_.flags[p] &= static_cast<std::uint8_t>(~FHfTrack);
                  break;
                }
              }
              const float eff = efficacy.after(event, P_.efficacy[p]);
              switch (rule.case_event(P_, p, week_, eff, u_drop)) {
                case CaseEvent::None: break;
                case CaseEvent::FollowUp: set_case(p, FollowUp, t); break;
                case CaseEvent::Dropout:
                case CaseEvent::Closure: set_case(p, Closed, t); break;
                case CaseEvent::Recontact: set_case(p, Unknown, t); break;  // back in need after the case closed
              }
              P_.efficacy[p] = efficacy.at_week_end(P_, p, rule.waits(P_, p), eff);
            });
}

// Entering or leaving an institution; a Housing First flat held during the stay stays
// held (hf_held) until the tenant is back or the flat is given up.
void World::institution_event(std::uint32_t p, rules::InstitutionEvent e, Tally& t) {
  using enum rules::InstitutionEvent;
  const int k = P_.territory[p];
  switch (e) {
    case None: return;
    case EnterHealth:
    case EnterPsychiatric:
    case EnterJustice:
      P_.inst_from[p] = rules::LifeEventRules::held_during_stay(P_.housing[p]);
      P_.inst_kind[p] = e == EnterHealth ? InstHealth : e == EnterPsychiatric ? InstPsychiatric : InstJustice;
      if (P_.housing[p] == HfFlat) t.at(k, CHfHeldDelta)++;
      set_housing(p, Institution, t);
      return;
    case Leave:
      if (P_.inst_from[p] == HfFlat) t.at(k, CHfHeldDelta)--;
      set_housing(p, P_.inst_from[p], t);
      return;
    case HoldLost:
      if (P_.inst_from[p] == HfFlat) t.at(k, CHfHeldDelta)--;
      if (team_case(p)) t.at(k, CHfTeamDelta)--, t.at(k, CHfHandback)++;  // the team lets the tenant go with the flat
      P_.inst_from[p] = Street;
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Phase 3: contact, assessment and queues

template <class M>
void World::contact_and_assessment(M& m) {
  const auto act = activity();
  const rules::ContactRules rule(sc_, act, std::max(0.0, *std::max_element(act.begin(), act.end())));
  m.persons(Purpose::Contact, [&](std::uint32_t p) { return P_.active(p) & (P_.kase[p] == Unknown) & rules::in_need(P_, p); },
            [&](std::uint32_t p, Stream& s, Tally& t, std::vector<TaggedRequest>& req) {
              if (!rule.makes_contact(P_, p, s.uniform())) return;
              set_case(p, Waiting, t);
              if (P_.first_contact[p] == -1) P_.first_contact[p] = static_cast<std::int16_t>(week_);  // -1: none (a warm-up week is negative)
              P_.flags[p] &= static_cast<std::uint8_t>(~(FSocialDone | FCpiDone));
              t.at(P_.territory[p], CContacts)++;
              req.push_back({p, week_, 0});
            });
  const auto& joiners = m.requests(1);
  const rules::AssessmentRules assess(sc_);
  const rules::CostRules cost(sc_);
  m.territories([&](int k, Tally& t) {
    auto& ts = terr_[k];
    for (const auto& r : joiners[k][0]) {
      ts.social_queue.push_back(r.person);
      if (!assess.integrated) ts.cpi_queue.push_back(r.person);
    }
    auto complete = [&](std::uint32_t p) {
      t.at(k, CWaitSum) += week_ - P_.case_since[p];
      t.at(k, CWaitCount)++;
      set_case(p, Assessed, t);
      ts.case_queue.push_back(p);
    };
    // Serves a queue in order within its weekly capacity; `done` marks the assessment it gives.
    auto serve = [&](std::deque<std::uint32_t>& q, std::int64_t cap, std::uint8_t done, int counter, float assess_cost) {
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
    if (assess.integrated) {
      // One single point: joint assessments, each taking longer than a separate one.
      serve(ts.social_queue, units(assess.joint_capacity(ts.assess_social, ts.assess_cpi), week_), FSocialDone | FCpiDone, CAssessSocial,
            cost.joint_assessment);
    } else {
      serve(ts.social_queue, units(ts.assess_social, week_), FSocialDone, CAssessSocial, cost.assessment);
      serve(ts.cpi_queue, units(ts.assess_cpi, week_), FCpiDone, CAssessCpi, cost.assessment);
    }
    // Presa in carico: assessed people get a case worker in the order they were assessed.
    // Housing First tenants are supported by the team, not by a case worker (hf_team_cases, kept
    // by the transitions; this phase's changes in the tally).
    std::int64_t slots = static_cast<std::int64_t>(std::floor(ts.case_slots)) - ts.cases[InCharge] - ts.cases[FollowUp] + ts.hf_team_cases +
                         t.at(k, CHfTeamDelta) -
                         t.at(k, CCase0 + int{InCharge}) - t.at(k, CCase0 + int{FollowUp});
    while (slots > 0 && !ts.case_queue.empty()) {
      const std::uint32_t p = ts.case_queue.front();
      // With the CPI integrated the plan is co-designed: signed codesign weeks after the
      // assessment at the earliest (the queue is in order of assessment, so the rest wait too).
      if (P_.active(p) && P_.kase[p] == Assessed && !assess.plan_may_start(week_ - P_.case_since[p])) break;
      ts.case_queue.pop_front();
      if (!P_.active(p) || P_.kase[p] != Assessed) continue;
      set_case(p, InCharge, t);
      P_.intake[p] = static_cast<std::int16_t>(week_);
      if (P_.first_plan[p] == -1) P_.first_plan[p] = static_cast<std::int16_t>(week_);
      // A new plan: a pathway that ended with an earlier case (out) may start again.
      if (P_.emp_phase[p] == EpOut) P_.emp_phase[p] = EpNone;
      t.at(k, CTakenInCharge)++;
      --slots;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Phase 4: housing pathway (step model and Housing First)

template <class M>
void World::housing_pathway(M& m) {
  using rules::HousingRequest;
  using rules::request_kind;
  const rules::HousingRules rule(sc_, activity(), case_time());
  const rules::EfficacyRules efficacy(sc_);
  using enum rules::EfficacyEvent;
  // Draws fixed for a person's whole stay (streams of week 0): rent assistance in the search for
  // a private let, the residence requirement of the social-housing list.
  const auto assisted = m.fixed_draws(Purpose::RentAssistance);
  const auto resident = m.fixed_draws(Purpose::SocialHousingList);
  m.persons(Purpose::StepProgress, [&](std::uint32_t p) { return P_.active(p) & homeless(P_.housing[p]); },
            [&](std::uint32_t p, Stream& s, Tally& t, std::vector<TaggedRequest>& req) {
              const double u_drop = s.uniform(), u_prog = s.uniform(), u_move = s.uniform(), u_let = s.uniform();
              if (P_.flags[p] & FHfAssigned) {  // flat search under way
                if (rule.moves_in(P_, p, u_move)) {
                  t.at(P_.territory[p], CHfReservedDelta)--;
                  P_.flags[p] &= static_cast<std::uint8_t>(~FHfAssigned);
                  set_housing(p, HfFlat, t);
                  P_.efficacy[p] = efficacy.after(Rehoused, P_.efficacy[p]);
                  // Job support: income support claimed, the employment pathway offered (draws u_drop, u_prog).
                  if (rule.gets_income_support(P_, p, u_drop)) P_.flags[p] |= FIncome;
                  if (rule.starts_looking_for_work(P_, p, u_prog)) P_.work[p] = Searching;
                }
                return;
              }
              // Rehousing routes of usual care: a private let found with an income, or a
              // social-housing allocation from the list.
              auto u_assisted = [&] { return assisted(p); };
              if (rule.finds_private_let(P_, p, u_let, u_assisted)) {
                set_housing(p, Housed, t);
                P_.efficacy[p] = efficacy.after(Rehoused, P_.efficacy[p]);
                return;
              }
              if (rule.wants_hf(P_, p)) req.push_back({p, P_.case_since[p], request_kind(HousingRequest::Hf)});
              const std::int32_t since = P_.housing_since[p];  // longer waiting first
              const HousingRequest step = rule.step_request(P_, p, week_, u_drop, u_prog, u_move);
              if (step == HousingRequest::LeaveShelter) {  // done at once (and no other move this week)
                set_housing(p, Street, t);
                P_.efficacy[p] = efficacy.after(HousingLost, P_.efficacy[p]);
                return;
              }
              if (step != HousingRequest::None) req.push_back({p, since, request_kind(step)});
              auto u_resident = [&] { return resident(p); };
              if (rule.on_social_list(P_, p, u_resident)) req.push_back({p, rule.social_list_rank(P_, p), request_kind(HousingRequest::Social)});
            });
  auto&& requests = m.requests(rules::request_kinds<HousingRequest>());
  m.territories([&](int k, Tally& t) {
    auto& ts = terr_[k];
    auto& rq = requests[k];
    for (auto& v : rq) m.order(v);  // longer waiting first, then lower id
    auto occ = [&](int h) { return ts.occ[h] + t.at(k, COcc0 + h); };
    auto free_of = [&](double cap, int h) { return static_cast<std::int64_t>(std::floor(cap)) - occ(h); };
    const auto week = static_cast<std::uint32_t>(week_);
    // Social-housing allocations first; each request below is for a person still in the state
    // it was made from.
    std::int64_t social = units(ts.social_lets, week_);
    for (const auto& r : rq[request_kind(HousingRequest::Social)]) {
      if (social <= 0) break;
      set_housing(r.person, Housed, t);
      P_.efficacy[r.person] = efficacy.after(Rehoused, P_.efficacy[r.person]);
      --social;
    }
    for (const auto& r : rq[request_kind(HousingRequest::Demote)]) {  // a step down: to a shelter bed if one is free
      if (P_.housing[r.person] != Transitional) continue;
      set_housing(r.person, free_of(ts.shelter_beds, Shelter) > 0 ? Shelter : Street, t);
      P_.efficacy[r.person] = efficacy.after(HousingLost, P_.efficacy[r.person]);
    }
    std::int64_t lets = units(ts.lets, week_);
    for (const auto& r : rq[request_kind(HousingRequest::MoveOn)]) {
      if (P_.housing[r.person] != Transitional) continue;
      if (lets-- <= 0) break;
      set_housing(r.person, Housed, t);
      P_.efficacy[r.person] = efficacy.after(Rehoused, P_.efficacy[r.person]);
    }
    for (const auto& r : rq[request_kind(HousingRequest::Shelter)]) {
      if (P_.housing[r.person] != Street) continue;
      if (free_of(ts.shelter_beds, Shelter) <= 0) break;
      Stream s(key_, r.person, week, Purpose::ShelterOffer);
      if (s.chance(rule.shelter_acceptance_of(P_, r.person))) set_housing(r.person, Shelter, t);
    }
    for (const auto& r : rq[request_kind(HousingRequest::Transitional)]) {
      if (P_.housing[r.person] != Shelter) continue;
      if (free_of(ts.transitional, Transitional) <= 0) break;
      set_housing(r.person, Transitional, t);
      P_.efficacy[r.person] = efficacy.after(Rehoused, P_.efficacy[r.person]);
    }
    const std::int64_t reserved = ts.hf_reserved + t.at(k, CHfReservedDelta) + ts.hf_held + t.at(k, CHfHeldDelta);
    std::int64_t hf_free = rules::HousingRules::hf_places(ts.hf_flats, ts.hf_slots) - occ(HfFlat) - reserved;
    for (const auto& r : rq[request_kind(HousingRequest::Hf)]) {
      if (hf_free <= 0) break;
      // The offer: a person who declines it leaves the Housing First track (a non-taker) and
      // stays with usual care.
      Stream s(key_, r.person, week, Purpose::HousingFirst);
      if (!s.chance(rule.hf_acceptance)) {
        P_.flags[r.person] &= static_cast<std::uint8_t>(~FHfTrack);
        continue;
      }
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
