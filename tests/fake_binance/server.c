/*
 * fake_binance: a local stand-in for Binance's spot depth streams and REST snapshots, over
 * TLS on 127.0.0.1, driven by a scenario (scenario.h) and writing its truth, for the tests
 * and the offline demo.
 *
 *   fake_binance --scenario FILE --cert PEM --key PEM --truth FILE --port-file FILE
 *                [--log FILE] [--port N]
 *
 * The port (0: any free one) is written to the port file once the server listens; with
 * `tlsstall` the never-answering plain TCP port follows it on the same line. The log gets
 * one line per REST request ("rest <ms> <symbol> <status>"), per websocket connection
 * ("ws <ms> <n> <streams it asked for>"), per websocket connection closed ("closed <ms> <n>
 * <frames sent> <close code>", the code the client's close frame carried: 1005 for a close
 * frame without one, 1006 for no close frame at all), per SUBSCRIBE ("sub <ms> <n> <streams
 * it added> <id> <ok|refused|over>"), per connection closed for sending control messages too
 * fast ("ratelimit <ms> <n>"), per TCP connection to the stalling port ("tcp <ms> <n>"), and once
 * every scripted event was produced, each symbol's final book size ("book <symbol> <bids> <asks>")
 * and then "done <ms>". The market starts with the first connection that asks for streams.
 * With `legs` a second port serves leg b (scenario.h); each connection then also logs
 * "leg <n> <a|b>".
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libwebsockets.h>

#include "market.h"
#include "scenario.h"
#include "server.h"

fb_server fb;

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    fb_session *s = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return fb_http_request(wsi, s, (const char *)in);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return fb_http_writable(wsi, s);
    case LWS_CALLBACK_CLOSED_HTTP:
        if (s != NULL) { /* NULL when the request failed before a session was made */
            free(s->body);
            s->body = NULL;
        }
        return 0;
    case LWS_CALLBACK_ESTABLISHED:
        fb_ws_open(wsi, s);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return fb_ws_writable(wsi, s);
    case LWS_CALLBACK_CLOSED:
        fb_ws_close(s);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        return s->silent ? 0 : fb_ws_receive(wsi, s, in, len);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
        /* The close frame's payload starts with the code, big-endian. */
        const unsigned char *p = in;
        s->close_code = len >= 2 ? p[0] << 8 | p[1] : 1005;
        return 0;
    }
    default:
        break;
    }
    (void)len;
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    {"binance", callback, sizeof(fb_session), 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void on_signal(int sig)
{
    (void)sig;
    fb.stop = 1;
    if (fb.ctx)
        lws_cancel_service(fb.ctx);
}

/* The command line. */
typedef struct fb_args {
    const char *scenario, *cert, *key, *truth, *port_file, *log; /* NULL: not given */
    int port;                                                    /* 0: any free one */
} fb_args;

/* Read the options into a; 0, or 2 with the usage printed when one is missing. */
static int parse_args(int argc, char **argv, fb_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--scenario") == 0)
            a->scenario = argv[i + 1];
        else if (strcmp(argv[i], "--cert") == 0)
            a->cert = argv[i + 1];
        else if (strcmp(argv[i], "--key") == 0)
            a->key = argv[i + 1];
        else if (strcmp(argv[i], "--truth") == 0)
            a->truth = argv[i + 1];
        else if (strcmp(argv[i], "--port-file") == 0)
            a->port_file = argv[i + 1];
        else if (strcmp(argv[i], "--log") == 0)
            a->log = argv[i + 1];
        else if (strcmp(argv[i], "--port") == 0)
            a->port = atoi(argv[i + 1]);
    }
    if (!a->scenario || !a->cert || !a->key || !a->truth || !a->port_file) {
        fprintf(stderr, "usage: fake_binance --scenario FILE --cert PEM --key PEM --truth FILE "
                        "--port-file FILE [--log FILE] [--port N]\n");
        return 2;
    }
    return 0;
}

/* The scenario, the market writing its truth to *tf, the log: 0, 2 for a scenario not
 * understood, 1 for other failures (said on stderr). */
