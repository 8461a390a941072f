// The results validator and the replicate checksum (output/validate.hpp).
#include "output/validate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <new>
#include <set>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "output/h5_detail.hpp"
#include "sim/registry/outputs.hpp"

namespace percorsi::out {

using namespace detail;

// ---------------------------------------------------------------------------------------------
// Checksum

void Checksum::add(const void* data, std::size_t bytes) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < bytes; ++i) {
    h_ ^= p[i];
    h_ *= 1099511628211ull;
  }
}

std::string Checksum::hex() const {
  char b[17];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(h_));
  return b;
}

void Checksum::add_name(const std::string& s) {
  const std::uint64_t n = s.size();
  add(&n, sizeof n);
  add(s.data(), s.size());
}

namespace {

template <class T>
std::vector<const T*> by_name(const std::vector<T>& v) {
  std::vector<const T*> out;
  for (const auto& x : v) out.push_back(&x);
  std::sort(out.begin(), out.end(), [](const T* a, const T* b) { return a->name < b->name; });
  return out;
}

void add_columns(Checksum& c, const char* section, const std::vector<PersonColumn>& cols) {
  c.add_name(section);
  for (const PersonColumn* col : by_name(cols)) {
    c.add_name(col->name);
    const unsigned char is_int = col->is_int ? 1 : 0;
    c.add(&is_int, 1);
    if (col->is_int) c.add(col->ints.data(), col->ints.size() * sizeof(std::int32_t));
    else c.add(col->reals.data(), col->reals.size() * sizeof(double));
  }
}

}  // namespace

std::uint64_t checksum(const ReplicateResult& r) {
  Checksum c;
  const std::int32_t rep = r.replicate;
  c.add(&rep, sizeof rep);
  c.add(&r.seed, sizeof r.seed);
  c.add_name("weekly");
  for (const WeeklySeries* s : by_name(r.weekly)) {
    c.add_name(s->name);
    c.add(s->values.data(), s->values.size() * sizeof(double));
  }
  add_columns(c, "persons", r.persons);
  add_columns(c, "timeline", r.timeline);
  c.add_name("headline");
  for (const auto& [name, value] : r.headline) {  // a std::map: name order
    c.add_name(name);
    c.add(&value, sizeof value);
  }
  return c.value();
}

// ---------------------------------------------------------------------------------------------
// Validator

namespace {

// Fails validation: caught by validate_results and reported with the file name.
struct Damage {
  std::string what;
};
[[noreturn]] void damaged(const std::string& object, const std::string& why) { throw Damage{object + ": " + why}; }

// The values one output may take: NaN or not, its range, and an upper limit of codes.
struct Allowed {
  bool nan = false;
  Range range = Range::Signed;
  double upper = 1;
};
constexpr double kSlack = 1e-9;  // rounding of sums and ratios

// Why `x` is outside `a` ("" when it is not).
std::string outside(double x, const Allowed& a) {
  if (std::isnan(x)) return a.nan ? "" : "NaN where no value may be undefined";
  if (std::isinf(x)) return "an infinite value";
  switch (a.range) {
    case Range::Share:
      if (x < -kSlack || x > 1 + kSlack) return "a share outside [0, 1]";
      break;
    case Range::Positive:
      if (x < -kSlack * std::max(1.0, std::fabs(x))) return "a count, cost or duration below zero";
      break;
    case Range::Bounded:
      if (x < -kSlack || x > a.upper * (1 + kSlack)) return "outside its range [0, " + num(a.upper) + "]";
      break;
    case Range::Code:
      if (a.upper > 1 && (x < 0 || x >= a.upper)) return "a territory code outside 0.." + num(a.upper - 1);
      break;
    case Range::Signed:
      break;
  }
  return "";
}

Allowed allowed_of(OutputKind kind, const std::string& name, bool nan) {
  Allowed a;
  a.nan = nan;
  if (const OutputSpec* o = find_output(kind, name)) {
    a.range = o->range;
    a.upper = o->range == Range::Bounded ? o->upper : 1;
  }
  return a;
}

hsize_t product(const std::vector<hsize_t>& dims) {
  hsize_t n = 1;
  for (hsize_t d : dims) n *= d;
  return n;
}

class Validator {
 public:
  Validator(hid_t file, bool require_checksums) : file_(file), require_checksums_(require_checksums) {}

