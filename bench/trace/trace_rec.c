/* SPDX-License-Identifier: BSD-2-Clause
 * libhsmlab-trace.so: building one JSON Lines record per call and writing it.
 *
 * Redaction happens here, where bytes enter the buffer: PINs are never passed in (the
 * wrappers call hl_trace_redacted with the length only), and template values of the
 * attributes below are replaced by "<redacted>" with their length kept, because the length
 * is part of a call's shape and replay compares it. */
#define _GNU_SOURCE /* syscall(SYS_gettid) */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "hsmlab/p11client.h"
#include "trace_int.h"

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static int out_fd = -1;
static unsigned long seq;

/* Process and thread ids, asked of the kernel once (a system call per record would be most of
 * the tracer's cost on a fast operation); a forked child asks again. */
static long my_pid;
static _Thread_local long my_tid;
static pthread_once_t ids_once = PTHREAD_ONCE_INIT;

/* HSMLAB_TRACE_BUFFER=BYTES: records are kept and written in batches of about that size
 * (and at C_Finalize and exit), one system call per batch instead of one per record; a crash
 * loses the batch not yet written. 0 or unset: every record is written as it ends. */
static char *obuf;
static size_t olen, ocap;

static void forget_ids(void)
{
	__atomic_store_n(&my_pid, 0, __ATOMIC_RELAXED);
	my_tid = 0; /* the forking thread is the child's only thread */
	olen = 0;   /* the parent writes what it had kept; the child must not write it again */
}

static void register_fork_handler(void)
{
	pthread_atfork(NULL, NULL, forget_ids);
}

static long pid_now(void)
{
	long pid;

	pthread_once(&ids_once, register_fork_handler);
	pid = __atomic_load_n(&my_pid, __ATOMIC_RELAXED);
	if (pid == 0) {
		pid = (long)getpid();
		__atomic_store_n(&my_pid, pid, __ATOMIC_RELAXED);
	}
	return pid;
}

static long tid_now(void)
{
	if (my_tid == 0)
		my_tid = (long)syscall(SYS_gettid);
	return my_tid;
}

/* -- the buffer -- */

static void put(hl_trace_rec_t *r, const char *s, size_t n)
{
	if (r->oom)
		return;
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 512;
		char *b;

		while (r->len + n + 1 > cap)
			cap *= 2;
		b = realloc(r->buf, cap);
		if (b == NULL) {
			r->oom = 1;
			return;
		}
		r->buf = b;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, s, n);
	r->len += n;
	r->buf[r->len] = '\0';
}

