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
 * conf.h: racoon-ng.conf, the racoon.conf(5) grammar as racoon users wrote
 * it, parsed into one structure the daemon uses as it is.
 *
 *	struct conf_msgs msgs;
 *	struct rcn_config *cfg;
 *
 *	TAILQ_INIT(&msgs);
 *	if (conf_load("/etc/racoon-ng/racoon-ng.conf", NULL, &cfg,
 *	    &msgs) == -1)
 *		... report msgs (each "FILE:LINE:COL: message"), keep the
 *		    configuration in use: nothing was half loaded ...
 *	... report the warnings left in msgs, swap cfg in, conf_free() the
 *	    old one ...
 *	conf_msgs_free(&msgs);
 *
 * Everything in the structure is final: defaults are filled in, paths
 * are resolved, "inherit" is flattened (an inheriting remote holds the
 * full copy), proposals carry their effective lifetime.  The library
 * never prints and never exits; conf_print() writes the canonical form
 * (racoon-ng -n) on a stream the caller gives.
 *
 * Numbers that go on the wire are the IANA values of the IKEv1 and
 * IPsec DOI registries (RFC 2407, RFC 2409 appendix A, RFC 3602,
 * RFC 4106, RFC 4868, RFC 5903, RFC 8031), so the ISAKMP code can use
 * them directly.  Ports are in host byte order, times in seconds, byte
 * lifetimes in bytes.
 */

#ifndef RACOON_NG_CONF_H
#define RACOON_NG_CONF_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sadb.h"		/* struct sad_addr */

/* Defaults of the effective configuration (printed by conf_print()). */
#define CONF_PORT_ISAKMP	500
#define CONF_PORT_NATT		4500
#define CONF_DEFAULT_ADMINSOCK	"/var/run/racoon-ng.sock"
#define CONF_DEFAULT_PIDFILE	"/var/run/racoon-ng.pid"
#define CONF_DEFAULT_USER	"_racoon"
#define CONF_DEFAULT_CHROOT	"/var/empty"
#define CONF_DEFAULT_P1_LIFE	28800	/* 8 h, as racoon */
#define CONF_DEFAULT_P2_LIFE	28800	/* RFC 2407 4.5 */
#define CONF_MAX_INCLUDE	10	/* nesting depth, as racoon */
#define CONF_MAX_ERRORS		20	/* then the parse stops */
#define CONF_MAX_ALGS		16	/* per sainfo algorithm list */
#define CONF_MAX_XMODES		2

/* Where something was written: for the daemon's log messages. */
struct conf_where {
	const char	*file;		/* owned by the rcn_config */
	unsigned	 line;
	unsigned	 col;
};

/* --------------------------------------------------------------- values */

enum rcn_log {				/* racoon's six levels */
	RCN_LOG_ERROR,
	RCN_LOG_WARNING,
	RCN_LOG_NOTIFY,
	RCN_LOG_INFO,			/* the default */
	RCN_LOG_DEBUG,
	RCN_LOG_DEBUG2
};

/* Where SAs go: racoon-ng's `sadb { transport ...; }` (and -B). */
enum rcn_transport {
	RCN_TRANSPORT_AUTO,		/* PF_KEY, else XFRM, else error */
	RCN_TRANSPORT_PFKEY,
	RCN_TRANSPORT_XFRM,
	RCN_TRANSPORT_SADBD
};

/* ISAKMP exchange types (RFC 2408 3.1). */
#define RCN_XMODE_MAIN		2	/* Identity Protection */
#define RCN_XMODE_AGGRESSIVE	4

/* Phase 1 attributes (RFC 2409 appendix A, RFC 3602, RFC 4868). */
#define RCN_P1_ENC_3DES		5
#define RCN_P1_ENC_AES		7
#define RCN_P1_HASH_SHA1	2
#define RCN_P1_HASH_SHA256	4
#define RCN_P1_HASH_SHA384	5
#define RCN_P1_HASH_SHA512	6
#define RCN_AUTH_PSK		1
#define RCN_AUTH_RSASIG		3

