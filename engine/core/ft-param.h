/* ft-param.h — descriptor tables: what a kind of layer, optimizer, loss or callback is (its names and, per
 * parameter, key, type, offset, range, default, UI label/range/step, Keras config entry), written once so
 * that the experiment JSON, checkpoint configs, generated code and the editors loop over a table. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum
{
  FT_PARAM_FLOAT,       /* float */
  FT_PARAM_INT,         /* int */
  FT_PARAM_BOOL,        /* bool */
  FT_PARAM_PAIR,        /* int[2]: JSON n or [h, w]; Keras (h, w) */
  FT_PARAM_PADDING,     /* FtPadding: "valid" / "same" */
  FT_PARAM_ACTIVATION,  /* FtActivation by name */
  FT_PARAM_INITIALIZER, /* FtInitializer by name; a serialised object in Keras configs */
  FT_PARAM_L2,          /* a kernel regulariser: float L2 factor and, right after it, float L1 factor (0 =
                         * none); keras.regularizers.L2, L1 or L1L2 */
  FT_PARAM_KERAS_CONST, /* not a field: a fixed entry of Keras' get_config(), `keras` holds its JSON */
  FT_PARAM_DOUBLE,      /* double */
  FT_PARAM_OPTIONAL,    /* double, set or not: the bool at has_offset (false = JSON null, Keras None) */
  FT_PARAM_STRING,      /* char[size], default def_str; with choices, those are suggestions */
  FT_PARAM_CHAR,        /* one ASCII character (not a quote or line break), default def */
  FT_PARAM_CHOICE,      /* an int-sized enum, value i named choices[i] (NULL-terminated), default def */
  FT_N_PARAM_TYPES
} FtParamType;

/* Valid values of a number. */
typedef enum
{
  FT_RANGE_ANY,        /* any finite number */
  FT_RANGE_NONNEG,     /* [0, ∞) */
  FT_RANGE_POSITIVE,   /* (0, ∞) */
  FT_RANGE_UNIT_OPEN,  /* [0, 1) */
  FT_RANGE_UNIT_OPEN2, /* (0, 1) */
  FT_RANGE_HALF,       /* [0, 0.5] */
  FT_RANGE_UNIT,       /* [0, 1] */
  FT_N_RANGES
} FtRange;

bool ft_range_contains (FtRange range, double v);
const char *ft_range_text (FtRange range); /* "a number in [0, 1)" */

typedef enum
{
  FT_PARAM_ZERO_IS_NONE = 1 << 0, /* 0 stands for Keras' None (JSON null, "null" in configs) */
  FT_PARAM_WRITE_ALWAYS = 1 << 1, /* the experiment JSON has it even at its default */
  FT_PARAM_CODE_ALWAYS = 1 << 2,  /* generated code passes it even at its default */
  FT_PARAM_POSITIONAL = 1 << 3,   /* generated code passes it without its keyword */
  FT_PARAM_KIND_CHECKS = 1 << 4,  /* JSON only checks it is finite; the kind's validation explains the rest */
  FT_PARAM_EXCLUSIVE = 1 << 5,    /* at most one of a kind's exclusive parameters is not 0 */
  FT_PARAM_UI_LADDER = 1 << 6,    /* edited on a decade ladder (learning rates, epsilons) */
  FT_PARAM_UI_HIDDEN = 1 << 7,    /* not in the kind's editor rows (edited elsewhere, or not at all) */
  FT_PARAM_UI_CLIPPING = 1 << 8,  /* in the editor's gradient clipping group */
  FT_PARAM_TITLE = 1 << 9,        /* shown in the editor's one-line title ("Dense · 128 · relu") */
  FT_PARAM_TITLE_CHANGED = 1 << 10, /* shown there when not at its default, after title_prefix */
  FT_PARAM_ZERO_IS_EPOCH = 1 << 11, /* INT: 0 is written "epoch" (ModelCheckpoint's save_freq) */
  FT_PARAM_NOT_KERAS = 1 << 12,     /* FitTape's own: not an argument of the Keras class */
  FT_PARAM_KERAS_ANY = 1 << 13,     /* KERAS_CONST: a Keras file's other values are read as this one (they do
                                     * not change what FitTape computes: a seed) */
} FtParamFlags;

