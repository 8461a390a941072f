// The tables people read of the scenarios' summaries (sim/run/tables.hpp).
#include "sim/run/tables.hpp"

#include <boost/math/distributions/students_t.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <set>
#include <sstream>

#include "sim/registry/outputs.hpp"
#include "sim/run/csv.hpp"
#include "sim/run/economics.hpp"
#include "sim/run/robustness_result.hpp"

namespace percorsi {

// ---------------------------------------------------------------------------------------------
// Comparisons: like with like, and tables people read

std::string comparability_problem(const std::vector<ScenarioSummary>& s) {
  if (s.size() < 2) return "";
  const ScenarioSummary& a = s.front();
  auto list = [](const std::vector<std::string>& v) {
    std::string o;
    for (std::size_t i = 0; i < v.size(); ++i) o += (i ? ", " : "") + v[i];
    return o;
  };
  for (std::size_t i = 1; i < s.size(); ++i) {
    const ScenarioSummary& b = s[i];
    std::vector<std::string> why;  // every way the first run and this one differ
    if (a.weeks != b.weeks)
      why.push_back("'" + a.name + "' runs " + std::to_string(a.weeks) + " weeks and '" + b.name + "' " +
                    std::to_string(b.weeks) + " weeks: their indicators cover different horizons");
    if (a.start_date != b.start_date)
      why.push_back("'" + a.name + "' starts on " + a.start_date + " and '" + b.name + "' on " + b.start_date);
    if (a.territories != b.territories)
      why.push_back("'" + a.name + "' covers " + list(a.territories) + " and '" + b.name + "' covers " +
                    list(b.territories));
    if (!why.empty()) {
      std::string o;
      for (std::size_t k = 0; k < why.size(); ++k) o += (k ? "; " : "") + why[k];
      return o;
    }
  }
  return "";
}

void require_comparable(const std::vector<Scenario>& scenarios, const Origin& where) {
  std::vector<ScenarioSummary> shapes;
  for (const auto& sc : scenarios) shapes.push_back(shape_of(sc));
  if (const std::string problem = comparability_problem(shapes); !problem.empty())
    throw ScenarioError(where.where() + ": these scenarios cannot be compared: " + problem);
}

CommonWindow common_window(const std::vector<ScenarioSummary>& s) {
  CommonWindow w;
  if (s.empty()) return w;
  long from = 0, to = 0;
  std::string first_end, last_start = s.front().name;
  for (std::size_t i = 0; i < s.size(); ++i) {
    long d = 0;
    if (!days_of_date(s[i].start_date, d))
      throw ScenarioError("cannot align: '" + s[i].name + "' has no start date that can be read ('" + s[i].start_date + "')");
    const long end = d + 7L * s[i].weeks;
    if (i == 0 || d > from) from = d, last_start = s[i].name;
    if (i == 0 || end < to) to = end, first_end = s[i].name;
  }
  w.start_date = date_of_days(from);
  w.weeks = static_cast<int>((to - from) / 7);
  if (to - from < 7)
    throw ScenarioError("cannot align: the runs share no whole week ('" + last_start + "' starts on " + w.start_date +
                        ", '" + first_end + "' ends on " + date_of_days(to) + ")");
  for (const auto& t : s.front().territories) {
    bool everywhere = true;
    for (const auto& x : s) everywhere = everywhere && std::count(x.territories.begin(), x.territories.end(), t) > 0;
    if (everywhere) w.territories.push_back(t);
  }
  if (w.territories.empty()) throw ScenarioError("cannot align: no territory is covered by every run");
  return w;
}

std::string undefined_reason(const ScenarioSummary& s, const std::string& indicator) {
  auto it = s.headline.find(indicator);
  if (it == s.headline.end()) return "not in the results";
  const out::OutputSpec* o = out::find_output(out::OutputKind::Headline, indicator);
  if (o && o->window > 0 && s.weeks > 0 && s.weeks < o->window)
    return "horizon too short: needs " + std::to_string(o->window) + " weeks, the run has " + std::to_string(s.weeks);
  if (o) return "no one counted: " + o->counted;
  return "no replicate defines it";
}

std::string too_few_reason(double mean_denominator, const std::string& first) {
  return "n = " + format_number(mean_denominator, 0) + (first.empty() ? "" : " in " + first) + ": too few";
}

std::string format_number(double x, int decimals, bool plus_sign) {
  if (std::isnan(x)) return "n/a";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", std::max(0, decimals), std::fabs(x));
  std::string digits = buf, frac;
  if (auto dot = digits.find('.'); dot != std::string::npos) frac = digits.substr(dot), digits.resize(dot);
  std::string grouped;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  const bool zero = std::all_of(buf, buf + std::strlen(buf), [](char c) { return c == '0' || c == '.'; });
  const std::string sign = zero ? "" : x < 0 ? "-" : plus_sign ? "+" : "";
  return sign + grouped + frac;
}

namespace {

// How an indicator is shown: shares as percentages (differences in percentage points), the
// rest in the table's unit; one number of decimals per indicator.
struct Display {
  const out::OutputSpec* spec = nullptr;
  double scale = 1;
  std::string unit, diff_unit;
  int decimals = 2;
};

Display display_of(const std::string& ind, const std::vector<out::Summary>& means) {
  Display d;
  d.spec = out::find_output(out::OutputKind::Headline, ind);
  const bool share = d.spec && d.spec->range == out::Range::Share;
  d.scale = share ? 100 : 1;
  d.unit = share ? "%" : d.spec ? d.spec->unit : "";
  d.diff_unit = share ? "pp" : d.unit;
  double m = 0;
  for (const auto& x : means)
    if (!std::isnan(x.mean)) m = std::max(m, std::fabs(x.mean) * d.scale);
  d.decimals = m >= 100 || m == 0 ? 0 : m >= 10 ? 1 : m >= 1 ? 2 : 3;  // all zero: "0 [0, 0]"
  if (share) d.decimals = 1;
  return d;
}

std::string mean_ci(const out::Summary& x, const Display& d, bool sign = false) {
  const std::string m = format_number(x.mean * d.scale, d.decimals, sign);
  if (std::isnan(x.ci_low)) return m + " [no interval: " + std::to_string(x.n) + " replicate]";
  return m + " [" + format_number(x.ci_low * d.scale, d.decimals, sign) + ", " +
         format_number(x.ci_high * d.scale, d.decimals, sign) + "]";
}

std::size_t text_width(const std::string& x) {  // characters, not bytes (UTF-8)
  return static_cast<std::size_t>(std::count_if(x.begin(), x.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string pad(const std::string& x, std::size_t w) { return x + std::string(w > text_width(x) ? w - text_width(x) : 0, ' '); }

}  // namespace

std::string markdown_cell(std::string s) {
  for (std::size_t i = 0; (i = s.find('|', i)) != std::string::npos; i += 2) s.replace(i, 1, "\\|");
  return s;
}

void fill_marker(std::string& text, const std::string& marker, std::string with, const std::string& what) {
  if (text.find(marker) == std::string::npos) throw ScenarioError("the " + what + " template has no marker " + marker);
  while (!with.empty() && with.back() == '\n') with.pop_back();
  for (std::size_t at = 0; (at = text.find(marker, at)) != std::string::npos; at += with.size())
    text.replace(at, marker.size(), with);
}

std::string wrap(const std::string& text, std::size_t width, std::size_t indent) {
  std::string out, line;
  std::istringstream words(text);
  for (std::string w; words >> w;) {
    if (!line.empty() && text_width(line) + 1 + text_width(w) > width) {
      out += line + "\n";
      line = std::string(indent, ' ');
    }
    line += (line.empty() || line.back() == ' ' ? "" : " ") + w;
  }
  return out + line + "\n";
}

namespace {

// One scenario's row of one indicator.
struct Cell {
  out::Summary value;
  std::string na;  // reason, when value is undefined
  Difference diff;
  bool has_diff = false;
  Verdict verdict = Verdict::Undefined;
  double denominator = std::nan("");  // mean size per replicate, when the table has one
  // "n = 6: too few" when this scenario's denominator is below kMinDenominator, "n = 6 in <first
  // scenario>: too few" when the first's is (no difference, no verdict); else "".
  std::string few;
  // compare --robustness: the difference over the plausible space, and the side of its verdict
  // here (-1, 0, +1: verdict_side), when it has a verdict.
  const RobustnessCell* robust = nullptr;
  int side = 0;
};

}  // namespace

std::string cell_table(const std::vector<std::vector<std::string>>& rows, TableFormat fmt, const std::string& indent) {
  std::string out;
  if (fmt == TableFormat::Markdown) {
    for (std::size_t i = 0; i < rows.size(); ++i) {
      out += "|";
      for (const auto& c : rows[i]) out += " " + c + " |";
      out += "\n";
      if (i == 0) {
        out += "|";
        for (std::size_t k = 0; k < rows[0].size(); ++k) out += "---|";
        out += "\n";
      }
    }
    return out;
  }
  std::vector<std::size_t> width;
  for (const auto& row : rows)
    for (std::size_t k = 0; k < row.size(); ++k) {
      if (width.size() <= k) width.push_back(0);
      width[k] = std::max(width[k], text_width(row[k]));
    }
  for (const auto& row : rows) {
    std::string line = indent;
    for (std::size_t k = 0; k < row.size(); ++k) line += pad(row[k], width[k] + 2);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string format_summary(const std::string& indicator, const out::Summary& s) {
  if (s.n == 0) return "n/a";
  const Display d = display_of(indicator, {s});
  const std::string unit = d.unit == "%" ? "%" : d.unit.empty() ? "" : " " + d.unit;
  std::string t = format_number(s.mean * d.scale, d.decimals) + unit;
  if (!std::isnan(s.ci_low))
    t += " [" + format_number(s.ci_low * d.scale, d.decimals) + ", " + format_number(s.ci_high * d.scale, d.decimals) + "]";
  return t;
}

std::string format_difference(const std::string& indicator, double d, bool plus_sign, double largest) {
  if (std::isnan(d)) return "n/a";
  out::Summary one;
  one.n = 1, one.mean = std::isnan(largest) ? d : largest;
  const Display disp = display_of(indicator, {one});
  // Differences of shares below a percentage point keep two decimals.
  const int decimals = disp.scale == 100 && std::fabs(one.mean) < 0.01 ? 2 : disp.decimals;
  return format_number(d * disp.scale, decimals, plus_sign) + (disp.diff_unit.empty() ? "" : " " + disp.diff_unit);
}

std::string format_difference_interval(const std::string& indicator, const out::Summary& d) {
  if (d.n == 0 || std::isnan(d.mean)) return "n/a";
  double largest = std::fabs(d.mean);
  for (double x : {d.ci_low, d.ci_high})
    if (!std::isnan(x)) largest = std::max(largest, std::fabs(x));
  const Display disp = display_of(indicator, {});
  auto num = [&](double x) {
    const std::string t = format_difference(indicator, x, true, largest);
    return disp.diff_unit.empty() ? t : t.substr(0, t.size() - disp.diff_unit.size() - 1);
  };
  std::string t = num(d.mean);
  if (!std::isnan(d.ci_low)) t += " [" + num(d.ci_low) + ", " + num(d.ci_high) + "]";
  return t + (disp.diff_unit.empty() ? "" : " " + disp.diff_unit);
}

Difference indicator_difference(const ScenarioSummary& a, const ScenarioSummary& b, const std::string& indicator) {
  const auto x = a.headline.find(indicator), y = b.headline.find(indicator);
  if (x == a.headline.end() || y == b.headline.end()) return Difference{out::Summary{}, false};
  const out::OutputSpec* o = out::find_output(out::OutputKind::Headline, indicator);
  return difference(x->second, a.replicates, y->second, b.replicates, a.seed == b.seed,
                    o ? o->scale() : out::Scale{});
}

std::vector<std::string> headline_order(const std::vector<ScenarioSummary>& s) {
  std::set<std::string> all;
  for (const auto& x : s)
    for (const auto& [k, v] : x.headline) all.insert(k);
  std::vector<std::string> inds;
  for (const auto* o : out::outputs_of(out::OutputKind::Headline)) {
    const bool had = all.erase(o->name) > 0;
    if (had && !o->is_companion()) inds.push_back(o->name);  // denominators go beside their indicator
  }
  for (const auto& k : all) inds.push_back(k);  // not in the table (older files): by name
  return inds;
}

namespace {

// Every cell of a comparison table [indicators][scenarios], computed once: values, differences
// from the first, verdicts and, with a robustness, each difference's cell and verdict side.
std::vector<std::vector<Cell>> table_cells(const std::vector<ScenarioSummary>& s, const std::vector<std::string>& inds,
                                           bool diffs, const Robustness* robustness) {
  std::vector<std::vector<Cell>> cells(inds.size(), std::vector<Cell>(s.size()));
  for (std::size_t k = 0; k < inds.size(); ++k) {
    const std::string& ind = inds[k];
    const out::OutputSpec* o = out::find_output(out::OutputKind::Headline, ind);
    const out::Scale range = o ? o->scale() : out::Scale{};
    const out::OutputSpec* den = o ? o->denominator_output() : nullptr;
    for (std::size_t i = 0; i < s.size(); ++i) {
      Cell& c = cells[k][i];
      auto it = s[i].headline.find(ind);
      c.value = summarize(it == s[i].headline.end() ? std::vector<double>{} : it->second, range);
      if (c.value.n == 0) c.na = undefined_reason(s[i], ind);
      if (den) {
        auto dn = s[i].headline.find(den->name);
        if (dn != s[i].headline.end() && !dn->second.empty()) c.denominator = summarize(dn->second).mean;
      }
      if (too_few(c.denominator)) c.few = too_few_reason(c.denominator);
      else if (diffs && i > 0 && too_few(cells[k][0].denominator))
        c.few = too_few_reason(cells[k][0].denominator, s[0].name);
      if (!diffs || i == 0) continue;
      if (it == s[i].headline.end() || !s[0].headline.count(ind)) continue;
      c.diff = indicator_difference(s[0], s[i], ind);
      c.has_diff = true;
      const double mid = o ? o->mid_against(cells[k][0].value.mean) : std::nan("");
      c.verdict = !c.few.empty() ? Verdict::Undefined : verdict(c.diff.summary, mid);
      if (c.verdict != Verdict::Undefined) c.side = verdict_side(c.diff.summary.mean, mid);
      if (robustness && c.verdict != Verdict::Undefined) c.robust = robustness->cell(s[i].name, ind);
    }
  }
  return cells;
}

}  // namespace

out::RobustnessTable robustness_table(const std::vector<ScenarioSummary>& s, const Robustness& r) {
  out::RobustnessTable t;
  t.baseline = s.empty() ? "" : s[0].name;
  t.points = r.points, t.replicates = r.replicates, t.seed = r.seed, t.threshold = r.threshold;
  t.assumptions = r.parameters;
  const std::vector<std::string> inds = headline_order(s);
  const auto cells = table_cells(s, inds, s.size() > 1, &r);
  for (std::size_t k = 0; k < inds.size(); ++k)
    for (std::size_t i = 1; i < s.size(); ++i) {
      const Cell& c = cells[k][i];
      const double share = c.robust ? c.robust->share(c.side) : std::nan("");
      if (std::isnan(share)) continue;  // no verdict, or no point with one: no row
      t.rows.push_back({s[i].name, inds[k], share, c.side, c.robust->defined(), c.robust->rests_on});
    }
  return t;
}

std::optional<Robustness> stored_robustness(const std::vector<ScenarioSummary>& s, const out::RobustnessTable& t) {
  if (s.size() < 2 || t.baseline != s[0].name) return std::nullopt;
  Robustness r;
  for (const auto& x : s) r.scenarios.push_back(x.name);
  r.indicators = headline_order(s);
  r.parameters = t.assumptions;
  r.points = t.points, r.replicates = t.replicates, r.seed = t.seed, r.threshold = t.threshold;
  r.cells.assign((s.size() - 1) * r.indicators.size(), RobustnessCell{});
  const auto cells = table_cells(s, r.indicators, true, nullptr);  // the verdicts of this table
  for (const auto& row : t.rows)
    for (std::size_t i = 1; i < s.size(); ++i)
      for (std::size_t k = 0; k < r.indicators.size(); ++k) {
        if (s[i].name != row.scenario || r.indicators[k] != row.indicator) continue;
        if (cells[k][i].verdict == Verdict::Undefined || cells[k][i].side != row.verdict_side) continue;
        RobustnessCell& c = r.cells[(i - 1) * r.indicators.size() + k];
        const int n = row.defined_points, on = static_cast<int>(std::lround(row.robust_share * n));
        c.side[static_cast<std::size_t>(row.verdict_side + 1)] = on;
        c.side[static_cast<std::size_t>((row.verdict_side + 2) % 3)] = n - on;  // the others, on another side
        c.rests_on = row.rests_on;
      }
  return r;
}

std::string comparison_table(const std::vector<ScenarioSummary>& s, TableFormat fmt, const TableOptions& opt) {
  const std::vector<std::string> inds = headline_order(s);
  const bool diffs = opt.differences && s.size() > 1;
  const auto cells = table_cells(s, inds, diffs, opt.robustness);
  std::ostringstream os;
  const std::string base = s.empty() ? "" : s[0].name;

  if (fmt == TableFormat::Csv) {
    std::vector<std::string> levers;  // swept parameters, in order of first appearance
    for (const auto& x : s)
      for (const auto& [key, v] : x.levers)
        if (std::find(levers.begin(), levers.end(), key) == levers.end()) levers.push_back(key);
    os << "scenario,indicator,unit,mean,ci_low,ci_high,n,diff,diff_ci_low,diff_ci_high";
    for (const auto& l : levers) os << "," << csv_cell(l);
    os << ",paired,verdict,denominator_n,na_reason,label" << (opt.robustness ? ",robust_share,rests_on" : "") << "\n";
    // One row: scenario i's value (or none), its difference from the first (or none), the rest.
    auto row = [&](std::size_t i, const std::string& ind, const std::string& unit, const out::Summary* value,
                   const out::Summary* diff, const std::string& paired, const std::string& verdict_text,
                   double denominator, const std::string& na, const std::string& label, const Cell* robust) {
      os << csv_cell(s[i].name) << "," << csv_cell(ind) << "," << csv_cell(unit) << ",";
      if (value) os << csv_number(value->mean) << "," << csv_number(value->ci_low) << "," << csv_number(value->ci_high);
      else os << ",,";
      os << "," << (value ? value->n : diff ? diff->n : 0) << ",";
      if (diff) os << csv_number(diff->mean) << "," << csv_number(diff->ci_low) << "," << csv_number(diff->ci_high);
      else os << ",,";
      for (const auto& l : levers) {
        os << ",";
        for (const auto& [key, v] : s[i].levers)
          if (key == l) os << csv_cell(v);
      }
      os << "," << paired << "," << verdict_text << "," << csv_number(denominator) << "," << csv_cell(na) << ","
         << csv_cell(label);
      if (opt.robustness) {
        os << ",";
        if (robust && robust->robust) {
          std::string rests;
          for (const auto& p : robust->robust->rests_on) rests += (rests.empty() ? "" : ";") + p;
          os << csv_number(robust->robust->share(robust->side)) << "," << csv_cell(rests);
        } else {
          os << ",";
        }
      }
      os << "\n";
    };
    for (std::size_t k = 0; k < inds.size(); ++k) {
      const out::OutputSpec* o = out::find_output(out::OutputKind::Headline, inds[k]);
      for (std::size_t i = 0; i < s.size(); ++i) {
        const Cell& c = cells[k][i];
        const bool dd = c.has_diff && c.diff.summary.n > 0;
        row(i, inds[k], o ? o->unit : "", &c.value, c.has_diff ? &c.diff.summary : nullptr,
            dd ? (c.diff.paired ? "true" : "false") : "", dd && c.few.empty() ? verdict_name(c.verdict) : "",
            c.denominator, c.value.n == 0 ? c.na : c.few, o ? o->label : "", &c);
      }
    }
    // Value for money: each scenario against the first (sim/run/economics.hpp).
    for (std::size_t i = 1; diffs && i < s.size(); ++i)
      for (const ValueRow& v : value_for_money(s[0], s[i]))
        row(i, v.indicator, v.unit, nullptr, &v.value, v.value.n > 0 ? "true" : "",
            cost_effect_name(v.status), std::nan(""), v.na, v.label, nullptr);
    return os.str();
  }

  // Scenario names: long ones (sweep points) become S1, S2, ... with a legend.
  std::size_t longest = 0;
  for (const auto& x : s) longest = std::max(longest, text_width(x.name));
  const bool keyed = longest > 28;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < s.size(); ++i) names.push_back(keyed ? "S" + std::to_string(i + 1) : s[i].name);
  std::string head;
  {
    std::ostringstream h;
    std::string t = "Mean and 95% interval over replicates";
    if (diffs)
      t += "; difference from " + (keyed ? names[0] + " (" + base + ")" : base) +
           ", paired by replicate when the seeds agree (common random numbers)";
    h << wrap(t + ".");
    if (keyed)
      for (std::size_t i = 0; i < s.size(); ++i) h << "  " << names[i] << " = " << s[i].name << "\n";
    head = h.str();
  }
  const std::string legend =
      diffs ? "important: the interval excludes zero and the difference is at least the smallest a planner would "
              "act on (MID, docs/outputs.md); negligible: smaller than that, or the interval stays within +-MID; "
              "unclear: the interval includes zero and reaches beyond +-MID. Intervals keep to each indicator's "
              "range (docs/statistics.md).\n"
            : "Intervals keep to each indicator's range (docs/statistics.md).\n";

  auto title_of = [&](std::size_t k, const Display& d) {
    const out::OutputSpec* o = d.spec;
    std::string t = o ? o->label : inds[k];
    std::string u = d.unit;
    if (o && o->better != out::Better::Neither) u += (u.empty() ? "" : "; ") + std::string(out::better_name(o->better)) + " is better";
    if (!u.empty()) t += " (" + u + ")";
    return t;
  };
  auto denominator_note = [&](const Display& d) -> std::string {
    if (!d.spec || !d.spec->policy_denominator()) return "";
    return "among " + d.spec->counted + " (a denominator the policy changes; n: its mean size per replicate)";
  };
  auto value_text = [&](const Cell& c, const Display& d) {
    if (c.value.n == 0) return "n/a (" + c.na + ")";
    if (too_few(c.denominator)) return "n/a (" + c.few + ")";
    return mean_ci(c.value, d);
  };
  auto diff_text = [&](const Cell& c, const Display& d) -> std::string {
    if (!c.has_diff) return "";
    if (c.diff.summary.n == 0 || !c.few.empty()) return "n/a";
    std::string t = format_number(c.diff.summary.mean * d.scale, d.decimals, true);
    if (!std::isnan(c.diff.summary.ci_low))
      t += " [" + format_number(c.diff.summary.ci_low * d.scale, d.decimals, true) + ", " +
           format_number(c.diff.summary.ci_high * d.scale, d.decimals, true) + "]";
    if (d.diff_unit == "pp") t += " pp";  // other units: as in the indicator's title
    if (!c.diff.paired) t += " unpaired";
    return t;
  };
  auto verdict_text = [&](const Cell& c, const Display& d) -> std::string {
    if (!c.has_diff || c.verdict == Verdict::Undefined) return "";
    std::string t = verdict_name(c.verdict);
    if (c.verdict == Verdict::Important && d.spec && d.spec->better != out::Better::Neither)
      t += (c.diff.summary.mean > 0) == (d.spec->better == out::Better::Higher) ? ", better" : ", worse";
    return t;
  };
  auto n_text = [&](const Cell& c) { return std::isnan(c.denominator) ? "" : "n = " + format_number(c.denominator, 0); };
  const bool robust = diffs && opt.robustness;
  auto robust_text = [&](const Cell& c) -> std::string { return c.robust ? robustness_text(*c.robust, c.side) : ""; };

  if (fmt == TableFormat::Markdown) {
    os << head << "\n| indicator | scenario | mean [95% CI] |";
    if (diffs) os << " difference [95% CI] | verdict |";
    if (robust) os << " robustness |";
    os << " denominator |\n|---|---|---|" << (diffs ? "---|---|" : "") << (robust ? "---|" : "") << "---|\n";
    for (std::size_t k = 0; k < inds.size(); ++k) {
      std::vector<out::Summary> means;
      for (const auto& c : cells[k]) means.push_back(c.value);
      const Display d = display_of(inds[k], means);
      for (std::size_t i = 0; i < s.size(); ++i) {
        const Cell& c = cells[k][i];
        std::string n = d.spec && d.spec->policy_denominator() ? n_text(c) : "";
        os << "| " << (i == 0 ? title_of(k, d) : "") << " | " << names[i] << " | " << value_text(c, d) << " |";
        if (diffs) os << " " << diff_text(c, d) << " | " << verdict_text(c, d) << " |";
        if (robust) os << " " << markdown_cell(robust_text(c)) << " |";
        os << " " << n << " |\n";
      }
    }
    os << "\n";
    std::istringstream lines(legend);
    for (std::string l; std::getline(lines, l);) os << l << "  \n";
    if (robust) os << robustness_legend(*opt.robustness);
    for (std::size_t k = 0; k < inds.size(); ++k) {
      const Display d = display_of(inds[k], {});
      if (!denominator_note(d).empty()) os << "Denominator of \"" << d.spec->label << "\": " << denominator_note(d) << ".  \n";
    }
    if (diffs) os << value_for_money_section(s, names, true);
    return os.str();
  }

  // Text: one block per indicator.
  os << head << "\n";
  for (std::size_t k = 0; k < inds.size(); ++k) {
    std::vector<out::Summary> means;
    for (const auto& c : cells[k]) means.push_back(c.value);
    const Display d = display_of(inds[k], means);
    os << title_of(k, d) << "\n";
    const std::string note = denominator_note(d);
    if (!note.empty()) os << "  " << wrap(note, 94, 2);
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const Cell& c = cells[k][i];
      std::vector<std::string> r = {names[i], value_text(c, d)};
      if (diffs) r.push_back(diff_text(c, d)), r.push_back(verdict_text(c, d));
      if (!note.empty()) r.push_back(n_text(c));
      if (robust) r.push_back(c.robust ? "robustness " + robust_text(c) : "");
      rows.push_back(r);
    }
    std::vector<std::size_t> w(rows.front().size(), 0);
    for (const auto& r : rows)
      for (std::size_t j = 0; j < r.size(); ++j) w[j] = std::max(w[j], text_width(r[j]));
    for (const auto& r : rows) {
      std::string line = "  ";
      for (std::size_t j = 0; j < r.size(); ++j) line += j + 1 < r.size() ? pad(r[j], w[j] + 2) : r[j];
      while (!line.empty() && line.back() == ' ') line.pop_back();
      os << line << "\n";
    }
    os << "\n";
  }
  os << wrap(legend);
  if (robust) os << wrap(robustness_legend(*opt.robustness));
  if (diffs) os << value_for_money_section(s, names, false);
  return os.str();
}

// ---- The robustness result (sim/run/robustness_result.hpp)

namespace {
constexpr double kNaNShare = std::numeric_limits<double>::quiet_NaN();
}  // namespace

double RobustnessCell::share(int on) const {
  const int n = defined();
  return n > 0 && on >= -1 && on <= 1 ? static_cast<double>(side[static_cast<std::size_t>(on + 1)]) / n : kNaNShare;
}

const RobustnessCell* Robustness::cell(const std::string& scenario, const std::string& indicator) const {
  for (std::size_t d = 1; d < scenarios.size(); ++d)
    if (scenarios[d] == scenario)
      for (std::size_t o = 0; o < indicators.size(); ++o)
        if (indicators[o] == indicator) return &cells[(d - 1) * indicators.size() + o];
  return nullptr;
}

std::string robustness_text(const RobustnessCell& c, int side) {
  const double share = c.share(side);
  if (std::isnan(share)) return "n/a";
  std::string t = format_number(share, 2);
  for (std::size_t i = 0; i < c.rests_on.size(); ++i) t += (i ? "; " : " (rests on: ") + c.rests_on[i];
  return c.rests_on.empty() ? t : t + ")";
}

std::string share_percent(double share) {
  if (std::isnan(share)) return "n/a";
  char b[16];  // rounded down, so that 100% means every point
  std::snprintf(b, sizeof b, "%.0f%%", share == 1 ? 100.0 : std::floor(share * 100));
  return b;
}

std::string robustness_legend(const Robustness& r) {
  char thr[16];
  std::snprintf(thr, sizeof thr, "%.2f", r.threshold);
  return "robustness: the share of " + std::to_string(r.points) + " points of a Latin hypercube (seed " +
         std::to_string(r.seed) + ") over the plausible ranges of " + std::to_string(r.parameters.size()) +
         " assumptions where the difference keeps its verdict (better, worse or negligible: its paired mean over " +
         std::to_string(r.replicates) + (r.replicates == 1 ? " replicate" : " replicates") +
         " against the MID); rests on: the assumptions that move it most (Spearman's |rho| of at least " + thr +
         ", most first; docs/robustness.md).\n";
}

}  // namespace percorsi
