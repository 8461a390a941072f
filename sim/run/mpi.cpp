#include "sim/run/mpi.hpp"

#include <algorithm>
#include <cstdlib>

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

void sum_all(std::vector<double>& values) {
  if (!g_active) return;
  // In pieces below INT_MAX elements.
  for (std::size_t off = 0; off < values.size();) {
    const int piece = static_cast<int>(std::min<std::size_t>(values.size() - off, 1u << 28));
    MPI_Allreduce(MPI_IN_PLACE, values.data() + off, piece, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    off += static_cast<std::size_t>(piece);
  }
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
void sum_all(std::vector<double>&) {}

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