typedef struct
{
  const char *key; /* JSON key, Keras argument and config key */
  FtParamType type;
  size_t offset; /* in the kind's spec struct */
  unsigned flags;
  FtRange range; /* FLOAT, L2 */
  int lo, hi;    /* INT, PAIR (0 is allowed besides with FT_PARAM_ZERO_IS_NONE) */
  double def;    /* default (PAIR: both; enums: the value) */
  const char *label, *hint;
  double ui_lo, ui_hi, ui_step;
  int ui_digits;
  const char *keras;             /* KERAS_CONST: the JSON value */
  const char *title_prefix;      /* with FT_PARAM_TITLE_CHANGED: "stride " */
  size_t size;                   /* STRING: the buffer's size */
  size_t has_offset;             /* OPTIONAL: the bool that says the number is set */
  const char *def_str;           /* STRING: the default */
  const char *const *choices;    /* CHOICE: the names (JSON, Keras); STRING: suggestions for the editor */
  const char *const *ui_choices; /* CHOICE: the editor's names when not the choices (translatable) */
  const char *const *keras_also; /* KERAS_CONST: other JSON values a Keras file may have that mean the same
                                  * (Keras 2's spellings), NULL-terminated */
} FtParam;

/* What a kind is, beyond its parameters (FtKindInfo.flags). */
typedef enum
{
  FT_KIND_WEIGHTLESS = 1 << 0,  /* layers: creates no weights (trainable=False changes nothing) */
  FT_KIND_NEURONS = 1 << 1,     /* layers: a column of neurons over a flat vector (the network view draws
                                 * each neuron's map) */
  FT_KIND_PER_FEATURE = 1 << 2, /* layers: acts feature by feature on a flat vector and keeps its size (the
                                 * network view draws the neurons before it through it) */
} FtKindFlags;

/* One kind of layer, optimizer, loss or callback. */
typedef struct
{
  const char *name;       /* class name: "Adam", "Dense" */
  const char *json_name;  /* how the experiment JSON writes it: "adam", "Dense" */
  const char *keras_name; /* the default name= argument: "adam", "dense" */
  const char *summary;    /* one line for the editors */
  const char *group;      /* the editor's menu section ("Convolution"), NULL when there are no sections */
  const FtParam *params;
  int n_params;
  const char *label; /* the editors' list entry when not the class name ("Sparse categorical") */
  unsigned flags;    /* FtKindFlags */
} FtKindInfo;

#define FT_PARAMS(array) (array), (int) G_N_ELEMENTS (array)

/* Field access. */
static inline void *
ft_param_ptr (const FtParam *p, void *spec)
{
  return (char *) spec + p->offset;
}

static inline const void *
ft_param_cptr (const FtParam *p, const void *spec)
{
  return (const char *) spec + p->offset;
}

/* The field at a second offset (OPTIONAL's has_offset). */
static inline const void *
ft_param_cptr_at (size_t offset, const void *spec)
{
  return (const char *) spec + offset;
}

/* Sets every parameter of the kind to its default (OPTIONAL: not set; STRING: def_str). */
void ft_params_set_defaults (const FtKindInfo *kind, void *spec);
/* The parameter as a number (FLOAT, INT, BOOL, enums, L2, DOUBLE, OPTIONAL (0 when not set), CHAR; PAIR: the
 * first; STRING: 0); set_number writes one (OPTIONAL: sets it; STRING: nothing). */
double ft_param_get_number (const FtParam *p, const void *spec);
void ft_param_set_number (const FtParam *p, void *spec, double v);
/* Whether a parameter has the same value in both specs; whether it is at its default. */
bool ft_param_equal (const FtParam *p, const void *a, const void *b);
bool ft_param_is_default (const FtParam *p, const void *spec);
/* The number of names in a CHOICE parameter's list. */
int ft_param_n_choices (const FtParam *p);
/* All of a kind's parameters equal. */
bool ft_params_equal (const FtKindInfo *kind, const void *a, const void *b);
/* The parameter with this key, or NULL. */
const FtParam *ft_kind_find_param (const FtKindInfo *kind, const char *key);
/* Checks FLOAT parameters against their ranges, INT/PAIR against lo..hi, and exclusive ones; the message
 * names the parameter: "Invalid <what> argument beta_1=1.5: must be a number in [0, 1)". */
bool ft_params_validate (const FtKindInfo *kind, const void *spec, const char *what, GError **error);
