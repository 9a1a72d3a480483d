/* ft-py-writer.h — the code generator's writer of Python source (ft-py-writer.c): one line per call,
 * counted, with the lines of each region and pitfall recorded in the code map; Python literals kept in the
 * writer's pool until the script is done. Not for use outside ft-codegen*.c. */
#pragma once

#include "experiment/ft-codegen.h"

typedef struct
{
  GString *s;
  int line; /* lines written so far */
  int indent;
  FtCodeMap *map;
  int open[FT_CODE_N_REGIONS]; /* first line of an open range, 0 = none */
  GPtrArray *pool;             /* temporary strings, freed with the writer */
} FtPyWriter;

/* Adds lines first … last to a span, joining a range that touches the previous one; past
 * FT_CODE_MAX_RANGES the last range is extended. */
void ft_py_span_add (FtCodeSpan *span, int first, int last);
void ft_py_add_range (FtCodeMap *map, FtCodeRegion r, int first, int last);

/* One line at the current indentation (a newline inside becomes a space). */
void ft_py_line (FtPyWriter *w, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
/* A line that belongs to region r (a one-line range). */
void ft_py_rline (FtPyWriter *w, FtCodeRegion r, const char *fmt, ...) G_GNUC_PRINTF (3, 4);
/* A pitfall's buggy line after the comment that explains it; both go in the pitfall's span. */
void ft_py_pitfall (FtPyWriter *w, FtPitfall p, const char *fmt, ...) G_GNUC_PRINTF (3, 4);
void ft_py_blank (FtPyWriter *w);
/* Region r holds the lines written between ft_py_begin and ft_py_end. */
void ft_py_begin (FtPyWriter *w, FtCodeRegion r);
void ft_py_end (FtPyWriter *w, FtCodeRegion r);
/* The one-line comment standing where a switched-off step's code would be. */
void ft_py_omitted (FtPyWriter *w, FtCodeRegion r, const char *comment);
/* Keeps s (g_malloc'ed) until the script is done; returns it. */
const char *ft_py_keep (FtPyWriter *w, char *s);
/* Writes one line of code; a call too long for 100 columns gets one argument per line. */
void ft_py_code (FtPyWriter *w, const char *text);
/* Writes text as "# …" comment lines wrapped at about 100 columns. */
void ft_py_comment_wrapped (FtPyWriter *w, const char *text);

/* Python literals, kept in the writer's pool (ft_py_bool's are constants). */
const char *ft_py_str (FtPyWriter *w, const char *s); /* "…", valid UTF-8, control characters escaped */
const char *ft_py_float (FtPyWriter *w, float v);     /* the shortest decimal that reads back as v */
const char *ft_py_double (FtPyWriter *w, double v);
const char *ft_py_bool (bool v);
const char *ft_py_tuple (FtPyWriter *w, int n, const int *v); /* (28, 28, 1) or (2,) */
const char *ft_py_ident (FtPyWriter *w, const char *s);       /* "val accuracy%" → "val_accuracy_" */
/* Text for a comment (g_free): valid UTF-8, no control characters. */
char *ft_py_comment_text (const char *s);
