/* fittape-engine.h — the whole engine API in one include. */
#pragma once

#include "ft-alloc.h"
#include "ft-blas.h"
#include "ft-metrics.h"
#include "ft-model.h"
#include "ft-ops.h"
#include "ft-optimizers.h"
#include "ft-rng.h"
#include "ft-tape.h"
#include "ft-train-step.h"
