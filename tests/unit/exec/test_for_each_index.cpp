#include <doctest/doctest.h>

#include <atomic>
#include <infoscale/core/error.hpp>
#include <infoscale/exec/for_each_index.hpp>
#include <string>
#include <vector>

#if INFOSCALE_HAS_OPENMP
#include <omp.h>
#endif

using namespace infoscale;

namespace {

template <class P>
void check_every_index_once(P policy) {
  std::vector<std::atomic<int>> hits(1000);
  for_each_index(policy, hits.size(), [&](std::size_t i) { hits[i].fetch_add(1); });
  for (const auto& h : hits) CHECK(h.load() == 1);
  for_each_index(policy, 0, [&](std::size_t) { FAIL("no index in an empty range"); });
}

// Indices 7 and 900 throw; every policy must rethrow index 7's error after the loop, not terminate.
template <class P>
void check_lowest_failure_is_rethrown(P policy, std::size_t chunk) {
  std::vector<int> done(1000, 0);
  const auto body = [&](std::size_t i) {
    if (i == 7 || i == 900) detail::raise("body", "i", "failed at " + std::to_string(i));
    done[i] = 1;
  };
  try {
    for_each_index(policy, done.size(), body, chunk);
    FAIL("no exception");
  } catch (const error& e) {
    CHECK(std::string(e.what()) == "infoscale::body: argument 'i' failed at 7");
  }
  CHECK(done[8] == 1);  // the loop ran on past the failure
}

}  // namespace

TEST_CASE("for_each_index visits every index once on every host policy") {
  check_every_index_once(seq);
  check_every_index_once(par);
#if INFOSCALE_HAS_THRUST
  check_every_index_once(thrust_host);
#endif
}

TEST_CASE("for_each_index: an exception in a parallel body reaches the caller, the lowest index's") {
#if INFOSCALE_HAS_OPENMP
  const int threads = omp_get_max_threads();
  omp_set_num_threads(4);
#endif
  CHECK_THROWS_WITH_AS(for_each_index(seq, 10,
                                      [](std::size_t i) {
                                        if (i >= 3)
                                          detail::raise("body", "i", "failed at " + std::to_string(i));
                                      }),
                       "infoscale::body: argument 'i' failed at 3", error);
  check_lowest_failure_is_rethrown(par, 0);
  check_lowest_failure_is_rethrown(par, 8);
#if INFOSCALE_HAS_THRUST
  check_lowest_failure_is_rethrown(thrust_host, 0);
#endif
#if INFOSCALE_HAS_OPENMP
  omp_set_num_threads(threads);
#endif
}
