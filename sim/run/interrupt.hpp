// Interruption of long work (SIGINT/SIGTERM set g_interrupt; the running layer checks it between
// weeks and tasks and throws Interrupted, which the command line turns into exit code 130).
#pragma once

#include <atomic>
#include <stdexcept>

namespace percorsi {

class Interrupted : public std::runtime_error {
 public:
  Interrupted() : std::runtime_error("interrupted") {}
};
extern std::atomic<bool> g_interrupt;

}  // namespace percorsi
