/* loadgen_cli.h: command line of bench/loadgen (included once, after the state). */
#ifndef RAPPORT_LOADGEN_CLI_H
#define RAPPORT_LOADGEN_CLI_H

static void usage(FILE *f)
{
	fputs("Usage: loadgen --port P --pairs N [options]\n"
	      "Drives a running rapport server on 127.0.0.1 with N patron and M staff\n"
	      "WebSockets: each patron joins the queue, a staff connection picks the chat,\n"
	      "then both sides send messages. Reports throughput, latency and errors.\n"
	      "\n"
	      "  --port P            server port (required)\n"
	      "  --host 127.0.0.1    the only host allowed\n"
	      "  --pairs N           patron connections, one chat each (1..30000)\n"
	      "  --staff M           staff connections (default ceil(N/3)); chat i is picked by\n"
	      "                      staff connection i mod M\n"
	      "  --staff-login E:PW  a staff account (repeatable; default jen@demo.library and\n"
	      "                      sam@demo.library, password rapport-demo); staff connection\n"
	      "                      j uses account j mod (number of accounts)\n"
	      "  --email-fmt FMT     accounts from a pattern instead: %d becomes 1..A\n"
	      "  --accounts A        how many accounts --email-fmt makes (default 2)\n"
	      "  --password PW       password for --email-fmt accounts (default rapport-demo)\n"
	      "  --mode saturate|rate\n"
	      "  --inflight K        saturate: messages each side of each chat keeps in flight;\n"
	      "                      rate: outstanding count above which a send is 'late' (8)\n"
	      "  --rate R            rate: messages per second offered in total, Poisson\n"
	      "  --duration S        measured seconds (default 10, max 120)\n"
	      "  --warmup S          unmeasured seconds before (default 1)\n"
	      "  --seed X            PRNG seed (default 1)\n"
	      "  --server-pid PID    read the server's CPU and RSS from /proc\n"
	      "  --idle N            extra idle patron connections (hello only), opened after\n"
	      "                      the pairs; with --server-pid, reports RSS per connection\n"
	      "  --text-bytes B      message text length (default 100)\n"
	      "  --setup-concurrency C  set-ups in progress at once (default 64)\n"
	      "  --json              one JSON object on stdout instead of the table\n"
	      "\n"
	      "Limits: pairs + staff + idle <= 30000; the run stops by itself within\n"
	      "warm-up + duration + 30 s. Exit status: 0 clean run (no errors, every message\n"
	      "acknowledged and delivered); 1 errors or lost messages; 2 bad usage; 3 the load\n"
	      "generator used more than 70% of its core in the measured window (result not\n"
	      "valid); 4 set-up failed. The patron set-up phase is judged on its own: its CPU\n"
	      "shares are reported, and over 70% its set-up rate is only a lower bound.\n",
	      f);
}

/* Copies "%d"-pattern fmt with %d replaced by n. Returns 0, or -1 if it does not fit. */
static int expand_fmt(char *out, size_t cap, const char *fmt, int n)
{
	const char *p = strstr(fmt, "%d");
	char num[16];
	size_t a, b;

	if (!p)
		return -1;
	snprintf(num, sizeof num, "%d", n);
	a = (size_t)(p - fmt);
	b = strlen(p + 2);
	if (a + strlen(num) + b + 1 > cap)
		return -1;
	memcpy(out, fmt, a);
	memcpy(out + a, num, strlen(num));
	memcpy(out + a + strlen(num), p + 2, b + 1);
	return 0;
}

static int int_arg(const char *s, const char *name, long lo, long hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "loadgen: %s must be an integer in %ld..%ld\n", name, lo, hi);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int add_account(const char *email, const char *password)
{
	struct account *a;

	if (g.n_acct == MAX_ACCOUNTS) {
		fprintf(stderr, "loadgen: at most %d staff accounts\n", MAX_ACCOUNTS);
		return -1;
	}
	a = &g.acct[g.n_acct];
	if (strlen(email) >= sizeof a->email || strlen(password) >= sizeof a->password) {
		fprintf(stderr, "loadgen: staff login too long\n");
		return -1;
	}
	snprintf(a->email, sizeof a->email, "%s", email);
	snprintf(a->password, sizeof a->password, "%s", password);
	g.n_acct++;
	return 0;
}

