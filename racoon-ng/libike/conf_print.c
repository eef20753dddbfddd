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
 * conf_print.c: the canonical racoon-ng.conf text of a configuration
 * (racoon-ng -n, the golden tests, the fuzzer's fixed point).
 *
 * Every setting is written with its effective value in one fixed order
 * and one spelling; a value that is not set is written as a comment so
 * the reader sees the default.  The text parses back into the same
 * configuration.  Nothing secret is in a configuration (pre-shared keys
 * live in their own file), so nothing secret is printed.
 */

#include <sys/types.h>

#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "conf_priv.h"

static const char *
onoff(bool v)
{
	return (v ? "on" : "off");
}

static const char *
tri(enum rcn_tri v)
{
	switch (v) {
	case RCN_OFF:
		return ("off");
	case RCN_ON:
		return ("on");
	default:
		return ("force");
	}
}

/* N sec|min|hour with the largest unit that divides exactly. */
static void
fmt_time(uint32_t secs, char *buf, size_t len)
{
	if (secs != 0 && secs % 3600 == 0)
		(void)snprintf(buf, len, "%u hour", secs / 3600);
	else if (secs != 0 && secs % 60 == 0)
		(void)snprintf(buf, len, "%u min", secs / 60);
	else
		(void)snprintf(buf, len, "%u sec", secs);
}

static void
fmt_bytes(uint64_t b, char *buf, size_t len)
{
	static const struct {
		unsigned	 shift;
		const char	*unit;
	} u[] = { { 40, "TB" }, { 30, "GB" }, { 20, "MB" }, { 10, "KB" } };
	size_t i;

	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if (b % ((uint64_t)1 << u[i].shift) == 0) {
			(void)snprintf(buf, len, "%llu %s",
			    (unsigned long long)(b >> u[i].shift), u[i].unit);
			return;
		}
	(void)snprintf(buf, len, "%llu B", (unsigned long long)b);
}

static void
fmt_addr(const struct sad_addr *a, char *buf, size_t len)
{
	(void)sad_addr_ntop(a, buf, len);
}

void
conf_id_str(const struct rcn_id *id, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	switch (id->type) {
	case RCN_ID_ADDRESS:
		if (id->has_addr) {
			fmt_addr(&id->addr, a, sizeof(a));
			(void)snprintf(buf, len, "address %s", a);
		} else
			(void)strlcpy(buf, "address", len);
		break;
	case RCN_ID_FQDN:
		(void)snprintf(buf, len, "fqdn \"%s\"", id->value);
		break;
	case RCN_ID_USER_FQDN:
		(void)snprintf(buf, len, "user_fqdn \"%s\"", id->value);
		break;
	case RCN_ID_ASN1DN:
		if (id->value != NULL)
			(void)snprintf(buf, len, "asn1dn \"%s\"", id->value);
		else
			(void)strlcpy(buf, "asn1dn", len);
		break;
	default:
		(void)strlcpy(buf, "?", len);
		break;
	}
}

void
conf_said_str(const struct rcn_said *s, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], port[16], proto[8];
	const char *pn;

	switch (s->kind) {
	case RCN_SAID_ANONYMOUS:
		(void)strlcpy(buf, "anonymous", len);
		return;
	case RCN_SAID_CLIENTADDR:
		(void)strlcpy(buf, "clientaddr", len);
		return;
	default:
		break;
	}
	fmt_addr(&s->addr, a, sizeof(a));
	port[0] = '\0';
	if (s->addr.port != 0)
		(void)snprintf(port, sizeof(port), " [%u]", s->addr.port);
	if ((pn = conf_ulproto_name(s->proto)) == NULL) {
		(void)snprintf(proto, sizeof(proto), "%u", s->proto);
		pn = proto;
	}
	if (s->kind == RCN_SAID_ADDRESS)
		(void)snprintf(buf, len, "address %s%s %s", a, port, pn);
	else
		(void)snprintf(buf, len, "subnet %s/%u%s %s", a, s->addr.plen,
		    port, pn);
}

/*
 * A file name as it parses back to itself: a relative one (relative to
 * the main file's directory) gets "./", which racoon-ng.conf reads as
 * "relative to the main file" rather than to a `path' setting.
 */
