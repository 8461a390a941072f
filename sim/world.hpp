// World: the mutable state of one replicate run, as columns indexed by dense person ids
// (structure of arrays), stepped one week at a time by an ordered list of named phases
// (../shared/MODEL.md, "Weekly processes").
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "output/results.hpp"
#include "sim/rng.hpp"
#include "sim/scenario.hpp"

namespace percorsi {

enum Housing : std::uint8_t { Street, Shelter, Transitional, HfFlat, Housed };
enum Work : std::uint8_t { Inactive, Searching, Training, Internship, Employed };
enum Case : std::uint8_t { Unknown, Waiting, Assessed, InCharge, FollowUp, Closed };
inline constexpr int kHousingStates = 5, kWorkStates = 5, kCaseStates = 6;
static_assert(Street == 0 && Shelter == 1 && Transitional == 2 && HfFlat == 3 && Housed == 4,
              "homeless() and stable() compare with Transitional and HfFlat");
static_assert(Inactive == 0, "branch-free tests of work | emp_phase rely on these being zero");

inline constexpr const char* kHousingNames[] = {"street", "shelter", "transitional", "hf_flat", "housed"};
inline constexpr const char* kWorkNames[] = {"inactive", "searching", "training", "internship", "employed"};
inline constexpr const char* kCaseNames[] = {"unknown", "waiting", "assessed", "in_charge", "follow_up", "closed"};

// Target groups (bits of Persons::groups).
enum Group : std::uint16_t {
  GHomeless = 1 << 0,
  GDisability = 1 << 1,
  GMentalHealth = 1 << 2,
  GMigrant = 1 << 3,
  GCareLeaver = 1 << 4,
  GLongTermUnemployed = 1 << 5,
  GViolenceVictim = 1 << 6,
  GExOffender = 1 << 7,
};
inline constexpr const char* kGroupNames[] = {"homeless",     "disability",           "mental_health",   "migrant",
                                              "care_leaver", "long_term_unemployed", "violence_victim", "ex_offender"};

// Per-person flags (bits of Persons::flags).
enum Flag : std::uint8_t {
  FIncome = 1 << 0,        // income support
  FFemale = 1 << 1,
  FChronic = 1 << 2,       // chronically homeless at entry
  FHfTrack = 1 << 3,       // eligible and assigned to the Housing First pathway
  FHfAssigned = 1 << 4,    // a flat and a support slot are reserved; searching the flat
  FSocialDone = 1 << 5,    // social assessment done (this contact)
  FCpiDone = 1 << 6,       // job-centre assessment done (this contact)
  FReturned12 = 1 << 7,    // returned to the street within 12 months of first stable housing
};

// Steps of the employment pathway (Persons::emp_phase).
enum EmpPhase : std::uint8_t { EpNone, EpOrientation, EpTraining, EpMatching, EpInternship, EpEmployed, EpMarketJob, EpOut };
static_assert(EpNone == 0, "branch-free tests of work | emp_phase rely on these being zero");
inline constexpr const char* kEmpPhaseNames[] = {"none",       "orientation", "training",   "matching",
                                                 "internship", "employed",    "market_job", "out"};

// Firms (columns indexed by a dense firm id; each territory's firms are one contiguous range).
enum FirmFlag : std::uint8_t { FfNonProfit = 1, FfObliged = 2, FfKnown = 4, FfEngaged = 8 };
struct Firms {
  std::vector<std::uint8_t> territory, flags;
  std::vector<std::uint16_t> size, quota, filled, vacancies, workers, interns;
  std::vector<float> openness;
  std::vector<std::int16_t> known_week;
  std::size_t size_() const { return territory.size(); }
};

// Comparisons rather than chains of || (branch-free on every row of the hot loops).
inline bool stable(std::uint8_t h) { return h >= HfFlat; }           // HfFlat or Housed
inline bool homeless(std::uint8_t h) { return h <= Transitional; }   // Street, Shelter, Transitional

// Person columns. Every column has one entry per person ever created (ids are dense and
// never reused, so draws keyed by id are common to scenarios with the same inflow).
struct Persons {
  std::vector<std::uint8_t> territory, age, functioning, flags, housing, work, kase, returns;
  std::vector<std::uint8_t> housing_12m, housing_24m;  // housing state 52/104 weeks after entry (255: not reached)
  std::vector<std::uint16_t> groups;
  std::vector<float> employability, efficacy, health, health0, cost;
  std::vector<std::int16_t> entry, exit, housing_since, case_since, first_stable;
  // Employment pathway.
  std::vector<std::uint8_t> emp_phase, rounds, spells, seeking, work_12m, work_24m, quota_job;
  std::vector<std::int16_t> emp_since, intake, first_job, hire_week;
  std::vector<std::int32_t> firm;  // firm of the internship or job, -1 if none
  std::vector<std::uint16_t> weeks_employed, weeks_employed_after_first;
  std::vector<std::uint16_t> logged;  // states last written to the timeline (housing | case << 3 | work << 6)
  // Weeks spent in each housing and case state, counted at the end of every week present.
  // Stored when a state ends (at the end of the week of a change, see SpellEnd, or at exit);
  // weeks_in_housing/weeks_in_case add the weeks of the state still under way.
  std::vector<std::array<std::uint16_t, kHousingStates>> weeks_housing;
  std::vector<std::array<std::uint16_t, kCaseStates>> weeks_case;
  int weeks_in_housing(std::size_t p, int h, int now) const {
    return weeks_housing[p][h] + (active(p) && housing[p] == h ? now - housing_since[p] : 0);
  }
  int weeks_in_case(std::size_t p, int c, int now) const {
    return weeks_case[p][c] + (active(p) && kase[p] == c ? now - case_since[p] : 0);
  }

