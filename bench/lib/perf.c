/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the benchmark's timing core and raw OpenSSL workloads. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "perf_int.h"

enum { MAX_LAT = 1 << 21 };

double hl_perf_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* -- the result set -- */

static void machine_info(hl_perf_t *p)
{
	struct utsname u;
	char line[256], model[128] = "unknown CPU";
	FILE *f = fopen("/proc/cpuinfo", "r");
	long cpus = 0;
	double load = -1;
	time_t now = time(NULL);

	while (f != NULL && fgets(line, sizeof line, f) != NULL) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) == 0 && colon != NULL) {
			snprintf(model, sizeof model, "%s", colon + 2);
			model[strcspn(model, "\n")] = '\0';
		}
		if (strncmp(line, "processor", 9) == 0)
			cpus++;
	}
	if (f != NULL)
		fclose(f);
	uname(&u);
	/* The load at the start makes a noisy machine visible next to the figures. */
	f = fopen("/proc/loadavg", "r");
	if (f != NULL) {
		if (fscanf(f, "%lf", &load) != 1)
			load = -1;
		fclose(f);
	}
	snprintf(p->machine, sizeof p->machine, "%.127s, %ld CPU(s), %.64s %.64s", model, cpus,
		 u.sysname, u.release);
	strftime(p->date, sizeof p->date, "%Y-%m-%d %H:%M UTC", gmtime(&now));
	snprintf(p->openssl, sizeof p->openssl, "%s", OpenSSL_version(OPENSSL_VERSION));
}

hl_perf_t *hl_perf_new(const hl_perf_opts_t *opts, char *err, size_t errlen)
{
	hl_perf_t *p = calloc(1, sizeof *p);

	if (p == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->o = *opts;
	if (p->o.runs < 1)
		p->o.runs = 1;
	if (p->o.runs > HL_PERF_MAX_RUNS)
		p->o.runs = HL_PERF_MAX_RUNS;
	p->rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	p->ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	p->ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	p->peer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (p->rsa == NULL || p->ec == NULL || p->ed == NULL || p->peer == NULL) {
		snprintf(err, errlen, "OpenSSL key generation failed");
		hl_perf_free(p);
		return NULL;
	}
	machine_info(p);
	return p;
}

void hl_perf_free(hl_perf_t *p)
{
	if (p == NULL)
		return;
	EVP_PKEY_free(p->rsa);
	EVP_PKEY_free(p->ec);
	EVP_PKEY_free(p->ed);
	EVP_PKEY_free(p->peer);
	free(p->rows);
	free(p);
}

hl_perf_row_t *hl_perf_add(hl_perf_t *p, const char *target, const char *workload, size_t size,
			   const char *unit)
{
	hl_perf_row_t *r;

	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 32;
		hl_perf_row_t *rows = reallocarray(p->rows, ncap, sizeof *rows);

		if (rows == NULL)
			return NULL;
		p->rows = rows;
		p->cap = ncap;
	}
	r = &p->rows[p->n++];
	memset(r, 0, sizeof *r);
	snprintf(r->target, sizeof r->target, "%s", target);
	snprintf(r->workload, sizeof r->workload, "%s", workload);
	snprintf(r->unit, sizeof r->unit, "%s", unit);
	r->size = size;
	return r;
}

size_t hl_perf_rows(const hl_perf_t *p)
{
	return p->n;
}

