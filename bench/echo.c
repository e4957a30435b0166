/* echo.c: the machine's limit, for comparison: a minimal epoll TCP echo server and a
 * client that measures round trips per second, in one program.
 *
 *   echo server --port P [--cpu C] [--duration S] [--max-conns N]
 *   echo client --port P [--conns N] [--inflight K] [--duration S] [--size B]
 *               [--warmup S] [--cpu C] [--server-pid PID] [--json]
 *
 * Both are single-threaded, non-blocking, one level-triggered epoll loop, loopback only.
 * The client keeps K messages of B bytes in flight on each of N connections: whenever
 * whole messages come back it sends as many new ones, in one write per connection. The
 * stream is not framed; the server returns bytes as they come, as any echo does. What
 * this measures is the cost of the loop and its syscalls (epoll_wait, read, write) with
 * no parsing and no storage: the ceiling for any server doing the same round trips on
 * this machine. Everything is bounded: connections, in-flight bytes, run time.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 100000
#define MAX_INFLIGHT 1024
#define MAX_SIZE 65536
#define MAX_DURATION 3600
#define SERVER_BUF 65536
#define READ_BUF (256 * 1024)
#define EVENTS 1024

static const char usage[] =
	"Usage: echo server --port P [--cpu C] [--duration S] [--max-conns N]\n"
	"       echo client --port P [--conns N] [--inflight K] [--duration S] [--size B]\n"
	"                   [--warmup S] [--cpu C] [--server-pid PID] [--json]\n"
	"\n"
	"A minimal single-threaded epoll echo server on 127.0.0.1 and a client that keeps\n"
	"K messages of B bytes in flight on each of N connections and reports round trips\n"
	"per second: the machine's limit for rapport's throughput figures.\n"
	"\n"
	"  --port P          TCP port on 127.0.0.1 (required)\n"
	"  --cpu C           pin this process to CPU C\n"
	"  --duration S      client: seconds measured (5, at most 3600); server: exits after\n"
	"                    S seconds (600), or at SIGINT/SIGTERM\n"
	"  --max-conns N     server: connections held at once (100000)\n"
	"  --conns N         client: connections (500, at most 100000)\n"
	"  --inflight K      client: messages in flight per connection (8, at most 1024)\n"
	"  --size B          client: bytes per message (150, at most 65536)\n"
	"  --warmup S        client: seconds run before measuring (1)\n"
	"  --server-pid PID  client: also report that process's CPU use (from /proc)\n"
	"  --json            client: print one JSON object instead of one line\n";

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) != 0) {
		fprintf(stderr, "echo: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
		return -1;
	}
	return 0;
}

/* Raises the open-file limit to what `need` descriptors want, within the hard limit. */
static void raise_nofile(long need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || (long)rl.rlim_cur >= need + 64)
		return;
	rl.rlim_cur = (rlim_t)(need + 64) < rl.rlim_max ? (rlim_t)(need + 64) : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* ---- server -------------------------------------------------------------------------- */

/* Bytes read but not yet written back: a connection with a backlog stops reading until
 * the backlog is gone, so each holds at most SERVER_BUF bytes. */
struct sconn {
	char *buf;
	size_t off, len;
};

static void server_close(int ep, struct sconn *conns, int fd, long *n)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	free(conns[fd].buf);
	conns[fd] = (struct sconn){0};
	(*n)--;
}

static void server_watch(int ep, int fd, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.fd = fd};

	epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

/* Writes a connection's backlog; returns -1 if the connection failed. */
static int server_flush(int ep, struct sconn *c, int fd)
{
	while (c->len > 0) {
		ssize_t w = write(fd, c->buf + c->off, c->len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return 0;
		if (w <= 0)
			return -1;
		c->off += (size_t)w;
		c->len -= (size_t)w;
	}
	c->off = 0;
	server_watch(ep, fd, EPOLLIN);
	return 0;
}

/* Reads what a connection sent and writes it straight back; a short write keeps the
 * rest and waits for EPOLLOUT. Returns -1 when the connection is done. */
static int server_echo(int ep, struct sconn *c, int fd, char *buf)
{
	ssize_t r = read(fd, buf, SERVER_BUF), w = 0;

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r <= 0)
		return -1;
	while (w < r) {
		ssize_t n = write(fd, buf + w, (size_t)(r - w));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return -1;
		w += n;
	}
	if (w == r)
		return 0;
	if (!c->buf && !(c->buf = malloc(SERVER_BUF)))
		return -1;
	memcpy(c->buf, buf + w, (size_t)(r - w));
	c->off = 0;
	c->len = (size_t)(r - w);
	server_watch(ep, fd, EPOLLOUT);
	return 0;
}

