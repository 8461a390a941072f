// The HDF5 writer. The layout is documented row by row in output/dictionary.csv.
#include "sim/stats/stats.hpp"
#include "output/recorder.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

#include "output/files.hpp"
#include "output/h5_detail.hpp"
#include "output/reader.hpp"
#include "output/validate.hpp"

namespace percorsi::out {

namespace fs = std::filesystem;
using namespace detail;

namespace {

constexpr int kFormatVersion = 1;

// Names become HDF5 link names and dictionary paths: not empty, not "." or "..", and free of
// '/' (the path separator) and '@' (the attribute separator of dictionary paths).
void check_name(const std::string& what, const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find_first_of("/@") != std::string::npos)
    throw std::invalid_argument("invalid " + what + " name '" + name + "' (empty, '.', '..' or contains '/' or '@')");
}

std::string replicate_group(int replicate) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "r%04d", replicate);
  return buf;
}

// Welford's running mean and sum of squared deviations of one weekly series, per cell
// [week, territory]; NaN values are left out (n counts the defined ones).
struct WeeklyAcc {
  std::vector<std::int32_t> n;
  std::vector<double> mean, m2;
  explicit WeeklyAcc(std::size_t cells) : n(cells, 0), mean(cells, 0.0), m2(cells, 0.0) {}
  void add(const double* v) {
    for (std::size_t i = 0; i < n.size(); ++i) {
      const double x = v[i];
      if (std::isnan(x)) continue;
      const double delta = x - mean[i];
      mean[i] += delta / ++n[i];
      m2[i] += delta * (x - mean[i]);
    }
  }
  std::size_t bytes() const { return n.size() * (sizeof(std::int32_t) + 2 * sizeof(double)); }
};

// The weekly summary's accumulators kept while replicates are written, so that the summary need
// not read them back (write_weekly_summary). Kept only while replicates come in index order (the
// order of the read-back, so the sums are the same to the bit) and within a byte budget shared by
// all scenarios of the file; otherwise the summary reads the replicates back.
constexpr std::size_t kWeeklyAccBudget = std::size_t{256} << 20;

}  // namespace

struct Recorder::Impl {
  std::string final_path, temp_path;
  bool compress = true;
  Handle file;
  bool committed = false, closed = false;
  struct Declared {
    int weeks = 0;
    std::vector<std::string> territories;
    std::set<int> written;
    bool finished = false;
    // Running weekly sums over the replicates written (see WeeklyAcc); `summing` turns false for
    // good when a replicate comes out of index order or the budget is spent.
    bool summing = true;
    std::vector<std::string> acc_names;
    std::vector<WeeklyAcc> acc;
  };
  std::map<std::string, Declared> scenarios;
  std::size_t acc_bytes = 0;  // held by the accumulators of every scenario

  // Adds replicate r's weekly series to the scenario's running sums, or stops summing.
  void accumulate(Declared& d, const ReplicateResult& r) {
    if (!d.summing) return;
    const std::size_t cells = std::size_t(d.weeks) * d.territories.size();
    auto stop = [&] {
      for (const auto& a : d.acc) acc_bytes -= a.bytes();
      d.summing = false;
      d.acc.clear();
      d.acc_names.clear();
    };
    if (!d.written.empty() && r.replicate < *d.written.rbegin()) return stop();
    if (d.written.empty()) {
      const std::size_t need = r.weekly.size() * cells * (sizeof(std::int32_t) + 2 * sizeof(double));
      if (acc_bytes + need > kWeeklyAccBudget) return stop();
      for (const auto& s : r.weekly) d.acc_names.push_back(s.name), d.acc.emplace_back(cells);
      for (const auto& a : d.acc) acc_bytes += a.bytes();
    } else if (r.weekly.size() != d.acc_names.size()) {
      return stop();
    }
    for (std::size_t k = 0; k < r.weekly.size(); ++k) {
      if (r.weekly[k].name != d.acc_names[k] || r.weekly[k].values.size() != cells) return stop();
    }
    for (std::size_t k = 0; k < r.weekly.size(); ++k) d.acc[k].add(r.weekly[k].values.data());
  }

