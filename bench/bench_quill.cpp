// The second peer of bench_alog: quill (C++, header-only; not a Debian package, built only with
// -DDEPTHLOG_QUILL_DIR=<quill source tree>) writing the identical 100-byte lines with pattern
// "%(message)" to a file sink through its backend thread, measured by the same harness.
//   bench_quill latency THREADS CALLS DIR | e2e LINES DIR
// quill's queue is chosen at compile time (FrontendOptions); each mode has its own, and one process
// uses only one of them, as quill requires.
#include "quill/Backend.h"
#include "quill/Frontend.h"
#include "quill/LogMacros.h"
#include "quill/sinks/FileSink.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "bench_harness.h"

namespace
{

constexpr size_t kWarmup = 10000;
constexpr size_t kPool = 64;
char lines[kPool][BENCH_LINE_BYTES];

// Latency: quill's default queue type (unbounded, blocking: it never drops), starting at alog's
// default lane size, 4 MiB per thread. quill's backend writes 0.3-1.5 M of these lines/s here,
// less than the harness offers (~2 M/s), so a bounded dropping queue dropped most calls of a run
// (and a dropped call is cheap); this one grows instead, and the run reports how often.
struct LatencyOptions : quill::FrontendOptions {
    static constexpr quill::QueueType queue_type = quill::QueueType::UnboundedBlocking;
    static constexpr size_t initial_queue_capacity = size_t{4} << 20;
};

// End to end: a fixed 64 MiB queue that blocks when full, as alog's e2e run is set up.
struct ThroughputOptions : quill::FrontendOptions {
    static constexpr quill::QueueType queue_type = quill::QueueType::BoundedBlocking;
    static constexpr size_t initial_queue_capacity = size_t{64} << 20;
};

using LatencyLogger = quill::LoggerImpl<LatencyOptions>;
using ThroughputLogger = quill::LoggerImpl<ThroughputOptions>;

// A bench_worker's run; its target is the logger.
void *measure(void *arg)
{
    auto *w = static_cast<bench_worker *>(arg);
    auto *lg = static_cast<LatencyLogger *>(w->target);
    bench_pin(w->cpu);
    // The first call maps and zeroes this thread's queue (quill allocates it per thread).
    for (size_t i = 0; i < kWarmup; i++)
        LOG_INFO(lg, "{}", std::string_view(lines[i % kPool], BENCH_LINE_BYTES));
    pthread_barrier_wait(w->start);
    BENCH_MEASURE(w, lines, LOG_INFO(lg, "{}", std::string_view(line, BENCH_LINE_BYTES)));
    return nullptr;
}

std::atomic<unsigned> queue_grown{0};

// Starts quill's backend thread and returns a logger writing "%(message)\n" into `path`.
// The backend keeps quill's defaults (TSC clock; polls the queues every 100 us when idle; not
// pinned) but one: it writes the bytes as given, like alog, instead of checking every character
// for printability (that check halves quill's throughput here). A busy-spinning backend, as
// quill's own benchmark runs it on an isolated core, was no faster on these two shared cores.
template <typename Options> quill::LoggerImpl<Options> *open_logger(const std::string &path)
{
    quill::BackendOptions opt;
    opt.check_printable_char = {};
    opt.error_notifier = [](const std::string &msg) {
        // Queue growth is counted and reported with the results; anything else is shown.
        if (msg.find("Allocated a new SPSC queue") != std::string::npos)
            queue_grown.fetch_add(1, std::memory_order_relaxed);
        else
            std::fprintf(stderr, "quill: %s\n", msg.c_str());
    };
    quill::Backend::start(opt);
    quill::FileSinkConfig cfg;
    cfg.set_open_mode('w');
    auto sink = quill::FrontendImpl<Options>::template create_or_get_sink<quill::FileSink>(
        path, cfg, quill::FileEventNotifier{});
    return quill::FrontendImpl<Options>::create_or_get_logger(
        "bench", std::move(sink), quill::PatternFormatterOptions{"%(message)"});
}

void fsync_path(const std::string &path)
{
    int fd = open(path.c_str(), O_WRONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

// Lines in the file: what quill wrote (after Backend::stop, which drains every queue).
size_t count_lines(const std::string &path)
{
    size_t n = 0;
    FILE *f = std::fopen(path.c_str(), "r");
    if (f == nullptr)
        return 0;
    static char buf[1 << 16];
    size_t got;
    while ((got = std::fread(buf, 1, sizeof buf, f)) > 0)
        for (size_t i = 0; i < got; i++)
            n += buf[i] == '\n';
    std::fclose(f);
    return n;
}

int latency(int threads, size_t calls, const std::string &dir)
{
    double tpn = bench_ticks_per_ns();
    uint64_t overhead = bench_timer_overhead();
    std::string path = dir + "/quill.txt";
    LatencyLogger *lg = open_logger<LatencyOptions>(path);
    void *targets[BENCH_MAX_THREADS];
    for (int i = 0; i < threads; i++)
        targets[i] = lg;
    uint64_t *all = bench_samples(calls * static_cast<size_t>(threads));
    size_t n_bursts = bench_bursts(calls) * static_cast<size_t>(threads);
    uint64_t *bursts = bench_samples(n_bursts + 1);
    bench_run_workers(measure, targets, threads, calls, overhead, tpn, all, bursts);
    quill::Backend::stop();
    bench_report_latency("quill", threads, all, calls * static_cast<size_t>(threads), bursts,
                         n_bursts, tpn);
    // Nothing may be lost (the queue blocks rather than drops): checked as alog's refusals are.
    size_t offered =
        (kWarmup + calls + bench_bursts(calls) * BENCH_BURST) * static_cast<size_t>(threads);
    size_t written = count_lines(path);
    std::printf("quill refused=%zu queue_grown=%u\n", offered > written ? offered - written : 0,
                queue_grown.load());
    return 0;
}

int end_to_end(size_t n, const std::string &dir)
{
    std::string path = dir + "/quill.txt";
    ThroughputLogger *lg = open_logger<ThroughputOptions>(path);
    // The thread's 64 MiB queue is mapped before the clock starts, as alog's lane is: the
    // throughput, not a one-time setup, is measured.
    quill::FrontendImpl<ThroughputOptions>::preallocate();
    double t0 = bench_now();
    for (size_t i = 0; i < n; i++)
        LOG_INFO(lg, "{}", std::string_view(lines[i % kPool], BENCH_LINE_BYTES));
    lg->flush_log(); // returns once the backend has written everything before it to the file
    fsync_path(path);
    double t1 = bench_now();
    quill::Backend::stop();
    size_t written = count_lines(path);
    std::printf("quill e2e lines=%zu written=%zu seconds=%.3f lines_per_s=%.0f peak_rss_kib=%ld\n",
                n, written, t1 - t0, static_cast<double>(n) / (t1 - t0), bench_peak_rss_kib());
    return written != n;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 4) {
        std::fprintf(stderr, "usage: bench_quill latency THREADS CALLS DIR | e2e LINES DIR\n");
        return 2;
    }
    for (size_t i = 0; i < kPool; i++)
        bench_make_line(lines[i], i);
    if (std::strcmp(argv[1], "latency") == 0 && argc == 5) {
        int threads = std::atoi(argv[2]);
        if (threads < 1 || threads > 4)
            threads = 1;
        return latency(threads, std::strtoul(argv[3], nullptr, 10), argv[4]);
    }
    if (std::strcmp(argv[1], "e2e") == 0)
        return end_to_end(std::strtoul(argv[2], nullptr, 10), argv[3]);
    std::fprintf(stderr, "bench_quill: unknown mode %s\n", argv[1]);
    return 2;
}