/* Accepts every pending connection, closing those beyond the limits. */
static void server_accept(int ep, int lfd, long cap, long max_conns, long *n)
{
	int one = 1, c;

	while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct epoll_event ev = {.events = EPOLLIN, .data.fd = c};

		if (c >= cap || *n >= max_conns) {
			close(c);
			continue;
		}
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
		(*n)++;
	}
}

static int run_server(int port, double duration, long max_conns)
{
	struct sockaddr_in a = loopback(port);
	struct epoll_event ev = {.events = EPOLLIN}, evs[EVENTS];
	static char buf[SERVER_BUF];
	struct sconn *conns;
	long n = 0, cap = max_conns + 64;
	int one = 1, lfd, ep;
	double end = now_s() + duration;

	raise_nofile(cap);
	conns = calloc((size_t)cap, sizeof *conns);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!conns || lfd < 0 || ep < 0)
		return perror("echo server"), 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 4096) != 0) {
		fprintf(stderr, "echo server: port %d: %s\n", port, strerror(errno));
		return 1;
	}
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	fprintf(stderr, "echo server: listening on 127.0.0.1:%d\n", port);
	while (!g_stop && now_s() < end) {
		int k = epoll_wait(ep, evs, EVENTS, 200);

		for (int i = 0; i < k; i++) {
			int fd = evs[i].data.fd;

			if (fd == lfd) {
				server_accept(ep, lfd, cap, max_conns, &n);
				continue;
			}
			if (conns[fd].len > 0 ? server_flush(ep, &conns[fd], fd)
					      : server_echo(ep, &conns[fd], fd, buf))
				server_close(ep, conns, fd, &n);
		}
	}
	for (int fd = 0; fd < cap; fd++)
		free(conns[fd].buf);
	free(conns);
	close(ep);
	close(lfd);
	return 0;
}

/* ---- client ---------------------------------------------------------------------------- */

/* Latency histogram in microseconds: exact below 64, then 32 steps per power of two (about
 * 3% resolution), up to 2^40 us. */
#define HIST_BUCKETS (64 + 35 * 32)

static int hist_index(uint64_t us)
{
	int e;

	if (us < 64)
		return (int)us;
	e = 63 - __builtin_clzll(us);
	if (e > 40)
		return HIST_BUCKETS - 1;
	return 64 + (e - 6) * 32 + (int)((us >> (e - 5)) & 31);
}

/* The largest value that lands in bucket i (an upper bound for percentiles). */
static uint64_t hist_value(int i)
{
	int e, sub;

	if (i < 64)
		return (uint64_t)i;
	e = (i - 64) / 32 + 6;
	sub = (i - 64) % 32;
	return ((uint64_t)(32 + sub + 1) << (e - 5)) - 1;
}

struct cconn {
	int fd;
	int connected;
	int out_watched; /* EPOLLOUT requested after a short write */
	uint64_t rx; /* bytes received */
	uint64_t done; /* whole messages received */
	size_t owed; /* bytes queued but not yet written */
	int64_t *sent; /* ring of send times of the messages in flight */
	unsigned head, count;
};

struct client {
	int ep, conns, inflight, size, errors;
	struct cconn *c;
	char *pattern;
	size_t pattern_len;
	int64_t measure_from, measure_to; /* ns */
	uint64_t counted, hist[HIST_BUCKETS], max_us;
};

