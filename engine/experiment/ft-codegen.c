/* ft-codegen.c — an experiment as a Python script for TensorFlow 2 / Keras 3 (see ft-codegen.h).
 *
 * The script is written line by line through a small writer that counts lines, so every phase and loop
 * step can record the lines it occupies in the code map as it is written. Tape mode follows FitTape's
 * own loop (ft-tape-loop.c) step for step: what a switched-off step would have done is not in the code,
 * and a one-line comment stands where it would have been. */
#include "experiment/ft-codegen.h"
#include "core/ft-format.h"

#include "nn/ft-layers.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------------ */
/* Regions */

static const struct
{
  const char *name;
  const char *title;
} region_info[FT_CODE_N_REGIONS] = {
  [FT_CODE_DEFINE_MODEL] = { "define_model", "Define the model" },
  [FT_CODE_COMPILE] = { "compile", "Optimizer, loss and metrics" },
  [FT_CODE_LOOP] = { "loop", "The loop" },
  [FT_CODE_TRAIN_STEP] = { "train_step", "Train" },
  [FT_CODE_VALIDATE] = { "validate", "Validate" },
  [FT_CODE_EVALUATE] = { "evaluate", "Evaluate" },
  [FT_CODE_HEADER] = { "header", "About this script" },
  [FT_CODE_DATA] = { "data", "The data" },
  [FT_CODE_CALLBACKS] = { "callbacks", "Callbacks" },
  [FT_CODE_STEP_BATCHING] = { "batching", "Batching" },
  [FT_CODE_STEP_SHUFFLE] = { "shuffle", "Shuffle" },
  [FT_CODE_STEP_SPLIT] = { "split", "Validation split" },
  [FT_CODE_STEP_VALIDATE] = { "validate", "Validation pass" },
  [FT_CODE_STEP_RESET_METRICS] = { "reset_metrics", "Reset the metrics" },
  [FT_CODE_STEP_EARLY_STOPPING] = { "early_stopping", "Early stopping" },
  [FT_CODE_STEP_CHECKPOINT] = { "checkpoint", "Checkpoint" },
  [FT_CODE_STEP_PROGRESS] = { "progress", "Progress" },
  [FT_CODE_BATCH_LINE] = { "batch_line", "One batch" },
  [FT_CODE_EPOCH_START] = { "epoch_start", "Epoch start" },
  [FT_CODE_EPOCH_END] = { "epoch_end", "Epoch end" },
};

const char *
ft_code_region_name (FtCodeRegion region)
{
  g_return_val_if_fail ((unsigned) region < FT_CODE_N_REGIONS, NULL);
  return region_info[region].name;
}

const char *
ft_code_region_title (FtCodeRegion region)
{
  g_return_val_if_fail ((unsigned) region < FT_CODE_N_REGIONS, NULL);
  return region_info[region].title;
}

FtCodeRegion
ft_code_region_for_loop_step (int step)
{
  g_return_val_if_fail (step >= 0 && step < ft_loop_n_steps (), FT_CODE_STEP_BATCHING);
  return (FtCodeRegion) (FT_CODE_STEP_BATCHING + step);
}

int
ft_code_map_pitfall_at (const FtCodeMap *map, int line)
{
  for (int p = 0; p < FT_N_PITFALLS; p++)
    for (int i = 0; i < map->pitfalls[p].n_ranges; i++)
      if (line >= map->pitfalls[p].ranges[i].first && line <= map->pitfalls[p].ranges[i].last)
        return p;
  return -1;
}

int
ft_code_map_first_line (const FtCodeMap *map, FtCodeRegion region)
{
  g_return_val_if_fail (map != NULL && (unsigned) region < FT_CODE_N_REGIONS, 0);
  const FtCodeSpan *span = &map->regions[region];
  return span->n_ranges > 0 ? span->ranges[0].first : 0;
}

bool
ft_code_map_contains (const FtCodeMap *map, FtCodeRegion region, int line)
{
  g_return_val_if_fail (map != NULL && (unsigned) region < FT_CODE_N_REGIONS, false);
  const FtCodeSpan *span = &map->regions[region];
  for (int i = 0; i < span->n_ranges; i++)
    if (line >= span->ranges[i].first && line <= span->ranges[i].last)
      return true;
  return false;
}

int
ft_code_map_outline_at (const FtCodeMap *map, int line)
{
  g_return_val_if_fail (map != NULL, -1);
  /* Innermost first: the validation pass lies in the loop (tape mode) or in the model.fit() call that is
   * also the train step (fit mode); the train step lies in the loop in fit mode. */
  static const FtCodeRegion order[] = { FT_CODE_VALIDATE, FT_CODE_TRAIN_STEP, FT_CODE_DEFINE_MODEL,
                                        FT_CODE_COMPILE,  FT_CODE_EVALUATE,   FT_CODE_LOOP };
  for (size_t i = 0; i < G_N_ELEMENTS (order); i++)
    if (ft_code_map_contains (map, order[i], line))
      return (int) order[i];
  return -1;
}

/* ------------------------------------------------------------------------------------------------ */
/* The line-counting writer */

typedef struct
{
  GString *s;
  int line; /* lines written so far */
  int indent;
  FtCodeMap *map;
  int open[FT_CODE_N_REGIONS]; /* first line of an open range, 0 = none */
  GPtrArray *pool;             /* temporary strings, freed with the writer */
} Writer;

static void
span_add (FtCodeSpan *span, int first, int last)
{
  if (span->n_ranges > 0)
    {
      FtCodeRange *prev = &span->ranges[span->n_ranges - 1];
      if (first <= prev->last + 1)
        {
          prev->last = MAX (prev->last, last);
          return;
        }
      if (span->n_ranges == FT_CODE_MAX_RANGES)
        {
          prev->last = last;
          return;
        }
    }
  span->ranges[span->n_ranges].first = first;
  span->ranges[span->n_ranges].last = last;
  span->n_ranges++;
}

static void
add_range (FtCodeMap *map, FtCodeRegion r, int first, int last)
{
  if (first < 1 || last < first)
    return;
  span_add (&map->regions[r], first, last);
}

static void w_line (Writer *w, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
static void w_rline (Writer *w, FtCodeRegion r, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
w_vline (Writer *w, const char *fmt, va_list ap)
{
  gsize start = w->s->len;
  if (fmt[0] != '\0')
    {
      for (int i = 0; i < w->indent; i++)
        g_string_append_c (w->s, ' ');
      g_string_append_vprintf (w->s, fmt, ap);
    }
  /* One line per call: a stray newline inside would break the map, so it becomes a space. */
  for (gsize i = start; i < w->s->len; i++)
    if (w->s->str[i] == '\n' || w->s->str[i] == '\r')
      w->s->str[i] = ' ';
  g_string_append_c (w->s, '\n');
  w->line++;
}

static void
w_line (Writer *w, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  w_vline (w, fmt, ap);
  va_end (ap);
}

/* A line that belongs to region r (a one-line range). */
static void
w_rline (Writer *w, FtCodeRegion r, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  w_vline (w, fmt, ap);
  va_end (ap);
  add_range (w->map, r, w->line, w->line);
}

/* A pitfall's buggy line, after a comment that says what is wrong with it (wrapped to fit 100 columns at
 * the current indentation); the comment and the line (split into arguments when too long) go in its span. */
static void w_code (Writer *w, const char *text);
static void w_pitfall (Writer *w, FtPitfall p, const char *fmt, ...) G_GNUC_PRINTF (3, 4);
static void
w_pitfall (Writer *w, FtPitfall p, const char *fmt, ...)
{
  int first = w->line + 1;
  char *text = g_strdup_printf ("PITFALL (%s): %s", ft_pitfall_label (p), ft_pitfall_explanation (p));
  char **words = g_strsplit (text, " ", -1);
  GString *line = g_string_new (NULL);
  long limit = 98 - w->indent;
  for (char **word = words; *word; word++)
    {
      if (line->len > 0
          && (long) g_utf8_strlen (line->str, -1) + 1 + (long) g_utf8_strlen (*word, -1) > limit)
        {
          w_line (w, "# %s", line->str);
          g_string_assign (line, "  ");
        }
      if (line->len > 0 && line->str[line->len - 1] != ' ')
        g_string_append_c (line, ' ');
      g_string_append (line, *word);
    }
  if (line->len > 0)
    w_line (w, "# %s", line->str);
  g_string_free (line, TRUE);
  g_strfreev (words);
  g_free (text);
  va_list ap;
  va_start (ap, fmt);
  char *code = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  w_code (w, code);
  g_free (code);
  span_add (&w->map->pitfalls[p], first, w->line);
}

static void
w_blank (Writer *w)
{
  g_string_append_c (w->s, '\n');
  w->line++;
}

static void
w_begin (Writer *w, FtCodeRegion r)
{
  w->open[r] = w->line + 1;
}

static void
w_end (Writer *w, FtCodeRegion r)
{
  if (w->open[r] > 0)
    add_range (w->map, r, w->open[r], w->line);
  w->open[r] = 0;
}

/* The one-line comment standing where a switched-off step's code would be. */
static void
w_omitted (Writer *w, FtCodeRegion r, const char *comment)
{
  w_rline (w, r, "# (%s)", comment);
  w->map->regions[r].omitted = true;
}

static const char *
keep (Writer *w, char *s)
{
  g_ptr_array_add (w->pool, s);
  return s;
}

/* ------------------------------------------------------------------------------------------------ */
/* Python literals */

/* A double-quoted Python string literal (valid UTF-8, control characters escaped). */
static const char *
py_str (Writer *w, const char *s)
{
  char *valid = g_utf8_make_valid (s ? s : "", -1);
  GString *out = g_string_new ("\"");
  for (const char *p = valid; *p; p++)
    {
      unsigned char c = (unsigned char) *p;
      if (c == '"' || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, (char) c);
        }
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, (char) c);
    }
  g_string_append_c (out, '"');
  g_free (valid);
  return keep (w, g_string_free (out, FALSE));
}

