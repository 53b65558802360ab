/* The time a record carries in its "ts" (pure): what decides its file when it is archived. */
#ifndef STAMP_H
#define STAMP_H

#include <stddef.h>
#include <stdint.h>

/*
 * ns since the Unix epoch of the record's "ts" ("2026-11-23T23:59:59.123456+01:00" or
 * "...Z"; 0 to 9 fraction digits). Returns 0, or -1 when the line has no such ts.
 */
int stamp_of(const char *line, size_t len, int64_t *ns);

/* The same for a bare ts string of `len` bytes. */
int stamp_parse(const char *ts, size_t len, int64_t *ns);

#endif