  // Runs one public operation: serialized HDF5 use; HDF5 failures become runtime_error
  // naming the file being written.
  template <class F>
  void run(const char* op, F&& f) {
    Session session;
    if (closed) throw std::logic_error(std::string("Recorder::") + op + ": '" + final_path + "' already " +
                                       (committed ? "committed" : "abandoned"));
    try {
      f();
    } catch (const H5Failure& e) {
      throw std::runtime_error(temp_path + ": " + e.what());
    }
  }

  Declared& declared(const std::string& scenario) {
    auto it = scenarios.find(scenario);
    if (it == scenarios.end())
      throw std::invalid_argument("scenario '" + scenario + "' was not declared with begin_scenario()");
    return it->second;
  }
};

Recorder::Recorder(std::string final_path, bool compress) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.final_path = std::move(final_path);
  m.compress = compress;
  m.temp_path = temporary_of(m.final_path);
  // The temporary file lives beside the final one (so rename() stays within one file system).
  const fs::path parent = fs::path(m.final_path).parent_path();
  std::error_code ec;
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (ec) throw std::runtime_error("cannot create directory '" + parent.string() + "': " + ec.message());
  Session session;
  const Handle fapl = file_access();
  const hid_t f = H5Fcreate(m.temp_path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  if (f < 0) throw std::runtime_error("cannot create '" + m.temp_path + "': " + h5_reason());
  m.file = Handle(f);
}

Recorder::~Recorder() {
  if (impl_ && !impl_->committed) {
    try {
      abandon();
    } catch (...) {  // a destructor must not throw; abandon() reports nothing useful here
    }
  }
}

const std::string& Recorder::final_path() const { return impl_->final_path; }
const std::string& Recorder::temp_path() const { return impl_->temp_path; }

void Recorder::begin_scenario(const ScenarioInfo& info) {
  Impl& m = *impl_;
  m.run("begin_scenario", [&] {
    check_name("scenario", info.name);
    if (m.scenarios.count(info.name)) throw std::invalid_argument("scenario '" + info.name + "' declared twice");
    if (!exists(m.file, "/scenarios")) create_group(m.file, "/scenarios");
    const std::string path = "/scenarios/" + info.name;
    Handle g = create_group(m.file, path);
    write_attr_string(g, path, "scenario_yaml", info.resolved_yaml);
    write_attr_string(g, path, "source_file", info.source_file);
    write_attr_uint64(g, path, "seed", info.seed);
    write_attr_int32(g, path, "replicates", info.replicates);
    write_attr_int32(g, path, "weeks", info.weeks);
    write_attr_string(g, path, "sweep", info.sweep);
    write_strings(m.file, path + "/territories", info.territories);
    create_group(m.file, path + "/replicates");
    Impl::Declared& d = m.scenarios[info.name];
    d.weeks = info.weeks;
    d.territories = info.territories;
  });
}