/* Text for a comment: valid UTF-8, no control characters. */
static char *
comment_text (const char *s)
{
  char *t = g_utf8_make_valid (s ? s : "", -1);
  for (char *p = t; *p; p++)
    if ((unsigned char) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return t;
}

/* Makes digits look like a Python float ("10" → "10.0"). */
static char *
as_float_literal (const char *digits)
{
  if (strpbrk (digits, ".eEn") != NULL)
    return g_strdup (digits);
  return g_strconcat (digits, ".0", NULL);
}

/* The shortest decimal that reads back as the same float32: 0.01f is "0.01", not 0.009999999776…. */
static const char *
py_float (Writer *w, float v)
{
  if (!isfinite (v))
    return isnan (v) ? "math.nan" : v > 0 ? "math.inf" : "-math.inf";
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  ft_format_shortest (buf, sizeof buf, v, true);
  return keep (w, as_float_literal (buf));
}

static const char *
py_double (Writer *w, double v)
{
  if (!isfinite (v))
    return isnan (v) ? "math.nan" : v > 0 ? "math.inf" : "-math.inf";
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  ft_format_shortest (buf, sizeof buf, v, false);
  return keep (w, as_float_literal (buf));
}

static const char *
py_bool (bool v)
{
  return v ? "True" : "False";
}

/* (28, 28, 1) or (2,) */
static const char *
py_tuple (Writer *w, int n, const int *v)
{
  GString *s = g_string_new ("(");
  for (int i = 0; i < n; i++)
    g_string_append_printf (s, "%s%d", i ? ", " : "", v[i]);
  g_string_append (s, n == 1 ? ",)" : ")");
  return keep (w, g_string_free (s, FALSE));
}

/* A name usable in Python identifiers: "val accuracy%" → "val_accuracy_". */
static const char *
py_ident (Writer *w, const char *s)
{
  GString *out = g_string_new (NULL);
  for (const char *p = s; *p; p++)
    g_string_append_c (out, g_ascii_isalnum (*p) ? g_ascii_tolower (*p) : '_');
  return keep (w, g_string_free (out, FALSE));
}

/* Writes text as "# …" comment lines wrapped at about 100 columns. */
static void
w_comment_wrapped (Writer *w, const char *text)
{
  char *clean = comment_text (text);
  char **words = g_strsplit (clean, " ", -1);
  GString *line = g_string_new (NULL);
  long width = 0;
  for (char **word = words; *word; word++)
    {
      if (**word == '\0')
        continue;
      long len = g_utf8_strlen (*word, -1);
      if (line->len > 0 && width + 1 + len > 98)
        {
          w_line (w, "# %s", line->str);
          g_string_truncate (line, 0);
          width = 0;
        }
      if (line->len > 0)
        {
          g_string_append_c (line, ' ');
          width++;
        }
      g_string_append (line, *word);
      width += len;
    }
  if (line->len > 0)
    w_line (w, "# %s", line->str);
  g_string_free (line, TRUE);
  g_strfreev (words);
  g_free (clean);
}

/* Writes one line of code; a call too long for 100 columns gets one argument per line:
 *     optimizer = keras.optimizers.RMSprop(
 *         learning_rate=0.001,
 *         …
 *     )
 * The text may start with spaces (they count as indentation) and end after the call (",", ")"). */
static void
w_code (Writer *w, const char *text)
{
  size_t len = strlen (text);
  const char *open = strchr (text, '(');
  if (w->indent + (long) g_utf8_strlen (text, -1) <= 100 || open == NULL)
    {
      w_line (w, "%s", text);
      return;
    }
  /* The matching parenthesis and the top-level commas between, outside strings. */
  int depth = 0;
  char quote = 0;
  const char *close = NULL;
  GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
  const char *arg_start = open + 1;
  for (const char *p = open; p < text + len && close == NULL; p++)
    {
      if (quote)
        {
          if (*p == '\\' && p[1])
            p++;
          else if (*p == quote)
            quote = 0;
          continue;
        }
      if (*p == '"' || *p == '\'')
        quote = *p;
      else if (*p == '(' || *p == '[' || *p == '{')
        depth++;
      else if (*p == ')' || *p == ']' || *p == '}')
        {
          if (--depth == 0)
            close = p;
        }
      else if (*p == ',' && depth == 1)
        {
          g_ptr_array_add (args, g_strstrip (g_strndup (arg_start, (gsize) (p - arg_start))));
          arg_start = p + 1;
        }
    }
  if (close == NULL)
    {
      g_ptr_array_unref (args);
      w_line (w, "%s", text);
      return;
    }
  char *last = g_strstrip (g_strndup (arg_start, (gsize) (close - arg_start)));
  if (last[0] != '\0')
    g_ptr_array_add (args, last);
  else
    g_free (last);
  int lead = 0;
  while (text[lead] == ' ')
    lead++;
  w_line (w, "%.*s", (int) (open + 1 - text), text);
  for (guint i = 0; i < args->len; i++)
    w_line (w, "%*s%s,", lead + 4, "", (const char *) args->pdata[i]);
  w_line (w, "%*s%s", lead, "", close);
  g_ptr_array_unref (args);
}

/* ------------------------------------------------------------------------------------------------ */
/* What the script needs to know about the experiment */

#define MAX_METRICS FT_MAX_METRICS

typedef struct
{
  Writer w;
  const FtExperiment *e;
  bool tape;
  const FtCodegenOptions *options;

  /* data */
  bool data_shape_known;
  int data_ndim, data_shape[3];
  long n_samples; /* training samples before the split, −1 unknown */
  int has_test;   /* 0 none, 1 yes, 2 only when the files exist (x_test may be None) */
  /* model */
  bool input_known;
  int input_ndim, input_shape[3];
  int out_size; /* product of the output shape, 0 unknown */
  bool logits;
  /* targets: 0 class indices, 1 one float per sample (N, 1), 2 one-hot */
  int targets;
  /* metrics, tape mode */
  int n_metrics; /* compiled metrics, then weighted_metrics */
  const char *metric_class[2 * MAX_METRICS];
  const char *metric_key[2 * MAX_METRICS];
  const char *metric_var[2 * MAX_METRICS]; /* "accuracy" → train_accuracy / test_accuracy */
  bool metric_weighted[2 * MAX_METRICS];   /* weighted_metrics: the only ones given sample weights */
  const bool *pit;                         /* tape: the pitfalls switched on */
  /* the loop */
  bool split;    /* tape: the split is in the code */
  bool validate; /* the validation pass is in the code */
  bool shuffle, batching, reset, progress;
  const FtCallbackSpec *es, *ckpt; /* tape: the specs the hand-written steps follow (first of each) */
  bool class_weights;
  bool batch_progress;
  bool need_test_step;
} Gen;

static const char *const fashion_names[10] = {
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
};

static const FtCallbackSpec *
first_callback (const FtExperiment *e, FtCallbackKind kind)
{
  for (int i = 0; i < e->n_callbacks; i++)
    if (e->callbacks[i].kind == kind)
      return &e->callbacks[i];
  return NULL;
}

static bool
has_callback (const FtExperiment *e, FtCallbackKind kind)
{
  return first_callback (e, kind) != NULL;
}

/* Output size by shape inference through the layers; 0 when it cannot be told. */
static int
infer_output_size (const FtExperiment *e, bool input_known, int ndim, const int *shape)
{
  if (input_known)
    {
      int nd = ndim, cur[FT_MAX_DIMS] = { 0 }, next[FT_MAX_DIMS] = { 0 };
      memcpy (cur, shape, (size_t) ndim * sizeof (int));
      bool ok = true;
      for (int i = 0; i < e->n_layers && ok; i++)
        {
          int out_nd = 0, n_w = 0;
          FtWeightSpec weights[FT_LAYER_MAX_WEIGHTS];
          ok = ft_layer_infer (&e->layers[i], nd, cur, &out_nd, next, &n_w, weights, NULL);
          if (ok)
            {
              nd = out_nd;
              memcpy (cur, next, sizeof cur);
            }
        }
      if (ok)
        {
          long size = 1;
          for (int d = 0; d < nd; d++)
            size *= cur[d];
          return size > 0 && size < G_MAXINT ? (int) size : 0;
        }
    }
  /* Without an input shape: the last Dense layer's units, when only shape-keeping layers follow it. */
  for (int i = e->n_layers - 1; i >= 0; i--)
    {
      FtLayerKind k = e->layers[i].kind;
      if (k == FT_LAYER_DENSE)
        return e->layers[i].units;
      if (k != FT_LAYER_DROPOUT && k != FT_LAYER_BATCH_NORMALIZATION && k != FT_LAYER_ACTIVATION)
        return 0;
    }
  return 0;
}

static void
analyse (Gen *g)
{
  const FtExperiment *e = g->e;
  const FtDataSpec *d = &e->data;
  g->n_samples = -1;
  switch (d->source)
    {
    case FT_DATA_PLAYGROUND:
      g->data_shape_known = true;
      g->data_ndim = 1;
      g->data_shape[0] = 2;
      g->n_samples = d->samples;
      g->has_test = d->test_samples > 0 ? 1 : 0;
      break;
    case FT_DATA_IDX:
      if (d->path[0] == '\0')
        {
          g->data_shape_known = true;
          g->data_ndim = 2;
          g->data_shape[0] = g->data_shape[1] = 28;
          g->n_samples = 60000;
          g->has_test = 1;
        }
      else
        g->has_test = 2;
      break;
    case FT_DATA_CSV:
      g->has_test = d->test_path[0] != '\0' ? 1 : 0;
      break;
    }
  if (g->n_samples > 0 && d->limit > 0 && d->limit < (uint32_t) g->n_samples)
    g->n_samples = d->limit;

  if (e->data.features != 0) /* the input features are the model's inputs */
    {
      g->input_known = true;
      g->input_ndim = 1;
      g->input_shape[0] = ft_features_count (e->data.features);
    }
  else if (e->input_ndim > 0)
    {
      g->input_known = true;
      g->input_ndim = MIN (e->input_ndim, 3);
      memcpy (g->input_shape, e->input_shape, sizeof g->input_shape);
    }
  else if (g->data_shape_known)
    {
      g->input_known = true;
      g->input_ndim = g->data_ndim;
      memcpy (g->input_shape, g->data_shape, sizeof g->input_shape);
    }
  g->out_size = infer_output_size (e, g->input_known, g->input_ndim, g->input_shape);

  const FtLossSpec *loss = &e->compile.loss;
  g->logits = loss->from_logits && loss->kind != FT_LOSS_MEAN_SQUARED_ERROR;
  if (loss->kind == FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY)
    g->targets = 0;
  else
    g->targets = g->out_size == 1 ? 1 : 2;

  Writer *w = &g->w;
  int n_plain = e->compile.n_metrics;
  for (int i = 0; i < n_plain + e->compile.n_weighted_metrics && g->n_metrics < 2 * MAX_METRICS; i++)
    {
      bool weighted = i >= n_plain;
      const char *name = weighted ? e->compile.weighted_metrics[i - n_plain] : e->compile.metrics[i];
      FtMetricKind kind;
      char key[64];
      if (!ft_metric_from_name (name, loss->kind, &kind, key, sizeof key))
        continue;
      /* As the trainer names them: "weighted_accuracy" beside "accuracy". */
      for (int j = 0; weighted && j < n_plain; j++)
        if (strcmp (e->compile.metrics[j], name) == 0)
          {
            char prefixed[64];
            g_snprintf (prefixed, sizeof prefixed, "weighted_%s", key);
            g_strlcpy (key, prefixed, sizeof key);
            break;
          }
      g->metric_class[g->n_metrics] = ft_metric_kind_info (kind)->name;
      g->metric_key[g->n_metrics] = keep (w, g_strdup (key));
      g->metric_var[g->n_metrics] = py_ident (w, key);
      g->metric_weighted[g->n_metrics] = weighted;
      g->n_metrics++;
    }
  static const bool no_pitfalls[FT_N_PITFALLS];
  g->pit = g->tape ? e->steps.pitfalls.on : no_pitfalls;

  const FtFitArgs *f = &e->fit;
  const FtLoopSteps *s = &e->steps;
  g->class_weights = f->class_weight != NULL && f->n_class_weight > 0;
  if (g->tape)
    {
      g->split = s->split && f->validation_split > 0;
      g->validate = g->split && s->validate;
      g->shuffle = s->shuffle && f->shuffle;
      g->batching = s->batching;
      g->reset = s->reset_metrics;
      g->progress = s->progress;
      g->es = s->early_stopping ? first_callback (e, FT_CALLBACK_EARLY_STOPPING) : NULL;
      g->ckpt = s->checkpoint ? first_callback (e, FT_CALLBACK_MODEL_CHECKPOINT) : NULL;
      long n_train = g->n_samples;
      if (n_train > 0 && g->split)
        n_train = (long) floor ((double) n_train * (1.0 - f->validation_split));
      long batches = n_train > 0 ? (n_train + f->batch_size - 1) / f->batch_size : -1;
      g->batch_progress = g->progress && g->batching && (batches < 0 || batches > 200);
      g->need_test_step = g->validate || g->has_test > 0;
    }
  else
    {
      g->split = f->validation_split > 0;
      g->validate = g->split;
    }
}

/* The emitters below hold the Python text as it will read; clang-format would split its lines. */
/* clang-format off */

/* ------------------------------------------------------------------------------------------------ */
/* Header, imports, constants */

static bool
needs_os (Gen *g)
{
  const FtExperiment *e = g->e;
  if (e->data.source == FT_DATA_IDX && e->data.path[0] != '\0')
    return true;
  if (!g->tape)
    return false;
  const FtCallbackSpec *csv = first_callback (e, FT_CALLBACK_CSV_LOGGER);
  if (csv != NULL && csv->append)
    return true;
  return g->ckpt != NULL && strchr (g->ckpt->filepath, '/') != NULL;
}

static void
emit_header (Gen *g)
{
  Writer *w = &g->w;
  const FtExperiment *e = g->e;
  w_begin (w, FT_CODE_HEADER);
  w_line (w, "#!/usr/bin/env python3");
  if (e->title != NULL && e->title[0] != '\0')
    w_comment_wrapped (w, e->title);
  w_line (w, "#");
  char *source;
  if (g->options && g->options->experiment_name)
    {
      char *name = comment_text (g->options->experiment_name);
      source = g_strdup_printf ("the experiment %s", name);
      g_free (name);
    }
  else
    source = g_strdup ("an experiment");
  char *about = g_strdup_printf (
    "Generated by FitTape from %s, in %s. It is how you carry the experiment from FitTape to real TensorFlow "
    "2 / Keras 3: the same data, model, optimizer, loss, metrics and %s. From here the model can train on "
    "many GPUs or machines with tf.distribute (MirroredStrategy, MultiWorkerMirroredStrategy).",
    source,
    g->tape ? "tape mode: the training loop written out by hand with tf.GradientTape, as TensorFlow's guide "
              "\"Writing a training loop from scratch\" does it"
            : "fit mode: model.compile() and model.fit()",
    g->tape ? "loop" : "fit() arguments");
  w_comment_wrapped (w, about);
  g_free (about);
  g_free (source);
  w_line (w, "#");
  char *script = comment_text (g->options && g->options->script_name ? g->options->script_name : "this_script.py");
  w_line (w, "# Run it:  pip install tensorflow");
  w_line (w, "#          python3 %s", script);
  g_free (script);
  w_line (w, "#");
  w_comment_wrapped (w, "The numbers will be close to FitTape's but not the same: TensorFlow draws its own initial "
                        "weights, dropout masks and shuffles.");
  if (e->notes != NULL && e->notes[0] != '\0')
    {
      w_line (w, "#");
      w_comment_wrapped (w, e->notes);
    }
  w_end (w, FT_CODE_HEADER);
  w_blank (w);

  bool csv_module = e->data.source == FT_DATA_CSV || (g->tape && has_callback (e, FT_CALLBACK_CSV_LOGGER));
  bool idx = e->data.source == FT_DATA_IDX; /* Fashion-MNIST too: Debian's IDX files first */
  if (csv_module)
    w_line (w, "import csv");
  if (idx)
    w_line (w, "import gzip");
  w_line (w, "import math");
  w_line (w, "import os"); /* FITTAPE_EPOCHS / FITTAPE_LIMIT, and the paths needs_os () names */
  (void) needs_os;
  if (idx)
    w_line (w, "import struct");
  w_blank (w);
  w_line (w, "import numpy as np");
  w_line (w, "import tensorflow as tf");
  w_line (w, "from tensorflow import keras");
  w_blank (w);

  const FtFitArgs *f = &e->fit;
  w_line (w, "SEED = %" G_GUINT64_FORMAT, e->seed);
  w_line (w, "# A shorter run (tests, CI): FITTAPE_EPOCHS=N trains N epochs, FITTAPE_LIMIT=N keeps the first N");
  w_line (w, "# training samples. Unset, the experiment runs as FitTape runs it.");
  w_line (w, "EPOCHS = int(os.environ.get(\"FITTAPE_EPOCHS\", %d))", f->epochs);
  w_line (w, "BATCH_SIZE = %d", f->batch_size);
  if (f->validation_split > 0 && (!g->tape || g->split))
    w_line (w, "VALIDATION_SPLIT = %s", py_double (w, f->validation_split));
  w_blank (w);
  w_line (w, "keras.utils.set_random_seed(SEED)  # seeds Python's, NumPy's and TensorFlow's generators");
  w_blank (w);
}

/* ------------------------------------------------------------------------------------------------ */
/* Data */

/* FitTape's random number generator (ft-rng.c) and the Playground generators of ft-dataset.c, ported
 * to Python step for step (the same libm functions, the same float32 roundings), so that the script's
 * points are FitTape's own, bit for bit. */
static void
emit_playground_generator (Gen *g)
{
  Writer *w = &g->w;
  w_line (w, "MASK64 = (1 << 64) - 1");
  w_blank (w);
  w_blank (w);
  w_line (w, "def rotl(x, k):");
  w_line (w, "    return ((x << k) | (x >> (64 - k))) & MASK64");
  w_blank (w);
  w_blank (w);
  w_line (w, "class FitTapeRng:");
  w_line (w, "    \"\"\"FitTape's random number generator (xoshiro256** seeded by splitmix64), so that these are");
  w_line (w, "    FitTape's own points, bit for bit.\"\"\"");
  w_blank (w);
  w_line (w, "    def __init__(self, seed, stream):");
  w_line (w, "        x = (seed ^ (stream * 0xD1342543DE82EF95)) & MASK64");
  w_line (w, "        self.s = []");
  w_line (w, "        for _ in range(4):");
  w_line (w, "            x = (x + 0x9E3779B97F4A7C15) & MASK64");
  w_line (w, "            z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64");
  w_line (w, "            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64");
  w_line (w, "            self.s.append(z ^ (z >> 31))");
  w_blank (w);
  w_line (w, "    def next(self):");
  w_line (w, "        s = self.s");
  w_line (w, "        result = (rotl((s[1] * 5) & MASK64, 7) * 9) & MASK64");
  w_line (w, "        t = (s[1] << 17) & MASK64");
  w_line (w, "        s[2] ^= s[0]");
  w_line (w, "        s[3] ^= s[1]");
  w_line (w, "        s[1] ^= s[2]");
  w_line (w, "        s[0] ^= s[3]");
  w_line (w, "        s[2] ^= t");
  w_line (w, "        s[3] = rotl(s[3], 45)");
  w_line (w, "        return result");
  w_blank (w);
  w_line (w, "    def uniform(self, a, b):");
  w_line (w, "        \"\"\"Uniform in [a, b) from 24 random bits (the Playground's randUniform).\"\"\"");
  w_line (w, "        return (self.next() >> 40) * (1.0 / 16777216.0) * (b - a) + a");
  w_blank (w);
  w_line (w, "    def normal(self):");
  w_line (w, "        \"\"\"Standard normal (Box-Muller), rounded to float32 as FitTape keeps it.\"\"\"");
  w_line (w, "        u1 = (float(self.next() >> 11) + 1.0) * (1.0 / 9007199254740993.0)");
  w_line (w, "        u2 = float(self.next() >> 11) * (1.0 / 9007199254740992.0)");
  w_line (w, "        return float(np.float32(math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)))");
  w_blank (w);
  w_line (w, "    def below(self, n):");
  w_line (w, "        \"\"\"Uniform integer in [0, n) (Lemire's multiply-shift with rejection).\"\"\"");
  w_line (w, "        m = (self.next() >> 32) * n");
  w_line (w, "        if (m & 0xFFFFFFFF) < n:");
  w_line (w, "            threshold = ((1 << 32) - n) %% n");
  w_line (w, "            while (m & 0xFFFFFFFF) < threshold:");
  w_line (w, "                m = (self.next() >> 32) * n");
  w_line (w, "        return m >> 32");
  w_blank (w);
  w_line (w, "    def permutation(self, n):");
  w_line (w, "        \"\"\"Fisher-Yates shuffle of 0 .. n-1.\"\"\"");
  w_line (w, "        idx = list(range(n))");
  w_line (w, "        for i in range(n, 1, -1):");
  w_line (w, "            j = self.below(i)");
  w_line (w, "            idx[i - 1], idx[j] = idx[j], idx[i - 1]");
  w_line (w, "        return np.array(idx, dtype=\"int64\")");
  w_blank (w);
  w_blank (w);
  switch (g->e->data.playground)
    {
    case FT_PLAYGROUND_CIRCLE:
      w_line (w, "def make_circle(n, noise, rng):");
      w_line (w, "    \"\"\"Class 1 inside radius 2.5, class 0 in the ring from 3.5 to 5; the noise moves a point");
      w_line (w, "    only for choosing its label, so labels flip near the boundary.\"\"\"");
      w_line (w, "    n_in = n - n // 2");
      w_line (w, "    points, labels = [], []");
      w_line (w, "    for i in range(n):");
      w_line (w, "        r = rng.uniform(0.0, 2.5) if i < n_in else rng.uniform(3.5, 5.0)");
      w_line (w, "        angle = rng.uniform(0.0, 2 * math.pi)");
      w_line (w, "        x, y = r * math.sin(angle), r * math.cos(angle)");
      w_line (w, "        nx = rng.uniform(-5.0, 5.0) * noise");
      w_line (w, "        ny = rng.uniform(-5.0, 5.0) * noise");
      w_line (w, "        points.append((x, y))");
      w_line (w, "        labels.append(1 if math.sqrt((x + nx) * (x + nx) + (y + ny) * (y + ny)) < 2.5 else 0)");
      w_line (w, "    return points, labels");
      break;
    case FT_PLAYGROUND_XOR:
      w_line (w, "def make_xor(n, noise, rng):");
      w_line (w, "    \"\"\"Uniform in [-5, 5]^2, pushed 0.3 away from the axes; class 1 where x * y >= 0 for the");
      w_line (w, "    point moved by the noise.\"\"\"");
      w_line (w, "    points, labels = [], []");
      w_line (w, "    for _ in range(n):");
      w_line (w, "        x = rng.uniform(-5.0, 5.0)");
      w_line (w, "        x += 0.3 if x > 0 else -0.3");
      w_line (w, "        y = rng.uniform(-5.0, 5.0)");
      w_line (w, "        y += 0.3 if y > 0 else -0.3");
      w_line (w, "        nx = rng.uniform(-5.0, 5.0) * noise");
      w_line (w, "        ny = rng.uniform(-5.0, 5.0) * noise");
      w_line (w, "        points.append((x, y))");
      w_line (w, "        labels.append(1 if (x + nx) * (y + ny) >= 0 else 0)");
      w_line (w, "    return points, labels");
      break;
    case FT_PLAYGROUND_GAUSS:
      w_line (w, "def make_gauss(n, noise, rng):");
      w_line (w, "    \"\"\"Two Gaussian clouds, class 1 around (2, 2) and class 0 around (-2, -2); the variance goes");
      w_line (w, "    from 0.5 (noise 0) to 4 (noise 0.5).\"\"\"");
      w_line (w, "    sd = math.sqrt(0.5 + noise * (4.0 - 0.5) / 0.5)");
      w_line (w, "    n_pos = n - n // 2");
      w_line (w, "    points, labels = [], []");
      w_line (w, "    for i in range(n):");
      w_line (w, "        c = 2.0 if i < n_pos else -2.0");
      w_line (w, "        x = c + sd * rng.normal()");
      w_line (w, "        y = c + sd * rng.normal()");
      w_line (w, "        points.append((x, y))");
      w_line (w, "        labels.append(1 if i < n_pos else 0)");
      w_line (w, "    return points, labels");
      break;
    case FT_PLAYGROUND_SPIRAL:
      w_line (w, "def make_spiral(n, noise, rng):");
      w_line (w, "    \"\"\"Two arms of radius 0 to 5 turning 1.75 times; class 0's arm is class 1's rotated by pi.\"\"\"");
      w_line (w, "    half = n / 2.0");
      w_line (w, "    n_pos = n - n // 2");
      w_line (w, "    points, labels = [], []");
      w_line (w, "    for k in range(n):");
      w_line (w, "        positive = k < n_pos");
      w_line (w, "        i = k if positive else k - n_pos");
      w_line (w, "        r = i / half * 5");
      w_line (w, "        t = 1.75 * i / half * 2 * math.pi + (0.0 if positive else math.pi)");
      w_line (w, "        x = r * math.sin(t) + rng.uniform(-1.0, 1.0) * noise");
      w_line (w, "        y = r * math.cos(t) + rng.uniform(-1.0, 1.0) * noise");
      w_line (w, "        points.append((x, y))");
      w_line (w, "        labels.append(1 if positive else 0)");
      w_line (w, "    return points, labels");
      break;
    case FT_PLAYGROUND_MOONS:
    case FT_N_PLAYGROUND:
      w_line (w, "def make_moons(n, noise, rng):");
      w_line (w, "    \"\"\"scikit-learn's make_moons scaled by 4 and centred: the outer half-circle is class 0, the");
      w_line (w, "    inner one class 1; Gaussian noise of standard deviation 2 * noise.\"\"\"");
      w_line (w, "    n_out = n - n // 2");
      w_line (w, "    points, labels = [], []");
      w_line (w, "    for k in range(n):");
      w_line (w, "        outer = k < n_out");
      w_line (w, "        i = k if outer else k - n_out");
      w_line (w, "        count = n_out if outer else n // 2");
      w_line (w, "        t = math.pi * i / (count - 1) if count > 1 else 0.0");
      w_line (w, "        x = math.cos(t) if outer else 1.0 - math.cos(t)");
      w_line (w, "        y = math.sin(t) if outer else 0.5 - math.sin(t)");
      w_line (w, "        x = (x - 0.5) * 4.0 + 4.0 * 0.5 * noise * rng.normal()");
      w_line (w, "        y = (y - 0.25) * 4.0 + 4.0 * 0.5 * noise * rng.normal()");
      w_line (w, "        points.append((x, y))");
      w_line (w, "        labels.append(0 if outer else 1)");
      w_line (w, "    return points, labels");
      break;
    }
}

/* Writes "x_test = …" style lines, behind "if x_test is not None:" when the test files may be missing. */
static void
w_test_line (Gen *g, const char *text)
{
  Writer *w = &g->w;
  if (g->has_test == 2)
    {
      w_line (w, "if x_test is not None:");
      w->indent += 4;
      w_line (w, "%s", text);
      w->indent -= 4;
    }
  else
    w_line (w, "%s", text);
}

/* read_idx() and load_idx(): MNIST-format IDX files (plain or .gz) as NumPy arrays. */
static void
emit_idx_readers (Gen *g)
{
  Writer *w = &g->w;
  w_line (w, "def read_idx(path):");
  w_line (w, "    \"\"\"One IDX file as a NumPy array of bytes in its own shape.\"\"\"");
  w_line (w, "    opener = gzip.open if path.endswith(\".gz\") else open");
  w_line (w, "    with opener(path, \"rb\") as f:");
  w_line (w, "        data = f.read()");
  w_line (w, "    ndim = data[3]");
  w_line (w, "    shape = struct.unpack(\">\" + \"I\" * ndim, data[4 : 4 + 4 * ndim])");
  w_line (w, "    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)");
  w_blank (w);
  w_blank (w);
  w_line (w, "def load_idx(directory, prefix):");
  w_line (w, "    \"\"\"Images scaled to 0..1 and labels, or (None, None) when the files are not there.\"\"\"");
  w_line (w, "    arrays = []");
  w_line (w, "    for name in (prefix + \"-images-idx3-ubyte\", prefix + \"-labels-idx1-ubyte\"):");
  w_line (w, "        path = os.path.join(directory, name)");
  w_line (w, "        if os.path.exists(path + \".gz\"):");
  w_line (w, "            path += \".gz\"");
  w_line (w, "        elif not os.path.exists(path):");
  w_line (w, "            return None, None");
  w_line (w, "        arrays.append(read_idx(path))");
  w_line (w, "    return (arrays[0] / 255.0).astype(\"float32\"), arrays[1].astype(\"int64\")");
  w_blank (w);
  w_blank (w);
}

static void
emit_data (Gen *g)
{
  Writer *w = &g->w;
  const FtExperiment *e = g->e;
  const FtDataSpec *d = &e->data;
  w_begin (w, FT_CODE_DATA);
  w_line (w, "# ---- The data ----");
  switch (d->source)
    {
    case FT_DATA_PLAYGROUND:
      {
        const char *kind = ft_playground_name (d->playground);
        w_line (w, "# TensorFlow Playground's \"%s\" set: points in the plane, two classes (0 = orange, 1 = blue).", kind);
        w_line (w, "# The points are FitTape's own, bit for bit: its generator and the Playground's recipes, in Python.");
        emit_playground_generator (g);
        w_blank (w);
        w_blank (w);
        w_line (w, "def playground(n, noise, seed):");
        w_line (w, "    \"\"\"n points drawn from FitTape's data stream of the seed, then shuffled as the Playground");
        w_line (w, "    shuffles them before splitting.\"\"\"");
        w_line (w, "    rng = FitTapeRng(seed, stream=4)");
        w_line (w, "    points, labels = make_%s(n, float(np.float32(noise)), rng)", kind);
        w_line (w, "    order = rng.permutation(n)");
        w_line (w, "    return np.array(points, dtype=\"float32\")[order], np.array(labels, dtype=\"int64\")[order]");
        w_blank (w);
        w_blank (w);
        /* dataset.seed (ft-data-seed.h): the data's own seed, apart from the weights'. */
        const char *seed = d->has_seed ? "DATA_SEED" : "SEED";
        if (d->has_seed)
          w_line (w, "DATA_SEED = %" G_GUINT64_FORMAT "  # the data's own seed: new data, the same starting weights",
                  d->seed);
        w_line (w, "x_train, y_train = playground(%u, %s, seed=%s)", d->samples, py_float (w, d->noise), seed);
        if (d->test_samples > 0)
          w_line (w, "x_test, y_test = playground(%u, %s, seed=%s + 1)  # the test set: another seed",
                  d->test_samples, py_float (w, d->noise), seed);
        else
          w_line (w, "# (no test set: the experiment asks for none)");
        break;
      }
    case FT_DATA_IDX:
      if (d->path[0] == '\0')
        {
          w_line (w, "# Fashion-MNIST: 60,000 training and 10,000 test images of 28x28 grey levels, ten kinds of clothes.");
          w_line (w, "# Read from %s (Debian's dataset-fashion-mnist), as FitTape reads it;", FT_FASHION_MNIST_DIR);
          w_line (w, "# without them Keras downloads the same files to ~/.keras/datasets.");
          GString *names = g_string_new (NULL);
          for (int i = 0; i < 10; i++)
            {
              g_string_append_printf (names, "%s%s", i % 5 ? ", " : "", py_str (w, fashion_names[i]));
              if (i == 4)
                {
                  w_line (w, "CLASS_NAMES = [%s,", names->str);
                  g_string_truncate (names, 0);
                }
            }
          w_line (w, "               %s]", names->str);
          g_string_free (names, TRUE);
          w_blank (w);
          w_blank (w);
          emit_idx_readers (g);
          w_line (w, "DATA_DIR = %s", py_str (w, FT_FASHION_MNIST_DIR));
          w_line (w, "x_train, y_train = load_idx(DATA_DIR, \"train\")");
          w_line (w, "x_test, y_test = load_idx(DATA_DIR, \"t10k\")");
          w_line (w, "if x_train is None or x_test is None:");
          w_line (w, "    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()");
          w_line (w, "    x_train = (x_train / 255.0).astype(\"float32\")  # grey levels 0..255 become 0..1, as in FitTape");
          w_line (w, "    x_test = (x_test / 255.0).astype(\"float32\")");
          w_line (w, "    y_train, y_test = y_train.astype(\"int64\"), y_test.astype(\"int64\")");
        }
      else
        {
          w_line (w, "# MNIST-format IDX files: train-images-idx3-ubyte and train-labels-idx1-ubyte (optionally .gz),");
          w_line (w, "# and the t10k-… pair for the test set when the directory has it.");
          w_line (w, "DATA_DIR = %s", py_str (w, d->path));
          w_blank (w);
          w_blank (w);
          emit_idx_readers (g);
          w_line (w, "x_train, y_train = load_idx(DATA_DIR, \"train\")");
          w_line (w, "if x_train is None:");
          w_line (w, "    raise SystemExit(f\"no train-images-idx3-ubyte in {DATA_DIR}\")");
          w_line (w, "x_test, y_test = load_idx(DATA_DIR, \"t10k\")  # None when the directory has no test files");
        }
      break;
    case FT_DATA_CSV:
      w_line (w, "# A CSV file with a header line: the label column, and numbers in every other column.");
      w_line (w, "DATA_FILE = %s", py_str (w, d->path));
      if (d->test_path[0] != '\0')
        w_line (w, "TEST_FILE = %s", py_str (w, d->test_path));
      w_line (w, "LABEL_COLUMN = %s", py_str (w, d->label_column));
      w_blank (w);
      w_blank (w);
      w_line (w, "def load_csv(path, label_column, classes=None):");
      w_line (w, "    \"\"\"Features and class indices. Labels that are exactly the integers 0..K-1 are the indices");
      w_line (w, "    themselves, -1 and +1 are 0 and 1; otherwise each distinct label is a class, in order of first");
      w_line (w, "    appearance. A test file passes the training file's classes, so its labels get the same");
      w_line (w, "    indices.\"\"\"");
      w_line (w, "    with open(path, newline=\"\", encoding=\"utf-8\") as f:");
      w_line (w, "        rows = [row for row in csv.reader(f) if row]");
      w_line (w, "    header, rows = rows[0], rows[1:]");
      w_line (w, "    column = header.index(label_column)");
      w_line (w, "    x = np.array([[float(v) for j, v in enumerate(row) if j != column] for row in rows],");
      w_line (w, "                 dtype=\"float32\")");
      w_line (w, "    labels = [row[column] for row in rows]");
      w_line (w, "    if classes is None:");
      w_line (w, "        distinct = list(dict.fromkeys(labels))");
      w_line (w, "        try:");
      w_line (w, "            numbers = sorted(float(v) for v in distinct)");
      w_line (w, "        except ValueError:");
      w_line (w, "            numbers = None");
      w_line (w, "        if numbers == list(range(len(distinct))):");
      w_line (w, "            indices = np.array([int(float(v)) for v in labels], dtype=\"int64\")");
      w_line (w, "            return x, indices, [str(k) for k in range(len(distinct))]");
      w_line (w, "        # The Playground's labels: -1 (orange) is class 0, +1 (blue) class 1, whichever comes first.");
      w_line (w, "        classes = sorted(distinct, key=float) if numbers == [-1.0, 1.0] else distinct");
      w_line (w, "    index = {name: k for k, name in enumerate(classes)}");
      w_line (w, "    return x, np.array([index[v] for v in labels], dtype=\"int64\"), classes");
      w_blank (w);
      w_blank (w);
      w_line (w, "x_train, y_train, class_names = load_csv(DATA_FILE, LABEL_COLUMN)");
      if (d->test_path[0] != '\0')
        w_line (w, "x_test, y_test, _ = load_csv(TEST_FILE, LABEL_COLUMN, class_names)");
      else
        w_line (w, "# (no test set: the experiment names no test file)");
      break;
    }
  if (d->n_points > 0)
    {
      GString *pts = g_string_new (NULL);
      for (uint32_t i = 0; i < d->n_points; i++)
        g_string_append_printf (pts, "%s(%s, %s, %d)", i ? ", " : "", py_float (w, d->points[i].x),
                                py_float (w, d->points[i].y), d->points[i].label);
      w_line (w, "# Points drawn by clicking, in order: a class puts a point first in the training set, -1 removes");
      w_line (w, "# the point nearest to (x, y).");
      w_line (w, "POINTS = [%s]", pts->str);
      w_line (w, "for px, py, pc in POINTS:");
      w_line (w, "    if pc >= 0:");
      w_line (w, "        x_train = np.concatenate([np.array([[px, py]], dtype=\"float32\"), x_train])");
      w_line (w, "        y_train = np.concatenate([np.array([pc], dtype=y_train.dtype), y_train])");
      w_line (w, "    else:");
      w_line (w, "        k = int(np.argmin(((x_train.astype(\"float64\") - [px, py]) ** 2).sum(axis=1)))");
      w_line (w, "        x_train, y_train = np.delete(x_train, k, axis=0), np.delete(y_train, k)");
      g_string_free (pts, TRUE);
    }
  if (d->limit > 0)
    w_line (w, "x_train, y_train = x_train[:%u], y_train[:%u]  # only the first %u training samples", d->limit, d->limit,
            d->limit);
  w_line (w, "if os.environ.get(\"FITTAPE_LIMIT\"):  # a quick run: only the first FITTAPE_LIMIT training samples");
  w_line (w, "    LIMIT = int(os.environ[\"FITTAPE_LIMIT\"])");
  w_line (w, "    x_train, y_train = x_train[:LIMIT], y_train[:LIMIT]");

  /* The Playground's input features: a preprocessing step of every sample, before fit() or the loop. */
  if (d->features != 0)
    {
      GString *cols = g_string_new (NULL), *names = g_string_new (NULL);
      for (int i = 0; i < FT_N_FEATURES; i++)
        if (d->features & (1u << i))
          {
            g_string_append_printf (cols, "%s%s", cols->len ? ", " : "", ft_feature_numpy (i));
            g_string_append_printf (names, "%s%s", names->len ? ", " : "", ft_feature_name (i));
          }
      w_blank (w);
      w_blank (w);
      w_line (w, "def features(x):");
      w_line (w, "    \"\"\"The model's inputs: %s of each point (x1, x2), computed in float64, stored", names->str);
      w_line (w, "    as float32, as FitTape computes them.\"\"\"");
      w_line (w, "    x1, x2 = x[:, 0].astype(\"float64\"), x[:, 1].astype(\"float64\")");
      w_line (w, "    return np.stack([%s], axis=1).astype(\"float32\")", cols->str);
      w_blank (w);
      w_blank (w);
      w_line (w, "x_train = features(x_train)");
      if (g->has_test)
        w_test_line (g, "x_test = features(x_test)");
      g_string_free (cols, TRUE);
      g_string_free (names, TRUE);
    }

  /* The model's input shape, when it differs from the samples' (e.g. a channel axis for Conv2D). */
  if (e->input_ndim > 0 && d->features == 0)
    {
      bool same = g->data_shape_known && g->data_ndim == g->input_ndim
                  && memcmp (g->data_shape, g->input_shape, (size_t) g->input_ndim * sizeof (int)) == 0;
      if (!same)
        {
          const char *shape = py_tuple (w, g->input_ndim, g->input_shape);
          w_line (w, "# The samples in the model's input shape %s.", shape);
          w_line (w, "x_train = x_train.reshape((-1,) + %s)", shape);
          if (g->has_test)
            w_test_line (g, keep (w, g_strdup_printf ("x_test = x_test.reshape((-1,) + %s)", shape)));
        }
    }

  /* Class weights become per-sample weights in the hand-written loop (fit() does this itself). */
  if (g->tape && g->class_weights)
    {
      GString *cw = g_string_new (NULL);
      for (int i = 0; i < e->fit.n_class_weight; i++)
        g_string_append_printf (cw, "%s%d: %s", i ? ", " : "", i, py_float (w, e->fit.class_weight[i]));
      w_line (w, "# class_weight: each sample's loss counts with its class's weight (1 if unlisted).");
      w_line (w, "CLASS_WEIGHT = {%s}", cw->str);
      w_line (w, "sw_train = np.array([CLASS_WEIGHT.get(int(c), 1.0) for c in y_train], dtype=\"float32\")");
      g_string_free (cw, TRUE);
    }

  /* Targets as the loss wants them. */
  const char *loss_name = ft_loss_name (e->compile.loss.kind);
  if (g->targets == 1)
    {
      w_line (w, "# %s compares one output per sample with the label as a float, shape (N, 1).", loss_name);
      w_line (w, "y_train = y_train.astype(\"float32\").reshape(-1, 1)");
      if (g->has_test)
        w_test_line (g, "y_test = y_test.astype(\"float32\").reshape(-1, 1)");
    }
  else if (g->targets == 2)
    {
      const char *n = g->out_size > 0 ? keep (w, g_strdup_printf ("%d", g->out_size)) : "NUM_OUTPUTS";
      if (g->out_size <= 0)
        w_line (w, "NUM_OUTPUTS = int(y_train.max()) + 1");
      w_line (w, "# %s wants one-hot targets: class k becomes a vector of %s with a 1 at k.", loss_name, n);
      w_line (w, "y_train = keras.utils.to_categorical(y_train, %s)", n);
      if (g->has_test)
        w_test_line (g, keep (w, g_strdup_printf ("y_test = keras.utils.to_categorical(y_test, %s)", n)));
    }
  w_end (w, FT_CODE_DATA);
  w_blank (w);
}

/* ------------------------------------------------------------------------------------------------ */
/* Model, optimizer, loss */

/* A kind's arguments from its table: positional ones bare, the others as keyword=value, each only when
 * not at its default unless the table says always; clipping arguments last. */
static void
param_args (Gen *g, const FtKindInfo *kind, const void *spec, GPtrArray *args)
{
  Writer *w = &g->w;
#define ARG(...) g_ptr_array_add (args, (gpointer) keep (w, g_strdup_printf (__VA_ARGS__)))
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < kind->n_params; i++)
      {
        const FtParam *p = &kind->params[i];
        const void *f = ft_param_cptr (p, spec);
        if (((p->flags & FT_PARAM_UI_CLIPPING) != 0) != (pass == 1) || p->type == FT_PARAM_KERAS_CONST
            || (p->flags & FT_PARAM_NOT_KERAS))
          continue;
        if (!(p->flags & FT_PARAM_CODE_ALWAYS) && ft_param_is_default (p, spec))
          continue;
        const char *value = NULL;
        switch (p->type)
          {
          case FT_PARAM_FLOAT:
            value = py_float (w, *(const float *) f);
            break;
          case FT_PARAM_INT:
            value = keep (w, g_strdup_printf ("%d", *(const int *) f));
            break;
          case FT_PARAM_BOOL:
            value = py_bool (*(const bool *) f);
            break;
          case FT_PARAM_PAIR:
            {
              const int *v = f;
              if ((p->flags & FT_PARAM_POSITIONAL) && v[0] == v[1])
                value = keep (w, g_strdup_printf ("%d", v[0]));
              else
                value = keep (w, g_strdup_printf ("(%d, %d)", v[0], v[1]));
              break;
            }
          case FT_PARAM_PADDING:
            value = *(const FtPadding *) f == FT_PADDING_SAME ? "\"same\"" : "\"valid\"";
            break;
          case FT_PARAM_ACTIVATION:
            value = keep (w, g_strdup_printf ("\"%s\"", ft_activation_name (*(const FtActivation *) f)));
            break;
          case FT_PARAM_INITIALIZER:
            value = keep (w, g_strdup_printf ("\"%s\"", ft_initializer_name (*(const FtInitializer *) f)));
            break;
          case FT_PARAM_L2: /* L2 factor, then L1 factor */
            {
              float l2 = ((const float *) f)[0], l1 = ((const float *) f)[1];
              if (l1 > 0 && l2 > 0)
                value = keep (w, g_strdup_printf ("keras.regularizers.L1L2(l1=%s, l2=%s)", py_float (w, l1),
                                                  py_float (w, l2)));
              else if (l1 > 0)
                value = keep (w, g_strdup_printf ("keras.regularizers.L1(%s)", py_float (w, l1)));
              else
                value = keep (w, g_strdup_printf ("keras.regularizers.L2(%s)", py_float (w, l2)));
              break;
            }
          case FT_PARAM_DOUBLE:
            value = py_double (w, *(const double *) f);
            break;
          case FT_PARAM_OPTIONAL:
            value = py_double (w, *(const double *) f); /* not at its default: set */
            break;
          case FT_PARAM_STRING:
            value = py_str (w, f);
            break;
          case FT_PARAM_CHAR:
            value = py_str (w, (const char[]) { *(const char *) f, '\0' });
            break;
          case FT_PARAM_CHOICE:
            {
              int v = *(const int *) f;
              value = keep (w, g_strdup_printf ("\"%s\"", v >= 0 && v < ft_param_n_choices (p) ? p->choices[v] : "?"));
              break;
            }
          case FT_PARAM_KERAS_CONST:
          case FT_N_PARAM_TYPES:
            continue;
          }
        if (p->flags & FT_PARAM_POSITIONAL)
          ARG ("%s", value);
        else
          ARG ("%s=%s", p->key, value);
      }
#undef ARG
}

