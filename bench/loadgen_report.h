/* loadgen_report.h: the results of bench/loadgen, as a table or one JSON object
 * (included once, after the state). */
#ifndef RAPPORT_LOADGEN_REPORT_H
#define RAPPORT_LOADGEN_REPORT_H

#define CPU_LIMIT 0.70

struct results {
	double window_s, loadgen_share, server_cpu_pct;
	double staff_per_s, patron_per_s, pairs_per_s, idle_per_s, idle_rss_kib;
	/* CPU during the patron set-ups; setup_valid: this process stayed under CPU_LIMIT */
	double setup_loadgen_share, setup_server_cpu_pct;
	uint64_t errors;
	int valid, complete, held, setup_valid;
};

static double per_s(double n, int64_t from, int64_t to)
{
	return to > from ? n * 1e9 / (double)(to - from) : 0;
}

/* The server's CPU between two samples `ns` nanoseconds apart, in % of one core (0 if
 * either sample could not be read). */
static double server_cpu_pct(const struct proc_sample *a, const struct proc_sample *b, int64_t ns)
{
	long tck = sysconf(_SC_CLK_TCK);

	if (!a->ok || !b->ok || tck <= 0 || ns <= 0)
		return 0;
	return (double)(b->cpu_ticks - a->cpu_ticks) / (double)tck / ((double)ns / 1e9) * 100.0;
}

static struct results compute(void)
{
	struct results r = {0};

	if (g.w1 > g.w0) {
		r.window_s = (double)(g.w1 - g.w0) / 1e9;
		r.loadgen_share = (double)(g.cpu1 - g.cpu0) / (double)(g.w1 - g.w0);
		r.server_cpu_pct = server_cpu_pct(&g.srv0, &g.srv1, g.w1 - g.w0);
	}
	r.staff_per_s = per_s(g.staff_ready, g.t_login, g.t_staff_done);
	r.patron_per_s = per_s(g.pairs_joined, g.t_pairs, g.t_joined_last);
	r.pairs_per_s = per_s(g.pairs_ready, g.t_pairs, g.t_pairs_done);
	r.idle_per_s = per_s(g.idle_ready, g.t_idle, g.t_idle_done);
	if (g.t_pairs_done > g.t_pairs) {
		int64_t ns = g.t_pairs_done - g.t_pairs;

		r.setup_loadgen_share = (double)(g.cpu_pairs1 - g.cpu_pairs0) / (double)ns;
		r.setup_server_cpu_pct = server_cpu_pct(&g.srv_pairs0, &g.srv_pairs1, ns);
		r.setup_valid = r.setup_loadgen_share <= CPU_LIMIT;
	}
	if (g.o.idle && g.srv_idle0.ok && g.srv_idle1.ok)
		r.idle_rss_kib = (double)(g.srv_idle1.rss_kib - g.srv_idle0.rss_kib) / g.o.idle;
	r.errors = g.err_connect + g.err_close + g.err_order + g.err_overflow + g.err_proto +
		   g.err_timeout;
	for (int i = 0; i < g.n_errs; i++)
		r.errors += g.errs[i].n;
	r.complete = g.sent_total == g.acked_total && g.sent_total == g.delivered_total;
	r.valid = !g.aborted && g.w1 > g.w0 && r.loadgen_share <= CPU_LIMIT;
	r.held = g.held;
	return r;
}

static void json_kdbl(struct buf *b, const char *key, double v)
{
	buf_printf(b, "\"%s\":%.3f,", key, v);
}

static void json_hist(struct buf *b, const char *key, const struct hist *h)
{
	buf_printf(b, "\"%s\":{", key);
	json_kint(b, "count", (int64_t)h->count);
	json_kdbl(b, "p50", hist_quantile(h, 0.50) / 1e3);
	json_kdbl(b, "p90", hist_quantile(h, 0.90) / 1e3);
	json_kdbl(b, "p99", hist_quantile(h, 0.99) / 1e3);
	json_kdbl(b, "p999", hist_quantile(h, 0.999) / 1e3);
	json_kdbl(b, "max", (double)h->max / 1e3);
	json_kdbl(b, "mean", h->count ? (double)h->sum / (double)h->count / 1e3 : 0);
	json_close(b, '}');
	buf_putc(b, ',');
}

