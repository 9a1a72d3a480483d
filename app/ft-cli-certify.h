/* ft-cli-certify.h — the `certify` command of fittape-cli (ft-cli-certify.c). */
#pragma once

/* argv[1] is "certify"; returns the exit status. */
int ft_cli_certify (int argc, char **argv);
