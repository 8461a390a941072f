// Interruption of runs (SIGINT/SIGTERM): the flag the program's signal handler sets and the
// exception running worlds throw when they see it. Apart from runner.hpp so that ensemble.cpp
// needs no runner (no include cycle).
#pragma once

#include <atomic>
#include <stdexcept>

namespace percorsi {

// Thrown when a run is interrupted (SIGINT/SIGTERM); no results file is left behind.
class Interrupted : public std::runtime_error {
 public:
  Interrupted() : std::runtime_error("interrupted") {}
};
// Set by the program's signal handler; checked by running worlds every week.
extern std::atomic<bool> g_interrupt;

}  // namespace percorsi
