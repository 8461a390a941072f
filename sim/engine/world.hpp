// World: the mutable state of one replicate run, as columns indexed by dense person ids
// (structure of arrays), stepped one week at a time by an ordered list of named phases
// (docs/model.md, "Weekly phases"; docs/architecture.md, "A week").
#pragma once

#include <array>
#include <cstdint>
#include <climits>
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "sim/registry/results.hpp"
#include "sim/model/family_care_state.hpp"
#include "sim/model/state.hpp"
#include "sim/model/random.hpp"
#include "sim/registry/scenario.hpp"

namespace percorsi {
namespace rules {
enum class InstitutionEvent;
struct EmploymentRules;
struct EfficacyRules;
struct FirmRules;
struct FamilyCareRules;
}

// Integer counters per territory, summed across blocks and threads (order-free, so exact): the
// table sim/engine/counters.def, laid out in its order (a block of `width` for a state-indexed one).
// The first place of entry i of a table whose entries take widths[0], widths[1], ... places.
constexpr int table_offset(const int* widths, int i) {
  int o = 0;
  for (int j = 0; j < i; ++j) o += widths[j];
  return o;
}
namespace counter_table {
enum class Index : int {
#define COUNTER(name, width, meaning) name,
#define FLOW(name, series, meaning) name,
#include "sim/engine/counters.def"
#undef COUNTER
#undef FLOW
  kN
};
inline constexpr int kWidth[] = {
#define COUNTER(name, width, meaning) (width),
#define FLOW(name, series, meaning) 1,
#include "sim/engine/counters.def"
#undef COUNTER
#undef FLOW
};
constexpr int offset(Index i) { return table_offset(kWidth, static_cast<int>(i)); }
}  // namespace counter_table
enum Counter : int {
#define COUNTER(name, width, meaning) name = counter_table::offset(counter_table::Index::name),
#define FLOW(name, series, meaning) name = counter_table::offset(counter_table::Index::name),
#include "sim/engine/counters.def"
#undef COUNTER
#undef FLOW
  kCounters = counter_table::offset(counter_table::Index::kN)
};

// A housing (kind 0) or case (kind 1) spell that ended this week, and its length in weeks.
// The lengths are added to the person's totals (Persons::weeks_housing/weeks_case) at the end
// of the week, all at once: state changes come in no useful order, and one at a time each
// addition would wait for its row of totals to come from memory.
struct SpellEnd {
  std::uint32_t person;
  std::uint8_t kind, state;
  std::uint16_t weeks;
};

struct Tally {
  int territories = 0;
  std::vector<std::int64_t> c;
  std::vector<SpellEnd> spells;  // in no particular order (the additions commute)
  explicit Tally(int t = 0) : territories(t), c(static_cast<std::size_t>(t) * kCounters, 0) {}
  // As Tally(t), keeping the memory already held (a tally reused from phase to phase).
  void reset(int t) {
    territories = t;
    c.assign(static_cast<std::size_t>(t) * kCounters, 0);
    spells.clear();
  }
  std::int64_t& at(int t, int k) { return c[static_cast<std::size_t>(t) * kCounters + k]; }
  std::int64_t at(int t, int k) const { return c[static_cast<std::size_t>(t) * kCounters + k]; }
  void add(const Tally& o) {
    for (std::size_t i = 0; i < c.size(); ++i) c[i] += o.c[i];
    spells.insert(spells.end(), o.spells.begin(), o.spells.end());
  }
};

// Per-territory shared state: capacities in force this week, queues, occupancy.
// The capacities in force this week are its Capacities part (set by rules::CapacityRules).
struct TerritoryState : Capacities {
  std::size_t firm_begin = 0, firm_end = 0;       // this territory's firm ids
  std::vector<std::uint32_t> scout_order;         // the order in which scouting reaches firms
  std::size_t scout_next = 0;
  std::vector<double> size_cum;                   // cumulative firm sizes (vacancy arrivals)
  std::vector<std::uint32_t> size_guide;          // guide table into size_cum (see firm_by_size)
  std::vector<std::pair<std::uint32_t, std::int32_t>> open_vacancies;  // (firm, week opened)
  std::int64_t in_training = 0;
  std::int64_t hf_team_cases = 0;  // in charge or in follow-up, supported by the Housing First team (World::team_case)
  // Firm counters kept up to date by every change (checked against the columns in tests).
  std::vector<std::uint32_t> known_firms;         // in the order they became known
  std::int64_t firms_known[2] = {0, 0}, firms_engaged[2] = {0, 0};  // [non-profit]
  std::int64_t quota_positions = 0, quota_filled = 0, vacancies_open = 0;
  std::deque<std::uint32_t> social_queue, cpi_queue, case_queue;
  std::array<std::int64_t, kHousingStates> occ{};  // people in each housing state (active)
  std::array<std::int64_t, kCaseStates> cases{};    // people in each case state (active)
  std::int64_t hf_reserved = 0;                     // flats reserved, flat search under way
  std::int64_t hf_held = 0;                         // flats held for tenants during an institution stay
};

// The firm (index into cum, the cumulative firm sizes) on which a draw x in [0, cum.back())
// falls: std::upper_bound(cum, x), found through guide, a table of upper bounds of
// cum.back() * b / guide.size() (vacancy arrivals in proportion to firm size).
std::size_t firm_by_size(const std::vector<double>& cum, const std::vector<std::uint32_t>& guide, double x);
// The two steps of firm_by_size, for callers that prefetch in between: the guide bucket of x
// (cum.back() is total), then the search from the bucket's entry i.
std::size_t guide_bucket(double x, double total, std::size_t buckets);
std::size_t firm_from_guess(const std::vector<double>& cum, std::size_t i, double x);
std::vector<std::uint32_t> size_guide(const std::vector<double>& cum);  // the guide table of cum (not empty)

// Requests made by people in a per-person phase, resolved per territory in a defined order.
struct Request {
  std::uint32_t person;
  std::int32_t priority;  // lower first (e.g. the week the person entered their current state)
};
// Orders requests gathered in id order by (priority, id): a stable counting sort when the
// priorities span a small range (weeks), a comparison sort otherwise.
void order_by_priority(std::vector<Request>& v);

// Which machinery runs the weekly script: the fast engine (blocks of persons in parallel,
// batched draws, prefetching, partial rankings; sim/engine/fast.hpp) or the reference engine
// (plain serial loops, one stream per draw; sim/engine/reference.hpp). Both call the same
// rules (sim/model/rules.hpp) and give bit-identical state after every phase (a test checks).
enum class Engine { Fast, Reference };

// A request a per-person phase makes for a shared resource (a bed, a seat, a firm), resolved
// per territory after the pass, in a defined order; kind says what is asked for.
struct TaggedRequest {
  std::uint32_t person;
  std::int32_t priority;
  std::uint8_t kind;
};

class World {
 public:
  World(Scenario scenario, int replicate, Engine engine = Engine::Fast);