static void client_fail(struct client *cl, struct cconn *c)
{
	epoll_ctl(cl->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	cl->errors++;
}

static void client_watch(struct client *cl, struct cconn *c, int out)
{
	struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0u), .data.ptr = c};

	if (c->out_watched == out)
		return;
	c->out_watched = out;
	epoll_ctl(cl->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Queues n new messages sent at `now`. */
static void client_queue(struct client *cl, struct cconn *c, int n, int64_t now)
{
	for (int i = 0; i < n; i++) {
		c->sent[(c->head + c->count) % (unsigned)cl->inflight] = now;
		c->count++;
	}
	c->owed += (size_t)n * (size_t)cl->size;
}

/* Writes everything owed (one write unless it is larger than the pattern buffer). */
static void client_write(struct client *cl, struct cconn *c)
{
	while (c->owed > 0) {
		size_t n = c->owed < cl->pattern_len ? c->owed : cl->pattern_len;
		ssize_t w = write(c->fd, cl->pattern, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			client_watch(cl, c, 1);
			return;
		}
		if (w <= 0) {
			client_fail(cl, c);
			return;
		}
		c->owed -= (size_t)w;
	}
	client_watch(cl, c, 0);
}

static void client_read(struct client *cl, struct cconn *c, char *buf)
{
	ssize_t r = read(c->fd, buf, READ_BUF);
	int64_t now;
	int fresh;

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		client_fail(cl, c);
		return;
	}
	now = now_ns();
	c->rx += (uint64_t)r;
	fresh = (int)(c->rx / (uint64_t)cl->size - c->done);
	c->done += (uint64_t)fresh;
	for (int i = 0; i < fresh; i++) {
		int64_t sent = c->sent[c->head];

		c->head = (c->head + 1) % (unsigned)cl->inflight;
		c->count--;
		if (now >= cl->measure_from && now < cl->measure_to) {
			uint64_t us = (uint64_t)(now - sent) / 1000;

			cl->counted++;
			cl->hist[hist_index(us)]++;
			if (us > cl->max_us)
				cl->max_us = us;
		}
	}
	if (now < cl->measure_to)
		client_queue(cl, c, fresh, now);
	client_write(cl, c);
}

static void client_event(struct client *cl, struct cconn *c, uint32_t events, char *buf)
{
	if (c->fd < 0)
		return;
	if (!c->connected) {
		int err = 0;
		socklen_t len = sizeof err;

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err) {
			client_fail(cl, c);
			return;
		}
		c->connected = 1;
		client_queue(cl, c, cl->inflight, now_ns());
		client_write(cl, c);
		return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		client_read(cl, c, buf);
	else if (events & EPOLLOUT)
		client_write(cl, c);
}

