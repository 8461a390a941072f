#include "sim/stats/stats.hpp"
#include "viz/core.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <filesystem>
#include <iostream>
#include <limits>

#include "sim/registry/outputs.hpp"
#include "output/validate.hpp"
#include "sim/engine/world.hpp"  // state names (kHousingNames, kGroupNames)
#include "sim/registry/scenario.hpp"
#include "sim/run/robustness_result.hpp"  // share_percent
#include "sim/run/runner.hpp"
#include "sim/run/tables.hpp"
#include <yaml-cpp/yaml.h>

namespace percorsi::viz {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string printf_str(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}
// A headline's values per replicate without the undefined ones (none when it cannot be read).
std::vector<double> defined_values(const std::vector<double>* v) {
  std::vector<double> o;
  if (v)
    for (double x : *v)
      if (!std::isnan(x)) o.push_back(x);
  return o;
}
}  // namespace

// ---- Series statistics -------------------------------------------------------------------

std::vector<double> territory_sum(const std::vector<double>& values, int territories, const std::vector<bool>& mask) {
  if (territories <= 0) return {};
  const std::size_t T = static_cast<std::size_t>(territories), weeks = values.size() / T;
  std::vector<double> out(weeks, 0.0);
  for (std::size_t w = 0; w < weeks; ++w)
    for (std::size_t t = 0; t < T; ++t)
      if (mask.empty() || (t < mask.size() && mask[t])) out[w] += values[w * T + t];
  return out;
}

Band band(const std::vector<std::vector<double>>& replicates, int territories, const std::vector<bool>& mask,
          out::Scale range) {
  Band b;
  if (replicates.empty()) return b;
  std::vector<std::vector<double>> sums;
  std::size_t weeks = std::numeric_limits<std::size_t>::max();
  for (const auto& r : replicates) {
    sums.push_back(territory_sum(r, territories, mask));
    weeks = std::min(weeks, sums.back().size());
  }
  std::vector<double> xs;
  for (std::size_t w = 0; w < weeks; ++w) {
    xs.clear();
    for (const auto& s : sums)
      if (!std::isnan(s[w])) xs.push_back(s[w]);
    const out::Summary m = summarize(xs, range);
    b.mean.push_back(xs.empty() ? kNaN : m.mean);
    b.lo.push_back(xs.empty() ? kNaN : m.ci_low);
    b.hi.push_back(xs.empty() ? kNaN : m.ci_high);
  }
  return b;
}

// ---- Axes ----------------------------------------------------------------------------------

double nice_step(double range, int max_ticks) {
  if (!(range > 0) || !std::isfinite(range)) return 1.0;
  const double raw = range / std::max(1, max_ticks);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  return (norm <= 1.0 ? 1.0 : norm <= 2.0 ? 2.0 : norm <= 5.0 ? 5.0 : 10.0) * mag;
}

std::vector<double> nice_ticks(double lo, double hi, int max_ticks) {
  std::vector<double> t;
  if (!std::isfinite(lo) || !std::isfinite(hi) || hi < lo) return t;
  const double step = nice_step(hi - lo, max_ticks);
  const double first = std::ceil(lo / step - 1e-9) * step;
  for (int k = 0; k < 1000; ++k) {
    const double v = first + k * step;
    if (v > hi + step * 1e-9) break;
    t.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  }
  return t;
}

std::string tick_label(double v, double step) {
  if (std::fabs(v) < std::fabs(step) * 1e-9) v = 0;
  auto decimals = [](double s) { return std::max(0, static_cast<int>(std::ceil(-std::log10(s) - 1e-9))); };
  std::string fmt;
  if (step >= 1e5) {
    fmt = "%." + std::to_string(decimals(step / 1e6)) + "fM";
    return printf_str(fmt.c_str(), v / 1e6);
  }
  if (step >= 1e3 && std::fabs(v) >= 1e4) {
    fmt = "%." + std::to_string(decimals(step / 1e3)) + "fk";
    return printf_str(fmt.c_str(), v / 1e3);
  }
  fmt = "%." + std::to_string(decimals(step)) + "f";
  return printf_str(fmt.c_str(), v);
}

std::string format_value(double v) {
  if (std::isnan(v)) return "n/a";
  const double a = std::fabs(v);
  if (a >= 1e6) return printf_str("%.2fM", v / 1e6);
  if (a >= 1e4) return printf_str("%.1fk", v / 1e3);
  if (a >= 100) return printf_str("%.0f", v);
  if (a >= 1) return printf_str("%.2f", v);
  return printf_str("%.3g", v);
}