void Recorder::write_replicate(const std::string& scenario, const ReplicateResult& r) {
  Impl& m = *impl_;
  m.run("write_replicate", [&] {
    Impl::Declared& d = m.declared(scenario);
    const std::string rname = replicate_group(r.replicate);
    // Check everything before writing anything, so a rejected replicate leaves no trace.
    if (d.finished) throw std::invalid_argument("scenario '" + scenario + "' already finished");
    if (r.replicate < 0) throw std::invalid_argument("negative replicate index " + std::to_string(r.replicate));
    if (d.written.count(r.replicate))
      throw std::invalid_argument("scenario '" + scenario + "': replicate " + rname + " written twice");
    if (r.weeks != d.weeks || r.territories != d.territories)
      throw std::invalid_argument("scenario '" + scenario + "' replicate " + rname +
                                  ": weeks or territories differ from the declared scenario");
    const size_t cells = size_t(r.weeks) * r.territories.size();
    for (const auto& s : r.weekly) {
      check_name("weekly series", s.name);
      if (s.values.size() != cells)
        throw std::invalid_argument("weekly series '" + s.name + "' has " + std::to_string(s.values.size()) +
                                    " values, expected weeks x territories = " + std::to_string(cells));
    }
    for (const auto& c : r.persons) {
      check_name("person column", c.name);
      if (c.size() != r.persons.front().size())
        throw std::invalid_argument("person column '" + c.name + "' has a different length from '" +
                                    r.persons.front().name + "'");
    }
    for (const auto& c : r.timeline) {
      check_name("timeline column", c.name);
      if (c.size() != r.timeline.front().size())
        throw std::invalid_argument("timeline column '" + c.name + "' has a different length from '" +
                                    r.timeline.front().name + "'");
    }
    for (const auto& [name, value] : r.headline) check_name("headline indicator", name);

    const std::string path = "/scenarios/" + scenario + "/replicates/" + rname;
    Handle g = create_group(m.file, path);
    write_attr_int32(g, path, "replicate", r.replicate);
    write_attr_uint64(g, path, "seed", r.seed);
    write_attr_float64(g, path, "wall_seconds", r.wall_seconds);
    write_attr_uint64(g, path, "checksum", checksum(r));  // the validator recomputes it from the file
    create_group(m.file, path + "/weekly");
    for (const auto& s : r.weekly)
      write_dataset(m.file, path + "/weekly/" + s.name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                    {hsize_t(r.weeks), hsize_t(r.territories.size())}, s.values.data(), m.compress);
    auto write_columns = [&](const std::string& group, const std::vector<PersonColumn>& cols) {
      create_group(m.file, group);
      for (const auto& c : cols) {
        const std::string p = group + "/" + c.name;
        if (c.is_int)
          write_dataset(m.file, p, H5T_STD_I32LE, H5T_NATIVE_INT32, {hsize_t(c.ints.size())}, c.ints.data(), m.compress);
        else
          write_dataset(m.file, p, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {hsize_t(c.reals.size())}, c.reals.data(), m.compress);
      }
    };
    write_columns(path + "/persons", r.persons);
    if (!r.timeline.empty()) write_columns(path + "/timeline", r.timeline);
    create_group(m.file, path + "/headline");
    for (const auto& [name, value] : r.headline)
      write_dataset(m.file, path + "/headline/" + name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {}, &value);
    m.accumulate(d, r);
    d.written.insert(r.replicate);
  });
}

void Recorder::copy_replicate(const std::string& scenario, const std::string& src_path,
                              const std::string& src_scenario, int replicate) {
  Impl& m = *impl_;
  m.run("copy_replicate", [&] {
    Impl::Declared& d = m.declared(scenario);
    const std::string rname = replicate_group(replicate);
    if (d.finished) throw std::invalid_argument("scenario '" + scenario + "' already finished");
    if (replicate < 0) throw std::invalid_argument("negative replicate index " + std::to_string(replicate));
    if (d.written.count(replicate))
      throw std::invalid_argument("scenario '" + scenario + "': replicate " + rname + " written twice");
    // Read from the source and written as write_replicate() does (same data, chunking and
    // attributes), rather than copied by H5Ocopy: HDF5 1.10 crashes inside H5Ocopy when a write
    // fails (a full disk), where a failed H5Dwrite is reported as an error.
    ReplicateResult r;
    {
      const Reader src(src_path);
      const ScenarioInfo info = src.scenario(src_scenario);
      if (info.weeks != d.weeks || info.territories != d.territories)
        throw std::invalid_argument(src_path + ": scenario '" + src_scenario +
                                    "': weeks or territories differ from the declared scenario '" + scenario + "'");
      const std::vector<int> reps = src.replicates(src_scenario);
      if (std::find(reps.begin(), reps.end(), replicate) == reps.end())
        throw ReadError(src_path + ": group /scenarios/" + src_scenario + "/replicates/" + rname + ": no such replicate");
      r = src.replicate(src_scenario, replicate);
    }
    write_replicate(scenario, r);
  });
}

