/*
 * Why a connection failed or ended, in words a person can act on, from what lws and OpenSSL
 * said. lws 4.1.6 says "ipv6 lws_getaddrinfo46 failed" for a name that does not resolve,
 * "Unable to connect" whether the port refused or the process ran out of descriptors, and
 * "connect SSL err 1: error:00000001:lib(0)::reason(1)" for a refused certificate.
 */
#ifndef CONN_WHY_H
#define CONN_WHY_H

#include <stddef.h>
#include <stdint.h>

/* From LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION (`store_ctx` its user argument,
 * `preverify_ok` its len): when OpenSSL refused the certificate, write the reason
 * ("certificate verify failed: unable to get local issuer certificate") into out; else leave
 * out as it is. */
void why_note_verify(void *store_ctx, size_t preverify_ok, char *out, size_t cap);

/* Why a connect to `host` failed. `lws_text`: `in` of CLIENT_CONNECTION_ERROR (NULL: none);
 * `verify_error`: noted during the handshake ("" if none); `err`: errno when lws called back.
 * Pure. */
void why_connect(const char *lws_text, const char *verify_error, int err, const char *host,
                 char *out, size_t cap);

/* Why lws_client_connect_via_info returned NULL without calling back (lws 4.1.6 does so when
 * the name does not resolve, and when no descriptor is left for the lookup): says "no file
 * descriptor left" when none is, else looks the name up again (blocking, like lws's own
 * lookup) and says "cannot resolve HOST (reason)" when that fails, else what `err` says. */
void why_start_failed(const char *host, int err, char *out, size_t cap);

/* Why an established websocket ended. `peer_code`: the close code the server sent (0: no
 * close frame); `silent_ms`: since the last data or pong; `hangup_s`: the idle policy's
 * hang-up, so a connection lws hung up on is "no data for N s". Pure. */
void why_closed(int peer_code, int64_t silent_ms, unsigned hangup_s, char *out, size_t cap);

#endif