static const char *
kind_code (Gen *g, const char *module, const FtKindInfo *kind, const void *spec)
{
  GPtrArray *args = g_ptr_array_new ();
  param_args (g, kind, spec, args);
  g_ptr_array_add (args, NULL);
  char *joined = g_strjoinv (", ", (char **) args->pdata);
  g_ptr_array_free (args, TRUE);
  const char *code = keep (&g->w, g_strdup_printf ("keras.%s.%s(%s)", module, kind->name, joined));
  g_free (joined);
  return code;
}

static const char *
layer_code (Gen *g, const FtLayerSpec *l)
{
  return kind_code (g, "layers", ft_layer_kind_info (l->kind), l);
}

static void
emit_model (Gen *g)
{
  Writer *w = &g->w;
  const FtExperiment *e = g->e;
  w_begin (w, FT_CODE_DEFINE_MODEL);
  w_line (w, "# ---- 1. Define the model ----");
  w_line (w, "model = keras.Sequential(");
  w_line (w, "    [");
  if (e->input_ndim > 0 || g->data_shape_known)
    w_line (w, "        keras.Input(shape=%s),", py_tuple (w, g->input_ndim, g->input_shape));
  else
    w_line (w, "        keras.Input(shape=x_train.shape[1:]),");
  for (int i = 0; i < e->n_layers; i++)
    w_code (w, keep (w, g_strdup_printf ("        %s,", layer_code (g, &e->layers[i]))));
  w_line (w, "    ]");
  w_line (w, ")");
  w_line (w, "model.summary()");
  if (g->options != NULL && g->options->replay)
    {
      w_line (w, "import fittape_replay  # fittape-cli certify: FitTape's initial weights, samples and data order");
      w_line (w, "fittape_replay.install(model, globals())");
    }
  w_end (w, FT_CODE_DEFINE_MODEL);
  w_blank (w);
}

