/* rankprog: a non-MPI program for the launcher tests. It learns its rank from PMI_RANK and does
 * one thing per mode:
 *   lines N LEN        write N checkable lines of LEN bytes to stdout and stderr, in writes of
 *                      random sizes that split lines ("<rank> <i> <len> xxx...x|")
 *   longline LEN       write one line of LEN bytes (same format, i = 0)
 *   partial            write "partial-<rank>" with no newline
 *   ready              print "ready <rank>" and wait for signals forever
 *   usr1               print "ready <rank>", wait for SIGUSR1, print "usr1 <rank>", exit 0
 *   die R SIG          rank R prints "ready R <ms>" and raises SIG once every rank printed
 *                      ready (stdin-free handshake through a directory in $RANKPROG_DIR);
 *                      other ranks ignore SIGTERM and wait forever
 *   exit CODE [R]      exit with CODE (only rank R when given, the others exit 0)
 *   cat                rank 0 copies stdin to stdout; others report the bytes on stdin
 *   bgchild            leave a grandchild holding stdout open, then exit 0
 *   shm                create /dev/shm/kurir-$PMI_JOBID-rank<r> and exit 0 without removing it
 *   env VAR            print VAR's value (or "<unset>") */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int rank = -1;

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0) {
            exit(90);
        }
        p += w;
        n -= (size_t) w;
    }
}

/* "<rank> <i> <len> " then 'x' up to len-1, then '|' and a newline (len excludes it). */
static size_t make_line(char *buf, int i, size_t len)
{
    int n = snprintf(buf, len, "%d %d %zu ", rank, i, len);

    memset(buf + n, 'a' + (rank % 26), len - (size_t) n - 1);
    buf[len - 1] = '|';
    buf[len] = '\n';
    return len + 1;
}

static void mode_lines(int nlines, size_t len)
{
    char *line = malloc(len + 1);
    unsigned seed = (unsigned) (getpid() * 2654435761u);

    for (int i = 0; i < nlines; i++) {
        size_t n = make_line(line, i, len), off = 0;
        int fd = (i % 2 == 0) ? STDOUT_FILENO : STDERR_FILENO;

        /* Split each line into random pieces so partial lines sit in the pipe. */
        while (off < n) {
            size_t piece = 1 + (size_t) (rand_r(&seed) % 97);

            piece = piece < n - off ? piece : n - off;
            write_all(fd, line + off, piece);
            off += piece;
        }
    }
    free(line);
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void handshake_wait(int size)
{
    const char *dir = getenv("RANKPROG_DIR");
    char path[512];
    int n;

    if (dir == NULL) {
        return;
    }
    snprintf(path, sizeof(path), "%s/ready.%d", dir, rank);
    close(open(path, O_CREAT | O_WRONLY, 0600));
    do {
        struct timespec ts = { 0, 2000000 };

        n = 0;
        for (int r = 0; r < size; r++) {
            snprintf(path, sizeof(path), "%s/ready.%d", dir, r);
            n += access(path, F_OK) == 0;
        }
        nanosleep(&ts, NULL); /* polling a condition, not sleeping instead of one */
    } while (n < size);
}

static void mode_die(int who, int sig)
{
    int size = getenv("PMI_SIZE") != NULL ? atoi(getenv("PMI_SIZE")) : 1;

    if (rank != who) {
        signal(SIGTERM, SIG_IGN); /* so that mpirun has to escalate to SIGKILL */
        printf("ready %d\n", rank);
        fflush(stdout);
        handshake_wait(size);
        for (;;) {
            pause();
        }
    }
    handshake_wait(size);
    printf("ready %d %lld\n", rank, now_ms());
    fflush(stdout);
    signal(sig, SIG_DFL); /* sanitizers install their own SIGSEGV handler */
    raise(sig);
    exit(99);
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
    (void) sig;
    got_usr1 = 1;
}

static void mode_cat(void)
{
    char buf[65536];
    long long total = 0;
    ssize_t n;

    while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0) {
        if (rank == 0) {
            write_all(STDOUT_FILENO, buf, (size_t) n);
        }
        total += n;
    }
    if (rank != 0) {
        printf("rank %d read %lld bytes\n", rank, total);
    }
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";

    rank = getenv("PMI_RANK") != NULL ? atoi(getenv("PMI_RANK")) : 0;
    if (strcmp(mode, "lines") == 0 && argc > 3) {
        mode_lines(atoi(argv[2]), (size_t) atol(argv[3]));
    } else if (strcmp(mode, "longline") == 0 && argc > 2) {
        char *line = malloc((size_t) atol(argv[2]) + 1);

        write_all(STDOUT_FILENO, line, make_line(line, 0, (size_t) atol(argv[2])));
        free(line);
    } else if (strcmp(mode, "partial") == 0) {
        printf("partial-%d", rank);
    } else if (strcmp(mode, "ready") == 0) {
        printf("ready %d\n", rank);
        fflush(stdout);
        for (;;) {
            pause();
        }
    } else if (strcmp(mode, "usr1") == 0) {
        sigset_t block, old;

        signal(SIGUSR1, on_usr1);
        sigemptyset(&block);
        sigaddset(&block, SIGUSR1);
        sigprocmask(SIG_BLOCK, &block, &old);
        printf("ready %d\n", rank);
        fflush(stdout);
        while (!got_usr1) {
            sigsuspend(&old);
        }
        printf("usr1 %d\n", rank);
    } else if (strcmp(mode, "die") == 0 && argc > 3) {
        mode_die(atoi(argv[2]), atoi(argv[3]));
    } else if (strcmp(mode, "exit") == 0 && argc > 2) {
        return (argc > 3 && atoi(argv[3]) != rank) ? 0 : atoi(argv[2]);
    } else if (strcmp(mode, "cat") == 0) {
        mode_cat();
    } else if (strcmp(mode, "bgchild") == 0) {
        if (fork() == 0) {
            for (;;) {
                pause();
            }
        }
        printf("parent %d done\n", rank);
    } else if (strcmp(mode, "shm") == 0) {
        char path[512];

        snprintf(path, sizeof(path), "/dev/shm/kurir-%s-rank%d", getenv("PMI_JOBID"), rank);
        close(open(path, O_CREAT | O_WRONLY, 0600));
        printf("created %s\n", path);
    } else if (strcmp(mode, "env") == 0 && argc > 2) {
        printf("%s\n", getenv(argv[2]) != NULL ? getenv(argv[2]) : "<unset>");
    } else {
        fprintf(stderr, "rankprog: unknown mode '%s'\n", mode);
        return 64;
    }
    return 0;
}
