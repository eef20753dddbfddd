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
 * The daemon's view of a configuration.  The parent loads the file with
 * libike's parser (conf.h) and keeps both the tree and its canonical text
 * (conf_print(): includes and inheritance flattened, every default
 * written out); the children get that text and parse it again with
 * conf_load_buffer(), so a chrooted process needs no file and all three
 * processes hold the very same configuration.  What the parent itself
 * needs (sockets, control socket, privilege separation, the rules of
 * pv.c) is taken out here, with the command line's -4, -6, -p and -P
 * applied.
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "racoon-ng.h"
#include "conf.h"

/* Append the parser's messages ("FILE:LINE:COL: ...") to err. */
static void
msgs_to(const struct conf_msgs *msgs, bool errors_only, char *err,
    size_t errsz)
{
	const struct conf_msg *m;
	size_t n;

	TAILQ_FOREACH(m, msgs, entry) {
		if (errors_only && m->warning)
			continue;
		n = strlen(err);
		if (n + 1 >= errsz)
			break;
		(void)snprintf(err + n, errsz - n, "%s%s", n > 0 ? "\n" : "",
		    m->text);
	}
}

static void
msgs_log(const struct conf_msgs *msgs)
{
	const struct conf_msg *m;

	TAILQ_FOREACH(m, msgs, entry)
		if (m->warning)
			log_warnx("%s", m->text);
}

static int
resolve_user(const char *name, uid_t *uid, char *err, size_t errsz)
{
	struct passwd *pw;
	const char *es;
	long long v;

	if ((pw = getpwnam(name)) != NULL) {
		*uid = pw->pw_uid;
		return (0);
	}
	v = strtonum(name, 0, UINT32_MAX - 1, &es);
	if (es == NULL) {
		*uid = (uid_t)v;
		return (0);
	}
	(void)snprintf(err, errsz, "adminsock owner %s: no such user", name);
	return (-1);
}

static int
resolve_group(const char *name, gid_t *gid, char *err, size_t errsz)
{
	struct group *gr;
	const char *es;
	long long v;

	if ((gr = getgrnam(name)) != NULL) {
		*gid = gr->gr_gid;
		return (0);
	}
	v = strtonum(name, 0, UINT32_MAX - 1, &es);
	if (es == NULL) {
		*gid = (gid_t)v;
		return (0);
	}
	(void)snprintf(err, errsz, "adminsock group %s: no such group", name);
	return (-1);
}

/* IANA ESP transform ids and IPsec DOI auth values -> libpfkey's. */
static int
p2enc_to_pfkey(int id)
{
	switch (id) {
	case RCN_ESP_3DES:
		return (PFKEY_EALG_3DESCBC);
	case RCN_ESP_NULL:
		return (PFKEY_EALG_NULL);
	case RCN_ESP_AES:
		return (PFKEY_EALG_AESCBC);
	case RCN_ESP_AES_GCM_8:
		return (PFKEY_EALG_AES_GCM_ICV8);
	case RCN_ESP_AES_GCM_12:
		return (PFKEY_EALG_AES_GCM_ICV12);
	case RCN_ESP_AES_GCM_16:
		return (PFKEY_EALG_AES_GCM_ICV16);
	default:
		return (-1);
	}
}

static int
p2auth_to_pfkey(int a)
{
	switch (a) {
	case RCN_P2_AUTH_HMAC_SHA1:
		return (PFKEY_AALG_SHA1HMAC);
	case RCN_P2_AUTH_HMAC_SHA256:
		return (PFKEY_AALG_SHA2_256HMAC);
	case RCN_P2_AUTH_HMAC_SHA384:
		return (PFKEY_AALG_SHA2_384HMAC);
	case RCN_P2_AUTH_HMAC_SHA512:
		return (PFKEY_AALG_SHA2_512HMAC);
	default:
		return (-1);
	}
}

static int
add_listen(struct rconf *rc, const struct sad_addr *a, uint8_t role)
{
	struct rc_listen *n;
	size_t i;

	for (i = 0; i < rc->nlistens; i++)
		if (rc->listens[i].role == role &&
		    rc->listens[i].addr.port == a->port &&
		    sad_addr_cmp(&rc->listens[i].addr, a) == 0)
			return (0);
	n = reallocarray(rc->listens, rc->nlistens + 1, sizeof(*n));
	if (n == NULL)
		return (-1);
	rc->listens = n;
	n[rc->nlistens].addr = *a;
	n[rc->nlistens].role = role;
	rc->nlistens++;
	return (0);
}

static bool
family_ok(const struct rc_opts *o, int af)
{
	if (o->only4 && af != AF_INET)
		return (false);
	if (o->only6 && af != AF_INET6)
		return (false);
	return (true);
}

