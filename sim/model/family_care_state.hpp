// The state of the family-care model (docs/model.md, "Family care work"): care workers at home
// and the families who employ them, as columns over dense ids of their own (apart from the
// persons of sim/model/state.hpp), and the territorial projects' counters. The rules are in
// sim/model/family_care.hpp; the engine (sim/engine/family_care.cpp) owns and changes the state.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace percorsi {

// A care worker's step on the service's pathway (CareWorkers::step). The Want* steps wait for the
// staff time (or a course seat) of the territory's projects, served by the week they asked, then id.
enum FcStep : std::uint8_t {
  FcNone,                // not in contact with the service
  FcWantOrientation,     // asked for orientation
  FcOriented,            // oriented; deciding about the next step
  FcWantIdentification,  // asked for the identification of competences
  FcIdentified,          // competences identified; the validation follows
  FcWantValidation,      // asked for the validation
  FcValidated,           // competences validated; deciding about the course
  FcWantCourse,          // waiting for a course seat
  FcInCourse,            // in the qualification course
  FcTrained,             // course completed; deciding about matching
  FcMatching,            // on the service's matching list
  FcPlaced,              // matched with a family by the service
  FcLeft,                // left the pathway (drop-out, validation failed, gave up on matching, the service stopped)
};
inline constexpr int kFcSteps = 13;
inline constexpr const char* kFcStepNames[] = {"none",      "want_orientation", "oriented",  "want_identification", "identified",
                                               "want_validation", "validated", "want_course", "in_course", "trained",
                                               "matching",  "placed",           "left"};

// Bits of CareWorkers::flags.
enum FcWorkerFlag : std::uint8_t { FwFemale = 1, FwForeign = 2, FwRegular = 4, FwQualified = 8, FwValidated = 16 };

// A family's step (Families::step).
enum FcFamilyStep : std::uint8_t {
  FfIdle,         // employs a worker (or needs none yet)
  FfSearching,    // looking for a worker on its own (informal networks, agencies)
  FfWantAdvice,   // turned to the service, waiting for the advice
  FfWantMatch,    // on the service's matching list
};
inline constexpr int kFcFamilySteps = 4;

// Bits of Families::flags.
enum FcFamilyFlag : std::uint8_t {
  FaAdvised = 1,    // advised by the service (this search)
  FaEligible = 2,   // meets the incentive's conditions and would apply (drawn at creation)
  FaRegular = 4,    // the current arrangement is a regular contract
  FaIncentive = 8,  // was paid the incentive (once)
};

// Counters of the service, per territory: this week's and the totals since week 0.
enum FcCounter : int {
  FcOrientedN,
  FcIdentifiedN,
  FcValidatedN,
  FcTrainedN,
  FcMatchedN,
  FcAdvisedN,
  FcIncentivesN,
  FcRegularContractsN,
  kFcCounters
};

struct CareWorkers {
  std::vector<std::uint8_t> territory, flags, step;
  std::vector<float> competence;    // competences learnt informally, 0-1
  std::vector<std::int16_t> since;  // week the current step began
  std::size_t size() const { return territory.size(); }
  void resize(std::size_t n) {
    territory.resize(n), flags.resize(n), step.resize(n), competence.resize(n), since.resize(n);
  }
};

struct Families {
  std::vector<std::uint8_t> territory, flags, step;
  std::vector<std::int16_t> since;
  std::size_t size() const { return territory.size(); }
  void resize(std::size_t n) { territory.resize(n), flags.resize(n), step.resize(n), since.resize(n); }
};

struct FamilyCareTerritory {
  std::array<std::int64_t, kFcCounters> week{}, total{};
  double cost_week = 0;        // the service's cost this week (staff, seats, incentives)
  double hours_left = 0;       // staff hours not used this week (after the steps served)
  std::int64_t in_course = 0;  // seats taken
  // The census at the end of the week (the recorded series read it).
  std::int64_t workers = 0, regular = 0, waiting = 0, matching = 0;
};

// The whole family-care world: empty (and `on` false) without family_care.enabled.
struct FamilyCare {
  bool on = false;
  CareWorkers workers;
  Families families;
  std::vector<FamilyCareTerritory> territories;
  // Care workers who are persons of the rest of the model (family_care.workers.from_migrant_jobseekers):
  // they are appended after the care workers created at week 0 (own_workers of them), and
  // worker_person[i - own_workers] is the person id of care worker i.
  std::size_t own_workers = 0;
  std::vector<std::uint32_t> worker_person;
};

}  // namespace percorsi