  void scenario(const std::string& name) {
    const std::string sp = "/scenarios/" + name;
    Handle g = open_group(file_, sp);
    weeks_ = read_attr_int(g, sp, "weeks");
    const std::int64_t replicates = read_attr_int(g, sp, "replicates");
    if (weeks_ < 1 || weeks_ > kMaxResultWeeks)
      damaged(attr_desc(sp, "weeks"), num(double(weeks_)) + " weeks, outside 1.." + std::to_string(kMaxResultWeeks));
    if (replicates < 1 || replicates > kMaxResultReplicates)
      damaged(attr_desc(sp, "replicates"),
              num(double(replicates)) + " replicates, outside 1.." + std::to_string(kMaxResultReplicates));
    {
      Handle d = open_dataset(file_, sp + "/territories");
      const auto dims = dataset_dims(d, sp + "/territories");
      if (dims.size() != 1 || dims[0] < 1 || dims[0] > hsize_t(kMaxResultTerritories))
        damaged("dataset " + sp + "/territories",
                "shape " + shape(dims) + ": expected 1 to " + std::to_string(kMaxResultTerritories) + " names");
    }
    territories_ = read_strings(file_, sp + "/territories");
    if (hsize_t(weeks_) * territories_.size() > hsize_t(kMaxResultCells))
      damaged(sp, "weeks x territories beyond " + std::to_string(kMaxResultCells) + " cells");
    std::set<std::string> distinct(territories_.begin(), territories_.end());
    if (distinct.size() != territories_.size()) damaged("dataset " + sp + "/territories", "a territory named twice");

    const std::string rg = sp + "/replicates";
    std::vector<int> reps;
    for (const auto& n : children(file_, rg)) {
      int r = -1;
      if (n.size() >= 5 && n[0] == 'r' && n.find_first_not_of("0123456789", 1) == std::string::npos && n.size() < 10)
        r = std::stoi(n.substr(1));
      if (r < 0) damaged("group " + rg, "unexpected member '" + n + "'");
      if (r >= replicates)
        damaged("group " + rg + "/" + n, "replicate " + std::to_string(r) + " beyond the scenario's " +
                                             std::to_string(replicates) + " replicates");
      reps.push_back(r);
    }
    std::sort(reps.begin(), reps.end());
    members_.clear();
    for (int r : reps) replicate(rg, r);
    summary(sp, reps);
  }

  // /robustness (compare --robustness --out): rows of one length, each share in [0, 1] (never NaN:
  // a difference without robustness has no row), its verdict's side, its points within the
  // design's, its scenarios among the file's.
  void robustness(const std::vector<std::string>& scenarios) {
    const std::string g = "/robustness";
    Handle group = open_group(file_, g);
    const std::string baseline = read_attr_string(group, g, "baseline");
    const std::int64_t points = read_attr_int(group, g, "points");
    auto known = [&](const std::string& s) { return std::find(scenarios.begin(), scenarios.end(), s) != scenarios.end(); };
    if (!known(baseline)) damaged(attr_desc(g, "baseline"), "'" + baseline + "' is no scenario of the file");
    if (points < 1 || points > 100000) damaged(attr_desc(g, "points"), num(double(points)) + " points, outside 1..100000");
    hsize_t n = 0;
    bool first = true;
    for (const char* name : {"scenario", "indicator", "rests_on", "robust_share", "verdict_side", "defined_points"}) {
      const std::string p = g + "/" + name;
      Handle d = open_dataset(file_, p);
      const auto dims = dataset_dims(d, p);
      if (dims.size() != 1 || dims[0] > hsize_t(kMaxResultCells))
        damaged("dataset " + p, "shape " + shape(dims) + ": expected one value per difference");
      if (!first && dims[0] != n)
        damaged("dataset " + p, "shape " + shape(dims) + ": expected [" + std::to_string(n) + "], as /robustness/scenario");
      n = dims[0], first = false;
    }
    const auto scenario = read_strings(file_, g + "/scenario"), indicator = read_strings(file_, g + "/indicator");
    const auto share = read_float64(file_, g + "/robust_share");
    const auto side = read_int32(file_, g + "/verdict_side"), defined = read_int32(file_, g + "/defined_points");
    for (std::size_t i = 0; i < n; ++i) {
      const std::string row = "row " + std::to_string(i) + " (" + scenario[i] + " - " + baseline + ", " + indicator[i] + ")";
      if (!known(scenario[i])) damaged("dataset " + g + "/scenario", row + ": no scenario of the file");
      if (!(share[i] >= 0 && share[i] <= 1))
        damaged("dataset " + g + "/robust_share", "value " + num(share[i]) + " at " + row +
                                                      ": a share of the plausible space must lie in [0, 1] (a "
                                                      "difference without robustness has no row)");
      if (side[i] < -1 || side[i] > 1)
        damaged("dataset " + g + "/verdict_side", "value " + std::to_string(side[i]) + " at " + row + ": expected -1, 0 or 1");
      if (defined[i] < 1 || defined[i] > points)
        damaged("dataset " + g + "/defined_points", "value " + std::to_string(defined[i]) + " at " + row +
                                                        ": outside 1.." + std::to_string(points) + " (the design's points)");
    }
  }

