// Tests of output/: Recorder -> HDF5 -> Reader round trips, the summary statistics, the
// temporary-file protocol, Reader errors on bad files, and the data dictionary check.
#include <hdf5.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "sim/stats/stats.hpp"
#include "output/dictionary.hpp"
#include "output/reader.hpp"
#include "output/recorder.hpp"

namespace fs = std::filesystem;
using namespace percorsi::out;
using percorsi::summarize;

namespace {

// A fresh directory under the system temp directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() / ("percorsi-test-output-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(counter++) + "-" + std::to_string(std::random_device{}()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }
  std::vector<std::string> listing() const {  // file names, recursively, sorted
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(path_))
      if (e.is_regular_file()) out.push_back(fs::relative(e.path(), path_).string());
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  fs::path path_;
};

const std::vector<std::string> kTerritories{"Torino", "Cuneo", "Alessandria"};
constexpr int kWeeks = 5;
constexpr int kReplicates = 3;
// Declared in this order (not alphabetical) to check that the Reader keeps it.
const std::vector<std::string> kScenarios{"reform", "baseline"};
const std::vector<std::string> kSeries{"employment_rate", "benefit_claimants"};

ScenarioInfo make_info(const std::string& name) {
  ScenarioInfo s;
  s.name = name;
  // Many KB of YAML, with non-ASCII text, in one attribute.
  s.resolved_yaml = "name: " + name + "\nseed: 42\nnote: \"perché, città\"\n" + std::string(200000, '#') + "\n";
  s.source_file = "scenarios/piemonte/" + name + ".yaml";
  s.seed = 0xFFFFFFFFFFFFFF00ull + name.size();  // needs all 64 bits
  s.replicates = kReplicates;
  s.weeks = kWeeks;
  s.territories = kTerritories;
  return s;
}

ReplicateResult make_result(int scenario, int rep, size_t persons = 7, int weeks = kWeeks) {
  ReplicateResult r;
  r.replicate = rep;
  r.seed = 1234567890123456789ull + std::uint64_t(rep);
  r.weeks = weeks;
  r.territories = kTerritories;
  for (size_t k = 0; k < kSeries.size(); ++k) {
    WeeklySeries s{kSeries[k], {}};
    for (size_t i = 0; i < size_t(weeks) * kTerritories.size(); ++i)
      s.values.push_back(std::sqrt(double(i) + 1.0) / 3.0 + 100.0 * scenario + 0.1 * rep + double(k));
    r.weekly.push_back(std::move(s));
  }
  PersonColumn age{"age", true, {}, {}}, income{"income", false, {}, {}}, territory{"territory", true, {}, {}};
  for (size_t i = 0; i < persons; ++i) {
    age.ints.push_back(std::int32_t(20 + (i * 7 + size_t(rep)) % 50));
    income.reals.push_back(1000.0 / double(i + 1) + rep + (i == 3 ? std::numeric_limits<double>::denorm_min() : 0));
    territory.ints.push_back(i == 0 ? std::numeric_limits<std::int32_t>::min() : std::int32_t(i % 3));
  }
  r.persons = {age, income, territory};
  r.headline = {{"employment_rate", 0.6 + 0.01 * rep + scenario}, {"poverty_rate", 1.0 / (3 + rep)}};
  r.wall_seconds = 0.25 + rep;
  return r;
}

Provenance make_provenance() {
  return {"0.1.0-test", "0123456789ab", "percorsi run scenarios/piemonte/*.yaml --threads 4", 4,
          "2024-05-01T12:00:00Z", 12.5};
}

void write_synthetic(const std::string& path) {
  Recorder rec(path);
  for (size_t s = 0; s < kScenarios.size(); ++s) {
    rec.begin_scenario(make_info(kScenarios[s]));
    for (int r = 0; r < kReplicates; ++r) rec.write_replicate(kScenarios[s], make_result(int(s), r));
    rec.finish_scenario(kScenarios[s]);
  }
  rec.commit(make_provenance());
}

