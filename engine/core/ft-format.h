/* ft-format.h — number and string formatting shared by the engine, the plots and the window: digit
 * grouping ("12,345"), the shortest decimal that reads back as the same float or double (how Python and
 * JSON show a number a user typed), and JSON string escaping. All locale-independent. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* 12345678 → "12,345,678" (a '-' first for negative values); returns buf. */
char *ft_format_thousands (char *buf, size_t size, int64_t value);

/* The shortest "%.Ng" digits that read back as v: as a float32 when as_float, as a double otherwise
 * (0.01f → "0.01", not "0.009999999776"). Non-finite values give "nan", "inf", "-inf". Returns buf;
 * size must be at least G_ASCII_DTOSTR_BUF_SIZE. */
char *ft_format_shortest (char *buf, size_t size, double v, bool as_float);

/* The double whose shortest decimal reads back as f: the Python float a user wrote for a float32
 * hyperparameter (0.9f → 0.9, not 0.89999997615814209). */
double ft_float_as_typed (float f);

/* Appends str to s as a JSON string literal: quotes, backslashes and control characters escaped. */
void ft_json_append_string (GString *s, const char *str);
