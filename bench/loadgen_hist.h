/* loadgen_hist.h: a log-linear latency histogram for bench/loadgen (included once).
 *
 * Values are nanoseconds. Below 256 ns every value has its own bucket; above, each power
 * of two is split into 128 equal buckets, so a reported value (the bucket's midpoint) is
 * within 1/256 (0.4%) of every value in it. Values up to 2^40 ns (about 18 minutes) are
 * kept; larger ones are clamped. Recording is a few instructions and no allocation.
 */
#ifndef RAPPORT_LOADGEN_HIST_H
#define RAPPORT_LOADGEN_HIST_H

#include <stdint.h>
#include <string.h>

#define HIST_BITS 7
#define HIST_SUB (1u << HIST_BITS)
#define HIST_TOP 40
#define HIST_N (2 * HIST_SUB + (HIST_TOP - HIST_BITS - 1) * HIST_SUB)

struct hist {
	uint64_t count;
	uint64_t max;
	uint64_t sum;
	uint64_t b[HIST_N];
};

static unsigned hist_index(uint64_t v)
{
	unsigned msb, shift;

	if (v < 2 * HIST_SUB)
		return (unsigned)v;
	if (v >= (UINT64_C(1) << HIST_TOP))
		v = (UINT64_C(1) << HIST_TOP) - 1;
	msb = 63u - (unsigned)__builtin_clzll(v);
	shift = msb - HIST_BITS;
	return 2 * HIST_SUB + (shift - 1) * HIST_SUB + (unsigned)(v >> shift) - HIST_SUB;
}

/* The midpoint of bucket i, in nanoseconds. */
static double hist_value(unsigned i)
{
	unsigned shift, sub;

	if (i < 2 * HIST_SUB)
		return (double)i;
	shift = (i - 2 * HIST_SUB) / HIST_SUB + 1;
	sub = (i - 2 * HIST_SUB) % HIST_SUB + HIST_SUB;
	return (double)((uint64_t)sub << shift) + (double)(UINT64_C(1) << shift) / 2.0;
}

static void hist_add(struct hist *h, uint64_t v)
{
	h->b[hist_index(v)]++;
	h->count++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

/* The q-quantile (0 < q <= 1) in nanoseconds; 0 for an empty histogram. Never above max. */
static double hist_quantile(const struct hist *h, double q)
{
	uint64_t want, seen = 0;
	unsigned i;

	if (!h->count)
		return 0;
	want = (uint64_t)(q * (double)h->count + 0.999999);
	if (want < 1)
		want = 1;
	for (i = 0; i < HIST_N; i++) {
		seen += h->b[i];
		if (seen >= want) {
			double v = hist_value(i);

			return v > (double)h->max ? (double)h->max : v;
		}
	}
	return (double)h->max;
}

#endif