void expect_same(const ReplicateResult& a, const ReplicateResult& b) {
  EXPECT_EQ(a.replicate, b.replicate);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.weeks, b.weeks);
  EXPECT_EQ(a.territories, b.territories);
  ASSERT_EQ(a.weekly.size(), b.weekly.size());
  for (size_t i = 0; i < a.weekly.size(); ++i) {
    EXPECT_EQ(a.weekly[i].name, b.weekly[i].name);
    EXPECT_EQ(a.weekly[i].values, b.weekly[i].values);  // exact
  }
  ASSERT_EQ(a.persons.size(), b.persons.size());
  for (size_t i = 0; i < a.persons.size(); ++i) {
    EXPECT_EQ(a.persons[i].name, b.persons[i].name);
    EXPECT_EQ(a.persons[i].is_int, b.persons[i].is_int);
    EXPECT_EQ(a.persons[i].ints, b.persons[i].ints);
    EXPECT_EQ(a.persons[i].reals, b.persons[i].reals);
  }
  EXPECT_EQ(a.headline, b.headline);
  EXPECT_EQ(a.wall_seconds, b.wall_seconds);
}

// Runs f, which must throw ReadError with every one of `parts` in its message.
template <class F>
void expect_read_error(F&& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no ReadError thrown";
  } catch (const ReadError& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what() << "\nlacks: " << p;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected ReadError, got: " << e.what();
  }
}

// The dictionary for the synthetic files: the generic rows of the embedded dictionary (the
// engine's own rows are left out) plus rows for the synthetic series, columns and indicators.
std::vector<DictEntry> test_dictionary() {
  auto engine_specific = [](const std::string& p) {
    for (const char* g : {"/weekly/", "/persons/", "/headline/", "/summary/", "/timeline"})
      if (p.find(g) != std::string::npos && p.find("/summary/replicate_index") == std::string::npos) return true;
    return false;
  };
  std::vector<DictEntry> d;
  for (const auto& e : dictionary_for("run"))
    if (!engine_specific(e.path)) d.push_back(e);
  const std::string rep = "/scenarios/{scenario}/replicates/{replicate}";
  for (const auto& n : kSeries) d.push_back({rep + "/weekly/" + n, "dataset", "float64", "", "test series"});
  d.push_back({rep + "/persons/age", "dataset", "int32", "years", "test column"});
  d.push_back({rep + "/persons/income", "dataset", "float64", "EUR", "test column"});
  d.push_back({rep + "/persons/territory", "dataset", "int32", "", "test column"});
  for (const std::string n : {"employment_rate", "poverty_rate"}) {
    d.push_back({rep + "/headline/" + n, "dataset", "float64", "", "test indicator"});
    const std::string s = "/scenarios/{scenario}/summary/" + n;
    d.push_back({s, "dataset", "float64", "", "test summary"});
    for (const std::string a : {"mean", "sd", "ci_low", "ci_high"}) d.push_back({s + "@" + a, "attribute", "float64", "", ""});
    d.push_back({s + "@n", "attribute", "int32", "", ""});
  }
  return d;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

bool any_contains(const std::vector<std::string>& v, const std::string& a, const std::string& b) {
  for (const auto& x : v)
    if (x.find(a) != std::string::npos && x.find(b) != std::string::npos) return true;
  return false;
}

}  // namespace

// ---------------------------------------------------------------- summary statistics

// t_{0.975,2}. For 2 degrees of freedom the quantile has a closed form, t = a sqrt(2 / (1 - a^2))
// with a = 2p - 1, giving 4.30265272974946; the often-quoted 4.302652729911275 is 1.6e-10 off.
const double kT2 = 0.95 * std::sqrt(2.0 / (1.0 - 0.95 * 0.95));

TEST(Summarize, KnownSample) {
  EXPECT_NEAR(kT2, 4.302652729911275, 1e-9);
  const Summary s = summarize({1.0, 2.0, 4.0});
  const double mean = 7.0 / 3.0;
  const double sd = std::sqrt(((1 - mean) * (1 - mean) + (2 - mean) * (2 - mean) + (4 - mean) * (4 - mean)) / 2.0);
  const double half = kT2 * sd / std::sqrt(3.0);
  EXPECT_EQ(s.n, 3);
  EXPECT_NEAR(s.mean, mean, 1e-14);
  EXPECT_NEAR(s.sd, sd, 1e-14);
  EXPECT_NEAR(s.ci_low, mean - half, 1e-12);
  EXPECT_NEAR(s.ci_high, mean + half, 1e-12);
}