// ---- Calendar time -----------------------------------------------------------------------

Calendar calendar_of(const std::string& start_date) {
  Calendar c;
  c.known = days_of_date(start_date, c.start_day);
  return c;
}

namespace {
const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
// Year and month (1-12) of a day.
void year_month(long day, int& y, int& m) {
  const std::string d = date_of_days(day);
  y = std::stoi(d.substr(0, 4));
  m = std::stoi(d.substr(5, 2));
}
long first_of_month(int y, int m) {
  char b[48];
  std::snprintf(b, sizeof b, "%04d-%02d-01", y, m);
  long d = 0;
  days_of_date(b, d);
  return d;
}
}  // namespace

std::vector<Tick> calendar_ticks(const Calendar& c, double w0, double w1, int max_ticks) {
  std::vector<Tick> out;
  if (!(w1 > w0)) return out;
  max_ticks = std::max(2, max_ticks);
  if (!c.known) {
    const double step = nice_step(w1 - w0, max_ticks);
    for (double v : nice_ticks(w0, w1, max_ticks)) out.push_back({v, tick_label(v, step)});
    return out;
  }
  const double days = (w1 - w0) * 7.0;
  int step = 1;  // months
  for (int s : {1, 2, 3, 6, 12, 24, 60})
    if ((step = s), days / (30.44 * s) <= max_ticks) break;
  int y = 0, m = 0;
  year_month(c.start_day + static_cast<long>(std::floor(w0 * 7.0)), y, m);
  // Start at a month aligned with the step (January for years, quarters at Jan/Apr/Jul/Oct).
  int mi = y * 12 + (m - 1);
  const int align = std::min(step, 12);
  mi = (mi + align - 1) / align * align;
  if (step > 12) mi = (mi / step + (mi % step ? 1 : 0)) * step;
  for (int k = 0; k < 1000; ++k, mi += step) {
    const int yy = mi / 12, mm = mi % 12 + 1;
    const double week = (first_of_month(yy, mm) - c.start_day) / 7.0;
    if (week > w1 + 1e-9) break;
    if (week < w0 - 1e-9) continue;
    std::string label;
    label = step >= 12 ? std::to_string(yy) : std::string(kMonths[mm - 1]) + " " + std::to_string(yy);
    out.push_back({week, label});
  }
  return out;
}

namespace {
// "16 Mar 2020": the first day of a week of a known calendar.
std::string date_of_week(const Calendar& c, int week) {
  const std::string d = date_of_days(c.start_day + 7L * week);
  return std::to_string(std::stoi(d.substr(8, 2))) + " " + kMonths[std::stoi(d.substr(5, 2)) - 1] + " " + d.substr(0, 4);
}
}  // namespace

std::string week_text(const Calendar& c, int week) {
  std::string s = "week " + std::to_string(week);
  return c.known ? s + " (" + date_of_week(c, week) + ")" : s;
}

std::vector<Tick> time_ticks(const Calendar& c, double w0, double w1, float width, float label_width) {
  return calendar_ticks(c, w0, w1, std::clamp(static_cast<int>(width / std::max(1.f, label_width)), 2, 14));
}

std::string span_text(const Calendar& c, int from, int to) {
  const std::string weeks = "weeks " + std::to_string(from) + "-" + std::to_string(to);
  return c.known ? date_of_week(c, from) + " to " + date_of_week(c, to) + " (" + weeks + ")" : weeks;
}

std::vector<EventSpan> merge_events(const std::vector<RawEvent>& events) {
  std::vector<RawEvent> es = events;
  std::stable_sort(es.begin(), es.end(), [](const RawEvent& a, const RawEvent& b) { return a.start < b.start; });
  auto first_word = [](const std::string& n) { return n.substr(0, n.find_first_of("_ -")); };
  std::vector<EventSpan> out;
  std::vector<int> members;  // events merged into each span
  for (const auto& e : es) {
    auto detail = [&] {
      char f[32];
      std::snprintf(f, sizeof f, "%g", e.factor);
      return e.name + ": " + e.target + " x" + f;
    };
    bool merged = false;
    for (std::size_t i = 0; i < out.size() && !merged; ++i)
      if (first_word(out[i].label) == first_word(e.name) && e.start <= out[i].end && e.end >= out[i].start) {
        out[i].start = std::min(out[i].start, e.start);
        out[i].end = std::max(out[i].end, e.end);
        out[i].label = first_word(e.name);
        out[i].detail += "\n" + detail();
        ++members[i];
        merged = true;
      }
    if (!merged) {
      out.push_back({e.name, e.start, e.end, detail()});
      members.push_back(1);
    }
  }
  for (auto& e : out) e.label = human_name(e.label);
  return out;
}

