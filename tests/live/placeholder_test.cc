// live tests come with the tracer
#include <catch2/catch.hpp>
