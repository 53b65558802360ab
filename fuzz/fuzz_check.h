/* What the fuzz targets share: a check that aborts, so libFuzzer reports the input. */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

/* A broken invariant is a finding: say which one and where, then abort (a fuzzer's crash). */
#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant broken: %s: ", __FILE__, __LINE__, #cond);           \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* For the harness's own checks: tracing their comparisons gives the fuzzer no feedback
 * worth having (the code under test is traced) and cost most of a run's time. */
#define FUZZ_UNTRACED __attribute__((no_sanitize("coverage")))

#endif
