/* One value of the configuration against its key: whole numbers, choices, names, URLs, the
 * CA file (read with OpenSSL's PEM reader, as the TLS library will read it). */
#include "config_check.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int expected(const cfg_key *k, cfg_market m, char *why, size_t whylen)
{
    char allowed[300];
    snprintf(why, whylen, "expected %s", cfg_allowed(k, m, allowed, sizeof allowed));
    return -1;
}

/* A whole decimal number in [lo, hi]: no sign games, no trailing characters. */
static int get_int(const char *v, long lo, long hi, long *out)
{
    if (*v == '\0' || *v == '+' || *v == ' ')
        return -1;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno != 0 || *end != '\0' || n < lo || n > hi)
        return -1;
    *out = n;
    return 0;
}

static int set_int(const cfg_key *k, const char *v, cfg_market m, void *field)
{
    const cfg_int_rule *r = k->futures.hi != 0 && m != CFG_MARKET_SPOT ? &k->futures : &k->rule;
    long x;
    if (get_int(v, r->lo, r->hi, &x) != 0)
        return -1;
    if (r->only != NULL) {
        size_t i = 0;
        while (r->only[i] != 0 && r->only[i] != x)
            i++;
        if (r->only[i] == 0)
            return -1;
    }
    if (k->kind == CFG_INT) {
        int n = (int)x;
        memcpy(field, &n, sizeof n);
    } else {
        unsigned n = (unsigned)x;
        memcpy(field, &n, sizeof n);
    }
    return 0;
}

static int set_choice(const cfg_key *k, const char *v, void *field)
{
    for (const cfg_choice *ch = k->choices; ch->name != NULL; ch++) {
        if (strcmp(v, ch->name) == 0) {
            memcpy(field, &ch->value, sizeof ch->value);
            return 0;
        }
    }
    return -1;
}

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/* CFG_NAME: 1..size-1 name characters. CFG_SUBJECT: such tokens separated by single dots. */
static int check_name(const char *v, size_t size, int dots)
{
    size_t n = strlen(v);
    if (n == 0 || n >= size || v[0] == '.' || v[n - 1] == '.')
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (dots && v[i] == '.' && v[i + 1] != '.')
            continue;
        if (!name_char(v[i]))
            return -1;
    }
    return 0;
}

/* "" or nats://host[:port] separated by commas (what libnats takes as its server list). */
static int check_nats_urls(const char *v)
{
    char item[CFG_NATS_URL_MAX], err[160];
    if (*v == '\0')
        return 0;
    for (const char *p = v;;) {
        size_t n = strcspn(p, ",");
        if (n == 0 || n >= sizeof item)
            return -1;
        memcpy(item, p, n);
        item[n] = '\0';
        url_parts u;
        if (url_parse(item, "nats", &u, err, sizeof err) != 0 || u.path[0] != '\0' ||
            item[n - 1] == '/')
            return -1;
        if (p[n] == '\0')
            return 0;
        p += n + 1;
    }
}

/* "" (off) or host:port, [v6]:port. */
static int set_listen(const char *v, cfg_listen *out)
{
    cfg_listen l;
    memset(&l, 0, sizeof l); /* padding too: a cfg compares equal to another with memcmp */
    if (*v != '\0') {
        char url[URL_HOST_MAX + 32], err[160];
        url_parts u;
        const char *colon = strrchr(v, ':');
        if (colon == NULL || strlen(v) + 8 >= sizeof url || (v[0] == '[' && colon[-1] != ']'))
            return -1;
        snprintf(url, sizeof url, "http://%s", v);
        if (url_parse(url, "http", &u, err, sizeof err) != 0 || u.path[0] != '\0' ||
            v[strlen(v) - 1] == '/')
            return -1;
        snprintf(l.host, sizeof l.host, "%s", u.host);
        l.port = u.port;
    }
    memcpy(out, &l, sizeof l);
    return 0;
}

