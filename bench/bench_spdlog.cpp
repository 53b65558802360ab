// The peer of bench_alog: spdlog's async logger writing the identical 100-byte lines with
// pattern "%v" to a basic file sink, measured by the same harness.
//   bench_spdlog latency THREADS CALLS DIR | e2e LINES DIR
#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bench_harness.h"

namespace
{

constexpr size_t kWarmup = 10000;
constexpr size_t kPool = 64;
char lines[kPool][BENCH_LINE_BYTES];

// A bench_worker's run; its target is the logger.
void *measure(void *arg)
{
    auto *w = static_cast<bench_worker *>(arg);
    bench_pin(w->cpu);
    for (size_t i = 0; i < kWarmup; i++)
        static_cast<spdlog::logger *>(w->target)->log(
            spdlog::level::info, spdlog::string_view_t(lines[i % kPool], BENCH_LINE_BYTES));
    pthread_barrier_wait(w->start);
    BENCH_MEASURE(w, lines,
                  static_cast<spdlog::logger *>(w->target)->log(
                      spdlog::level::info, spdlog::string_view_t(line, BENCH_LINE_BYTES)));
    return nullptr;
}

std::shared_ptr<spdlog::logger> open_logger(const std::string &path, size_t queue_items)
{
    // One worker thread like alog's writer; a queue with room for the whole run, and the
    // default "block" overflow policy so no line is dropped.
    spdlog::init_thread_pool(queue_items, 1);
    auto lg = spdlog::basic_logger_mt<spdlog::async_factory>("bench", path, true);
    lg->set_pattern("%v");
    return lg;
}

void fsync_path(const std::string &path)
{
    int fd = open(path.c_str(), O_WRONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int latency(int threads, size_t calls, const std::string &dir)
{
    double tpn = bench_ticks_per_ns();
    uint64_t overhead = bench_timer_overhead();
    std::string path = dir + "/spdlog.txt";
    // A queue of the same bytes as alog's default 4 MiB: about 32 K of these lines.
    auto lg = open_logger(path, 32 * 1024);
    void *targets[BENCH_MAX_THREADS];
    for (int i = 0; i < threads; i++)
        targets[i] = lg.get();
    uint64_t *all = bench_samples(calls * static_cast<size_t>(threads));
    size_t n_bursts = bench_bursts(calls) * static_cast<size_t>(threads);
    uint64_t *bursts = bench_samples(n_bursts + 1);
    bench_run_workers(measure, targets, threads, calls, overhead, tpn, all, bursts);
    lg.reset();
    spdlog::shutdown();
    bench_report_latency("spdlog", threads, all, calls * static_cast<size_t>(threads), bursts,
                         n_bursts, tpn);
    return 0;
}

int end_to_end(size_t n, const std::string &dir)
{
    std::string path = dir + "/spdlog.txt";
    // The queue holds what alog's 64 MiB queue holds of these lines, about 512 K.
    auto lg = open_logger(path, 512 * 1024);
    double t0 = bench_now();
    for (size_t i = 0; i < n; i++)
        lg->log(spdlog::level::info, spdlog::string_view_t(lines[i % kPool], BENCH_LINE_BYTES));
    lg.reset();
    spdlog::shutdown(); // joins the worker once the queue is written
    fsync_path(path);
    double t1 = bench_now();
    std::printf("spdlog e2e lines=%zu seconds=%.3f lines_per_s=%.0f peak_rss_kib=%ld\n", n, t1 - t0,
                static_cast<double>(n) / (t1 - t0), bench_peak_rss_kib());
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 4) {
        std::fprintf(stderr, "usage: bench_spdlog latency THREADS CALLS DIR | e2e LINES DIR\n");
        return 2;
    }
    for (size_t i = 0; i < kPool; i++)
        bench_make_line(lines[i], i);
    if (std::strcmp(argv[1], "latency") == 0 && argc == 5) {
        int threads = std::atoi(argv[2]);
        if (threads < 1 || threads > BENCH_MAX_THREADS)
            threads = 1;
        return latency(threads, std::strtoul(argv[3], nullptr, 10), argv[4]);
    }
    if (std::strcmp(argv[1], "e2e") == 0)
        return end_to_end(std::strtoul(argv[2], nullptr, 10), argv[3]);
    std::fprintf(stderr, "bench_spdlog: unknown mode %s\n", argv[1]);
    return 2;
}
