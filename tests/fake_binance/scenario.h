/*
 * The script of the fake Binance: one directive per line, '#' starts a comment.
 *
 *   symbols BTCUSDT ETHUSDT   symbols it knows; a snapshot of any other is HTTP 400 -1121
 *   seed 7                    the random walk of the books (default 1)
 *   levels 50                 initial levels per side (default 50)
 *   depth 5                   levels per side in the truth file (default 5)
 *   rate 50                   events per second per symbol (default 50)
 *   events 200                events per symbol, then the stream goes quiet (default 200)
 *   gap SYMBOL N              event N of SYMBOL is applied but never sent: a gap
 *   duplicate SYMBOL N        event N of SYMBOL is sent twice
 *   overlap SYMBOL N          event N of SYMBOL also covers event N-1's ids and changes
 *   malformed N | binary N | wrongtype N   a bad frame is sent before event frame N
 *   fragment BYTES            frames go out in websocket fragments of at most BYTES
 *   close N                   the first connection is cut (no close frame) after N frames
 *   stall N MS                after N frames of the first connection, the server stops
 *                             answering anything (pings included) for MS milliseconds
 *   shutdown N                after N frames of the first connection: serverShutdown, close
 *   rest429 COUNT SECONDS     the first COUNT snapshot requests: 429, Retry-After: SECONDS
 *   rest418 COUNT SECONDS     the same with 418
 *   rest451                   every snapshot request: 451
 *   exinfo503 COUNT           the COUNT exchangeInfo requests after the first: 503
 *   stale SYMBOL COUNT        the first COUNT snapshots of SYMBOL are the initial book
 *   replay DIR                serve DIR/frames.txt and DIR/snapshots.txt (a real capture)
 *                             instead of simulated books
 *   timeout S                 the server exits by itself after S seconds (default 120)
 *
 * Hostile servers:
 *   silent COUNT              the first COUNT websocket connections open, then send nothing
 *                             and read nothing, so pings go unanswered (no pong, no close)
 *   huge N BYTES              before event frame N, one text frame of BYTES bytes (a JSON
 *                             object padded with a long string), in one websocket frame
 *   flood                     events go out as fast as the connections take them: `rate` is
 *                             ignored and the market only waits while a connection's queue
 *                             is full
 *   tlsstall                  also listen on a plain TCP port that accepts connections and
 *                             never answers (a TLS handshake that never completes); its port
 *                             is the second number in the port file
 *
 * Markets:
 *   market spot|usdm|coinm    (default spot) futures: events carry "pu" and "T", the ids jump
 *                             between events as real futures' do (a withheld event, `gap`,
 *                             breaks the pu chain), snapshots are served on /fapi/v1/depth or
 *                             /dapi/v1/depth (limits 5..1000), and on usdm depth streams are
 *                             delivered only to connections on /public/... or the root, trade
 *                             streams only on /market/... (as Binance routes them)
 *   trades EVERY              every EVERY-th event of a symbol is followed by a trade on its
 *                             trade stream (spot <sym>@trade, futures <sym>@aggTrade); each
 *                             trade sent is logged ("trade <symbol> <id> <p> <q> <m>")
 *   status SYMBOL STATUS      exchangeInfo lists SYMBOL with this status (e.g. BREAK)
 *   delist SYMBOL SECONDS     from SECONDS after the market starts, exchangeInfo lists SYMBOL
 *                             as BREAK (its streams keep going)
 *   list SYMBOL SECONDS       exchangeInfo lists SYMBOL as PRE_TRADING until SECONDS after the
 *                             market starts, then TRADING (its streams go all along)
 *   exchangeInfo answers /api/v3/exchangeInfo, /fapi/v1/exchangeInfo and /dapi/v1/exchangeInfo
 *   with every symbol of the script (quote asset: the symbol's known quote suffix; coinm:
 *   BTCUSD_PERP is base BTC, quote USD, "contractStatus" instead of "status").
 *
 * Subscribing: a connection may name its streams in the URL (/stream?streams=a@depth/...) or
 * send {"method":"SUBSCRIBE","params":[...],"id":N}, answered {"result":null,"id":N}. More
 * than 5 such messages in a second on one connection, or more than 1024 streams on it, and
 * the server closes it (as Binance does), logging "ratelimit" / answering an error.
 *   refuse SYMBOL             a SUBSCRIBE naming SYMBOL's stream is refused whole:
 *                             {"error":{"code":2,"msg":"Invalid request: ..."},"id":N}
 *
 * Two legs (the same market, same ids, on two ports), with faults per leg (LEG is a or b):
 *   legs                      also listen on a second port, leg b (the first is leg a); the
 *                             port file gets a second line "b <port>"
 *   leg-cut LEG N             the first connection of LEG is cut (no close frame) after N frames
 *   trade-cut LEG N           the first connection of LEG carrying trade streams is cut after
 *                             N frames
 *   leg-withhold LEG SYMBOL N the N-th depth frame of SYMBOL is not sent on LEG's connections
 *                             (the other leg gets it)
 *   leg-stall LEG N           after N frames the first connection of LEG gets no more frames
 *                             and reads nothing (pings unanswered) until the client gives up
 *   leg-shutdown LEG N MS     after N frames of the first connection of LEG: serverShutdown,
 *                             and the connection is cut MS milliseconds later
 *   cut-all T                 at the market's tick T (ticks count from 1), every websocket
 *                             connection is cut at once
 *   leg-jitter MS             every frame is held back 0..MS ms (uniform, drawn for each
 *                             connection on its own, order kept), and every event's "E" is
 *                             the time it was made (ms since the epoch): receive latency
 * Each websocket connection also logs "leg <n> <a|b>" after its "ws" line, so a test can
 * pair the "ws" and "closed" times of one leg's connections (make-before-break overlaps).
 *
 * `symbols` may be given on several lines (they add up), up to SC_MAX_SYMBOLS in all; lines
 * may be of any length.
 *
 * Event numbers count from 1 per symbol; frame numbers count every event frame sent.
 */
