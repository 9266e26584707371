/*
** cli_s3.c: `tarn s3 ...` (placeholder until the store lands).
*/
#include "cli/cli.h"

int tarn_cli_s3(tarn_cli *cli, int argc, char **argv)
{
    return tarn_cli_usage_error("s3: not built yet");
}
