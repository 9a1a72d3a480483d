/* ft-param.c — the generic half of the descriptor tables (see ft-param.h): defaults, equality, number
 * access and range validation, the same for every table. */
#include "core/ft-param.h"

#include "core/ft-error.h"

#include <math.h>
#include <string.h>

bool
ft_range_contains (FtRange range, double v)
{
  if (!isfinite (v))
    return false;
  switch (range)
    {
    case FT_RANGE_ANY:
      return true;
    case FT_RANGE_NONNEG:
      return v >= 0.0;
    case FT_RANGE_POSITIVE:
      return v > 0.0;
    case FT_RANGE_UNIT_OPEN:
      return v >= 0.0 && v < 1.0;
    case FT_RANGE_UNIT_OPEN2:
      return v > 0.0 && v < 1.0;
    case FT_RANGE_HALF:
      return v >= 0.0 && v <= 0.5;
    case FT_RANGE_UNIT:
      return v >= 0.0 && v <= 1.0;
    case FT_N_RANGES:
      break;
    }
  return false;
}

const char *
ft_range_text (FtRange range)
{
  static const char *const text[FT_N_RANGES] = {
    [FT_RANGE_ANY] = "a finite number",           [FT_RANGE_NONNEG] = "a number >= 0",
    [FT_RANGE_POSITIVE] = "a number > 0",         [FT_RANGE_UNIT_OPEN] = "a number in [0, 1)",
    [FT_RANGE_UNIT_OPEN2] = "a number in (0, 1)", [FT_RANGE_HALF] = "a number in [0, 0.5]",
    [FT_RANGE_UNIT] = "a number in [0, 1]",
  };
  return (unsigned) range < FT_N_RANGES ? text[range] : "?";
}

double
ft_param_get_number (const FtParam *p, const void *spec)
{
  const void *f = ft_param_cptr (p, spec);
  switch (p->type)
    {
    case FT_PARAM_FLOAT:
    case FT_PARAM_L2:
      return *(const float *) f;
    case FT_PARAM_INT:
    case FT_PARAM_PAIR:
      return *(const int *) f;
    case FT_PARAM_BOOL:
      return *(const bool *) f;
    case FT_PARAM_PADDING:
    case FT_PARAM_ACTIVATION:
    case FT_PARAM_INITIALIZER:
    case FT_PARAM_CHOICE:
      return *(const int *) f; /* enums are int-sized */
    case FT_PARAM_DOUBLE:
      return *(const double *) f;
    case FT_PARAM_OPTIONAL:
      return *(const bool *) ft_param_cptr_at (p->has_offset, spec) ? *(const double *) f : 0.0;
    case FT_PARAM_CHAR:
      return *(const char *) f;
    case FT_PARAM_STRING:
    case FT_PARAM_KERAS_CONST:
    case FT_N_PARAM_TYPES:
      break;
    }
  return 0.0;
}

void
ft_param_set_number (const FtParam *p, void *spec, double v)
{
  void *f = ft_param_ptr (p, spec);
  switch (p->type)
    {
    case FT_PARAM_FLOAT:
      *(float *) f = (float) v;
      break;
    case FT_PARAM_L2: /* the L2 factor; no L1 */
      ((float *) f)[0] = (float) v;
      ((float *) f)[1] = 0.0f;
      break;
    case FT_PARAM_INT:
    case FT_PARAM_PADDING:
    case FT_PARAM_ACTIVATION:
    case FT_PARAM_INITIALIZER:
    case FT_PARAM_CHOICE:
      *(int *) f = (int) v;
      break;
    case FT_PARAM_DOUBLE:
      *(double *) f = v;
      break;
    case FT_PARAM_OPTIONAL:
      *(double *) f = v;
      *(bool *) ((char *) spec + p->has_offset) = true;
      break;
    case FT_PARAM_CHAR:
      *(char *) f = (char) v;
      break;
    case FT_PARAM_PAIR:
      ((int *) f)[0] = ((int *) f)[1] = (int) v;
      break;
    case FT_PARAM_BOOL:
      *(bool *) f = v != 0.0;
      break;
    case FT_PARAM_STRING:
    case FT_PARAM_KERAS_CONST:
    case FT_N_PARAM_TYPES:
      break;
    }
}

void
ft_params_set_defaults (const FtKindInfo *kind, void *spec)
{
  for (int i = 0; i < kind->n_params; i++)
    {
      const FtParam *p = &kind->params[i];
      if (p->type == FT_PARAM_STRING)
        g_strlcpy (ft_param_ptr (p, spec), p->def_str != NULL ? p->def_str : "", p->size);
      else if (p->type == FT_PARAM_OPTIONAL)
        {
          *(double *) ft_param_ptr (p, spec) = 0.0;
          *(bool *) ((char *) spec + p->has_offset) = false;
        }
      else
        ft_param_set_number (p, spec, p->def);
    }
}

int
ft_param_n_choices (const FtParam *p)
{
  int n = 0;
  while (p->choices != NULL && p->choices[n] != NULL)
    n++;
  return n;
}

