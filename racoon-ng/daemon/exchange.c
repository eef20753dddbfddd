/*
 * Copyright (c) 2026 The pfkeykit developers
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/*
 * The exchange layer's dispatcher: what exchange.h's entry points get goes
 * to the IKEv1 engine (ikev1*.c: main, aggressive, quick and
 * informational modes).  Datagrams are sorted by the ISAKMP version in
 * their header first, so an IKEv2 engine can sit beside the IKEv1 one;
 * until there is one, IKEv2 messages are counted and dropped.
 */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include "racoon-ng.h"
#include "exchange.h"
#include "isakmp.h"
#include "ikev1.h"

static struct ike_stats other;		/* datagrams not for IKEv1 */

void
ike_init(void)
{
	ikev1_init();
}

void
ike_config(const struct rcn_config *cur, const struct rcn_config *old)
{
	log_debug("%s: %s configuration", __func__, old == NULL ? "first" :
	    "new");
	ikev1_config(cur, old);
}

void
ike_recv(const struct ike_packet *p)
{
	char from[80];
	uint8_t v;

	/* The version byte follows the cookies and the next payload. */
	if (p->len < ISAKMP_HDR_LEN) {
		other.received++;
		other.malformed++;
		log_debug("from %s: %zu bytes: too short for ISAKMP",
		    log_addr(&p->ep.remote, from, sizeof(from)), p->len);
		return;
	}
	v = p->data[17];
	if (ISAKMP_VERSION_MAJOR(v) == 1) {
		ikev1_recv(p);
		return;
	}
	other.received++;
	other.dropped++;
	log_debug("from %s: ISAKMP version %u.%u is not spoken here",
	    log_addr(&p->ep.remote, from, sizeof(from)),
	    ISAKMP_VERSION_MAJOR(v), ISAKMP_VERSION_MINOR(v));
}

void
ike_acquire(const struct ike_acquire *a)
{
	ikev1_acquire(a);
}

void
ike_expire(const struct ike_expire *e)
{
	ikev1_expire(e);
}

void
ike_sa_gone(uint8_t satype, uint32_t spi, const struct sad_addr *src,
    const struct sad_addr *dst)
{
	ikev1_sa_gone(satype, spi, src, dst);
}

void
ike_ctl_phase1s(void (*cb)(void *, const struct ike_ph1_info *), void *arg)
{
	ikev1_ctl_phase1s(cb, arg);
}

unsigned
ike_ctl_flush(void)
{
	return (ikev1_ctl_flush());
}

int
ike_ctl_delete(const struct sad_addr *local, const struct sad_addr *remote,
    char *why, size_t whysz)
{
	return (ikev1_ctl_delete(local, remote, why, whysz));
}

int
ike_ctl_establish(const struct ike_establish *es, char *why, size_t whysz)
{
	return (ikev1_ctl_establish(es, why, whysz));
}

void
ike_get_stats(struct ike_stats *st)
{
	ikev1_get_stats(st);
	st->received += other.received;
	st->malformed += other.malformed;
	st->dropped += other.dropped;
}

void
ike_shutdown(void)
{
	ikev1_shutdown();
}
