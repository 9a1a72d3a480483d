/* ft-error.c — the quark of FitTape's error domain (FT_ERROR, core/ft-error.h). */
#include "core/ft-error.h"

G_DEFINE_QUARK (ft - error - quark, ft_error)
