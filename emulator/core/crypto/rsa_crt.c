/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator crypto: recovering p and q from (n, e, d) so that a key imported without
 * its CRT parts still signs at full speed (OpenSSL 3.0's fromdata does not derive them). */
#include <openssl/bn.h>

#include "crypto_int.h"

/* -- factoring n with e and d (NIST SP 800-56B rev 2, appendix C.2) -- */

/* One try with base g: finds a nontrivial square root of 1 mod n, whose gcd with n is p. */
static int try_base(BIGNUM *p, const BIGNUM *n, const BIGNUM *t, int s, BN_ULONG g, BN_CTX *bc)
{
	BIGNUM *x = BN_CTX_get(bc), *y = BN_CTX_get(bc), *nm1 = BN_CTX_get(bc);

	if (nm1 == NULL || !BN_sub(nm1, n, BN_value_one()) || !BN_set_word(y, g) ||
	    !BN_mod_exp(x, y, t, n, bc))
		return -1;
	if (BN_is_one(x) || BN_cmp(x, nm1) == 0)
		return 0;
	for (int i = 0; i < s; i++) {
		if (!BN_mod_sqr(y, x, n, bc))
			return -1;
		if (BN_is_one(y))
			return BN_sub_word(x, 1) && BN_gcd(p, x, n, bc) ? 1 : -1;
		if (BN_cmp(y, nm1) == 0)
			return 0;
		if (!BN_copy(x, y))
			return -1;
	}
	return 0;
}

static bool factor(BIGNUM *p, const BIGNUM *n, const BIGNUM *e, const BIGNUM *d, BN_CTX *bc)
{
	BIGNUM *t = BN_CTX_get(bc);
	int s = 0, r = 0;

	/* e·d - 1 = 2^s · t with t odd; a multiple of λ(n) when d is right. */
	if (t == NULL || !BN_mul(t, e, d, bc) || !BN_sub_word(t, 1) || BN_is_zero(t) ||
	    BN_is_odd(t))
		return false;
	while (!BN_is_odd(t)) {
		if (!BN_rshift1(t, t))
			return false;
		s++;
	}
	BN_set_flags(t, BN_FLG_CONSTTIME);
	/* Each base succeeds with probability >= 1/2, so 100 failures mean d is wrong. */
	for (BN_ULONG g = 2; g < 102 && r == 0; g++) {
		BN_CTX_start(bc);
		r = try_base(p, n, t, s, g, bc);
		BN_CTX_end(bc);
	}
	return r == 1;
}

bool hl_crypto_rsa_crt_derive(BIGNUM *v[8], BN_CTX *bc)
{
	BIGNUM *r = NULL, *pm1 = NULL;
	bool ok = false;

	for (int i = 3; i < 8; i++)
		if ((v[i] = BN_secure_new()) == NULL)
			goto out;
	BN_CTX_start(bc);
	r = BN_CTX_get(bc);
	pm1 = BN_CTX_get(bc);
	ok = pm1 != NULL && factor(v[3], v[0], v[1], v[2], bc) && BN_div(v[4], r, v[0], v[3], bc) &&
	     BN_is_zero(r) && BN_sub(pm1, v[3], BN_value_one()) && BN_mod(v[5], v[2], pm1, bc) &&
	     BN_sub(pm1, v[4], BN_value_one()) && BN_mod(v[6], v[2], pm1, bc) &&
	     BN_mod_inverse(v[7], v[4], v[3], bc) != NULL;
	BN_CTX_end(bc);
out:
	if (!ok) {
		for (int i = 3; i < 8; i++) {
			BN_clear_free(v[i]);
			v[i] = NULL;
		}
	}
	return ok;
}
