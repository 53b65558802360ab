#include "nats_cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nats/nats.h>

#include "proc.h"
#include "test_util.h"

const char *ncl_server_path(void)
{
    const char *env = getenv("DEPTHLOG_NATS_SERVER");
    if (env != NULL && env[0] != '\0')
        return env;
    if (access("/usr/sbin/nats-server", X_OK) == 0)
        return "/usr/sbin/nats-server";
    return "/usr/bin/nats-server";
}

/* A port nobody listens on now (the kernel's choice; tiny race until the server binds). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static int write_conf(const ncl_cluster *c, int i, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "server_name: n%d\nlisten: 127.0.0.1:%d\n", i + 1, c->port[i]);
    fprintf(f,
            "jetstream {\n  store_dir: \"%s/nats/n%d\"\n  max_file_store: 1G\n"
            "  max_memory_store: 64M\n}\n",
            c->dir, i + 1);
    if (c->n > 1) {
        fprintf(f, "cluster {\n  name: depthlog-test\n  listen: 127.0.0.1:%d\n  routes: [\n",
                c->route_port[i]);
        for (int k = 0; k < c->n; k++)
            if (k != i)
                fprintf(f, "    nats-route://127.0.0.1:%d\n", c->route_port[k]);
        fprintf(f, "  ]\n}\n");
    }
    return fclose(f);
}

static int spawn_node(ncl_cluster *c, int i)
{
    char conf[PATH_MAX + 64], log[PATH_MAX + 64];
    snprintf(conf, sizeof conf, "%s/nats/n%d.conf", c->dir, i + 1);
    snprintf(log, sizeof log, "%s/nats/n%d.%d.log", c->dir, i + 1, ++c->starts[i]);
    char server[PATH_MAX];
    snprintf(server, sizeof server, "%s", ncl_server_path());
    char *argv[] = {server, "-c", conf, NULL};
    c->pid[i] = proc_spawn(argv, log, NULL);
    return c->pid[i] > 0 ? 0 : -1;
}

void ncl_node_url(const ncl_cluster *c, int i, char *out, size_t len)
{
    snprintf(out, len, "nats://127.0.0.1:%d", c->port[i]);
}

int ncl_start(ncl_cluster *c, const char *dir, int n)
{
    memset(c, 0, sizeof *c);
    if (n < 1 || n > NCL_MAX_NODES)
        return -1;
    c->n = n;
    snprintf(c->dir, sizeof c->dir, "%s", dir);
    char sub[PATH_MAX + 16];
    snprintf(sub, sizeof sub, "%s/nats", dir);
    mkdir(sub, 0755);
    size_t used = 0;
    for (int i = 0; i < n; i++) {
        c->port[i] = free_port();
        c->route_port[i] = free_port();
        if (c->port[i] < 0 || c->route_port[i] < 0)
            return -1;
        used += (size_t)snprintf(c->url + used, sizeof c->url - used, "%snats://127.0.0.1:%d",
                                 i ? "," : "", c->port[i]);
    }
    for (int i = 0; i < n; i++) {
        char conf[PATH_MAX + 64];
        snprintf(conf, sizeof conf, "%s/nats/n%d.conf", dir, i + 1);
        if (write_conf(c, i, conf) != 0 || spawn_node(c, i) != 0) {
            ncl_stop(c);
            return -1;
        }
    }
    if (ncl_wait_ready(c, -1, 30) != 0) {
        fprintf(stderr, "nats cluster: no JetStream meta leader within 30 s (logs in %s)\n", sub);
        ncl_stop(c);
        return -1;
    }
    return 0;
}

/* Does JetStream answer an account info request through this URL now? */
static int js_answers(const char *url)
{
    natsOptions *o = NULL;
    natsConnection *nc = NULL;
    natsMsg *reply = NULL;
    int ok = 0;
    if (natsOptions_Create(&o) == NATS_OK && natsOptions_SetURL(o, url) == NATS_OK &&
        natsOptions_SetTimeout(o, 500) == NATS_OK && natsOptions_SetMaxReconnect(o, 0) == NATS_OK &&
        natsConnection_Connect(&nc, o) == NATS_OK &&
        natsConnection_RequestString(&reply, nc, "$JS.API.INFO", "", 1000) == NATS_OK) {
        const char *d = natsMsg_GetData(reply);
        ok = d != NULL && strstr(d, "account_info_response") != NULL &&
             strstr(d, "\"error\"") == NULL;
    }
    natsMsg_Destroy(reply);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(o);
    return ok;
}

int ncl_wait_ready(ncl_cluster *c, int node, int seconds)
{
    int64_t deadline = tu_mono_ns() + (int64_t)seconds * 1000000000LL;
    do {
        char url[64];
        int ok = 1;
        for (int i = 0; i < c->n; i++) {
            if (node >= 0 && i != node)
                continue;
            if (c->pid[i] == 0)
                continue;
            ncl_node_url(c, i, url, sizeof url);
            if (!js_answers(url))
                ok = 0;
        }
        if (ok)
            return 0;
        usleep(200000);
    } while (tu_mono_ns() < deadline);
    return -1;
}

void ncl_kill(ncl_cluster *c, int i)
{
    if (c->pid[i] > 0) {
        kill(c->pid[i], SIGKILL);
        proc_wait(c->pid[i], 10);
    }
    c->pid[i] = 0;
}

int ncl_restart(ncl_cluster *c, int i)
{
    if (c->pid[i] > 0)
        return 0;
    return spawn_node(c, i);
}

void ncl_stop(ncl_cluster *c)
{
    for (int i = 0; i < c->n; i++)
        if (c->pid[i] > 0)
            kill(c->pid[i], SIGTERM);
    for (int i = 0; i < c->n; i++) {
        if (c->pid[i] > 0)
            proc_wait(c->pid[i], 10);
        c->pid[i] = 0;
    }
}
