// MPI, when the program was built with it (PERCORSI_MPI, Open MPI found) and started by an MPI
// launcher (mpirun, mpiexec, srun --mpi=pmix): every rank runs a share of the scenario x
// replicate tasks with oneTBB inside, and rank 0 assembles the results file. Otherwise (built
// without MPI, or started directly) this is a single process of rank 0 in a world of one, and
// every function below is a no-op.
//
// Only the main thread calls MPI (MPI_THREAD_FUNNELED): TBB workers never do.
#pragma once

#include <string>
#include <vector>

namespace percorsi::mpi {

// True when the environment shows an MPI launcher started this process (OMPI_COMM_WORLD_SIZE,
// PMIX_RANK, PMI_SIZE, ...). Under such a launcher a build without MPI refuses to run rather
// than have every process run everything.
bool launched();
// True when this build has MPI support.
bool built_with_mpi();

// Initializes MPI for the lifetime of the object when launched() and built with MPI;
// finalizes in the destructor. One per process, in main().
class Session {
 public:
  Session(int* argc, char*** argv);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
};

bool active();     // a Session initialized MPI
int rank();        // 0 when not active
int size();        // 1 when not active
int local_size();  // ranks on this node (1 when not active)

// Collectives over every rank (identity when not active).
int max_all(int value);
void broadcast(std::string& s);            // from rank 0
void broadcast(std::vector<char>& bytes);  // from rank 0
void barrier();
// Element-wise sum over every rank, left on every rank (a rank's share of a computation filled in,
// zeros elsewhere, becomes the whole on all of them).
void sum_all(std::vector<double>& values);

}  // namespace percorsi::mpi