static const char *
optimizer_code (Gen *g)
{
  const FtOptimizerSpec *o = &g->e->compile.optimizer;
  return kind_code (g, "optimizers", ft_optimizer_kind_info (o->kind), o);
}

static const char *
loss_code (Gen *g)
{
  const FtLossSpec *l = &g->e->compile.loss;
  return kind_code (g, "losses", ft_loss_kind_info (l->kind), l);
}

/* ------------------------------------------------------------------------------------------------ */
/* Callbacks */

/* Is larger better for this monitor? (FitTape's rule; "min" when it cannot tell.) */
static bool
monitor_greater (const FtCallbackSpec *spec)
{
  bool greater = false;
  if (!ft_monitor_direction (spec->monitor, spec->mode, &greater, NULL))
    greater = false;
  return greater;
}

static void
emit_schedule_function (Gen *g, const FtCallbackSpec *c, const char *name)
{
  Writer *w = &g->w;
  const char *lr0 = c->initial_lr > 0 ? py_double (w, c->initial_lr) : py_float (w, g->e->compile.optimizer.learning_rate);
  w_line (w, "def %s(epoch, lr):", name);
  switch (c->schedule)
    {
    case FT_SCHEDULE_EXPONENTIAL:
      w_line (w, "    \"\"\"Exponential decay: the initial rate times %s to the power of the epoch.\"\"\"",
              py_double (w, c->rate));
      w_line (w, "    return float(%s * %s**epoch)", lr0, py_double (w, c->rate));
      break;
    case FT_SCHEDULE_COSINE:
      w_line (w, "    \"\"\"Cosine decay over %d epochs down to %s of the initial rate.\"\"\"", c->decay_epochs,
              py_double (w, c->alpha));
      w_line (w, "    cosine = 0.5 * (1 + math.cos(math.pi * min(epoch, %d) / %d))", c->decay_epochs, c->decay_epochs);
      w_line (w, "    return float(%s * (%s + (1 - %s) * cosine))", lr0, py_double (w, c->alpha),
              py_double (w, c->alpha));
      break;
    case FT_SCHEDULE_STEP:
      w_line (w, "    \"\"\"Step decay: the initial rate times %s every %d epochs.\"\"\"", py_double (w, c->factor),
              c->step_size);
      w_line (w, "    return float(%s * %s ** (epoch // %d))", lr0, py_double (w, c->factor),
              c->step_size);
      break;
    }
}