  // Runs one week: the phases below, in this order.
  void step();
  int week() const { return week_; }
  Engine engine() const { return engine_; }
  const Scenario& scenario() const { return sc_; }
  const Persons& persons() const { return P_; }
  const Firms& firms() const { return F_; }
  const std::vector<TerritoryState>& territories() const { return terr_; }
  // Person-weeks simulated in this world's warm-up before week 0 (0 without one, or when its end
  // state was shared from another world's): what `percorsi bench` counts as set-up work.
  double warmup_person_weeks() const { return warmup_person_weeks_; }
  // The family-care model's care workers, families and projects (empty without family_care.enabled).
  const FamilyCare& family_care_state() const { return fc_; }
  // From now on, the weeks keep only the state the next weeks read, as a warm-up's weeks do: no
  // census, person totals, costs, timeline or series (end_of_week counts the training seats held
  // and drops the week's ended spells; record does nothing). Every person's and firm's states,
  // and so everything that happens, are those of a full run: a calibration's trial runs, whose
  // measures read the cohort's states alone, use it. results() then throws.
  void keep_states_only() { states_only_ = true; }
  bool states_only() const { return states_only_; }

  // step() is begin_week(), every phase in order, end_week(). Tests that drive the phases one
  // at a time bracket them with these two.
  void begin_week();
  void end_week() { ++week_; }

  // The weekly phases (public so that tests can drive them one at a time). Each is one
  // process of docs/model.md; `phases()` lists them with the columns each reads and writes.
  void inflow_and_exits();
  void life_events();
  void contact_and_assessment();
  void housing_pathway();
  void scouting_and_firms();
  void employment_pathway();
  void family_care();  // the family-care service's week (sim/engine/family_care.cpp)
  void events();
  void end_of_week();  // adds the week to each person's totals (costs, spells, weeks employed)
  void record();       // the week's series: reads the state, changes nothing in it

