// What the files of the weekly script include: both machineries and World::with_machinery,
// which runs a phase with the machinery of the world's engine (docs/architecture.md).
#pragma once

#include "sim/engine/fast.hpp"
#include "sim/engine/reference.hpp"
#include "sim/engine/world.hpp"

namespace percorsi {

template <class F>
void World::with_machinery(F&& f) {
  if (engine_ == Engine::Reference) {
    Reference m{*this};
    f(m);
  } else {
    Fast m{*this};
    f(m);
  }
}

}  // namespace percorsi
