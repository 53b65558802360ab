/* tlsstall (server.h): a TCP port that accepts and never answers. */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server.h"

#define STALL_MAX_CONNS 64 /* tlsstall: connections held open */

static void *stall_thread(void *arg)
{
    int lfd = *(int *)arg;
    int held[STALL_MAX_CONNS];
    int n = 0, total = 0;
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            return NULL;
        }
        fb_log_line("tcp %ld %d\n", fb_ms_since_start(), ++total);
        /* Kept open and never read: the client's ClientHello waits forever. The oldest
         * goes once the table is full, so a retrying client never runs the server out. */
        if (n == STALL_MAX_CONNS) {
            close(held[0]);
            memmove(held, held + 1, (STALL_MAX_CONNS - 1) * sizeof held[0]);
            n--;
        }
        held[n++] = fd;
    }
}

/* Listen on 127.0.0.1 (any port) and start the stalling thread; returns the port or -1. */
int fb_tlsstall_start(void)
{
    static int lfd;
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    pthread_t t;
    if (bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 16) != 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &alen) != 0 ||
        pthread_create(&t, NULL, stall_thread, &lfd) != 0) {
        close(lfd);
        return -1;
    }
    pthread_detach(t);
    return ntohs(a.sin_port);
}
