#include "output/robustness_table.hpp"

#include <hdf5.h>

#include "output/h5_detail.hpp"
#include "output/reader.hpp"

namespace percorsi::out {

using namespace detail;

namespace {
const std::string kGroup = "/robustness";
}  // namespace

const RobustnessRow* RobustnessTable::find(const std::string& scenario, const std::string& indicator) const {
  for (const auto& r : rows)
    if (r.scenario == scenario && r.indicator == indicator) return &r;
  return nullptr;
}

std::string join_rests_on(const std::vector<std::string>& paths) {
  std::string out;
  for (const auto& p : paths) out += (out.empty() ? "" : ";") + p;
  return out;
}

std::vector<std::string> split_rests_on(const std::string& joined) {
  std::vector<std::string> out;
  for (std::size_t pos = 0; pos < joined.size();) {
    const std::size_t next = std::min(joined.find(';', pos), joined.size());
    if (next > pos) out.push_back(joined.substr(pos, next - pos));
    pos = next + 1;
  }
  return out;
}

void write_robustness_table(const std::string& h5_path, const RobustnessTable& t) {
  Session session;
  try {
    Handle file(check(H5Fopen(h5_path.c_str(), H5F_ACC_RDWR, file_access()), "file " + h5_path));
    const std::string& g = kGroup;
    Handle group = create_group(file, g);
    write_attr_string(group, g, "baseline", t.baseline);
    write_attr_int32(group, g, "points", t.points);
    write_attr_int32(group, g, "replicates", t.replicates);
    write_attr_uint64(group, g, "seed", t.seed);
    write_attr_float64(group, g, "threshold", t.threshold);
    write_strings(file, g + "/assumptions", t.assumptions);
    std::vector<std::string> scenario, indicator, rests;
    std::vector<double> share;
    std::vector<std::int32_t> side, defined;
    for (const auto& r : t.rows) {
      scenario.push_back(r.scenario), indicator.push_back(r.indicator), rests.push_back(join_rests_on(r.rests_on));
      share.push_back(r.robust_share), side.push_back(r.verdict_side), defined.push_back(r.defined_points);
    }
    const std::vector<hsize_t> dims{hsize_t(t.rows.size())};
    write_strings(file, g + "/scenario", scenario);
    write_strings(file, g + "/indicator", indicator);
    write_dataset(file, g + "/robust_share", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, dims, share.data());
    write_dataset(file, g + "/verdict_side", H5T_STD_I32LE, H5T_NATIVE_INT32, dims, side.data());
    write_dataset(file, g + "/defined_points", H5T_STD_I32LE, H5T_NATIVE_INT32, dims, defined.data());
    write_strings(file, g + "/rests_on", rests);
    check_status(H5Fflush(file, H5F_SCOPE_GLOBAL), "file " + h5_path);
  } catch (const H5Failure& e) {
    throw std::runtime_error(h5_path + ": writing the robustness: " + e.what());
  }
}

std::optional<RobustnessTable> read_robustness_table(const std::string& h5_path) {
  Session session;
  Handle file = open_readonly(h5_path);
  RobustnessTable t;
  try {
    const std::string& g = kGroup;
    if (!exists(file, g)) return std::nullopt;
    Handle group = open_group(file, g);
    t.baseline = read_attr_string(group, g, "baseline");
    t.points = static_cast<std::int32_t>(read_attr_int(group, g, "points"));
    t.replicates = static_cast<std::int32_t>(read_attr_int(group, g, "replicates"));
    t.seed = read_attr_uint64(group, g, "seed");
    t.threshold = read_attr_float64(group, g, "threshold");
    t.assumptions = read_strings(file, g + "/assumptions");
    const auto scenario = read_strings(file, g + "/scenario"), indicator = read_strings(file, g + "/indicator"),
               rests = read_strings(file, g + "/rests_on");
    const auto share = read_float64(file, g + "/robust_share");
    const auto side = read_int32(file, g + "/verdict_side"), defined = read_int32(file, g + "/defined_points");
    const std::size_t n = scenario.size();
    if (indicator.size() != n || rests.size() != n || share.size() != n || side.size() != n || defined.size() != n)
      throw ReadError(h5_path + ": group " + g + ": its datasets have different lengths (scenario: " +
                      std::to_string(n) + " rows)");
    for (std::size_t i = 0; i < n; ++i)
      t.rows.push_back({scenario[i], indicator[i], share[i], side[i], defined[i], split_rests_on(rests[i])});
  } catch (const H5Failure& e) {
    throw ReadError(h5_path + ": " + e.what());
  }
  return t;
}

}  // namespace percorsi::out
