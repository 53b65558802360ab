#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sc_symbol(const scenario *sc, const char *symbol)
{
    for (int i = 0; i < sc->n_symbols; i++)
        if (strcmp(sc->symbols[i], symbol) == 0)
            return i;
    return -1;
}

int sc_has(const scenario *sc, sc_fault_kind kind, int symbol, long n)
{
    for (int i = 0; i < sc->n_faults; i++)
        if (sc->faults[i].kind == kind && sc->faults[i].symbol == symbol && sc->faults[i].n == n)
            return 1;
    return 0;
}

const char *sc_status_of(const scenario *sc, int symbol, long ms)
{
    const char *st = "TRADING";
    for (int i = 0; i < sc->n_status; i++)
        if (sc->status[i].symbol == symbol && ms >= sc->status[i].from_ms)
            st = sc->status[i].status;
    return st;
}

static int add_status(scenario *sc, const char *symbol, const char *status, long from_ms)
{
    int s = sc_symbol(sc, symbol);
    if (s < 0 || sc->n_status == SC_MAX_STATUS)
        return -1;
    sc_status *st = &sc->status[sc->n_status++];
    st->symbol = s;
    snprintf(st->status, sizeof st->status, "%s", status);
    st->from_ms = from_ms;
    return 0;
}

static int add_fault(scenario *sc, sc_fault_kind kind, int symbol, long n)
{
    if (sc->n_faults == SC_MAX_FAULTS)
        return -1;
    sc->faults[sc->n_faults++] = (sc_fault){kind, symbol, n};
    return 0;
}

/* Add one symbol; -1 when there are too many or memory runs out. */
static int add_symbol(scenario *sc, const char *name)
{
    if (sc->n_symbols == SC_MAX_SYMBOLS)
        return -1;
    char(*grown)[24] = realloc(sc->symbols, (size_t)(sc->n_symbols + 1) * sizeof *sc->symbols);
    if (grown == NULL)
        return -1;
    sc->symbols = grown;
    snprintf(sc->symbols[sc->n_symbols++], 24, "%s", name);
    return 0;
}

void sc_free(scenario *sc)
{
    free(sc->symbols);
    sc->symbols = NULL;
    sc->n_symbols = 0;
}

/* A scenario word: its line, the word and up to two arguments (n: how many of the three
 * sscanf read). */
typedef struct sc_words {
    char *line;
    const char *word, *a, *b;
    int n;
} sc_words;

/* Each sc_word_* below: 1 for a line of its words understood, -1 for one of its words not
 * understood, 0 for a line that is none of its words. */

/* The market and its books: symbols, seed, levels, depth, rate, events, market, trades,
 * replay, timeout. */
static int sc_word_market(scenario *sc, const sc_words *w)
{
    const char *word = w->word, *a = w->a;
    int n = w->n, ok = 1;
    if (strcmp(word, "symbols") == 0) {
        char *save = NULL;
        for (char *tok = strtok_r(w->line + strlen("symbols"), " \t", &save); tok && ok;
             tok = strtok_r(NULL, " \t", &save))
            ok = add_symbol(sc, tok) == 0;
    } else if (strcmp(word, "seed") == 0 && n == 2) {
        sc->seed = (unsigned)atoi(a);
    } else if (strcmp(word, "levels") == 0 && n == 2) {
        sc->levels = atoi(a);
    } else if (strcmp(word, "depth") == 0 && n == 2) {
        sc->depth = atoi(a);
    } else if (strcmp(word, "rate") == 0 && n == 2) {
        sc->rate = atoi(a);
    } else if (strcmp(word, "events") == 0 && n == 2) {
        sc->events = atol(a);
    } else if (strcmp(word, "market") == 0 && n == 2) {
        sc->market = strcmp(a, "usdm") == 0    ? SC_USDM
                     : strcmp(a, "coinm") == 0 ? SC_COINM
                                               : SC_SPOT;
        ok = sc->market != SC_SPOT || strcmp(a, "spot") == 0;
    } else if (strcmp(word, "trades") == 0 && n == 2) {
        sc->trades_every = atoi(a);
        ok = sc->trades_every > 0;
    } else if (strcmp(word, "replay") == 0 && n == 2) {
        snprintf(sc->replay_dir, sizeof sc->replay_dir, "%s", a);
    } else if (strcmp(word, "timeout") == 0 && n == 2) {
        sc->timeout_s = atoi(a);
    } else {
        return 0;
    }
    return ok ? 1 : -1;
}

/* Faults in the frames: gap, duplicate, overlap, malformed, binary, wrongtype, huge,
 * fragment. */