static void putf(hl_trace_rec_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(hl_trace_rec_t *r, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		put(r, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Decimal digits without printf (a record has a dozen numbers: vsnprintf was a third of what
 * recording a fast signature costs). */
static void put_ulong(hl_trace_rec_t *r, unsigned long v)
{
	char tmp[24], *e = tmp + sizeof tmp, *p = e;

	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	put(r, p, (size_t)(e - p));
}

/* v's n lowest decimal digits, zero-padded (fractions). */
static void put_digits(hl_trace_rec_t *r, unsigned long v, int n)
{
	char tmp[24];

	for (int i = n - 1; i >= 0; i--, v /= 10)
		tmp[i] = (char)('0' + v % 10);
	put(r, tmp, (size_t)n);
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), 0 if the bytes there are not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	unsigned lo = 0x80, hi = 0xbf; /* the second byte's range */

	if (len == 0 || s[0] > 0xf4 || len > n)
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* Labels and token fields are CK_UTF8CHAR: well-formed UTF-8 goes out as it is (a JSON
 * reader shows the same text); control characters, DEL and bytes that are not UTF-8 as
 * \u00XX escapes, so the line is always valid JSON. */
static void put_json_str(hl_trace_rec_t *r, const char *s, size_t n)
{
	put(r, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t run = 0, u;

		while (i + run < n && (unsigned char)s[i + run] >= 0x20 &&
		       (unsigned char)s[i + run] < 0x7f && s[i + run] != '"' && s[i + run] != '\\')
			run++;
		if (run > 0) { /* the common case: a plain run in one copy */
			put(r, s + i, run);
			i += run - 1;
		} else if (c == '"' || c == '\\')
			putf(r, "\\%c", c);
		else if (c >= 0x80 && (u = utf8_len((const unsigned char *)s + i, n - i)) > 0) {
			put(r, s + i, u);
			i += u - 1;
		} else
			putf(r, "\\u%04x", c);
	}
	put(r, "\"", 1);
}

static void key(hl_trace_rec_t *r, const char *k)
{
	if (!r->first)
		put(r, ",", 1);
	r->first = 0;
	if (k != NULL) {
		put_json_str(r, k, strlen(k));
		put(r, ":", 1);
	}
}

/* -- members -- */

void hl_trace_num(hl_trace_rec_t *r, const char *k, CK_ULONG v)
{
	key(r, k);
	if (v == CK_UNAVAILABLE_INFORMATION) /* JSON readers keep -1 exact, not 2^64-1 */
		put(r, "-1", 2);
	else
		put_ulong(r, (unsigned long)v);
}

void hl_trace_ulp(hl_trace_rec_t *r, const char *k, const CK_ULONG *p)
{
	if (p != NULL) {
		hl_trace_num(r, k, *p);
		return;
	}
	key(r, k);
	put(r, "null", 4);
}

void hl_trace_bool(hl_trace_rec_t *r, const char *k, int v)
{
	key(r, k);
	put(r, v ? "true" : "false", v ? 4 : 5);
}

void hl_trace_str(hl_trace_rec_t *r, const char *k, const char *s)
{
	key(r, k);
	if (s == NULL)
		put(r, "null", 4);
	else
		put_json_str(r, s, strlen(s));
}

void hl_trace_padded(hl_trace_rec_t *r, const char *k, const CK_UTF8CHAR *s, size_t n)
{
	while (n > 0 && s[n - 1] == ' ')
		n--;
	key(r, k);
	put_json_str(r, (const char *)s, n);
}

void hl_trace_hex(hl_trace_rec_t *r, const char *k, const void *p, CK_ULONG len)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *b = p;
	char chunk[128];
	size_t n = 0;

	key(r, k);
	if (p == NULL) {
		put(r, "null", 4);
		return;
	}
	put(r, "\"", 1);
	for (CK_ULONG i = 0; i < len; i++) {
		chunk[n++] = digits[b[i] >> 4];
		chunk[n++] = digits[b[i] & 15];
		if (n == sizeof chunk) {
			put(r, chunk, n);
			n = 0;
		}
	}
	put(r, chunk, n);
	put(r, "\"", 1);
}

void hl_trace_redacted(hl_trace_rec_t *r, const char *k, CK_ULONG len)
{
	char lk[64];

	hl_trace_str(r, k, "<redacted>");
	snprintf(lk, sizeof lk, "%s_len", k);
	hl_trace_num(r, lk, len);
}

void hl_trace_open(hl_trace_rec_t *r, const char *k)
{
	key(r, k);
	put(r, "{", 1);
	r->first = 1;
}

void hl_trace_close(hl_trace_rec_t *r)
{
	put(r, "}", 1);
	r->first = 0;
}

void hl_trace_ulongs(hl_trace_rec_t *r, const char *k, const CK_ULONG *v, CK_ULONG n)
{
	key(r, k);
	if (v == NULL) {
		put(r, "null", 4);
		return;
	}
	put(r, "[", 1);
	r->first = 1;
	for (CK_ULONG i = 0; i < n; i++)
		hl_trace_num(r, NULL, v[i]);
	put(r, "]", 1);
	r->first = 0;
}

void hl_trace_version(hl_trace_rec_t *r, const char *k, CK_VERSION v)
{
	char s[16];

	snprintf(s, sizeof s, "%u.%u", v.major, v.minor);
	hl_trace_str(r, k, s);
}

void hl_trace_mech(hl_trace_rec_t *r, const char *k, const CK_MECHANISM *m)
{
	if (m == NULL) {
		key(r, k);
		put(r, "null", 4);
		return;
	}
	hl_trace_open(r, k);
	hl_trace_num(r, "type", m->mechanism);
	hl_trace_str(r, "name", hl_ckm_name(m->mechanism));
	hl_trace_hex(r, "param", m->pParameter, m->ulParameterLen);
	/* A parameter structure holding a pointer is also written out field by field: its
	 * bytes alone name an address in the recording process. */
	if (m->mechanism == CKM_RSA_PKCS_OAEP && m->pParameter != NULL &&
	    m->ulParameterLen == sizeof(CK_RSA_PKCS_OAEP_PARAMS)) {
		const CK_RSA_PKCS_OAEP_PARAMS *p = m->pParameter;

		hl_trace_open(r, "oaep");
		hl_trace_num(r, "hash", p->hashAlg);
		hl_trace_num(r, "mgf", p->mgf);
		hl_trace_num(r, "source", p->source);
		hl_trace_hex(r, "source_data", p->pSourceData, p->ulSourceDataLen);
		hl_trace_close(r);
	}
	hl_trace_close(r);
}

/* Private-key components are secret whatever the object; CKA_VALUE is, unless the same
 * template says the object is public (a public key, certificate or data object): a
 * C_GetAttributeValue template does not say, so its CKA_VALUE is always left out. */
static int secret_attr(CK_ATTRIBUTE_TYPE type, int public_class)
{
	switch (type) {
	case CKA_PRIVATE_EXPONENT:
	case CKA_PRIME_1:
	case CKA_PRIME_2:
	case CKA_EXPONENT_1:
	case CKA_EXPONENT_2:
	case CKA_COEFFICIENT:
		return 1;
	case CKA_VALUE:
		return !public_class;
	default:
		return 0;
	}
}

static int template_is_public(const CK_ATTRIBUTE *t, CK_ULONG n)
{
	for (CK_ULONG i = 0; i < n; i++) {
		if (t[i].type == CKA_CLASS && t[i].pValue != NULL &&
		    t[i].ulValueLen == sizeof(CK_OBJECT_CLASS)) {
			CK_OBJECT_CLASS c = *(const CK_OBJECT_CLASS *)t[i].pValue;

			return c == CKO_PUBLIC_KEY || c == CKO_CERTIFICATE || c == CKO_DATA;
		}
	}
	return 0;
}

void hl_trace_tmpl(hl_trace_rec_t *r, const char *k, const CK_ATTRIBUTE *t, CK_ULONG n,
		   int with_values)
{
	int pub = t != NULL && template_is_public(t, n);

	key(r, k);
	if (t == NULL) {
		put(r, "null", 4);
		return;
	}
	put(r, "[", 1);
	r->first = 1;
	for (CK_ULONG i = 0; i < n; i++) {
		hl_trace_open(r, NULL);
		hl_trace_num(r, "type", t[i].type);
		hl_trace_str(r, "name", hl_cka_name(t[i].type));
		hl_trace_num(r, "len", t[i].ulValueLen);
		if (!with_values)
			hl_trace_bool(r, "buf", t[i].pValue != NULL);
		else if (t[i].pValue == NULL || t[i].ulValueLen == CK_UNAVAILABLE_INFORMATION)
			hl_trace_str(r, "value", NULL);
		else if (secret_attr(t[i].type, pub))
			hl_trace_str(r, "value", "<redacted>");
		else
			hl_trace_hex(r, "value", t[i].pValue, t[i].ulValueLen);
		hl_trace_close(r);
	}
	put(r, "]", 1);
	r->first = 0;
}

/* -- the record -- */

void hl_trace_begin(hl_trace_rec_t *r, const char *fn)
{
	memset(r, 0, sizeof *r);
	clock_gettime(CLOCK_REALTIME, &r->t0);
	r->first = 1;
	hl_trace_str(r, "fn", fn);
	hl_trace_open(r, "args");
}

void hl_trace_result(hl_trace_rec_t *r, CK_RV rv)
{
	hl_trace_close(r);
	hl_trace_num(r, "rv", rv);
	hl_trace_str(r, "rv_name", hl_ckr_name(rv));
	hl_trace_open(r, "out");
}

/* HSMLAB_TRACE_OUT names the file records are appended to; without it they go to stderr. A
 * file that cannot be opened is said once on stderr, and records then go to stderr too. */
static int output_fd(void)
{
	const char *path;

	if (out_fd >= 0)
		return out_fd;
	path = getenv("HSMLAB_TRACE_BUFFER");
	if (path != NULL && *path != '\0') {
		unsigned long want = strtoul(path, NULL, 10);
		ocap = want > (64UL << 20) ? (64UL << 20) : (size_t)want;
		obuf = ocap ? malloc(ocap) : NULL;
		ocap = obuf ? ocap : 0;
	}
	path = getenv("HSMLAB_TRACE_OUT");
	if (path == NULL || *path == '\0')
		return out_fd = STDERR_FILENO;
	out_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (out_fd < 0) {
		fprintf(stderr, "libhsmlab-trace: HSMLAB_TRACE_OUT %s: %s (tracing to stderr)\n",
			path, strerror(errno));
		out_fd = STDERR_FILENO;
	}
	return out_fd;
}

static void write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
}

static void flush_locked(int fd)
{
	struct iovec iov = { obuf, olen };

	if (olen)
		write_all(fd, &iov, 1);
	olen = 0;
}

void hl_trace_flush(void)
{
	pthread_mutex_lock(&out_lock);
	if (out_fd >= 0)
		flush_locked(out_fd);
	pthread_mutex_unlock(&out_lock);
}

CK_RV hl_trace_end(hl_trace_rec_t *r, CK_RV rv)
{
	struct timespec t1;
	char head[48];
	struct iovec iov[2];
	double us;

	clock_gettime(CLOCK_REALTIME, &t1);
	us = (double)(t1.tv_sec - r->t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - r->t0.tv_nsec) / 1e3;
	hl_trace_close(r);
	key(r, "pid"); /* a trace file may hold several processes (n restarts in each) */
	put_ulong(r, (unsigned long)pid_now());
	key(r, "tid");
	put_ulong(r, (unsigned long)tid_now());
	key(r, "ts");
	put_ulong(r, (unsigned long)r->t0.tv_sec);
	put(r, ".", 1);
	put_digits(r, (unsigned long)(r->t0.tv_nsec / 1000), 6);
	key(r, "dur_us");
	unsigned long tenths = us > 0 ? (unsigned long)(us * 10 + 0.5) : 0;
	put_ulong(r, tenths / 10);
	put(r, ".", 1);
	put_digits(r, tenths % 10, 1);
	put(r, "}\n", 2);
	if (!r->oom) {
		/* The sequence number is taken under the lock, so the file is in its order. */
		pthread_mutex_lock(&out_lock);
		int fd = output_fd();
		iov[0].iov_base = head;
		iov[0].iov_len = (size_t)snprintf(head, sizeof head, "{\"n\":%lu,", ++seq);
		iov[1].iov_base = r->buf;
		iov[1].iov_len = r->len;
		if (ocap && olen + iov[0].iov_len + r->len > ocap)
			flush_locked(fd);
		if (ocap && iov[0].iov_len + r->len <= ocap) {
			memcpy(obuf + olen, head, iov[0].iov_len);
			memcpy(obuf + olen + iov[0].iov_len, r->buf, r->len);
			olen += iov[0].iov_len + r->len;
		} else {
			write_all(fd, iov, 2);
		}
		pthread_mutex_unlock(&out_lock);
	}
	free(r->buf);
	r->buf = NULL;
	return rv;
}

__attribute__((destructor)) static void close_output(void)
{
	hl_trace_flush();
	free(obuf);
	obuf = NULL;
	ocap = 0;
	if (out_fd > STDERR_FILENO)
		close(out_fd);
	out_fd = -1;
}