static const char *
rel(const char *path)
{
	if (path[0] == '/' || strncmp(path, "./", 2) == 0 ||
	    strncmp(path, "../", 3) == 0)
		return ("");
	return ("./");
}

static void
print_opt_path(FILE *f, const char *type, const char *path)
{
	if (path != NULL)
		fprintf(f, "path %s \"%s%s\";\n", type, rel(path), path);
	else
		fprintf(f, "# path %s: not set\n", type);
}

static void
print_global(FILE *f, const struct rcn_config *c)
{
	char a[INET6_ADDRSTRLEN], t[48];
	unsigned i;

	fprintf(f, "# racoon-ng.conf: the effective configuration\n\n");
	print_opt_path(f, "include", c->path_include);
	print_opt_path(f, "pre_shared_key", c->path_psk);
	print_opt_path(f, "certificate", c->path_certificate);
	print_opt_path(f, "script", c->path_script);
	print_opt_path(f, "pidfile", c->path_pidfile);
	fprintf(f, "log %s;\n\n", conf_log_name(c->log));

	fprintf(f, "privsep {\n");
	if (c->privsep_user != NULL)
		fprintf(f, "\tuser \"%s\";\n", c->privsep_user);
	else
		fprintf(f, "\tuser %lu;\n", (unsigned long)c->privsep_uid);
	if (c->privsep_group != NULL)
		fprintf(f, "\tgroup \"%s\";\n", c->privsep_group);
	else if (c->privsep_has_gid)
		fprintf(f, "\tgroup %lu;\n", (unsigned long)c->privsep_gid);
	else
		fprintf(f, "\t# group: the user's primary group\n");
	fprintf(f, "\tchroot \"%s\";\n}\n\n", c->privsep_chroot);

	fprintf(f, "sadb {\n\ttransport %s;\n",
	    conf_transport_name(c->transport));
	if (c->sadbd_socket != NULL)
		fprintf(f, "\tsocket \"%s\";\n", c->sadbd_socket);
	else if (c->transport == RCN_TRANSPORT_SADBD)
		fprintf(f, "\t# socket: sadbd's default\n");
	fprintf(f, "}\n\n");

	fprintf(f, "listen {\n");
	if (c->nlisten == 0)
		fprintf(f, "\t# isakmp: every local address, ports %d and "
		    "%d\n", CONF_PORT_ISAKMP, CONF_PORT_NATT);
	for (i = 0; i < c->nlisten; i++) {
		fmt_addr(&c->listen[i].addr, a, sizeof(a));
		fprintf(f, "\t%s %s [%u];\n", c->listen[i].natt ?
		    "isakmp_natt" : "isakmp", a, c->listen[i].addr.port);
	}
	if (c->strict_address)
		fprintf(f, "\tstrict_address;\n");
	else
		fprintf(f, "\t# strict_address: off\n");
	if (c->adminsock_disabled)
		fprintf(f, "\tadminsock disabled;\n");
	else
		fprintf(f, "\tadminsock \"%s\" \"%s\" \"%s\" 0%03o;\n",
		    c->adminsock_path, c->adminsock_owner, c->adminsock_group,
		    (unsigned)c->adminsock_mode);
	fprintf(f, "}\n\n");

	fprintf(f, "timer {\n\tcounter %u;\n", c->retry_counter);
	fmt_time(c->retry_interval, t, sizeof(t));
	fprintf(f, "\tinterval %s;\n\tpersend %u;\n", t, c->retry_persend);
	fmt_time(c->phase1_timeout, t, sizeof(t));
	fprintf(f, "\tphase1 %s;\n", t);
	fmt_time(c->phase2_timeout, t, sizeof(t));
	fprintf(f, "\tphase2 %s;\n", t);
	fmt_time(c->natt_keepalive, t, sizeof(t));
	fprintf(f, "\tnatt_keepalive %s;\n}\n\n", t);

	fprintf(f, "padding {\n");
	fprintf(f, "\trandomize %s;\n", onoff(c->pad_randomize));
	fprintf(f, "\trandomize_length %s;\n",
	    onoff(c->pad_randomize_length));
	fprintf(f, "\tmaximum_length %u;\n", c->pad_maximum_length);
	fprintf(f, "\texclusive_tail %s;\n", onoff(c->pad_exclusive_tail));
	fprintf(f, "\tstrict_check %s;\n}\n", onoff(c->pad_strict_check));
}