/* Fills g.o and g.acct. Returns -1 to go on, or an exit status (0 after --help). */
static int parse_args(int argc, char **argv)
{
	enum {
		O_PORT = 1,
		O_HOST,
		O_PAIRS,
		O_STAFF,
		O_LOGIN,
		O_FMT,
		O_ACCTS,
		O_PW,
		O_MODE,
		O_INFL,
		O_RATE,
		O_DUR,
		O_WARM,
		O_SEED,
		O_PID,
		O_JSON,
		O_IDLE,
		O_TEXT,
		O_CONC,
		O_HELP
	};
	static const struct option lo[] = {
		{"port", required_argument, NULL, O_PORT},
		{"host", required_argument, NULL, O_HOST},
		{"pairs", required_argument, NULL, O_PAIRS},
		{"staff", required_argument, NULL, O_STAFF},
		{"staff-login", required_argument, NULL, O_LOGIN},
		{"email-fmt", required_argument, NULL, O_FMT},
		{"accounts", required_argument, NULL, O_ACCTS},
		{"password", required_argument, NULL, O_PW},
		{"mode", required_argument, NULL, O_MODE},
		{"inflight", required_argument, NULL, O_INFL},
		{"rate", required_argument, NULL, O_RATE},
		{"duration", required_argument, NULL, O_DUR},
		{"warmup", required_argument, NULL, O_WARM},
		{"seed", required_argument, NULL, O_SEED},
		{"server-pid", required_argument, NULL, O_PID},
		{"json", no_argument, NULL, O_JSON},
		{"idle", required_argument, NULL, O_IDLE},
		{"text-bytes", required_argument, NULL, O_TEXT},
		{"setup-concurrency", required_argument, NULL, O_CONC},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	const char *fmt = NULL, *pw = "rapport-demo";
	int accounts = 2, opt, bad = 0;
	char *end;

	g.o.staff = -1;
	g.o.inflight = 8;
	g.o.text_bytes = 100;
	g.o.setup_conc = 64;
	g.o.duration = 10;
	g.o.warmup = 1;
	g.o.seed = 1;
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case O_PORT: bad |= int_arg(optarg, "--port", 1, 65535, &g.o.port); break;
		case O_HOST:
			if (strcmp(optarg, "127.0.0.1")) {
				fprintf(stderr, "loadgen: only --host 127.0.0.1 is allowed\n");
				bad = -1;
			}
			break;
		case O_PAIRS: bad |= int_arg(optarg, "--pairs", 1, MAX_CONNS, &g.o.pairs); break;
		case O_STAFF: bad |= int_arg(optarg, "--staff", 1, MAX_CONNS, &g.o.staff); break;
		case O_LOGIN: {
			char tmp[300], *colon;

			snprintf(tmp, sizeof tmp, "%s", optarg);
			colon = strchr(tmp, ':');
			if (!colon) {
				fprintf(stderr, "loadgen: --staff-login wants EMAIL:PASSWORD\n");
				bad = -1;
				break;
			}
			*colon = '\0';
			bad |= add_account(tmp, colon + 1);
			break;
		}
		case O_FMT: fmt = optarg; break;
		case O_ACCTS:
			bad |= int_arg(optarg, "--accounts", 1, MAX_ACCOUNTS, &accounts);
			break;
		case O_PW: pw = optarg; break;
		case O_MODE:
			if (!strcmp(optarg, "saturate")) {
				g.o.mode = M_SATURATE;
			} else if (!strcmp(optarg, "rate")) {
				g.o.mode = M_RATE;
			} else {
				fprintf(stderr, "loadgen: --mode is saturate or rate\n");
				bad = -1;
			}
			break;
		case O_INFL: bad |= int_arg(optarg, "--inflight", 1, 1000, &g.o.inflight); break;
		case O_RATE:
			g.o.rate = strtod(optarg, &end);
			if (*end || !(g.o.rate > 0 && g.o.rate <= 10e6)) {
				fprintf(stderr, "loadgen: --rate must be in (0, 10000000]\n");
				bad = -1;
			}
			break;
		case O_DUR: bad |= int_arg(optarg, "--duration", 1, 120, &g.o.duration); break;
		case O_WARM: bad |= int_arg(optarg, "--warmup", 0, 60, &g.o.warmup); break;
		case O_SEED: g.o.seed = strtoull(optarg, NULL, 0); break;
		case O_PID:
			bad |= int_arg(optarg, "--server-pid", 1, 1 << 30, &g.o.server_pid);
			break;
		case O_JSON: g.o.json = 1; break;
		case O_IDLE: bad |= int_arg(optarg, "--idle", 0, MAX_CONNS, &g.o.idle); break;
		case O_TEXT:
			bad |= int_arg(optarg, "--text-bytes", 1, 4000, &g.o.text_bytes);
			break;
		case O_CONC:
			bad |= int_arg(optarg, "--setup-concurrency", 1, 4096, &g.o.setup_conc);
			break;
		case O_HELP: usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (bad)
		return 2;
	if (optind < argc || !g.o.port || !g.o.pairs) {
		fprintf(stderr, "loadgen: --port and --pairs are required (see --help)\n");
		return 2;
	}
	if (g.o.mode == M_RATE && g.o.rate <= 0) {
		fprintf(stderr, "loadgen: --mode rate needs --rate R\n");
		return 2;
	}
	if (g.o.staff < 0)
		g.o.staff = (g.o.pairs + 2) / 3;
	if ((long)g.o.pairs + g.o.staff + g.o.idle > MAX_CONNS) {
		fprintf(stderr, "loadgen: pairs + staff + idle must be at most %d\n", MAX_CONNS);
		return 2;
	}
	if (fmt && g.n_acct) {
		fprintf(stderr, "loadgen: use either --staff-login or --email-fmt\n");
		return 2;
	}
	for (int i = 1; fmt && i <= accounts; i++) {
		char email[128];

		if (expand_fmt(email, sizeof email, fmt, i)) {
			fprintf(stderr, "loadgen: --email-fmt needs one %%d and a short result\n");
			return 2;
		}
		if (add_account(email, pw))
			return 2;
	}
	if (!g.n_acct) {
		add_account("jen@demo.library", "rapport-demo");
		add_account("sam@demo.library", "rapport-demo");
	}
	if (g.n_acct > g.o.staff)
		g.n_acct = g.o.staff; /* unused accounts are not logged in */
	return -1;
}

#endif
