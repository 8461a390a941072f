// The output table (sim/registry/outputs.def): every weekly series, headline indicator and person
// column, declared once with its type, unit, label, better direction, who is counted and the
// minimum important difference. Ids are generated from the same table, so that the engine
// records series by enum (out::Series::housing_street) rather than by position.
//
// Why here, and why a library of its own (percorsi_outputs): the table says what results files
// hold, so it lives in output/ beside the data dictionary it generates; but it is plain C++
// (no HDF5, no other dependency), so sim/ (the model), the viewer and the tools use it without
// linking the HDF5 layer, and the model library can be built and tested without HDF5.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace percorsi::out {

enum class OutputKind { Series, Headline, Person };
enum class OutputType { Float64, Int32 };
enum class Better { Higher, Lower, Neither };
enum class Denominator { None, Fixed, Policy };
// The range of an output's values: intervals across replicates keep to it (sim/stats,
// docs/statistics.md). Share: a proportion in [0, 1]; Positive: a count, cost or duration (>= 0);
// Signed: any real value (differences); Code: ids, codes and states (no interval makes sense).
enum class Range { Share, Positive, Signed, Code, Bounded };

// The scale on which intervals of an output are computed (sim/stats): its range and, for a
// Bounded quantity, the largest value it can take (in its unit; 1 for the others).
struct Scale {
  Range range = Range::Signed;
  double upper = 1;
  Scale(Range r = Range::Signed, double u = 1) : range(r), upper(u) {}  // NOLINT: a Range is a Scale
};

struct OutputSpec {
  OutputKind kind;
  std::string name;  // the dataset name
  OutputType type;
  std::string unit;
  Range range;
  double upper;      // the largest value of a Bounded output (e.g. 24 months of 24); NaN otherwise
  int window;        // weeks of run needed before anyone can be counted (headlines; 0: none)
  Better better;
  double mid;        // minimum important difference in `unit` (NaN: not applicable), or a share
  bool mid_relative; // true: `mid` is a share of the first scenario's mean (costs: Relative(x))
  Denominator denominator;
  std::string label;
  std::string counted;
  std::string definition;
  int index;         // position within its kind (= the enum value)

  // The minimum important difference of a comparison whose first scenario has the mean
  // `reference`, in `unit`: `mid`, or for a relative MID (every cost) `mid` times |reference|
  // (NaN when the reference is).
  double mid_against(double reference) const { return mid_relative ? mid * std::fabs(reference) : mid; }
  // "+1" higher is better, "-1" lower is better, 0 neither.
  int direction() const { return better == Better::Higher ? 1 : better == Better::Lower ? -1 : 0; }
  bool policy_denominator() const { return denominator == Denominator::Policy; }
  bool is_share() const { return unit == "share"; }
  // The scale of its intervals: the range, with the upper limit of a Bounded output.
  Scale scale() const { return Scale(range, range == Range::Bounded ? upper : 1.0); }
  // The companion headline `<name>_n` (the size of this indicator's denominator in each
  // replicate), or nullptr; and whether this output is a companion of an indicator, shown
  // beside it or used with it, never compared by itself: `<name>_n`, or `<name>_discounted`
  // (the outcome's discounted amount, for the ratios of docs/economics.md).
  const OutputSpec* denominator_output() const;
  bool is_companion() const;
  // "Stably housed 12 months after entry (share)".
  std::string label_with_unit() const { return label + " (" + unit + ")"; }
};

// Ids of each kind, in table order.
#define OUTPUT(kind, id, ...) PERCORSI_OUT_ID_##kind(id)
#define PERCORSI_OUT_ID_Series(id) id,
#define PERCORSI_OUT_ID_Headline(id)
#define PERCORSI_OUT_ID_Person(id)
enum class Series : int {
#include "sim/registry/outputs.def"
  count_
};
#undef PERCORSI_OUT_ID_Series
#undef PERCORSI_OUT_ID_Headline
#define PERCORSI_OUT_ID_Series(id)
#define PERCORSI_OUT_ID_Headline(id) id,
enum class Headline : int {
#include "sim/registry/outputs.def"
  count_
};
#undef PERCORSI_OUT_ID_Headline
#undef PERCORSI_OUT_ID_Person
#define PERCORSI_OUT_ID_Headline(id)
#define PERCORSI_OUT_ID_Person(id) id,
enum class Column : int {
#include "sim/registry/outputs.def"
  count_
};
#undef PERCORSI_OUT_ID_Series
#undef PERCORSI_OUT_ID_Headline
#undef PERCORSI_OUT_ID_Person
#undef OUTPUT

inline constexpr std::size_t kSeriesCount = static_cast<std::size_t>(Series::count_);
inline constexpr std::size_t kHeadlineCount = static_cast<std::size_t>(Headline::count_);
inline constexpr std::size_t kColumnCount = static_cast<std::size_t>(Column::count_);

// The id `k` places after `first` (series and columns declared per state, in state order).
constexpr Series operator+(Series first, int k) { return static_cast<Series>(static_cast<int>(first) + k); }
constexpr Column operator+(Column first, int k) { return static_cast<Column>(static_cast<int>(first) + k); }