bool
ft_param_equal (const FtParam *p, const void *a, const void *b)
{
  switch (p->type)
    {
    case FT_PARAM_PAIR:
      return memcmp (ft_param_cptr (p, a), ft_param_cptr (p, b), 2 * sizeof (int)) == 0;
    case FT_PARAM_STRING:
      return strcmp (ft_param_cptr (p, a), ft_param_cptr (p, b)) == 0;
    case FT_PARAM_OPTIONAL:
      return *(const bool *) ft_param_cptr_at (p->has_offset, a)
                 == *(const bool *) ft_param_cptr_at (p->has_offset, b)
             && *(const double *) ft_param_cptr (p, a) == *(const double *) ft_param_cptr (p, b);
    case FT_PARAM_L2:
      return ((const float *) ft_param_cptr (p, a))[0] == ((const float *) ft_param_cptr (p, b))[0]
             && ((const float *) ft_param_cptr (p, a))[1] == ((const float *) ft_param_cptr (p, b))[1];
    case FT_PARAM_FLOAT:
    case FT_PARAM_INT:
    case FT_PARAM_BOOL:
    case FT_PARAM_PADDING:
    case FT_PARAM_ACTIVATION:
    case FT_PARAM_INITIALIZER:
    case FT_PARAM_DOUBLE:
    case FT_PARAM_CHAR:
    case FT_PARAM_CHOICE:
      return ft_param_get_number (p, a) == ft_param_get_number (p, b);
    case FT_PARAM_KERAS_CONST:
    case FT_N_PARAM_TYPES:
      break;
    }
  return true;
}

bool
ft_param_is_default (const FtParam *p, const void *spec)
{
  if (p->type == FT_PARAM_PAIR)
    {
      const int *v = ft_param_cptr (p, spec);
      return v[0] == (int) p->def && v[1] == (int) p->def;
    }
  if (p->type == FT_PARAM_L2 && ((const float *) ft_param_cptr (p, spec))[1] != 0.0f)
    return false; /* an L1 factor */
  if (p->type == FT_PARAM_STRING)
    return strcmp (ft_param_cptr (p, spec), p->def_str != NULL ? p->def_str : "") == 0;
  if (p->type == FT_PARAM_OPTIONAL)
    return !*(const bool *) ft_param_cptr_at (p->has_offset, spec);
  return ft_param_get_number (p, spec)
         == (p->type == FT_PARAM_FLOAT || p->type == FT_PARAM_L2 ? (double) (float) p->def : p->def);
}

bool
ft_params_equal (const FtKindInfo *kind, const void *a, const void *b)
{
  for (int i = 0; i < kind->n_params; i++)
    if (!ft_param_equal (&kind->params[i], a, b))
      return false;
  return true;
}

const FtParam *
ft_kind_find_param (const FtKindInfo *kind, const char *key)
{
  for (int i = 0; i < kind->n_params; i++)
    if (kind->params[i].type != FT_PARAM_KERAS_CONST && strcmp (kind->params[i].key, key) == 0)
      return &kind->params[i];
  return NULL;
}

static bool
int_ok (const FtParam *p, int v)
{
  return (v >= p->lo && v <= p->hi)
         || (v == 0 && (p->flags & (FT_PARAM_ZERO_IS_NONE | FT_PARAM_ZERO_IS_EPOCH)));
}

bool
ft_params_validate (const FtKindInfo *kind, const void *spec, const char *what, GError **error)
{
  const FtParam *exclusive[2] = { NULL, NULL };
  for (int i = 0; i < kind->n_params; i++)
    {
      const FtParam *p = &kind->params[i];
      const void *f = ft_param_cptr (p, spec);
      switch (p->type)
        {
        case FT_PARAM_FLOAT:
        case FT_PARAM_L2:
          {
            float v = *(const float *) f;
            if (!ft_range_contains (p->range, v))
              {
                g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "Invalid %s argument %s=%g: must be %s", what,
                             p->key, (double) v, ft_range_text (p->range));
                return false;
              }
            if ((p->flags & FT_PARAM_EXCLUSIVE) && v != 0.0f)
              {
                if (exclusive[0] == NULL)
                  exclusive[0] = p;
                else if (exclusive[1] == NULL)
                  exclusive[1] = p;
              }
            break;
          }
        case FT_PARAM_INT:
        case FT_PARAM_PAIR:
          {
            const int *v = f;
            for (int k = 0; k < (p->type == FT_PARAM_PAIR ? 2 : 1); k++)
              if (!int_ok (p, v[k]))
                {
                  g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                               "Invalid %s argument %s=%d: must be an integer from %d to %d", what, p->key,
                               v[k], p->lo, p->hi);
                  return false;
                }
            break;
          }
        case FT_PARAM_DOUBLE:
        case FT_PARAM_OPTIONAL:
          {
            double v = *(const double *) f;
            bool none = p->type == FT_PARAM_OPTIONAL ? !*(const bool *) ft_param_cptr_at (p->has_offset, spec)
                                                     : (p->flags & FT_PARAM_ZERO_IS_NONE) && v == 0.0;
            if (!none && !ft_range_contains (p->range, v))
              {
                g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "Invalid %s argument %s=%g: must be %s", what,
                             p->key, v, ft_range_text (p->range));
                return false;
              }
            break;
          }
        case FT_PARAM_STRING:
        case FT_PARAM_CHAR:
        case FT_PARAM_CHOICE:
        case FT_PARAM_BOOL:
        case FT_PARAM_PADDING:
        case FT_PARAM_ACTIVATION:
        case FT_PARAM_INITIALIZER:
        case FT_PARAM_KERAS_CONST:
        case FT_N_PARAM_TYPES:
          break;
        }
    }
  if (exclusive[1] != NULL)
    {
      GString *names = g_string_new (NULL);
      for (int i = 0; i < kind->n_params; i++)
        if (kind->params[i].flags & FT_PARAM_EXCLUSIVE)
          g_string_append_printf (names, "%s%s", names->len ? ", " : "", kind->params[i].key);
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "Only one of %s can be set; got %s=%g and %s=%g",
                   names->str, exclusive[0]->key, ft_param_get_number (exclusive[0], spec), exclusive[1]->key,
                   ft_param_get_number (exclusive[1], spec));
      g_string_free (names, TRUE);
      return false;
    }
  return true;
}