void Recorder::finish_scenario(const std::string& scenario) {
  Impl& m = *impl_;
  m.run("finish_scenario", [&] {
    Impl::Declared& d = m.declared(scenario);
    if (d.finished) throw std::invalid_argument("scenario '" + scenario + "' finished twice");
    const std::string base = "/scenarios/" + scenario;
    // Headline values read back from the file, replicate by replicate (std::set: index order).
    std::vector<int> index(d.written.begin(), d.written.end());
    std::vector<std::string> names;  // indicator order of the first replicate
    std::map<std::string, std::vector<double>> values;
    for (int rep : index) {
      const std::string hpath = base + "/replicates/" + replicate_group(rep) + "/headline";
      const std::vector<std::string> here = children(m.file, hpath);
      if (rep == index.front()) names = here;
      if (std::set<std::string>(here.begin(), here.end()) != std::set<std::string>(names.begin(), names.end()))
        throw H5Failure("group " + hpath + ": headline indicators differ from those of the first replicate");
      for (const auto& n : names) values[n].push_back(read_float64(m.file, hpath + "/" + n).at(0));
    }
    const std::string spath = base + "/summary";
    create_group(m.file, spath);
    write_dataset(m.file, spath + "/replicate_index", H5T_STD_I32LE, H5T_NATIVE_INT32, {hsize_t(index.size())},
                  index.data());
    for (const auto& n : names) {
      const std::string p = spath + "/" + n;
      // Mean and 95% interval on the indicator's range (sim/stats): NaN with n = 0 when no
      // replicate has it defined.
      const Summary s = percorsi::summarize(values[n], n);
      write_dataset(m.file, p, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {hsize_t(index.size())}, values[n].data());
      Handle ds = open_dataset(m.file, p);
      write_attr_float64(ds, p, "mean", s.mean);
      write_attr_float64(ds, p, "sd", s.sd);
      write_attr_float64(ds, p, "ci_low", s.ci_low);
      write_attr_float64(ds, p, "ci_high", s.ci_high);
      write_attr_int32(ds, p, "n", s.n);
    }
    d.finished = true;
  });
}

