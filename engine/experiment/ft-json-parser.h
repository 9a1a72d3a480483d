/* ft-json-parser.h — reading an experiment's JSON values, for the experiment reader (ft-experiment-read.c):
 * each getter checks a node and stores it, or sets an FT_ERROR_INVALID error "<JSON path>: expected …, got
 * …" and returns false. Not for use outside ft-experiment*.c, ft-json-parser.c and ft-keras-read.c (a
 * Keras config's table entries, through ft_json_parse_params). */
#pragma once

#include "core/ft-param.h"

#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

#define FT_JSON_PATH_MAX      256 /* a JSON path in messages, "$.model.layers[2].units" */
#define FT_JSON_MAX_KIND_KEYS 64

typedef struct
{
  GError **error;
  GHashTable *sizes;   /* JsonObject* → member count seen so far (duplicate detection) */
  JsonObject *dup_obj; /* the first object with a duplicate key */
  char *dup_key;
  unsigned dup_line;
} FtJsonParser;

/* Sets "<path>: <message>" and returns false. */
bool ft_json_fail (FtJsonParser *P, const char *path, const char *fmt, ...) G_GNUC_PRINTF (3, 4);
/* The value as the message shows it: "ten", 12.5, true, null, an object, an array. */
char *ft_json_describe (JsonNode *n);
/* "<path>: expected <expected>, got <n described>", false. */
bool ft_json_fail_got (FtJsonParser *P, const char *path, JsonNode *n, const char *expected_fmt, ...)
    G_GNUC_PRINTF (4, 5);
/* out (FT_JSON_PATH_MAX bytes) gets "<path>[i]". */
void ft_json_sub_index (char *out, const char *path, guint i);
bool ft_json_is_string (JsonNode *n);
/* An integer in [lo, hi]; integral floating-point values (1e3, 10.0) count as integers. */
bool ft_json_get_int (FtJsonParser *P, JsonNode *n, const char *path, int64_t lo, int64_t hi, int64_t *out);
bool ft_json_get_int32 (FtJsonParser *P, JsonNode *n, const char *path, int lo, int hi, int *out);
bool ft_json_get_number (FtJsonParser *P, JsonNode *n, const char *path, FtRange range, double *out);
bool ft_json_get_float (FtJsonParser *P, JsonNode *n, const char *path, FtRange range, float *out);
bool ft_json_get_bool (FtJsonParser *P, JsonNode *n, const char *path, bool *out);
bool ft_json_get_string (FtJsonParser *P, JsonNode *n, const char *path, const char **out);
bool ft_json_get_string_buf (FtJsonParser *P, JsonNode *n, const char *path, bool nonempty, char *buf,
                             size_t size);
/* The names joined with ", " (g_free). */
char *ft_json_join_names (const char *const *names, int n);
/* One of names (exact match); the message lists them. */
bool ft_json_get_enum (FtJsonParser *P, JsonNode *n, const char *path, const char *what,
                       const char *const *names, int n_names, int *out);
bool ft_json_get_object (FtJsonParser *P, JsonNode *n, const char *path, JsonObject **out);
bool ft_json_get_array (FtJsonParser *P, JsonNode *n, const char *path, JsonArray **out);
/* Every member of obj must be in allowed. A key in known (valid for another kind in the same place)
 * gets "<owner> takes no ..."; any other gets "unknown key" with a suggestion. Also reports a duplicate
 * key found while parsing this object. */
bool ft_json_check_keys (FtJsonParser *P, JsonObject *obj, const char *path, const char *const *allowed,
                         const char *const *known, const char *owner);
/* obj's member key or NULL; path gets "<path>.<key>". */
JsonNode *ft_json_member (JsonObject *obj, const char *key, const char *path, char *sub);
/* Appends the JSON keys of a kind's parameters to keys (NULL-terminated, no duplicates). */
void ft_json_add_kind_keys (const FtKindInfo *kind, const char **keys);
/* A kind's parameters from the object, each when present (its key, type and range from the table). */
bool ft_json_parse_params (FtJsonParser *P, JsonObject *o, const char *path, const FtKindInfo *kind,
                           void *spec);
