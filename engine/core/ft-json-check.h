/* ft-json-check.h — a pass over JSON text before json-glib sees it: nesting depth (json-glib recurses
 * once per level and overflows the stack on deep input), valid UTF-8, and no \u escape that is a lone
 * UTF-16 surrogate (json-glib turns one into bytes that are not UTF-8). Syntax proper is json-glib's job. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/* Checks text (length bytes, or NUL-terminated with length -1). On failure sets FT_ERROR_INVALID with
 * "line L, column C: …" prefixed by what and ": " when what is not NULL. */
bool ft_json_check (const char *text, gssize length, int max_depth, const char *what, GError **error);