static int load(const fb_args *a, FILE **tf)
{
    char err[1024];
    if (sc_load(&fb.sc, a->scenario, err, sizeof err) != 0) {
        fprintf(stderr, "fake_binance: %s\n", err);
        sc_free(&fb.sc);
        return 2;
    }
    fb.max_frames = mk_tick_max(&fb.sc);
    fb.frames = calloc((size_t)fb.max_frames, sizeof *fb.frames);
    fb.depth_frames = calloc((size_t)(fb.sc.n_symbols > 0 ? fb.sc.n_symbols : 1), sizeof(long));
    if (fb.frames == NULL || fb.depth_frames == NULL) {
        fprintf(stderr, "fake_binance: out of memory\n");
        return 1;
    }
    *tf = fopen(a->truth, "w");
    if (*tf == NULL) {
        perror(a->truth);
        return 1;
    }
    fb.log = a->log ? fopen(a->log, "w") : NULL;
    fb.mk = mk_create(&fb.sc, *tf, err, sizeof err);
    if (fb.mk == NULL) {
        fprintf(stderr, "fake_binance: %s\n", err);
        return 1;
    }
    mk_log_trades(fb.mk, fb.log);
    return 0;
}

/* Listen with TLS on 127.0.0.1 (and, with `legs`, on a second port for leg b); the ports in
 * *port and *port_b (0: none). 0, or 1 said on stderr. */
static int listen_tls(const fb_args *a, int *port, int *port_b)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = a->port;
    info.iface = "127.0.0.1";
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.ssl_cert_filepath = a->cert;
    info.ssl_private_key_filepath = a->key;
    info.max_http_header_data = 32768;
    info.vhost_name = "localhost";
    fb.ctx = lws_create_context(&info);
    if (fb.ctx == NULL) {
        fprintf(stderr, "fake_binance: cannot listen\n");
        return 1;
    }
    *port = lws_get_vhost_listen_port(lws_get_vhost_by_name(fb.ctx, "localhost"));
    *port_b = 0;
    if (fb.sc.legs.on) {
        /* Leg b: the same server, market and certificate on a second port. */
        info.port = 0;
        info.vhost_name = "leg-b";
        fb.vhost_b = lws_create_vhost(fb.ctx, &info);
        if (fb.vhost_b == NULL) {
            fprintf(stderr, "fake_binance: cannot listen for leg b\n");
            return 1;
        }
        *port_b = lws_get_vhost_listen_port(fb.vhost_b);
    }
    return 0;
}

/* "<port>[ <tlsstall port>]\n[b <leg b's port>\n]", written whole (a rename): tests poll for
 * it. */
static void write_port_file(const char *port_file, int port, int stall_port, int port_b)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
    FILE *pf = fopen(tmp, "w");
    if (stall_port > 0)
        fprintf(pf, "%d %d\n", port, stall_port);
    else
        fprintf(pf, "%d\n", port);
    if (port_b > 0)
        fprintf(pf, "b %d\n", port_b);
    fclose(pf);
    rename(tmp, port_file); /* appears whole: tests poll for it */
}

int main(int argc, char **argv)
{
    fb_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc;
    FILE *tf = NULL;
    rc = load(&a, &tf);
    if (rc != 0)
        return rc;
    clock_gettime(CLOCK_MONOTONIC, &fb.start);
    int stall_port = 0;
    if (fb.sc.tlsstall && (stall_port = fb_tlsstall_start()) < 0) {
        fprintf(stderr, "fake_binance: cannot listen for tlsstall: %s\n", strerror(errno));
        return 1;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);
    lws_set_log_level(LLL_ERR, NULL);
    int port, port_b;
    if (listen_tls(&a, &port, &port_b) != 0)
        return 1;
    write_port_file(a.port_file, port, stall_port, port_b);

    while (!fb.stop && fb_ms_since_start() < (long)fb.sc.timeout_s * 1000)
        if (lws_service(fb.ctx, 0) < 0)
            break;
    lws_context_destroy(fb.ctx);
    mk_destroy(fb.mk);
    free(fb.frames);
    free(fb.depth_frames);
    sc_free(&fb.sc);
    fclose(tf);
    if (fb.log)
        fclose(fb.log);
    return 0;
}
