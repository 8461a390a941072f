// viz-core: the viewer's data model, without any ImGui. Loaded sources (results files read
// through output/Reader, and live runs held in memory), series statistics across replicates,
// the territory and people filters, scenario comparison and axis ticks. Tests use it headless.
#pragma once

#include <array>
#include <functional>
#include <limits>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "output/reader.hpp"
#include "sim/registry/results.hpp"
#include "sim/run/runner.hpp"

namespace percorsi::viz {

// ---- Series statistics -------------------------------------------------------------------
// A weekly indicator across replicates: mean and 95% t-interval, one entry per week.
struct Band {
  std::vector<double> mean, lo, hi;
  int weeks() const { return static_cast<int>(mean.size()); }
};

// Per week, the sum of the selected territories of a [weeks x T] row-major series.
// An empty mask selects every territory.
std::vector<double> territory_sum(const std::vector<double>& values, int territories, const std::vector<bool>& mask);
// Mean and 95% interval over replicates of the territory sums, week by week.
// The 95% band keeps to the series' range (counts and costs: log scale, above 0; sim/stats).
Band band(const std::vector<std::vector<double>>& replicates, int territories, const std::vector<bool>& mask,
          out::Scale range = out::Range::Positive);

// ---- Axes ----------------------------------------------------------------------------------
// A "nice" step (1, 2 or 5 times a power of ten) giving at most about max_ticks ticks.
double nice_step(double range, int max_ticks);
// Tick values, multiples of nice_step, covering [lo, hi].
std::vector<double> nice_ticks(double lo, double hi, int max_ticks);
// A tick label: thousands as "12k", millions as "1.2M", otherwise as many decimals as the step needs.
std::string tick_label(double v, double step);
// A value for tables and tooltips (3 significant digits, thousands grouped as k/M above 1e4).
std::string format_value(double v);

// ---- Calendar time -----------------------------------------------------------------------
// Week 0 of a scenario as a calendar date (the scenario's start_date), when it is known.
struct Calendar {
  long start_day = 0;  // days since 1970-01-01 of week 0
  bool known = false;
};
// "2019-01-07" -> a known calendar; anything else -> unknown (axes then count weeks).
Calendar calendar_of(const std::string& start_date);
// An x-axis tick: its week (fractional: the first of a month falls inside a week) and label.
struct Tick {
  double week = 0;
  std::string label;
};
// Ticks between weeks w0 and w1: months, quarters or years as the span needs ("Mar 2020", "Q2
// 2020", "2020") with at most about max_ticks ticks; weeks ("week 12") when the date is unknown.
std::vector<Tick> calendar_ticks(const Calendar& c, double w0, double w1, int max_ticks);
// The date of a week for tooltips: "week 62 (16 Mar 2020)", or "week 62".
std::string week_text(const Calendar& c, int week);
// The x axis of every time chart over weeks w0..w1 drawn `width` pixels wide, a label taking
// about `label_width` pixels: calendar_ticks with as many ticks as fit (2 to 14). The line charts,
// the stacked areas and the People view's person timeline all take their axis from here.
std::vector<Tick> time_ticks(const Calendar& c, double w0, double w1, float width, float label_width);
// A span of weeks for tooltips: "16 Mar 2020 to 6 Jul 2020 (weeks 62-78)", or "weeks 62-78".
std::string span_text(const Calendar& c, int from, int to);

// A timed event of a scenario (lockdown, a new call, a funding cut), in weeks of the run;
// events that overlap and share a name's first word are merged into one ("lockdown").
struct EventSpan {
  std::string label;   // the shared name ("lockdown"), or the event's name
  double start = 0, end = 0;  // weeks; end exclusive
  std::string detail;  // each event merged: "lockdown_activity: activity x0.2, weeks 61-77"
};
struct RawEvent {
  std::string name, target;
  double start = 0, end = 0, factor = 1;
};
std::vector<EventSpan> merge_events(const std::vector<RawEvent>& events);

// ---- Indicators ----------------------------------------------------------------------------
// Units, labels, meanings and directions come from the output table (sim/registry/outputs.def); a
// name the table does not know (a file of another version) gets its name as label, no unit
// and no direction.
std::string series_unit(const std::string& series);
std::string series_label(const std::string& series);
// The definition and who is counted ("" for an unknown series).
std::string series_meaning(const std::string& series);
std::string indicator_unit(const std::string& indicator);
std::string indicator_label(const std::string& indicator);
// Who is counted, when the denominator depends on the policy ("" otherwise): the viewer shows
// such an indicator with it.
std::string indicator_policy_denominator(const std::string& indicator);
// +1: higher is better, -1: lower is better, 0: neither (or unknown). A headline indicator's
// direction, else a weekly series' of that name.
int better_direction(const std::string& indicator);
// The smallest difference a planner would call important, in the indicator's unit (NaN: none);
// for a cost, a share of the first scenario's mean (out::OutputSpec::mid_against).
double min_important_difference(const std::string& indicator);
// Share indicators (0-1) are shown as percentages.
bool is_share(const std::string& indicator);

// How a value or a difference of an indicator is written in tables and charts: in the
// indicator's own unit, shares as percentages and their differences in percentage points.
struct Scaled {
  double factor = 1;        // multiply the stored value by this
  std::string value_unit;   // "%", "persons", "euro", ...
  std::string diff_unit;    // "pp" for shares, else as value_unit
};
Scaled scaled(const std::string& indicator);
// "45.2% [40.1, 50.3]", "n/a".
std::string value_text(const std::string& indicator, const out::Summary& s);
// "+3.2 pp [1.0, 5.4]", "-120 euro [-300, 60]", "n/a".
std::string difference_text(const std::string& indicator, const out::Summary& d);

// ---- Labels --------------------------------------------------------------------------------
// Splits a label into lines no wider than max_width (measured by `width`), breaking after ':',
// '_', '=', ' ', ',' or '/' where it can and inside a word only where it must. Nothing is cut.
std::vector<std::string> wrap_label(const std::string& text, float max_width,
                                    const std::function<float(const std::string&)>& width);
// A warning of Scenario::warnings() without its "file:line:column: warning: " prefix.
std::string warning_text(const std::string& line);
// A target group's name for people: "mental health" for mental_health.
std::string human_name(const std::string& id);
// Short codes of the nine target groups (kGroupNames order), as the People table shows them.
const std::vector<std::string>& group_codes();

// ---- People --------------------------------------------------------------------------------
// The per-person columns the viewer uses (missing columns read as -1 or 0).
struct PeopleTable {
  std::vector<std::int32_t> id, territory, groups, housing_final, entry, exit, first_stable, returns, age;
  std::vector<std::array<std::int32_t, 6>> weeks;  // weeks in street..housed, institution
  std::vector<double> cost;
  // Pathway timelines, when the run recorded them: the changes of row r are
  // changes[change_begin[r] .. change_begin[r + 1]), each {week, housing, case, work}.
  std::vector<std::array<std::int32_t, 4>> changes;
  std::vector<std::uint32_t> change_begin;
  bool has_timeline() const { return !change_begin.empty(); }
  std::size_t size() const { return id.size(); }
};
PeopleTable people_table(const std::vector<out::PersonColumn>& columns);
// Adds a replicate's timeline columns (person, week, housing, case, work) to the table;
// people are matched by id. An empty or malformed timeline leaves the table without one.
void attach_timeline(PeopleTable& t, const std::vector<out::PersonColumn>& timeline);

struct PeopleFilter {
  std::uint16_t groups = 0;  // a person must belong to every group in the mask (0: any)
  int housing = -1;          // final housing state (-1: any)
  int territory = -1;        // territory index (-1: any)
  bool active_only = false;  // still present at the end of the run
};
// Row indices of the people passing the filter, in table order.
std::vector<int> filter_people(const PeopleTable& t, const PeopleFilter& f);

// ---- Sources -------------------------------------------------------------------------------
// One scenario of a results file or of a live run.
struct ScenarioData {
  std::string label;   // shown in lists and legends
  std::string origin;  // results file path, or "live"
  out::ScenarioInfo info;
  std::vector<int> replicates;
  std::vector<std::string> weekly_names, person_columns, headline_names;
  Calendar calendar;                // from the resolved scenario's start_date
  std::vector<EventSpan> events;    // its events, merged for charts
  std::vector<std::string> changes; // live runs: the levers changed from the file
  std::vector<std::string> warnings;  // Scenario::warnings() of the scenario as it ran, without "file:line:col: warning: "
  std::shared_ptr<const out::Reader> reader;  // null for live runs
  // The robustness its file keeps (compare --robustness --out), shared by the file's scenarios;
  // null when not computed (and for live runs: their levers changed since).
  std::shared_ptr<const out::RobustnessTable> robustness;
  std::vector<out::ReplicateResult> live;     // live runs: every replicate in memory
  // Caches of what was read (an empty entry records a failed read).
  std::map<std::string, std::vector<std::vector<double>>> weekly_cache;
  std::map<std::string, std::vector<double>> headline_cache;
  std::map<int, PeopleTable> people_cache;
};

class Catalog {
 public:
  // Opens a results file and adds its scenarios. On failure the error goes to errors() and
  // to stderr, and false is returned; it never throws.
  bool open(const std::string& path);
  // Adds the replicates of a live run as one more scenario.
  int add_live(const std::string& label, out::ScenarioInfo info, std::vector<out::ReplicateResult> reps);
  void error(const std::string& message);
  const std::vector<std::string>& errors() const { return errors_; }
  void clear_errors() { errors_.clear(); }