 private:
  // Reads a dataset block by block (at most about a million values at a time) as doubles, and
  // calls check(value, index) for each; returns the number of values.
  template <class F>
  void each_value(hid_t d, const std::string& path, const std::vector<hsize_t>& dims, bool is_int, F&& check,
                  Checksum* sum = nullptr) {
    const hsize_t total = product(dims);
    if (total == 0) return;
    const hsize_t row = dims.size() == 2 ? dims[1] : 1;
    const hsize_t rows = dims.empty() ? 1 : dims[0];
    const hsize_t per = std::max<hsize_t>(1, (hsize_t(1) << 20) / std::max<hsize_t>(row, 1));
    Handle fspace(check_h5(H5Dget_space(d), path));
    std::vector<double> reals;
    std::vector<std::int32_t> ints;
    for (hsize_t r0 = 0; r0 < rows; r0 += per) {
      const hsize_t n = std::min(per, rows - r0);
      const hsize_t len = n * row;
      Handle mspace(check_h5(H5Screate_simple(1, &len, nullptr), path));
      if (!dims.empty()) {
        std::vector<hsize_t> start(dims.size(), 0), count = dims;
        start[0] = r0;
        count[0] = n;
        check_status(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
                     "dataset " + path);
      }
      if (is_int) {
        ints.resize(len);
        check_status(H5Dread(d, H5T_NATIVE_INT32, mspace, fspace, H5P_DEFAULT, ints.data()), "dataset " + path);
        if (sum) sum->add(ints.data(), len * sizeof(std::int32_t));
        for (hsize_t i = 0; i < len; ++i) check(double(ints[i]), r0 * row + i);
      } else {
        reals.resize(len);
        check_status(H5Dread(d, H5T_NATIVE_DOUBLE, mspace, fspace, H5P_DEFAULT, reals.data()), "dataset " + path);
        if (sum) sum->add(reals.data(), len * sizeof(double));
        for (hsize_t i = 0; i < len; ++i) check(reals[i], r0 * row + i);
      }
    }
  }
  static hid_t check_h5(hid_t id, const std::string& path) { return check(id, "dataset " + path); }

  // Opens a dataset, checks its type class and returns its dims.
  Handle typed(const std::string& p, bool want_int, std::vector<hsize_t>& dims, bool either = false,
               bool* is_int = nullptr) {
    Handle d = open_dataset(file_, p);
    Handle t(check(H5Dget_type(d), "dataset " + p));
    const H5T_class_t c = H5Tget_class(t);
    const bool int_here = c == H5T_INTEGER;
    if (c != H5T_INTEGER && c != H5T_FLOAT) damaged("dataset " + p, "expected numbers, found " + type_name(t));
    if (!either && int_here != want_int)
      damaged("dataset " + p, std::string("expected ") + (want_int ? "int32" : "float64") + " values, found " +
                                  type_name(t));
    if (is_int) *is_int = int_here;
    dims = dataset_dims(d, p);
    return d;
  }

  // The member names of one sub-group must be those of the first replicate.
  std::vector<std::string> members(const std::string& rp, const std::string& sub, bool optional = false) {
    std::vector<std::string> names;
    if (!optional || exists(file_, rp + "/" + sub)) names = children(file_, rp + "/" + sub);
    std::sort(names.begin(), names.end());
    auto [it, fresh] = members_.emplace(sub, names);
    if (!fresh && it->second != names)
      damaged("group " + rp + "/" + sub, "other datasets than the scenario's first replicate");
    return names;
  }