void read_calendar(ScenarioData& d) {
  d.calendar = {};
  d.events.clear();
  d.warnings.clear();
  if (d.info.resolved_yaml.empty()) return;
  try {
    Scenario sc = parse_scenario(d.info.resolved_yaml, "<" + d.info.name + " as it ran>");
    // The resolved text writes every value; one at its registry default was set by no file, so
    // it is not counted as set (its warnings would be noise: hf_share under the step model).
    for (const ParamSpec& p : registry()) {
      auto unset_default = [&](Value& v) {
        if (v.text == p.default_text) v.origin.line = 0;
      };
      if (p.scope == Scope::Global) unset_default(sc.global[static_cast<std::size_t>(p.index)]);
      if (p.scope == Scope::Territory)
        for (auto& t : sc.territories) unset_default(t.v[static_cast<std::size_t>(p.index)]);
    }
    d.calendar = calendar_of(sc.at(G::start_date).text);
    std::vector<RawEvent> raw;
    const double weeks = std::max(1, d.info.weeks);
    for (const auto& e : sc.events) {
      RawEvent r;
      r.name = e.at(E::name).text;
      r.target = e.at(E::target).text;
      r.factor = e[E::factor];
      r.start = std::clamp(e[E::start], 0.0, weeks);
      r.end = std::clamp(e[E::end], 0.0, weeks);
      if (r.end > r.start) raw.push_back(r);
    }
    d.events = merge_events(raw);
    d.warnings.clear();
    for (const auto& w : sc.warnings()) d.warnings.push_back(warning_text(w));
  } catch (const std::exception&) {
    // A file of another version: weeks only, no events.
  }
}

// ---- Indicators ----------------------------------------------------------------------------

namespace {
const out::OutputSpec* series_spec(const std::string& s) { return out::find_output(out::OutputKind::Series, s); }
const out::OutputSpec* headline_spec(const std::string& s) { return out::find_output(out::OutputKind::Headline, s); }
// A headline indicator of that name, else a weekly series.
const out::OutputSpec* any_spec(const std::string& s) {
  const auto* o = headline_spec(s);
  return o ? o : series_spec(s);
}
}  // namespace

std::string series_unit(const std::string& s) {
  const auto* o = series_spec(s);
  return o ? o->unit : std::string();
}

std::string series_label(const std::string& s) {
  const auto* o = series_spec(s);
  return o ? o->label : s;
}

std::string series_meaning(const std::string& s) {
  const auto* o = series_spec(s);
  return o ? out::dictionary_meaning(*o) : std::string();
}

std::string indicator_unit(const std::string& ind) {
  const auto* o = headline_spec(ind);
  return o ? o->unit : std::string();
}

std::string indicator_label(const std::string& ind) {
  const auto* o = headline_spec(ind);
  return o ? o->label : ind;
}

std::string indicator_policy_denominator(const std::string& ind) {
  const auto* o = headline_spec(ind);
  return o && o->policy_denominator() ? o->counted : std::string();
}

int better_direction(const std::string& ind) {
  const auto* o = any_spec(ind);
  return o ? o->direction() : 0;
}

double min_important_difference(const std::string& ind) {
  const auto* o = any_spec(ind);
  return o ? o->mid : kNaN;
}

bool is_share(const std::string& ind) {
  const auto* o = any_spec(ind);
  return o && o->is_share();
}

Scaled scaled(const std::string& ind) {
  Scaled s;
  if (is_share(ind)) return {100.0, "%", "pp"};
  const auto* o = any_spec(ind);
  s.value_unit = s.diff_unit = o ? o->unit : std::string();
  return s;
}

std::string value_text(const std::string& ind, const out::Summary& s) {
  if (s.n == 0 || std::isnan(s.mean)) return "n/a";
  const Scaled k = scaled(ind);
  const std::string pct = k.value_unit == "%" ? "%" : "";
  auto f = [&](double v) { return format_value(v * k.factor) + pct; };
  return f(s.mean) + " [" + f(s.ci_low) + ", " + f(s.ci_high) + "]";
}

