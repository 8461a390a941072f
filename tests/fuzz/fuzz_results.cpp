// libFuzzer target of the results reader and validator (docs/fuzzing.md): the input bytes are
// written as a .h5 file and opened the way `percorsi info` and every reader do: the validator
// first (results_damage: a ReadError when the file is no readable Percorsi results file, else the
// reason it is damaged or ""), then, for a file it passes, everything the Reader reads (the
// listing of `percorsi info --all`, every scenario, replicate, summary, weekly summary and the
// robustness table). Every problem must be a ReadError with a message; anything else (another
// exception, a crash, a sanitizer report, a hang, a leak, an allocation beyond -rss_limit_mb) is
// a finding. So is an HDF5 object (file, group, dataset, attribute, type) left open once the input
// is done: a handle leaked on an error path grows the process input after input (libFuzzer's fork
// mode runs many inputs in one process), and this check makes it a finding of the input that
// leaks, reproducible alone.
#include <hdf5.h>

#include <cstddef>
#include <cstdio>
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "output/reader.hpp"
#include "output/validate.hpp"

using namespace percorsi;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ssize_t types_before = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_DATATYPE);
  const auto& dir = fuzz::work_dir("results");
  const std::string path = (dir / "input.h5").string();
  fuzz::write_file(path, reinterpret_cast<const char*>(data), size);
  try {
    if (!out::results_damage(path, false, out::Isolation::here).empty()) return 0;  // refused with its reason, as `info` does
    const out::Reader rd(path);
    (void)rd.describe();
    (void)rd.provenance();
    (void)rd.robustness();
    for (const std::string& s : rd.scenarios()) {
      (void)rd.scenario(s);
      for (const std::string& i : rd.headline_names(s)) {
        (void)rd.headline(s, i);
        (void)rd.summary(s, i);
      }
      for (const std::string& w : rd.weekly_summary_names(s)) (void)rd.weekly_summary(s, w);
      for (int r : rd.replicates(s)) {
        (void)rd.replicate(s, r);
        (void)rd.timeline(s, r);
      }
    }
  } catch (const out::ReadError& e) {
    if (std::string(e.what()).empty()) __builtin_trap();  // an error must say what is wrong
  }
  // Files, groups, datasets and attributes: none may stay open. Datatypes: the HDF5 C++ library
  // holds its predefined ones for the whole process, so no more than before the input.
  const ssize_t types = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_DATATYPE);
  const ssize_t open = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_FILE | H5F_OBJ_GROUP | H5F_OBJ_DATASET | H5F_OBJ_ATTR);
  if (open != 0 || types > types_before) {
    std::fprintf(stderr, "fuzz_results: HDF5 objects left open after the input: %zd, and %zd datatypes (%zd before)\n",
                 open, types, types_before);
    __builtin_trap();
  }
  return 0;
}
