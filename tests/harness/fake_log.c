#include "fake_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

/* The k-th line of `text` that starts with word + ' ' (k from 1), and its length; NULL if none. */
static const char *find_line(const char *text, const char *word, int k, size_t *len)
{
    size_t wlen = strlen(word);
    for (const char *line = text; line != NULL && *line != '\0';) {
        const char *nl = strchr(line, '\n');
        if (strncmp(line, word, wlen) == 0 && line[wlen] == ' ' && --k == 0) {
            *len = nl ? (size_t)(nl - line) : strlen(line);
            return line;
        }
        line = nl ? nl + 1 : NULL;
    }
    return NULL;
}

int fake_log_count(const fake_server *fs, const char *word)
{
    char *text = tu_read_file(fs->log, NULL);
    int n = 0;
    size_t wlen = strlen(word);
    for (const char *line = text; line != NULL && *line != '\0';) {
        n += strncmp(line, word, wlen) == 0 && line[wlen] == ' ';
        const char *nl = strchr(line, '\n');
        line = nl ? nl + 1 : NULL;
    }
    free(text);
    return n;
}

char *fake_log_line(const fake_server *fs, const char *word, int k)
{
    char *text = tu_read_file(fs->log, NULL);
    size_t len = 0;
    const char *line = text ? find_line(text, word, k, &len) : NULL;
    char *out = line ? strndup(line, len) : NULL;
    free(text);
    return out;
}

long fake_log_ms(const fake_server *fs, const char *word, int k)
{
    char *line = fake_log_line(fs, word, k);
    long ms = line ? strtol(line + strlen(word) + 1, NULL, 10) : -1;
    free(line);
    return ms;
}

long fake_log_streams(const fake_server *fs)
{
    char *text = tu_read_file(fs->log, NULL);
    long streams = 0;
    for (const char *line = text; line != NULL && *line != '\0';) {
        long ms, s;
        int conn;
        if (sscanf(line, "ws %ld %d %ld", &ms, &conn, &s) == 3)
            streams += s;
        const char *nl = strchr(line, '\n');
        line = nl ? nl + 1 : NULL;
    }
    free(text);
    return streams;
}

int fake_log_book(const fake_server *fs, const char *symbol, unsigned long long *bids,
                  unsigned long long *asks)
{
    char *text = tu_read_file(fs->log, NULL);
    char want[64];
    snprintf(want, sizeof want, "book %s ", symbol);
    const char *p = text ? strstr(text, want) : NULL;
    int ok = p != NULL && sscanf(p + strlen(want), "%llu %llu", bids, asks) == 2;
    free(text);
    return ok ? 0 : -1;
}
