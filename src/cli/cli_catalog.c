/* PLACEHOLDER (replaced by its owner; must not be committed as is). */
#include "cli/cli.h"
int tarn_cli_catalog(tarn_cli *cli, int argc, char **argv) { (void)cli; (void)argc; (void)argv; return tarn_cli_usage_error("catalog: not built yet"); }

