/* fittape-engine.h — the whole engine API in one include. */
#pragma once

#include "core/ft-alloc.h"
#include "core/ft-blas.h"
#include "nn/ft-metrics.h"
#include "nn/ft-model.h"
#include "ops/ft-ops.h"
#include "nn/ft-optimizers.h"
#include "core/ft-rng.h"
#include "core/ft-tape.h"
#include "train/ft-train-step.h"