static void
print_lifetime(FILE *f, const char *indent, const struct rcn_lifetime *l,
    bool byte_comment)
{
	char t[48];

	fmt_time(l->seconds, t, sizeof(t));
	fprintf(f, "%slifetime time %s;\n", indent, t);
	if (l->bytes != 0) {
		fmt_bytes(l->bytes, t, sizeof(t));
		fprintf(f, "%slifetime byte %s;\n", indent, t);
	} else if (byte_comment)
		fprintf(f, "%s# lifetime byte: none\n", indent);
}

static void
print_file(FILE *f, const char *stmt, const char *type, const char *file,
    const char *none)
{
	if (file != NULL)
		fprintf(f, "\t%s %s\"%s%s\";\n", stmt, type, rel(file), file);
	else
		fprintf(f, "\t# %s: %s\n", stmt, none);
}

static void
print_remote(FILE *f, const struct rcn_remote *r)
{
	static const char *const pcheck[] = {
		"obey", "strict", "claim", "exact"
	};
	static const char *const genpol[] = { "off", "on", "unique" };
	static const char *const script[] = {
		"phase1_up", "phase1_down", "phase1_dead"
	};
	const struct rcn_proposal *pr;
	char a[INET6_ADDRSTRLEN], id[512];
	unsigned i;

	/* flattened: an inheriting remote is printed whole, without inherit */
	fprintf(f, "\nremote \"%s\" {\n", r->name);
	if (r->anonymous)
		fprintf(f, "\t# remote_address: any (anonymous)\n");
	else {
		fmt_addr(&r->addr, a, sizeof(a));
		fprintf(f, "\tremote_address %s [%u];\n", a, r->addr.port);
	}
	fprintf(f, "\texchange_mode ");
	for (i = 0; i < r->nxmodes; i++)
		fprintf(f, "%s%s", i > 0 ? ", " : "",
		    conf_xmode_name(r->xmodes[i]));
	fprintf(f, ";\n\tdoi ipsec_doi;\n\tsituation identity_only;\n");
	conf_id_str(&r->my_id, id, sizeof(id));
	fprintf(f, "\tmy_identifier %s;\n", id);
	if (r->npeers_ids == 0)
		fprintf(f, "\t# peers_identifier: none\n");
	for (i = 0; i < r->npeers_ids; i++) {
		conf_id_str(&r->peers_ids[i], id, sizeof(id));
		fprintf(f, "\tpeers_identifier %s;\n", id);
	}
	fprintf(f, "\tverify_identifier %s;\n", onoff(r->verify_identifier));
	if (r->cert_file != NULL)
		fprintf(f, "\tcertificate_type x509 \"%s%s\" \"%s%s\";\n",
		    rel(r->cert_file), r->cert_file, rel(r->key_file),
		    r->key_file);
	else
		fprintf(f, "\t# certificate_type: none\n");
	print_file(f, "ca_type", "x509 ", r->ca_file, "none");
	print_file(f, "crl_file", "", r->crl_file, "none");
	print_file(f, "peers_certfile", "x509 ", r->peers_certfile,
	    "none (the peer's CERT payload)");
	fprintf(f, "\tsend_cert %s;\n", onoff(r->send_cert));
	fprintf(f, "\tsend_cr %s;\n", onoff(r->send_cr));
	fprintf(f, "\tverify_cert %s;\n", onoff(r->verify_cert));
	fprintf(f, "\tmatch_empty_cr %s;\n", onoff(r->match_empty_cr));
	print_lifetime(f, "\t", &r->life, true);
	fprintf(f, "\tnonce_size %u;\n", r->nonce_size);
	fprintf(f, "\tproposal_check %s;\n", pcheck[r->proposal_check]);
	fprintf(f, "\tnat_traversal %s;\n", tri(r->nat_traversal));
	fprintf(f, "\tdpd_delay %u;\n", r->dpd_delay);
	fprintf(f, "\tdpd_retry %u;\n", r->dpd_retry);
	fprintf(f, "\tdpd_maxfail %u;\n", r->dpd_maxfail);
	fprintf(f, "\tike_frag %s;\n", tri(r->ike_frag));
	fprintf(f, "\tgenerate_policy %s;\n", genpol[r->generate_policy]);
	fprintf(f, "\tpassive %s;\n", onoff(r->passive));
	fprintf(f, "\tsupport_proxy %s;\n", onoff(r->support_proxy));
	fprintf(f, "\tinitial_contact %s;\n", onoff(r->initial_contact));
	fprintf(f, "\trekey %s;\n", tri(r->rekey));
	fprintf(f, "\tweak_phase1_check %s;\n", onoff(r->weak_phase1_check));
	for (i = 0; i < RCN_SCRIPT_MAX; i++) {
		if (r->script[i] != NULL)
			fprintf(f, "\tscript \"%s%s\" %s;\n",
			    rel(r->script[i]), r->script[i], script[i]);
		else
			fprintf(f, "\t# script %s: none\n", script[i]);
	}
	fprintf(f, "\tph1id %u;\n", r->ph1id);
	TAILQ_FOREACH(pr, &r->proposals, entry) {
		fprintf(f, "\tproposal {\n");
		if (pr->keylen != 0)
			fprintf(f, "\t\tencryption_algorithm %s %u;\n",
			    conf_p1_enc_name(pr->enc), pr->keylen);
		else
			fprintf(f, "\t\tencryption_algorithm %s;\n",
			    conf_p1_enc_name(pr->enc));
		fprintf(f, "\t\thash_algorithm %s;\n",
		    conf_p1_hash_name(pr->hash));
		fprintf(f, "\t\tauthentication_method %s;\n",
		    conf_auth_name(pr->auth));
		fprintf(f, "\t\tdh_group %s;\n", conf_dh_name(pr->dh_group));
		print_lifetime(f, "\t\t", &pr->life, false);
		fprintf(f, "\t}\n");
	}
	fprintf(f, "}\n");
}

