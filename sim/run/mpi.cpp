#include "sim/run/mpi.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <stdexcept>

#ifdef PERCORSI_HAVE_MPI
#include <mpi.h>
#endif

namespace percorsi::mpi {

namespace {
bool g_active = false;
int g_rank = 0, g_size = 1, g_local = 1;
}  // namespace

bool launched() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(v)) return true;
  return false;
}

#ifdef PERCORSI_HAVE_MPI

bool built_with_mpi() {
  return true;
}

Session::Session(int* argc, char*** argv) {
  if (!launched()) return;
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, g_rank, MPI_INFO_NULL, &local);
  MPI_Comm_size(local, &g_local);
  MPI_Comm_free(&local);
  g_active = true;
}

Session::~Session() {
  if (!g_active) return;
  MPI_Finalize();
  g_active = false;
}

int max_all(int value) {
  if (!g_active) return value;
  int out = value;
  MPI_Allreduce(&value, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return out;
}

void broadcast(std::vector<char>& bytes) {
  if (!g_active) return;
  unsigned long long n = bytes.size();
  MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
  bytes.resize(n);
  // In pieces below INT_MAX elements.
  for (unsigned long long off = 0; off < n;) {
    const int piece = static_cast<int>(std::min<unsigned long long>(n - off, 1u << 30));
    MPI_Bcast(bytes.data() + off, piece, MPI_CHAR, 0, MPI_COMM_WORLD);
    off += static_cast<unsigned long long>(piece);
  }
}

void broadcast(std::string& s) {
  if (!g_active) return;
  std::vector<char> b(s.begin(), s.end());
  broadcast(b);
  s.assign(b.begin(), b.end());
}

void barrier() {
  if (g_active) MPI_Barrier(MPI_COMM_WORLD);
}

std::vector<std::vector<double>> gather(const std::vector<double>& mine) {
  // A few values per run: far below the 2^31 a message (and an offset) holds.
  if (!g_active) return {mine};
  if (mine.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw std::runtime_error("mpi::gather: more values than one message holds");
  const int n = static_cast<int>(mine.size());
  std::vector<int> counts(static_cast<std::size_t>(g_size)), offsets(counts.size());
  MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  long long total = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) offsets[r] = static_cast<int>(total), total += counts[r];
  std::vector<double> all(g_rank == 0 ? static_cast<std::size_t>(total) : 0);
  MPI_Gatherv(mine.data(), n, MPI_DOUBLE, all.data(), counts.data(), offsets.data(), MPI_DOUBLE, 0, MPI_COMM_WORLD);
  std::vector<std::vector<double>> out;
  if (g_rank == 0)
    for (std::size_t r = 0; r < counts.size(); ++r)
      out.emplace_back(all.begin() + offsets[r], all.begin() + offsets[r] + counts[r]);
  return out;
}

#else

bool built_with_mpi() {
  return false;
}
Session::Session(int*, char***) {}
Session::~Session() {}
int max_all(int value) {
  return value;
}
void broadcast(std::vector<char>&) {}
void broadcast(std::string&) {}
void barrier() {}
std::vector<std::vector<double>> gather(const std::vector<double>& mine) { return {mine}; }

#endif

bool active() {
  return g_active;
}
int rank() {
  return g_rank;
}
int size() {
  return g_size;
}
int local_size() {
  return g_local;
}

}  // namespace percorsi::mpi
