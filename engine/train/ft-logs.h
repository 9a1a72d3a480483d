/* ft-logs.h — Keras' logs (a small map from key to value, e.g. loss, accuracy, val_loss) and History
 * (each key's per-epoch values). Plain data: filling logs allocates nothing. */
#pragma once

#include <glib.h>
#include <stdbool.h>

#define FT_LOGS_MAX    24
#define FT_LOG_KEY_MAX 48

typedef struct
{
  int n;
  struct
  {
    char key[FT_LOG_KEY_MAX];
    double value;
  } items[FT_LOGS_MAX];
} FtLogs;

void ft_logs_clear (FtLogs *logs);
void ft_logs_set (FtLogs *logs, const char *key, double value);
/* false when the key is absent */
bool ft_logs_get (const FtLogs *logs, const char *key, double *value);
/* Keys sorted as Keras' CSVLogger sorts them (plain string order). */
void ft_logs_sorted_keys (const FtLogs *logs, const char **keys, int *n);
/* "accuracy: 0.8210 - loss: 0.5123 - val_loss: …" in the logs' order, as Keras' progress bar prints
 * them: 4 decimals above 1e-3 in magnitude, otherwise scientific with 4 decimals. */
void ft_logs_format (const FtLogs *logs, GString *out);
/* A double as Python's repr / str prints it ("1.0", "0.1", "1e+16", "nan", "inf"). */
void ft_format_python_float (double v, char *buf, size_t size);

typedef struct FtHistory FtHistory;

FtHistory *ft_history_new (void);
void ft_history_free (FtHistory *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FtHistory, ft_history_free)
void ft_history_clear (FtHistory *h);
/* Appends one epoch (0-based epoch number) with its logs. */
void ft_history_append (FtHistory *h, int epoch, const FtLogs *logs);
int ft_history_n_epochs (const FtHistory *h);
int ft_history_epoch (const FtHistory *h, int i);
const FtLogs *ft_history_logs (const FtHistory *h, int i);
/* The values of one key, one per epoch (NaN where an epoch lacks it); returns the count. */
int ft_history_values (const FtHistory *h, const char *key, double *out, int max);
/* Every key seen, sorted. */
GPtrArray *ft_history_keys (const FtHistory *h);
/* A CSVLogger-style table: header "epoch,<sorted keys>", one row per epoch, values as Python's repr
 * prints them ("NA" where an epoch lacks a key), rows ending in "\n". */
char *ft_history_to_csv (const FtHistory *h, char separator);
/* {"epoch": [...], "history": {"loss": [...], ...}} */
char *ft_history_to_json (const FtHistory *h);
/* The same with one more top-level member: key and a JSON value written as given (e.g. the run's live
 * changes, ft_live_changes_to_json). */
char *ft_history_to_json_with (const FtHistory *h, const char *key, const char *json_value);