  std::size_t size() const { return territory.size(); }
  // Calls f on every column (resize, memory accounting and hashing all go through here).
  template <class F>
  void for_each_column(F&& f) {
    f(territory), f(age), f(functioning), f(flags), f(housing), f(work), f(kase), f(returns), f(housing_12m);
    f(housing_24m), f(groups), f(employability), f(efficacy), f(health), f(health0), f(cost), f(entry), f(exit);
    f(housing_since), f(case_since), f(first_stable), f(emp_phase), f(rounds), f(spells), f(seeking), f(work_12m);
    f(work_24m), f(quota_job), f(emp_since), f(intake), f(first_job), f(hire_week), f(firm), f(weeks_employed);
    f(weeks_employed_after_first), f(logged), f(weeks_housing), f(weeks_case);
  }
  template <class F>
  void for_each_column(F&& f) const {
    const_cast<Persons*>(this)->for_each_column([&](const auto& v) { f(v); });
  }
  // Grows every column to n rows; capacity grows by a quarter at a time, not doubling, so
  // that memory stays close to what the rows need.
  void resize(std::size_t n);
  bool active(std::size_t p) const { return exit[p] < 0; }
  std::size_t bytes() const;  // heap bytes held by the columns (capacity)
};

// Integer counters per territory, summed across blocks and threads (order-free, so exact).
enum Counter : int {
  CInflow,
  CExits,
  CContacts,
  CAssessSocial,
  CAssessCpi,
  CWaitSum,      // weeks waited, summed over people whose assessment completed this week
  CWaitCount,
  CTakenInCharge,
  CHfAssigned,   // flats and support slots reserved this week
  COcc0,         // occupancy deltas by housing state: COcc0 + h
  CCase0 = COcc0 + kHousingStates,        // deltas by case state
  CFlow0 = CCase0 + kCaseStates,          // housing flows: CFlow0 + from * 5 + to
  CHfReservedDelta = CFlow0 + kHousingStates * kHousingStates,
  CInternStarted,
  CInternConverted,
  CHires,
  CHiresProgramme,
  CHiresObliged,
  CSeparations,
  CTrainingStarted,
  CScoutedFirms,
  kCounters
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
  std::int64_t& at(int t, int k) { return c[static_cast<std::size_t>(t) * kCounters + k]; }
  std::int64_t at(int t, int k) const { return c[static_cast<std::size_t>(t) * kCounters + k]; }
  void add(const Tally& o) {
    for (std::size_t i = 0; i < c.size(); ++i) c[i] += o.c[i];
    spells.insert(spells.end(), o.spells.begin(), o.spells.end());
  }
};

// Per-territory shared state: capacities in force this week, queues, occupancy.
struct TerritoryState {
  // Effective capacities this week (after scale and events).
  double assess_social = 0, assess_cpi = 0, case_slots = 0, shelter_beds = 0, transitional = 0, hf_flats = 0,
         hf_slots = 0, lets = 0, inflow = 0, activity = 1, training_seats = 0, hiring = 1;
  std::size_t firm_begin = 0, firm_end = 0;       // this territory's firm ids
  std::vector<std::uint32_t> scout_order;         // the order in which scouting reaches firms
  std::size_t scout_next = 0;
  std::vector<double> size_cum;                   // cumulative firm sizes (vacancy arrivals)
  std::vector<std::uint32_t> size_guide;          // guide table into size_cum (see firm_by_size)
  std::vector<std::pair<std::uint32_t, std::int32_t>> open_vacancies;  // (firm, week opened)
  std::int64_t in_training = 0;
  // Firm counters kept up to date by every change (checked against the columns in tests).
  std::vector<std::uint32_t> known_firms;         // in the order they became known
  std::int64_t firms_known[2] = {0, 0}, firms_engaged[2] = {0, 0};  // [non-profit]
  std::int64_t quota_positions = 0, quota_filled = 0, vacancies_open = 0;
  std::deque<std::uint32_t> social_queue, cpi_queue, case_queue;
  std::array<std::int64_t, kHousingStates> occ{};  // people in each housing state (active)
  std::array<std::int64_t, kCaseStates> cases{};    // people in each case state (active)
  std::int64_t hf_reserved = 0;                     // flats reserved, flat search under way
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

class World {
 public:
  World(Scenario scenario, int replicate);

