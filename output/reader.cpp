// The HDF5 reader. Layout: output/dictionary.csv.
#include "output/reader.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "output/dictionary.hpp"
#include "output/h5_detail.hpp"
#include "sim/registry/outputs.hpp"

namespace percorsi::out {

using namespace detail;

Handle detail::open_readonly(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw ReadError("cannot open '" + path + "': no such file");
  if (std::filesystem::is_directory(path, ec)) throw ReadError("cannot open '" + path + "': is a directory");
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, file_access());
  if (f < 0) throw ReadError("'" + path + "' is not a readable HDF5 file (" + h5_reason() + ")");
  return Handle(f);
}

namespace {

constexpr int kFormatVersion = 1;

std::string rep_name(int replicate) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "r%04d", replicate);
  return buf;
}

// " - <meaning>" from the dictionary, or "" when the path is not in it.
std::string meaning(const std::string& concrete) {
  const DictEntry* e = find_entry(dictionary(), generic_path(concrete));
  return e && !e->meaning.empty() ? "  - " + e->meaning : "";
}

// " - <label> (<unit>)" from the output table (with who is counted when the policy changes it),
// or the dictionary's meaning for a name the table does not know.
std::string label(OutputKind k, const std::string& name, const std::string& concrete) {
  const OutputSpec* o = find_output(k, name);
  if (!o) return meaning(concrete);
  return "  - " + o->label_with_unit() + (o->policy_denominator() ? "; among " + o->counted + " (depends on the policy)" : "");
}

}  // namespace

struct Reader::Impl {
  std::string path;
  Handle file;

  // Runs one public operation: serialized HDF5 use; H5Failure becomes ReadError naming the file.
  template <class F>
  auto run(F&& f) const -> decltype(f()) {
    Session session;
    try {
      return f();
    } catch (const H5Failure& e) {
      throw ReadError(path + ": " + e.what());
    }
  }

  std::string scenario_path(const std::string& name) const {
    const std::string p = "/scenarios/" + name;
    if (!exists(file, p)) throw H5Failure("group " + p + ": no such scenario");
    return p;
  }
  std::string replicate_path(const std::string& scenario, int r) const {
    const std::string p = scenario_path(scenario) + "/replicates/" + rep_name(r);
    if (!exists(file, p)) throw H5Failure("group " + p + ": no such replicate");
    return p;
  }

