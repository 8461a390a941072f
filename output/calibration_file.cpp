#include "output/calibration_file.hpp"

#include <hdf5.h>

#include "output/h5_detail.hpp"
#include "output/reader.hpp"

namespace percorsi::out {

using namespace detail;

namespace {

// The attributes of /: a string, a number or an integer each, named once for writing and reading.
template <class F>
void each_attribute(CalibrationFile& c, F&& f) {
  f("name", c.name);
  f("source_file", c.source_file);
  f("method", c.method);
  f("kernel", c.kernel);
  f("stop", c.stop);
  f("program_version", c.program_version);
  f("git_commit", c.git_commit);
  f("command_line", c.command_line);
  f("start_time", c.start_time);
  f("wall_seconds", c.wall_seconds);
  f("quantile", c.quantile);
  f("final_epsilon", c.final_epsilon);
  f("threads", c.threads);
  f("ranks", c.ranks);
  f("particles", c.particles);
  f("replicates", c.replicates);
  f("seed", c.seed);
}

// The datasets: path and member, in the order written.
template <class F>
void each_dataset(CalibrationFile& c, F&& f) {
  f("/parameters/name", c.parameter);
  f("/parameters/prior_low", c.prior_low);
  f("/parameters/prior_high", c.prior_high);
  f("/parameters/prior_log", c.prior_log);
  f("/parameters/mean", c.mean);
  f("/parameters/median", c.median);
  f("/parameters/ci_low", c.ci_low);
  f("/parameters/ci_high", c.ci_high);
  f("/posterior/weight", c.weight);
  f("/posterior/distance", c.distance);
  f("/generations/epsilon", c.epsilon);
  f("/generations/acceptance", c.acceptance);
  f("/generations/ess", c.ess);
  f("/generations/proposals", c.proposals);
  f("/targets/target", c.target);
  f("/targets/trial", c.trial);
  f("/targets/arm", c.arm);
  f("/targets/measure", c.measure);
  f("/targets/published", c.published);
  f("/targets/tolerance", c.tolerance);
  f("/targets/simulated", c.simulated);
  f("/targets/z", c.z);
  f("/targets/met", c.met);
}

}  // namespace

void write_calibration_file(const std::string& path, const CalibrationFile& in) {
  CalibrationFile c = in;  // the visitors take members by reference
  try {
    Session session;
    {
      Handle file(check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, file_access()), "file " + path));
      Handle root(check(H5Gopen2(file, "/", H5P_DEFAULT), "group /"));
      write_attr_string(root, "/", "format", "percorsi-calibration");
      write_attr_int32(root, "/", "format_version", 1);
      each_attribute(c, [&](const char* name, auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string>)
          write_attr_string(root, "/", name, v);
        else if constexpr (std::is_same_v<V, double>)
          write_attr_float64(root, "/", name, v);
        else if constexpr (std::is_same_v<V, std::int32_t>)
          write_attr_int32(root, "/", name, v);
        else
          write_attr_uint64(root, "/", name, v);
      });
      for (const char* g : {"/parameters", "/posterior", "/generations", "/targets"}) create_group(file, g);
      each_dataset(c, [&](const char* p, auto& v) {
        using V = typename std::decay_t<decltype(v)>::value_type;
        const std::vector<hsize_t> dims = {v.size()};
        if constexpr (std::is_same_v<V, std::string>)
          write_strings(file, p, v);
        else if constexpr (std::is_same_v<V, double>)
          write_dataset(file, p, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, dims, v.data());
        else
          write_dataset(file, p, H5T_STD_I32LE, H5T_NATIVE_INT32, dims, v.data());
      });
      const hsize_t n = c.weight.size(), d = c.parameter.size();
      write_dataset(file, "/posterior/theta", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {n, d}, c.theta.data());
      check_status(H5Fflush(file, H5F_SCOPE_GLOBAL), "file " + path);
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": writing the calibration file: " + e.what());
  }
}

CalibrationFile read_calibration_file(const std::string& path) {
  Session session;
  Handle file = open_readonly(path);
  CalibrationFile c;
  try {
    Handle root(check(H5Gopen2(file, "/", H5P_DEFAULT), "group /"));
    if (!has_attr(root, "format") || read_attr_string(root, "/", "format") != "percorsi-calibration")
      throw ReadError(path + ": not a calibration file (written by `percorsi calibrate --out`)");
    each_attribute(c, [&](const char* name, auto& v) {
      using V = std::decay_t<decltype(v)>;
      if constexpr (std::is_same_v<V, std::string>)
        v = read_attr_string(root, "/", name);
      else if constexpr (std::is_same_v<V, double>)
        v = read_attr_float64(root, "/", name);
      else if constexpr (std::is_same_v<V, std::int32_t>)
        v = static_cast<std::int32_t>(read_attr_int(root, "/", name));
      else
        v = read_attr_uint64(root, "/", name);
    });
    each_dataset(c, [&](const char* p, auto& v) {
      using V = typename std::decay_t<decltype(v)>::value_type;
      if constexpr (std::is_same_v<V, std::string>)
        v = read_strings(file, p);
      else if constexpr (std::is_same_v<V, double>)
        v = read_float64(file, p);
      else
        v = read_int32(file, p);
    });
    c.theta = read_float64(file, "/posterior/theta");
  } catch (const H5Failure& e) {
    throw ReadError(path + ": " + e.what());
  }
  return c;
}

}  // namespace percorsi::out
