/* The page's files, compiled into the binary from serve/assets/ (see serve/embed.cmake). */
#ifndef SERVE_ASSETS_H
#define SERVE_ASSETS_H

#include <stddef.h>

typedef struct serve_asset {
    const char *path;          /* as requested: "/", "/app.js", ... */
    const char *type;          /* Content-Type */
    const unsigned char *data; /* the bytes */
    size_t len;
} serve_asset;

/* The asset served at `path`, or NULL. */
const serve_asset *serve_asset_find(const char *path);

#endif