void Recorder::write_weekly_summary(const std::string& scenario) {
  Impl& m = *impl_;
  m.run("write_weekly_summary", [&] {
    Impl::Declared& d = m.declared(scenario);
    if (!d.finished) throw std::invalid_argument("scenario '" + scenario + "': write_weekly_summary() before finish_scenario()");
    const std::string base = "/scenarios/" + scenario;
    const std::string wpath = base + "/summary/weekly";
    if (exists(m.file, wpath)) throw std::invalid_argument("scenario '" + scenario + "': weekly summary written twice");
    const hsize_t weeks = hsize_t(d.weeks), terr = hsize_t(d.territories.size());
    const size_t cells = size_t(weeks * terr);
    std::vector<std::string> names;
    std::vector<WeeklyAcc> acc;
    if (d.summing && !d.written.empty()) {  // summed as the replicates were written
      names = std::move(d.acc_names);
      acc = std::move(d.acc);
      for (const auto& a : acc) m.acc_bytes -= a.bytes();
      d.summing = false;
    } else {  // read back, one replicate at a time, in index order
      bool first = true;
      for (int rep : d.written) {
        const std::string wp = base + "/replicates/" + replicate_group(rep) + "/weekly";
        const std::vector<std::string> here = children(m.file, wp);
        if (first) {
          names = here;
          acc.assign(names.size(), WeeklyAcc(cells));
          first = false;
        } else if (std::set<std::string>(here.begin(), here.end()) != std::set<std::string>(names.begin(), names.end())) {
          throw H5Failure("group " + wp + ": weekly series differ from those of the first replicate");
        }
        Handle wg = open_group(m.file, wp);  // datasets opened relative to it: one lookup each
        for (size_t k = 0; k < names.size(); ++k) {
          std::vector<hsize_t> dims;
          std::vector<double> v;
          try {
            v = read_float64(wg, names[k], &dims);
          } catch (const H5Failure& e) {
            throw H5Failure(std::string(e.what()) + " (in group " + wp + ")");
          }
          if (dims != std::vector<hsize_t>{weeks, terr})
            throw H5Failure("dataset " + wp + "/" + names[k] + ": expected shape [weeks, territories]");
          acc[k].add(v.data());
        }
      }
    }
    create_group(m.file, wpath);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (size_t k = 0; k < names.size(); ++k) {
      WeeklyAcc& a = acc[k];
      const OutputSpec* spec = find_output(OutputKind::Series, names[k]);
      const Scale range = spec ? spec->scale() : Scale{};
      std::vector<double> sd(cells), lo(cells), hi(cells);
      for (size_t i = 0; i < cells; ++i) {
        const int n = a.n[i];
        if (n == 0) {
          a.mean[i] = sd[i] = lo[i] = hi[i] = nan;
          continue;
        }
        // The interval on the series' range (sim/stats): above 0 for counts and costs.
        const Summary su = percorsi::interval(a.mean[i], n > 1 ? std::sqrt(a.m2[i] / (n - 1)) : nan, n, range);
        sd[i] = su.sd;
        lo[i] = su.ci_low;
        hi[i] = su.ci_high;
      }
      const std::string g = wpath + "/" + names[k];
      create_group(m.file, g);
      const std::vector<hsize_t> dims{weeks, terr};
      write_dataset(m.file, g + "/mean", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, dims, a.mean.data());
      write_dataset(m.file, g + "/sd", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, dims, sd.data());
      write_dataset(m.file, g + "/ci_low", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, dims, lo.data());
      write_dataset(m.file, g + "/ci_high", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, dims, hi.data());
      write_dataset(m.file, g + "/n", H5T_STD_I32LE, H5T_NATIVE_INT32, dims, a.n.data());
    }
  });
}

void Recorder::commit(const Provenance& p) {
  Impl& m = *impl_;
  m.run("commit", [&] {
    Handle root(check(H5Gopen2(m.file, "/", H5P_DEFAULT), "group /"));
    write_attr_string(root, "/", "format", "percorsi-results");
    write_attr_int32(root, "/", "format_version", kFormatVersion);
    write_attr_string(root, "/", "program_version", p.program_version);
    write_attr_string(root, "/", "git_commit", p.git_commit);
    write_attr_string(root, "/", "command_line", p.command_line);
    write_attr_int32(root, "/", "threads", p.threads);
    write_attr_string(root, "/", "start_time", p.start_time);
    write_attr_float64(root, "/", "wall_seconds", p.wall_seconds);
    write_attr_string(root, "/", "shard", p.shard);
    write_attr_int32(root, "/", "ranks", p.ranks);
    root.reset();
    check_status(H5Fflush(m.file, H5F_SCOPE_GLOBAL), "file");
    // Every object handle is RAII-scoped, so only the file itself may be open here.
    if (H5Fget_obj_count(m.file, H5F_OBJ_ALL) != 1) throw H5Failure("file: objects still open at commit");
    check_status(H5Fclose(m.file.release()), "file");
    std::error_code ec;
    fs::rename(m.temp_path, m.final_path, ec);
    if (ec) {
      m.closed = true;  // the file is closed: only abandon() (via the destructor) remains
      throw std::runtime_error("cannot rename '" + m.temp_path + "' to '" + m.final_path + "': " + ec.message());
    }
    m.committed = m.closed = true;
  });
}

void Recorder::abandon() {
  Impl& m = *impl_;
  Session session;
  if (m.committed) return;
  m.file.reset();
  std::error_code ec;
  fs::remove(m.temp_path, ec);
  m.closed = true;
}

}  // namespace percorsi::out
