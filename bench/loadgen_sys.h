/* loadgen_sys.h: set-up helpers for bench/loadgen (included once): the staff login over a
 * plain blocking socket, /proc readings of the server, clocks and the file limit.
 * None of this runs while load is being measured, except the /proc reads at the window's
 * two edges.
 */
#ifndef RAPPORT_LOADGEN_SYS_H
#define RAPPORT_LOADGEN_SYS_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* CPU time this process has used (user + system), in nanoseconds. */
static int64_t self_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

/* Raises RLIMIT_NOFILE to at least `want` (the hard limit too, if allowed).
 * Returns 0, or -1 if the limit stays below `want`. */
static int raise_nofile(rlim_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -1;
	if (rl.rlim_cur >= want)
		return 0;
	if (rl.rlim_max < want) {
		struct rlimit up = {want, want};

		if (!setrlimit(RLIMIT_NOFILE, &up))
			return 0;
	}
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return -1;
	return rl.rlim_cur >= want ? 0 : -1;
}

struct proc_sample {
	int ok;
	int64_t cpu_ticks; /* utime + stime */
	int64_t rss_kib;
	int64_t at_ns;
};

/* Reads utime+stime from /proc/PID/stat and VmRSS from /proc/PID/status. */
static struct proc_sample proc_read(int pid)
{
	struct proc_sample s = {0};
	char path[64], line[1024];
	FILE *f;

	s.at_ns = mono_ns();
	if (pid <= 0)
		return s;
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return s;
	if (fgets(line, sizeof line, f)) {
		/* fields after "(comm)": state is field 3, utime 14, stime 15 */
		char *p = strrchr(line, ')');
		unsigned long long ut = 0, st = 0;

		if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
				&st) == 2) {
			s.cpu_ticks = (int64_t)(ut + st);
			s.ok = 1;
		}
	}
	fclose(f);
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f) {
		s.ok = 0;
		return s;
	}
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "VmRSS:", 6))
			s.rss_kib = strtoll(line + 6, NULL, 10);
	fclose(f);
	return s;
}

/* POST /api/v1/login to 127.0.0.1:port over a blocking socket (5 s timeout) and copies
 * "rapport_session=..." from Set-Cookie into cookie. Returns 0, or -1 with a reason in
 * err. This is set-up, not load: one request per staff account. */
static int http_login(int port, const char *email, const char *password, char *cookie,
		      size_t cookie_cap, char *err, size_t err_cap)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timeval tv = {.tv_sec = 5};
	struct buf body = {0}, req = {0};
	char resp[8192];
	size_t got = 0;
	int fd, rc = -1, status = 0;
	char *p, *end;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	buf_putc(&body, '{');
	json_kstr(&body, "email", email);
	json_kstr(&body, "password", password);
	json_close(&body, '}');
	buf_printf(&req,
		   "POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
		   "Content-Type: application/json\r\nContent-Length: %zu\r\n"
		   "Connection: close\r\n\r\n",
		   port, body.len);
	buf_put(&req, body.data, body.len);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || req.oom) {
		snprintf(err, err_cap, "socket: %s", strerror(errno));
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
		snprintf(err, err_cap, "connect 127.0.0.1:%d: %s", port, strerror(errno));
		goto out;
	}
	if (write(fd, req.data, req.len) != (ssize_t)req.len) {
		snprintf(err, err_cap, "write: %s", strerror(errno));
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, resp + got, sizeof resp - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == sizeof resp - 1)
			break;
	}
	resp[got] = '\0';
	if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1 || status != 200) {
		snprintf(err, err_cap, "login %s: HTTP status %d", email, status);
		goto out;
	}
	p = strcasestr(resp, "\r\nSet-Cookie: rapport_session=");
	if (!p) {
		snprintf(err, err_cap, "login %s: no rapport_session cookie", email);
		goto out;
	}
	p += strlen("\r\nSet-Cookie: ");
	end = p + strcspn(p, ";\r\n");
	if ((size_t)(end - p) >= cookie_cap) {
		snprintf(err, err_cap, "login %s: cookie too long", email);
		goto out;
	}
	memcpy(cookie, p, (size_t)(end - p));
	cookie[end - p] = '\0';
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	buf_free(&body);
	buf_free(&req);
	return rc;
}

#endif