static void print_json(const struct results *r)
{
	struct buf b = {0};

	buf_putc(&b, '{');
	json_kbool(&b, "valid", r->valid);
	json_kbool(&b, "ok", !g.aborted && !r->errors && r->complete);
	json_kstr(&b, "abort_reason", g.aborted ? g.abort_reason : NULL);
	json_kstr(&b, "mode", g.o.mode == M_RATE ? "rate" : "saturate");
	json_kint(&b, "pairs", g.o.pairs);
	json_kint(&b, "staff_conns", g.o.staff);
	json_kint(&b, "staff_accounts", g.n_acct);
	json_kint(&b, "idle", g.o.idle);
	json_kint(&b, "inflight", g.o.inflight);
	json_kdbl(&b, "rate_offered", g.o.mode == M_RATE ? g.o.rate : 0);
	json_kint(&b, "text_bytes", g.o.text_bytes);
	json_kint(&b, "duration_s", g.o.duration);
	json_kint(&b, "warmup_s", g.o.warmup);
	json_kint(&b, "seed", (int64_t)g.o.seed);
	json_kdbl(&b, "window_s", r->window_s);
	json_kint(&b, "connections_held", r->held);
	buf_puts(&b, "\"setup\":{");
	json_kdbl(&b, "staff_per_s", r->staff_per_s);
	json_kdbl(&b, "patron_per_s", r->patron_per_s);
	json_kdbl(&b, "pairs_per_s", r->pairs_per_s);
	json_kdbl(&b, "idle_per_s", r->idle_per_s);
	json_kdbl(&b, "loadgen_cpu_pct", r->setup_loadgen_share * 100.0);
	json_kdbl(&b, "server_cpu_pct", r->setup_server_cpu_pct);
	json_kbool(&b, "valid", r->setup_valid);
	json_close(&b, '}');
	buf_puts(&b, ",\"messages\":{");
	json_kint(&b, "sent", (int64_t)g.sent_win);
	json_kint(&b, "acked", (int64_t)g.acked_win);
	json_kint(&b, "delivered", (int64_t)g.delivered_win);
	json_kdbl(&b, "sent_per_s", r->window_s > 0 ? (double)g.sent_win / r->window_s : 0);
	json_kdbl(&b, "acked_per_s", r->window_s > 0 ? (double)g.acked_win / r->window_s : 0);
	json_kdbl(&b, "delivered_per_s",
		  r->window_s > 0 ? (double)g.delivered_win / r->window_s : 0);
	json_kint(&b, "late", (int64_t)g.late_win);
	json_kint(&b, "total_sent", (int64_t)g.sent_total);
	json_kint(&b, "total_acked", (int64_t)g.acked_total);
	json_kint(&b, "total_delivered", (int64_t)g.delivered_total);
	json_kint(&b, "total_late", (int64_t)g.late_total);
	json_kbool(&b, "complete", r->complete);
	json_close(&b, '}');
	buf_puts(&b, ",\"latency_us\":{");
	json_hist(&b, "ack", &g.h_ack);
	json_hist(&b, "delivery", &g.h_del);
	json_close(&b, '}');
	buf_puts(&b, ",\"errors\":{");
	json_kint(&b, "total", (int64_t)r->errors);
	buf_puts(&b, "\"frames\":{");
	for (int i = 0; i < g.n_errs; i++) {
		json_str(&b, g.errs[i].code);
		buf_printf(&b, ":%llu,", (unsigned long long)g.errs[i].n);
	}
	json_close(&b, '}');
	buf_putc(&b, ',');
	json_kint(&b, "connect_failed", (int64_t)g.err_connect);
	json_kint(&b, "unexpected_closes", (int64_t)g.err_close);
	json_kint(&b, "last_close_code", g.last_close_code);
	json_kint(&b, "timeouts", (int64_t)g.err_timeout);
	json_kint(&b, "out_of_order", (int64_t)g.err_order);
	json_kint(&b, "overflow", (int64_t)g.err_overflow);
	json_kint(&b, "protocol", (int64_t)g.err_proto);
	json_close(&b, '}');
	buf_puts(&b, ",\"server\":{");
	json_kint(&b, "pid", g.o.server_pid);
	json_kdbl(&b, "cpu_pct", r->server_cpu_pct);
	json_kint(&b, "rss_kib_start", g.srv0.rss_kib);
	json_kint(&b, "rss_kib_end", g.srv1.rss_kib);
	json_kdbl(&b, "idle_rss_kib_per_conn", r->idle_rss_kib);
	json_close(&b, '}');
	buf_puts(&b, ",\"loadgen\":{");
	json_kdbl(&b, "cpu_pct", r->loadgen_share * 100.0);
	json_kint(&b, "echoes", (int64_t)g.echoes);
	json_close(&b, '}');
	buf_puts(&b, "}\n");
	if (!b.oom)
		fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

static void print_lat(const char *name, const struct hist *h)
{
	printf("  %-16s %9.3f %9.3f %9.3f %9.3f %9.3f %10llu\n", name, hist_quantile(h, 0.50) / 1e6,
	       hist_quantile(h, 0.90) / 1e6, hist_quantile(h, 0.99) / 1e6,
	       hist_quantile(h, 0.999) / 1e6, (double)h->max / 1e6, (unsigned long long)h->count);
}

static void print_table(const struct results *r)
{
	double w = r->window_s > 0 ? r->window_s : 1;

	if (g.o.mode == M_RATE)
		printf("mode              rate %.0f msg/s offered (Poisson), late above %d "
		       "outstanding\n",
		       g.o.rate, g.o.inflight);
	else
		printf("mode              saturate, %d in flight per side of each chat\n",
		       g.o.inflight);
	printf("clients           %d pairs, %d staff connections (%d accounts), %d idle; "
	       "%d-byte texts; seed %llu\n",
	       g.o.pairs, g.o.staff, g.n_acct, g.o.idle, g.o.text_bytes,
	       (unsigned long long)g.o.seed);
	printf("window            %.2f s measured after %d s warm-up\n", r->window_s, g.o.warmup);
	printf("connections held  %d\n", r->held);
	printf("set-ups/s         staff (login+hello) %.0f, patrons (hello..join ack) %.0f, "
	       "pairs picked %.0f",
	       r->staff_per_s, r->patron_per_s, r->pairs_per_s);
	if (g.o.idle)
		printf(", idle (hello..welcome) %.0f", r->idle_per_s);
	printf("\n                  while patrons set up: load generator CPU %.0f%% of one "
	       "core%s, server CPU %.0f%%",
	       r->setup_loadgen_share * 100.0,
	       r->setup_valid ? "" : " (over the limit: the set-up rate is a lower bound)",
	       r->setup_server_cpu_pct);
	printf("\nmessages          sent %llu, acked %llu, delivered %llu in the window\n",
	       (unsigned long long)g.sent_win, (unsigned long long)g.acked_win,
	       (unsigned long long)g.delivered_win);
	printf("messages/s        sent %.0f, acked %.0f, delivered %.0f\n", g.sent_win / w,
	       g.acked_win / w, g.delivered_win / w);
	if (g.o.mode == M_RATE)
		printf("late sends        %llu\n", (unsigned long long)g.late_win);
	printf("whole run         sent %llu, acked %llu, delivered %llu (%s)\n",
	       (unsigned long long)g.sent_total, (unsigned long long)g.acked_total,
	       (unsigned long long)g.delivered_total, r->complete ? "complete" : "INCOMPLETE");
	printf("latency (ms)           p50       p90       p99     p99.9       max      count\n");
	print_lat("send->ack", &g.h_ack);
	print_lat("send->delivery", &g.h_del);
	printf("errors            %llu", (unsigned long long)r->errors);
	for (int i = 0; i < g.n_errs; i++)
		printf(", %s %llu", g.errs[i].code, (unsigned long long)g.errs[i].n);
	if (g.err_connect)
		printf(", connect failed %llu", (unsigned long long)g.err_connect);
	if (g.err_close)
		printf(", unexpected closes %llu (last code %d)", (unsigned long long)g.err_close,
		       g.last_close_code);
	if (g.err_timeout)
		printf(", drain timeout");
	if (g.err_order)
		printf(", out of order %llu", (unsigned long long)g.err_order);
	if (g.err_overflow)
		printf(", local overflow %llu", (unsigned long long)g.err_overflow);
	if (g.err_proto)
		printf(", unparsable frames %llu", (unsigned long long)g.err_proto);
	printf("\n");
	if (g.o.server_pid)
		printf("server pid %-6d  CPU %.1f%%, RSS %lld -> %lld KiB\n", g.o.server_pid,
		       r->server_cpu_pct, (long long)g.srv0.rss_kib, (long long)g.srv1.rss_kib);
	if (g.o.idle && g.o.server_pid)
		printf("idle connections  %d: RSS %lld -> %lld KiB, %.2f KiB each\n", g.o.idle,
		       (long long)g.srv_idle0.rss_kib, (long long)g.srv_idle1.rss_kib,
		       r->idle_rss_kib);
	printf("load generator    CPU %.1f%% of one core\n", r->loadgen_share * 100.0);
	if (g.aborted)
		printf("result            SET-UP FAILED: %s\n", g.abort_reason);
	else if (!r->valid)
		printf("result            NOT VALID: the load generator was the bottleneck\n");
	else
		printf("result            %s\n", !r->errors && r->complete ? "OK" : "FAILED");
}

/* Prints the results; returns the exit status. */
static int report(void)
{
	struct results r = compute();

	if (g.aborted)
		fprintf(stderr, "loadgen: set-up failed: %s\n", g.abort_reason);
	else if (!r.valid)
		fprintf(stderr,
			"loadgen: WARNING: the load generator used %.0f%% of its core "
			"(limit %.0f%%): it may have been the bottleneck; this run is not valid\n",
			r.loadgen_share * 100.0, CPU_LIMIT * 100.0);
	if (g.o.json)
		print_json(&r);
	else
		print_table(&r);
	fflush(stdout);
	if (g.aborted)
		return 4;
	if (!r.valid)
		return 3;
	return r.errors || !r.complete ? 1 : 0;
}

#endif