// Names at compile time, so that code writing a run of ids in a loop over states can check
// with static_assert that the names follow the states.
#define OUTPUT(kind, id, ...) PERCORSI_OUT_NAME_##kind(id)
#define PERCORSI_OUT_NAME_Series(id) #id,
#define PERCORSI_OUT_NAME_Headline(id)
#define PERCORSI_OUT_NAME_Person(id)
inline constexpr std::string_view kSeriesIds[] = {
#include "sim/registry/outputs.def"
};
#undef PERCORSI_OUT_NAME_Series
#undef PERCORSI_OUT_NAME_Person
#define PERCORSI_OUT_NAME_Series(id)
#define PERCORSI_OUT_NAME_Person(id) #id,
inline constexpr std::string_view kColumnIds[] = {
#include "sim/registry/outputs.def"
};
#undef PERCORSI_OUT_NAME_Series
#undef PERCORSI_OUT_NAME_Headline
#undef PERCORSI_OUT_NAME_Person
#undef OUTPUT
constexpr std::string_view id_name(Series s) { return kSeriesIds[static_cast<std::size_t>(s)]; }
constexpr std::string_view id_name(Column c) { return kColumnIds[static_cast<std::size_t>(c)]; }

// The window of each headline indicator (weeks after entry, or after a hire, at which it is
// observed) and of each person column that follows a person for some weeks, at compile time: the engine's census reads its windows here, from the table, and
// writes no window of its own (docs/outputs.md, "Dates and windows").
#define OUTPUT(kind, id, type, unit, range, window, ...) PERCORSI_OUT_WINDOW_##kind(window)
#define PERCORSI_OUT_WINDOW_Series(w)
#define PERCORSI_OUT_WINDOW_Headline(w) w,
#define PERCORSI_OUT_WINDOW_Person(w)
inline constexpr int kHeadlineWindows[] = {
#include "sim/registry/outputs.def"
};
#undef PERCORSI_OUT_WINDOW_Series
#undef PERCORSI_OUT_WINDOW_Headline
#undef PERCORSI_OUT_WINDOW_Person
#undef OUTPUT
constexpr int window_of(Headline h) { return kHeadlineWindows[static_cast<std::size_t>(h)]; }
#define OUTPUT(kind, id, type, unit, range, window, ...) PERCORSI_OUT_WINDOW_##kind(window)
#define PERCORSI_OUT_WINDOW_Series(w)
#define PERCORSI_OUT_WINDOW_Headline(w)
#define PERCORSI_OUT_WINDOW_Person(w) w,
inline constexpr int kColumnWindows[] = {
#include "sim/registry/outputs.def"
};
#undef PERCORSI_OUT_WINDOW_Series
#undef PERCORSI_OUT_WINDOW_Headline
#undef PERCORSI_OUT_WINDOW_Person
#undef OUTPUT
// The weeks a person column follows (weeks_employed_104w_after_first_job: 104 from the first job).
constexpr int window_of(Column c) { return kColumnWindows[static_cast<std::size_t>(c)]; }

// Every output, in table order (series, then headlines, then person columns as declared).
const std::vector<OutputSpec>& outputs();
const std::vector<const OutputSpec*>& outputs_of(OutputKind k);
const OutputSpec& spec(Series s);
const OutputSpec& spec(Headline h);
const OutputSpec& spec(Column c);
inline const std::string& name(Series s) { return spec(s).name; }
inline const std::string& name(Headline h) { return spec(h).name; }
inline const std::string& name(Column c) { return spec(c).name; }
// The output of this kind and name, or nullptr (names are unique within a kind; a series and a
// headline may share one, e.g. cost_total).
const OutputSpec* find_output(OutputKind k, std::string_view name);
// Names of one kind, in table order (the series order of every replicate).
const std::vector<std::string>& output_names(OutputKind k);

// The units an output may have.
const std::vector<std::string>& allowed_units();
const char* output_kind_name(OutputKind k);  // "series" | "headline" | "person column"
const char* output_type_name(OutputType t);  // "float64" | "int32"
const char* better_name(Better b);           // "higher" | "lower" | "neither"
const char* range_name(Range r);             // "share" | "positive" | "code"
// The minimum important difference as text ("0.02", "1000", "2%" when relative, "" when not applicable).
std::string mid_text(const OutputSpec& o);
std::string shortest_number(double x);  // the shortest text that reads back as x ("24", "0.05")
// The meaning written in the data dictionary: definition, who is counted (and whether the policy
// changes it).
std::string dictionary_meaning(const OutputSpec& o);

// Markdown reference of every output (docs/outputs.md is this text).
std::string outputs_markdown();

// Who pays each weekly cost series (docs/economics.md, "Payers"): housing (the housing
// programmes: Housing First flats and their support), health (days in health institutions),
// justice (days in prison), social services (every other service: street outreach, shelters,
// transitional places, assessments, case management, the employment pathway); all (every cost
// series). `intervention` is not a payer but a view across them: the programmes the levers fund
// (Housing First and the employment pathway's services).
enum class Payer { all, intervention, housing, social_services, health, justice };
const std::vector<std::string>& payer_names();  // in enum order: "all", "intervention", ...
const std::vector<Series>& cost_series_of(Payer p);

// The series counted per person by a rule (COUNTED and COUNTED_COST rows of outputs.def), in
// table order: the rule's name (rules::<rule>), whether it is a cost, its payer and whether it is
// a cost of the intervention (payer and intervention: costs only).
struct CountedSeries {
  Series id;
  const char* rule;
  bool cost;
  Payer payer;
  bool intervention;
};
const std::vector<CountedSeries>& counted_series();
const CountedSeries* counted_by_rule(Series s);  // nullptr: recorded by hand

}  // namespace percorsi::out