#ifndef SCENARIO_H
#define SCENARIO_H

#include <stddef.h>

#define SC_MAX_SYMBOLS 2048 /* two connections' worth of Binance's 1024 streams */
#define SC_MAX_FAULTS  32
#define SC_MAX_STATUS  32

typedef enum sc_market { SC_SPOT, SC_USDM, SC_COINM } sc_market;

typedef struct sc_status {
    int symbol;      /* index */
    char status[16]; /* what exchangeInfo says of it */
    long from_ms;    /* from this long after the market starts */
} sc_status;

typedef enum sc_fault_kind {
    SC_GAP,
    SC_DUPLICATE,
    SC_OVERLAP,
    SC_MALFORMED,
    SC_BINARY,
    SC_WRONGTYPE,
    SC_HUGE
} sc_fault_kind;

typedef struct sc_fault {
    sc_fault_kind kind;
    int symbol; /* index, or -1 for frame faults */
    long n;     /* event number (per symbol) or frame number */
} sc_fault;

#define SC_MAX_WITHHOLD 16

typedef struct sc_leg_faults {
    int on;                  /* `legs`: listen for leg b too */
    long cut_after[2];       /* per leg (0 a, 1 b): frames before the first connection is cut */
    long trade_cut_after[2]; /* frames before the first trade connection is cut */
    long stall_after[2];     /* frames before the first connection stalls for good */
    long shutdown_after[2];  /* frames before serverShutdown on the first connection */
    int shutdown_ms[2];      /* then cut this much later */
    long cut_all_tick;       /* 0: never */
    int jitter_ms;           /* leg-jitter: 0: none */
    struct {
        int leg, symbol;
        long n; /* the symbol's n-th depth frame */
    } withhold[SC_MAX_WITHHOLD];
    int n_withhold;
} sc_leg_faults;

typedef struct scenario {
    char (*symbols)[24]; /* n_symbols names, malloc'ed: sc_free releases them */
    int n_symbols;
    unsigned seed;
    int levels, depth, rate;
    long events;
    sc_fault faults[SC_MAX_FAULTS];
    int n_faults;
    int fragment;     /* 0: whole frames */
    long close_after; /* 0: never */
    long stall_after; /* 0: never */
    int stall_ms;
    long shutdown_after; /* 0: never */
    int rest_err_status; /* 429 or 418 for the first rest_err_count requests */
    int rest_err_count;
    int rest_err_retry_s;
    int rest451;
    int exinfo503;    /* exchangeInfo requests 2..exinfo503+1 answer 503 */
    int stale_symbol; /* -1: none */
    int stale_count;
    char replay_dir[512]; /* "" unless replaying */
    int timeout_s;
    int silent_count;  /* the first silent_count websocket connections say nothing */
    size_t huge_bytes; /* the size of the `huge` frame */
    int flood;         /* events as fast as they can go out */
    int tlsstall;      /* run the never-answering TCP listener */
    int refuse_symbol; /* -1: none; else SUBSCRIBEs naming its stream are refused */
    sc_market market;
    int trades_every; /* 0: no trades */
    sc_status status[SC_MAX_STATUS];
    int n_status;
    sc_leg_faults legs; /* the two-legs directives */
} scenario;

/* Parse the script at `path`. Returns 0, or -1 with a message (file:line: what) in err.
 * Either way sc_free releases what it holds. */
int sc_load(scenario *sc, const char *path, char *err, size_t errlen);

/* A two-legs directive (the line without its comment): 1 understood and recorded, 0 not
 * one of them, -1 one of them but malformed. */
int sc_leg_directive(scenario *sc, const char *line);

/* Is the n-th depth frame of `symbol` withheld from leg `leg` (0 a, 1 b)? */
int sc_withheld(const scenario *sc, int leg, int symbol, long n);

/* Release what sc_load allocated. */
void sc_free(scenario *sc);

/* The index of a symbol, or -1. */
int sc_symbol(const scenario *sc, const char *symbol);

/* What exchangeInfo says of a symbol `ms` after the market started ("TRADING" unless
 * scripted). */
const char *sc_status_of(const scenario *sc, int symbol, long ms);

/* Is there a fault of this kind at this event/frame? */
int sc_has(const scenario *sc, sc_fault_kind kind, int symbol, long n);

#endif
