// The state of the simulated world as columns over dense ids: persons and firms, their states
// and flags (docs/model.md, "Time, people, territories"). Model rules (sim/model/rules.hpp) read these;
// the engines (sim/engine/world.hpp) own and change them.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstddef>
#include <vector>

namespace percorsi {

inline constexpr std::uint8_t kNotReached = 255;  // a state snapshot (housing_12m, ...) not reached yet

// Institution (hospital or psychiatric ward, residential treatment, prison) comes last so that the
// codes of the other states stay those of earlier results files.
enum Housing : std::uint8_t { Street, Shelter, Transitional, HfFlat, Housed, Institution };
enum Work : std::uint8_t { Inactive, Searching, Training, Internship, Employed };
enum Case : std::uint8_t { Unknown, Waiting, Assessed, InCharge, FollowUp, Closed };
inline constexpr int kHousingStates = 6, kWorkStates = 5, kCaseStates = 6;
static_assert(Street == 0 && Shelter == 1 && Transitional == 2 && HfFlat == 3 && Housed == 4 && Institution == 5,
              "homeless() and stable() compare with Transitional and HfFlat");
static_assert(Inactive == 0, "branch-free tests of work | emp_phase rely on these being zero");

inline constexpr const char* kHousingNames[] = {"street", "shelter", "transitional", "hf_flat", "housed", "institution"};
inline constexpr const char* kWorkNames[] = {"inactive", "searching", "training", "internship", "employed"};
inline constexpr const char* kCaseNames[] = {"unknown", "waiting", "assessed", "in_charge", "follow_up", "closed"};

// Kinds of institution (Persons::inst_kind): how long a stay lasts, what a day costs and who pays
// for it (docs/model.md, "Institutions"): a general hospital or residential treatment, prison, an
// acute psychiatric ward.
enum InstitutionKind : std::uint8_t { InstHealth, InstJustice, InstPsychiatric };
inline constexpr int kInstitutionKinds = 3;

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
  GSubstanceUse = 1 << 8,
};
inline constexpr const char* kGroupNames[] = {"homeless",     "disability",           "mental_health",   "migrant",
                                              "care_leaver", "long_term_unemployed", "violence_victim", "ex_offender",
                                              "substance_use"};

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
inline constexpr int kEmpPhases = 8;
inline constexpr const char* kEmpPhaseNames[] = {"none",       "orientation", "training",   "matching",
                                                 "internship", "employed",    "market_job", "out"};

// Firms (columns indexed by a dense firm id; each territory's firms are one contiguous range).
// A territory's capacities in force in a week (after scale and events; rules::CapacityRules).
struct Capacities {
  double assess_social = 0, assess_cpi = 0, case_slots = 0, shelter_beds = 0, transitional = 0, hf_flats = 0,
         hf_slots = 0, lets = 0, social_lets = 0, inflow = 0, activity = 1, training_seats = 0, hiring = 1;
  double network_slots = 0;  // case slots taken by network management this week (paid, not serving people)
};

enum FirmFlag : std::uint8_t { FfNonProfit = 1, FfObliged = 2, FfKnown = 4, FfEngaged = 8 };
struct Firms {
  std::vector<std::uint8_t> territory, flags;
  std::vector<std::uint16_t> size, quota, filled, vacancies, workers, interns;
  std::vector<float> openness;
  std::vector<std::int16_t> known_week;
  std::size_t size_() const { return territory.size(); }
  template <class F>
  void for_each_named_column(F&& f) const {
    f("firm.territory", territory), f("firm.flags", flags), f("firm.size", size), f("firm.quota", quota);
    f("firm.filled", filled), f("firm.vacancies", vacancies), f("firm.workers", workers), f("firm.interns", interns);
    f("firm.openness", openness), f("firm.known_week", known_week);
  }
};

// Comparisons rather than chains of || (branch-free on every row of the hot loops).
inline bool stable(std::uint8_t h) { return static_cast<std::uint8_t>(h - HfFlat) < 2; }  // HfFlat or Housed
inline bool homeless(std::uint8_t h) { return h <= Transitional; }   // Street, Shelter, Transitional

// Person columns. Every column has one entry per person ever created (ids are dense and
// never reused, so draws keyed by id are common to scenarios with the same inflow).
using HousingWeeks = std::array<std::uint16_t, kHousingStates>;
using CaseWeeks = std::array<std::uint16_t, kCaseStates>;
struct Persons {
#define PERSON_COLUMN(type, name) std::vector<type> name;
#include "sim/model/person_columns.def"
#undef PERSON_COLUMN
  // Weeks of a spell that began at `since` counted by week `now`: from week 0 only (a spell under
  // way at the end of a warm-up began before it).
  static int spell_weeks(int since, int now) { return now - std::max(since, 0); }
  int weeks_in_housing(std::size_t p, int h, int now) const {
    return weeks_housing[p][h] + (active(p) && housing[p] == h ? spell_weeks(housing_since[p], now) : 0);
  }
  int weeks_in_case(std::size_t p, int c, int now) const {
    return weeks_case[p][c] + (active(p) && kase[p] == c ? spell_weeks(case_since[p], now) : 0);
  }

  std::size_t size() const { return territory.size(); }
  // Calls f(name, column) on every column (resize, memory accounting, hashing and the phase
  // contracts all go through here; the names are those of the phases' reads and writes).
  template <class F>
  void for_each_named_column(F&& f) {
#define PERSON_COLUMN(type, name) f(#name, name);
#include "sim/model/person_columns.def"
#undef PERSON_COLUMN
  }
  template <class F>
  void for_each_named_column(F&& f) const {
    const_cast<Persons*>(this)->for_each_named_column([&](const char* n, const auto& v) { f(n, v); });
  }
  template <class F>
  void for_each_column(F&& f) {
    for_each_named_column([&](const char*, auto& v) { f(v); });
  }
  template <class F>
  void for_each_column(F&& f) const {
    for_each_named_column([&](const char*, const auto& v) { f(v); });
  }
  // Grows every column to n rows; capacity grows by a quarter at a time, not doubling, so
  // that memory stays close to what the rows need.
  void resize(std::size_t n);
  bool active(std::size_t p) const { return exit[p] < 0; }
  std::size_t bytes() const;  // heap bytes held by the columns (capacity)
};

}  // namespace percorsi
