#include "nats_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nats/nats.h>

typedef struct conn {
    natsOptions *o;
    natsConnection *nc;
    jsCtx *js;
} conn;

static int conn_open(conn *c, const char *url)
{
    memset(c, 0, sizeof *c);
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = 5000;
    char list[1024];
    snprintf(list, sizeof list, "%s", url);
    const char *urls[16];
    int n = 0;
    for (char *s = strtok(list, ","); s != NULL && n < 16; s = strtok(NULL, ","))
        urls[n++] = s;
    if (natsOptions_Create(&c->o) != NATS_OK || natsOptions_SetServers(c->o, urls, n) != NATS_OK ||
        natsOptions_SetTimeout(c->o, 2000) != NATS_OK ||
        natsConnection_Connect(&c->nc, c->o) != NATS_OK ||
        natsConnection_JetStream(&c->js, c->nc, &jo) != NATS_OK) {
        fprintf(stderr, "nats: %s: %s\n", url, nats_GetLastError(NULL));
        return -1;
    }
    return 0;
}

static void conn_close(conn *c)
{
    jsCtx_Destroy(c->js);
    natsConnection_Destroy(c->nc);
    natsOptions_Destroy(c->o);
}

long ns_count(const char *url, const char *stream)
{
    conn c;
    long n = -1;
    jsStreamInfo *si = NULL;
    if (conn_open(&c, url) == 0 && js_GetStreamInfo(&si, c.js, stream, NULL, NULL) == NATS_OK)
        n = (long)si->State.Msgs;
    jsStreamInfo_Destroy(si);
    conn_close(&c);
    return n;
}

int ns_delete_stream(const char *url, const char *stream)
{
    conn c;
    int rc = -1;
    if (conn_open(&c, url) == 0 && js_DeleteStream(c.js, stream, NULL, NULL) == NATS_OK)
        rc = 0;
    conn_close(&c);
    return rc;
}

int ns_leader(const char *url, const char *stream, char *out, size_t len)
{
    conn c;
    int rc = -1;
    jsStreamInfo *si = NULL;
    if (conn_open(&c, url) == 0 && js_GetStreamInfo(&si, c.js, stream, NULL, NULL) == NATS_OK &&
        si->Cluster != NULL && si->Cluster->Leader != NULL) {
        snprintf(out, len, "%s", si->Cluster->Leader);
        rc = 0;
    }
    jsStreamInfo_Destroy(si);
    conn_close(&c);
    return rc;
}

int ns_create_stream(const char *url, const char *stream, const char *subjects)
{
    conn c;
    int rc = -1;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", subjects);
    const char *subj[16];
    int n = 0;
    for (char *s = strtok(buf, ","); s != NULL && n < 16; s = strtok(NULL, ","))
        subj[n++] = s;
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = stream;
    cfg.Subjects = subj;
    cfg.SubjectsLen = n;
    jsStreamInfo *si = NULL;
    if (conn_open(&c, url) == 0 && js_AddStream(&si, c.js, &cfg, NULL, NULL) == NATS_OK)
        rc = 0;
    jsStreamInfo_Destroy(si);
    conn_close(&c);
    return rc;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

int ns_read_all(const char *url, const char *stream, ns_msgs *out)
{
    out->m = NULL;
    out->n = 0;
    conn c;
    if (conn_open(&c, url) != 0) {
        conn_close(&c);
        return -1;
    }
    int rc = -1;
    jsStreamInfo *si = NULL;
    if (js_GetStreamInfo(&si, c.js, stream, NULL, NULL) != NATS_OK) {
        fprintf(stderr, "nats: stream %s: %s\n", stream, nats_GetLastError(NULL));
        goto out;
    }
    uint64_t first = si->State.FirstSeq, last = si->State.LastSeq;
    size_t cap = (size_t)(si->State.Msgs + 1);
    out->m = calloc(cap, sizeof *out->m);
    for (uint64_t seq = first; seq <= last && seq != 0 && out->n < cap; seq++) {
        natsMsg *m = NULL;
        jsErrCode je = 0;
        natsStatus s = js_GetMsg(&m, c.js, stream, seq, NULL, &je);
        if (s == NATS_NOT_FOUND)
            continue; /* deleted */
        if (s != NATS_OK) {
            fprintf(stderr, "nats: get %s #%llu: %s\n", stream, (unsigned long long)seq,
                    nats_GetLastError(NULL));
            goto out;
        }
        const char *id = NULL;
        if (natsMsgHeader_Get(m, "Nats-Msg-Id", &id) != NATS_OK)
            id = "";
        ns_msg *x = &out->m[out->n++];
        x->subject = strdup(natsMsg_GetSubject(m));
        x->msg_id = strdup(id);
        x->data = dup_n(natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m));
        x->seq = seq;
        natsMsg_Destroy(m);
    }
    rc = 0;
out:
    jsStreamInfo_Destroy(si);
    conn_close(&c);
    return rc;
}

void ns_msgs_free(ns_msgs *ms)
{
    for (size_t i = 0; i < ms->n; i++) {
        free(ms->m[i].subject);
        free(ms->m[i].msg_id);
        free(ms->m[i].data);
    }
    free(ms->m);
    ms->m = NULL;
    ms->n = 0;
}
