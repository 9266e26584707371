/* PLACEHOLDER (replaced by its owner; must not be committed as is). */
#include "cli/cli.h"
int tarn_cli_workflow(tarn_cli *cli, int argc, char **argv) { (void)cli; (void)argc; (void)argv; return tarn_cli_usage_error("workflow: not built yet"); }
int tarn_cli_scheduler(tarn_cli *cli, int argc, char **argv) { (void)cli; (void)argc; (void)argv; return tarn_cli_usage_error("scheduler: not built yet"); }
