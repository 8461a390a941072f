#include "output/trial_table.hpp"

#include <hdf5.h>

#include "output/h5_detail.hpp"
#include "output/reader.hpp"

namespace percorsi::out {

using namespace detail;

void write_trial_table(const std::string& h5_path, const TrialTable& t) {
  Session session;
  try {
    Handle file(check(H5Fopen(h5_path.c_str(), H5F_ACC_RDWR, file_access()), "file " + h5_path));
    Handle g = create_group(file, "/trial");
    write_attr_string(g, "/trial", "name", t.name);
    write_attr_string(g, "/trial", "source_file", t.source_file);
    write_attr_int32(g, "/trial", "cohort", t.cohort);
    write_attr_int32(g, "/trial", "weeks", t.weeks);
    write_attr_int32(g, "/trial", "replicates", t.replicates);
    write_attr_uint64(g, "/trial", "seed", t.seed);
    write_strings(file, "/trial/arm", t.arm);
    write_strings(file, "/trial/measure", t.measure);
    write_strings(file, "/trial/kind", t.kind);
    write_strings(file, "/trial/target", t.target);
    const hsize_t rows = t.arm.size();
    auto reals = [&](const char* name, const std::vector<double>& v) {
      write_dataset(file, std::string("/trial/") + name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {rows}, v.data());
    };
    reals("mean", t.mean);
    reals("ci_low", t.ci_low);
    reals("ci_high", t.ci_high);
    reals("n", t.n);
    reals("published", t.published);
    reals("tolerance", t.tolerance);
    write_dataset(file, "/trial/within", H5T_STD_I32LE, H5T_NATIVE_INT32, {rows}, t.within.data());
    write_dataset(file, "/trial/values", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {rows, hsize_t(t.replicates)}, t.values.data());
    write_dataset(file, "/trial/replicate_index", H5T_STD_I32LE, H5T_NATIVE_INT32, {hsize_t(t.replicate_index.size())},
                  t.replicate_index.data());
    check_status(H5Fflush(file, H5F_SCOPE_GLOBAL), "file " + h5_path);
  } catch (const H5Failure& e) {
    throw std::runtime_error(h5_path + ": writing the trial table: " + e.what());
  }
}

TrialTable read_trial_table(const std::string& h5_path) {
  Session session;
  Handle file = open_readonly(h5_path);
  TrialTable t;
  try {
    if (!exists(file, "/trial")) throw ReadError(h5_path + ": no trial table (/trial): not written by `percorsi trial`");
    Handle g = open_group(file, "/trial");
    t.name = read_attr_string(g, "/trial", "name");
    t.source_file = read_attr_string(g, "/trial", "source_file");
    t.cohort = static_cast<std::int32_t>(read_attr_int(g, "/trial", "cohort"));
    t.weeks = static_cast<std::int32_t>(read_attr_int(g, "/trial", "weeks"));
    t.replicates = static_cast<std::int32_t>(read_attr_int(g, "/trial", "replicates"));
    t.seed = read_attr_uint64(g, "/trial", "seed");
    t.arm = read_strings(file, "/trial/arm");
    t.measure = read_strings(file, "/trial/measure");
    t.kind = read_strings(file, "/trial/kind");
    t.target = read_strings(file, "/trial/target");
    t.mean = read_float64(file, "/trial/mean");
    t.ci_low = read_float64(file, "/trial/ci_low");
    t.ci_high = read_float64(file, "/trial/ci_high");
    t.n = read_float64(file, "/trial/n");
    t.published = read_float64(file, "/trial/published");
    t.tolerance = read_float64(file, "/trial/tolerance");
    t.within = read_int32(file, "/trial/within");
    t.values = read_float64(file, "/trial/values");
    t.replicate_index = read_int32(file, "/trial/replicate_index");
  } catch (const H5Failure& e) {
    throw ReadError(h5_path + ": " + e.what());
  }
  return t;
}

}  // namespace percorsi::out