/* The constructor call: the table's arguments (a LearningRateScheduler's are its function's, written above). */
static const char *
callback_code (Gen *g, const FtCallbackSpec *c, const char *schedule_name)
{
  GPtrArray *args = g_ptr_array_new ();
  param_args (g, ft_callback_kind_info (c->kind), c, args);
  if (c->kind == FT_CALLBACK_LEARNING_RATE_SCHEDULER)
    g_ptr_array_add (args, (gpointer) schedule_name);
  g_ptr_array_add (args, NULL);
  char *joined = g_strjoinv (", ", (char **) args->pdata);
  g_ptr_array_free (args, TRUE);
  const char *code
      = keep (&g->w, g_strdup_printf ("keras.callbacks.%s(%s)", ft_callback_kind_name (c->kind), joined));
  g_free (joined);
  return code;
}

/* Name of the i-th LearningRateScheduler's function: "schedule", "schedule_2", … */
static const char *
schedule_name (Gen *g, int index)
{
  int n = 0;
  for (int i = 0; i <= index; i++)
    if (g->e->callbacks[i].kind == FT_CALLBACK_LEARNING_RATE_SCHEDULER)
      n++;
  return n <= 1 ? "schedule" : keep (&g->w, g_strdup_printf ("schedule_%d", n));
}

/* A suffix that keeps the hand-written state of a second callback of one kind apart: "", "_2", … */
static const char *
kind_suffix (Gen *g, int index)
{
  int n = 0;
  for (int i = 0; i <= index; i++)
    if (g->e->callbacks[i].kind == g->e->callbacks[index].kind)
      n++;
  return n <= 1 ? "" : keep (&g->w, g_strdup_printf ("_%d", n));
}

/* ------------------------------------------------------------------------------------------------ */
/* Fit mode */

static void
emit_fit (Gen *g)
{
  Writer *w = &g->w;
  const FtExperiment *e = g->e;
  const FtFitArgs *f = &e->fit;

  w_begin (w, FT_CODE_COMPILE);
  w_line (w, "# ---- 2. Optimizer, loss and metrics: model.compile() ----");
  w_line (w, "model.compile(");
  w_code (w, keep (w, g_strdup_printf ("    optimizer=%s,", optimizer_code (g))));
  w_line (w, "    loss=%s,", loss_code (g));
  GString *m = g_string_new (NULL);
  for (int i = 0; i < e->compile.n_metrics; i++)
    g_string_append_printf (m, "%s%s", i ? ", " : "", py_str (w, e->compile.metrics[i]));
  w_line (w, "    metrics=[%s],", m->str);
  if (e->compile.n_weighted_metrics > 0)
    {
      /* Only these get class_weight's sample weights; the metrics above do not (Keras 3). */
      g_string_truncate (m, 0);
      for (int i = 0; i < e->compile.n_weighted_metrics; i++)
        g_string_append_printf (m, "%s%s", i ? ", " : "", py_str (w, e->compile.weighted_metrics[i]));
      w_line (w, "    weighted_metrics=[%s],", m->str);
    }
  g_string_free (m, TRUE);
  w_line (w, ")");
  w_end (w, FT_CODE_COMPILE);
  w_blank (w);

  int cb_first[64] = { 0 }, cb_last[64] = { 0 };
  bool any_callbacks = e->n_callbacks > 0;
  if (any_callbacks)
    {
      w_begin (w, FT_CODE_CALLBACKS);
      w_line (w, "# ---- Callbacks: fit() calls them at the start and end of every epoch and batch ----");
      for (int i = 0; i < e->n_callbacks; i++)
        if (e->callbacks[i].kind == FT_CALLBACK_LEARNING_RATE_SCHEDULER)
          {
            emit_schedule_function (g, &e->callbacks[i], schedule_name (g, i));
            w_blank (w);
            w_blank (w);
          }
      w_line (w, "callbacks = [");
      for (int i = 0; i < e->n_callbacks; i++)
        {
          int first = w->line + 1;
          w_code (w, keep (w, g_strdup_printf ("    %s,", callback_code (g, &e->callbacks[i], schedule_name (g, i)))));
          if (i < (int) G_N_ELEMENTS (cb_first))
            {
              cb_first[i] = first;
              cb_last[i] = w->line;
            }
        }
      w_line (w, "]");
      w_end (w, FT_CODE_CALLBACKS);
      w_blank (w);
    }

  w_line (w, "# ---- 3. The loop, 4. train and 5. validate: model.fit() does all three ----");
  w_comment_wrapped (
    w, "Every epoch fit() resets the metrics, shuffles the training samples (shuffle=True), cuts them into "
       "batches of batch_size, and on each batch runs the train step: the forward pass under a "
       "tf.GradientTape, the gradients, optimizer.apply_gradients() and the metric updates. Then it validates "
       "on the validation split, calls the callbacks and prints the progress bar. Export this experiment in "
       "tape mode to see each of those steps written out.");
  w_begin (w, FT_CODE_LOOP);
  w_begin (w, FT_CODE_TRAIN_STEP);
  w_line (w, "history = model.fit(");
  int fit_line = w->line;
  w_line (w, "    x_train,");
  w_line (w, "    y_train,");
  w_rline (w, FT_CODE_STEP_BATCHING, "    batch_size=BATCH_SIZE,");
  w_line (w, "    epochs=EPOCHS,");
  if (f->validation_split > 0)
    {
      w_line (w, "    validation_split=VALIDATION_SPLIT,  # the last %s, set aside before shuffling",
              keep (w, g_strdup_printf ("%g%%", f->validation_split * 100)));
      add_range (w->map, FT_CODE_STEP_SPLIT, w->line, w->line);
      add_range (w->map, FT_CODE_STEP_VALIDATE, w->line, w->line);
      add_range (w->map, FT_CODE_VALIDATE, w->line, w->line);
    }
  w_rline (w, FT_CODE_STEP_SHUFFLE, "    shuffle=%s,", py_bool (f->shuffle));
  if (f->class_weight != NULL && f->n_class_weight > 0)
    {
      GString *cw = g_string_new (NULL);
      for (int i = 0; i < f->n_class_weight; i++)
        g_string_append_printf (cw, "%s%d: %s", i ? ", " : "", i, py_float (w, f->class_weight[i]));
      w_line (w, "    class_weight={%s},", cw->str);
      g_string_free (cw, TRUE);
    }
  if (f->initial_epoch > 0)
    w_line (w, "    initial_epoch=%d,", f->initial_epoch);
  if (f->steps_per_epoch > 0)
    w_line (w, "    steps_per_epoch=%d,", f->steps_per_epoch);
  if (f->validation_freq > 1)
    w_line (w, "    validation_freq=%d,", f->validation_freq);
  if (any_callbacks)
    w_line (w, "    callbacks=callbacks,");
  w_line (w, ")");
  w_end (w, FT_CODE_TRAIN_STEP);
  w_end (w, FT_CODE_LOOP);

  /* What fit() does unasked, and the callbacks' lines, for the loop steps. */
  if (f->validation_split <= 0)
    {
      add_range (w->map, FT_CODE_STEP_SPLIT, fit_line, fit_line);
      add_range (w->map, FT_CODE_STEP_VALIDATE, fit_line, fit_line);
    }
  add_range (w->map, FT_CODE_STEP_RESET_METRICS, fit_line, fit_line);
  add_range (w->map, FT_CODE_STEP_PROGRESS, fit_line, fit_line);
  add_range (w->map, FT_CODE_BATCH_LINE, fit_line, fit_line);
  add_range (w->map, FT_CODE_EPOCH_START, fit_line, fit_line);
  add_range (w->map, FT_CODE_EPOCH_END, fit_line, fit_line);
  static const struct
  {
    FtCallbackKind kind;
    FtCodeRegion region;
  } by_callback[] = { { FT_CALLBACK_EARLY_STOPPING, FT_CODE_STEP_EARLY_STOPPING },
                      { FT_CALLBACK_MODEL_CHECKPOINT, FT_CODE_STEP_CHECKPOINT } };
  for (size_t k = 0; k < G_N_ELEMENTS (by_callback); k++)
    {
      bool found = false;
      for (int i = 0; i < e->n_callbacks && i < (int) G_N_ELEMENTS (cb_first); i++)
        if (e->callbacks[i].kind == by_callback[k].kind)
          {
            add_range (w->map, by_callback[k].region, cb_first[i], cb_last[i]);
            found = true;
          }
      if (!found)
        add_range (w->map, by_callback[k].region, fit_line, fit_line);
    }
  w_blank (w);

  if (g->has_test)
    {
      w_begin (w, FT_CODE_EVALUATE);
      w_line (w, "# ---- 6. Evaluate on the test set ----");
      if (g->has_test == 2)
        {
          w_line (w, "if x_test is not None:");
          w->indent += 4;
        }
      w_line (w, "results = model.evaluate(x_test, y_test, batch_size=BATCH_SIZE, return_dict=True)");
      w_line (w, "print(\"Test: \" + \" - \".join(f\"{key}: {value:.4f}\" for key, value in results.items()))");
      if (g->has_test == 2)
        w->indent -= 4;
      w_end (w, FT_CODE_EVALUATE);
    }
  else
    w_line (w, "# (no evaluation: there is no test set)");
}