/*
 * Diffie-Hellman groups (IKE group numbers): MODP 1, 2, 5, 14-18
 * (RFC 2409, RFC 3526), ECP 19, 20 (RFC 5903), Curve25519 31 (RFC 8031).
 */
#define RCN_DH_NONE		0

/* Phase 2: ESP transform IDs (RFC 2407 4.4.4, RFC 3602, RFC 4106). */
#define RCN_ESP_3DES		3
#define RCN_ESP_NULL		11
#define RCN_ESP_AES		12	/* AES-CBC */
#define RCN_ESP_AES_GCM_8	18
#define RCN_ESP_AES_GCM_12	19
#define RCN_ESP_AES_GCM_16	20

/* Phase 2 Authentication Algorithm attribute (RFC 2407 4.5, RFC 4868). */
#define RCN_P2_AUTH_HMAC_SHA1	2
#define RCN_P2_AUTH_HMAC_SHA256	5
#define RCN_P2_AUTH_HMAC_SHA384	6
#define RCN_P2_AUTH_HMAC_SHA512	7

enum rcn_pcheck {			/* proposal_check */
	RCN_PCHECK_OBEY,
	RCN_PCHECK_STRICT,		/* the default */
	RCN_PCHECK_CLAIM,
	RCN_PCHECK_EXACT
};

/* nat_traversal, ike_frag, rekey */
enum rcn_tri {
	RCN_OFF,
	RCN_ON,
	RCN_FORCE
};

enum rcn_genpolicy {			/* generate_policy */
	RCN_GENPOLICY_OFF,
	RCN_GENPOLICY_ON,		/* "on" and "require" are the same */
	RCN_GENPOLICY_UNIQUE
};

enum rcn_script {
	RCN_SCRIPT_PHASE1_UP,
	RCN_SCRIPT_PHASE1_DOWN,
	RCN_SCRIPT_PHASE1_DEAD,
	RCN_SCRIPT_MAX
};

/* Lifetimes: seconds always set (> 0); bytes 0 when none is proposed. */
struct rcn_lifetime {
	uint32_t	 seconds;
	uint64_t	 bytes;
};

/* ---------------------------------------------------------- identities */

enum rcn_idtype {
	RCN_ID_NONE,			/* not given */
	RCN_ID_ADDRESS,			/* ID_IPV4_ADDR / ID_IPV6_ADDR */
	RCN_ID_FQDN,
	RCN_ID_USER_FQDN,
	RCN_ID_ASN1DN			/* ID_DER_ASN1_DN */
};

/*
 * A phase 1 identity.  ADDRESS: has_addr says whether an address was
 * given (else the local/peer IKE address is meant).  FQDN, USER_FQDN:
 * value is the text.  ASN1DN: value is the DN in RFC 2253 text (peers
 * may use "*" components), or NULL for "the subject of my certificate"
 * (my_identifier) / "any subject the CA vouches for" (peers_identifier).
 */
struct rcn_id {
	enum rcn_idtype	 type;
	char		*value;
	bool		 has_addr;
	struct sad_addr	 addr;
};

/* ----------------------------------------------------- phase 1: remote */

struct rcn_proposal {
	TAILQ_ENTRY(rcn_proposal) entry;
	int		 enc;		/* RCN_P1_ENC_* */
	unsigned	 keylen;	/* bits: AES 128/192/256; 0 for 3DES */
	int		 hash;		/* RCN_P1_HASH_* */
	int		 auth;		/* RCN_AUTH_* */
	int		 dh_group;	/* IKE group number */
	struct rcn_lifetime life;	/* effective (own or the remote's) */
	/* whether life was written in the proposal (else the remote's) */
	bool		 own_seconds;
	bool		 own_bytes;
	struct conf_where where;
};
TAILQ_HEAD(rcn_proposals, rcn_proposal);

struct rcn_remote {
	TAILQ_ENTRY(rcn_remote) entry;
	char		*name;		/* "anonymous", ADDR, given */
	char		*inherited;	/* the parent's name, or NULL */
	bool		 anonymous;	/* no remote_address: any peer */
	struct sad_addr	 addr;		/* remote_address, port */