  // Runs one week: the phases below, in this order.
  void step();
  int week() const { return week_; }
  const Scenario& scenario() const { return sc_; }
  const Persons& persons() const { return P_; }
  const Firms& firms() const { return F_; }
  const std::vector<TerritoryState>& territories() const { return terr_; }

  // step() is begin_week(), every phase in order, end_week(). Tests that drive the phases one
  // at a time bracket them with these two.
  void begin_week();
  void end_week() {
    close_spells();  // (done by accounting already when every phase ran)
    ++week_;
  }

  // The weekly phases (public so that tests can drive them one at a time).
  void inflow_and_exits();
  void life_events();
  void contact_and_assessment();
  void housing_pathway();
  void employment_pathway();
  void scouting_and_firms();
  void events();
  void accounting();

  // Results of the run so far (weekly series up to week(), person table, headline values).
  out::ReplicateResult results() const;
  // Each person's states (housing, case, work) at the end of every week they changed, ordered
  // by person then week: columns person, week, housing, case, work (empty when output.timeline
  // is off).
  std::vector<out::PersonColumn> timeline() const;
  // A hash of every person column and weekly series (for determinism tests).
  std::uint64_t state_hash() const;
  // Active persons per territory, from the columns.
  std::vector<std::int64_t> count_active() const;

  struct Phase {
    const char* name;
    void (World::*fn)();
  };
  static const std::vector<Phase>& phases();

