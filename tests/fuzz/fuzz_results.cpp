// libFuzzer target of the results reader and validator (docs/fuzzing.md): the input bytes are
// written as a .h5 file and opened the way `percorsi info` and every reader do: the validator
// first (results_damage: a ReadError when the file is no readable Percorsi results file, else the
// reason it is damaged or ""), then, for a file it passes, everything the Reader reads (the
// listing of `percorsi info --all`, every scenario, replicate, summary, weekly summary and the
// robustness table). Every problem must be a ReadError with a message; anything else (another
// exception, a crash, a sanitizer report, a hang, a leak, an allocation beyond -rss_limit_mb) is
// a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "output/reader.hpp"
#include "output/validate.hpp"

using namespace percorsi;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
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
  return 0;
}
