/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab soak: correctness under load, not speed. Two worker processes of eight threads
 * each create, find, read, sign with and destroy token objects on one token, and one more
 * process loads, initialises, uses and finalises the module in a loop, all for SECONDS:
 * - only the errors the spec (or the vendor profile) allows: a session limit reached
 *   (CKR_SESSION_COUNT, or the Luna's own code), CKR_USER_ALREADY_LOGGED_IN;
 * - no handle that names another object: each object found by its unique label has the
 *   handle its creation returned and the value written; destroyed, it is gone;
 * - no object lost: each thread's long-lived object is still there at the end;
 * - flat resources: the reinitialising process ends each cycle with the fds it started
 *   with; every process's RSS growth after warm-up stays under a bound (reported; under
 *   ASan, whose quarantine grows RSS by design, LeakSanitizer at each exit checks instead).
 * One thread per worker also opens sessions until the module refuses one (the Luna's
 * session limit) and closes them again, so the others meet the limit in flight.
 * Usage: soak MODULE TOKEN-LABEL USER-PIN SECONDS    (tests/hardening/soak.sh sets it up) */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hsmlab/p11client.h"

#define THREADS 8
#define WORKERS 2
#define HOG_MAX 1100 /* sessions the hog opens at most (the Luna's limit is 1024) */
#define RSS_SLACK_KB (64 * 1024)
#define CKR_LUNA_MAX_SESSIONS 0x80001601UL
/* Under ASan the quarantine (256 MiB) and the allocator's caches make RSS grow by design:
 * there LeakSanitizer, run as each process exits, is the memory check, and RSS is reported
 * only. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_CHECKED 0
#else
#define RSS_CHECKED 1
#endif

static const char *module_path, *token_label, *pin;
static time_t deadline;
static CK_FUNCTION_LIST_PTR fn;
static CK_SLOT_ID slot;
static atomic_long errors, iterations, limit_hits;

static void bad(const char *where, const char *what, CK_RV rv)
{
	atomic_fetch_add(&errors, 1);
	fprintf(stderr, "soak[%d] %s: %s: %s\n", (int)getpid(), where, what, hl_ckr_name(rv));
}

static int session_limit(CK_RV rv)
{
	return rv == CKR_SESSION_COUNT || rv == CKR_LUNA_MAX_SESSIONS;
}

static long rss_kb(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f != NULL) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static int fd_count(void)
{
	char path[64];
	int n = 0;
	for (int fd = 0; fd < 4096; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n += access(path, F_OK) == 0;
	}
	return n;
}

/* A session logged in as the user; 0 when the session limit was met (retry later). */
static CK_SESSION_HANDLE open_user(const char *where)
{
	CK_SESSION_HANDLE s;
	CK_RV rv = fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
	if (session_limit(rv)) {
		atomic_fetch_add(&limit_hits, 1);
		return 0;
	}
	if (rv != CKR_OK) {
		bad(where, "C_OpenSession", rv);
		return 0;
	}
	rv = fn->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
		bad(where, "C_Login", rv);
	return s;
}

static CK_RV create_data(CK_SESSION_HANDLE s, const char *label, const uint8_t *value, size_t len,
			 CK_OBJECT_HANDLE *h)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof(cls) },
			     { CKA_TOKEN, &yes, sizeof(yes) },
			     { CKA_PRIVATE, &yes, sizeof(yes) },
			     { CKA_LABEL, (void *)label, strlen(label) },
			     { CKA_VALUE, (void *)value, len } };
	return fn->C_CreateObject(s, t, 5, h);
}

/* The object of that label must be exactly one, with handle want (0: any) and this value;
 * its handle is returned (0 on a failure, already reported). */
