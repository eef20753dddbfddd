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
 * setkey -n: each parsed statement in a normal form, one per line, such
 * that parsing the output gives the same commands and printing those
 * gives the same text (print(parse(x)) is a fixed point; the fuzzer and
 * the golden tests check it).  The normal form prints only what was
 * written, in one order:
 *
 *   OP [-4|-6] [-n] SRC DST PROTO SPI [-m MODE] [-r N] [-u ID]
 *      [-f PAD] [-f nocyclic-seq] [-f esn] [-lh S] [-bh B] [-ls S] [-bs B]
 *      [-ctx DOI ALG "CTX"] [-natt OAI[P] OAR[P]] [-natt_mtu N]
 *      -E EALG [KEY] [-A AALG [KEY]] | -A AALG [KEY] | -C CALG [-R] ;
 *   spdadd [-4|-6] [-n] SRC[/PLEN][[PORT]] DST... UPPER [MISC]
 *      [-ctx DOI ALG "CTX"] -P POLICY ;
 *
 * with these choices:
 *  - addresses numeric (getnameinfo(3), so a scope prints as %ifname),
 *    "[port]" only when not 0, "/plen" only when not the host length;
 *  - SPIs and keys in hexadecimal, "0x" and lower case; an empty key as
 *    ""; algorithms by their canonical name (rijndael-cbc prints as
 *    aes-cbc, hmac-sha256 as hmac-sha2-256, simple as null);
 *  - no mode unless -m was given (the kernel's default is "any"); the
 *    padding flag only when not the default seq-pad, which is printed
 *    alone when -f said nothing else;
 *  - -r in the dialect's unit: packets on Linux, bytes of bitmap on
 *    FreeBSD (the model always counts packets);
 *  - -lh/-ls for the time, -bh/-bs for bytes; a lifetime given as 0
 *    prints as -lh 0 (the extension is still sent);
 *  - the upper layer by a name every setkey knows (tcp, udp, icmp,
 *    icmp6, ...) or a number, "any" for 255; an ICMP or MH type and code
 *    as "type,code" (as [ports] if they were set beyond 255 that way),
 *    a GRE key as one number;
 *  - the policy as pfkey_policy_format() writes it, without the default
 *    priority Linux policies get anyway; spddelete's as a bare
 *    direction when that is all it says;
 *  - quit and bye as exit; esp-old and ah-old kept (they set a flag),
 *    but flush/dump of them print the plain protocol.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "setkey.h"


#define PA_PORT		0x01	/* [port] unless 0 */
#define PA_PLEN		0x02	/* /plen unless the host length */

/* Upper-layer protocols every setkey parses by these names. */
static const struct {
	uint8_t		 proto;
	const char	*name;
} uppers[] = {
	{ 1,	"icmp" },
	{ 2,	"igmp" },
	{ 4,	"ip4" },
	{ 6,	"tcp" },
	{ 17,	"udp" },
	{ 41,	"ipv6" },
	{ 47,	"gre" },
	{ 50,	"esp" },
	{ 51,	"ah" },
	{ 58,	"icmp6" },
	{ 108,	"ipcomp" },
	{ 132,	"sctp" },
	{ 135,	"mh" },
};

static const char *
op_name(enum setkey_op op)
{
	switch (op) {
	case SK_ADD:		return ("add");
	case SK_UPDATE:		return ("update");
	case SK_GET:		return ("get");
	case SK_DELETE:		return ("delete");
	case SK_DELETEALL:	return ("deleteall");
	case SK_GETSPI:		return ("getspi");
	case SK_FLUSH:		return ("flush");
	case SK_DUMP:		return ("dump");
	case SK_SPDADD:		return ("spdadd");
	case SK_SPDUPDATE:	return ("spdupdate");
	case SK_SPDDELETE:	return ("spddelete");
	case SK_SPDFLUSH:	return ("spdflush");
	case SK_SPDDUMP:	return ("spddump");
	case SK_EXIT:		return ("exit");
	}
	return ("?");
}

/* The protocol word; the written form when the parser recorded one. */
static const char *
proto_name(enum setkey_proto p, uint8_t satype)
{
	switch (p) {
	case SKP_ESP:		return ("esp");
	case SKP_ESP_OLD:	return ("esp-old");
	case SKP_ESP_UDP:	return ("esp-udp");
	case SKP_AH:		return ("ah");
	case SKP_AH_OLD:	return ("ah-old");
	case SKP_IPCOMP:	return ("ipcomp");
	case SKP_TCP:		return ("tcp");
	case SKP_NONE:
		break;
	}
	switch (satype) {
	case PFKEY_SATYPE_ESP:		return ("esp");
	case PFKEY_SATYPE_AH:		return ("ah");
	case PFKEY_SATYPE_IPCOMP:	return ("ipcomp");
	case PFKEY_SATYPE_TCPSIGNATURE:	return ("tcp");
	}
	return (NULL);
}

static void
print_host(FILE *f, const struct sad_addr *a)
{
	struct sockaddr_storage ss;
	char host[NI_MAXHOST];
	socklen_t len;

	len = sad_addr_to_sockaddr(a, &ss);
	if (len == 0 || getnameinfo((struct sockaddr *)&ss, len, host,
	    sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
		sad_addr_ntop(a, host, sizeof(host));
	fputs(host, f);
}

static void
print_addr(FILE *f, const struct sad_addr *a, int flags)
{
	fputc(' ', f);
	print_host(f, a);
	if ((flags & PA_PLEN) && a->plen != sad_addr_bits(a))
		fprintf(f, "/%u", a->plen);
	if ((flags & PA_PORT) && a->port != 0)
		fprintf(f, "[%u]", a->port);
}

static void
print_aflags(FILE *f, unsigned aflags)
{
	if (aflags & SK_AF_4)
		fputs(" -4", f);
	if (aflags & SK_AF_6)
		fputs(" -6", f);
	if (aflags & SK_AF_N)
		fputs(" -n", f);
}

static void
print_key(FILE *f, const struct sad_key *k)
{
	size_t i;

	if (k->len == 0) {
		fputs(" \"\"", f);
		return;
	}
	fputs(" 0x", f);
	for (i = 0; i < k->len; i++)
		fprintf(f, "%02x", k->data[i]);
}

static void
print_alg(FILE *f, enum pfkey_alg_kind kind, uint16_t id)
{
	const struct pfkey_alg_info *a;

	if (!SAD_ALG_IS_RAW(id) && (a = pfkey_alg_info(kind, id)) != NULL)
		fprintf(f, " %s", a->name);
	else
		fprintf(f, " %u", SAD_ALG_RAW_WIRE(id));
}

/* "-lh 0" still asks for the extension; print what makes it again. */
static void
print_lifetime(FILE *f, const struct sad_lifetime *l, const char *time,
    const char *bytes)
{
	if (l->addtime != 0 || l->bytes == 0)
		fprintf(f, " %s %llu", time, (unsigned long long)l->addtime);
	if (l->bytes != 0)
		fprintf(f, " %s %llu", bytes, (unsigned long long)l->bytes);
}

static void
print_ctx(FILE *f, uint8_t doi, uint8_t alg, const char *ctx, uint16_t len)
{
	/* The parser stores the terminating NUL, as ipsec-tools sends it. */
	if (len > 0 && ctx[len - 1] == '\0')
		len--;
	fprintf(f, " -ctx %u %u \"%.*s\"", doi, alg, (int)len,
	    ctx != NULL ? ctx : "");
}

static void
print_flags(FILE *f, uint32_t flags)
{
	bool any = false;

	switch (flags & PFKEY_SAFLAG_PMASK) {
	case PFKEY_SAFLAG_PZERO:
		fputs(" -f zero-pad", f);
		any = true;
		break;
	case PFKEY_SAFLAG_PRAND:
		fputs(" -f random-pad", f);
		any = true;
		break;
	}
	if ((flags & PFKEY_SAFLAG_CYCSEQ) == 0) {
		fputs(" -f nocyclic-seq", f);
		any = true;
	}
	if (flags & SAD_F_ESN) {
		fputs(" -f esn", f);
		any = true;
	}
	/* seq-pad is the zero value: alone it is all that was said. */
	if (!any)
		fputs(" -f seq-pad", f);
}

static void
print_exts(FILE *f, const struct sad_entry *e, enum pfkey_dialect d)
{
	const struct sad_extra *x = e->x;
	const char *mode;

	if (e->has & SAD_HAS_MODE) {
		if ((mode = pfkey_mode_name(e->mode)) != NULL)
			fprintf(f, " -m %s", mode);
		else
			fprintf(f, " -m %u", e->mode);
	}
	if (e->has & SAD_HAS_REPLAY) {
		if (pfkey_dialect_resolve(d) == PFKEY_DIALECT_FREEBSD)
			fprintf(f, " -r %u", (unsigned)((e->replay + 7ULL) / 8));
		else
			fprintf(f, " -r %u", e->replay);
	}
	if (e->has & SAD_HAS_REQID)
		fprintf(f, " -u %u", e->reqid);
	if (e->has & SAD_HAS_FLAGS)
		print_flags(f, e->flags);
	if (e->has & SAD_HAS_LT_HARD)
		print_lifetime(f, &e->hard, "-lh", "-bh");
	if (e->has & SAD_HAS_LT_SOFT)
		print_lifetime(f, &e->soft, "-ls", "-bs");
	if (x == NULL)
		return;
	if (e->has & SAD_HAS_CTX)
		print_ctx(f, x->ctx_doi, x->ctx_alg, x->ctx, x->ctx_len);
	if (e->has & SAD_HAS_NATT_OAR) {
		/* FreeBSD's -natt: the ports travel in brackets. */
		fputs(" -natt", f);
		print_addr(f, &x->natt_oa, 0);
		fprintf(f, "[%u]", x->natt_sport);
		print_addr(f, &x->natt_oar, 0);
		fprintf(f, "[%u]", x->natt_dport);
	}
	if (e->has & SAD_HAS_NATT_FRAG)
		fprintf(f, " -natt_mtu %u", x->natt_frag);
}

static void
print_algs(FILE *f, const struct sad_entry *e)
{
	if (e->satype == PFKEY_SATYPE_IPCOMP) {
		if (e->has & SAD_HAS_EALG) {
			fputs(" -C", f);
			print_alg(f, PFKEY_ALG_COMP, e->ealg);
			if (e->flags & PFKEY_SAFLAG_RAWCPI)
				fputs(" -R", f);
		}
		return;
	}
	if (e->has & SAD_HAS_EALG) {
		fputs(" -E", f);
		/* The old-format names are DES-CBC with a KAME flag. */
		if (e->ealg == PFKEY_EALG_DESCBC &&
		    (e->flags & PFKEY_SAFLAG_DERIV))
			fputs(" des-deriv", f);
		else if (e->ealg == PFKEY_EALG_DESCBC &&
		    (e->flags & PFKEY_SAFLAG_IV4B))
			fputs(" des-32iv", f);
		else
			print_alg(f, PFKEY_ALG_ENCRYPT, e->ealg);
		if (e->has & SAD_HAS_EKEY)
			print_key(f, &e->ekey);
	}
	if (e->has & SAD_HAS_AALG) {
		fputs(" -A", f);
		print_alg(f, PFKEY_ALG_AUTH, e->aalg);
		if (e->has & SAD_HAS_AKEY)
			print_key(f, &e->akey);
	}
}

static void
print_sa_cmd(FILE *f, const struct setkey_cmd *c, enum pfkey_dialect d)
{
	const struct sad_entry *e = &c->sa;
	const char *proto;

	fputs(op_name(c->op), f);
	print_aflags(f, c->aflags);
	print_addr(f, &e->src, PA_PORT);
	print_addr(f, &e->dst, PA_PORT);
	proto = proto_name(c->proto, e->satype);
	if (proto != NULL)
		fprintf(f, " %s", proto);
	if (c->proto == SKP_ESP_UDP && (e->has & SAD_HAS_NATT_OA) &&
	    e->x != NULL)
		print_addr(f, &e->x->natt_oa, 0);
	if (c->op == SK_DELETEALL) {
		fputs(";\n", f);
		return;
	}
	fprintf(f, " 0x%x", c->op == SK_GETSPI ? c->spi_min : e->spi);
	print_exts(f, e, d);
	print_algs(f, e);
	fputs(";\n", f);
}

/*
 * ICMP (and MH) type and code print after the protocol when they fit
 * the type,code syntax; ports set beyond that stay [ports].  A GRE key
 * always prints as one number.
 */
static bool
misc_ports(const struct spd_selector *s)
{
	if (s->proto == 47)
		return (true);
	return ((s->proto == 1 || s->proto == 58 || s->proto == 135) &&
	    s->src.port <= 255 && s->dst.port <= 255);
}

static void
print_upper(FILE *f, const struct spd_selector *s)
{
	size_t i;

	if (s->proto == SPD_PROTO_ANY)
		fputs(" any", f);
	else {
		for (i = 0; i < nitems(uppers); i++)
			if (uppers[i].proto == s->proto)
				break;
		if (i < nitems(uppers))
			fprintf(f, " %s", uppers[i].name);
		else
			fprintf(f, " %u", s->proto);
	}
	if ((s->src.port == 0 && s->dst.port == 0) || !misc_ports(s))
		return;
	if (s->proto == 47)
		fprintf(f, " %lu", (unsigned long)s->src.port << 16 |
		    s->dst.port);
	else
		fprintf(f, " %u,%u", s->src.port, s->dst.port);
}

static void
print_policy(FILE *f, const struct setkey_cmd *c, enum pfkey_dialect d)
{
	const struct spd_entry *p = &c->sp;
	struct pfkey_policy pol;
	const char *dir;
	char buf[2048];
	bool lx = pfkey_dialect_resolve(d) == PFKEY_DIALECT_LINUX;
	unsigned i;
	int flags = 0, n;

	memset(&pol, 0, sizeof(pol));
	pol.type = p->action;
	pol.dir = p->dir;
	pol.scope = p->scope;
	pol.id = p->id;
	pol.priority = p->priority;
	/* Every Linux policy gets the default priority: no need to say. */
	if (lx && pol.priority == PFKEY_PRIORITY_DEFAULT)
		pol.priority = 0;
	if (c->op == SK_SPDDELETE && pol.type == PFKEY_POLICY_DISCARD &&
	    p->nreq == 0 && pol.priority == 0 &&
	    (dir = pfkey_dir_name(p->dir)) != NULL) {
		fprintf(f, " -P %s", dir);
		return;
	}
	pol.nreq = p->nreq < PFKEY_POLICY_MAXREQ ? p->nreq :
	    PFKEY_POLICY_MAXREQ;
	for (i = 0; i < pol.nreq; i++) {
		pol.req[i].proto = p->req[i].proto;
		pol.req[i].mode = p->req[i].mode;
		pol.req[i].level = p->req[i].level;
		pol.req[i].reqid = p->req[i].reqid;
		(void)sad_addr_to_sockaddr(&p->req[i].src, &pol.req[i].src);
		(void)sad_addr_to_sockaddr(&p->req[i].dst, &pol.req[i].dst);
		if (p->req[i].src.port != 0 || p->req[i].dst.port != 0)
			flags |= PFKEY_PF_WITHPORTS;
	}
	n = pfkey_policy_format(&pol, d, flags, buf, sizeof(buf));
	if (n < 0)
		fprintf(f, " -P # %s", pfkey_strerror(n));
	else
		fprintf(f, " -P %s", buf);
}

static void
print_spd_cmd(FILE *f, const struct setkey_cmd *c, enum pfkey_dialect d)
{
	const struct spd_entry *p = &c->sp;
	int flags = PA_PLEN;

	if (!misc_ports(&p->sel))
		flags |= PA_PORT;
	fputs(op_name(c->op), f);
	print_aflags(f, c->aflags);
	print_addr(f, &p->sel.src, flags);
	print_addr(f, &p->sel.dst, flags);
	print_upper(f, &p->sel);
	if (p->has & SPD_HAS_CTX)
		print_ctx(f, p->ctx_doi, p->ctx_alg, p->ctx, p->ctx_len);
	print_policy(f, c, d);
	fputs(";\n", f);
}

void
print_cmd(FILE *f, const struct setkey_cmd *c, enum pfkey_dialect d)
{
	const char *proto;

	switch (c->op) {
	case SK_ADD:
	case SK_UPDATE:
	case SK_GET:
	case SK_DELETE:
	case SK_DELETEALL:
	case SK_GETSPI:
		print_sa_cmd(f, c, d);
		break;
	case SK_FLUSH:
	case SK_DUMP:
		fputs(op_name(c->op), f);
		/* Only the SA type goes out: esp-old flushes esp. */
		if ((proto = proto_name(SKP_NONE, c->sa.satype)) != NULL)
			fprintf(f, " %s", proto);
		fputs(";\n", f);
		break;
	case SK_SPDADD:
	case SK_SPDUPDATE:
	case SK_SPDDELETE:
		print_spd_cmd(f, c, d);
		break;
	case SK_SPDFLUSH:
	case SK_SPDDUMP:
	case SK_EXIT:
		fprintf(f, "%s;\n", op_name(c->op));
		break;
	}
}