  std::vector<ScenarioData>& scenarios() { return scenarios_; }
  const std::vector<ScenarioData>& scenarios() const { return scenarios_; }
  const std::vector<std::string>& files() const { return files_; }
  int size() const { return static_cast<int>(scenarios_.size()); }

  // Weekly series of every replicate of scenario s ([weeks x T] each); null when it cannot be read.
  const std::vector<std::vector<double>>* weekly(int s, const std::string& series);
  // Headline values per replicate (replicates order); null when it cannot be read.
  const std::vector<double>* headline(int s, const std::string& indicator);
  // The person table of one replicate; null when it cannot be read.
  const PeopleTable* people(int s, int replicate);

  // Union of the scenarios' weekly series and headline indicators, in first-seen order.
  std::vector<std::string> weekly_names() const;
  std::vector<std::string> headline_names() const;
  // Territory names, union in first-seen order.
  std::vector<std::string> territories() const;
  // Band of a series for scenario s over the selected territories (empty set: all).
  Band band(int s, const std::string& series, const std::set<std::string>& territories);

 private:
  std::vector<ScenarioData> scenarios_;
  std::vector<std::string> files_, errors_;
};

// The family-care funnel's count of `step` (oriented, skills_identified, ..., regular_contracts)
// in scenario s: its headline fc_<step> (counted since the service started, in every territory),
// as value_text gives it: "242 [129, 454]", the mean and 95% interval over replicates; "n/a"
// when the file does not have it.
std::string funnel_text(Catalog& cat, int s, const std::string& step);

// The calendar, events and warnings of a scenario, from the resolved scenario a results file
// keeps (unknown calendar, no events and no warnings when it cannot be read).
void read_calendar(ScenarioData& d);
// Scenarios ticked when files are opened: the first kMaxShown (the comparison chart stays
// readable up to that many rows; the sidebar says when some are left unticked).
inline constexpr int kMaxShown = 20;

// Territory mask of a scenario for a selection by name (empty selection: all).
std::vector<bool> territory_mask(const out::ScenarioInfo& info, const std::set<std::string>& selected);

// ---- Comparison ----------------------------------------------------------------------------
// The robustness beside a difference (compare --robustness, docs/robustness.md): the share of the
// plausible space of the assumptions in which its verdict holds, from the results file, only where
// it applies to what the row shows: the same file, its baseline, the verdict on the same side.
struct RobustnessNote {
  enum Kind {
    None,           // the baseline's row, or no difference to speak of
    Shown,          // share and rests_on below
    NotComputed,    // the file has no /robustness (run compare --robustness)
    Stale,          // a live run: its levers changed since the file's robustness was computed
    OtherBaseline,  // computed against another baseline (or in another file) than the row's
    NoVerdict,      // no row for this difference (n/a, too few) or a verdict on another side
  } kind = None;
  double share = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::string> rests_on;  // assumption paths, most influential first
  std::string baseline;               // OtherBaseline: the one it was computed against
  // Beside the verdict. Full: "robust in 87% of plausible assumptions; rests on a, b". Compact
  // (the chart, readable on a projector; the legend line explains it): "robust in 87%; rests on
  // a, b". "" for None.
  std::string text(bool compact = false) const;
};
struct CompareRow {
  std::string indicator;
  std::vector<out::Summary> value;  // per compared scenario
  std::vector<Difference> diff;     // scenario i (i >= 1) minus the first; diff[0] unused
  // Per compared scenario: +2 better (important: the 95% interval excludes zero and the
  // difference is at least the minimum important difference), +1 leaning better (negligible or
  // unclear), 0 no difference or neutral indicator, -1 leaning worse, -2 worse. verdict[0] = 0.
  std::vector<int> verdict;
  std::vector<Verdict> meaning;   // sim/stats verdict() per scenario (Undefined for the first)
  std::vector<std::string> na;    // per scenario: why the value is n/a ("" when defined)
  std::string denominator;        // policy-dependent denominator: "n = 383 | 379" (mean per replicate)
  std::vector<RobustnessNote> robustness;  // per scenario (robustness_note); None: the first, no verdict
};
// The note of scenario s's difference from `base` on `indicator`, whose verdict (sim/stats) is
// `meaning` on `side` (verdict_side: -1, 0, +1).
RobustnessNote robustness_note(const Catalog& cat, int base, int s, const std::string& indicator, Verdict meaning,
                               int side);
// One line under the comparison chart saying what the notes mean: the design they come from, or
// "robustness not computed: run `percorsi compare --robustness --out FILE.h5`" when no compared
// file has it; live runs are said to be stale.
std::string robustness_legend(const Catalog& cat, const std::vector<int>& scenarios);

// Headline indicators of the scenarios, with paired (common random numbers: same seed and
// replicate) or Welch differences from the first, and whether each is better or worse.
// Differences are left undefined (n/a) when the runs are not like with like (unlike_runs).
std::vector<CompareRow> compare(Catalog& cat, const std::vector<int>& scenarios);
// Why the scenarios' runs cannot be compared like with like ("" when they can): another
// horizon, start date or territories, in the words of `percorsi compare` (sim/run/runner.hpp).
std::string unlike_runs(Catalog& cat, const std::vector<int>& scenarios);

}  // namespace percorsi::viz
