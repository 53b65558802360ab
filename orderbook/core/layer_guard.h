/*
 * Forced into every source of core/ (orderbook/CMakeLists.txt, -include). core is pure: no
 * sockets, no TLS, no files of the logger, no NATS. Its library already exports only core/,
 * but libwebsockets.h and the OpenSSL and NATS headers sit in /usr/include, where any file
 * can reach them; poisoning one name each header declares makes including it an error.
 */
#pragma GCC poison lws_create_context SSL_CTX_new natsConnection_Connect alog_open