  std::vector<int> replicates(const std::string& scenario) const {
    const std::string g = scenario_path(scenario) + "/replicates";
    std::vector<int> out;
    for (const auto& n : children(file, g)) {
      if (n.size() < 5 || n[0] != 'r' || n.find_first_not_of("0123456789", 1) != std::string::npos)
        throw H5Failure("group " + g + ": unexpected member '" + n + "'");
      out.push_back(std::stoi(n.substr(1)));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // Members of one sub-group (weekly, persons, headline) of the first replicate.
  std::vector<std::string> first_replicate_members(const std::string& scenario, const std::string& sub) const {
    const std::vector<int> reps = replicates(scenario);
    if (reps.empty()) return {};
    return children(file, replicate_path(scenario, reps.front()) + "/" + sub);
  }

  std::vector<double> weekly(const std::string& scenario, int r, const std::string& series) const {
    const std::string p = replicate_path(scenario, r) + "/weekly/" + series;
    std::vector<hsize_t> dims;
    std::vector<double> v = read_float64(file, p, &dims);
    if (dims.size() != 2) throw H5Failure("dataset " + p + ": expected shape [weeks, territories], found " + shape(dims));
    return v;
  }

  PersonColumn person_column(const std::string& scenario, int r, const std::string& column,
                             const char* group = "persons") const {
    const std::string p = replicate_path(scenario, r) + "/" + group + "/" + column;
    std::vector<hsize_t> dims;
    PersonColumn c;
    c.name = column;
    Handle d = open_dataset(file, p);
    Handle t(check(H5Dget_type(d), "dataset " + p));
    c.is_int = H5Tget_class(t) == H5T_INTEGER;
    if (c.is_int) c.ints = read_int32(file, p, &dims);
    else c.reals = read_float64(file, p, &dims);
    if (dims.size() != 1) throw H5Failure("dataset " + p + ": expected a 1-D column, found shape " + shape(dims));
    return c;
  }

  double scalar(const std::string& p) const {
    const std::vector<double> v = read_float64(file, p);
    if (v.size() != 1) throw H5Failure("dataset " + p + ": expected a single value, found " + std::to_string(v.size()));
    return v[0];
  }

  std::optional<Summary> summary(const std::string& scenario, const std::string& indicator) const {
    const std::string g = scenario_path(scenario) + "/summary";
    if (!exists(file, g)) return std::nullopt;
    const std::string p = g + "/" + indicator;
    Handle d = open_dataset(file, p);
    Summary s;
    s.n = int(read_attr_int(d, p, "n"));
    s.mean = read_attr_float64(d, p, "mean");
    s.sd = read_attr_float64(d, p, "sd");
    s.ci_low = read_attr_float64(d, p, "ci_low");
    s.ci_high = read_attr_float64(d, p, "ci_high");
    return s;
  }
};

Reader::Reader(const std::string& path) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  Session session;
  Handle file = open_readonly(path);  // declared after session: closed under the lock on failure
  const std::string not_ours = "'" + path + "' is not a Percorsi results file";
  try {
    Handle root(check(H5Gopen2(file, "/", H5P_DEFAULT), "group /"));
    if (!has_attr(root, "format") || read_attr_string(root, "/", "format") != "percorsi-results")
      throw ReadError(not_ours);
    const std::int64_t v = read_attr_int(root, "/", "format_version");
    if (v > kFormatVersion)
      throw ReadError("'" + path + "' has format_version " + std::to_string(v) +
                      ", newer than this program reads (" + std::to_string(kFormatVersion) + ")");
  } catch (const H5Failure& e) {
    throw ReadError(not_ours + " (" + e.what() + ")");
  }
  impl_->file = std::move(file);
}

Reader::~Reader() {
  if (impl_) {
    Session session;
    impl_.reset();
  }
}

Reader::Reader(Reader&& o) noexcept = default;

Reader& Reader::operator=(Reader&& o) noexcept {
  if (this != &o) {
    Session session;  // the old file is closed here
    impl_ = std::move(o.impl_);
  }
  return *this;
}

const std::string& Reader::path() const { return impl_->path; }

Provenance Reader::provenance() const {
  return impl_->run([&] {
    Handle root(check(H5Gopen2(impl_->file, "/", H5P_DEFAULT), "group /"));
    Provenance p;
    p.program_version = read_attr_string(root, "/", "program_version");
    p.git_commit = read_attr_string(root, "/", "git_commit");
    p.command_line = read_attr_string(root, "/", "command_line");
    p.threads = int(read_attr_int(root, "/", "threads"));
    p.start_time = read_attr_string(root, "/", "start_time");
    p.wall_seconds = read_attr_float64(root, "/", "wall_seconds");
    // Files written before shards and MPI runs existed hold complete single-process runs.
    if (has_attr(root, "shard")) p.shard = read_attr_string(root, "/", "shard");
    if (has_attr(root, "ranks")) p.ranks = int(read_attr_int(root, "/", "ranks"));
    return p;
  });
}

std::vector<std::string> Reader::scenarios() const {
  return impl_->run([&] {
    return exists(impl_->file, "/scenarios") ? children(impl_->file, "/scenarios") : std::vector<std::string>{};
  });
}

ScenarioInfo Reader::scenario(const std::string& name) const {
  return impl_->run([&] {
    const std::string p = impl_->scenario_path(name);
    Handle g = open_group(impl_->file, p);
    ScenarioInfo s;
    s.name = name;
    s.resolved_yaml = read_attr_string(g, p, "scenario_yaml");
    s.source_file = read_attr_string(g, p, "source_file");
    s.seed = read_attr_uint64(g, p, "seed");
    s.replicates = int(read_attr_int(g, p, "replicates"));
    s.weeks = int(read_attr_int(g, p, "weeks"));
    s.territories = read_strings(impl_->file, p + "/territories");
    if (has_attr(g, "sweep")) s.sweep = read_attr_string(g, p, "sweep");
    return s;
  });
}

std::vector<int> Reader::replicates(const std::string& scenario) const {
  return impl_->run([&] { return impl_->replicates(scenario); });
}

std::vector<std::string> Reader::weekly_names(const std::string& scenario) const {
  return impl_->run([&] { return impl_->first_replicate_members(scenario, "weekly"); });
}

std::vector<std::string> Reader::person_columns(const std::string& scenario) const {
  return impl_->run([&] { return impl_->first_replicate_members(scenario, "persons"); });
}

std::vector<std::string> Reader::headline_names(const std::string& scenario) const {
  return impl_->run([&] { return impl_->first_replicate_members(scenario, "headline"); });
}

std::vector<double> Reader::weekly(const std::string& scenario, int replicate, const std::string& series) const {
  return impl_->run([&] { return impl_->weekly(scenario, replicate, series); });
}

std::vector<PersonColumn> Reader::timeline(const std::string& scenario, int replicate) const {
  return impl_->run([&] {
    std::vector<PersonColumn> cols;
    const std::string p = impl_->replicate_path(scenario, replicate) + "/timeline";
    if (!exists(impl_->file, p)) return cols;
    for (const auto& n : children(impl_->file, p)) cols.push_back(impl_->person_column(scenario, replicate, n, "timeline"));
    return cols;
  });
}

PersonColumn Reader::person_column(const std::string& scenario, int replicate, const std::string& column) const {
  return impl_->run([&] { return impl_->person_column(scenario, replicate, column); });
}

std::vector<double> Reader::headline(const std::string& scenario, const std::string& indicator) const {
  return impl_->run([&] {
    std::vector<double> v;
    for (int r : impl_->replicates(scenario))
      v.push_back(impl_->scalar(impl_->replicate_path(scenario, r) + "/headline/" + indicator));
    return v;
  });
}

std::optional<Summary> Reader::summary(const std::string& scenario, const std::string& indicator) const {
  return impl_->run([&] { return impl_->summary(scenario, indicator); });
}

std::vector<std::string> Reader::weekly_summary_names(const std::string& scenario) const {
  return impl_->run([&] {
    const std::string g = impl_->scenario_path(scenario) + "/summary/weekly";
    return exists(impl_->file, g) ? children(impl_->file, g) : std::vector<std::string>{};
  });
}

std::optional<WeeklySummary> Reader::weekly_summary(const std::string& scenario, const std::string& series) const {
  return impl_->run([&]() -> std::optional<WeeklySummary> {
    const std::string g = impl_->scenario_path(scenario) + "/summary/weekly";
    if (!exists(impl_->file, g)) return std::nullopt;
    const std::string p = g + "/" + series;
    if (!exists(impl_->file, p)) throw H5Failure("group " + p + ": no such series in the weekly summary");
    WeeklySummary w;
    w.series = series;
    std::vector<hsize_t> dims;
    w.mean = read_float64(impl_->file, p + "/mean", &dims);
    if (dims.size() != 2) throw H5Failure("dataset " + p + "/mean: expected shape [weeks, territories], found " + shape(dims));
    w.weeks = int(dims[0]);
    w.territories = int(dims[1]);
    for (auto [name, v] : {std::pair{"sd", &w.sd}, std::pair{"ci_low", &w.ci_low}, std::pair{"ci_high", &w.ci_high}}) {
      std::vector<hsize_t> d;
      *v = read_float64(impl_->file, p + "/" + name, &d);
      if (d != dims) throw H5Failure("dataset " + p + "/" + name + ": shape " + shape(d) + " differs from mean's " + shape(dims));
    }
    std::vector<hsize_t> d;
    w.n = read_int32(impl_->file, p + "/n", &d);
    if (d != dims) throw H5Failure("dataset " + p + "/n: shape " + shape(d) + " differs from mean's " + shape(dims));
    return w;
  });
}

ReplicateResult Reader::replicate(const std::string& scenario, int replicate) const {
  return impl_->run([&] {
    const Impl& m = *impl_;
    const std::string p = m.replicate_path(scenario, replicate);
    const ScenarioInfo info = this->scenario(scenario);
    Handle g = open_group(m.file, p);
    ReplicateResult r;
    r.replicate = int(read_attr_int(g, p, "replicate"));
    r.seed = read_attr_uint64(g, p, "seed");
    r.wall_seconds = read_attr_float64(g, p, "wall_seconds");
    r.weeks = info.weeks;
    r.territories = info.territories;
    for (const auto& n : children(m.file, p + "/weekly")) r.weekly.push_back({n, m.weekly(scenario, replicate, n)});
    for (const auto& n : children(m.file, p + "/persons")) r.persons.push_back(m.person_column(scenario, replicate, n));
    if (exists(m.file, p + "/timeline"))
      for (const auto& n : children(m.file, p + "/timeline"))
        r.timeline.push_back(m.person_column(scenario, replicate, n, "timeline"));
    for (const auto& n : children(m.file, p + "/headline")) r.headline[n] = m.scalar(p + "/headline/" + n);
    return r;
  });
}

std::optional<RobustnessTable> Reader::robustness() const { return read_robustness_table(path()); }

std::string Reader::describe() const {
  return impl_->run([&] {
    const Impl& m = *impl_;
    std::ostringstream o;
    const Provenance pv = provenance();
    Handle root(check(H5Gopen2(m.file, "/", H5P_DEFAULT), "group /"));
    o << m.path << "\n"
      << "  format:          " << read_attr_string(root, "/", "format") << ", format_version "
      << read_attr_int(root, "/", "format_version") << "\n"
      << "  program_version: " << pv.program_version << "\n"
      << "  git_commit:      " << pv.git_commit << "\n"
      << "  command_line:    " << pv.command_line << "\n"
      << "  threads:         " << pv.threads << "\n"
      << "  start_time:      " << pv.start_time << "\n"
      << "  wall_seconds:    " << num(pv.wall_seconds) << "\n"
      << "  ranks:           " << pv.ranks << "\n"
      << "  shard:           " << pv.shard
      << (pv.shard == "all"    ? " (a complete run)"
          : pv.shard == "task" ? " (one task of a run's work directory)"
                               : " (a part of a run: join the parts with `percorsi merge`)")
      << "\n";
    const std::vector<std::string> names = scenarios();
    if (names.empty()) o << "No scenarios.\n";
    for (const auto& name : names) {
      const ScenarioInfo s = scenario(name);
      const std::string sp = "/scenarios/" + name;
      o << "\nScenario '" << name << "' (" << sp << ")\n"
        << "  source_file: " << s.source_file << "\n"
        << "  seed: " << s.seed << ", replicates requested: " << s.replicates << ", weeks: " << s.weeks
        << ", resolved YAML: " << s.resolved_yaml.size() << " bytes\n"
        << (s.sweep.empty() ? "" : "  sweep point: " + s.sweep + "\n")
        << "  territories (" << s.territories.size() << "):";
      for (size_t i = 0; i < s.territories.size() && i < 12; ++i) o << (i ? ", " : " ") << s.territories[i];
      if (s.territories.size() > 12) o << ", ...";
      o << meaning(sp + "/territories") << "\n";

      const std::vector<int> reps = m.replicates(name);
      o << "  replicate groups (" << reps.size() << "):";
      for (size_t i = 0; i < reps.size() && i < 10; ++i) o << " " << rep_name(reps[i]);
      if (reps.size() > 10) o << " ... " << rep_name(reps.back());
      o << "\n";
      if (reps.empty()) continue;

      const std::string rp = m.replicate_path(name, reps.front());
      auto list = [&](const char* title, const std::string& sub, OutputKind kind) {
        const std::vector<std::string> items = children(m.file, rp + "/" + sub);
        o << "  " << title << " (" << items.size() << ", shapes of " << rep_name(reps.front()) << "):\n";
        for (const auto& n : items) {
          const std::string p = rp + "/" + sub + "/" + n;
          Handle d = open_dataset(m.file, p);
          Handle t(check(H5Dget_type(d), "dataset " + p));
          o << "    " << n << "  " << type_name(t) << " " << shape(dataset_dims(d, p)) << label(kind, n, p) << "\n";
        }
      };
      list("weekly series [weeks, territories]", "weekly", OutputKind::Series);
      list("person columns", "persons", OutputKind::Person);

      const std::vector<std::string> heads = children(m.file, rp + "/headline");
      const bool summarized = exists(m.file, sp + "/summary");
      o << "  headline indicators (" << heads.size() << ")"
        << (summarized ? ", mean and 95% interval across replicates:\n" : ", no summary (scenario not finished):\n");
      for (const auto& n : heads) {
        o << "    " << n;
        if (summarized) {
          const Summary su = *m.summary(name, n);
          if (su.n == 0)
            o << "  n/a (no one counted in any replicate)";
          else
            o << "  " << num(su.mean) << " [" << num(su.ci_low) << ", " << num(su.ci_high) << "], sd " << num(su.sd)
              << ", n " << su.n;
        }
        o << label(OutputKind::Headline, n, rp + "/headline/" + n) << "\n";
      }
      const std::string wg = sp + "/summary/weekly";
      if (exists(m.file, wg))
        o << "  weekly summaries (" << children(m.file, wg).size()
          << " series): mean, sd, ci_low, ci_high, n [weeks, territories] under " << wg << "\n";
    }
    if (const auto rb = robustness())
      o << "\nRobustness (/robustness): " << rb->rows.size() << " differences from '" << rb->baseline << "', "
        << rb->points << " points of a Latin hypercube over " << rb->assumptions.size() << " assumptions, "
        << rb->replicates << " replicates per point (robust_share, rests_on; docs/robustness.md)\n";
    return o.str();
  });
}

}  // namespace percorsi::out
