// hvib/ (with info/'s estimators): I(X; Y) from paired samples by a Gaussian (log-det) model, the
// Kraskov-Stoegbauer-Grassberger k-NN estimator and equal-width binning. Samples are rows; a 1-D
// array is n one-dimensional samples, read in place as an (n, 1) matrix.
#include "bindings.hpp"
#include "infoscale/info/mutual_information.hpp"

namespace infoscale::python {
namespace {

using namespace nb::literals;

/// A (samples, dimensions) input; 1-D means n one-dimensional samples.
matrix_input as_samples(const array_in& a, std::string_view function, std::string_view name) {
  matrix_input in = as_matrix(a, function, name);
  if (in.is_vector) {
    in.shape = {in.shape[1], 1};
    in.strides = {in.strides[1], 1};
  }
  return in;
}

/// x and y of one dtype, then f(view_x, view_y) without the GIL.
template <class F>
double with_samples(const array_in& x, const array_in& y, const char* function, F&& f) {
  const matrix_input in_x = as_samples(x, function, "x");
  const matrix_input in_y = as_samples(y, function, "y");
  require_same_dtype(in_x, in_y, function, "x", "y");
  nb::gil_scoped_release release;
  return visit_dtype(in_x, "x", [&](auto vx) {
    using t = std::remove_const_t<typename decltype(vx)::element_type>;
    return f(vx, view_as<t>(in_y, "y"));
  });
}

#define INFOSCALE_SAMPLES_PARAMS                                              \
  "Parameters\n"                                                              \
  "----------\n"                                                              \
  "x, y : array_like, shape (samples, dx) and (samples, dy), or (samples,)\n" \
  "    Paired samples (rows), one dtype among float16, bfloat16, float32, float64; read in place.\n"

}  // namespace

void bind_mutual_information(nb::module_& h) {
  h.def(
      "gaussian_mutual_information",
      [](const array_in& x, const array_in& y) {
        return with_samples(x, y, "gaussian_mutual_information",
                            [](auto vx, auto vy) { return gaussian_mutual_information(vx, vy); });
      },
      "x"_a, "y"_a,
      "I(X; Y) under a Gaussian fitted to the samples: 1/2 [ln det S_xx + ln det S_yy - ln det S], nats.\n\n"
      "Sees only linear dependence; needs samples > dx + dy (else the covariance is "
      "singular).\n\n" INFOSCALE_SAMPLES_PARAMS "\nReturns\n-------\nfloat\n");
  h.def(
      "ksg_mutual_information",
      [](const array_in& x, const array_in& y, std::size_t k, bool standardize, double jitter,
         std::uint64_t seed, const std::string& policy) {
        ksg_options o;
        o.k = k;
        o.standardize = standardize;
        o.jitter = jitter;
        o.seed = seed;
        return with_samples(x, y, "ksg_mutual_information", [&](auto vx, auto vy) {
          return visit_policy(policy, "ksg_mutual_information",
                              [&](auto pol) { return ksg_mutual_information(pol, vx, vy, o); });
        });
      },
      "x"_a, "y"_a, nb::kw_only(), "k"_a = 3, "standardize"_a = true, "jitter"_a = 1e-10, "seed"_a = 0,
      "policy"_a = "par",
      "Kraskov-Stoegbauer-Grassberger (algorithm 1) estimate of I(X; Y), nats, with scikit-learn's\n"
      "conventions (columns divided by their population std, strict neighbour counts) and a seeded\n"
      "tie-breaking jitter; the raw estimate is returned (it may be slightly negative). "
      "O(n^2).\n\n" INFOSCALE_SAMPLES_PARAMS
      "k : int, default 3\n    Neighbours.\nstandardize : bool, default True\njitter : float, default 1e-10\n"
      "    Relative tie-breaking noise; 0 switches it off.\nseed : int, default 0\n"
      "policy : {'par', 'seq'}, default 'par'\n\nReturns\n-------\nfloat\n");
  h.def(
      "binned_mutual_information",
      [](const array_in& x, const array_in& y, std::size_t bins, bool miller_madow) {
        binning_options o;
        o.bins = bins;
        o.miller_madow = miller_madow;
        return with_samples(x, y, "binned_mutual_information",
                            [&](auto vx, auto vy) { return binned_mutual_information(vx, vy, o); });
      },
      "x"_a, "y"_a, nb::kw_only(), "bins"_a = 10, "miller_madow"_a = false,
      "Plug-in I(X; Y) over equal-width bins per dimension (numpy.histogram's edges), "
      "nats.\n\n" INFOSCALE_SAMPLES_PARAMS
      "bins : int, default 10\nmiller_madow : bool, default False\n    Add the (m - 1) / (2n) correction to "
      "each entropy.\n\nReturns\n-------\nfloat\n");
}

}  // namespace infoscale::python