  void replicate(const std::string& rg, int r) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "r%04d", r);
    const std::string rp = rg + "/" + buf;
    Handle g = open_group(file_, rp);
    const std::int64_t index = read_attr_int(g, rp, "replicate");
    if (index != r) damaged(attr_desc(rp, "replicate"), std::to_string(index) + " in the group of replicate " + buf);
    const std::uint64_t seed = read_attr_uint64(g, rp, "seed");
    const bool has_sum = has_attr(g, "checksum");
    if (!has_sum && require_checksums_) damaged("group " + rp, "no checksum of its data");
    Checksum sum;
    const std::int32_t rep32 = r;
    sum.add(&rep32, sizeof rep32);
    sum.add(&seed, sizeof seed);
    Checksum* cs = has_sum ? &sum : nullptr;
    const hsize_t T = territories_.size();

    if (cs) cs->add_name("weekly");
    for (const auto& n : members(rp, "weekly")) {
      const std::string p = rp + "/weekly/" + n;
      std::vector<hsize_t> dims;
      Handle d = typed(p, false, dims);
      if (dims != std::vector<hsize_t>{hsize_t(weeks_), T})
        damaged("dataset " + p, "shape " + shape(dims) + ", expected [weeks, territories] = [" +
                                    std::to_string(weeks_) + ", " + std::to_string(T) + "]");
      const Allowed a = allowed_of(OutputKind::Series, n, false);
      if (cs) cs->add_name(n);
      each_value(d, p, dims, false, [&](double x, hsize_t i) {
        const std::string why = outside(x, a);
        if (!why.empty())
          damaged("dataset " + p, "value " + num(x) + " at week " + std::to_string(i / T) + ", territory " +
                                      territories_[i % T] + ": " + why);
      }, cs);
    }
    columns(rp, "persons", cs, false);
    columns(rp, "timeline", cs, true);
    if (cs) cs->add_name("headline");
    for (const auto& n : members(rp, "headline")) {
      const std::string p = rp + "/headline/" + n;
      std::vector<hsize_t> dims;
      Handle d = typed(p, false, dims);
      if (product(dims) != 1) damaged("dataset " + p, "shape " + shape(dims) + ", expected a single value");
      const Allowed a = allowed_of(OutputKind::Headline, n, true);
      if (cs) cs->add_name(n);
      each_value(d, p, dims, false, [&](double x, hsize_t) {
        const std::string why = outside(x, a);
        if (!why.empty()) damaged("dataset " + p, "value " + num(x) + ": " + why);
      }, cs);
    }
    if (has_sum) {
      const std::uint64_t want = read_attr_uint64(g, rp, "checksum");
      if (want != sum.value())
        damaged("group " + rp, "its data do not match its checksum (changed or cut after it was written)");
    }
  }

  void columns(const std::string& rp, const char* sub, Checksum* cs, bool optional) {
    if (cs) cs->add_name(sub);
    hsize_t length = 0;
    bool first = true;
    const bool persons = std::string(sub) == "persons";
    for (const auto& n : members(rp, sub, optional)) {
      const std::string p = rp + "/" + sub + "/" + n;
      const OutputSpec* o = persons ? find_output(OutputKind::Person, n) : nullptr;
      std::vector<hsize_t> dims;
      bool is_int = false;
      Handle d = typed(p, o && o->type == OutputType::Int32, dims, o == nullptr, &is_int);
      if (dims.size() != 1) damaged("dataset " + p, "shape " + shape(dims) + ", expected a 1-D column");
      if (dims[0] > hsize_t(kMaxResultPersonRows))
        damaged("dataset " + p, std::to_string(dims[0]) + " rows, beyond " + std::to_string(kMaxResultPersonRows));
      if (!first && dims[0] != length)
        damaged("dataset " + p, std::to_string(dims[0]) + " rows where the other columns have " + std::to_string(length));
      length = dims[0];
      first = false;
      Allowed a = persons ? allowed_of(OutputKind::Person, n, false) : Allowed{};
      if (persons && n == "territory") a.upper = double(territories_.size());  // a code into the territories
      if (cs) {
        cs->add_name(n);
        const unsigned char flag = is_int ? 1 : 0;
        cs->add(&flag, 1);
      }
      each_value(d, p, dims, is_int, [&](double x, hsize_t i) {
        const std::string why = outside(x, a);
        if (!why.empty()) damaged("dataset " + p, "value " + num(x) + " in row " + std::to_string(i) + ": " + why);
      }, cs);
    }
  }

  void summary(const std::string& sp, const std::vector<int>& reps) {
    const std::string g = sp + "/summary";
    if (!exists(file_, g)) return;
    const std::string ip = g + "/replicate_index";
    std::vector<hsize_t> dims;
    {
      Handle d = typed(ip, true, dims);
      if (dims != std::vector<hsize_t>{hsize_t(reps.size())})
        damaged("dataset " + ip, "shape " + shape(dims) + " for " + std::to_string(reps.size()) + " replicates");
    }
    const std::vector<std::int32_t> index = read_int32(file_, ip);
    if (std::vector<int>(index.begin(), index.end()) != reps)
      damaged("dataset " + ip, "other replicates than the file holds");
    for (const auto& n : children(file_, g)) {
      if (n == "replicate_index" || n == "weekly") continue;
      const std::string p = g + "/" + n;
      Handle d = typed(p, false, dims);
      if (dims != std::vector<hsize_t>{hsize_t(reps.size())})
        damaged("dataset " + p, "shape " + shape(dims) + " for " + std::to_string(reps.size()) + " replicates");
      const Allowed a = allowed_of(OutputKind::Headline, n, true);
      each_value(d, p, dims, false, [&](double x, hsize_t i) {
        const std::string why = outside(x, a);
        if (!why.empty()) damaged("dataset " + p, "value " + num(x) + " of replicate " + std::to_string(reps[i]) + ": " + why);
      });
      const std::int64_t count = read_attr_int(d, p, "n");
      if (count < 0 || count > std::int64_t(reps.size()))
        damaged(attr_desc(p, "n"), std::to_string(count) + " for " + std::to_string(reps.size()) + " replicates");
      double v[3];
      const char* names[3] = {"ci_low", "mean", "ci_high"};
      for (int k = 0; k < 3; ++k) {
        v[k] = read_attr_float64(d, p, names[k]);
        const std::string why = outside(v[k], a);
        if (!why.empty()) damaged(attr_desc(p, names[k]), num(v[k]) + ": " + why);
      }
      const bool defined = !std::isnan(v[0]) && !std::isnan(v[1]) && !std::isnan(v[2]);  // n < 2: no interval
      if (defined && !(v[0] <= v[1] + kSlack * (1 + std::fabs(v[1])) && v[1] <= v[2] + kSlack * (1 + std::fabs(v[2]))))
        damaged(p, "the mean " + num(v[1]) + " is outside its interval [" + num(v[0]) + ", " + num(v[2]) + "]");
    }
    const std::string wg = g + "/weekly";
    if (!exists(file_, wg)) return;
    const hsize_t T = territories_.size();
    for (const auto& n : children(file_, wg)) {
      const Allowed a = allowed_of(OutputKind::Series, n, true);
      for (const char* part : {"mean", "sd", "ci_low", "ci_high", "n"}) {
        const std::string p = wg + "/" + n + "/" + part;
        const bool is_n = std::string(part) == "n";
        Handle d = typed(p, is_n, dims);
        if (dims != std::vector<hsize_t>{hsize_t(weeks_), T})
          damaged("dataset " + p, "shape " + shape(dims) + ", expected [weeks, territories] = [" +
                                      std::to_string(weeks_) + ", " + std::to_string(T) + "]");
        Allowed here = a;
        if (std::string(part) == "sd") here.range = Range::Positive;
        if (is_n) here = Allowed{false, Range::Bounded, double(reps.size())};
        each_value(d, p, dims, is_n, [&](double x, hsize_t i) {
          const std::string why = outside(x, here);
          if (!why.empty())
            damaged("dataset " + p, "value " + num(x) + " at week " + std::to_string(i / T) + ", territory " +
                                        territories_[i % T] + ": " + why);
        });
      }
    }
  }

  hid_t file_;
  bool require_checksums_;
  std::int64_t weeks_ = 0;
  std::vector<std::string> territories_;
  std::map<std::string, std::vector<std::string>> members_;  // sub-group -> names of the first replicate
};