	int		 xmodes[CONF_MAX_XMODES]; /* [0] to initiate */
	unsigned	 nxmodes;

	struct rcn_id	 my_id;		/* default: ADDRESS */
	struct rcn_id	*peers_ids;	/* any of them is accepted */
	unsigned	 npeers_ids;
	bool		 verify_identifier;

	/* Files, resolved against `path certificate' (absolute or as
	 * given when that path is relative and the file is too). */
	char		*cert_file;	/* certificate_type x509 C K */
	char		*key_file;
	char		*ca_file;	/* ca_type x509 CA */
	char		*crl_file;	/* racoon-ng: crl_file */
	char		*peers_certfile;
	bool		 send_cert;
	bool		 send_cr;
	bool		 verify_cert;
	bool		 match_empty_cr;

	struct rcn_lifetime life;	/* `lifetime' of the remote */
	unsigned	 nonce_size;	/* bytes, 8..256 */
	enum rcn_pcheck	 proposal_check;
	enum rcn_tri	 nat_traversal;
	uint32_t	 dpd_delay;	/* seconds; 0: no DPD checks */
	uint32_t	 dpd_retry;
	uint32_t	 dpd_maxfail;
	enum rcn_tri	 ike_frag;
	enum rcn_genpolicy generate_policy;
	bool		 passive;
	bool		 support_proxy;
	bool		 initial_contact;
	enum rcn_tri	 rekey;
	bool		 weak_phase1_check;
	char		*script[RCN_SCRIPT_MAX];	/* NULL if none */
	uint32_t	 ph1id;

	struct rcn_proposals proposals;	/* in the order of the file */
	unsigned	 nproposals;
	struct conf_where where;
};
TAILQ_HEAD(rcn_remotes, rcn_remote);

/* ----------------------------------------------------- phase 2: sainfo */

enum rcn_said_kind {
	RCN_SAID_ANONYMOUS,		/* matches any ID */
	RCN_SAID_CLIENTADDR,		/* remote side only */
	RCN_SAID_ADDRESS,		/* one host: ID_IPV4/6_ADDR */
	RCN_SAID_SUBNET			/* ID_IPV4/6_ADDR_SUBNET */
};

#define RCN_PROTO_ANY		255	/* IPSEC_ULPROTO_ANY */

struct rcn_said {
	enum rcn_said_kind kind;
	struct sad_addr	 addr;		/* plen, port (0 = any) */
	uint8_t		 proto;		/* or RCN_PROTO_ANY */
};

struct rcn_p2enc {
	int		 id;		/* RCN_ESP_* */
	unsigned	 keylen;	/* bits; 0 for 3DES and NULL */
};

struct rcn_sainfo {
	TAILQ_ENTRY(rcn_sainfo) entry;
	struct rcn_said	 local;
	struct rcn_said	 remote;
	struct rcn_id	 from;		/* `from ID'; NONE: any */
	int		 pfs_group;	/* RCN_DH_NONE: no PFS needed */
	bool		 esn;		/* RFC 4304: 64-bit sequence numbers */
	struct rcn_lifetime life;
	struct rcn_p2enc enc[CONF_MAX_ALGS];	/* preference order */
	unsigned	 nenc;
	int		 auth[CONF_MAX_ALGS];	/* RCN_P2_AUTH_* */
	unsigned	 nauth;
	uint32_t	 remoteid;
	struct conf_where where;
};
TAILQ_HEAD(rcn_sainfos, rcn_sainfo);

/* --------------------------------------------------------------- global */

struct rcn_listen {
	struct sad_addr	 addr;		/* port included */
	bool		 natt;		/* isakmp_natt */
};

struct rcn_config {
	/* path */
	char		*path_include;
	char		*path_psk;	/* NULL: no pre-shared key file */
	char		*path_certificate;
	char		*path_script;
	char		*path_pidfile;

	enum rcn_log	 log;

	/* privsep: user and group as written; the daemon resolves them. */
	char		*privsep_user;	/* a name, or NULL: */
	uid_t		 privsep_uid;	/* a number */
	/* group: a name, a number, or neither (the user's group) */
	char		*privsep_group;
	bool		 privsep_has_gid;
	gid_t		 privsep_gid;
	char		*privsep_chroot;

