// Phase 8 of docs/model.md, accounting, in two steps: end_of_week adds the week to each
// person's totals (costs of the services used, weeks employed, spells that ended, the
// timeline) and takes the week's census; record writes the week's series from the census,
// the week's counters and the territories, and changes nothing in the state. Then what a
// run hands to output/: weekly series, the per-person table, headline indicators, hashes.
#include <cassert>
#include <cmath>
#include <cstring>
#include <algorithm>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <utility>

#include "sim/registry/outputs.hpp"
#include "sim/engine/script.hpp"
#include "sim/model/dating.hpp"
#include "sim/model/measures.hpp"
#include "sim/model/rules.hpp"
#include "sim/engine/world.hpp"

namespace percorsi {

namespace {
// Per-territory counts taken in the accounting pass: the table sim/engine/census_slots.def, laid
// out in its order (a block of `width` for a state-indexed one).
namespace census_table {
enum class Index : int {
#define SLOT(name, width, meaning) name,
#define STOCK(name, series, meaning) name,
#include "sim/engine/census_slots.def"
#undef SLOT
#undef STOCK
  kN
};
constexpr int kWidth[] = {
#define SLOT(name, width, meaning) (width),
#define STOCK(name, series, meaning) 1,
#include "sim/engine/census_slots.def"
#undef SLOT
#undef STOCK
};
constexpr int offset(Index i) { return table_offset(kWidth, static_cast<int>(i)); }
}  // namespace census_table
enum CountSlot : int {
#define SLOT(name, width, meaning) name = census_table::offset(census_table::Index::name),
#define STOCK(name, series, meaning) name = census_table::offset(census_table::Index::name),
#include "sim/engine/census_slots.def"
#undef SLOT
#undef STOCK
  kCounts = census_table::offset(census_table::Index::kN)
};

// A series is recorded from one table entry at most: a counter (FLOW) or a census slot (STOCK).
constexpr out::Series kTabledSeries[] = {
#define COUNTER(name, width, meaning)
#define FLOW(name, series, meaning) out::Series::series,
#include "sim/engine/counters.def"
#undef COUNTER
#undef FLOW
#define SLOT(name, width, meaning)
#define STOCK(name, series, meaning) out::Series::series,
#include "sim/engine/census_slots.def"
#undef SLOT
#undef STOCK
};
consteval bool tabled_once() {
  for (std::size_t i = 0; i < std::size(kTabledSeries); ++i)
    for (std::size_t j = i + 1; j < std::size(kTabledSeries); ++j)
      if (kTabledSeries[i] == kTabledSeries[j]) return false;
  return true;
}
static_assert(tabled_once(), "a series recorded from two entries of sim/engine/counters.def and census_slots.def");

// The series of sim/registry/outputs.def counted per person by a rule (COUNTED, COUNTED_COST): one
// census slot each, after the slots above, in table order; their rules, built once a week.
#define OUTPUT(...)
#define COUNTED(id, Rule) KCounted_##id,
#define COUNTED_COST(id, Rule, payer, intervention) KCounted_##id,
enum CountedSlot : int {
#include "sim/registry/outputs.def"
  kCounted
};
#undef COUNTED
#undef COUNTED_COST
constexpr int kCountedBase = kCounts;  // the first slot of the counted series
constexpr int kSlots = kCountedBase + kCounted;
struct CountedRules {
  const Scenario& sc;
#define COUNTED(id, Rule) const rules::Rule id{sc};
#define COUNTED_COST(id, Rule, payer, intervention) const rules::Rule id{sc};
#include "sim/registry/outputs.def"
#undef COUNTED
#undef COUNTED_COST
};
// Their census slots (within a territory's counts) and what their rules cost a person this week.
__attribute__((always_inline)) inline double count_by_rules([[maybe_unused]] const CountedRules& r, [[maybe_unused]] const Persons& P, [[maybe_unused]] std::uint32_t p,
                                                            [[maybe_unused]] int week, [[maybe_unused]] std::int64_t* ct) {
  [[maybe_unused]] double cost = 0;
#define COUNTED(id, Rule) ct[kCountedBase + KCounted_##id] += r.id.counts(P, p, week);
#define COUNTED_COST(id, Rule, payer, intervention)     \
  if (r.id.counts(P, p, week)) {                      \
    static_assert(out::id_name(out::Series::id).starts_with("cost_"), #id ": a cost series is named cost_..."); \
    ct[kCountedBase + KCounted_##id]++;                     \
    cost += r.id.unit_cost();                          \
  }
#include "sim/registry/outputs.def"
#undef COUNTED
#undef COUNTED_COST
  return cost;
}
#undef OUTPUT

// Cohorts (docs/economics.md, "Cost per outcome: cohorts"): the people with entry week 0 (present
// at the start of the run), followed over weeks 0-103 of the run; jobs of the cohort count when
// started in weeks 0-51 (so that 12 months of holding them fit in the window).
constexpr int kYearWeeks = 52;
constexpr int kCohortEntryWeek = 0;
constexpr int kCohortWeeks = 2 * kYearWeeks;
bool in_cohort(const Persons& P, std::size_t p, int week) { return P.entry[p] == kCohortEntryWeek && week < kCohortWeeks; }

// The windows of the headline indicators, read from the output table (sim/registry/outputs.def): the
// weeks after entry at which a state is observed, after a hire at which a programme job counts
// as still held, after the first stable housing within which a return to the street counts.
using HW = out::Headline;
constexpr int k12mWeeks = out::window_of(HW::stably_housed_12m), k24mWeeks = out::window_of(HW::stably_housed_24m);
constexpr int k18mWeeks = out::window_of(HW::any_job_18m), kReturnWeeks = out::window_of(HW::returns_to_street_12m);
constexpr int kHeld6Weeks = out::window_of(HW::job_retained_6m), kHeld12Weeks = out::window_of(HW::job_retained_12m);
constexpr int kAfterFirstJobWeeks = out::window_of(out::Column::weeks_employed_104w_after_first_job);
static_assert(out::window_of(HW::employed_12m) == k12mWeeks && out::window_of(HW::employed_24m) == k24mWeeks,
              "the states at 12 and 24 months are observed once, for housing and work alike");

// Series ids are generated from sim/registry/outputs.def; loops over states write runs of ids, whose
// names are checked here to follow the states.
consteval bool eat(std::string_view& s, std::string_view piece) {
  if (s.substr(0, piece.size()) != piece) return false;
  s.remove_prefix(piece.size());
  return true;
}
template <class Id, std::size_t N>
consteval bool ids_follow_states(Id first, std::string_view prefix, const char* const (&states)[N]) {
  for (std::size_t i = 0; i < N; ++i) {
    std::string_view n = out::id_name(first + static_cast<int>(i));
    if (!eat(n, prefix) || !eat(n, states[i]) || !n.empty()) return false;
  }
  return true;
}
consteval bool flow_ids_follow_states() {
  int f = 0;
  for (auto a : kHousingNames)
    for (auto b : kHousingNames) {
      if (std::string_view(a) == b) continue;
      std::string_view n = out::id_name(out::Series::flow_street_to_shelter + f++);
      if (!eat(n, "flow_") || !eat(n, a) || !eat(n, "_to_") || !eat(n, b) || !n.empty()) return false;
    }
  return true;
}
static_assert(ids_follow_states(out::Series::housing_street, "housing_", kHousingNames));
static_assert(ids_follow_states(out::Series::case_unknown, "case_", kCaseNames));
static_assert(ids_follow_states(out::Series::work_inactive, "work_", kWorkNames));
static_assert(flow_ids_follow_states());
static_assert(ids_follow_states(out::Column::weeks_street, "weeks_", kHousingNames));
static_assert(ids_follow_states(out::Column::weeks_case_unknown, "weeks_case_", kCaseNames));
}  // namespace

const std::vector<std::string>& World::series_names() {
  return out::output_names(out::OutputKind::Series);
}

void World::end_of_week() { with_machinery([&](auto& m) { end_of_week(m); }); }

template <class M>
void World::end_of_week(M& m) {
  if (programme_start_ > 0 || states_only_) return warmup_end_of_week(m);
  const rules::CostRules cost(sc_);
  const bool log = rules::timeline_recorded(sc_);
  const bool separate_cpi = !rules::AssessmentRules(sc_).integrated;  // a job-centre queue of its own
  const CountedRules counted{sc_};
  m.census(kSlots, [&](std::uint32_t p, std::int64_t* ct, std::vector<StateChange>& changes) __attribute__((always_inline)) {
    const std::uint8_t h = P_.housing[p], k = P_.kase[p], w = P_.work[p], ph = P_.emp_phase[p];
    ct[KHousing0 + h]++;
    ct[KCase0 + k]++;
    ct[KWork0 + w]++;
    ct[KActive]++;
    // Queue lengths: everyone waiting is in their territory's queue exactly once (a contact
    // joins the queues, a served person leaves them; a test checks this against the queues).
    const std::uint8_t f = P_.flags[p];
    ct[KQueueSocial] += (k == Waiting) & !(f & FSocialDone);
    ct[KQueueCpi] += (k == Waiting) & !(f & FCpiDone) & separate_cpi;
    ct[KQueueCase] += k == Assessed;
    const std::uint8_t kind = P_.inst_kind[p];
    ct[KPrison] += (h == Institution) & (kind == InstJustice);
    ct[KPsychiatric] += (h == Institution) & (kind == InstPsychiatric);
    const int cell = rules::emergency_cell(h, P_, p);
    ct[KEmergency0 + cell]++;
    ct[KEfficacy0 + std::min(3, static_cast<int>(P_.efficacy[p] * 4.0f))]++;
    ct[KOrientation] += ph == EpOrientation;
    const bool waiting = cost.waiting_for_seat(ph, week_ - P_.emp_since[p]);
    ct[KWaitingSeat] += waiting;
    ct[KTraining] += ph == EpTraining;
    bool follow = false;
    if (w == Employed) {
      const int tenure = week_ - P_.hire_week[p];
      follow = cost.in_follow_up(w, ph, tenure);
      ct[KFollowUp] += follow;
      ct[KHeld6] += (ph == EpEmployed) & (tenure == kHeld6Weeks);  // programme jobs still held
      ct[KHeld12] += (ph == EpEmployed) & (tenure == kHeld12Weeks);
      P_.weeks_employed[p]++;
      if (week_ - P_.first_job[p] < kAfterFirstJobWeeks) P_.weeks_employed_after_first[p]++;
    }
    const bool cohort = in_cohort(P_, p, week_), homeless = (P_.groups[p] & GHomeless) != 0;
    ct[KStableHomeless] += homeless & stable(h);
    if (cohort) {
      ct[KCohortStable] += homeless & stable(h);
      ct[KCohortHeld12] += (w == Employed) & (ph == EpEmployed) & (week_ - P_.hire_week[p] == kHeld12Weeks);
      const int first = P_.first_job[p];
      if (P_.seeking[p] && first >= 0 && first < kYearWeeks && week_ - first == kYearWeeks - 1)
        ct[KCohortWorked] += P_.weeks_employed_after_first[p], ct[KCohortWorkedN]++;
      ct[KCohortService0] += (ph == EpOrientation) & !waiting;
      ct[KCohortService0 + 1] += ph == EpTraining;
      ct[KCohortService0 + 2] += w == Internship;
      ct[KCohortService0 + 3] += follow;
    }
    const bool team = rules::hf_team_supports(P_, p);
    ct[KHfTeamCases] += team & ((k == InCharge) | (k == FollowUp));
    P_.cost[p] += cost.person_week(h, kind, k, w, ph, follow, waiting, team, cell);
    if constexpr (kCounted > 0) {
      const double counted_cost = count_by_rules(counted, P_, p, week_, ct);
      if (counted_cost != 0) P_.cost[p] += counted_cost;
    }
    const auto states = static_cast<std::uint16_t>(h | (k << 3) | (w << 6));
    if (log && states != P_.logged[p]) {
      P_.logged[p] = states;
      changes.push_back({p, static_cast<std::int16_t>(week_), states});
    }
    // State at the end of the 52nd / 104th week since entry.
    if (measures::closes(P_.entry[p], week_, k12mWeeks)) P_.housing_12m[p] = h, P_.work_12m[p] = w, ct[KEmployed12] += P_.seeking[p] && w == Employed;
    if (measures::closes(P_.entry[p], week_, k24mWeeks)) P_.housing_24m[p] = h, P_.work_24m[p] = w;
  });
  // People in training at the end of the week hold their seats next week.
  for (int t = 0; t < T_; ++t) terr_[t].in_training = census_[static_cast<std::size_t>(t) * kSlots + KTraining];
  m.close_spells();  // the week's ended spells into the persons' totals
  add_year_sums();
}

// The end of a warm-up's week (this world is the warm-up run before another's week 0), or of a
// week of a world that keeps its states only (keep_states_only()): only what the next weeks read.
// World::run_warmup resets every person's totals, snapshots, costs and timeline at the warm-up's
// end, and a warm-up's census, series and year sums are never read; no phase reads them either
// (the contracts of phases()); what the next week reads is the training seats held (people in
// training at the end of the week), counted here as the census counts them. The week's ended
// spells are dropped unadded.
template <class M>
void World::warmup_end_of_week(M& m) {
  for (auto& ts : terr_) ts.in_training = 0;
  m.each_present([&](std::uint32_t p) { terr_[P_.territory[p]].in_training += P_.emp_phase[p] == EpTraining; });
  week_tally_.spells.clear();
}

void World::add_year_sums() {
  const auto y = static_cast<std::size_t>(week_ / kYearWeeks);
  if (years_.size() <= y) years_.resize(y + 1);
  YearSums& sum = years_[y];
  for (int t = 0; t < T_; ++t) {
    const std::int64_t* ct = &census_[static_cast<std::size_t>(t) * kSlots];
    sum.stable_homeless += ct[KStableHomeless];
    sum.employed_12m += ct[KEmployed12];
    sum.cohort_stable += ct[KCohortStable];
    sum.cohort_held_12m += ct[KCohortHeld12];
    sum.cohort_worked += ct[KCohortWorked];
    sum.cohort_worked_n += ct[KCohortWorkedN];
    for (int k = 0; k < 4; ++k) sum.cohort_services[k] += ct[KCohortService0 + k];
  }
  // The homeless cohort's cost of the year: its members' costs so far (every service they used,
  // up to this week) at the end of each year of the window, less those of the year before.
  if (week_ % kYearWeeks == kYearWeeks - 1 && week_ < kCohortWeeks) {
    double c = 0;
    for (std::size_t p = 0; p < P_.size(); ++p)
      if (P_.entry[p] == kCohortEntryWeek && (P_.groups[p] & GHomeless)) c += P_.cost[p];
    sum.cohort_cost = c - cohort_cost_before_;
    cohort_cost_before_ = c;
  }
}

void World::record() {
  if (states_only_) return;  // keep_states_only(): nothing recorded
  // Costs of the week: unit costs (rules::CostRules) times the units counted in the census.
  const rules::CostRules cost(sc_);
  [[maybe_unused]] const CountedRules counted{sc_};
  const std::vector<std::int64_t>& total = census_;

  // Record the week: series x territories, each series by its id in sim/registry/outputs.def. The
  // week's slots start as NaN, so that a series left unrecorded shows (a test checks none is).
  using S = out::Series;
  const auto& names = series_names();
  const std::size_t N = names.size();
  const std::size_t base = series_.size();
  series_.resize(base + N * T_, std::numeric_limits<double>::quiet_NaN());
  for (int t = 0; t < T_; ++t) {
    const std::int64_t* ct = &total[t * kSlots];
    const auto& ts = terr_[t];
    const Tally& w = week_tally_;
    auto put = [&](S id, double v) { series_[base + static_cast<std::size_t>(id) * T_ + t] = v; };
    // The series that are a census slot (sim/engine/census_slots.def, STOCK).
#define SLOT(name, width, meaning)
#define STOCK(name, series, meaning) put(S::series, static_cast<double>(ct[name]));
#include "sim/engine/census_slots.def"
#undef SLOT
#undef STOCK
    // The series that are a named counter of the week (sim/engine/counters.def, FLOW).
#define COUNTER(name, width, meaning)
#define FLOW(name, series, meaning) put(S::series, static_cast<double>(w.at(t, name)));
#include "sim/engine/counters.def"
#undef COUNTER
#undef FLOW
    for (int h = 0; h < kHousingStates; ++h) put(S::housing_street + h, static_cast<double>(ct[KHousing0 + h]));
    for (int k = 0; k < kCaseStates; ++k) put(S::case_unknown + k, static_cast<double>(ct[KCase0 + k]));
    for (int k = 0; k < kWorkStates; ++k) put(S::work_inactive + k, static_cast<double>(ct[KWork0 + k]));
    int flow = 0;
    for (int a = 0; a < kHousingStates; ++a)
      for (int b = 0; b < kHousingStates; ++b)
        if (a != b) put(S::flow_street_to_shelter + flow++, static_cast<double>(w.at(t, CFlow0 + a * kHousingStates + b)));
    for (int q = 0; q < 4; ++q) put(S::self_efficacy_below_25 + q, static_cast<double>(ct[KEfficacy0 + q]));
    const auto wc = w.at(t, CWaitCount);
    put(S::wait_weeks_mean, wc ? static_cast<double>(w.at(t, CWaitSum)) / static_cast<double>(wc) : 0.0);
    put(S::hf_searching, static_cast<double>(ts.hf_reserved));
    double emergency_visits = 0;  // expected visits of the people in each cell
    for (int c = 0; c <= rules::kEmergencyCells; ++c)
      emergency_visits += static_cast<double>(ct[KEmergency0 + c]) * cost.visits.visits_week[static_cast<std::size_t>(c)];
    put(S::emergency_visits, emergency_visits);
    put(S::firms_known_profit, static_cast<double>(ts.firms_known[0]));
    put(S::firms_known_non_profit, static_cast<double>(ts.firms_known[1]));
    put(S::firms_engaged_profit, static_cast<double>(ts.firms_engaged[0]));
    put(S::firms_engaged_non_profit, static_cast<double>(ts.firms_engaged[1]));
    put(S::quota_positions, static_cast<double>(ts.quota_positions));
    put(S::quota_filled, static_cast<double>(ts.quota_filled));
    put(S::vacancies_open, static_cast<double>(ts.vacancies_open));
    const std::pair<S, double> costs[] = {
        {S::cost_street_outreach, static_cast<double>(ct[KHousing0 + int{Street}]) * cost.housing[Street]},
        {S::cost_shelter, static_cast<double>(ct[KHousing0 + int{Shelter}]) * cost.housing[Shelter]},
        {S::cost_transitional, static_cast<double>(ct[KHousing0 + int{Transitional}]) * cost.housing[Transitional]},
        {S::cost_housing_first, static_cast<double>(ct[KHousing0 + int{HfFlat}]) * cost.housing[HfFlat]},
        {S::cost_institution_health, static_cast<double>(ct[KHousing0 + int{Institution}] - ct[KPrison] - ct[KPsychiatric]) * cost.institution[InstHealth]},
        {S::cost_psychiatric_ward, static_cast<double>(ct[KPsychiatric]) * cost.institution[InstPsychiatric]},
        {S::cost_emergency, emergency_visits * cost.emergency_visit},
        {S::cost_institution_justice, static_cast<double>(ct[KPrison]) * cost.institution[InstJustice]},
        {S::cost_assessment, cost.assessments_week(w.at(t, CAssessSocial), w.at(t, CAssessCpi))},
        {S::cost_icf, cost.icf_week(w.at(t, CIcfAssessed), week_)},
        {S::cost_case_management, static_cast<double>(ct[KCase0 + int{InCharge}] + ct[KCase0 + int{FollowUp}] - ct[KHfTeamCases]) * cost.case_week},
        {S::cost_orientation, static_cast<double>(ct[KOrientation] - ct[KWaitingSeat]) * cost.orientation},
        {S::cost_training, static_cast<double>(ct[KTraining]) * cost.training},
        {S::cost_internship, static_cast<double>(ct[KWork0 + int{Internship}]) * cost.internship},
        {S::cost_follow_up, static_cast<double>(ct[KFollowUp]) * cost.follow_up},
        {S::cost_scouting, cost.scouting_week(w.at(t, CScoutedFirms))},
        {S::cost_network, cost.network_week(ts.network_slots)},
    };
    double sum = 0;
    for (const auto& [id, c] : costs) put(id, c), sum += c;
    // The series counted per person by a rule: people, or people times the rule's unit cost.
#define OUTPUT(...)
#define COUNTED(id, Rule) put(S::id, static_cast<double>(ct[kCountedBase + KCounted_##id]));
#define COUNTED_COST(id, Rule, payer, intervention)                                      \
  {                                                                                      \
    const double c = static_cast<double>(ct[kCountedBase + KCounted_##id]) * counted.id.unit_cost(); \
    put(S::id, c), sum += c;                                                             \
  }
#include "sim/registry/outputs.def"
#undef COUNTED
#undef COUNTED_COST
#undef OUTPUT
    put(S::cost_total, sum);
    put(S::capacity_shelter_beds, std::floor(ts.shelter_beds));
    put(S::capacity_transitional, std::floor(ts.transitional));
    put(S::capacity_hf_flats, std::floor(ts.hf_flats));
    put(S::capacity_case_slots, std::floor(ts.case_slots));
    // The family-care service (0 without the model).
    const FamilyCareTerritory none{};
    const FamilyCareTerritory& ft = fc_.on ? fc_.territories[static_cast<std::size_t>(t)] : none;
    const std::pair<S, FcCounter> steps[] = {
        {S::fc_oriented_week, FcOrientedN},   {S::fc_skills_identified_week, FcIdentifiedN}, {S::fc_skills_validated_week, FcValidatedN},
        {S::fc_trained_week, FcTrainedN},     {S::fc_matched_week, FcMatchedN},              {S::fc_families_advised_week, FcAdvisedN},
        {S::fc_family_incentives_week, FcIncentivesN}, {S::fc_regular_contracts_week, FcRegularContractsN}};
    for (const auto& [id, k] : steps) put(id, static_cast<double>(ft.week[static_cast<std::size_t>(k)]));
    put(S::fc_in_course, static_cast<double>(ft.in_course));
    put(S::fc_waiting, static_cast<double>(ft.waiting));
    put(S::fc_matching_list, static_cast<double>(ft.matching));
    put(S::fc_regular_share, ft.workers > 0 ? static_cast<double>(ft.regular) / static_cast<double>(ft.workers) : 0.0);
    put(S::fc_service_cost, ft.cost_week);
  }
}

std::vector<std::int64_t> World::count_active() const {
  std::vector<std::int64_t> c(T_, 0);
  for (std::size_t p = 0; p < P_.size(); ++p)
    if (P_.active(p)) c[P_.territory[p]]++;
  return c;
}

out::ReplicateResult World::results() const {
  if (states_only_) throw std::logic_error("World::results: this world keeps its states only (keep_states_only)");
  out::ReplicateResult r;
  r.replicate = replicate_;
  r.seed = sc_.seed();
  r.weeks = week_;
  for (int t = 0; t < T_; ++t) r.territories.push_back(sc_.territory_name(t));
  const auto& names = series_names();
  const std::size_t S = names.size();
  for (std::size_t s = 0; s < S; ++s) {
    out::WeeklySeries ws{names[s], std::vector<double>(static_cast<std::size_t>(week_) * T_)};
    for (int w = 0; w < week_; ++w)
      for (int t = 0; t < T_; ++t) ws.values[w * T_ + t] = series_[(w * S + s) * T_ + t];
    r.weekly.push_back(std::move(ws));
  }

  r.timeline = timeline();
  if (r.timeline.front().ints.empty()) r.timeline.clear();

  // Per-person table.
  const std::size_t n = P_.size();
  // Columns in the order and with the names and types of sim/registry/outputs.def.
  using C = out::Column;
  auto icol = [&](C id, auto get) {
    assert(out::spec(id).type == out::OutputType::Int32 && r.persons.size() == static_cast<std::size_t>(id));
    out::PersonColumn c{out::name(id), true, std::vector<std::int32_t>(n), {}};
    for (std::size_t p = 0; p < n; ++p) c.ints[p] = static_cast<std::int32_t>(get(p));
    r.persons.push_back(std::move(c));
  };
  auto rcol = [&](C id, auto get) {
    assert(out::spec(id).type == out::OutputType::Float64 && r.persons.size() == static_cast<std::size_t>(id));
    out::PersonColumn c{out::name(id), false, {}, std::vector<double>(n)};
    for (std::size_t p = 0; p < n; ++p) c.reals[p] = static_cast<double>(get(p));
    r.persons.push_back(std::move(c));
  };
  auto state_or_missing = [](std::uint8_t s) { return s == 255 ? -1 : static_cast<int>(s); };
  icol(C::id, [](std::size_t p) { return p; });
  icol(C::territory, [&](std::size_t p) { return P_.territory[p]; });
  icol(C::entry_week, [&](std::size_t p) { return P_.entry[p]; });
  icol(C::exit_week, [&](std::size_t p) { return P_.exit[p]; });
  icol(C::age, [&](std::size_t p) { return P_.age[p]; });
  icol(C::female, [&](std::size_t p) { return (P_.flags[p] & FFemale) ? 1 : 0; });
  icol(C::groups, [&](std::size_t p) { return P_.groups[p]; });
  icol(C::functioning, [&](std::size_t p) { return P_.functioning[p]; });
  icol(C::income_support, [&](std::size_t p) { return (P_.flags[p] & FIncome) ? 1 : 0; });
  icol(C::chronic, [&](std::size_t p) { return (P_.flags[p] & FChronic) ? 1 : 0; });
  icol(C::hf_track, [&](std::size_t p) { return (P_.flags[p] & FHfTrack) ? 1 : 0; });
  icol(C::housing_final, [&](std::size_t p) { return P_.housing[p]; });
  icol(C::case_final, [&](std::size_t p) { return P_.kase[p]; });
  icol(C::work_final, [&](std::size_t p) { return P_.work[p]; });
  for (int h = 0; h < kHousingStates; ++h)
    icol(C::weeks_street + h, [&](std::size_t p) { return P_.weeks_in_housing(p, h, week_); });
  for (int c = 0; c < kCaseStates; ++c)
    icol(C::weeks_case_unknown + c, [&](std::size_t p) { return P_.weeks_in_case(p, c, week_); });
  icol(C::returns_to_street, [&](std::size_t p) { return P_.returns[p]; });
  icol(C::first_stable_week, [&](std::size_t p) { return P_.first_stable[p]; });
  icol(C::housing_12m, [&](std::size_t p) { return state_or_missing(P_.housing_12m[p]); });
  icol(C::housing_24m, [&](std::size_t p) { return state_or_missing(P_.housing_24m[p]); });
  icol(C::seeking_work, [&](std::size_t p) { return P_.seeking[p]; });
  icol(C::pathway_final, [&](std::size_t p) { return P_.emp_phase[p]; });
  icol(C::pathway_rounds, [&](std::size_t p) { return P_.rounds[p]; });
  icol(C::first_job_week, [&](std::size_t p) { return P_.first_job[p]; });
  icol(C::job_spells, [&](std::size_t p) { return P_.spells[p]; });
  icol(C::weeks_employed, [&](std::size_t p) { return P_.weeks_employed[p]; });
  icol(C::weeks_employed_104w_after_first_job, [&](std::size_t p) { return P_.weeks_employed_after_first[p]; });
  icol(C::work_12m, [&](std::size_t p) { return state_or_missing(P_.work_12m[p]); });
  icol(C::work_24m, [&](std::size_t p) { return state_or_missing(P_.work_24m[p]); });
  rcol(C::cost, [&](std::size_t p) { return P_.cost[p]; });
  rcol(C::employability, [&](std::size_t p) { return P_.employability[p]; });
  rcol(C::self_efficacy, [&](std::size_t p) { return P_.efficacy[p]; });
  rcol(C::health, [&](std::size_t p) { return P_.health[p]; });

  // Headline indicators, as sim/model/measures.hpp defines them. Housing measures are over people
  // homeless at entry, each measured at the stated time after their own entry (people who left
  // before it are censored). Employment measures are over people looking for work at entry.
  measures::Ratio s12, s24, stable_weeks, returns, days, e12, e24, any18, to_job;
  measures::Ratio to_plan;   // weeks from first contact to the first plan
  measures::Ratio any18_hf;  // any job within 18 months, over Housing First tenants
  for (std::size_t p = 0; p < n; ++p) {
    const measures::Observation seen{P_.entry[p], P_.exit[p], week_};
    const int entry = P_.entry[p], first_job = measures::dated(P_.first_job[p]);
    const bool observed18 = seen.through(k18mWeeks), job18 = measures::within(entry, first_job, k18mWeeks);
    if (observed18 && P_.weeks_in_housing(p, HfFlat, week_) > 0) any18_hf.add(job18);
    if (P_.seeking[p]) {
      if (P_.work_12m[p] != kNotReached) e12.add(P_.work_12m[p] == Employed);
      if (P_.work_24m[p] != kNotReached) e24.add(P_.work_24m[p] == Employed);
      if (observed18) any18.add(job18);
      if (first_job != measures::kNever) to_job.add(measures::weeks_to(entry, first_job));
    }
    // Plans first signed in the run, from the first contact (before week 0 for people who waited
    // through the end of a warm-up; -1: none).
    if (P_.first_plan[p] >= 0 && P_.first_contact[p] != -1 && P_.first_plan[p] >= P_.first_contact[p])
      to_plan.add(dating::weeks_between(P_.first_contact[p], P_.first_plan[p]));
    if (!(P_.groups[p] & GHomeless)) continue;
    if (P_.housing_12m[p] != kNotReached) s12.add(stable(P_.housing_12m[p]));
    if (P_.housing_24m[p] != kNotReached) s24.add(stable(P_.housing_24m[p]));
    double weeks_all = 0;
    for (int h = 0; h < kHousingStates; ++h) weeks_all += P_.weeks_in_housing(p, h, week_);
    stable_weeks.num += P_.weeks_in_housing(p, HfFlat, week_) + P_.weeks_in_housing(p, Housed, week_);
    stable_weeks.den += weeks_all;
    if (const int first = measures::dated(P_.first_stable[p]); first != measures::kNever) {
      days.add(measures::days_to(entry, first));
      // A return within the window (the flag, set when it happened: World::set_housing) when the
      // window has run to its end; without one, only if the person was still present at its end.
      if (measures::window_fits(first, kReturnWeeks, week_)) {
        const bool back = (P_.flags[p] & FReturned12) != 0;
        if (back || seen.seen_at_end_of(first + kReturnWeeks)) returns.add(back);
      }
    }
  }
  // Sums of weekly series over territories and a range of weeks; discounted: each week weighted
  // by rules::CostRules::discount (docs/economics.md, "Discounting").
  const rules::CostRules rule(sc_);
  auto total = [&](out::Series id, int w0, int w1, bool discounted = false) {
    const auto s = static_cast<std::size_t>(id);
    double x = 0;
    for (int w = std::max(0, w0); w < std::min(week_, w1); ++w) {
      double week = 0;
      for (int t = 0; t < T_; ++t) week += series_[(w * S + s) * T_ + t];
      x += discounted ? week * rule.discount(w) : week;
    }
    return x;
  };
  const double persons_weeks = total(out::Series::persons, 0, week_, true), cost = total(out::Series::cost_total, 0, week_, true);
  const double held6 = total(out::Series::jobs_held_6m, 0, week_), held12 = total(out::Series::jobs_held_12m, 0, week_);
  auto nan_if = [](double num, double den) { return den > 0 ? num / den : std::nan(""); };
  auto headline = [&](out::Headline id) -> double& { return r.headline[out::name(id)]; };
  using H = out::Headline;
  headline(H::persons_total) = static_cast<double>(n);
  headline(H::stably_housed_12m) = s12.value();
  headline(H::stably_housed_24m) = s24.value();
  headline(H::time_stably_housed) = stable_weeks.value();
  headline(H::returns_to_street_12m) = returns.value();
  headline(H::days_to_stable_housing) = days.value();
  headline(H::employed_12m) = e12.value();
  headline(H::employed_24m) = e24.value();
  headline(H::any_job_18m) = any18.value();
  headline(H::any_job_18m_hf_tenants) = any18_hf.value();
  headline(H::weeks_to_first_job) = to_job.value();
  headline(H::job_retained_6m) = nan_if(held6, total(out::Series::hires_programme, 0, week_ - kHeld6Weeks));
  headline(H::job_retained_12m) = nan_if(held12, total(out::Series::hires_programme, 0, week_ - kHeld12Weeks));
  headline(H::hires_obliged_firms) = total(out::Series::hires_obliged, 0, week_);
  headline(H::days_to_plan) = nan_if(dating::kDaysPerWeek * to_plan.num, to_plan.den);
  headline(H::days_to_plan_n) = to_plan.den;
  // Costs by payer (docs/model.md, "Costs by payer"), discounted.
  using Sr = out::Series;
  auto cost_of = [&](std::initializer_list<Sr> ids, int w0, int w1, bool discounted) {
    double c = 0;
    for (Sr id : ids) c += total(id, w0, w1, discounted);
    return c;
  };
  auto cost_of_payer = [&](out::Payer payer) {
    const auto& ids = out::cost_series_of(payer);
    double c = 0;
    for (Sr id : ids) c += total(id, 0, week_, true);
    return c;
  };
  const double housing = cost_of_payer(out::Payer::housing), health = cost_of_payer(out::Payer::health),
               justice = cost_of_payer(out::Payer::justice);
  // The cohort's indicators (kCohortWeeks of the run needed), each year of the window discounted.
  const bool followed = week_ >= kCohortWeeks;
  // The family-care service (only with the model: the tables of earlier scenarios stay as they were).
  if (fc_.on) {
    const std::pair<H, Sr> counts[] = {{H::fc_oriented, Sr::fc_oriented_week},
                                       {H::fc_skills_identified, Sr::fc_skills_identified_week},
                                       {H::fc_skills_validated, Sr::fc_skills_validated_week},
                                       {H::fc_trained, Sr::fc_trained_week},
                                       {H::fc_matched, Sr::fc_matched_week},
                                       {H::fc_families_advised, Sr::fc_families_advised_week},
                                       {H::fc_family_incentives, Sr::fc_family_incentives_week},
                                       {H::fc_regular_contracts, Sr::fc_regular_contracts_week}};
    for (const auto& [h, sr] : counts) headline(h) = total(sr, 0, week_);
    double workers = 0, regular = 0;
    for (const auto& ft : fc_.territories) workers += static_cast<double>(ft.workers), regular += static_cast<double>(ft.regular);
    headline(H::fc_regular_share) = nan_if(regular, workers);
    headline(H::fc_regular_share_n) = workers;
    // The cohort of the families and workers in contact with the service in weeks 0-103: its cost
    // and the regular contracts signed with its help in those weeks, both discounted.
    const double contracts = followed ? total(Sr::fc_regular_contracts_week, 0, kCohortWeeks, true) : 0.0;
    headline(H::fc_cost_per_regular_contract) = followed ? nan_if(total(Sr::fc_service_cost, 0, kCohortWeeks, true), contracts) : std::nan("");
    headline(H::fc_cost_per_regular_contract_n) = contracts;
  }
  double cohort_cost = 0, cohort_stable = 0, cohort_programme = 0, cohort_held = 0, worked = 0, worked_n = 0;
  for (std::size_t y = 0; followed && y * kYearWeeks < kCohortWeeks; ++y) {
    const YearSums& sum = years_[y];
    const int w0 = static_cast<int>(y) * kYearWeeks, w1 = w0 + kYearWeeks;
    const double d = rule.discount(w0);
    cohort_cost += d * sum.cohort_cost;
    cohort_stable += d * static_cast<double>(sum.cohort_stable) / kYearWeeks;
    cohort_held += d * static_cast<double>(sum.cohort_held_12m);
    worked += static_cast<double>(sum.cohort_worked), worked_n += static_cast<double>(sum.cohort_worked_n);
    // The employment programme's cost of the year (overheads included: ICF, scouting, the partner
    // network) shared by the use of its weekly services: the cohort's person-weeks of them at
    // their unit costs over everyone's.
    const double programme = cost_of({Sr::cost_icf, Sr::cost_orientation, Sr::cost_training, Sr::cost_internship, Sr::cost_follow_up,
                                      Sr::cost_scouting, Sr::cost_network}, w0, w1, false);
    const double services = cost_of({Sr::cost_orientation, Sr::cost_training, Sr::cost_internship, Sr::cost_follow_up}, w0, w1, false);
    const double units[4] = {rule.orientation, rule.training, rule.internship, rule.follow_up};
    double used = 0;
    for (int k = 0; k < 4; ++k) used += static_cast<double>(sum.cohort_services[k]) * units[k];
    if (services > 0) cohort_programme += d * programme * used / services;
  }
  headline(H::months_worked_12m_after_first_job) = nan_if(measures::months(worked), worked_n);
  headline(H::cost_per_retained_job) = nan_if(cohort_programme, cohort_held);
  headline(H::cost_total) = cost;
  headline(H::cost_per_person) = nan_if(cost, static_cast<double>(n));
  headline(H::cost_per_person_social_services) = nan_if(cost - housing - health - justice, static_cast<double>(n));
  headline(H::cost_per_person_housing) = nan_if(housing, static_cast<double>(n));
  headline(H::cost_per_person_health) = nan_if(health, static_cast<double>(n));
  headline(H::cost_per_person_justice) = nan_if(justice, static_cast<double>(n));
  headline(H::cost_per_person_year) = nan_if(cost, measures::years(persons_weeks));
  headline(H::cost_per_stable_year) = nan_if(cohort_cost, cohort_stable);
  // The outcomes of the cost-effectiveness ratios, discounted as the costs are.
  double stable_days = 0, employed = 0;
  for (std::size_t y = 0; y < years_.size(); ++y) {
    const double d = rule.discount(static_cast<int>(y) * kYearWeeks);
    stable_days += d * 7.0 * static_cast<double>(years_[y].stable_homeless);
    employed += d * static_cast<double>(years_[y].employed_12m);
  }
  headline(H::time_stably_housed_discounted) = stable_days;
  headline(H::employed_12m_discounted) = employed;
  headline(H::job_retained_12m_discounted) = total(out::Series::jobs_held_12m, 0, week_, true);
  // The size of each denominator above (<id>_n in the output table): 0 exactly when the
  // indicator is NaN, so that tables can say "no one counted" and give the denominator.
  headline(H::stably_housed_12m_n) = s12.den;
  headline(H::stably_housed_24m_n) = s24.den;
  headline(H::time_stably_housed_n) = measures::years(stable_weeks.den);
  headline(H::returns_to_street_12m_n) = returns.den;
  headline(H::days_to_stable_housing_n) = days.den;
  headline(H::employed_12m_n) = e12.den;
  headline(H::employed_24m_n) = e24.den;
  headline(H::any_job_18m_n) = any18.den;
  headline(H::any_job_18m_hf_tenants_n) = any18_hf.den;
  headline(H::weeks_to_first_job_n) = to_job.den;
  headline(H::months_worked_12m_after_first_job_n) = worked_n;
  headline(H::job_retained_6m_n) = total(out::Series::hires_programme, 0, week_ - kHeld6Weeks);
  headline(H::job_retained_12m_n) = total(out::Series::hires_programme, 0, week_ - kHeld12Weeks);
  headline(H::cost_per_person_n) = static_cast<double>(n);
  headline(H::cost_per_person_social_services_n) = headline(H::cost_per_person_housing_n) = headline(H::cost_per_person_health_n) =
      headline(H::cost_per_person_justice_n) = static_cast<double>(n);
  headline(H::cost_per_person_year_n) = measures::years(persons_weeks);
  headline(H::cost_per_stable_year_n) = cohort_stable;
  headline(H::cost_per_retained_job_n) = cohort_held;
  return r;
}

std::vector<out::PersonColumn> World::timeline() const {
  // Stable counting sort by person: each person's changes stay in week order.
  std::vector<std::uint32_t> start(P_.size() + 1, 0);
  for (const auto& c : timeline_) start[c.person + 1]++;
  for (std::size_t i = 1; i < start.size(); ++i) start[i] += start[i - 1];
  std::vector<out::PersonColumn> cols;
  for (const char* name : {"person", "week", "housing", "case", "work"})
    cols.push_back(out::PersonColumn{name, true, std::vector<std::int32_t>(timeline_.size()), {}});
  for (const auto& c : timeline_) {
    const std::uint32_t i = start[c.person]++;
    cols[0].ints[i] = static_cast<std::int32_t>(c.person);
    cols[1].ints[i] = c.week;
    cols[2].ints[i] = c.states & 7;
    cols[3].ints[i] = (c.states >> 3) & 7;
    cols[4].ints[i] = (c.states >> 6) & 7;
  }
  return cols;
}

namespace {
// An FNV-1a-like hash over the 8-byte words of columns and values, then their last bytes
// (for determinism and engine-equality tests: fast enough to compare whole worlds every phase).
struct Fnv {
  std::uint64_t h = 1469598103934665603ull;
  void bytes(const void* data, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(data);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, b + i, 8);
      h = (h ^ w) * 1099511628211ull;
      h ^= h >> 29;
    }
    for (; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  }
  template <class V>
  void column(const V& v) {
    bytes(v.data(), v.size() * sizeof(v[0]));
  }
  template <class X>
  void value(const X& x) {
    bytes(&x, sizeof x);
  }
  template <class Q>
  void each(const Q& q) {
    for (const auto& x : q) value(x);
  }
};
}  // namespace

std::uint64_t World::column_hash(const std::string& name, std::size_t rows) const {
  Fnv h;
  bool found = false;
  auto col = [&](const char* n, const auto& v) {
    if (name == n) h.bytes(v.data(), std::min(v.size(), rows) * sizeof(v[0])), found = true;
  };
  P_.for_each_named_column(col);
  F_.for_each_named_column(col);
  if (name == "territories") {
    found = true;
    for (const auto& ts : terr_) {
      for (double x : {ts.assess_social, ts.assess_cpi, ts.case_slots, ts.shelter_beds, ts.transitional, ts.hf_flats, ts.hf_slots,
                       ts.lets, ts.social_lets, ts.inflow, ts.activity, ts.training_seats, ts.hiring})
        h.value(x);
      h.value(ts.firm_begin), h.value(ts.firm_end), h.column(ts.scout_order), h.value(ts.scout_next), h.column(ts.size_cum);
      h.column(ts.open_vacancies), h.value(ts.in_training), h.value(ts.hf_team_cases), h.column(ts.known_firms), h.value(ts.firms_known);
      h.value(ts.firms_engaged), h.value(ts.quota_positions), h.value(ts.quota_filled), h.value(ts.vacancies_open);
      h.each(ts.social_queue), h.each(ts.cpi_queue), h.each(ts.case_queue), h.value(ts.occ), h.value(ts.cases);
      h.value(ts.hf_reserved), h.value(ts.hf_held);
    }
  } else if (name == "tally") {
    found = true;
    h.column(week_tally_.c);
    // The ended spells in a defined order (they are gathered in no particular order).
    auto spells = week_tally_.spells;
    std::sort(spells.begin(), spells.end(), [](const SpellEnd& a, const SpellEnd& b) {
      return std::tie(a.person, a.kind, a.state, a.weeks) < std::tie(b.person, b.kind, b.state, b.weeks);
    });
    for (const auto& sp : spells) h.value(sp.person), h.value(sp.kind), h.value(sp.state), h.value(sp.weeks);
  } else if (name == "census") {
    found = true;
    h.column(census_);
    h.each(years_), h.value(cohort_cost_before_);  // the census's sums by year (add_year_sums)
  } else if (name == "series") {
    found = true;
    // Without the family-care model its series (the last of the table, 0 in every week) are left
    // out, so that the hash is the one of the table without them (earlier results unchanged).
    const std::size_t S = series_names().size(), first_fc = static_cast<std::size_t>(out::Series::fc_oriented_week);
    if (fc_.on) h.column(series_);
    else
      for (std::size_t i = 0; i < series_.size(); ++i)
        if ((i / static_cast<std::size_t>(T_)) % S < first_fc) h.value(series_[i]);
  } else if (name == "family_care") {
    found = true;
    h.value(fc_.on);  // (an empty state's hash is the basis itself: without a first byte the two would cancel)
    h.value(family_care_hash());
  } else if (name == "timeline") {
    found = true;
    for (const auto& c : timeline_) h.value(c.person), h.value(c.week), h.value(c.states);
  }
  return found ? h.h : 0;
}

std::vector<std::string> World::state_names() {
  std::vector<std::string> n;
  Persons P;
  P.for_each_named_column([&](const char* name, const auto&) { n.emplace_back(name); });
  Firms F;
  F.for_each_named_column([&](const char* name, const auto&) { n.emplace_back(name); });
  for (const char* x : {"territories", "tally", "census", "series", "timeline", "family_care"}) n.emplace_back(x);
  return n;
}

std::uint64_t World::state_hash() const {
  Fnv h;
  for (const auto& n : state_names())
    if (fc_.on || n != "family_care") h.value(column_hash(n));  // without the model: the hash of earlier results
  return h.h;
}

}  // namespace percorsi