/* utime + stime of a process in seconds, from /proc; -1 if unreadable. */
static double proc_cpu(long pid)
{
	char path[64], line[1024], *p;
	unsigned long ut, st;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if (!(f = fopen(path, "r")))
		return -1;
	p = fgets(line, sizeof line, f);
	fclose(f);
	/* the command name may hold spaces: fields resume after the last ')' */
	if (!p || !(p = strrchr(line, ')')) ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static uint64_t percentile(const struct client *cl, double q)
{
	uint64_t want = (uint64_t)((double)cl->counted * q), seen = 0;

	for (int i = 0; i < HIST_BUCKETS; i++) {
		seen += cl->hist[i];
		if (seen > want)
			return hist_value(i) < cl->max_us ? hist_value(i) : cl->max_us;
	}
	return cl->max_us;
}

/* Connects every connection, waits for all (5 s at most), then runs the warm-up and the
 * measured window in one loop. */
static int client_loop(struct client *cl, int port, double warmup, double duration, long server_pid,
		       int json)
{
	struct sockaddr_in a = loopback(port);
	struct epoll_event evs[EVENTS];
	static char buf[READ_BUF];
	int one = 1, live = 0;
	double cpu0 = 0, scpu0 = -1, cpu1, scpu1 = -1, secs, t_conn = now_s();
	uint64_t p50, p90, p99, p999;
	char scpu_json[32] = "null";

	for (int i = 0; i < cl->conns; i++) {
		struct cconn *c = &cl->c[i];
		struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};

		c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd < 0) {
			cl->errors++;
			continue;
		}
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS) {
			close(c->fd);
			c->fd = -1;
			cl->errors++;
			continue;
		}
		c->out_watched = 1;
		epoll_ctl(cl->ep, EPOLL_CTL_ADD, c->fd, &ev);
	}
	/* the measured window starts once everyone is connected and the warm-up is over */
	cl->measure_from = cl->measure_to = INT64_MAX;
	for (;;) {
		int k = epoll_wait(cl->ep, evs, EVENTS, 100);
		int64_t now = now_ns();

		for (int i = 0; i < k; i++)
			client_event(cl, evs[i].data.ptr, evs[i].events, buf);
		if (g_stop)
			break;
		if (cl->measure_from == INT64_MAX) {
			live = 0;
			for (int i = 0; i < cl->conns; i++)
				live += cl->c[i].fd >= 0 && cl->c[i].connected;
			if (live + cl->errors >= cl->conns || now_s() - t_conn > 5) {
				cl->measure_from = now + (int64_t)(warmup * 1e9);
				cl->measure_to = cl->measure_from + (int64_t)(duration * 1e9);
				cpu0 = -1;
			}
			continue;
		}
		if (cpu0 < 0 && now >= cl->measure_from) {
			cpu0 = self_cpu();
			scpu0 = server_pid > 0 ? proc_cpu(server_pid) : -1;
		}
		if (now >= cl->measure_to)
			break;
	}
	cpu1 = self_cpu();
	scpu1 = scpu0 >= 0 ? proc_cpu(server_pid) : -1;
	for (int i = 0; i < cl->conns; i++)
		if (cl->c[i].fd >= 0)
			close(cl->c[i].fd);
	if (g_stop || cpu0 < 0) {
		fprintf(stderr, "echo client: stopped before the measured window ended\n");
		return 1;
	}
	secs = duration;
	p50 = percentile(cl, 0.5), p90 = percentile(cl, 0.9), p99 = percentile(cl, 0.99);
	p999 = percentile(cl, 0.999);
	if (scpu1 >= 0)
		snprintf(scpu_json, sizeof scpu_json, "%.2f", (scpu1 - scpu0) / duration);
	if (json)
		printf("{\"conns\":%d,\"connected\":%d,\"inflight\":%d,\"size\":%d,"
		       "\"duration_s\":%.2f,"
		       "\"round_trips\":%llu,\"round_trips_per_s\":%.0f,\"mib_per_s\":%.1f,"
		       "\"rtt_us\":{\"p50\":%llu,\"p90\":%llu,\"p99\":%llu,\"p999\":%llu,"
		       "\"max\":%llu},\"client_cpu\":%.2f,\"server_cpu\":%s,\"errors\":%d}\n",
		       cl->conns, live, cl->inflight, cl->size, secs,
		       (unsigned long long)cl->counted, (double)cl->counted / secs,
		       (double)cl->counted * cl->size / secs / 1048576.0, (unsigned long long)p50,
		       (unsigned long long)p90, (unsigned long long)p99, (unsigned long long)p999,
		       (unsigned long long)cl->max_us, (cpu1 - cpu0) / secs, scpu_json, cl->errors);
	else {
		char server_cpu[48] = "";

		if (scpu1 >= 0)
			snprintf(server_cpu, sizeof server_cpu, ", server CPU %.0f%%",
				 100 * (scpu1 - scpu0) / secs);
		printf("echo: %d conns x %d in flight x %d B: %.0f round trips/s (%llu in %.2f s, "
		       "%.1f MiB/s each way); rtt us p50 %llu p90 %llu p99 %llu p99.9 %llu max "
		       "%llu; client CPU %.0f%%%s; %d errors\n",
		       live, cl->inflight, cl->size, (double)cl->counted / secs,
		       (unsigned long long)cl->counted, secs,
		       (double)cl->counted * cl->size / secs / 1048576.0, (unsigned long long)p50,
		       (unsigned long long)p90, (unsigned long long)p99, (unsigned long long)p999,
		       (unsigned long long)cl->max_us, 100 * (cpu1 - cpu0) / secs, server_cpu,
		       cl->errors);
	}
	return cl->errors || cl->counted == 0;
}

