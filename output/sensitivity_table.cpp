#include "output/sensitivity_table.hpp"

#include <hdf5.h>

#include "output/h5_detail.hpp"
#include "output/reader.hpp"

namespace percorsi::out {

using namespace detail;

namespace {

using T = SensitivityTable;
// The float64 datasets and their shapes, by letter: k parameters, S scenarios, D differences,
// O outputs, R replicates, P design points. Written when not empty (the Morris, the Sobol or the Latin hypercube set).
struct Field {
  const char* name;
  std::vector<double> T::*values;
  const char* shape;
};
const Field kFields[] = {
    {"lo", &T::lo, "k"},
    {"hi", &T::hi, "k"},
    {"design_unit", &T::design_unit, "Pk"},
    {"design", &T::design, "Pk"},
    {"runs", &T::runs, "PSRO"},
    {"values", &T::values, "PDO"},
    {"default_runs", &T::default_runs, "SRO"},
    {"default_values", &T::default_values, "DO"},
    {"sign_share", &T::sign_share, "DO"},
    {"mu_star", &T::mu_star, "DOk"},
    {"mu", &T::mu, "DOk"},
    {"sigma", &T::sigma, "DOk"},
    {"s1", &T::s1, "DOk"},
    {"s1_se", &T::s1_se, "DOk"},
    {"st", &T::st, "DOk"},
    {"st_se", &T::st_se, "DOk"},
    {"rho", &T::rho, "DOk"},
};
const char* const kStrings[] = {"parameters", "scenarios", "differences", "outputs"};
std::vector<std::string> T::*const kStringFields[] = {&T::parameters, &T::scenarios, &T::differences, &T::outputs};

std::vector<hsize_t> dims_of(const T& t, const char* shape) {
  const hsize_t k = t.parameters.size();
  std::vector<hsize_t> d;
  for (const char* c = shape; *c; ++c) switch (*c) {
      case 'k':
        d.push_back(k);
        break;
      case 'S':
        d.push_back(t.scenarios.size());
        break;
      case 'D':
        d.push_back(t.differences.size());
        break;
      case 'O':
        d.push_back(t.outputs.size());
        break;
      case 'R':
        d.push_back(static_cast<hsize_t>(t.replicates));
        break;
      case 'P':
        d.push_back(k ? t.design.size() / k : 0);
        break;
    }
  return d;
}

}  // namespace

void write_sensitivity_table(const std::string& h5_path, const SensitivityTable& t) {
  Session session;
  try {
    Handle file(check(H5Fopen(h5_path.c_str(), H5F_ACC_RDWR, file_access()), "file " + h5_path));
    const std::string g = "/sensitivity";
    Handle group = create_group(file, g);
    write_attr_string(group, g, "name", t.name);
    write_attr_string(group, g, "source_file", t.source_file);
    write_attr_string(group, g, "method", t.method);
    write_attr_uint64(group, g, "seed", t.seed);
    write_attr_int32(group, g, "replicates", t.replicates);
    write_attr_int32(group, g, "trajectories", t.trajectories);
    write_attr_int32(group, g, "levels", t.levels);
    write_attr_int32(group, g, "samples", t.samples);
    for (std::size_t i = 0; i < std::size(kStrings); ++i)
      write_strings(file, g + "/" + kStrings[i], t.*kStringFields[i]);
    for (const Field& f : kFields)
      if (!(t.*f.values).empty())
        write_dataset(file, g + "/" + f.name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, dims_of(t, f.shape),
                      (t.*f.values).data());
    check_status(H5Fflush(file, H5F_SCOPE_GLOBAL), "file " + h5_path);
  } catch (const H5Failure& e) {
    throw std::runtime_error(h5_path + ": writing the sensitivity analysis: " + e.what());
  }
}

SensitivityTable read_sensitivity_table(const std::string& h5_path) {
  Session session;
  Handle file = open_readonly(h5_path);
  SensitivityTable t;
  try {
    const std::string g = "/sensitivity";
    if (!exists(file, g))
      throw ReadError(h5_path + ": no sensitivity analysis (/sensitivity): not written by `percorsi sensitivity`");
    Handle group = open_group(file, g);
    t.name = read_attr_string(group, g, "name");
    t.source_file = read_attr_string(group, g, "source_file");
    t.method = read_attr_string(group, g, "method");
    t.seed = read_attr_uint64(group, g, "seed");
    t.replicates = static_cast<std::int32_t>(read_attr_int(group, g, "replicates"));
    t.trajectories = static_cast<std::int32_t>(read_attr_int(group, g, "trajectories"));
    t.levels = static_cast<std::int32_t>(read_attr_int(group, g, "levels"));
    t.samples = static_cast<std::int32_t>(read_attr_int(group, g, "samples"));
    for (std::size_t i = 0; i < std::size(kStrings); ++i)
      t.*kStringFields[i] = read_strings(file, g + "/" + kStrings[i]);
    for (const Field& f : kFields)
      if (exists(file, g + "/" + f.name)) t.*f.values = read_float64(file, g + "/" + f.name);
  } catch (const H5Failure& e) {
    throw ReadError(h5_path + ": " + e.what());
  }
  return t;
}

}  // namespace percorsi::out
