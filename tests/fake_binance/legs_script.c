/* The fake Binance's two-legs directives (scenario.h): parsing and the withhold lookup. */
#include <stdio.h>
#include <string.h>

#include "scenario.h"

static int leg_of(const char *name)
{
    return strcmp(name, "a") == 0 ? 0 : strcmp(name, "b") == 0 ? 1 : -1;
}

int sc_leg_directive(scenario *sc, const char *line)
{
    sc_leg_faults *lf = &sc->legs;
    char word[32], leg[8] = "", x[64] = "";
    long n = 0, m = 0;
    int k = sscanf(line, "%31s", word);
    if (k != 1)
        return 0;
    if (strcmp(word, "legs") == 0) {
        lf->on = 1;
        return 1;
    }
    if (strcmp(word, "leg-jitter") == 0)
        return sscanf(line, "%*s %d", &lf->jitter_ms) == 1 && lf->jitter_ms > 0 ? 1 : -1;
    if (strcmp(word, "cut-all") == 0)
        return sscanf(line, "%*s %ld", &lf->cut_all_tick) == 1 && lf->cut_all_tick > 0 ? 1 : -1;
    if (strcmp(word, "leg-withhold") == 0) {
        if (sscanf(line, "%*s %7s %63s %ld", leg, x, &n) != 3 || leg_of(leg) < 0 ||
            sc_symbol(sc, x) < 0 || n <= 0 || lf->n_withhold == SC_MAX_WITHHOLD)
            return -1;
        lf->withhold[lf->n_withhold].leg = leg_of(leg);
        lf->withhold[lf->n_withhold].symbol = sc_symbol(sc, x);
        lf->withhold[lf->n_withhold].n = n;
        lf->n_withhold++;
        return 1;
    }
    if (strcmp(word, "leg-cut") != 0 && strcmp(word, "leg-stall") != 0 &&
        strcmp(word, "leg-shutdown") != 0 && strcmp(word, "trade-cut") != 0)
        return 0;
    int want = strcmp(word, "leg-shutdown") == 0 ? 3 : 2;
    if (sscanf(line, "%*s %7s %ld %ld", leg, &n, &m) != want || leg_of(leg) < 0 || n <= 0)
        return -1;
    int i = leg_of(leg);
    if (strcmp(word, "leg-cut") == 0) {
        lf->cut_after[i] = n;
    } else if (strcmp(word, "trade-cut") == 0) {
        lf->trade_cut_after[i] = n;
    } else if (strcmp(word, "leg-stall") == 0) {
        lf->stall_after[i] = n;
    } else {
        lf->shutdown_after[i] = n;
        lf->shutdown_ms[i] = (int)m;
    }
    return 1;
}

int sc_withheld(const scenario *sc, int leg, int symbol, long n)
{
    for (int i = 0; i < sc->legs.n_withhold; i++)
        if (sc->legs.withhold[i].leg == leg && sc->legs.withhold[i].symbol == symbol &&
            sc->legs.withhold[i].n == n)
            return 1;
    return 0;
}