static int run_client(int port, int conns, int inflight, int size, double warmup, double duration,
		      long server_pid, int json)
{
	struct client cl = {.conns = conns, .inflight = inflight, .size = size};
	int rc;

	raise_nofile(conns);
	cl.ep = epoll_create1(EPOLL_CLOEXEC);
	cl.c = calloc((size_t)conns, sizeof *cl.c);
	cl.pattern_len = (size_t)inflight * (size_t)size;
	if (cl.pattern_len > READ_BUF)
		cl.pattern_len = READ_BUF;
	cl.pattern = malloc(cl.pattern_len);
	if (cl.ep < 0 || !cl.c || !cl.pattern)
		return perror("echo client"), 1;
	for (size_t i = 0; i < cl.pattern_len; i++)
		cl.pattern[i] = (char)('a' + i % 26);
	for (int i = 0; i < conns; i++) {
		cl.c[i].fd = -1;
		if (!(cl.c[i].sent = calloc((size_t)inflight, sizeof *cl.c[i].sent)))
			return perror("echo client"), 1;
	}
	rc = client_loop(&cl, port, warmup, duration, server_pid, json);
	for (int i = 0; i < conns; i++)
		free(cl.c[i].sent);
	free(cl.c);
	free(cl.pattern);
	close(cl.ep);
	return rc;
}

/* ---- command line ---------------------------------------------------------------------- */

static int parse_num(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (*s == '\0' || *end || !(v >= lo && v <= hi))
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"port", 1, 0, 'p'},	  {"cpu", 1, 0, 'c'},	 {"duration", 1, 0, 'd'},
		{"max-conns", 1, 0, 'M'}, {"conns", 1, 0, 'n'},	 {"inflight", 1, 0, 'k'},
		{"size", 1, 0, 's'},	  {"warmup", 1, 0, 'w'}, {"server-pid", 1, 0, 'P'},
		{"json", 0, 0, 'j'},	  {"help", 0, 0, 'h'},	 {0, 0, 0, 0}};
	double port = 0, cpu = -1, duration = -1, max_conns = MAX_CONNS, conns = 500, inflight = 8,
	       size = 150, warmup = 1, server_pid = 0;
	int server, json = 0, bad = 0, c;
	struct sigaction sa = {.sa_handler = on_signal};

	if (argc < 2 || (strcmp(argv[1], "server") && strcmp(argv[1], "client"))) {
		fputs(usage, argc > 1 && !strcmp(argv[1], "--help") ? stdout : stderr);
		return argc > 1 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	server = strcmp(argv[1], "server") == 0;
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': bad |= parse_num(optarg, 1, 65535, &port); break;
		case 'c': bad |= parse_num(optarg, 0, CPU_SETSIZE - 1, &cpu); break;
		case 'd': bad |= parse_num(optarg, 0.1, MAX_DURATION, &duration); break;
		case 'M': bad |= parse_num(optarg, 1, MAX_CONNS, &max_conns); break;
		case 'n': bad |= parse_num(optarg, 1, MAX_CONNS, &conns); break;
		case 'k': bad |= parse_num(optarg, 1, MAX_INFLIGHT, &inflight); break;
		case 's': bad |= parse_num(optarg, 1, MAX_SIZE, &size); break;
		case 'w': bad |= parse_num(optarg, 0, 60, &warmup); break;
		case 'P': bad |= parse_num(optarg, 1, 1 << 22, &server_pid); break;
		case 'j': json = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		default: bad = 1;
		}
	}
	if (bad || optind < argc || port < 1) {
		fputs(usage, stderr);
		return 2;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (cpu >= 0 && pin_cpu((int)cpu))
		return 1;
	if (server)
		return run_server((int)port, duration > 0 ? duration : 600, (long)max_conns);
	return run_client((int)port, (int)conns, (int)inflight, (int)size, warmup,
			  duration > 0 ? duration : 5, (long)server_pid, json);
}
