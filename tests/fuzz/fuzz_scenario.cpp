// libFuzzer target of the scenario loader (docs/fuzzing.md): the input is one to four files,
// separated by lines "#@file", written as main.yaml, baseline.yaml, family_care.yaml and
// housing_first.yaml in a private directory (so that the shipped files' `extends:` chains resolve
// among them), then loaded through the public loader as `percorsi validate` does: a trial file
// with load_trial, any other with load_scenarios (extends chains, sweeps expanded). Every
// problem must be a ScenarioError with a message; anything else (another exception, a crash, a
// sanitizer report, a hang, a leak, an allocation beyond -rss_limit_mb) is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "sim/registry/scenario.hpp"
#include "sim/registry/trial_spec.hpp"

using namespace percorsi;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const char* const kNames[] = {"main.yaml", "baseline.yaml", "family_care.yaml", "housing_first.yaml"};
  static constexpr std::string_view kSeparator = "\n#@file\n";
  const auto& dir = fuzz::work_dir("scenario");
  fuzz::clear(dir);
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::size_t from = 0;
  for (const char* name : kNames) {
    const std::size_t at = in.find(kSeparator, from);
    const std::string_view part = in.substr(from, at == std::string_view::npos ? std::string_view::npos : at - from);
    fuzz::write_file(dir / name, part.data(), part.size());
    if (at == std::string_view::npos) break;
    from = at + kSeparator.size();
  }
  const std::string main = (dir / "main.yaml").string();
  LoadOptions options;
  options.seed = 1;
  try {
    if (is_trial_file(main)) {
      const Trial t = load_trial(main, options);
      (void)t;
    } else {
      for (const Scenario& s : load_scenarios(main, options)) {
        (void)s.warnings();
        (void)s.to_yaml();
        (void)s.sweep_yaml();
      }
    }
  } catch (const ScenarioError& e) {
    if (std::string(e.what()).empty()) __builtin_trap();  // an error must say what is wrong
  }
  return 0;
}
