/* The capture files as a person sees them roll: the newest files of the log directory and
 * their sizes. Reads the directory; runs on the server's thread, never the capture's. */
#ifndef SERVE_FILES_H
#define SERVE_FILES_H

#include <stddef.h>
#include <stdint.h>

#define SERVE_FILES         8  /* files listed, newest first */
#define SERVE_FILE_NAME_MAX 31 /* "2026112323595.txt.zst" fits */

typedef struct serve_file {
    char name[SERVE_FILE_NAME_MAX + 1];
    uint64_t bytes;
} serve_file;

typedef struct serve_files {
    size_t n;                  /* files found, at most SERVE_FILES */
    serve_file f[SERVE_FILES]; /* newest first: f[0] is the one being written */
} serve_files;

/* Is `name` a capture file's name (YYYYMMDD.txt or YYYYMMDDHHMM{i}.txt, maybe .zst)? Pure. */
int serve_is_capture_file(const char *name);

/* List the newest capture files of `dir` (by the period each name stands for). A missing or
 * unreadable directory gives no files. Returns the number found. */
size_t serve_files_scan(const char *dir, serve_files *out);

#endif
