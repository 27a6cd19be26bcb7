#pragma once
// interop/: host runtimes' tensors as infoscale views (DLPack).
#include "infoscale/interop/dlpack.hpp"
