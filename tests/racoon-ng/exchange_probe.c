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
 * exchange_probe: an exchange layer for tests, linked into the daemon in
 * place of exchange.c (racoon-ng_probe).  It plays what a subverted ike
 * process and an honest one would ask of the parent after an ACQUIRE,
 * through the frame's real services, and logs each answer as
 *
 *	probe: STEP: ok | refused (errno): why
 *
 * so the test can check the parent's decisions and then the SADB itself:
 *
 * - forged: an UPDATE on an SPI the parent never allocated, an SA to a
 *   peer no remote allows, a second outbound SA on one negotiation, a
 *   policy with foreign tunnel endpoints;
 * - honest: GETSPI, UPDATE (NAT-T, the ACQUIRE's reqid and mode), ADD,
 *   generated policies in and out; and, on delete-sa isakmp, INITIAL-
 *   CONTACT (every SA with the peer) and the policies' removal.
 *
 * The keys are fixed test values; the PRF step asks the ca process for
 * prf(psk, "nonces") with the test's PSK, which the test recomputes.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "racoon-ng.h"
#include "cert.h"
#include "exchange.h"

static struct {
	struct ike_acquire	 a;
	uint32_t		 inspi;
	int			 step;
	bool			 busy;
	struct sad_addr		 us;
	struct sad_addr		 peer;
} pr;

/* A SHA-1 sized HASH_I for the ca process to sign. */
static const uint8_t sighash[20] = "HASH_I of the probe.";
static uint8_t sig[PS_SIG_MAX];
static size_t siglen;

static const uint8_t ekey[16] = "0123456789abcdef";
static const uint8_t akey[32] = "0123456789abcdefghij0123456789ab";

static void	next_step(void);

static void
report(const char *what, int error, const char *why)
{
	if (error == 0)
		log_info("probe: %s: ok%s%s", what, why != NULL &&
		    why[0] != '\0' ? ": " : "", why != NULL ? why : "");
	else
		log_info("probe: %s: refused (%d): %s", what, error,
		    why != NULL ? why : "");
}

static void
on_result(void *arg, int error, uint32_t count, const char *why)
{
	char buf[64];

	(void)snprintf(buf, sizeof(buf), "%s (count %u)", why, count);
	report(arg, error, error == 0 ? buf : why);
	next_step();
}

static void
on_spi(void *arg, int error, uint32_t spi)
{
	char buf[32];

	pr.inspi = spi;
	(void)snprintf(buf, sizeof(buf), "spi 0x%08x", spi);
	report(arg, error, error == 0 ? buf : "");
	next_step();
}

static void
on_prf(void *arg, int error, const uint8_t *out, size_t len)
{
	char hex[2 * 64 + 1];
	size_t i;

	hex[0] = '\0';
	for (i = 0; error == 0 && i < len && i < 64; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", out[i]);
	report(arg, error, hex);
	next_step();
}

static void
on_sign(void *arg, int error, const uint8_t *out, size_t len)
{
	char buf[32];

	if (error == 0 && len <= sizeof(sig)) {
		memcpy(sig, out, len);
		siglen = len;
	}
	(void)snprintf(buf, sizeof(buf), "%zu bytes", len);
	report(arg, error, error == 0 ? buf : "");
	next_step();
}

/*
 * What the parent handed over (PI_CERT) as the ike process has it: our
 * certificate against the store, the peer's certificate (a revoked one
 * in the test), and the ca process's signature with our certificate's
 * key, then the same signature with a byte changed.
 */
static void
probe_certs(void)
{
	const struct frame_certs *fc;
	struct cert_verdict v;
	char subj[256];

	if ((fc = frame_certs("127.0.0.2")) == NULL) {
		log_info("probe: certs: none");
		return;
	}
	cert_subject_text(fc->mine != NULL ? fc->mine : fc->peer, subj,
	    sizeof(subj));
	log_info("probe: certs: ours %s (%zu in chain), %zu CAs, %zu CRLs, "
	    "the peer's %s", fc->mine != NULL ? subj : "none",
	    fc->mine != NULL ? cert_count(fc->mine) : 0,
	    fc->store != NULL ? cert_store_ncas(fc->store) : 0,
	    fc->store != NULL ? cert_store_ncrls(fc->store) : 0,
	    fc->peer != NULL ? "given" : "none");
	if (fc->store == NULL || fc->mine == NULL || fc->peer == NULL)
		return;
	memset(&v, 0, sizeof(v));
	report("our certificate", cert_verify(fc->store, fc->mine, 0, 0, &v) ==
	    0 ? 0 : v.notify, v.reason);
	memset(&v, 0, sizeof(v));
	report("the peer's certificate", cert_verify(fc->store, fc->peer, 0,
	    0, &v) == 0 ? 0 : v.notify, v.reason);
	if (siglen == 0)
		return;
	report("signature", cert_verify_sig(fc->mine, CERT_AUTH_RSASIG,
	    sighash, sizeof(sighash), sig, siglen) == 0 ? 0 : 1, "");
	sig[siglen / 2] ^= 0x01;
	report("changed signature", cert_verify_sig(fc->mine,
	    CERT_AUTH_RSASIG, sighash, sizeof(sighash), sig, siglen) == 0 ?
	    0 : 1, "");
}

static void
sa_base(struct frame_sa *s, uint8_t op, uint32_t spi)
{
	memset(s, 0, sizeof(*s));
	s->op = op;
	s->satype = PFKEY_SATYPE_ESP;
	s->spi = spi;
	s->src = op == PS_SA_UPDATE ? pr.peer : pr.us;
	s->dst = op == PS_SA_UPDATE ? pr.us : pr.peer;
	s->mode = pr.a.mode;
	s->reqid = pr.a.reqid;
	s->ealg = PFKEY_EALG_AESCBC;
	s->aalg = PFKEY_AALG_SHA2_256HMAC;
	s->ekey = ekey;
	s->ekeylen = sizeof(ekey);
	s->akey = akey;
	s->akeylen = sizeof(akey);
	s->hard_seconds = 3600;
	s->hard_bytes = 1000000;
	s->replay = 32;
	s->inbound_spi = op == PS_SA_ADD ? pr.inspi : 0;
}

static void
spd_base(struct frame_spd *p, uint8_t dir)
{
	memset(p, 0, sizeof(*p));
	p->op = PS_SPD_UPDATE;
	p->dir = dir;
	p->sel_src = dir == PFKEY_DIR_OUTBOUND ? pr.us : pr.peer;
	p->sel_dst = dir == PFKEY_DIR_OUTBOUND ? pr.peer : pr.us;
	p->sel_src.plen = p->sel_dst.plen = 32;
	p->ulproto = 6;
	p->proto = PFKEY_IPPROTO_ESP;
	p->mode = PFKEY_MODE_TRANSPORT;
	p->level = PFKEY_LEVEL_REQUIRE;
	p->local = pr.us;
	p->peer = pr.peer;
}

/*
 * Datagrams to the test's listener (PROBE_PEER_PORT on the peer's
 * address) through frame_endpoint() and frame_send(): from the IKE port,
 * and from the NAT-T port, where the frame adds the non-ESP marker.
 */
static void
probe_send(void)
{
	struct ike_endpoint ep;
	struct sad_addr remote = pr.peer;
	const char *pp = getenv("PROBE_PEER_PORT");
	int rc;

	if (pp == NULL)
		return;
	remote.port = (uint16_t)atoi(pp);
	if ((rc = frame_endpoint(&pr.us, &remote, false, &ep)) == 0)
		rc = frame_send(&ep, "probe-ike", 9);
	report("send ike", rc, "");
	if ((rc = frame_endpoint(&pr.us, &remote, true, &ep)) == 0)
		rc = frame_send(&ep, "probe-natt", 10);
	report("send natt", rc, "");
	/* No socket of that family: refused. */
	(void)sad_addr_parse(&remote, "2001:db8::1");
	remote.port = 500;
	rc = frame_endpoint(&pr.us, &remote, false, &ep);
	report("endpoint of another family", rc, "");
}

/* One request per step; each answer runs the next. */
static void
next_step(void)
{
	struct frame_getspi g;
	struct frame_sa s;
	struct frame_spd p;
	int rc = 0;

	switch (pr.step++) {
	case 0:
		sa_base(&s, PS_SA_UPDATE, 0x777);
		rc = frame_sa_install(&s, on_result, "forged UPDATE");
		break;
	case 1:
		memset(&g, 0, sizeof(g));
		g.satype = PFKEY_SATYPE_ESP;
		g.src = pr.peer;
		g.dst = pr.us;
		g.min = 0x1000;
		g.max = 0x0fffffff;
		g.reqid = pr.a.reqid;
		g.seq = pr.a.seq;
		rc = frame_getspi(&g, on_spi, "GETSPI");
		break;
	case 2:
		/* HMAC-SHA1: the configuration names only SHA2-256. */
		sa_base(&s, PS_SA_UPDATE, pr.inspi);
		s.aalg = PFKEY_AALG_SHA1HMAC;
		s.akeylen = 20;
		rc = frame_sa_install(&s, on_result, "UPDATE with SHA1");
		break;
	case 3:
		/* NAT-T: the peer behind a NAT on 4500, us on ours. */
		sa_base(&s, PS_SA_UPDATE, pr.inspi);
		s.natt_type = PFKEY_NATT_ESPINUDP;
		s.natt_sport = 4500;
		s.natt_dport = frame_natt_port();
		/* Transport mode: the peer's original address (NAT-OA). */
		(void)sad_addr_parse(&s.natt_oa_peer, "192.168.7.2");
		s.natt_oa_local = pr.us;
		rc = frame_sa_install(&s, on_result, "UPDATE");
		break;
	case 4:
		sa_base(&s, PS_SA_ADD, 0x5001);
		rc = frame_sa_install(&s, on_result, "ADD");
		break;
	case 5:
		sa_base(&s, PS_SA_ADD, 0x5002);
		rc = frame_sa_install(&s, on_result, "second ADD");
		break;
	case 6:
		sa_base(&s, PS_SA_ADD, 0x5003);
		(void)sad_addr_parse(&s.dst, "127.0.0.9");
		rc = frame_sa_install(&s, on_result, "ADD to a stranger");
		break;
	case 7:
		spd_base(&p, PFKEY_DIR_OUTBOUND);
		rc = frame_spd_add(&p, on_result, "policy out");
		break;
	case 8:
		spd_base(&p, PFKEY_DIR_INBOUND);
		rc = frame_spd_add(&p, on_result, "policy in");
		break;
	case 9:
		spd_base(&p, PFKEY_DIR_OUTBOUND);
		p.mode = PFKEY_MODE_TUNNEL;
		p.tun_src = pr.us;
		(void)sad_addr_parse(&p.tun_dst, "127.0.0.9");
		rc = frame_spd_add(&p, on_result, "foreign tunnel policy");
		break;
	case 10:
		rc = frame_psk_prf(PS_PRF_SHA1, PS_ID_ADDR, "127.0.0.2",
		    "nonces", 6, on_prf, "PRF");
		break;
	case 11:
		rc = frame_psk_prf(PS_PRF_SHA1, PS_ID_ADDR, "127.0.0.99",
		    "nonces", 6, on_prf, "PRF of an unknown peer");
		break;
	case 12:
		rc = frame_sign("127.0.0.2", sighash, sizeof(sighash), on_sign,
		    "SIGN");
		break;
	case 13:
		rc = frame_sign("127.0.0.99", sighash, sizeof(sighash),
		    on_sign, "SIGN for a remote without a key");
		break;
	case 14:
		/* A tunnel's fwd policy: from the peer's side to ours. */
		spd_base(&p, PFKEY_DIR_FWD);
		p.mode = PFKEY_MODE_TUNNEL;
		p.tun_src = pr.peer;
		p.tun_dst = pr.us;
		rc = frame_spd_add(&p, on_result, "policy fwd");
		break;
	case 15:
		/* NAT-OA belongs to NAT-T. */
		sa_base(&s, PS_SA_ADD, 0x5004);
		(void)sad_addr_parse(&s.natt_oa_peer, "192.168.7.2");
		s.natt_oa_local = pr.us;
		rc = frame_sa_install(&s, on_result, "ADD with NAT-OA");
		break;
	case 16:
		probe_certs();
		probe_send();
		/* FALLTHROUGH */
	case 17:
		log_info("probe: done");
		pr.busy = false;
		return;
	/* delete-sa isakmp */
	case 20:
		rc = frame_delete_peer(&pr.us, &pr.peer, on_result,
		    "INITIAL-CONTACT");
		break;
	case 21:
		spd_base(&p, PFKEY_DIR_OUTBOUND);
		rc = frame_spd_delete(p.dir, &p.sel_src, &p.sel_dst, p.ulproto,
		    on_result, "policy out deleted");
		break;
	case 22:
		spd_base(&p, PFKEY_DIR_INBOUND);
		rc = frame_spd_delete(p.dir, &p.sel_src, &p.sel_dst, p.ulproto,
		    on_result, "policy in deleted");
		break;
	case 23:
		spd_base(&p, PFKEY_DIR_FWD);
		rc = frame_spd_delete(p.dir, &p.sel_src, &p.sel_dst, p.ulproto,
		    on_result, "policy fwd deleted");
		break;
	case 24:
		spd_base(&p, PFKEY_DIR_INBOUND);
		rc = frame_spd_delete(p.dir, &p.sel_src, &p.sel_dst, p.ulproto,
		    on_result, "policy deleted twice");
		break;
	default:
		log_info("probe: deleted");
		pr.busy = false;
		return;
	}
	if (rc != 0)
		log_warnx("probe: step %d not sent: %s", pr.step - 1,
		    strerror(rc));
}

void
ike_init(void)
{
}

void
ike_config(const struct rcn_config *cur, const struct rcn_config *old)
{
}

/* What the frame delivers, for the tests to compare with what was sent. */
void
ike_recv(const struct ike_packet *p)
{
	char from[80], to[80];

	log_info("probe: recv %zu bytes from %s to %s natt %d sock %u: "
	    "%02x%02x%02x%02x", p->len, log_addr(&p->ep.remote, from,
	    sizeof(from)), log_addr(&p->ep.local, to, sizeof(to)),
	    p->ep.natt ? 1 : 0, p->ep.sock, p->len > 0 ? p->data[0] : 0,
	    p->len > 1 ? p->data[1] : 0, p->len > 2 ? p->data[2] : 0,
	    p->len > 3 ? p->data[3] : 0);
}

static void
probe_timer(void *arg)
{
	log_info("probe: timer");
}

void
ike_acquire(const struct ike_acquire *a)
{
	static struct timer t;
	static uint32_t n;
	char what[48], sa[80], da[80];

	log_info("probe: ACQUIRE seq %u %s -> %s reqid %u mode %u spid %u",
	    a->seq, log_addr(&a->src, sa, sizeof(sa)),
	    log_addr(&a->dst, da, sizeof(da)), a->reqid, a->mode, a->spid);
	/* A timer for show-schedule to list. */
	(void)snprintf(what, sizeof(what), "probe acquire %u", ++n);
	timer_del(&t);
	timer_init(&t, probe_timer, NULL, what);
	timer_set(&t, 60000);
	if (pr.busy)
		return;
	pr.a = *a;
	/* The ACQUIRE is for us -> peer. */
	pr.us = a->src;
	pr.peer = a->dst;
	pr.us.port = pr.peer.port = 0;
	pr.us.plen = pr.peer.plen = 32;
	pr.busy = true;
	pr.step = 0;
	next_step();
}

void
ike_expire(const struct ike_expire *e)
{
	log_info("probe: %s EXPIRE of 0x%08x", e->hard ? "hard" : "soft",
	    e->spi);
}

void
ike_sa_gone(uint8_t satype, uint32_t spi, const struct sad_addr *src,
    const struct sad_addr *dst)
{
}

void
ike_ctl_phase1s(void (*cb)(void *, const struct ike_ph1_info *), void *arg)
{
	struct ike_ph1_info i;

	/* One made-up phase 1, for racoonctl's printer. */
	memset(&i, 0, sizeof(i));
	(void)sad_addr_parse(&i.local, "127.0.0.1");
	(void)sad_addr_parse(&i.remote, "127.0.0.2");
	i.remote.port = 500;
	memcpy(i.icookie, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	memcpy(i.rcookie, "\x11\x12\x13\x14\x15\x16\x17\x18", 8);
	i.status = 9;
	i.version = 0x10;
	i.etype = 2;
	i.created = 1700000000;
	i.ph2count = 2;
	cb(arg, &i);
}

unsigned
ike_ctl_flush(void)
{
	return (0);
}

int
ike_ctl_delete(const struct sad_addr *local, const struct sad_addr *remote,
    char *why, size_t whysz)
{
	if (pr.busy) {
		(void)snprintf(why, whysz, "busy");
		return (EBUSY);
	}
	pr.busy = true;
	pr.step = 20;
	next_step();
	return (0);
}

int
ike_ctl_establish(const struct ike_establish *es, char *why, size_t whysz)
{
	frame_event(PS_EVT_PHASE2_UP, &es->src, &es->dst, es->satype, 0x4242,
	    "probe");
	return (0);
}

void
ike_get_stats(struct ike_stats *st)
{
	memset(st, 0, sizeof(*st));
}

void
ike_shutdown(void)
{
}