std::string difference_text(const std::string& ind, const out::Summary& d) {
  if (std::isnan(d.mean)) return "n/a";
  const Scaled k = scaled(ind);
  auto f = [&](double v) { return (v * k.factor > 0 ? "+" : "") + format_value(v * k.factor); };
  return f(d.mean) + (k.diff_unit.empty() ? "" : " " + k.diff_unit) + " [" + f(d.ci_low) + ", " + f(d.ci_high) + "]";
}

std::string funnel_text(Catalog& cat, int s, const std::string& step) {
  const std::string ind = "fc_" + step;
  const out::OutputSpec* spec = out::find_output(out::OutputKind::Headline, ind);
  return value_text(ind, summarize(defined_values(cat.headline(s, ind)), spec ? spec->scale() : out::Scale{}));
}

// ---- Labels --------------------------------------------------------------------------------

std::vector<std::string> wrap_label(const std::string& text, float max_width,
                                    const std::function<float(const std::string&)>& width) {
  // Pieces that end at a break character.
  std::vector<std::string> pieces;
  std::string cur;
  for (char ch : text) {
    cur += ch;
    if (std::strchr(":_= ,/", ch)) pieces.push_back(cur), cur.clear();
  }
  if (!cur.empty()) pieces.push_back(cur);
  std::vector<std::string> lines;
  std::string line;
  for (const auto& piece : pieces) {
    if (line.empty() || width(line + piece) <= max_width) {
      line += piece;
    } else {
      lines.push_back(line);
      line = piece;
    }
    // A piece wider than the whole width is cut between characters.
    while (width(line) > max_width && line.size() > 1) {
      std::size_t n = line.size() - 1;
      while (n > 1 && width(line.substr(0, n)) > max_width) --n;
      lines.push_back(line.substr(0, n));
      line = line.substr(n);
    }
  }
  if (!line.empty() || lines.empty()) lines.push_back(line);
  for (auto& l : lines)
    while (!l.empty() && l.back() == ' ') l.pop_back();
  return lines;
}

std::string warning_text(const std::string& line) {
  const auto at = line.find("warning: ");
  return at == std::string::npos ? line : line.substr(at + 9);
}