/* ------------------------------------------------------------------------------------------------ */
/* Tape mode */

/* "x_batch, y_batch" or with the sample weights. */
static const char *
batch_vars (Gen *g)
{
  return g->class_weights ? "x_batch, y_batch, w_batch" : "x_batch, y_batch";
}

static void
emit_tape_compile (Gen *g)
{
  Writer *w = &g->w;
  w_begin (w, FT_CODE_COMPILE);
  w_line (w, "# ---- 2. Optimizer, loss and metrics (what model.compile() would hold) ----");
  w_code (w, keep (w, g_strdup_printf ("optimizer = %s", optimizer_code (g))));
  const FtLossSpec *ls = &g->e->compile.loss;
  if (g->pit[FT_PITFALL_FROM_LOGITS_MISMATCH] && ls->kind != FT_LOSS_MEAN_SQUARED_ERROR)
    {
      w_line (w, "# The last layer %s.", ls->from_logits ? "gives logits" : "already applies its activation");
      w_pitfall (w, FT_PITFALL_FROM_LOGITS_MISMATCH, "loss_fn = keras.losses.%s(from_logits=%s)",
                 ft_loss_kind_info (ls->kind)->name, py_bool (!ls->from_logits));
    }
  else
    w_line (w, "loss_fn = %s", loss_code (g));
  w_line (w, "# Metric objects keep running totals over the batches they see: \"loss\" is the mean of the batch");
  w_line (w, "# losses weighted by batch size, as fit() reports it, not the loss of the last batch.");
  w_line (w, "train_loss = keras.metrics.Mean(name=\"loss\")");
  for (int i = 0; i < g->n_metrics; i++)
    w_line (w, "train_%s = keras.metrics.%s(name=%s)", g->metric_var[i], g->metric_class[i],
            py_str (w, g->metric_key[i]));
  if (g->need_test_step)
    {
      w_line (w, "# The same again for the %s (reset before each pass).",
              g->validate && g->has_test ? "validation data and the test set"
              : g->validate              ? "validation data"
                                         : "test set");
      w_line (w, "test_loss = keras.metrics.Mean(name=\"loss\")");
      for (int i = 0; i < g->n_metrics; i++)
        w_line (w, "test_%s = keras.metrics.%s(name=%s)", g->metric_var[i], g->metric_class[i],
                py_str (w, g->metric_key[i]));
    }
  w_end (w, FT_CODE_COMPILE);
  w_blank (w);
}

static void
emit_tape_pipeline (Gen *g)
{
  Writer *w = &g->w;
  const FtExperiment *e = g->e;
  const FtFitArgs *f = &e->fit;
  const char *arrays = g->class_weights ? "(x_train, y_train, sw_train)" : "(x_train, y_train)";

  w_begin (w, FT_CODE_LOOP);
  w_line (w, "# ---- 3. The loop, part one: the data pipeline ----");
  /* Split */
  w_begin (w, FT_CODE_STEP_SPLIT);
  bool split_late = g->split && g->pit[FT_PITFALL_SPLIT_AFTER_SHUFFLE];
  if (split_late)
    {
      w_line (w, "split_at = int(math.floor(len(x_train) * (1.0 - VALIDATION_SPLIT)))");
      w_pitfall (w, FT_PITFALL_SPLIT_AFTER_SHUFFLE,
                 "full_dataset = tf.data.Dataset.from_tensor_slices(%s).shuffle(len(x_train), reshuffle_each_iteration=True)",
                 arrays);
      span_add (&w->map->pitfalls[FT_PITFALL_SPLIT_AFTER_SHUFFLE], w->line + 1, w->line + 2);
      w_line (w, "train_dataset = full_dataset.take(split_at)  # a different cut of the samples every epoch");
      w_line (w, "val_source = full_dataset.skip(split_at)");
      w_end (w, FT_CODE_STEP_SPLIT);
    }
  else if (g->split)
    {
      w_line (w, "# The validation split: the last %s of the samples, set aside before any shuffling.",
              keep (w, g_strdup_printf ("%g%%", f->validation_split * 100)));
      w_line (w, "split_at = int(math.floor(len(x_train) * (1.0 - VALIDATION_SPLIT)))");
      w_line (w, "x_val, y_val = x_train[split_at:], y_train[split_at:]");
      w_line (w, "x_train, y_train = x_train[:split_at], y_train[:split_at]");
      if (g->class_weights)
        w_line (w, "sw_train = sw_train[:split_at]");
      w_end (w, FT_CODE_STEP_SPLIT);
    }
  else if (f->validation_split > 0)
    w_omitted (w, FT_CODE_STEP_SPLIT, "no split: every sample trains, and there is no validation data");
  else
    w_omitted (w, FT_CODE_STEP_SPLIT, "no split: validation_split is 0, so there is no validation data");

  if (!split_late)
    w_line (w, "train_dataset = tf.data.Dataset.from_tensor_slices(%s)", arrays);
  /* Shuffle */
  if (g->shuffle && split_late)
    {
      w_begin (w, FT_CODE_STEP_SHUFFLE);
      w_line (w, "# Shuffle: done above, before the split.");
      w_end (w, FT_CODE_STEP_SHUFFLE);
    }
  else if (g->shuffle)
    {
      w_begin (w, FT_CODE_STEP_SHUFFLE);
      if (g->pit[FT_PITFALL_SHUFFLE_BUFFER])
        {
          w_line (w, "# Shuffle: a new order every epoch.");
          w_pitfall (w, FT_PITFALL_SHUFFLE_BUFFER,
                     "train_dataset = train_dataset.shuffle(buffer_size=%d, reshuffle_each_iteration=True)",
                     FT_SHUFFLE_BUFFER_SIZE);
        }
      else
        {
          w_line (w, "# Shuffle: a new order of all training samples every epoch.");
          w_line (w, "train_dataset = train_dataset.shuffle(buffer_size=len(x_train), reshuffle_each_iteration=True)");
        }
      w_end (w, FT_CODE_STEP_SHUFFLE);
    }
  else if (e->steps.shuffle)
    w_omitted (w, FT_CODE_STEP_SHUFFLE, "no shuffle: fit's shuffle=False, the batches come in the same order every epoch");
  else
    w_omitted (w, FT_CODE_STEP_SHUFFLE, "no shuffle: the batches come in the same order every epoch");
  /* Batching */
  if (g->batching)
    {
      w_begin (w, FT_CODE_STEP_BATCHING);
      w_line (w, "# Batching: batches of BATCH_SIZE samples; the last one may be smaller.");
      w_line (w, "train_dataset = train_dataset.batch(BATCH_SIZE)");
      if (f->steps_per_epoch > 0)
        w_line (w, "train_dataset = train_dataset.take(%d)  # steps_per_epoch: only the first %d batches",
                f->steps_per_epoch, f->steps_per_epoch);
      w_end (w, FT_CODE_STEP_BATCHING);
    }
  else
    {
      w_omitted (w, FT_CODE_STEP_BATCHING, "no batching: the whole training set is one batch, one step per epoch");
      w_rline (w, FT_CODE_STEP_BATCHING, "train_dataset = train_dataset.batch(len(x_train))");
    }
  if (g->validate)
    {
      add_range (w->map, FT_CODE_STEP_VALIDATE, w->line + 1, w->line + 1);
      if (split_late)
        w_line (w, "val_dataset = val_source.map(lambda *sample: sample[:2]).batch(%s)",
                g->batching ? "BATCH_SIZE" : "len(x_train) - split_at");
      else
        w_line (w, "val_dataset = tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch(%s)",
                g->batching ? "BATCH_SIZE" : "len(x_val)");
    }
  w_end (w, FT_CODE_LOOP);
  w_blank (w);
}