static int sc_word_frame_fault(scenario *sc, const sc_words *w)
{
    const char *word = w->word, *a = w->a, *b = w->b;
    int n = w->n, ok = 1;
    if ((strcmp(word, "gap") == 0 || strcmp(word, "duplicate") == 0 ||
         strcmp(word, "overlap") == 0) &&
        n == 3) {
        int s = sc_symbol(sc, a);
        sc_fault_kind k = word[0] == 'g' ? SC_GAP : word[0] == 'd' ? SC_DUPLICATE : SC_OVERLAP;
        ok = s >= 0 && add_fault(sc, k, s, atol(b)) == 0;
    } else if ((strcmp(word, "malformed") == 0 || strcmp(word, "binary") == 0 ||
                strcmp(word, "wrongtype") == 0) &&
               n == 2) {
        sc_fault_kind k = word[0] == 'm' ? SC_MALFORMED : word[0] == 'b' ? SC_BINARY : SC_WRONGTYPE;
        ok = add_fault(sc, k, -1, atol(a)) == 0;
    } else if (strcmp(word, "huge") == 0 && n == 3) {
        long bytes = atol(b);
        ok = bytes > 0 && add_fault(sc, SC_HUGE, -1, atol(a)) == 0;
        sc->huge_bytes = (size_t)bytes;
    } else if (strcmp(word, "fragment") == 0 && n == 2) {
        sc->fragment = atoi(a);
    } else {
        return 0;
    }
    return ok ? 1 : -1;
}

/* Faults of the connections: close, stall, shutdown, silent, flood, tlsstall, refuse. */
static int sc_word_connection_fault(scenario *sc, const sc_words *w)
{
    const char *word = w->word, *a = w->a, *b = w->b;
    int n = w->n, ok = 1;
    if (strcmp(word, "close") == 0 && n == 2) {
        sc->close_after = atol(a);
    } else if (strcmp(word, "stall") == 0 && n == 3) {
        sc->stall_after = atol(a);
        sc->stall_ms = atoi(b);
    } else if (strcmp(word, "shutdown") == 0 && n == 2) {
        sc->shutdown_after = atol(a);
    } else if (strcmp(word, "silent") == 0 && n == 2) {
        sc->silent_count = atoi(a);
    } else if (strcmp(word, "flood") == 0 && n == 1) {
        sc->flood = 1;
    } else if (strcmp(word, "tlsstall") == 0 && n == 1) {
        sc->tlsstall = 1;
    } else if (strcmp(word, "refuse") == 0 && n == 2) {
        sc->refuse_symbol = sc_symbol(sc, a);
        ok = sc->refuse_symbol >= 0;
    } else {
        return 0;
    }
    return ok ? 1 : -1;
}

/* REST and exchangeInfo: rest429, rest418, rest451, exinfo503, stale, status, delist, list. */
static int sc_word_rest(scenario *sc, const sc_words *w)
{
    const char *word = w->word, *a = w->a, *b = w->b;
    int n = w->n, ok = 1;
    if ((strcmp(word, "rest429") == 0 || strcmp(word, "rest418") == 0) && n == 3) {
        sc->rest_err_status = word[5] == '2' ? 429 : 418;
        sc->rest_err_count = atoi(a);
        sc->rest_err_retry_s = atoi(b);
    } else if (strcmp(word, "rest451") == 0 && n == 1) {
        sc->rest451 = 1;
    } else if (strcmp(word, "exinfo503") == 0 && n == 2) {
        sc->exinfo503 = atoi(a);
    } else if (strcmp(word, "stale") == 0 && n == 3) {
        sc->stale_symbol = sc_symbol(sc, a);
        sc->stale_count = atoi(b);
        ok = sc->stale_symbol >= 0;
    } else if (strcmp(word, "status") == 0 && n == 3) {
        ok = add_status(sc, a, b, 0) == 0;
    } else if (strcmp(word, "delist") == 0 && n == 3) {
        ok = add_status(sc, a, "BREAK", atol(b) * 1000) == 0;
    } else if (strcmp(word, "list") == 0 && n == 3) {
        ok = add_status(sc, a, "PRE_TRADING", 0) == 0 &&
             add_status(sc, a, "TRADING", atol(b) * 1000) == 0;
    } else {
        return 0;
    }
    return ok ? 1 : -1;
}

/* One line (comment already cut): 1 when understood, 0 for an empty line, -1 otherwise. */
static int sc_line(scenario *sc, char *line)
{
    char word[32], a[512] = "", b[64] = "";
    int n = sscanf(line, "%31s %511s %63s", word, a, b);
    if (n <= 0)
        return 0;
    sc_words w = {line, word, a, b, n};
    int r = sc_word_market(sc, &w);
    if (r == 0)
        r = sc_word_frame_fault(sc, &w);
    if (r == 0)
        r = sc_word_connection_fault(sc, &w);
    if (r == 0)
        r = sc_word_rest(sc, &w);
    if (r == 0)
        r = sc_leg_directive(sc, line);
    return r == 1 ? 1 : -1;
}

int sc_load(scenario *sc, const char *path, char *err, size_t errlen)
{
    memset(sc, 0, sizeof *sc);
    sc->seed = 1;
    sc->levels = 50;
    sc->depth = 5;
    sc->rate = 50;
    sc->events = 200;
    sc->stale_symbol = -1;
    sc->refuse_symbol = -1;
    sc->timeout_s = 120;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open", path);
        return -1;
    }
    char *line = NULL; /* any length: 200 symbols make a long `symbols` line */
    size_t cap = 0;
    int lineno = 0, rc = 0;
    while (getline(&line, &cap, f) > 0) {
        lineno++;
        line[strcspn(line, "#\r\n")] = '\0';
        if (sc_line(sc, line) < 0) {
            snprintf(err, errlen, "%s:%d: cannot understand: %.200s", path, lineno, line);
            rc = -1;
            break;
        }
    }
    free(line);
    fclose(f);
    return rc;
}