std::string human_name(const std::string& id) {
  std::string s = id;
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

const std::vector<std::string>& group_codes() {
  static const std::vector<std::string> c = {"H", "D", "MH", "Mi", "CL", "LTU", "VV", "EO", "SU"};
  static_assert(std::size(kGroupNames) == 9, "one code per target group");
  return c;
}

// ---- People --------------------------------------------------------------------------------

PeopleTable people_table(const std::vector<out::PersonColumn>& columns) {
  std::size_t n = 0;
  for (const auto& c : columns) n = std::max(n, c.size());
  auto find = [&](const std::string& name) -> const out::PersonColumn* {
    for (const auto& c : columns)
      if (c.name == name) return &c;
    return nullptr;
  };
  auto ints = [&](const std::string& name, std::int32_t missing) {
    std::vector<std::int32_t> v(n, missing);
    if (const auto* c = find(name))
      for (std::size_t i = 0; i < c->size(); ++i)
        v[i] = c->is_int ? c->ints[i] : static_cast<std::int32_t>(c->reals[i]);
    return v;
  };
  PeopleTable t;
  t.id = ints("id", -1);
  if (!find("id"))
    for (std::size_t i = 0; i < n; ++i) t.id[i] = static_cast<std::int32_t>(i);
  t.territory = ints("territory", -1);
  t.groups = ints("groups", 0);
  t.housing_final = ints("housing_final", -1);
  t.entry = ints("entry_week", -1);
  t.exit = ints("exit_week", -1);
  t.first_stable = ints("first_stable_week", -1);
  t.returns = ints("returns_to_street", 0);
  t.age = ints("age", -1);
  static const char* kWeeks[6] = {"weeks_street",  "weeks_shelter", "weeks_transitional",
                                  "weeks_hf_flat", "weeks_housed",  "weeks_institution"};
  static_assert(std::size(kWeeks) == std::size(kHousingNames), "one column per housing state");
  t.weeks.assign(n, {0, 0, 0, 0, 0, 0});
  for (int h = 0; h < 6; ++h) {
    const auto v = ints(kWeeks[h], 0);
    for (std::size_t i = 0; i < n; ++i) t.weeks[i][h] = v[i];
  }
  t.cost.assign(n, kNaN);
  if (const auto* c = find("cost"))
    for (std::size_t i = 0; i < c->size(); ++i) t.cost[i] = c->is_int ? c->ints[i] : c->reals[i];
  return t;
}

void attach_timeline(PeopleTable& t, const std::vector<out::PersonColumn>& timeline) {
  t.changes.clear();
  t.change_begin.clear();
  const out::PersonColumn* col[5] = {};
  const char* names[5] = {"person", "week", "housing", "case", "work"};
  for (const auto& c : timeline)
    for (int k = 0; k < 5; ++k)
      if (c.name == names[k] && c.is_int) col[k] = &c;
  for (const auto* c : col)
    if (!c || c->size() != col[0]->size()) return;
  // Row of each person id, then the changes grouped by row (a stable counting sort).
  std::map<std::int32_t, std::uint32_t> row_of;
  for (std::size_t r = 0; r < t.size(); ++r) row_of[t.id[r]] = static_cast<std::uint32_t>(r);
  std::vector<std::uint32_t> begin(t.size() + 1, 0);
  std::vector<std::int64_t> row(col[0]->size(), -1);
  for (std::size_t i = 0; i < col[0]->size(); ++i)
    if (auto it = row_of.find(col[0]->ints[i]); it != row_of.end()) row[i] = it->second, begin[it->second + 1]++;
  for (std::size_t r = 1; r < begin.size(); ++r) begin[r] += begin[r - 1];
  t.change_begin = begin;
  t.changes.resize(begin.back());
  for (std::size_t i = 0; i < row.size(); ++i)
    if (row[i] >= 0)
      t.changes[begin[static_cast<std::size_t>(row[i])]++] = {col[1]->ints[i], col[2]->ints[i], col[3]->ints[i],
                                                               col[4]->ints[i]};
}

std::vector<int> filter_people(const PeopleTable& t, const PeopleFilter& f) {
  std::vector<int> rows;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (f.groups && (static_cast<std::uint32_t>(t.groups[i]) & f.groups) != f.groups) continue;
    if (f.housing >= 0 && t.housing_final[i] != f.housing) continue;
    if (f.territory >= 0 && t.territory[i] != f.territory) continue;
    if (f.active_only && t.exit[i] >= 0) continue;
    rows.push_back(static_cast<int>(i));
  }
  return rows;
}

// ---- Sources -------------------------------------------------------------------------------

void Catalog::error(const std::string& message) {
  std::cerr << "percorsi-viz: error: " << message << "\n";
  errors_.push_back(message);
}

bool Catalog::open(const std::string& path) {
  std::error_code ec;
  const auto canon = std::filesystem::weakly_canonical(path, ec).string();
  if (std::find(files_.begin(), files_.end(), canon) != files_.end()) return true;
  try {
    out::validate_results(path, false, out::Isolation::here);  // nothing is drawn from damaged data (the viewer has threads: checked here)
    auto rd = std::make_shared<const out::Reader>(path);
    const auto names = rd->scenarios();
    if (names.empty()) throw out::ReadError("'" + path + "' holds no scenarios");
    std::vector<ScenarioData> add;
    const std::string file = std::filesystem::path(path).filename().string();
    std::shared_ptr<const out::RobustnessTable> robustness;
    if (auto rb = rd->robustness()) robustness = std::make_shared<const out::RobustnessTable>(std::move(*rb));
    for (const auto& name : names) {
      ScenarioData d;
      d.info = rd->scenario(name);
      d.label = name + " [" + file + "]";
      d.origin = path;
      d.replicates = rd->replicates(name);
      d.weekly_names = rd->weekly_names(name);
      d.person_columns = rd->person_columns(name);
      d.headline_names = rd->headline_names(name);
      d.reader = rd;
      d.robustness = robustness;
      read_calendar(d);
      add.push_back(std::move(d));
    }
    for (auto& d : add) scenarios_.push_back(std::move(d));
    files_.push_back(canon);
    return true;
  } catch (const std::exception& e) {
    error(e.what());
    return false;
  }
}