/*
 * A ca_file must be what SSL_CTX_load_verify_locations will take: a readable file holding
 * at least one PEM certificate (or CRL) and nothing malformed between BEGIN and END lines.
 */
static int check_pem(const char *path, char *why, size_t whylen)
{
    static const char allowed[] = "expected a readable file of PEM certificates";
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(why, whylen, "%s (%s)", allowed, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, whylen, "%s (%s)", allowed,
                 S_ISDIR(st.st_mode) ? "this is a directory" : "not a regular file");
        return -1;
    }
    BIO *b = BIO_new_file(path, "r");
    if (b == NULL) {
        snprintf(why, whylen, "%s (%s)", allowed, strerror(errno));
        ERR_clear_error();
        return -1;
    }
    int found = 0;
    STACK_OF(X509_INFO) *infos = PEM_X509_INFO_read_bio(b, NULL, NULL, NULL);
    if (infos != NULL) {
        for (int i = 0; i < sk_X509_INFO_num(infos); i++) {
            const X509_INFO *x = sk_X509_INFO_value(infos, i);
            found += x->x509 != NULL || x->crl != NULL;
        }
        sk_X509_INFO_pop_free(infos, X509_INFO_free);
    }
    BIO_free(b);
    /* Leave nothing in this thread's OpenSSL error queue for the TLS code to misreport; but
     * a file that could not be read for lack of memory is not a bad file. */
    int oom = 0;
    for (unsigned long e; (e = ERR_get_error()) != 0;)
        oom |= ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE;
    if (infos == NULL && oom) {
        snprintf(why, whylen, "out of memory");
        return CFG__ENOMEM;
    }
    if (infos == NULL) {
        snprintf(why, whylen, "%s (a PEM block in it cannot be read)", allowed);
        return -1;
    }
    if (found == 0) {
        snprintf(why, whylen, "%s (no \"-----BEGIN CERTIFICATE-----\" in it)", allowed);
        return -1;
    }
    return 0;
}

static int set_string(const char *v, void *field, size_t size)
{
    size_t n = strlen(v);
    if (n >= size)
        return -1;
    memcpy(field, v, n + 1);
    return 0;
}

int cfg__set(const cfg_key *k, const char *v, cfg_market m, void *field, char *why, size_t whylen)
{
    char err[200];
    switch (k->kind) {
    case CFG_PATH:
        if (*v == '\0' || set_string(v, field, k->size) != 0)
            return expected(k, m, why, whylen);
        return 0;
    case CFG_PEM_FILE:
        if (*v != '\0') {
            int rc = check_pem(v, why, whylen);
            if (rc != 0)
                return rc;
        }
        if (set_string(v, field, k->size) != 0)
            return expected(k, m, why, whylen);
        return 0;
    case CFG_CHOICE:
        return set_choice(k, v, field) == 0 ? 0 : expected(k, m, why, whylen);
    case CFG_INT:
    case CFG_UINT:
        return set_int(k, v, m, field) == 0 ? 0 : expected(k, m, why, whylen);
    case CFG_URL: {
        url_parts u;
        memset(&u, 0, sizeof u);
        if (*v != '\0' && url_parse(v, k->scheme, &u, err, sizeof err) != 0) {
            snprintf(why, whylen, "%s", err);
            return -1;
        }
        memcpy(field, &u, sizeof u);
        return 0;
    }
    case CFG_NATS_URLS:
        if (check_nats_urls(v) != 0 || set_string(v, field, k->size) != 0)
            return expected(k, m, why, whylen);
        return 0;
    case CFG_NAME:
    case CFG_SUBJECT:
        if (check_name(v, k->size, k->kind == CFG_SUBJECT) != 0 ||
            set_string(v, field, k->size) != 0)
            return expected(k, m, why, whylen);
        return 0;
    case CFG_LISTEN:
        return set_listen(v, field) == 0 ? 0 : expected(k, m, why, whylen);
    }
    return expected(k, m, why, whylen);
}
