// The results validator (docs/files.md): one check of a whole results file, used before any
// command reads values from it (info, compare, merge, export, the assembly of a run, the viewer),
// so that nothing is printed, written or drawn from damaged data.
//
// It checks, before reading any values, the dimensions against limits (weeks, territories,
// replicates, person rows) and the shape and type of every dataset against the layout and the
// declared outputs (sim/registry/outputs.def): weekly series [weeks, territories], person and timeline
// columns 1-D of one length, headline indicators scalar, summaries of the replicates' length;
// then, reading block by block (bounded memory), the values against each output's range: no NaN
// in weekly series and person columns (a headline indicator is NaN when undefined), nothing
// below zero where a count, cost or duration is declared, shares in [0, 1], bounded quantities
// within their upper limit, territory codes within the territories; the replicate's attributes
// against its group name, and its checksum (written by the Recorder over its data) when present.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "output/reader.hpp"
#include "sim/registry/results.hpp"

namespace percorsi::out {

// A results file whose contents contradict the layout or the declared outputs. A ReadError, so
// that every command refuses it with exit code 2; the message names the file and the dataset.
class DamagedResults : public ReadError {
 public:
  using ReadError::ReadError;
};

// Dimension limits of a results file (what the program can write: horizon up to 2600 weeks,
// up to 100,000 replicates).
inline constexpr std::int64_t kMaxResultWeeks = 2600;
inline constexpr std::int64_t kMaxResultTerritories = 100000;
inline constexpr std::int64_t kMaxResultReplicates = 100000;
inline constexpr std::int64_t kMaxResultPersonRows = 100000000;
inline constexpr std::int64_t kMaxResultCells = 1000000000;  // weeks x territories of one series

// Where the check runs. libhdf5 itself can crash on some crafted files before any check can
// refuse them (docs/fuzzing.md; tests/data/bad-results-fuzz/). `child`: in a child process
// (fork), so that such a file is said to be damaged ("the HDF5 library crashed reading it") and
// the program goes on; used where the calling process has no other thread using HDF5 and is no
// MPI rank (under MPI, or with PERCORSI_VALIDATE_IN_PROCESS set, it runs here). `here`: in this
// process (the fuzzers, the viewer, a run's own checksummed task files).
enum class Isolation { child, here };

// Checks the whole file; throws DamagedResults ("<path>: damaged: <object>: <reason>") at the
// first problem, ReadError when the file is no readable Percorsi results file. With
// `require_checksums`, a replicate without a checksum is damaged too (the task files of a run).
void validate_results(const std::string& path, bool require_checksums = false, Isolation where = Isolation::child);
// The reason the file is damaged ("" when it is not); ReadError when it is unreadable.
std::string results_damage(const std::string& path, bool require_checksums = false, Isolation where = Isolation::child);

// A 64-bit FNV-1a checksum of one replicate's data (replicate index, seed, weekly series, person
// and timeline columns, headline values; names in name order), as the Recorder writes it in the
// replicate's attribute `checksum` and the validator recomputes it from the file.
class Checksum {
 public:
  void add(const void* data, std::size_t bytes);
  void add_name(const std::string& s);
  std::uint64_t value() const { return h_; }
  std::string hex() const;  // the value as 16 hex digits, as fingerprints are written

 private:
  std::uint64_t h_ = 14695981039346656037ull;
};
std::uint64_t checksum(const ReplicateResult& r);

}  // namespace percorsi::out