// libhdf5 1.10.8 walks a global heap collection (where variable-length strings live) object by
// object, stepping by each object's declared size; a free-space object (index 0) of size 0 makes
// that walk loop forever, inside the library, on the first string read from the collection (found
// by fuzzing: `percorsi info` hung). The collections are walked here first, as the library walks
// them, before the library reads any: the reason a collection would not be walked to its end,
// or "" when every one would. A collection is "GCOL", version 1, 3 reserved bytes and its size
// (8 bytes, as this program writes them), then objects of a 16-byte header (index 2 bytes,
// references 2, reserved 4, size 8) and their data padded to 8 bytes.
std::string global_heap_problem(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  const std::uint64_t file_size = static_cast<std::uint64_t>(in.tellg());
  auto u64 = [](const unsigned char* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
  };
  constexpr std::uint64_t kMinCollection = 4096, kMaxCollection = std::uint64_t(1) << 32;
  std::vector<unsigned char> block(std::size_t(1) << 20), heap;
  for (std::uint64_t at = 0; at < file_size;) {
    const std::uint64_t n = std::min<std::uint64_t>(block.size(), file_size - at);
    in.clear();
    in.seekg(static_cast<std::streamoff>(at));
    in.read(reinterpret_cast<char*>(block.data()), static_cast<std::streamsize>(n));
    if (in.gcount() != static_cast<std::streamsize>(n)) return "";
    for (std::uint64_t i = 0; i + 4 <= n; ++i) {
      if (std::memcmp(&block[i], "GCOL", 4) != 0) continue;
      const std::uint64_t begin = at + i;
      if (begin + 16 > file_size) continue;
      unsigned char head[16];
      in.clear();
      in.seekg(static_cast<std::streamoff>(begin));
      in.read(reinterpret_cast<char*>(head), 16);
      const std::uint64_t size = u64(head + 8);
      if (head[4] != 1 || size < kMinCollection || size > kMaxCollection || size > file_size - begin) continue;
      heap.resize(size);
      in.seekg(static_cast<std::streamoff>(begin));
      in.read(reinterpret_cast<char*>(heap.data()), static_cast<std::streamsize>(size));
      for (std::uint64_t p = 16; p < size && p + 16 <= size;) {
        const unsigned index = heap[p] | (unsigned(heap[p + 1]) << 8);
        const std::uint64_t object = u64(&heap[p + 8]);
        const std::uint64_t need = index == 0 ? object : 16 + ((object + 7) / 8) * 8;
        if (need == 0 || object > size)
          return "global heap collection at byte " + std::to_string(begin) + ": object " + std::to_string(index) +
                 " of size " + std::to_string(object) + " at byte " + std::to_string(begin + p) +
                 (need == 0 ? " (a walk of the collection would never end)" : " (beyond its collection)");
        p += need;
      }
    }
    if (n < 4) break;
    at += n - 3;  // a signature across two blocks is found in the next
  }
  return "";
}

}  // namespace