static CK_OBJECT_HANDLE check_one(CK_SESSION_HANDLE s, const char *label, CK_OBJECT_HANDLE want,
				  const uint8_t *value, size_t len)
{
	CK_OBJECT_HANDLE found[2];
	CK_ULONG n = 0, vlen = 0;
	unsigned char *v = NULL;
	CK_RV rv = hl_p11_find_by_label(fn, s, CKO_DATA, label, found, 2, &n);

	if (rv != CKR_OK || n != 1) {
		fprintf(stderr, "soak[%d] %s: found %lu objects (%s)\n", (int)getpid(), label, n,
			hl_ckr_name(rv));
		atomic_fetch_add(&errors, 1);
		return 0;
	}
	if (want != 0 && found[0] != want) {
		fprintf(stderr, "soak[%d] %s: handle %lu found, %lu created\n", (int)getpid(),
			label, found[0], want);
		atomic_fetch_add(&errors, 1);
	}
	rv = hl_p11_get_attr(fn, s, found[0], CKA_VALUE, &v, &vlen);
	if (rv != CKR_OK || vlen != len || memcmp(v, value, len) != 0) {
		fprintf(stderr, "soak[%d] %s: handle %lu holds another value (%s)\n", (int)getpid(),
			label, found[0], hl_ckr_name(rv));
		atomic_fetch_add(&errors, 1);
	}
	free(v);
	return found[0];
}

static CK_OBJECT_HANDLE sign_priv, sign_pub;

/* The process's signing key pair: session objects of the session kept open throughout. */
static CK_RV make_sign_key(CK_SESSION_HANDLE s)
{
	static const uint8_t p256[] = {
		0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
	};
	CK_BBOOL yes = CK_TRUE;
	CK_MECHANISM m = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pub[] = { { CKA_EC_PARAMS, (void *)p256, sizeof(p256) },
			       { CKA_VERIFY, &yes, sizeof(yes) } };
	CK_ATTRIBUTE priv[] = { { CKA_SIGN, &yes, sizeof(yes) } };
	return fn->C_GenerateKeyPair(s, &m, pub, 2, priv, 1, &sign_pub, &sign_priv);
}

static void sign_verify(CK_SESSION_HANDLE s, const char *where)
{
	CK_MECHANISM m = { CKM_ECDSA, NULL, 0 };
	CK_BYTE digest[32], sig[128];
	CK_ULONG len = sizeof(sig);
	CK_RV rv;

	memset(digest, (int)(getpid() & 0xff), sizeof(digest));
	if ((rv = fn->C_SignInit(s, &m, sign_priv)) != CKR_OK ||
	    (rv = fn->C_Sign(s, digest, sizeof(digest), sig, &len)) != CKR_OK) {
		bad(where, "sign", rv);
		return;
	}
	if ((rv = fn->C_VerifyInit(s, &m, sign_pub)) != CKR_OK ||
	    (rv = fn->C_Verify(s, digest, sizeof(digest), sig, len)) != CKR_OK)
		bad(where, "verify", rv);
}

/* Opens sessions until the module refuses one (or HOG_MAX), then closes them. */
static void hog(void)
{
	static CK_SESSION_HANDLE h[HOG_MAX];
	size_t n = 0;
	CK_RV rv = CKR_OK;

	while (n < HOG_MAX &&
	       (rv = fn->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &h[n])) == CKR_OK)
		n++;
	if (rv != CKR_OK && !session_limit(rv))
		bad("hog", "C_OpenSession", rv);
	else if (rv != CKR_OK)
		atomic_fetch_add(&limit_hits, 1);
	while (n > 0)
		if ((rv = fn->C_CloseSession(h[--n])) != CKR_OK)
			bad("hog", "C_CloseSession", rv);
}

/* One round: create, find, read, sign, destroy, gone. */
static void round_trip(CK_SESSION_HANDLE s, int t, long i)
{
	char label[64], where[80];
	uint8_t value[48];
	CK_OBJECT_HANDLE h = 0, none[1];
	CK_ULONG n = 1;
	CK_RV rv;

	snprintf(label, sizeof(label), "soak-%d-%d-%ld", (int)getpid(), t, i);
	snprintf(where, sizeof(where), "thread %d round %ld", t, i);
	for (size_t k = 0; k < sizeof(value); k++)
		value[k] = (uint8_t)(rand() & 0xff);
	if ((rv = create_data(s, label, value, sizeof(value), &h)) != CKR_OK) {
		bad(where, "C_CreateObject", rv);
		return;
	}
	check_one(s, label, h, value, sizeof(value));
	sign_verify(s, where);
	if ((rv = fn->C_DestroyObject(s, h)) != CKR_OK)
		bad(where, "C_DestroyObject", rv);
	rv = hl_p11_find_by_label(fn, s, CKO_DATA, label, none, 1, &n);
	if (rv != CKR_OK || n != 0) {
		fprintf(stderr, "soak[%d] %s: %lu objects left after destroy\n", (int)getpid(),
			label, n);
		atomic_fetch_add(&errors, 1);
	}
}

