#include <doctest/doctest.h>

#include <Eigen/Core>
#include <infoscale/core/eigen_view.hpp>
#include <infoscale/core/xtensor_view.hpp>
#include <infoscale/thermo.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

using namespace infoscale;

TEST_CASE("xtensor containers are borrowed as views and views are seen through xtensor adaptors") {
  xt::xtensor<double, 2> a = {{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
  const auto view = make_view<2>(a, "a");
  CHECK(view(1, 2) == 6.0);
  CHECK(view.stride(0) == 3);
  const auto adapted = to_xtensor(view);
  CHECK(adapted(1, 0) == 4.0);
  CHECK(adapted.shape()[1] == 3);
  xt::xarray<double> b = {1.0, 2.0};
  CHECK_THROWS_AS(make_view<2>(b, "b"), error);
  // Column-major xtensor: same values through strides.
  xt::xtensor<double, 2, xt::layout_type::column_major> c = a;
  const auto cv = make_view<2>(c, "c");
  CHECK(cv(1, 2) == 6.0);
  CHECK(cv.stride(0) == 1);
  const auto from_view = thermodynamics(seq, view, 1.0);
  const auto from_column_major = thermodynamics(seq, cv, 1.0);
  CHECK(from_view[1].entropy == doctest::Approx(from_column_major[1].entropy).epsilon(1e-15));
}

TEST_CASE("Eigen matrices of either storage order and padded maps are borrowed as views") {
  Eigen::MatrixXd col_major(2, 3);
  col_major << 1, 2, 3, 4, 5, 6;
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major(2, 3);
  row_major << 1, 2, 3, 4, 5, 6;
  const auto cv = make_view(col_major, "col_major");
  const auto rv = make_view(row_major, "row_major");
  CHECK(cv(1, 2) == 6.0);
  CHECK(rv(1, 2) == 6.0f);
  CHECK(cv.stride(0) == 1);
  CHECK(rv.stride(1) == 1);
  const auto a = thermodynamics(seq, cv, 0.5);
  const auto b = thermodynamics(seq, rv, 0.5);
  CHECK(a[0].log_partition == doctest::Approx(b[0].log_partition).epsilon(1e-15));
  // A block of a larger matrix: the outer stride is padded.
  Eigen::MatrixXd big = Eigen::MatrixXd::Random(5, 6);
  const Eigen::Ref<const Eigen::MatrixXd> block = big.block(1, 2, 3, 2);
  const auto bv = make_view(block, "block");
  CHECK(bv(2, 1) == big(3, 3));
  CHECK(bv.stride(1) == 5);
}