	/* sadb (racoon-ng) */
	enum rcn_transport transport;
	char		*sadbd_socket;	/* NULL: sadbd's default */

	/* listen */
	struct rcn_listen *listen;	/* none: every local address */
	unsigned	 nlisten;
	bool		 strict_address;
	bool		 adminsock_disabled;
	char		*adminsock_path;
	char		*adminsock_owner;	/* user name or number */
	char		*adminsock_group;
	mode_t		 adminsock_mode;

	/* timer */
	unsigned	 retry_counter;
	uint32_t	 retry_interval;
	unsigned	 retry_persend;
	uint32_t	 phase1_timeout;
	uint32_t	 phase2_timeout;
	uint32_t	 natt_keepalive;	/* 0: no keep-alives */

	/* padding */
	bool		 pad_randomize;
	bool		 pad_randomize_length;
	unsigned	 pad_maximum_length;
	bool		 pad_exclusive_tail;
	bool		 pad_strict_check;

	struct rcn_remotes remotes;	/* in the order of the file */
	unsigned	 nremotes;
	struct rcn_sainfos sainfos;
	unsigned	 nsainfos;

	char		**files;	/* every file read */
	unsigned	 nfiles;
};

/* ----------------------------------------------------------- messages */

struct conf_msg {
	TAILQ_ENTRY(conf_msg) entry;
	bool		 warning;	/* else an error */
	char		*text;		/* FILE:LINE:COL: ... */
};
TAILQ_HEAD(conf_msgs, conf_msg);

/* ------------------------------------------------------------------ API */

#define CONF_F_NOINCLUDE	0x01	/* `include' is an error */

struct conf_opts {
	unsigned	 flags;
};

/*
 * Parse the file at `path' (and what it includes).  On success return 0
 * with a new configuration in *cfgp; on any error return -1 with *cfgp
 * NULL: nothing is half loaded, and a reload that fails leaves the
 * caller's configuration alone.  Messages (errors and warnings, in the
 * order found) are appended to `msgs' (TAILQ_INIT by the caller) in both
 * cases.  opts may be NULL.  Relative paths in the file are relative to
 * the directory of `path' (see racoon-ng.conf(5)).
 */
int	 conf_load(const char *path, const struct conf_opts *opts,
	    struct rcn_config **cfgp, struct conf_msgs *msgs);
/* The same from a buffer; `name' names it in messages (and its dir). */
int	 conf_load_buffer(const char *buf, size_t len, const char *name,
	    const struct conf_opts *opts, struct rcn_config **cfgp,
	    struct conf_msgs *msgs);
void	 conf_free(struct rcn_config *);
void	 conf_msgs_free(struct conf_msgs *);
/* Number of errors (not warnings) in msgs. */
unsigned conf_msgs_errors(const struct conf_msgs *);

/*
 * The canonical racoon-ng.conf text of cfg: every setting with its
 * effective value, includes and inheritance flattened, unset optional
 * values as comments.  Parsing it again gives the same configuration
 * and the same text.  Never prints a key.  Returns 0, or -1 if writing
 * failed.
 */
int	 conf_print(FILE *, const struct rcn_config *);

/* Look-ups. */
const struct rcn_remote *conf_remote_by_name(const struct rcn_config *,
	    const char *name);

/* Names, as conf_print() writes them; "?" for an unknown value. */
const char	*conf_dh_name(int group);
const char	*conf_xmode_name(int xmode);
const char	*conf_p1_enc_name(int enc);
const char	*conf_p1_hash_name(int hash);
const char	*conf_auth_name(int auth);
const char	*conf_p2_enc_name(int id);
const char	*conf_p2_auth_name(int auth);
const char	*conf_transport_name(enum rcn_transport);
const char	*conf_log_name(enum rcn_log);
/* Whether a phase 2 cipher is AEAD (needs no authentication algorithm). */
bool		 conf_p2_enc_is_aead(int id);

#endif /* RACOON_NG_CONF_H */