const hl_perf_row_t *hl_perf_row(const hl_perf_t *p, size_t i)
{
	return i < p->n ? &p->rows[i] : NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double hl_perf_median(const hl_perf_row_t *r)
{
	double v[HL_PERF_MAX_RUNS];

	if (r->n == 0)
		return 0;
	memcpy(v, r->v, (size_t)r->n * sizeof v[0]);
	qsort(v, (size_t)r->n, sizeof v[0], cmp_double);
	return r->n % 2 ? v[r->n / 2] : (v[r->n / 2 - 1] + v[r->n / 2]) / 2;
}

/* -- timing -- */

typedef struct {
	hl_perf_op_t op;
	void *arg;
	double seconds, elapsed;
	double *lat;
	size_t nlat, cap, ops;
	int rc;
	pthread_barrier_t *start;
} worker_t;

static void *worker(void *v)
{
	worker_t *w = v;
	double t0, t, end;

	if (w->start != NULL)
		pthread_barrier_wait(w->start);
	t0 = t = hl_perf_now();
	end = t0 + w->seconds;
	/* At least one operation, so a slow module still gives a figure. */
	do {
		double s = t;

		w->rc = w->op(w->arg);
		t = hl_perf_now();
		if (w->rc != 0)
			break;
		w->ops++;
		if (w->nlat == w->cap && w->cap < MAX_LAT) {
			size_t ncap = w->cap ? w->cap * 2 : 4096;
			double *l = reallocarray(w->lat, ncap, sizeof *l);

			if (l != NULL) {
				w->lat = l;
				w->cap = ncap;
			}
		}
		if (w->nlat < w->cap)
			w->lat[w->nlat++] = (t - s) * 1e6;
	} while (t < end);
	w->elapsed = t - t0;
	return NULL;
}

static double percentile(const double *sorted, size_t n, double q)
{
	size_t i = (size_t)(q * (double)(n - 1) + 0.5);

	return n ? sorted[i < n ? i : n - 1] : 0;
}

/* One timed run on `threads` threads; returns ops/s or -1 (with *rc) on failure. */
static double one_run(hl_perf_op_t op, void **args, int threads, double seconds, worker_t *w,
		      int *rc)
{
	pthread_barrier_t start;
	pthread_t tid[8];
	size_t ops = 0;
	double elapsed = 0;

	for (int i = 0; i < threads; i++) {
		w[i].op = op;
		w[i].arg = args[i];
		w[i].seconds = seconds;
		w[i].ops = 0;
		w[i].start = threads > 1 ? &start : NULL;
	}
	if (threads == 1) {
		worker(&w[0]);
	} else {
		pthread_barrier_init(&start, NULL, (unsigned)threads);
		for (int i = 0; i < threads; i++)
			pthread_create(&tid[i], NULL, worker, &w[i]);
		for (int i = 0; i < threads; i++)
			pthread_join(tid[i], NULL);
		pthread_barrier_destroy(&start);
	}
	for (int i = 0; i < threads; i++) {
		if (w[i].rc != 0) {
			*rc = w[i].rc;
			return -1;
		}
		ops += w[i].ops;
		if (w[i].elapsed > elapsed)
			elapsed = w[i].elapsed;
	}
	return elapsed > 0 ? (double)ops / elapsed : 0;
}

int hl_perf_measure(hl_perf_t *p, const char *target, const char *workload, size_t size,
		    hl_perf_op_t op, void **args, int threads, hl_perf_op_t raw_op, void **raw_args)
{
	hl_perf_row_t *r = hl_perf_add(p, target, workload, size, "ops/s");
	worker_t w[8], wr[8];
	double *all = NULL;
	size_t nall = 0;
	int rc = 0;

	if (r == NULL || threads < 1 || threads > 8)
		return -1;
	memset(w, 0, sizeof w);
	memset(wr, 0, sizeof wr);
	for (int run = 0; run < p->o.runs; run++) {
		double v;

		/* The same work in raw OpenSSL just before: machine noise hits both alike. */
		if (raw_op != NULL) {
			double raw = one_run(raw_op, raw_args, threads, p->o.seconds, wr, &rc);

			if (raw > 0)
				r->raw[r->nraw++] = raw;
		}
		v = one_run(op, args, threads, p->o.seconds, w, &rc);

		if (v < 0) {
			snprintf(r->note, sizeof r->note, "failed: %s",
				 rc > 1 ? hl_ckr_name((CK_RV)rc) : "error");
			break;
		}
		r->v[r->n++] = v;
	}
	for (int i = 0; i < threads; i++)
		nall += w[i].nlat;
	all = calloc(nall ? nall : 1, sizeof *all);
	if (all != NULL) {
		nall = 0;
		for (int i = 0; i < threads; i++) {
			memcpy(all + nall, w[i].lat, w[i].nlat * sizeof *all);
			nall += w[i].nlat;
		}
		qsort(all, nall, sizeof *all, cmp_double);
		r->p50 = percentile(all, nall, 0.50);
		r->p90 = percentile(all, nall, 0.90);
		r->p99 = percentile(all, nall, 0.99);
	}
	free(all);
	for (int i = 0; i < threads; i++) {
		free(w[i].lat);
		free(wr[i].lat);
	}
	if (p->o.log != NULL)
		fprintf(p->o.log, "perf: %-10s %-44s %8zu %12.1f %s\n", target, workload, size,
			hl_perf_median(r), r->unit);
	return r->n > 0 ? 0 : -1;
}