static int
take_listens(struct rconf *rc, const struct rcn_config *cfg,
    const struct rc_opts *o)
{
	const struct rcn_remote *r;
	struct sad_addr a;
	unsigned i;
	int af;

	rc->port = o->port != 0 ? o->port : CONF_PORT_ISAKMP;
	rc->natt_port = o->natt_port != 0 ? o->natt_port : CONF_PORT_NATT;
	TAILQ_FOREACH(r, &cfg->remotes, entry)
		if (r->nat_traversal != RCN_OFF)
			rc->natt = true;
	for (i = 0; i < cfg->nlisten; i++) {
		a = cfg->listen[i].addr;
		if (!family_ok(o, a.af))
			continue;
		a.plen = (uint8_t)sad_addr_bits(&a);
		if (cfg->listen[i].natt) {
			if (o->natt_port != 0 || a.port == 0)
				a.port = rc->natt_port;
			else
				rc->natt_port = a.port;
			rc->natt = true;
			if (add_listen(rc, &a, PS_ROLE_NATT) == -1)
				return (-1);
		} else {
			if (o->port != 0 || a.port == 0)
				a.port = rc->port;
			if (add_listen(rc, &a, PS_ROLE_IKE) == -1)
				return (-1);
		}
	}
	if (rc->nlistens > 0)
		return (0);
	/* None given: every address, on wildcard sockets. */
	rc->wildcard = true;
	for (af = 0; af < 2; af++) {
		memset(&a, 0, sizeof(a));
		a.af = af == 0 ? AF_INET : AF_INET6;
		if (!family_ok(o, a.af))
			continue;
		a.port = rc->port;
		if (add_listen(rc, &a, PS_ROLE_IKE) == -1)
			return (-1);
		a.port = rc->natt_port;
		if (add_listen(rc, &a, PS_ROLE_NATT) == -1)
			return (-1);
	}
	return (0);
}

static int
take_rules(struct rconf *rc, const struct rcn_config *cfg)
{
	const struct rcn_remote *r;
	const struct rcn_sainfo *si;
	struct pv_rules *pr = &rc->rules;
	struct pv_remote *pvr;
	size_t i, n;
	unsigned k;
	int alg;

	memset(pr, 0, sizeof(*pr));
	pr->natt_port = rc->natt_port;
	if (cfg->nremotes > 0 &&
	    (pr->remotes = calloc(cfg->nremotes, sizeof(*pr->remotes))) ==
	    NULL)
		return (-1);
	n = 0;
	TAILQ_FOREACH(r, &cfg->remotes, entry) {
		if (n >= cfg->nremotes)
			break;
		pvr = &pr->remotes[n++];
		(void)strlcpy(pvr->name, r->name != NULL ? r->name : "",
		    sizeof(pvr->name));
		if (!r->anonymous) {
			pvr->addr = r->addr;
			pvr->addr.port = 0;
			pvr->addr.plen = (uint8_t)sad_addr_bits(&r->addr);
		}
		pvr->generate_policy = r->generate_policy != RCN_GENPOLICY_OFF;
	}
	pr->nremotes = n;
	/* Our addresses: the listen addresses (none: any of ours). */
	if (!rc->wildcard && rc->nlistens > 0) {
		if ((pr->locals = calloc(rc->nlistens,
		    sizeof(*pr->locals))) == NULL)
			return (-1);
		for (i = 0; i < rc->nlistens; i++) {
			if (rc->listens[i].addr.af == AF_UNSPEC)
				continue;
			pr->locals[pr->nlocals] = rc->listens[i].addr;
			pr->locals[pr->nlocals].port = 0;
			pr->nlocals++;
		}
	}
	TAILQ_FOREACH(si, &cfg->sainfos, entry) {
		for (k = 0; k < si->nenc && k < CONF_MAX_ALGS; k++)
			if ((alg = p2enc_to_pfkey(si->enc[k].id)) >= 0 &&
			    alg < 64)
				pr->ealgs |= (uint64_t)1 << alg;
		for (k = 0; k < si->nauth && k < CONF_MAX_ALGS; k++)
			if ((alg = p2auth_to_pfkey(si->auth[k])) >= 0 &&
			    alg < 64)
				pr->aalgs |= (uint64_t)1 << alg;
	}
	/* An AEAD-only configuration names no integrity algorithm; AH and
	 * ESP with integrity are then not negotiable, and stay refused. */
	if (pr->ealgs != 0 && pr->aalgs == 0)
		pr->aalgs = (uint64_t)1 << PFKEY_AALG_NONE;
	return (0);
}

static int
take_text(struct rconf *rc)
{
	FILE *fp;
	char *buf = NULL;
	size_t len = 0;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return (-1);
	if (conf_print(fp, rc->conf) != 0) {
		fclose(fp);
		free(buf);
		return (-1);
	}
	if (fclose(fp) != 0) {
		free(buf);
		return (-1);
	}
	rc->text = buf;
	rc->textlen = len;
	return (0);
}