TEST(Summarize, OneAndZeroValues) {
  const Summary one = summarize({2.5});
  EXPECT_EQ(one.n, 1);
  EXPECT_EQ(one.mean, 2.5);
  // One replicate: a mean but no spread and no interval (NaN, never a zero-width interval).
  EXPECT_TRUE(std::isnan(one.sd));
  EXPECT_TRUE(std::isnan(one.ci_low));
  EXPECT_TRUE(std::isnan(one.ci_high));
  // None: undefined is NaN, never 0.
  const Summary none = summarize({});
  EXPECT_EQ(none.n, 0);
  EXPECT_TRUE(std::isnan(none.mean));
  EXPECT_TRUE(std::isnan(none.ci_low));
  EXPECT_TRUE(std::isnan(none.ci_high));
}

// ---------------------------------------------------------------- round trip

TEST(RoundTrip, TwoScenariosThreeReplicates) {
  TempDir dir;
  const std::string path = dir / "results.h5";
  write_synthetic(path);
  Reader rd(path);
  EXPECT_EQ(rd.path(), path);

  const Provenance p = rd.provenance(), q = make_provenance();
  EXPECT_EQ(p.program_version, q.program_version);
  EXPECT_EQ(p.git_commit, q.git_commit);
  EXPECT_EQ(p.command_line, q.command_line);
  EXPECT_EQ(p.threads, q.threads);
  EXPECT_EQ(p.start_time, q.start_time);
  EXPECT_EQ(p.wall_seconds, q.wall_seconds);

  EXPECT_EQ(rd.scenarios(), kScenarios);  // declaration order
  for (size_t s = 0; s < kScenarios.size(); ++s) {
    const std::string& name = kScenarios[s];
    const ScenarioInfo info = rd.scenario(name), want = make_info(name);
    EXPECT_EQ(info.name, want.name);
    EXPECT_EQ(info.resolved_yaml, want.resolved_yaml);
    EXPECT_EQ(info.source_file, want.source_file);
    EXPECT_EQ(info.seed, want.seed);
    EXPECT_EQ(info.replicates, want.replicates);
    EXPECT_EQ(info.weeks, want.weeks);
    EXPECT_EQ(info.territories, want.territories);

    EXPECT_EQ(rd.replicates(name), (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(rd.weekly_names(name), kSeries);  // creation order
    EXPECT_EQ(rd.person_columns(name), (std::vector<std::string>{"age", "income", "territory"}));
    EXPECT_EQ(rd.headline_names(name), (std::vector<std::string>{"employment_rate", "poverty_rate"}));

    for (int r = 0; r < kReplicates; ++r) {
      const ReplicateResult want_r = make_result(int(s), r);
      expect_same(rd.replicate(name, r), want_r);
      EXPECT_EQ(rd.weekly(name, r, "benefit_claimants"), want_r.weekly[1].values);
      const PersonColumn income = rd.person_column(name, r, "income");
      EXPECT_FALSE(income.is_int);
      EXPECT_EQ(income.reals, want_r.persons[1].reals);
    }
    for (const std::string ind : {"employment_rate", "poverty_rate"}) {
      std::vector<double> want_v;
      for (int r = 0; r < kReplicates; ++r) want_v.push_back(make_result(int(s), r).headline.at(ind));
      EXPECT_EQ(rd.headline(name, ind), want_v);
      const std::optional<Summary> su = rd.summary(name, ind);
      ASSERT_TRUE(su.has_value());
      const Summary want_s = summarize(want_v);
      EXPECT_EQ(su->n, 3);
      EXPECT_EQ(su->mean, want_s.mean);
      EXPECT_EQ(su->sd, want_s.sd);
      EXPECT_EQ(su->ci_low, want_s.ci_low);
      EXPECT_EQ(su->ci_high, want_s.ci_high);
    }
  }

  const std::string text = rd.describe();
  for (const std::string part : {"percorsi-results", "0123456789ab", "Scenario 'reform'", "Scenario 'baseline'",
                                 "Alessandria", "r0000 r0001 r0002", "employment_rate  float64 [5, 3]",
                                 "age  int32 [7]", "income  float64 [7]", "poverty_rate  0.261111 [",
                                 "Territory names"})
    EXPECT_NE(text.find(part), std::string::npos) << "describe() lacks '" << part << "':\n" << text;
}

TEST(RoundTrip, SummaryInFileMatchesHandComputation) {
  TempDir dir;
  const std::string path = dir / "results.h5";
  write_synthetic(path);
  // poverty_rate = 1/3, 1/4, 1/5 in replicates 0, 1, 2.
  const double x[3] = {1.0 / 3, 1.0 / 4, 1.0 / 5};
  const double mean = (x[0] + x[1] + x[2]) / 3;
  double ss = 0;
  for (double v : x) ss += (v - mean) * (v - mean);
  const double sd = std::sqrt(ss / 2), half = kT2 * sd / std::sqrt(3.0);
  const Summary s = *Reader(path).summary("baseline", "poverty_rate");
  EXPECT_EQ(s.n, 3);
  EXPECT_NEAR(s.mean, mean, 1e-15);
  EXPECT_NEAR(s.sd, sd, 1e-15);
  EXPECT_NEAR(s.ci_low, mean - half, 1e-13);
  EXPECT_NEAR(s.ci_high, mean + half, 1e-13);

  // The summary datasets themselves: replicate_index and the values in that order.
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  int idx[3] = {-1, -1, -1};
  double vals[3] = {0, 0, 0};
  const hid_t di = H5Dopen2(f, "/scenarios/baseline/summary/replicate_index", H5P_DEFAULT);
  const hid_t dv = H5Dopen2(f, "/scenarios/baseline/summary/poverty_rate", H5P_DEFAULT);
  ASSERT_GE(di, 0);
  ASSERT_GE(dv, 0);
  EXPECT_GE(H5Dread(di, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, idx), 0);
  EXPECT_GE(H5Dread(dv, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, vals), 0);
  H5Dclose(di);
  H5Dclose(dv);
  H5Fclose(f);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(idx[i], i);
    EXPECT_EQ(vals[i], x[i]);
  }
}

// The weekly summary is summed while replicates are written when they come in index order, and
// read back from the file otherwise: both give the same values to the bit, and the mean is the
// hand-computed one (NaN cells left out).
TEST(RoundTrip, WeeklySummarySameInAnyWritingOrder) {
  TempDir dir;
  auto write = [&](const std::string& path, std::vector<int> order) {
    Recorder rec(path);
    rec.begin_scenario(make_info("baseline"));
    for (int r : order) {
      ReplicateResult res = make_result(0, r);
      if (r == 1) res.weekly[0].values[5] = std::numeric_limits<double>::quiet_NaN();
      rec.write_replicate("baseline", res);
    }
    rec.finish_scenario("baseline");
    rec.write_weekly_summary("baseline");
    rec.commit(make_provenance());
  };
  const std::string in_order = dir / "in_order.h5", shuffled = dir / "shuffled.h5";
  write(in_order, {0, 1, 2});
  write(shuffled, {2, 0, 1});
  const Reader a(in_order), b(shuffled);
  ASSERT_EQ(a.weekly_summary_names("baseline"), kSeries);
  ASSERT_EQ(b.weekly_summary_names("baseline"), kSeries);
  for (const auto& name : kSeries) {
    const WeeklySummary x = *a.weekly_summary("baseline", name), y = *b.weekly_summary("baseline", name);
    ASSERT_EQ(x.mean.size(), size_t(kWeeks) * kTerritories.size());
    for (size_t i = 0; i < x.mean.size(); ++i) {
      EXPECT_EQ(x.mean[i], y.mean[i]) << name << " cell " << i;
      EXPECT_EQ(x.sd[i], y.sd[i]) << name << " cell " << i;
      EXPECT_EQ(x.n[i], y.n[i]) << name << " cell " << i;
      double sum = 0;
      int n = 0;
      for (int r = 0; r < 3; ++r) {
        const ReplicateResult res = make_result(0, r);
        const std::size_t k = name == kSeries[0] ? 0 : 1;
        if (k == 0 && r == 1 && i == 5) continue;
        sum += res.weekly[k].values[i], ++n;
      }
      EXPECT_EQ(x.n[i], n);
      EXPECT_NEAR(x.mean[i], sum / n, 1e-12);
    }
  }
}

TEST(RoundTrip, LargeChunkedColumnsAndEmptyTables) {
  TempDir dir;
  const std::string path = dir / "big.h5";
  ScenarioInfo info = make_info("big");
  info.weeks = 520;  // weekly series of 12 KB: chunked and compressed
  ScenarioInfo empty = make_info("empty");
  ReplicateResult big = make_result(0, 7, 200000, 520);
  ReplicateResult none = make_result(1, 0, 0);
  none.weekly.clear();
  none.headline.clear();
  {
    Recorder rec(path);
    rec.begin_scenario(info);
    rec.write_replicate("big", big);
    rec.finish_scenario("big");
    rec.begin_scenario(empty);
    rec.write_replicate("empty", none);
    rec.commit(make_provenance());  // "empty" not finished: no summary
  }
  Reader rd(path);
  EXPECT_EQ(rd.replicates("big"), std::vector<int>{7});
  expect_same(rd.replicate("big", 7), big);
  expect_same(rd.replicate("empty", 0), none);
  EXPECT_FALSE(rd.summary("empty", "anything").has_value());
  EXPECT_EQ(rd.summary("big", "poverty_rate")->n, 1);
  EXPECT_NE(rd.describe().find("no summary"), std::string::npos);
  // Compression works: 200k ints + 200k doubles + 200k small ints stay well under their 4.8 MB raw size.
  EXPECT_LT(fs::file_size(path), 3'500'000u);
}

TEST(RoundTrip, ConcurrentWritersAreSerialized) {
  TempDir dir;
  const std::string path = dir / "threads.h5";
  {
    Recorder rec(path);
    rec.begin_scenario(make_info("baseline"));
    std::vector<std::thread> workers;
    for (int t = 0; t < 4; ++t)
      workers.emplace_back([&rec, t] {
        for (int r = t; r < 12; r += 4) rec.write_replicate("baseline", make_result(0, r, 1000));
      });
    for (auto& w : workers) w.join();
    rec.finish_scenario("baseline");
    rec.commit(make_provenance());
  }
  Reader rd(path);
  ASSERT_EQ(rd.replicates("baseline").size(), 12u);
  for (int r = 0; r < 12; ++r) expect_same(rd.replicate("baseline", r), make_result(0, r, 1000));
}

// ---------------------------------------------------------------- temporary-file protocol

TEST(TempFile, DestroyedWithoutCommitLeavesNothing) {
  TempDir dir;
  const std::string path = dir / "sub/dir/results.h5";  // parent directories are created
  std::string temp;
  {
    Recorder rec(path);
    temp = rec.temp_path();
    EXPECT_EQ(temp, path + ".tmp-" + std::to_string(::getpid()));
    rec.begin_scenario(make_info("baseline"));
    rec.write_replicate("baseline", make_result(0, 0));
    EXPECT_TRUE(fs::exists(temp));
    EXPECT_FALSE(fs::exists(path));
  }
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(dir.listing().empty());
}

TEST(TempFile, ExceptionDuringRunLeavesNothing) {
  TempDir dir;
  const std::string path = dir / "results.h5";
  try {
    Recorder rec(path);
    rec.begin_scenario(make_info("baseline"));
    ReplicateResult bad = make_result(0, 0);
    bad.weekly[0].values.pop_back();  // wrong size: rejected
    rec.write_replicate("baseline", bad);
    FAIL() << "bad replicate accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("employment_rate"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(dir.listing().empty());
}

TEST(TempFile, CommitLeavesExactlyTheFinalFile) {
  TempDir dir;
  const std::string path = dir / "results.h5";
  write_synthetic(path);
  EXPECT_EQ(dir.listing(), std::vector<std::string>{"results.h5"});
}

TEST(TempFile, AbandonRemovesTheTempFileAndClosesTheRecorder) {
  TempDir dir;
  Recorder rec(dir / "results.h5");
  rec.begin_scenario(make_info("baseline"));
  rec.abandon();
  EXPECT_TRUE(dir.listing().empty());
  EXPECT_THROW(rec.write_replicate("baseline", make_result(0, 0)), std::logic_error);
  EXPECT_THROW(rec.commit(make_provenance()), std::logic_error);
}

TEST(Recorder, RejectsInvalidUse) {
  TempDir dir;
  const std::string path = dir / "results.h5";
  Recorder rec(path);
  EXPECT_THROW(rec.write_replicate("nope", make_result(0, 0)), std::invalid_argument);
  ScenarioInfo bad = make_info("a/b");
  EXPECT_THROW(rec.begin_scenario(bad), std::invalid_argument);
  rec.begin_scenario(make_info("baseline"));
  EXPECT_THROW(rec.begin_scenario(make_info("baseline")), std::invalid_argument);
  ReplicateResult r = make_result(0, 0);
  r.territories.pop_back();
  EXPECT_THROW(rec.write_replicate("baseline", r), std::invalid_argument);
  r = make_result(0, 0);
  r.persons[1].reals.pop_back();
  EXPECT_THROW(rec.write_replicate("baseline", r), std::invalid_argument);
  rec.write_replicate("baseline", make_result(0, 0));
  EXPECT_THROW(rec.write_replicate("baseline", make_result(0, 0)), std::invalid_argument);
  ReplicateResult fewer = make_result(0, 1);
  fewer.headline.erase("poverty_rate");
  rec.write_replicate("baseline", fewer);
  EXPECT_THROW(rec.finish_scenario("baseline"), std::runtime_error);  // indicators differ
  rec.commit(make_provenance());
  // The rejected replicates left no trace.
  EXPECT_EQ(Reader(path).replicates("baseline"), (std::vector<int>{0, 1}));
}

// ---------------------------------------------------------------- Reader errors

TEST(ReaderErrors, MissingFile) {
  TempDir dir;
  expect_read_error([&] { Reader r(dir / "missing.h5"); }, {"cannot open", "missing.h5", "no such file"});
}

TEST(ReaderErrors, TruncatedFile) {
  TempDir dir;
  write_synthetic(dir / "results.h5");
  fs::copy_file(dir / "results.h5", dir / "truncated.h5");
  fs::resize_file(dir / "truncated.h5", fs::file_size(dir / "truncated.h5") / 2);
  expect_read_error(
      [&] {
        Reader r(dir / "truncated.h5");
        r.describe();  // in case opening alone succeeded: reading everything must fail
        for (const auto& s : r.scenarios())
          for (int rep : r.replicates(s)) r.replicate(s, rep);
      },
      {"truncated.h5"});
}

TEST(ReaderErrors, ForeignHdf5File) {
  TempDir dir;
  const std::string path = dir / "foreign.h5";
  const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const hsize_t n = 4;
  const int data[4] = {1, 2, 3, 4};
  const hid_t space = H5Screate_simple(1, &n, nullptr);
  const hid_t d = H5Dcreate2(f, "/data", H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  H5Dclose(d);
  H5Sclose(space);
  H5Fclose(f);
  expect_read_error([&] { Reader r(path); }, {"foreign.h5", "is not a Percorsi results file"});
}

TEST(ReaderErrors, NewerFormatVersion) {
  TempDir dir;
  const std::string path = dir / "future.h5";
  write_synthetic(path);
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const int v = 2;
  const hid_t a = H5Aopen(f, "format_version", H5P_DEFAULT);
  H5Awrite(a, H5T_NATIVE_INT, &v);
  H5Aclose(a);
  H5Fclose(f);
  expect_read_error([&] { Reader r(path); }, {"future.h5", "format_version 2"});
}

TEST(ReaderErrors, TextFileNamedH5) {
  TempDir dir;
  std::ofstream(dir / "notes.h5") << "these are not the results you are looking for\n";
  expect_read_error([&] { Reader r(dir / "notes.h5"); }, {"notes.h5", "is not a readable HDF5 file"});
  std::ofstream(dir / "empty.h5").flush();
  expect_read_error([&] { Reader r(dir / "empty.h5"); }, {"empty.h5", "is not a readable HDF5 file"});
}

TEST(ReaderErrors, MissingObjects) {
  TempDir dir;
  const std::string path = dir / "results.h5";
  write_synthetic(path);
  Reader rd(path);
  expect_read_error([&] { rd.weekly("baseline", 1, "nope"); },
                    {"results.h5", "dataset /scenarios/baseline/replicates/r0001/weekly/nope", "does not exist"});
  expect_read_error([&] { rd.person_column("baseline", 0, "nope"); },
                    {"results.h5", "/scenarios/baseline/replicates/r0000/persons/nope"});
  expect_read_error([&] { rd.headline("reform", "nope"); }, {"results.h5", "/headline/nope"});
  expect_read_error([&] { rd.summary("reform", "nope"); }, {"results.h5", "/scenarios/reform/summary/nope"});
  expect_read_error([&] { rd.scenario("nope"); }, {"results.h5", "/scenarios/nope", "no such scenario"});
  expect_read_error([&] { rd.replicate("baseline", 9); }, {"results.h5", "/scenarios/baseline/replicates/r0009"});
  expect_read_error([&] { rd.weekly_names("nope"); }, {"results.h5", "/scenarios/nope"});
}

TEST(ReaderErrors, MalformedDatasets) {
  TempDir dir;
  const std::string path = dir / "results.h5";
  write_synthetic(path);
  // Datasets of the wrong type or shape, added behind the Recorder's back.
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const hsize_t n = 15;
  const hid_t space = H5Screate_simple(1, &n, nullptr);
  const std::vector<double> zeros(n, 0.0);
  for (const auto& [name, type] : {std::pair{"ints", H5T_STD_I32LE}, std::pair{"flat", H5T_IEEE_F64LE}}) {
    const std::string p = "/scenarios/baseline/replicates/r0000/weekly/" + std::string(name);
    const hid_t d = H5Dcreate2(f, p.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros.data());
    H5Dclose(d);
  }
  const hid_t s = H5Dcreate2(f, "/scenarios/baseline/replicates/r0000/headline/vector", H5T_IEEE_F64LE, space,
                             H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dclose(s);
  H5Sclose(space);
  H5Fclose(f);
  Reader rd(path);
  expect_read_error([&] { rd.weekly("baseline", 0, "ints"); },
                    {"results.h5", "/scenarios/baseline/replicates/r0000/weekly/ints", "expected float64 values, found int32"});
  expect_read_error([&] { rd.weekly("baseline", 0, "flat"); },
                    {"results.h5", "/weekly/flat", "expected shape [weeks, territories], found [15]"});
  expect_read_error([&] { rd.replicate("baseline", 0); }, {"results.h5", "/weekly/"});
  expect_read_error([&] { rd.headline("baseline", "vector"); }, {"results.h5", "/headline/vector", "single value"});
  expect_read_error([&] { Reader(dir.path().string()); }, {"is a directory"});
}

// ---------------------------------------------------------------- data dictionary

TEST(Dictionary, EmbeddedDictionaryParses) {
  const auto& d = dictionary();
  ASSERT_FALSE(d.empty());
  const DictEntry* fmt = find_entry(d, "/@format");
  ASSERT_NE(fmt, nullptr);
  EXPECT_EQ(fmt->kind, "attribute");
  EXPECT_EQ(fmt->type, "string");
  EXPECT_NE(fmt->meaning.find("\"percorsi-results\""), std::string::npos);  // doubled quotes in the CSV
  EXPECT_NE(find_entry(d, "/scenarios/{scenario}/replicates/{replicate}/weekly"), nullptr);
  const std::string md = dictionary_markdown();
  EXPECT_EQ(md.rfind("| Path | Kind | Type | Unit | Meaning |\n|---|---|---|---|---|\n", 0), 0u);
  EXPECT_NE(md.find("| `/@format` | attribute | string |"), std::string::npos);
}

TEST(Dictionary, CsvQuotingAndErrors) {
  const auto d = parse_dictionary_csv(
      "path,kind,type,unit,meaning\r\n/a,group,group,,\"x, y \"\"z\"\"\nnext line\"\r\n\n/a@b,attribute,int32,s,plain\n");
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].meaning, "x, y \"z\"\nnext line");
  EXPECT_EQ(d[1].unit, "s");
  EXPECT_THROW(parse_dictionary_csv("path,kind,type,unit\n"), std::runtime_error);
  try {
    parse_dictionary_csv("path,kind,type,unit,meaning\n/a,group,group,,ok\n/b,dataset,float64,\n");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_dictionary_csv("path,kind,type,unit,meaning\n/a,table,group,,\n"), std::runtime_error);
  EXPECT_THROW(parse_dictionary_csv("path,kind,type,unit,meaning\n/a,group,group,,\"open\n"), std::runtime_error);
}

TEST(Dictionary, GenericPath) {
  EXPECT_EQ(generic_path("/"), "/");
  EXPECT_EQ(generic_path("/@format"), "/@format");
  EXPECT_EQ(generic_path("/scenarios"), "/scenarios");
  EXPECT_EQ(generic_path("/scenarios/base@seed"), "/scenarios/{scenario}@seed");
  EXPECT_EQ(generic_path("/scenarios/base/replicates/r0012/weekly/x"),
            "/scenarios/{scenario}/replicates/{replicate}/weekly/x");
  EXPECT_EQ(generic_path("/scenarios/base/replicates/rabcd"), "/scenarios/{scenario}/replicates/rabcd");
  EXPECT_EQ(generic_path("/scenarios/base/summary/x@mean"), "/scenarios/{scenario}/summary/x@mean");
}

TEST(Dictionary, SyntheticFileAgreesWithTheDictionary) {
  TempDir dir;
  const std::string path = dir / "results.h5";
  write_synthetic(path);
  const auto problems = check_against_dictionary(path, test_dictionary());
  EXPECT_TRUE(problems.empty()) << joined(problems);
}

TEST(Dictionary, FindsAnUndocumentedDataset) {
  TempDir dir;
  const std::string path = dir / "results.h5";
  write_synthetic(path);
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t d = H5Dcreate2(f, "/scenarios/reform/replicates/r0001/weekly/extra", H5T_IEEE_F32LE, space,
                             H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(d, 0);
  H5Dclose(d);
  H5Sclose(space);
  H5Fclose(f);
  const auto problems = check_against_dictionary(path, test_dictionary());
  ASSERT_EQ(problems.size(), 1u) << joined(problems);
  EXPECT_TRUE(any_contains(problems, "not in dictionary", "/scenarios/{scenario}/replicates/{replicate}/weekly/extra"));
  EXPECT_TRUE(any_contains(problems, "float32", "/scenarios/reform/replicates/r0001/weekly/extra"));
}

TEST(Dictionary, FindsMissingRowsAbsentObjectsAndTypeMismatches) {
  TempDir dir;
  const std::string path = dir / "results.h5";
  write_synthetic(path);
  std::vector<DictEntry> d = test_dictionary();
  auto remove = [&](const std::string& p) {
    const auto n = d.size();
    std::erase_if(d, [&](const DictEntry& e) { return e.path == p; });
    ASSERT_EQ(d.size(), n - 1) << p;
  };
  remove("/scenarios/{scenario}@seed");
  remove("/scenarios/{scenario}/replicates/{replicate}/persons/income");
  d.push_back({"/scenarios/{scenario}/replicates/{replicate}/weekly/ghost", "dataset", "float64", "", ""});
  for (auto& e : d)
    if (e.path == "/@threads") e.type = "uint64";
  const auto problems = check_against_dictionary(path, d);
  EXPECT_EQ(problems.size(), 4u) << joined(problems);
  EXPECT_TRUE(any_contains(problems, "not in dictionary", "attribute /scenarios/{scenario}@seed (uint64)"));
  EXPECT_TRUE(any_contains(problems, "not in dictionary", "/persons/income (float64)"));
  EXPECT_TRUE(any_contains(problems, "missing from file", "/weekly/ghost"));
  EXPECT_TRUE(any_contains(problems, "type mismatch", "/@threads: file has int32, dictionary says uint64"));
}

TEST(Dictionary, CheckOfAMissingFileThrowsReadError) {
  TempDir dir;
  expect_read_error([&] { check_against_dictionary(dir / "nope.h5", dictionary()); }, {"nope.h5", "no such file"});
}