int Catalog::add_live(const std::string& label, out::ScenarioInfo info, std::vector<out::ReplicateResult> reps) {
  ScenarioData d;
  d.label = label;
  d.origin = "live";
  d.info = std::move(info);
  for (const auto& r : reps) d.replicates.push_back(r.replicate);
  if (!reps.empty()) {
    for (const auto& w : reps[0].weekly) d.weekly_names.push_back(w.name);
    for (const auto& c : reps[0].persons) d.person_columns.push_back(c.name);
    for (const auto& [k, v] : reps[0].headline) d.headline_names.push_back(k);
    if (d.info.territories.empty()) d.info.territories = reps[0].territories;
  }
  d.live = std::move(reps);
  read_calendar(d);
  scenarios_.push_back(std::move(d));
  return size() - 1;
}

const std::vector<std::vector<double>>* Catalog::weekly(int s, const std::string& series) {
  if (s < 0 || s >= size()) return nullptr;
  ScenarioData& d = scenarios_[s];
  if (std::find(d.weekly_names.begin(), d.weekly_names.end(), series) == d.weekly_names.end()) return nullptr;
  auto it = d.weekly_cache.find(series);
  if (it == d.weekly_cache.end()) {
    std::vector<std::vector<double>> reps;
    try {
      if (d.reader) {
        for (int r : d.replicates) reps.push_back(d.reader->weekly(d.info.name, r, series));
      } else {
        for (const auto& r : d.live)
          for (const auto& w : r.weekly)
            if (w.name == series) reps.push_back(w.values);
      }
    } catch (const std::exception& e) {
      error(e.what());
      reps.clear();
    }
    it = d.weekly_cache.emplace(series, std::move(reps)).first;
  }
  return it->second.empty() ? nullptr : &it->second;
}

const std::vector<double>* Catalog::headline(int s, const std::string& indicator) {
  if (s < 0 || s >= size()) return nullptr;
  ScenarioData& d = scenarios_[s];
  if (std::find(d.headline_names.begin(), d.headline_names.end(), indicator) == d.headline_names.end()) return nullptr;
  auto it = d.headline_cache.find(indicator);
  if (it == d.headline_cache.end()) {
    std::vector<double> v;
    try {
      if (d.reader) {
        v = d.reader->headline(d.info.name, indicator);
      } else {
        for (const auto& r : d.live) {
          auto h = r.headline.find(indicator);
          v.push_back(h == r.headline.end() ? kNaN : h->second);
        }
      }
    } catch (const std::exception& e) {
      error(e.what());
      v.clear();
    }
    it = d.headline_cache.emplace(indicator, std::move(v)).first;
  }
  return it->second.empty() ? nullptr : &it->second;
}

const PeopleTable* Catalog::people(int s, int replicate) {
  if (s < 0 || s >= size()) return nullptr;
  ScenarioData& d = scenarios_[s];
  auto it = d.people_cache.find(replicate);
  if (it == d.people_cache.end()) {
    PeopleTable t;
    try {
      if (d.reader) {
        static const std::set<std::string> kUsed = {"id",
                                                    "territory",
                                                    "groups",
                                                    "housing_final",
                                                    "entry_week",
                                                    "exit_week",
                                                    "first_stable_week",
                                                    "returns_to_street",
                                                    "age",
                                                    "cost",
                                                    "weeks_street",
                                                    "weeks_shelter",
                                                    "weeks_transitional",
                                                    "weeks_hf_flat",
                                                    "weeks_housed",
                                                    "weeks_institution"};
        std::vector<out::PersonColumn> cols;
        for (const auto& c : d.person_columns)
          if (kUsed.count(c)) cols.push_back(d.reader->person_column(d.info.name, replicate, c));
        t = people_table(cols);
        attach_timeline(t, d.reader->timeline(d.info.name, replicate));
      } else {
        for (const auto& r : d.live)
          if (r.replicate == replicate) {
            t = people_table(r.persons);
            attach_timeline(t, r.timeline);
          }
      }
    } catch (const std::exception& e) {
      error(e.what());
      t = PeopleTable{};
    }
    it = d.people_cache.emplace(replicate, std::move(t)).first;
  }
  return it->second.size() ? &it->second : nullptr;
}

namespace {
template <class F>
std::vector<std::string> union_of(const std::vector<ScenarioData>& ss, F&& names) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& s : ss)
    for (const auto& n : names(s))
      if (seen.insert(n).second) out.push_back(n);
  return out;
}
}  // namespace