  // Results of the run so far (weekly series up to week(), person table, headline values).
  out::ReplicateResult results() const;
  // Each person's states (housing, case, work) at the end of every week they changed, ordered
  // by person then week: columns person, week, housing, case, work (empty when output.timeline
  // is off).
  std::vector<out::PersonColumn> timeline() const;
  // A hash of every person and firm column, the territories' shared state (queues, counters,
  // capacities) and the weekly series: equal hashes, equal worlds.
  std::uint64_t state_hash() const;
  // A hash of one person or firm column by name (see Persons::for_each_named_column; of its first
  // `rows` entries), or of the territories' state ("territories") or the recorded series
  // ("series"); 0 if unknown.
  std::uint64_t column_hash(const std::string& name, std::size_t rows = SIZE_MAX) const;
  // Every name column_hash knows: the person columns, the firm columns ("firm.<column>"),
  // "territories", "tally" (the week's counters and ended spells), "census", "series", "timeline".
  static std::vector<std::string> state_names();
  // Active persons per territory, from the columns.
  std::vector<std::int64_t> count_active() const;

  // A phase of the weekly script and its contract: the state it reads and writes (person
  // columns by name, "firm.<column>", "territories" for the shared per-territory state,
  // "series" for the recorded series). A test checks that a phase changes nothing else.
  struct Phase {
    const char* name;
    void (World::*fn)();
    std::vector<std::string> reads, writes;
  };
  static const std::vector<Phase>& phases();

  // Warm-ups are shared (docs/performance.md, "Shared warm-ups"): the state a warm-up ends in is
  // kept, least recently used first out, within this many bytes, and a world whose warm-up is the
  // same (the same resolved warm-up scenario, replicate, length and engine: what it is a pure
  // function of) starts from a copy of it instead of running it again. The scenarios of a
  // comparison that extend one baseline share their warm-ups. 0 turns sharing off and empties the
  // store. Returns the budget before the call. Thread-safe.
  static std::size_t share_warmups(std::size_t budget_bytes);

 private:
  // warmup > 0: this world is the warm-up of that many weeks run before another's week 0 (its own
  // streams; the programme begins at its end).
  World(Scenario scenario, int replicate, Engine engine, int warmup);
  void adopt_warmup(int weeks);
  void run_warmup(const Scenario& base, int weeks);  // runs it; its state becomes this world's
  void start_programme(const Scenario& base);       // after the warm-up, at week 0
  void bring_partner_firms(TerritoryState& ts);
  struct Fast;       // the fast machinery (sim/engine/fast.hpp)
  struct Reference;  // the reference machinery (sim/engine/reference.hpp)
  // Calls f with the machinery of this world's engine.
  template <class F>
  void with_machinery(F&& f);
  template <class M> void initial_population(M& m);
  template <class M> void create_firms(M& m);
  template <class M> void inflow_and_exits(M& m);
  template <class M> void life_events(M& m);
  template <class M> void contact_and_assessment(M& m);
  template <class M> void housing_pathway(M& m);
  template <class M> void scouting_and_firms(M& m);
  template <class M> void employment_pathway(M& m);
  template <class M> void end_of_week(M& m);

  // State changes shared by several phases.
  // A job begins, the person's side (firm f, or -1: care work with a family); hire adds the firm's.
  void start_job(std::uint32_t p, std::int32_t f, bool programme, const rules::EfficacyRules& efficacy_rule, Tally& t);
  void hire(std::uint32_t p, std::uint32_t f, bool programme, const rules::EfficacyRules& efficacy_rule, Tally& t);
  void separate(std::uint32_t p, const rules::FirmRules& firm_rule, Tally& t);
  void pathway_failure(std::uint32_t p, const rules::EmploymentRules& rule, const rules::EfficacyRules& efficacy_rule);
  void engage(std::uint32_t f);
  void fill_quota(std::uint32_t f, int delta);
  void set_housing(std::uint32_t p, std::uint8_t h, Tally& t);
  void set_case(std::uint32_t p, std::uint8_t c, Tally& t);
  void leave(std::uint32_t p, Tally& t);  // exit from the population (the job or internship is freed apart)
  void apply_tally(const Tally& t);
  // Capacity units available in week w for a rate of `per_week` (cumulative rounding, so
  // fractional capacities are honoured on average and deterministically).
  static std::int64_t units(double per_week, int w);
  void set_capacities(int w);
  std::vector<double> activity() const;
  std::vector<double> hiring() const;
  std::vector<double> case_time() const;  // per territory, rules::case_time
  void institution_event(std::uint32_t p, rules::InstitutionEvent e, Tally& t);
  // In charge or in follow-up and supported by the Housing First team (not by a case worker).
  bool team_case(std::uint32_t p) const;
  // Adds the week's census to the sums of its year of the run (years_), and the homeless
  // cohort's cost at each year end (sim/engine/accounting.cpp).
  void add_year_sums();
  // end_of_week in a warm-up's world: only what the warm-up hands on (sim/engine/accounting.cpp).
  template <class M> void warmup_end_of_week(M& m);
  // The family-care model (sim/engine/family_care.cpp): its care workers and families at week 0.
  void setup_family_care();
  // Persons of the rest of the model who take up care work at home this week (the link's rule).
  void take_up_care_work(const rules::FamilyCareRules& rule);
  // The hash of the family-care state (column_hash("family_care")).
  std::uint64_t family_care_hash() const;

