#include "conn_why.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/x509.h>

void why_note_verify(void *store_ctx, size_t preverify_ok, char *out, size_t cap)
{
    if (preverify_ok || store_ctx == NULL)
        return;
    int err = X509_STORE_CTX_get_error((X509_STORE_CTX *)store_ctx);
    snprintf(out, cap, "certificate verify failed: %s", X509_verify_cert_error_string(err));
}

void why_connect(const char *lws_text, const char *verify_error, int err, const char *host,
                 char *out, size_t cap)
{
    const char *text = lws_text != NULL && lws_text[0] != '\0' ? lws_text : "connection failed";
    if (verify_error != NULL && verify_error[0] != '\0')
        snprintf(out, cap, "%s", verify_error);
    else if (strstr(text, "getaddrinfo") != NULL)
        snprintf(out, cap, "cannot resolve %s (DNS lookup failed)", host);
    else if (err == EMFILE || err == ENFILE)
        snprintf(out, cap, "no file descriptor left for a connection (%s)", strerror(err));
    else if (strcmp(text, "Unable to connect") == 0 && err == ECONNREFUSED)
        snprintf(out, cap, "connection refused by %s", host);
    else
        snprintf(out, cap, "%s", text);
}

void why_start_failed(const char *host, int err, char *out, size_t cap)
{
    /* Without a free descriptor the lookup fails too (it reads /etc/hosts): ask that first. */
    int fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0);
    if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
        why_connect("Unable to connect", "", errno, host, out, cap);
        return;
    }
    if (fd >= 0)
        close(fd);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (res != NULL)
        freeaddrinfo(res);
    if (rc != 0)
        snprintf(out, cap, "cannot resolve %s (%s)", host,
                 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
    else
        why_connect("Unable to connect", "", err, host, out, cap);
}

void why_closed(int peer_code, int64_t silent_ms, unsigned hangup_s, char *out, size_t cap)
{
    if (peer_code != 0)
        snprintf(out, cap, "closed by the server (code %d)", peer_code);
    else if (hangup_s > 0 && silent_ms >= (int64_t)hangup_s * 1000 - 500)
        snprintf(out, cap, "no data for %lld s", (long long)((silent_ms + 500) / 1000));
    else
        snprintf(out, cap, "connection closed (no close frame)");
}