std::vector<std::string> Catalog::weekly_names() const {
  return union_of(
      scenarios_, [](const ScenarioData& s) -> const auto& { return s.weekly_names; });
}
std::vector<std::string> Catalog::headline_names() const {
  return union_of(
      scenarios_, [](const ScenarioData& s) -> const auto& { return s.headline_names; });
}
std::vector<std::string> Catalog::territories() const {
  return union_of(
      scenarios_, [](const ScenarioData& s) -> const auto& { return s.info.territories; });
}

std::vector<bool> territory_mask(const out::ScenarioInfo& info, const std::set<std::string>& selected) {
  if (selected.empty()) return {};
  std::vector<bool> m(info.territories.size(), false);
  for (std::size_t t = 0; t < m.size(); ++t) m[t] = selected.count(info.territories[t]) > 0;
  return m;
}

Band Catalog::band(int s, const std::string& series, const std::set<std::string>& territories) {
  const auto* w = weekly(s, series);
  if (!w) return {};
  const auto& info = scenarios_[s].info;
  const out::OutputSpec* o = out::find_output(out::OutputKind::Series, series);
  return viz::band(*w, static_cast<int>(info.territories.size()), territory_mask(info, territories),
                   o ? o->scale() : out::Scale{});
}

// ---- Comparison ----------------------------------------------------------------------------

std::string unlike_runs(Catalog& cat, const std::vector<int>& ss) {
  std::vector<ScenarioSummary> shapes;
  for (int s : ss) {
    if (s < 0 || s >= cat.size()) continue;
    const out::ScenarioInfo& info = cat.scenarios()[s].info;
    ScenarioSummary x;
    x.name = info.name;
    x.weeks = info.weeks;
    x.territories = info.territories;
    try {  // the start date, from the resolved scenario the file keeps
      const YAML::Node y = YAML::Load(info.resolved_yaml);
      if (y.IsMap() && y["start_date"]) x.start_date = y["start_date"].as<std::string>();
    } catch (const YAML::Exception&) {
    }
    shapes.push_back(std::move(x));
  }
  return comparability_problem(shapes);
}

std::string RobustnessNote::text(bool compact) const {
  std::string rests;
  for (const auto& p : rests_on) rests += (rests.empty() ? "" : ", ") + p;
  switch (kind) {
    case None:
      return "";
    case Shown:
      return "robust in " + share_percent(share) + (compact ? "" : " of plausible assumptions") +
             (!rests.empty() ? "; rests on " + rests : compact ? "" : "; no single assumption moves it");
    case NotComputed:
      return compact ? "robustness not computed" : "robustness not computed: run compare --robustness";
    case Stale:
      return compact ? "robustness stale (live run)"
                     : "robustness stale: levers changed in a live run (rerun compare --robustness)";
    case OtherBaseline:
      return compact ? "robustness vs " + baseline + " only" : "robustness computed against " + baseline + " only";
    case NoVerdict:
      return "robustness n/a (no verdict)";
  }
  return "";
}

RobustnessNote robustness_note(const Catalog& cat, int base, int s, const std::string& indicator, Verdict meaning,
                               int side) {
  RobustnessNote n;
  const auto& ss = cat.scenarios();
  if (s == base || s < 0 || base < 0 || s >= cat.size() || base >= cat.size()) return n;
  const ScenarioData &b = ss[static_cast<std::size_t>(base)], &d = ss[static_cast<std::size_t>(s)];
  if (d.origin == "live") {
    // Its levers changed: the file's robustness is not its own. Said only where there was one.
    n.kind = b.robustness ? RobustnessNote::Stale : RobustnessNote::NotComputed;
    return n;
  }
  if (!d.robustness) {
    n.kind = RobustnessNote::NotComputed;
    return n;
  }
  if (b.robustness != d.robustness || d.robustness->baseline != b.info.name) {
    n.kind = RobustnessNote::OtherBaseline;
    n.baseline = d.robustness->baseline;
    return n;
  }
  const out::RobustnessRow* r = d.robustness->find(d.info.name, indicator);
  if (meaning == Verdict::Undefined || !r || r->verdict_side != side) {
    n.kind = RobustnessNote::NoVerdict;
    return n;
  }
  n.kind = RobustnessNote::Shown;
  n.share = r->robust_share;
  n.rests_on = r->rests_on;
  return n;
}