static void *thread_main(void *arg)
{
	int t = (int)(intptr_t)arg;
	char keep[64];
	uint8_t keep_value[16];
	CK_SESSION_HANDLE s = 0;
	CK_OBJECT_HANDLE h;
	long i = 0;

	snprintf(keep, sizeof(keep), "soak-keep-%d-%d", (int)getpid(), t);
	memset(keep_value, t + 1, sizeof(keep_value));
	while (s == 0 && time(NULL) < deadline)
		s = open_user("keep");
	if (s == 0 || create_data(s, keep, keep_value, sizeof(keep_value), &h) != CKR_OK) {
		bad(keep, "the long-lived object", CKR_GENERAL_ERROR);
		return NULL;
	}
	for (; time(NULL) < deadline; i++) {
		if (s == 0 && (s = open_user("round")) == 0) {
			usleep(1000);
			continue;
		}
		round_trip(s, t, i);
		atomic_fetch_add(&iterations, 1);
		if (i % 16 == 15) { /* sessions come and go too */
			fn->C_CloseSession(s);
			s = 0;
		}
		if (t == 0 && i % 64 == 63)
			hog();
	}
	for (int tries = 0; s == 0 && tries < 1000; tries++)
		if ((s = open_user("final")) == 0)
			usleep(1000);
	check_one(s, keep, 0, keep_value, sizeof(keep_value)); /* nothing lost */
	fn->C_CloseSession(s);
	return NULL;
}

static hl_p11_module_t *load(const char *who)
{
	char err[256];
	hl_p11_module_t *mod = hl_p11_module_load(module_path, 0, err, sizeof(err));
	CK_RV rv;

	if (mod == NULL) {
		fprintf(stderr, "soak[%d] %s: %s\n", (int)getpid(), who, err);
		return NULL;
	}
	fn = hl_p11_module_fn(mod);
	if ((rv = hl_p11_find_slot(fn, token_label, &slot)) != CKR_OK) {
		bad(who, "no token labelled so", rv);
		hl_p11_module_free(mod);
		return NULL;
	}
	return mod;
}

/* Resident size after warm-up (a quarter of the run) and at the end. */
static int rss_flat(const char *who, long warm, long end)
{
	printf("soak[%d] %s: RSS %ld -> %ld kB after warm-up\n", (int)getpid(), who, warm, end);
	if (RSS_CHECKED && end - warm > RSS_SLACK_KB) {
		fprintf(stderr, "soak[%d] %s: RSS grew by %ld kB\n", (int)getpid(), who,
			end - warm);
		return 0;
	}
	return 1;
}

static int worker(void)
{
	hl_p11_module_t *mod = load("worker");
	pthread_t th[THREADS];
	CK_SESSION_HANDLE keep;
	time_t start = time(NULL);
	long warm;
	CK_RV rv;

	if (mod == NULL)
		return 1;
	srand((unsigned)getpid());
	if ((keep = open_user("worker")) == 0 || (rv = make_sign_key(keep)) != CKR_OK) {
		bad("worker", "signing key", keep ? rv : CKR_SESSION_COUNT);
		return 1;
	}
	for (int t = 0; t < THREADS; t++)
		if (pthread_create(&th[t], NULL, thread_main, (void *)(intptr_t)t) != 0)
			return 1;
	sleep((unsigned)((deadline - start) / 4));
	warm = rss_kb();
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	int flat = rss_flat("worker", warm, rss_kb());
	fn->C_CloseSession(keep);
	hl_p11_module_free(mod);
	printf("soak[%d] worker: %ld rounds, %ld session-limit refusals, %ld errors\n",
	       (int)getpid(), atomic_load(&iterations), atomic_load(&limit_hits),
	       atomic_load(&errors));
	return atomic_load(&errors) == 0 && flat ? 0 : 1;
}

