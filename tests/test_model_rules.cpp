#include <gtest/gtest.h>
#include "model_test_helpers.hpp"