static void
emit_tape_steps (Gen *g)
{
  Writer *w = &g->w;
  const char *pred = g->logits ? "logits" : "predictions";
  const char *sw = g->class_weights ? ", sample_weight" : "";
  const char *sw_arg = g->class_weights ? ", sample_weight=sample_weight" : "";

  w_begin (w, FT_CODE_TRAIN_STEP);
  w_line (w, "# ---- 4. Train: one step of gradient descent on one batch ----");
  w_line (w, "@tf.function  # traced into a TensorFlow graph once: much faster than running eagerly");
  w_line (w, "def train_step(x, y%s):", sw);
  w_line (w, "    with tf.GradientTape() as tape:");
  w->indent = 8;
  if (g->pit[FT_PITFALL_TRAINING_FALSE])
    w_pitfall (w, FT_PITFALL_TRAINING_FALSE, "%s = model(x, training=False)", pred);
  else
    {
      w_line (w, "# training=True: dropout is active, batch norm uses the batch's own statistics.");
      w_line (w, "%s = model(x, training=True)", pred);
    }
  const char *loss_sw = g->pit[FT_PITFALL_NO_CLASS_WEIGHT] ? "" : sw_arg;
  if (g->pit[FT_PITFALL_NO_REGULARIZATION_LOSS])
    w_pitfall (w, FT_PITFALL_NO_REGULARIZATION_LOSS, "loss = loss_fn(y, %s%s)", pred, loss_sw);
  else
    {
      w_line (w, "# The loss, plus the layers' regularization losses (model.losses: empty without any).");
      if (g->pit[FT_PITFALL_NO_CLASS_WEIGHT] && g->class_weights)
        w_pitfall (w, FT_PITFALL_NO_CLASS_WEIGHT, "loss = loss_fn(y, %s) + sum(model.losses)", pred);
      else
        w_line (w, "loss = loss_fn(y, %s%s) + sum(model.losses)", pred, loss_sw);
    }
  if (g->pit[FT_PITFALL_NO_REGULARIZATION_LOSS] && g->pit[FT_PITFALL_NO_CLASS_WEIGHT] && g->class_weights)
    span_add (&w->map->pitfalls[FT_PITFALL_NO_CLASS_WEIGHT], w->line, w->line);
  w->indent = 0;
  w_line (w, "    gradients = tape.gradient(loss, model.trainable_variables)");
  w_line (w, "    optimizer.apply_gradients(zip(gradients, model.trainable_variables))");
  w->indent = 4;
  if (g->pit[FT_PITFALL_UNWEIGHTED_BATCH_MEAN])
    w_pitfall (w, FT_PITFALL_UNWEIGHTED_BATCH_MEAN, "train_loss.update_state(loss)");
  else
    w_line (w, "train_loss.update_state(loss, sample_weight=tf.shape(x)[0])  # weighted by the batch's size");
  w->indent = 0;
  if (g->class_weights && g->n_metrics > 0)
    w_line (w, "    # The class weights weigh the loss only: fit() passes no sample weights to compiled metrics.");
  for (int i = 0; i < g->n_metrics; i++)
    w_line (w, "    train_%s.update_state(y, %s%s)", g->metric_var[i], pred, g->metric_weighted[i] ? sw_arg : "");
  w_line (w, "    return loss");
  w_end (w, FT_CODE_TRAIN_STEP);
  w_blank (w);
  w_blank (w);

  if (g->need_test_step)
    {
      w_begin (w, FT_CODE_VALIDATE);
      w_line (w, "# ---- 5. Validate: the model in inference mode, no tape, no update ----");
      w_line (w, "@tf.function");
      w_line (w, "def test_step(x, y):");
      w->indent = 4;
      if (g->pit[FT_PITFALL_VALIDATE_TRAINING_TRUE])
        w_pitfall (w, FT_PITFALL_VALIDATE_TRAINING_TRUE, "%s = model(x, training=True)", pred);
      else
        {
          w_line (w, "# training=False: no dropout, batch norm uses its moving statistics.");
          w_line (w, "%s = model(x, training=False)", pred);
        }
      w_line (w, "loss = loss_fn(y, %s)%s", pred, g->pit[FT_PITFALL_NO_REGULARIZATION_LOSS] ? "" : " + sum(model.losses)");
      w_line (w, "test_loss.update_state(loss%s)", g->pit[FT_PITFALL_UNWEIGHTED_BATCH_MEAN] ? "" : ", sample_weight=tf.shape(x)[0]");
      w->indent = 0;
      for (int i = 0; i < g->n_metrics; i++)
        w_line (w, "    test_%s.update_state(y, %s)", g->metric_var[i], pred);
      w_end (w, FT_CODE_VALIDATE);
      w_blank (w);
      w_blank (w);
    }
}

/* logs = {"accuracy": …, "loss": …} in Keras' order (sorted keys). */
static void
emit_logs_line (Gen *g, const char *logs_expr_prefix, const char *var_prefix, const char *key_prefix, bool assign)
{
  Writer *w = &g->w;
  const char *keys[2 * MAX_METRICS + 1];
  const char *vars[2 * MAX_METRICS + 1];
  int n = 0;
  keys[n] = "loss";
  vars[n++] = "loss";
  for (int i = 0; i < g->n_metrics; i++)
    {
      keys[n] = g->metric_key[i];
      vars[n++] = g->metric_var[i];
    }
  /* Insertion sort by key, as Keras sorts the metric results. */
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && strcmp (keys[j - 1], keys[j]) > 0; j--)
      {
        const char *t = keys[j];
        keys[j] = keys[j - 1];
        keys[j - 1] = t;
        t = vars[j];
        vars[j] = vars[j - 1];
        vars[j - 1] = t;
      }
  if (assign)
    {
      GString *s = g_string_new (NULL);
      for (int i = 0; i < n; i++)
        g_string_append_printf (s, "%s%s: float(%s_%s.result())", i ? ", " : "",
                                py_str (w, keep (w, g_strconcat (key_prefix, keys[i], NULL))), var_prefix, vars[i]);
      if (w->indent + strlen (logs_expr_prefix) + s->len + 2 <= 100)
        w_line (w, "%s{%s}", logs_expr_prefix, s->str);
      else
        {
          /* Too long for one line: one key per line. */
          w_line (w, "%s{", logs_expr_prefix);
          for (int i = 0; i < n; i++)
            w_line (w, "    %s: float(%s_%s.result()),", py_str (w, keep (w, g_strconcat (key_prefix, keys[i], NULL))),
                    var_prefix, vars[i]);
          w_line (w, "}");
        }
      g_string_free (s, TRUE);
    }
  else
    for (int i = 0; i < n; i++)
      w_line (w, "%s[%s] = float(%s_%s.result())", logs_expr_prefix,
              py_str (w, keep (w, g_strconcat (key_prefix, keys[i], NULL))), var_prefix, vars[i]);
}

static void
emit_reset (Gen *g, const char *prefix)
{
  Writer *w = &g->w;
  w_line (w, "%s_loss.reset_state()", prefix);
  for (int i = 0; i < g->n_metrics; i++)
    w_line (w, "%s_%s.reset_state()", prefix, g->metric_var[i]);
}

/* "current < best", "current + 0.01 < best", "current - 0.01 > best" */
static const char *
improvement (Gen *g, bool greater, double min_delta, const char *current, const char *reference)
{
  double d = fabs (min_delta);
  if (d == 0)
    return keep (&g->w, g_strdup_printf ("%s %s %s", current, greater ? ">" : "<", reference));
  return keep (&g->w, g_strdup_printf ("%s %s %s %s %s", current, greater ? "-" : "+", py_double (&g->w, d),
                                       greater ? ">" : "<", reference));
}

