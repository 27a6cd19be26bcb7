// Passes by compiling: the constexpr primitives the entropic module's static_asserts rely on.
#include <infoscale/core/constexpr_math.hpp>
#include <infoscale/core/half.hpp>
#include <infoscale/exec/policy.hpp>

namespace cm = infoscale::cmath;

static_assert(cm::log2(8.0) == 3.0);
static_assert(cm::log2(0.5) == -1.0);
static_assert(cm::ln(1.0) == 0.0);
static_assert(cm::exp(0.0) == 1.0);
static_assert(cm::floor(41.9) == 41.0);
static_assert(cm::floor(-0.5) == -1.0);
static_assert(cm::sqrt(16.0) == 4.0);
// 25 log2 25 = 116.09640474436812 (Table 2 of the entropic-scaling paper prints 116.1).
static_assert(25.0 * cm::log2(25.0) > 116.0964047443680 && 25.0 * cm::log2(25.0) < 116.0964047443682);
static_assert(infoscale::to_float(infoscale::float16{0x3c00}) == 1.0f);
static_assert(infoscale::to_float16(0.5f).bits == 0x3800);
static_assert(infoscale::ExecutionPolicy<infoscale::seq_t>);
static_assert(!infoscale::ExecutionPolicy<int>);
static_assert(infoscale::is_available<infoscale::par_t>);
