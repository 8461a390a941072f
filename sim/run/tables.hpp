// The tables people read of the scenarios' summaries (sim/run/runner.hpp): comparisons like with
// like, comparison tables (text, CSV, Markdown) with their verdicts and robustness, and the
// formatting of numbers, differences and pages.
#pragma once

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "output/robustness_table.hpp"
#include "sim/registry/scenario.hpp"
#include "sim/run/runner.hpp"
#include "sim/stats/stats.hpp"

namespace percorsi {

// The headline indicators of the summaries, in the order of the output table
// (sim/registry/outputs.def); names the table does not know (older files) follow by name.
std::vector<std::string> headline_order(const std::vector<ScenarioSummary>& s);

// Whether the scenarios can be compared like with like: "" when they share their horizon, start
// date and territories, else the reason (naming the scenarios that differ).
std::string comparability_problem(const std::vector<ScenarioSummary>& s);
// Throws ScenarioError "<where>: these scenarios cannot be compared: <reason>" unless the scenarios
// share their horizon, start date and territories (the comparisons of sensitivity and lessons files).
void require_comparable(const std::vector<Scenario>& scenarios, const Origin& where);
// The common calendar window of runs to be aligned (--align): from the latest start date to the
// earliest end (whole weeks), on the territories every run covers (in the first run's order).
struct CommonWindow {
  std::string start_date;
  int weeks = 0;
  std::vector<std::string> territories;
};
// Throws ScenarioError naming the runs when the window is empty (no common week or territory).
CommonWindow common_window(const std::vector<ScenarioSummary>& s);

// Why an indicator is n/a for a scenario: "not in the results", "horizon too short: ...", "no one
// counted: ..." (its denominator is empty in every replicate).
std::string undefined_reason(const ScenarioSummary& s, const std::string& indicator);

// Why an indicator gets no value or verdict when its denominator's mean size per replicate is
// below kMinDenominator (sim/stats): "n = 6: too few", or "n = 6 in <first>: too few" when it is
// the first scenario's (the one differences are taken from).
std::string too_few_reason(double mean_denominator, const std::string& first = "");

enum class TableFormat { Text, Csv, Markdown };
struct Robustness;  // sim/run/robustness_result.hpp
struct TableOptions {
  bool differences = true;  // false: each scenario's values only (scenarios that cannot be compared)
  // The robustness of each difference (compare --robustness): a column "robustness" (text,
  // Markdown) and the last two CSV columns robust_share,rests_on; nullptr: none (the table as
  // without the option).
  const Robustness* robustness = nullptr;
};
// Headline indicators of each scenario (mean and 95% interval over replicates) and the
// difference of each scenario from the first: paired by replicate when seeds agree
// (common random numbers), unpaired (Welch) otherwise. Text and Markdown show each
// indicator's label and unit from the output table, mark a difference whose interval lies
// beyond the table's minimum important difference, and give the denominators that depend on
// the policy below the table; CSV keeps the raw name in the first column (scripts read it) and
// adds label, unit, better, counted, denominator and min_important_difference as last columns.
//
// Text and Markdown are long: one block (text) or group of rows (Markdown) per indicator, one
// row per scenario, so that 2 or 20 scenarios stay within about 100 characters. Values in the
// indicator's unit (shares in %, differences of shares in percentage points), with thousands
// separators; a difference is called "important" only when its interval excludes zero and it is
// at least the minimum important difference, "negligible" when it is smaller or its interval
// stays within +-MID, "unclear" otherwise (sim/stats verdict()). Indicators whose denominator
// depends on the policy give its mean size per replicate. CSV is tidy: one row per scenario x
// indicator, numbers only, with the columns
//   scenario,indicator,unit,mean,ci_low,ci_high,n,diff,diff_ci_low,diff_ci_high
// (diff: the paired difference from the first scenario, empty for the first itself), then one
// column per swept parameter (the sweep point's value), then paired,verdict,denominator_n,
// na_reason,label; with opt.robustness, then robust_share,rests_on (the share of the plausible
// space where the verdict holds, empty without a difference or a verdict; the assumptions that
// move it most, separated by ';').
std::string comparison_table(const std::vector<ScenarioSummary>& s, TableFormat fmt, const TableOptions& opt = {});

// The robustness of the table's differences as a results file keeps it (/robustness, written by
// `compare --robustness --out`): per scenario after the first and headline indicator with a
// verdict, the share of the design points on the side of the verdict comparison_table gives it
// and the assumptions it rests on, exactly as the table's robust_share and rests_on columns.
out::RobustnessTable robustness_table(const std::vector<ScenarioSummary>& s, const Robustness& r);
// The other way: the robustness a results file keeps (read_robustness_table), for a table of
// its scenarios (`percorsi compare F.h5` shows it beside each difference, as `compare
// --robustness` did). Only the differences whose verdict is the stored one get a cell (a
// different first scenario, or other replicates, give other verdicts: those read "n/a");
// nullopt when the file's baseline is not the table's first scenario.
std::optional<Robustness> stored_robustness(const std::vector<ScenarioSummary>& s, const out::RobustnessTable& t);

// Rows of cells, the first the header, as a Markdown table, or (text, CSV) as columns aligned two
// spaces apart, each line starting with `indent` and without trailing spaces.
std::string cell_table(const std::vector<std::vector<std::string>>& rows, TableFormat fmt, const std::string& indent = "");

// A summary as tables show it: "9.6% [9.0, 10.2]", "7,364 euro [7,292, 7,437]", "n/a".
std::string format_summary(const std::string& indicator, const out::Summary& s);

// A difference of an indicator as tables show it: "+7.4 pp" (shares), "+695 euro", "n/a"; its
// decimals follow the size of `largest` (default: of d itself), so that a column lines up.
std::string format_difference(const std::string& indicator, double d, bool plus_sign = true,
                              double largest = std::nan(""));

// A difference with its 95% interval, as format_difference shows it (decimals after the largest
// of the three): "+4.32 [+4.15, +4.50] pp", "-19,370 [-20,680, -18,070] euro"; "n/a" when
// undefined.
std::string format_difference_interval(const std::string& indicator, const out::Summary& d);

// The difference b - a of one headline indicator as comparison_table() computes it: paired by
// replicate when the seeds agree (common random numbers), its interval kept to the indicator's
// range (output table); n = 0 when either scenario lacks the indicator.
Difference indicator_difference(const ScenarioSummary& a, const ScenarioSummary& b, const std::string& indicator);

// A text as a Markdown table cell: its '|' escaped.
std::string markdown_cell(std::string s);

// Pages made from a template (docs/validation.md, docs/lessons.md): every `marker` of `text`
// replaced by `with`, without its final line breaks (the template has its own). Throws
// ScenarioError "the <what> template has no marker <marker>" when there is none.
void fill_marker(std::string& text, const std::string& marker, std::string with, const std::string& what);

// Prose wrapped at `width` characters (each line ending in a line break), continuation lines
// indented by `indent` spaces.
std::string wrap(const std::string& text, std::size_t width = 96, std::size_t indent = 0);

// Numbers for people: thousands separators ("30,828,561"), `decimals` places, never "-0.0".
std::string format_number(double x, int decimals, bool plus_sign = false);

}  // namespace percorsi