static void
print_sainfo(FILE *f, const struct rcn_sainfo *s)
{
	char l[160], r[160], id[512];
	unsigned i;

	if (s->local.kind == RCN_SAID_ANONYMOUS &&
	    s->remote.kind == RCN_SAID_ANONYMOUS)
		fprintf(f, "\nsainfo anonymous");
	else {
		conf_said_str(&s->local, l, sizeof(l));
		conf_said_str(&s->remote, r, sizeof(r));
		fprintf(f, "\nsainfo %s %s", l, r);
	}
	if (s->from.type != RCN_ID_NONE) {
		conf_id_str(&s->from, id, sizeof(id));
		fprintf(f, " from %s", id);
	}
	fprintf(f, " {\n");
	if (s->pfs_group != RCN_DH_NONE)
		fprintf(f, "\tpfs_group %s;\n", conf_dh_name(s->pfs_group));
	else
		fprintf(f, "\t# pfs_group: none (PFS not required)\n");
	if (s->esn)
		fprintf(f, "\tesn on;\n");
	print_lifetime(f, "\t", &s->life, true);
	fprintf(f, "\tencryption_algorithm ");
	for (i = 0; i < s->nenc; i++) {
		fprintf(f, "%s%s", i > 0 ? ", " : "",
		    conf_p2_enc_name(s->enc[i].id));
		if (s->enc[i].keylen != 0)
			fprintf(f, " %u", s->enc[i].keylen);
	}
	fprintf(f, ";\n");
	if (s->nauth == 0)
		fprintf(f, "\t# authentication_algorithm: none (AEAD "
		    "ciphers only)\n");
	else {
		fprintf(f, "\tauthentication_algorithm ");
		for (i = 0; i < s->nauth; i++)
			fprintf(f, "%s%s", i > 0 ? ", " : "",
			    conf_p2_auth_name(s->auth[i]));
		fprintf(f, ";\n");
	}
	fprintf(f, "\tremoteid %u;\n}\n", s->remoteid);
}

int
conf_print(FILE *f, const struct rcn_config *c)
{
	const struct rcn_remote *r;
	const struct rcn_sainfo *s;

	print_global(f, c);
	TAILQ_FOREACH(r, &c->remotes, entry)
		print_remote(f, r);
	TAILQ_FOREACH(s, &c->sainfos, entry)
		print_sainfo(f, s);
	if (fflush(f) == EOF || ferror(f))
		return (-1);
	return (0);
}
