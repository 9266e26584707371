/*
** cli_file.c: `tarn file inspect|cat|stats PATH` (placeholder until the
** format readers land).
*/
#include "cli/cli.h"

int tarn_cli_file(tarn_cli *cli, int argc, char **argv)
{
    return tarn_cli_usage_error("file: not built yet");
}