std::string robustness_legend(const Catalog& cat, const std::vector<int>& ss) {
  const out::RobustnessTable* t = nullptr;
  bool live = false;
  for (int s : ss)
    if (s >= 0 && s < cat.size()) {
      const ScenarioData& d = cat.scenarios()[static_cast<std::size_t>(s)];
      live = live || d.origin == "live";
      if (!t && d.robustness) t = d.robustness.get();
    }
  if (!t) return "robustness not computed: run percorsi compare --robustness --out FILE.h5";
  return "robust in N%: the verdict holds at N% of " + std::to_string(t->points) +
         " points over the plausible ranges of " + std::to_string(t->assumptions.size()) +
         " assumptions; rests on: those that move it most" +
         (live ? "; live runs: stale (levers changed)" : "");
}

std::vector<CompareRow> compare(Catalog& cat, const std::vector<int>& ss) {
  const bool like = unlike_runs(cat, ss).empty();  // else no differences: they would mislead
  // The output table's order; names it does not know follow by name.
  const std::vector<std::string>& kOrder = out::output_names(out::OutputKind::Headline);
  std::vector<std::string> names;
  std::set<std::string> all;
  for (int s : ss)
    if (s >= 0 && s < cat.size())
      for (const auto& n : cat.scenarios()[s].headline_names) all.insert(n);
  for (const auto& k : kOrder) {
    const out::OutputSpec* o = out::find_output(out::OutputKind::Headline, k);
    if (all.erase(k) && !(o && o->is_companion())) names.push_back(k);  // sizes go beside their indicator
  }
  names.insert(names.end(), all.begin(), all.end());

  const auto clean = defined_values;
  std::vector<CompareRow> rows;
  for (const auto& ind : names) {
    CompareRow row;
    row.indicator = ind;
    const std::vector<double>* base = ss.empty() ? nullptr : cat.headline(ss[0], ind);
    const out::OutputSpec* spec = out::find_output(out::OutputKind::Headline, ind);
    const out::Scale range = spec ? spec->scale() : out::Scale{};
    const out::OutputSpec* den = spec && spec->policy_denominator() ? spec->denominator_output() : nullptr;
    for (std::size_t i = 0; i < ss.size(); ++i) {
      const auto* v = cat.headline(ss[i], ind);
      row.value.push_back(summarize(clean(v), range));
      // Why n/a (the same reasons as the command line's tables).
      std::string na;
      if (row.value.back().n == 0) {
        const auto& info = cat.scenarios()[ss[i]].info;
        if (!v) na = "not in the results";
        else if (spec && spec->window > 0 && info.weeks < spec->window)
          na = "horizon too short: needs " + std::to_string(spec->window) + " weeks, the run has " + std::to_string(info.weeks);
        else na = "no one counted" + (spec ? ": " + spec->counted : std::string());
      }
      row.na.push_back(na);
      if (den)
        if (const auto* dn = cat.headline(ss[i], den->name))
          row.denominator += std::string(row.denominator.empty() ? "n = " : " | ") +
                             format_value(summarize(clean(dn)).mean);
      Difference d;
      int verdict = 0, side = 0;
      Verdict meaning = Verdict::Undefined;
      if (like && i > 0 && base && v && !clean(base).empty() && !clean(v).empty()) {
        const auto &a = cat.scenarios()[ss[0]], &b = cat.scenarios()[ss[i]];
        d = difference(*base, a.replicates, *v, b.replicates, a.info.seed == b.info.seed, range);
        const double mid = spec ? spec->mid_against(row.value[0].mean) : kNaN;
        meaning = percorsi::verdict(d.summary, mid);
        side = verdict_side(d.summary.mean, mid);
        const int dir = better_direction(ind);
        const double m = d.summary.mean;
        if (dir != 0 && m != 0 && !std::isnan(m) && meaning != Verdict::Undefined)
          verdict = (m * dir > 0 ? 1 : -1) * (meaning == Verdict::Important ? 2 : 1);
      } else {
        d.summary.mean = d.summary.ci_low = d.summary.ci_high = kNaN;
      }
      row.diff.push_back(d);
      row.verdict.push_back(verdict);
      row.meaning.push_back(meaning);
      // A difference without a verdict (n/a) has no robustness to speak of.
      row.robustness.push_back(i == 0 || meaning == Verdict::Undefined ? RobustnessNote{}
                                                                       : robustness_note(cat, ss[0], ss[i], ind, meaning, side));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace percorsi::viz
