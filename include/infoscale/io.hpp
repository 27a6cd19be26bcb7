#pragma once
// io/: readers for activation and logit dumps — .npy and safetensors, memory-mapped, bounds-checked,
// fuzzed — returning views into the mapping.
#include "infoscale/io/array.hpp"
#include "infoscale/io/dtype.hpp"
#include "infoscale/io/load.hpp"
#include "infoscale/io/mapped_file.hpp"
#include "infoscale/io/npy.hpp"
#include "infoscale/io/safetensors.hpp"
#include "infoscale/io/svg_charts.hpp"
#include "infoscale/io/token_lines.hpp"
