/*
 * A `record = both` capture of the synthetic Binance feed (book_feed.c), for timing
 * orderbook-replay on files shaped like orderbook's own:
 *   replay_capture [--real] FRAMES SYMBOLS OUT.txt    e.g. replay_capture 2000000 6 /tmp/cap.txt
 * --real: frames shaped like the real capture's (book_feed.h: BOOK_FEED_REAL, 1 to 4
 * symbols) instead of the bench feed's, which are about six times heavier.
 * The pipeline records every frame as orderbook would with record = both and depth = 5, one
 * frame every 100 us of receive time (UTC). Compress the file with zstd, then time
 *   orderbook-replay -q --verify OUT.txt.zst
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book_feed.h"
#include "capture.h"

#define SEED 20261201

static void emit(void *ctx, int64_t stamp_ns, const char *line, size_t len)
{
    (void)stamp_ns;
    fwrite(line, 1, len, ctx);
    fputc('\n', ctx);
}

static void want_snapshot(void *ctx, const char *symbol)
{
    (void)ctx;
    (void)symbol;
}

int main(int argc, char **argv)
{
    int real = argc == 5 && strcmp(argv[1], "--real") == 0;
    if (argc != 4 + real) {
        fprintf(stderr, "usage: replay_capture [--real] FRAMES SYMBOLS OUT.txt\n");
        return 2;
    }
    char **arg = argv + real;
    size_t frames = strtoul(arg[1], NULL, 10), symbols = strtoul(arg[2], NULL, 10);
    book_feed f;
    if (book_feed_make_shaped(&f, frames, symbols, SEED, real ? BOOK_FEED_REAL : BOOK_FEED_BENCH) !=
        0) {
        fprintf(stderr, "replay_capture: out of memory, or too many symbols\n");
        return 1;
    }
    FILE *out = fopen(arg[3], "w");
    if (out == NULL) {
        perror(arg[3]);
        return 1;
    }
    cap_sink sink = {out, emit, want_snapshot};
    cap *c = cap_create(f.symbols, f.n_symbols, 5, CAP_RECORD_BOTH, 1, &sink);
    int64_t t = 1764000000LL * 1000000000LL;
    cap_on_connected(c, f.symbols, f.n_symbols, t);
    for (size_t i = 0; i < f.n_symbols; i++)
        cap_on_snapshot(c, f.symbols[i], f.snapshot[i], f.snapshot_len[i], t += 100000);
    for (size_t i = 0; i < f.n_frames; i++) {
        size_t len;
        const char *msg = book_feed_frame(&f, i, &len);
        cap_on_message(c, msg, len, t += 100000);
    }
    cap_destroy(c);
    book_feed_free(&f);
    return fclose(out) == 0 ? 0 : 1;
}