namespace {

std::string results_damage_here(const std::string& path, bool require_checksums) {
  {
    const std::string heap = global_heap_problem(path);  // before libhdf5 reads any string
    if (!heap.empty()) return heap;
  }
  Reader rd(path);  // a readable Percorsi results file (ReadError otherwise)
  Session session;
  Handle file = open_readonly(path);
  try {
    Validator v(file, require_checksums);
    std::vector<std::string> scenarios;
    if (exists(file, "/scenarios")) scenarios = children(file, "/scenarios");
    for (const auto& name : scenarios) v.scenario(name);
    if (exists(file, "/robustness")) v.robustness(scenarios);
  } catch (const Damage& d) {
    return d.what;
  } catch (const H5Failure& e) {
    return e.what();
  }
  return "";
}

// The child's exit codes.
constexpr int kChildSound = 0, kChildDamaged = 3, kChildUnreadable = 4;
// A check that has not ended in an hour is taken to hang (a deadlock or a loop of the library).
constexpr unsigned kChildSeconds = 3600;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PERCORSI_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PERCORSI_SANITIZED 1
#endif
#endif

#ifndef PERCORSI_SANITIZED
// The memory the check may take beyond what the process already holds: a fixed allowance plus a
// multiple of the file's size (compressed chunks expand). A damaged size (of a chunk, a string) can
// declare gigabytes, which libhdf5 1.10.8 allocates before it finds the data missing (a 35 KB
// file made the check take 16 GiB); beyond the limit the allocation fails and the file is refused.
// The allowance is PERCORSI_VALIDATE_MEMORY_MB (default 4096) megabytes.
constexpr std::uintmax_t kChildMemoryBaseMB = 4096, kChildMemoryPerFileByte = 64;

std::uintmax_t child_memory_base() {
  std::uintmax_t mb = kChildMemoryBaseMB;
  if (const char* v = std::getenv("PERCORSI_VALIDATE_MEMORY_MB")) {
    char* end = nullptr;
    const unsigned long long x = std::strtoull(v, &end, 10);
    if (end != v && *end == '\0' && x > 0) mb = x;
  }
  return mb << 20;
}

#endif

// Caps the child's address space (not under the address and thread sanitizers, which reserve
// terabytes of it for their shadow memory).
void limit_child_memory([[maybe_unused]] const std::string& path) {
#ifndef PERCORSI_SANITIZED
  std::uintmax_t held = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    unsigned long pages = 0;
    if (std::fscanf(f, "%lu", &pages) == 1) held = std::uintmax_t{pages} * static_cast<std::uintmax_t>(::sysconf(_SC_PAGESIZE));
    std::fclose(f);
  }
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  const std::uintmax_t budget = held + child_memory_base() + (ec ? 0 : size) * kChildMemoryPerFileByte;
  const rlimit lim{static_cast<rlim_t>(budget), static_cast<rlim_t>(budget)};
  ::setrlimit(RLIMIT_AS, &lim);
#endif
}