  const Scenario sc_;
  int replicate_;
  Engine engine_;
  RunKey key_;
  int week_ = 0;
  double warmup_person_weeks_ = 0;
  int programme_start_ = 0;  // the week the programme begins (a warm-up's length, in the warm-up's world)
  bool states_only_ = false;  // keep_states_only()
  int T_;
  Persons P_;
  Firms F_;
  std::vector<TerritoryState> terr_;
  Tally week_tally_;                       // this week's counters
  FamilyCare fc_;                          // the family-care model (sim/engine/family_care.cpp)
  std::vector<std::int64_t> census_;       // the end-of-week census [territory][CountSlot] (sim/engine/accounting.cpp)
  std::vector<double> series_;             // recorded weekly values: [week][series][territory]
  // Sums for the cohort and discounted headlines (sim/engine/accounting.cpp, "Cohorts"), by
  // year of the run (weeks 0-51, 52-103, ...): counts of the census and, for the cohort's cost,
  // the cost of the services its members used in the year.
  struct YearSums {
    std::int64_t stable_homeless = 0;   // person-weeks in stable housing, people homeless at entry
    std::int64_t employed_12m = 0;      // people looking for work at entry, in work 52 weeks after it
    std::int64_t cohort_stable = 0;     // person-weeks in stable housing of the homeless cohort
    std::int64_t cohort_held_12m = 0;   // programme jobs of the cohort reaching 52 weeks
    std::int64_t cohort_worked = 0, cohort_worked_n = 0;  // weeks worked in the 52 weeks after a first job, people
    std::array<std::int64_t, 4> cohort_services{};        // person-weeks of orientation, training, internship, follow-up
    double cohort_cost = 0;  // the cost of the services used by the homeless cohort (snapshots of Persons::cost)
  };
  std::vector<YearSums> years_;
  double cohort_cost_before_ = 0;  // the homeless cohort's cost at the last year end
  // Requests made in per-person phases: per block of persons (fast) or one list (reference).
  std::vector<std::vector<TaggedRequest>> block_requests_;
  std::vector<std::vector<std::vector<std::vector<Request>>>> request_lists_;  // Fast::requests: [kinds][territory][kind]
  std::vector<Tally> territory_tallies_;  // Fast::territories: one per territory
  struct StateChange {
    std::uint32_t person;
    std::int16_t week;
    std::uint16_t states;  // housing | case << 3 | work << 6
  };
  std::vector<StateChange> timeline_;                    // in week order, then person order
  std::vector<std::vector<StateChange>> block_changes_;  // per block scratch
  // The fast machinery's own bookkeeping (sim/engine/fast.hpp), derived from the columns and from
  // key_ alone, never part of the state or the results:
  // - the ids of the people present, in id order (Fast::present): rows [0, present_rows_) are
  //   listed, compacted once a week (present_week_), so it may still hold people who left this week;
  // - the draws fixed for a person's whole stay (streams of week 0, Fast::fixed_draws): the first
  //   word of each person's stream for a purpose, computed once per person.
  std::vector<std::uint32_t> present_;
  std::size_t present_rows_ = 0;
  int present_week_ = INT_MIN;
  std::vector<std::pair<Purpose, std::vector<std::uint32_t>>> fixed_words_;

 public:
  static const std::vector<std::string>& series_names();
};

}  // namespace percorsi