/* Load, initialise, log in, count, finalise, unload: the fds must come back each time. */
static int reinit(void)
{
	time_t start = time(NULL), warm_at = start + (deadline - start) / 4;
	long cycles = 0, warm = 0;
	int fds0 = -1;

	while (time(NULL) < deadline) {
		hl_p11_module_t *mod = load("reinit");
		CK_OBJECT_HANDLE h[1];
		CK_ULONG n = 0;
		if (mod == NULL)
			return 1;
		CK_SESSION_HANDLE s = open_user("reinit");
		if (s != 0)
			hl_p11_find_by_label(fn, s, CKO_DATA, NULL, h, 1, &n);
		hl_p11_module_free(mod);
		int fds = fd_count();
		if (fds0 < 0)
			fds0 = fds;
		else if (fds != fds0) {
			fprintf(stderr,
				"soak[%d] reinit: %d fds after cycle %ld, %d after the first\n",
				(int)getpid(), fds, cycles, fds0);
			atomic_fetch_add(&errors, 1);
			fds0 = fds;
		}
		if (warm == 0 && time(NULL) >= warm_at)
			warm = rss_kb();
		cycles++;
	}
	int flat = rss_flat("reinit", warm ? warm : rss_kb(), rss_kb());
	printf("soak[%d] reinit: %ld load/initialise/finalise/unload cycles, %d fds each, "
	       "%ld errors\n",
	       (int)getpid(), cycles, fds0, atomic_load(&errors));
	return atomic_load(&errors) == 0 && flat ? 0 : 1;
}

/* A duration: seconds, or a number with s, m or h ("600", "10m"); 0 when malformed. */
static long duration(const char *s)
{
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 10);
	long unit = !*end               ? 1
		    : !strcmp(end, "s") ? 1
		    : !strcmp(end, "m") ? 60
		    : !strcmp(end, "h") ? 3600
					: 0;
	if (errno || end == s || v <= 0 || !unit || v > 7L * 24 * 3600 / unit)
		return 0;
	return v * unit;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s MODULE TOKEN-LABEL USER-PIN DURATION\n"
		"Soaks MODULE's token: 2 processes x %d threads create, find, sign and destroy\n"
		"while a third reinitialises the module, for DURATION (seconds, or 90s, 10m, 1h).\n"
		"tests/hardening/soak.sh makes the lab and token first; the 10-minute run on the\n"
		"ASan build (tests/hardening/README.md), from the source tree:\n"
		"  for m in libhsmlab.so libhsmlab-luna.so; do\n"
		"    HSMLAB_SOURCE_DIR=$PWD tests/hardening/soak.sh "
		"build-asan/tests/hardening/hsmlab-soak \\\n"
		"      build-asan/emulator/admin/hsmlab-admin build-asan/emulator/module/$m 10m\n"
		"  done\n",
		prog, THREADS);
}

int main(int argc, char **argv)
{
	pid_t pids[WORKERS + 1];
	int failed = 0;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout, argv[0]);
		return 0;
	}
	long secs = argc == 5 ? duration(argv[4]) : 0;
	if (!secs) {
		if (argc == 5)
			fprintf(stderr, "soak: duration \"%s\": want seconds, or 90s, 10m, 1h\n",
				argv[4]);
		usage(stderr, argv[0]);
		return 2;
	}
	module_path = argv[1];
	token_label = argv[2];
	pin = argv[3];
	deadline = time(NULL) + secs;
	for (int i = 0; i <= WORKERS; i++) {
		fflush(stdout);
		if ((pids[i] = fork()) == 0) {
			int rc = i < WORKERS ? worker() : reinit();
			exit(rc); /* not _exit: LeakSanitizer checks at exit */
		}
		if (pids[i] < 0) {
			perror("soak: fork");
			return 1;
		}
	}
	for (int i = 0; i <= WORKERS; i++) {
		int status = 0;
		while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "soak: process %d failed (status 0x%x)\n", (int)pids[i],
				status);
			failed = 1;
		}
	}
	puts(failed ? "soak: FAILED" : "soak: OK");
	return failed;
}