bool may_fork() {
  for (const char* v : {"PERCORSI_VALIDATE_IN_PROCESS", "OMPI_COMM_WORLD_SIZE", "PMI_RANK", "PMIX_RANK"})
    if (std::getenv(v)) return false;
  return true;
}

// Runs the check in a child process: its reason (or the ReadError's message) comes back through a
// pipe; a child that dies or ends otherwise leaves the file damaged, with what happened.
std::string results_damage_in_child(const std::string& path, bool require_checksums) {
  int fds[2];
  if (::pipe(fds) != 0) return results_damage_here(path, require_checksums);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]), ::close(fds[1]);
    return results_damage_here(path, require_checksums);
  }
  if (pid == 0) {  // the child: the check, its answer on the pipe, nothing on the terminal
    ::close(fds[0]);
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) ::dup2(null, 1), ::dup2(null, 2);
    ::alarm(kChildSeconds);
    limit_child_memory(path);
    std::string msg;
    int code = kChildSound;
    try {
      msg = results_damage_here(path, require_checksums);
      code = msg.empty() ? kChildSound : kChildDamaged;
    } catch (const ReadError& e) {
      msg = e.what(), code = kChildUnreadable;
    } catch (const std::bad_alloc&) {
      msg = "reading it needs more memory than the check allows (a damaged size?)", code = kChildDamaged;
    } catch (const std::exception& e) {
      msg = e.what(), code = kChildDamaged;
    }
    for (std::size_t done = 0; done < msg.size();) {
      const ssize_t n = ::write(fds[1], msg.data() + done, msg.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::_exit(code);
  }
  ::close(fds[1]);
  std::string msg;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n > 0) msg.append(buf, static_cast<std::size_t>(n));
    else if (n == 0 || errno != EINTR) break;
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    switch (WEXITSTATUS(status)) {
      case kChildSound: return "";
      case kChildDamaged: return msg;
      case kChildUnreadable: throw ReadError(msg);
      default: return "the HDF5 library failed reading it (the check ended with code " + std::to_string(WEXITSTATUS(status)) + ")";
    }
  }
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return sig == SIGALRM ? "the HDF5 library did not finish reading it in " + std::to_string(kChildSeconds / 60) + " minutes"
                          : "the HDF5 library crashed reading it (" + std::string(::strsignal(sig)) + ")";
  }
  return "the HDF5 library failed reading it";
}

}  // namespace

std::string results_damage(const std::string& path, bool require_checksums, Isolation where) {
  if (where == Isolation::child && may_fork()) return results_damage_in_child(path, require_checksums);
  return results_damage_here(path, require_checksums);
}

void validate_results(const std::string& path, bool require_checksums, Isolation where) {
  const std::string why = results_damage(path, require_checksums, where);
  if (!why.empty()) throw DamagedResults(path + ": damaged: " + why);
}

}  // namespace percorsi::out
