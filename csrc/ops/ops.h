#pragma once
// Every public op, for code that wants them all (the bindings, the engine, tests).
#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/linalg.h"
#include "ops/reduce.h"
#include "ops/shape.h"
#include "ops/view.h"
#include "ops/indexing.h"
#include "ops/optim.h"
#include "ops/random.h"
#include "ops/conv.h"
#include "ops/norm.h"