int
rc_load(const struct rc_opts *o, struct rconf *rc, char *err, size_t errsz)
{
	struct conf_msgs msgs;
	struct rcn_config *cfg = NULL;
	int rc_;

	memset(rc, 0, sizeof(*rc));
	err[0] = '\0';
	TAILQ_INIT(&msgs);
	rc_ = conf_load(o->file, NULL, &cfg, &msgs);
	if (rc_ != 0 || cfg == NULL) {
		msgs_to(&msgs, true, err, errsz);
		if (err[0] == '\0')
			(void)snprintf(err, errsz, "%s: cannot load", o->file);
		conf_msgs_free(&msgs);
		return (-1);
	}
	msgs_log(&msgs);
	conf_msgs_free(&msgs);
	rc->conf = cfg;
	rc->strict = cfg->strict_address;
	rc->loglevel = cfg->log >= RCN_LOG_DEBUG2 ? 2 :
	    cfg->log >= RCN_LOG_DEBUG ? 1 : 0;
	if (take_listens(rc, cfg, o) == -1 || take_rules(rc, cfg) == -1 ||
	    take_text(rc) == -1) {
		(void)snprintf(err, errsz, "%s: %s", o->file, strerror(errno));
		rc_free(rc);
		return (-1);
	}
	if (rc->nlistens == 0) {
		(void)snprintf(err, errsz, "%s: no listen address of the "
		    "family -%c allows", o->file, o->only4 ? '4' : '6');
		rc_free(rc);
		return (-1);
	}
	if (!cfg->adminsock_disabled) {
		(void)strlcpy(rc->adminsock, cfg->adminsock_path != NULL ?
		    cfg->adminsock_path : CONF_DEFAULT_ADMINSOCK,
		    sizeof(rc->adminsock));
		rc->admin_uid = geteuid();
		rc->admin_gid = getegid();
		rc->admin_mode = cfg->adminsock_mode != 0 ?
		    cfg->adminsock_mode : 0600;
		if ((cfg->adminsock_owner != NULL && resolve_user(
		    cfg->adminsock_owner, &rc->admin_uid, err, errsz) == -1) ||
		    (cfg->adminsock_group != NULL && resolve_group(
		    cfg->adminsock_group, &rc->admin_gid, err, errsz) == -1)) {
			rc_free(rc);
			return (-1);
		}
	}
	if (cfg->path_psk != NULL)
		(void)strlcpy(rc->psk_path, cfg->path_psk,
		    sizeof(rc->psk_path));
	(void)strlcpy(rc->pidfile, cfg->path_pidfile != NULL ?
	    cfg->path_pidfile : CONF_DEFAULT_PIDFILE, sizeof(rc->pidfile));
	if (cfg->privsep_user != NULL)
		(void)strlcpy(rc->user, cfg->privsep_user, sizeof(rc->user));
	else
		(void)snprintf(rc->user, sizeof(rc->user), "%lu",
		    (unsigned long)cfg->privsep_uid);
	if (cfg->privsep_group != NULL)
		(void)strlcpy(rc->group, cfg->privsep_group,
		    sizeof(rc->group));
	else if (cfg->privsep_has_gid)
		(void)snprintf(rc->group, sizeof(rc->group), "%lu",
		    (unsigned long)cfg->privsep_gid);
	(void)strlcpy(rc->chroot, cfg->privsep_chroot != NULL ?
	    cfg->privsep_chroot : CONF_DEFAULT_CHROOT, sizeof(rc->chroot));
	switch (cfg->transport) {
	case RCN_TRANSPORT_PFKEY:
		(void)strlcpy(rc->transport, "pfkey", sizeof(rc->transport));
		break;
	case RCN_TRANSPORT_XFRM:
		(void)strlcpy(rc->transport, "xfrm", sizeof(rc->transport));
		break;
	case RCN_TRANSPORT_SADBD:
		if (cfg->sadbd_socket != NULL)
			(void)snprintf(rc->transport, sizeof(rc->transport),
			    "sadbd:%s", cfg->sadbd_socket);
		else
			(void)strlcpy(rc->transport, "sadbd",
			    sizeof(rc->transport));
		break;
	default:
		rc->transport[0] = '\0';
		break;
	}
	return (0);
}

int
rc_parse_text(const char *text, size_t len, struct rcn_config **out, char *err,
    size_t errsz)
{
	struct conf_opts opts;
	struct conf_msgs msgs;
	struct rcn_config *cfg = NULL;

	*out = NULL;
	err[0] = '\0';
	memset(&opts, 0, sizeof(opts));
	opts.flags = CONF_F_NOINCLUDE;
	TAILQ_INIT(&msgs);
	if (conf_load_buffer(text, len, "racoon-ng.conf", &opts, &cfg,
	    &msgs) != 0 || cfg == NULL) {
		msgs_to(&msgs, true, err, errsz);
		if (err[0] == '\0')
			(void)snprintf(err, errsz, "cannot parse");
		conf_msgs_free(&msgs);
		return (-1);
	}
	conf_msgs_free(&msgs);
	*out = cfg;
	return (0);
}

void
rc_conf_free(struct rcn_config *c)
{
	conf_free(c);
}

void
rc_free(struct rconf *rc)
{
	if (rc->conf != NULL)
		conf_free(rc->conf);
	free(rc->text);
	free(rc->listens);
	free(rc->rules.remotes);
	free(rc->rules.locals);
	memset(rc, 0, sizeof(*rc));
}

int
rc_print(const struct rconf *rc, FILE *fp)
{
	return (conf_print(fp, rc->conf));
}
