/* ft-cli-keras.h — fittape-cli's export-keras and import-keras commands (ft-cli-keras.c). */
#pragma once

/* argv[1] is "export-keras" / "import-keras"; each returns the exit status (0, 2 bad input). */
int ft_cli_export_keras (int argc, char **argv);
int ft_cli_import_keras (int argc, char **argv);
