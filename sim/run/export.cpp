#include "sim/run/export.hpp"
#include "sim/run/csv.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>

#include "output/files.hpp"
#include "output/reader.hpp"
#include "output/validate.hpp"
#include "sim/model/state.hpp"
#include "sim/run/runner.hpp"
#include "sim/run/tables.hpp"

namespace percorsi {

namespace {

std::string cell(const std::string& x) { return csv_cell(x); }

// The tables of an export, in the order they are written.
constexpr const char* kExportTables[] = {"scenarios.csv", "weekly.csv", "persons.csv", "headline.csv", "summary.csv"};

template <std::size_t N>
std::string name_of(const char* const (&names)[N], long long v) {
  return v >= 0 && static_cast<std::size_t>(v) < N ? names[v] : std::to_string(v);
}

std::string errno_reason() { return errno ? std::strerror(errno) : "write failed"; }

// Writes one table under the staging folder: every write and the close checked.
void write_table(const std::filesystem::path& p, const std::function<void(std::ostream&)>& fill) {
  errno = 0;
  std::ofstream f(p);
  if (!f) throw std::runtime_error(p.string() + ": cannot create: " + errno_reason());
  fill(f);
  f.flush();
  if (!f) throw std::runtime_error(p.string() + ": cannot write: " + errno_reason());
  f.close();
  if (f.fail()) throw std::runtime_error(p.string() + ": cannot close: " + errno_reason());
}

}  // namespace

std::string person_value_label(const std::string& column, long long v, const std::vector<std::string>& territories) {
  const bool code = column == "territory" || column == "groups" || column.rfind("housing_", 0) == 0 ||
                    column.rfind("work_", 0) == 0 || column == "case_final" || column == "pathway_final" ||
                    column == "first_stable_week" || column == "first_job_week" || column == "exit_week";
  if (code && v < 0) return "";  // -1: not reached, never, still present
  if (column == "territory")
    return v >= 0 && static_cast<std::size_t>(v) < territories.size() ? territories[v] : std::to_string(v);
  if (column == "groups") {
    std::string s;
    for (std::size_t b = 0; b < std::size(kGroupNames); ++b)
      if (v & (1LL << b)) s += (s.empty() ? "" : ";") + std::string(kGroupNames[b]);
    return s;
  }
  if (column.rfind("housing_", 0) == 0) return name_of(kHousingNames, v);
  if (column.rfind("work_", 0) == 0) return name_of(kWorkNames, v);
  if (column == "case_final") return name_of(kCaseNames, v);
  if (column == "pathway_final") return name_of(kEmpPhaseNames, v);
  return std::to_string(v);
}

namespace {

void write_tables(const out::Reader& rd, const std::string& h5_path, const std::vector<std::string>& scenarios,
                  const std::filesystem::path& dir) {
  {  // scenarios.csv
    std::vector<std::string> levers;
    for (const auto& s : read_summaries(h5_path))
      for (const auto& [k, v] : s.levers)
        if (std::find(levers.begin(), levers.end(), k) == levers.end()) levers.push_back(k);
    write_table(dir / "scenarios.csv", [&](std::ostream& f) {
      f << "scenario,seed,replicates,weeks,start_date,territories";
      for (const auto& l : levers) f << "," << cell(l);
      f << "\n";
      for (const auto& s : read_summaries(h5_path)) {
        std::string terr;
        for (const auto& t : s.territories) terr += (terr.empty() ? "" : ";") + t;
        f << cell(s.name) << "," << s.seed << "," << s.replicates.size() << "," << s.weeks << "," << s.start_date << ","
          << cell(terr);
        for (const auto& l : levers) {
          f << ",";
          for (const auto& [k, v] : s.levers)
            if (k == l) f << cell(v);
        }
        f << "\n";
      }
    });
  }
  {  // weekly.csv (long)
    write_table(dir / "weekly.csv", [&](std::ostream& f) {
      f << "scenario,replicate,week,territory,series,value\n";
      for (const auto& sc : scenarios) {
        const out::ScenarioInfo info = rd.scenario(sc);
        const std::size_t T = info.territories.size();
        for (int r : rd.replicates(sc))
          for (const auto& series : rd.weekly_names(sc)) {
            const std::vector<double> v = rd.weekly(sc, r, series);
            for (std::size_t i = 0; i < v.size(); ++i)
              f << cell(sc) << "," << r << "," << i / T << "," << cell(info.territories[i % T]) << "," << series << ","
                << csv_number(v[i]) << "\n";
          }
      }
    });
  }
  {  // persons.csv (one row per person and replicate, labelled categories)
    write_table(dir / "persons.csv", [&](std::ostream& f) {
      std::vector<std::string> cols;
      for (const auto& sc : scenarios)
        for (const auto& c : rd.person_columns(sc))
          if (std::find(cols.begin(), cols.end(), c) == cols.end()) cols.push_back(c);
      f << "scenario,replicate";
      for (const auto& c : cols) f << "," << c;
      f << "\n";
      for (const auto& sc : scenarios) {
        const out::ScenarioInfo info = rd.scenario(sc);
        const auto have = rd.person_columns(sc);
        for (int r : rd.replicates(sc)) {
          std::vector<out::PersonColumn> data;
          std::size_t rows = 0;
          for (const auto& c : cols) {
            data.push_back(std::find(have.begin(), have.end(), c) != have.end() ? rd.person_column(sc, r, c)
                                                                                 : out::PersonColumn{c, true, {}, {}});
            rows = std::max(rows, data.back().size());
          }
          for (std::size_t p = 0; p < rows; ++p) {
            f << cell(sc) << "," << r;
            for (const auto& d : data) {
              f << ",";
              if (p >= d.size()) continue;
              if (d.is_int) f << cell(person_value_label(d.name, d.ints[p], info.territories));
              else f << csv_number(d.reals[p]);
            }
            f << "\n";
          }
        }
      }
    });
  }
  {  // headline.csv (one value per replicate)
    write_table(dir / "headline.csv", [&](std::ostream& f) {
      f << "scenario,replicate,indicator,value\n";
      for (const auto& sc : scenarios) {
        const auto reps = rd.replicates(sc);
        for (const auto& ind : rd.headline_names(sc)) {
          const auto v = rd.headline(sc, ind);
          for (std::size_t i = 0; i < v.size() && i < reps.size(); ++i)
            f << cell(sc) << "," << reps[i] << "," << ind << "," << csv_number(v[i]) << "\n";
        }
      }
    });
  }
  {  // summary.csv: the tidy comparison (differences only between comparable scenarios)
    const auto sums = combine_summaries(read_summaries(h5_path));
    TableOptions o;
    o.differences = comparability_problem(sums).empty();
    write_table(dir / "summary.csv", [&](std::ostream& f) {
      f << comparison_table(sums, TableFormat::Csv, o);
    });
  }
}

}  // namespace


std::vector<std::string> export_csv(const std::string& h5_path, const std::string& dir_path, bool force) {
  namespace fs = std::filesystem;
  const fs::path dir(dir_path);
  std::error_code ec;
  if (!force)
    for (const char* t : kExportTables)
      out::refuse_existing((dir / t).string(), false, "a table of an earlier export");
  out::validate_results(h5_path);  // nothing is written from damaged data
  out::Reader rd(h5_path);
  const auto scenarios = rd.scenarios();
  // The tables are written in "<dir>.tmp-<pid>" beside the folder, and moved into it when all
  // are complete (a killed export's staging folder is removed by the next export).
  out::remove_stale_temporaries(dir_path);
  const fs::path stage = out::temporary_of(dir_path);
  if (dir.has_parent_path()) fs::create_directories(dir.parent_path(), ec);
  fs::remove_all(stage, ec);
  if (!fs::create_directory(stage, ec) || ec)
    throw std::runtime_error(stage.string() + ": cannot create the staging folder: " + ec.message());
  try {
    write_tables(rd, h5_path, scenarios, stage);
    if (!fs::exists(dir, ec)) {
      out::rename_into_place(stage.string(), dir_path);  // one step: the folder appears complete
    } else {
      for (const char* t : kExportTables) out::rename_into_place((stage / t).string(), (dir / t).string());
      fs::remove_all(stage, ec);
    }
  } catch (...) {
    fs::remove_all(stage, ec);
    throw;
  }
  std::vector<std::string> written;
  for (const char* t : kExportTables) written.push_back((dir / t).string());
  return written;
}

std::string describe_results(const std::string& h5_path, bool all) {
  out::Reader rd(h5_path);
  if (all) return rd.describe();
  std::ostringstream os;
  const out::Provenance p = rd.provenance();
  const auto sums = read_summaries(h5_path);
  os << h5_path << ": " << sums.size() << (sums.size() == 1 ? " scenario" : " scenarios") << ", "
     << (p.shard == "all" ? "complete run" : p.shard == "task" ? "one task of a run" : "shard " + p.shard + " of a run")
     << " (percorsi " << p.program_version << ", " << p.start_time << ", " << format_number(p.wall_seconds, 1)
     << " s)\n";
  // The headline values shown: a few, those most planners ask first.
  const char* headline[] = {"stably_housed_12m", "employed_12m", "job_retained_12m", "cost_per_person"};
  std::string last_shape, last_groups;
  for (const auto& s : sums) {
    std::string terr;
    for (const auto& t : s.territories) terr += (terr.empty() ? "" : ", ") + t;
    const std::string shape = std::to_string(s.weeks) + " weeks from " + (s.start_date.empty() ? "?" : s.start_date) +
                              "; " + std::to_string(s.territories.size()) + " territories: " + terr;
    os << "\n" << s.name << ": " << s.replicates.size() << " replicates, seed " << s.seed << "\n";
    if (!s.levers.empty()) {
      os << "  levers:";
      for (const auto& [k, v] : s.levers) os << " " << k << " = " << v << ";";
      os.seekp(-1, std::ios_base::cur);
      os << "\n";
    }
    if (shape != last_shape) os << "  horizon " << shape << "\n";
    last_shape = shape;
    // Target groups with their sizes: people ever present, mean per replicate.
    std::map<int, double> size;
    const auto reps = rd.replicates(s.name);
    const auto cols = rd.person_columns(s.name);
    if (!reps.empty() && std::find(cols.begin(), cols.end(), "groups") != cols.end()) {
      for (int r : reps) {
        const out::PersonColumn g = rd.person_column(s.name, r, "groups");
        for (auto v : g.ints)
          for (std::size_t b = 0; b < std::size(kGroupNames); ++b)
            if (v & (1 << b)) size[int(b)] += 1.0 / double(reps.size());
      }
      std::string groups;
      for (const auto& [b, n] : size) groups += (groups.empty() ? "" : ";") + std::string(kGroupNames[b]) + " " + format_number(n, 0);
      if (groups != last_groups) {  // wrapped at about 96 characters
        std::string line = "  groups (people ever present, mean per replicate):";
        std::istringstream parts(groups);
        for (std::string part; std::getline(parts, part, ';');) {
          if (line.size() + part.size() + 2 > 96) os << line << "\n", line = "   ";
          line += " " + part + ";";
        }
        line.pop_back();
        os << line << "\n";
      }
      last_groups = groups;
    }
    for (const char* ind : headline) {
      auto it = s.headline.find(ind);
      if (it == s.headline.end()) continue;
      const out::Summary su = summarize(it->second, std::string(ind));
      const out::OutputSpec* o = out::find_output(out::OutputKind::Headline, ind);
      os << "  " << (o ? o->label : ind) << ": "
         << (su.n == 0 ? "n/a (" + undefined_reason(s, ind) + ")" : format_summary(ind, su)) << "\n";
    }
  }
  if (const auto rb = rd.robustness())
    os << "\nRobustness (/robustness): " << rb->rows.size() << " differences from '" << rb->baseline
       << "', each with the share of " << rb->points << " points over the plausible ranges of "
       << rb->assumptions.size() << " assumptions where its verdict holds (compare --robustness)\n";
  os << "\n(percorsi info --all lists every dataset; percorsi compare " << h5_path
     << " gives every indicator; percorsi export " << h5_path << " --out DIR writes CSV tables)\n";
  return os.str();
}

}  // namespace percorsi
