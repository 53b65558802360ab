#include "app_join.h"

#include <stdlib.h>
#include <string.h>

#include "console.h"

/* Room for n symbols in the views, the rates and the meter (the status line and summary read
 * as many as the pipeline has). */
static int grow_arrays(app *a, size_t n)
{
    cap_symbol_view *v = realloc(a->views, n * sizeof *v);
    if (v == NULL)
        return -1;
    a->views = v;
    double *r = realloc(a->rates, n * sizeof *r);
    if (r == NULL)
        return -1;
    a->rates = r;
    size_t had = cap_symbols(a->pipeline);
    memset(r + had, 0, (n - had) * sizeof *r);
    return status_meter_grow(&a->meter, n);
}

/* Keep the names of l for the rest of the run (the feed and the pipeline point at them); l
 * is left empty. Returns 0, or -1 when memory runs out (l untouched). */
static int keep(app *a, exinfo_list *l)
{
    exinfo_list *kept = realloc(a->kept, (a->n_kept + 1) * sizeof *kept);
    if (kept == NULL)
        return -1;
    a->kept = kept;
    kept[a->n_kept++] = *l;
    l->sym = NULL;
    l->n = 0;
    return 0;
}

/* Drop from l the symbols the pipeline has already: listed again after their removed record,
 * which ended them for this run. */
static void only_new(app *a, exinfo_list *l)
{
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (!cap_has(a->pipeline, l->sym[i]))
            memmove(l->sym[k++], l->sym[i], sizeof l->sym[i]);
        else
            con_say("%s: listed TRADING on %s again: captured after a restart", l->sym[i],
                    cfg_market_name(a->conf.market));
    }
    l->n = k;
}

/* The kept names into the pipeline and the feed. 0, or -1 after saying why. */
static int start_capturing(app *a, const char *const *names, size_t k)
{
    if (cap_add(a->pipeline, names, k) != 0) {
        con_say("--all: out of memory: %zu new symbol%s captured after a restart", k,
                k == 1 ? "" : "s");
        return -1;
    }
    if (feed_add_symbols(a->net, names, k) != 0)
        con_say("--all: out of memory: %s (and any other new one) may stay down until a restart",
                names[0]);
    const char *market = cfg_market_name(a->conf.market);
    for (size_t i = 0; i < k; i++)
        con_say("%s: listed TRADING on %s: capturing it", names[i], market);
    return 0;
}

size_t app_join(app *a, exinfo_list *added)
{
    only_new(a, added);
    size_t k = added->n;
    if (k == 0)
        return 0;
    if (feed_room(a->net) < k) {
        con_say("--all: no room on the connections for %zu new symbol%s: captured after a "
                "restart",
                k, k == 1 ? "" : "s");
        return 0;
    }
    const char **names = malloc(k * sizeof *names);
    char(*block)[SYM_MAX + 1] = added->sym;
    if (names == NULL || grow_arrays(a, cap_symbols(a->pipeline) + k) != 0 || keep(a, added) != 0) {
        free(names);
        con_say("--all: out of memory: %zu new symbol%s captured after a restart", k,
                k == 1 ? "" : "s");
        return 0;
    }
    for (size_t i = 0; i < k; i++)
        names[i] = block[i];
    int rc = start_capturing(a, names, k);
    free(names);
    return rc == 0 ? k : 0;
}

void app_join_free(app *a)
{
    for (size_t i = 0; i < a->n_kept; i++)
        exinfo_free(&a->kept[i]);
    free(a->kept);
    a->kept = NULL;
    a->n_kept = 0;
}