static void
emit_tape_loop (Gen *g)
{
  Writer *w = &g->w;
  const FtExperiment *e = g->e;
  const FtFitArgs *f = &e->fit;
  const FtCallbackSpec *es = g->es, *ck = g->ckpt;
  bool es_greater = es ? monitor_greater (es) : false;
  bool ck_greater = ck ? monitor_greater (ck) : false;
  bool nan_check = has_callback (e, FT_CALLBACK_TERMINATE_ON_NAN);

  w_begin (w, FT_CODE_LOOP);
  w_line (w, "# ---- 3. The loop, part two: epochs of batches ----");
  bool can_stop = es != NULL || nan_check; /* something may end training early */
  w_line (w, "history = {}  # what fit() returns as History.history: every log's value, epoch by epoch");
  if (can_stop)
    w_line (w, "stop_training = False  # as model.stop_training: set to end the run after this epoch");

  /* State of the hand-written steps and callbacks, before the loop. */
  if (es)
    {
      w_begin (w, FT_CODE_STEP_EARLY_STOPPING);
      w_line (w, "# Early stopping by hand, doing what this callback does in fit():");
      w_line (w, "#   %s", callback_code (g, es, NULL));
      w_line (w, "best = %s  # the best %s so far", es_greater ? "-math.inf" : "math.inf", es->monitor);
      w_line (w, "wait = 0  # epochs since it last improved");
      if (es->restore_best_weights)
        w_line (w, "best_weights = None");
      w_end (w, FT_CODE_STEP_EARLY_STOPPING);
    }
  if (ck)
    {
      w_begin (w, FT_CODE_STEP_CHECKPOINT);
      w_line (w, "# Checkpoints by hand, doing what this callback does in fit():");
      w_line (w, "#   %s", callback_code (g, ck, NULL));
      w_line (w, "CHECKPOINT_PATH = %s", py_str (w, ck->filepath));
      if (ck->save_best_only)
        w_line (w, "checkpoint_best = %s",
                ck->has_initial_value_threshold ? py_double (w, ck->initial_value_threshold)
                : ck_greater                    ? "-math.inf"
                                                : "math.inf");
      w_end (w, FT_CODE_STEP_CHECKPOINT);
    }
  w_begin (w, FT_CODE_CALLBACKS);
  for (int i = 0; i < e->n_callbacks; i++)
    {
      const FtCallbackSpec *c = &e->callbacks[i];
      const char *sfx = kind_suffix (g, i);
      switch (c->kind)
        {
        case FT_CALLBACK_REDUCE_LR_ON_PLATEAU:
          {
            bool greater = c->mode == FT_MONITOR_MAX || (c->mode == FT_MONITOR_AUTO && strstr (c->monitor, "acc"));
            w_line (w, "# By hand, what this callback does in fit():");
            w_line (w, "#   %s", callback_code (g, c, NULL));
            w_line (w, "plateau_best%s = %s", sfx, greater ? "-math.inf" : "math.inf");
            w_line (w, "plateau_wait%s = 0", sfx);
            w_line (w, "plateau_cooldown%s = 0", sfx);
            break;
          }
        case FT_CALLBACK_CSV_LOGGER:
          {
            char sep[2] = { c->separator ? c->separator : ',', '\0' };
            w_line (w, "# By hand, what this callback does in fit():");
            w_line (w, "#   %s", callback_code (g, c, NULL));
            w_line (w, "csv_path%s = %s", sfx, py_str (w, c->filepath));
            if (c->append)
              {
                w_line (w, "csv_header%s = not (os.path.exists(csv_path%s) and os.path.getsize(csv_path%s) > 0)", sfx,
                        sfx, sfx);
                w_line (w, "csv_file%s = open(csv_path%s, \"a\", newline=\"\")", sfx, sfx);
              }
            else
              {
                w_line (w, "csv_header%s = True", sfx);
                w_line (w, "csv_file%s = open(csv_path%s, \"w\", newline=\"\")", sfx, sfx);
              }
            w_line (w, "csv_writer%s = csv.writer(csv_file%s, delimiter=%s)", sfx, sfx, py_str (w, sep));
            w_line (w, "csv_keys%s = None", sfx);
            break;
          }
        case FT_CALLBACK_LEARNING_RATE_SCHEDULER:
          w_line (w, "# LearningRateScheduler, by hand: the learning rate set at the start of every epoch.");
          emit_schedule_function (g, c, schedule_name (g, i));
          break;
        case FT_CALLBACK_TERMINATE_ON_NAN:
          w_line (w, "# TerminateOnNaN, by hand: stop when the loss becomes NaN or infinite (see the batch loop).");
          break;
        case FT_CALLBACK_EARLY_STOPPING:
        case FT_CALLBACK_MODEL_CHECKPOINT:
        case FT_N_CALLBACK_KINDS:
          break;
        }
    }
  w_end (w, FT_CODE_CALLBACKS);
  w_blank (w);

  /* The epoch loop. */
  if (f->initial_epoch > 0)
    w_rline (w, FT_CODE_EPOCH_START, "for epoch in range(%d, EPOCHS):  # initial_epoch=%d", f->initial_epoch,
             f->initial_epoch);
  else
    w_rline (w, FT_CODE_EPOCH_START, "for epoch in range(EPOCHS):");
  w->indent = 4;
  w_begin (w, FT_CODE_CALLBACKS);
  for (int i = 0; i < e->n_callbacks; i++)
    if (e->callbacks[i].kind == FT_CALLBACK_LEARNING_RATE_SCHEDULER)
      w_line (w, "optimizer.learning_rate = %s(epoch, float(keras.ops.convert_to_numpy(optimizer.learning_rate)))",
              schedule_name (g, i));
  w_end (w, FT_CODE_CALLBACKS);
  if (g->reset)
    {
      w_begin (w, FT_CODE_STEP_RESET_METRICS);
      w_line (w, "# Reset the metric states: each epoch's loss and accuracy are its own.");
      emit_reset (g, "train");
      w_end (w, FT_CODE_STEP_RESET_METRICS);
    }
  else
    w_omitted (w, FT_CODE_STEP_RESET_METRICS, "no metric reset: loss and accuracy accumulate across epochs");
  w_blank (w);

  /* Batches. */
  bool need_step = g->batch_progress || nan_check;
  w_line (w, "# Train: one pass over the batches.");
  if (need_step)
    w_line (w, "for step, (%s) in enumerate(train_dataset):", batch_vars (g));
  else
    w_line (w, "for %s in train_dataset:", batch_vars (g));
  w->indent = 8;
  w_rline (w, FT_CODE_BATCH_LINE, "loss = train_step(x_batch, y_batch%s)", g->class_weights ? ", w_batch" : "");
  if (g->batch_progress)
    {
      w_begin (w, FT_CODE_STEP_PROGRESS);
      w_line (w, "if step %% 200 == 0:  # this batch's loss, and the running mean that fit() would print");
      w_line (w, "    print(f\"  batch {step}: {float(loss):.4f}, mean {float(train_loss.result()):.4f}\")");
      w_end (w, FT_CODE_STEP_PROGRESS);
    }
  if (nan_check)
    {
      w_begin (w, FT_CODE_CALLBACKS);
      w_line (w, "if not math.isfinite(float(train_loss.result())):  # TerminateOnNaN");
      w_line (w, "    print(f\"Batch {step}: invalid loss, terminating training\")");
      w_line (w, "    stop_training = True");
      w_line (w, "    break");
      w_end (w, FT_CODE_CALLBACKS);
    }
  w->indent = 4;
  emit_logs_line (g, "logs = ", "train", "", true);
  if (g->pit[FT_PITFALL_EPOCH_LOSS_LAST_BATCH])
    w_pitfall (w, FT_PITFALL_EPOCH_LOSS_LAST_BATCH, "logs[\"loss\"] = float(loss)  # the last batch's loss");
  w_blank (w);

  /* Validation. */
  if (g->validate)
    {
      w_begin (w, FT_CODE_VALIDATE);
      w_begin (w, FT_CODE_STEP_VALIDATE);
      w_line (w, "# Validate: a pass over the validation data in inference mode, with fresh metric states.");
      if (f->validation_freq > 1)
        {
          w_line (w, "if (epoch + 1) %% %d == 0:  # validation_freq=%d", f->validation_freq, f->validation_freq);
          w->indent = 8;
        }
      emit_reset (g, "test");
      w_line (w, "for x_batch, y_batch in val_dataset:");
      w_line (w, "    test_step(x_batch, y_batch)");
      emit_logs_line (g, "logs", "test", "val_", false);
      w->indent = 4;
      w_end (w, FT_CODE_STEP_VALIDATE);
      w_end (w, FT_CODE_VALIDATE);
    }
  else if (g->split)
    w_omitted (w, FT_CODE_STEP_VALIDATE, "no validation: x_val is set aside but never looked at, no val_ logs");
  else
    w_omitted (w, FT_CODE_STEP_VALIDATE, "no validation: there is no validation data, no val_ logs");
  w_blank (w);

  /* Early stopping. */
  if (es)
    {
      const char *monitor = py_str (w, es->monitor);
      w_begin (w, FT_CODE_STEP_EARLY_STOPPING);
      w_line (w, "# Early stopping: is %s still improving? (EarlyStopping's bookkeeping, written out)", es->monitor);
      w_line (w, "current = logs.get(%s)", monitor);
      if (es->start_from_epoch > 0)
        w_line (w, "if current is not None and epoch >= %d:  # start_from_epoch", es->start_from_epoch);
      else
        w_line (w, "if current is not None:");
      if (es->restore_best_weights)
        {
          w_line (w, "    if best_weights is None:");
          w_line (w, "        best_weights = model.get_weights()");
        }
      w_line (w, "    wait += 1");
      w_line (w, "    if %s:", improvement (g, es_greater, es->min_delta, "current", "best"));
      w_line (w, "        best = current");
      if (es->restore_best_weights)
        w_line (w, "        best_weights = model.get_weights()");
      if (es->has_baseline)
        {
          w_line (w, "        if %s:  # only once the baseline is beaten",
                  improvement (g, es_greater, es->min_delta, "current", py_double (w, es->baseline)));
          w_line (w, "            wait = 0");
        }
      else
        w_line (w, "        wait = 0");
      w_line (w, "    elif wait >= %d and epoch > 0:  # patience", es->patience);
      w_line (w, "        print(f\"Epoch {epoch + 1}: early stopping\")");
      w_line (w, "        stop_training = True");
      w_end (w, FT_CODE_STEP_EARLY_STOPPING);
    }
  else if (!e->steps.early_stopping)
    w_omitted (w, FT_CODE_STEP_EARLY_STOPPING, "no early stopping: every epoch runs, however the model fares");
  else
    w_omitted (w, FT_CODE_STEP_EARLY_STOPPING, "no early stopping: the experiment has no EarlyStopping to follow");

  /* Checkpoint. */
  if (ck)
    {
      const char *save = ck->save_weights_only ? "save_weights" : "save";
      const char *fmt = strstr (ck->filepath, "{batch") != NULL ? "epoch=epoch + 1, batch=0, **logs" : "epoch=epoch + 1, **logs";
      bool mkdir = strchr (ck->filepath, '/') != NULL;
      w_begin (w, FT_CODE_STEP_CHECKPOINT);
      if (ck->save_best_only)
        {
          w_line (w, "# Save a checkpoint when %s beats the best so far (ModelCheckpoint's job, by hand).", ck->monitor);
          w_line (w, "current = logs.get(%s)", py_str (w, ck->monitor));
          w_line (w, "if current is not None and %s:", ck_greater ? "current > checkpoint_best" : "current < checkpoint_best");
          w_line (w, "    checkpoint_best = current");
          w_line (w, "    path = CHECKPOINT_PATH.format(%s)", fmt);
          if (mkdir)
            w_line (w, "    os.makedirs(os.path.dirname(path), exist_ok=True)");
          w_line (w, "    model.%s(path)", save);
        }
      else
        {
          w_line (w, "# Save a checkpoint every epoch (ModelCheckpoint's job, by hand).");
          w_line (w, "path = CHECKPOINT_PATH.format(%s)", fmt);
          if (mkdir)
            w_line (w, "os.makedirs(os.path.dirname(path), exist_ok=True)");
          w_line (w, "model.%s(path)", save);
        }
      w_end (w, FT_CODE_STEP_CHECKPOINT);
    }
  else if (!e->steps.checkpoint)
    w_omitted (w, FT_CODE_STEP_CHECKPOINT, "no checkpoint: nothing is saved along the way");
  else
    w_omitted (w, FT_CODE_STEP_CHECKPOINT, "no checkpoint: the experiment has no ModelCheckpoint to follow");

  /* The other callbacks' epoch-end work, in their order. */
  w_begin (w, FT_CODE_CALLBACKS);
  for (int i = 0; i < e->n_callbacks; i++)
    {
      const FtCallbackSpec *c = &e->callbacks[i];
      const char *sfx = kind_suffix (g, i);
      switch (c->kind)
        {
        case FT_CALLBACK_REDUCE_LR_ON_PLATEAU:
          {
            bool greater = c->mode == FT_MONITOR_MAX || (c->mode == FT_MONITOR_AUTO && strstr (c->monitor, "acc"));
            const char *best = keep (w, g_strdup_printf ("plateau_best%s", sfx));
            const char *better = greater ? keep (w, g_strdup_printf ("current > %s + %s", best, py_double (w, c->min_delta)))
                                         : keep (w, g_strdup_printf ("current < %s - %s", best, py_double (w, c->min_delta)));
            w_line (w, "# ReduceLROnPlateau: a smaller learning rate when %s stops improving.", c->monitor);
            w_line (w, "logs[\"learning_rate\"] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))");
            w_line (w, "current = logs.get(%s)", py_str (w, c->monitor));
            w_line (w, "if current is not None:");
            w_line (w, "    if plateau_cooldown%s > 0:", sfx);
            w_line (w, "        plateau_cooldown%s -= 1", sfx);
            w_line (w, "        plateau_wait%s = 0", sfx);
            w_line (w, "    if %s:", better);
            w_line (w, "        %s = current", best);
            w_line (w, "        plateau_wait%s = 0", sfx);
            w_line (w, "    elif plateau_cooldown%s == 0:", sfx);
            w_line (w, "        plateau_wait%s += 1", sfx);
            w_line (w, "        if plateau_wait%s >= %d:", sfx, c->patience);
            w_line (w, "            old_lr = float(keras.ops.convert_to_numpy(optimizer.learning_rate))");
            w_line (w, "            if old_lr > %s:", py_double (w, c->min_lr));
            w_line (w, "                optimizer.learning_rate = max(old_lr * %s, %s)", py_double (w, c->factor),
                    py_double (w, c->min_lr));
            w_line (w, "                plateau_cooldown%s = %d", sfx, c->cooldown);
            w_line (w, "                plateau_wait%s = 0", sfx);
            break;
          }
        case FT_CALLBACK_LEARNING_RATE_SCHEDULER:
          w_line (w, "logs[\"learning_rate\"] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))");
          break;
        case FT_CALLBACK_CSV_LOGGER:
          w_line (w, "# CSVLogger: one row per epoch; the columns are fixed by the first epoch's sorted keys.");
          w_line (w, "if csv_keys%s is None:", sfx);
          w_line (w, "    csv_keys%s = sorted(logs)", sfx);
          w_line (w, "    if csv_header%s:", sfx);
          w_line (w, "        csv_writer%s.writerow([\"epoch\"] + csv_keys%s)", sfx, sfx);
          w_line (w, "csv_writer%s.writerow([epoch] + [logs.get(key, \"NA\") for key in csv_keys%s])", sfx, sfx);
          w_line (w, "csv_file%s.flush()", sfx);
          break;
        case FT_CALLBACK_EARLY_STOPPING:
        case FT_CALLBACK_MODEL_CHECKPOINT:
        case FT_CALLBACK_TERMINATE_ON_NAN:
        case FT_N_CALLBACK_KINDS:
          break;
        }
    }

  w_end (w, FT_CODE_CALLBACKS);

  /* Progress. */
  if (g->progress)
    {
      w_begin (w, FT_CODE_STEP_PROGRESS);
      w_line (w, "logs_text = \" - \".join(f\"{key}: {value:.4f}\" for key, value in logs.items())");
      w_line (w, "print(f\"Epoch {epoch + 1}/{EPOCHS} - {logs_text}\")");
      w_end (w, FT_CODE_STEP_PROGRESS);
    }
  else
    w_omitted (w, FT_CODE_STEP_PROGRESS, "no progress: the loop trains silently");
  w_line (w, "for key, value in logs.items():");
  w_rline (w, FT_CODE_EPOCH_END, "    history.setdefault(key, []).append(value)");
  if (can_stop)
    {
      w_line (w, "if stop_training:");
      w_line (w, "    break");
    }
  w->indent = 0;

  /* After the loop. */
  bool after = (es && es->restore_best_weights) || has_callback (e, FT_CALLBACK_CSV_LOGGER);
  if (after)
    w_blank (w);
  if (es && es->restore_best_weights)
    {
      w_begin (w, FT_CODE_STEP_EARLY_STOPPING);
      w_line (w, "if best_weights is not None:");
      w_line (w, "    model.set_weights(best_weights)  # restore_best_weights: the best epoch's weights, not the last");
      w_end (w, FT_CODE_STEP_EARLY_STOPPING);
    }
  for (int i = 0; i < e->n_callbacks; i++)
    if (e->callbacks[i].kind == FT_CALLBACK_CSV_LOGGER)
      w_line (w, "csv_file%s.close()", kind_suffix (g, i));
  w_end (w, FT_CODE_LOOP);
  w_blank (w);
}

static void
emit_tape_evaluate (Gen *g)
{
  Writer *w = &g->w;
  if (!g->has_test)
    {
      w_line (w, "# (no evaluation: there is no test set)");
      return;
    }
  w_begin (w, FT_CODE_EVALUATE);
  w_line (w, "# ---- 6. Evaluate on the test set (what model.evaluate() does) ----");
  if (g->has_test == 2)
    {
      w_line (w, "if x_test is not None:");
      w->indent = 4;
    }
  emit_reset (g, "test");
  w_line (w, "for x_batch, y_batch in tf.data.Dataset.from_tensor_slices((x_test, y_test)).batch(BATCH_SIZE):");
  w_line (w, "    test_step(x_batch, y_batch)");
  emit_logs_line (g, "results = ", "test", "", true);
  w_line (w, "print(\"Test: \" + \" - \".join(f\"{key}: {value:.4f}\" for key, value in results.items()))");
  w->indent = 0;
  w_end (w, FT_CODE_EVALUATE);
}

/* clang-format on */

/* ------------------------------------------------------------------------------------------------ */

char *
ft_codegen_python_with (const FtExperiment *exp, FtRunMode mode, const FtCodegenOptions *options,
                        FtCodeMap *map)
{
  g_return_val_if_fail (exp != NULL, NULL);
  FtCodeMap local;
  FtCodeMap *m = map ? map : &local;
  memset (m, 0, sizeof *m);

  Gen g;
  memset (&g, 0, sizeof g);
  g.e = exp;
  g.tape = mode != FT_MODE_FIT;
  g.options = options;
  g.w.s = g_string_new (NULL);
  g.w.map = m;
  g.w.pool = g_ptr_array_new_with_free_func (g_free);
  analyse (&g);

  emit_header (&g);
  emit_data (&g);
  emit_model (&g);
  if (g.tape)
    {
      emit_tape_compile (&g);
      emit_tape_pipeline (&g);
      emit_tape_steps (&g);
      emit_tape_loop (&g);
      emit_tape_evaluate (&g);
    }
  else
    emit_fit (&g);

  m->n_lines = g.w.line;
  g_ptr_array_unref (g.w.pool);
  return g_string_free (g.w.s, FALSE);
}

char *
ft_codegen_python (const FtExperiment *exp, FtRunMode mode, FtCodeMap *map)
{
  return ft_codegen_python_with (exp, mode, NULL, map);
}

bool
ft_codegen_save (const FtExperiment *exp, FtRunMode mode, const char *path, GError **error)
{
  g_return_val_if_fail (exp != NULL && path != NULL, false);
  g_return_val_if_fail (error == NULL || *error == NULL, false);
  char *base = g_path_get_basename (path);
  FtCodegenOptions options = { NULL, base };
  char *script = ft_codegen_python_with (exp, mode, &options, NULL);
  bool ok = g_file_set_contents (path, script, -1, error);
  g_free (script);
  g_free (base);
  return ok;
}