 private:
  // Helpers used by several phases.
  void add_person(int territory, int week, std::uint32_t id, bool initial);
  void add_people(const std::vector<std::size_t>& first, int week, bool initial);
  void initial_population();
  void create_firms();
  // Employment transitions shared by several phases.
  void hire(std::uint32_t p, std::uint32_t f, bool programme, Tally& t);
  void separate(std::uint32_t p, Tally& t);
  void pathway_failure(std::uint32_t p);
  void engage(std::uint32_t f);
  void fill_quota(std::uint32_t f, int delta);
  void set_housing(std::uint32_t p, std::uint8_t h, Tally& t);
  void set_case(std::uint32_t p, std::uint8_t c, Tally& t);
  // Adds the lengths of the spells that ended this week to the persons' totals.
  void close_spells();
  bool hf_eligible(std::uint32_t p) const;
  // In need of services: homeless, or looking for work without a job.
  bool in_need(std::uint32_t p) const {  // branch-free: called on every row by the contact phase
    const std::uint8_t w = P_.work[p];
    return homeless(P_.housing[p]) | ((P_.seeking[p] != 0) & (w != Employed) & (w != Internship));
  }
  void apply_tally(const Tally& t);
  // Runs fn(begin, end, tally, block) over fixed blocks of persons in parallel; the tallies
  // are summed into the territories; block outputs are indexed by block number.
  void for_blocks(std::size_t n, const std::function<void(std::size_t, std::size_t, Tally&, std::size_t)>& fn);
  std::size_t n_blocks(std::size_t n) const;
  // Calls fn(p, stream) for every person p in [b, e) for which want(p) holds, in id order,
  // with p's stream for (this week, purpose); the streams' first blocks are computed kBatch at
  // a time (FirstBlocks). want(p) is evaluated ahead of fn for up to kBatch persons, so it may
  // only read what fn of another person does not change (per-person phases change only their
  // own person's state). want should be cheap and free of short-circuits (& rather than &&).
  template <class Want, class Fn>
  void with_streams(std::size_t b, std::size_t e, Purpose purpose, Want&& want, Fn&& fn) const {
    const auto week = static_cast<std::uint32_t>(week_);
    std::uint32_t ids[kBatch] = {};
    FirstBlocks blocks;
    for (std::size_t i = b; i < e;) {
      std::size_t n = 0;
      for (; i < e && n < kBatch; ++i) {  // branch-free: want(i) is often unpredictable
        ids[n] = static_cast<std::uint32_t>(i);
        n += want(static_cast<std::uint32_t>(i)) ? 1 : 0;
      }
      if (n == 0) break;
      blocks.compute(key_, ids, week, purpose);
      for (std::size_t j = 0; j < n; ++j) {
        Stream s(key_, ids[j], week, purpose, blocks, j);
        fn(ids[j], s);
      }
    }
  }
  // Runs fn(territory, tally) for every territory in parallel (phases with shared state:
  // queues, capacities, firms); the tallies are then applied in territory order.
  void for_territories(const std::function<void(int, Tally&)>& fn);
  // Capacity units available in week w for a rate of `per_week` (cumulative rounding, so
  // fractional capacities are honoured on average and deterministically).
  static std::int64_t units(double per_week, int w);

  const Scenario sc_;
  int replicate_;
  RunKey key_;
  int week_ = 0;
  int T_;
  Persons P_;
  Firms F_;
  std::vector<TerritoryState> terr_;
  Tally week_tally_;                       // this week's counters
  std::vector<double> series_;             // recorded weekly values: [week][series][territory]
  // Per block scratch for requests made in per-person phases (kind in the high bits of priority).
  struct TaggedRequest {
    std::uint32_t person;
    std::int32_t priority;
    std::uint8_t kind;
  };
  std::vector<std::vector<TaggedRequest>> block_requests_;
  // Moves the block requests into per territory, per kind lists (in id order).
  std::vector<std::vector<std::vector<Request>>> gather_requests(int kinds);
  std::vector<std::vector<Request>> territory_joiners_;  // contacts this week, per territory
  struct StateChange {
    std::uint32_t person;
    std::int16_t week;
    std::uint16_t states;  // housing | case << 3 | work << 6
  };
  std::vector<StateChange> timeline_;                    // in week order, then person order
  std::vector<std::vector<StateChange>> block_changes_;  // per block scratch
  void set_capacities(int w);

 public:
  static const std::vector<std::string>& series_names();
};

}  // namespace percorsi
