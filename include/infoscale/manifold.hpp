#pragma once
// manifold/: Boltzmann manifolds (Yang, arXiv 2407.21092, §6) as composable types: R^N, S^M,
// (S^1)^M and their products; the induced Boltzmann distribution; the convexity-conjecture checker.
#include "infoscale/manifold/boltzmann.hpp"
#include "infoscale/manifold/classical_mds.hpp"
#include "infoscale/manifold/concepts.hpp"
#include "infoscale/manifold/convexity.hpp"
#include "infoscale/manifold/euclidean.hpp"
#include "infoscale/manifold/product.hpp"
#include "infoscale/manifold/sphere.hpp"
#include "infoscale/manifold/torus.hpp"
