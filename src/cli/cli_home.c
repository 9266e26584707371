/*
** cli_home.c: opening the state home (DESIGN.md "State") for the nouns
** that need both the object store and catalog.db.
*/
#include "cli/cli.h"

#include "catalog/catalog.h"
#include "store/store.h"

int tarn_cli_home_open(const tarn_cli *cli, tarn_cli_home *h)
{
    tarn_error err = {0};
    h->store = NULL;
    h->cat = NULL;
    if (tarn_store_open(&h->store, cli->home, &err) ||
        tarn_catalog_open(cli->home, &h->cat, &err)) {
        tarn_cli_home_close(h);
        return tarn_cli_fail(&err);
    }
    return TARN_EXIT_OK;
}

void tarn_cli_home_close(tarn_cli_home *h)
{
    if (h->cat)
        tarn_catalog_close(h->cat);
    if (h->store)
        tarn_store_close(h->store);
    h->cat = NULL;
    h->store = NULL;
}
