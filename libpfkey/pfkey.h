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
 * libpfkey: the PF_KEY v2 wire format (RFC 2367 plus the KAME extensions)
 * in the Linux and FreeBSD dialects, and the transports that carry it.
 *
 * The library never prints and never exits.  Functions return 0 (or a
 * count) on success and a negative PFKEY_ERR_* code on failure;
 * pfkey_strerror() names the code.
 *
 * Numbering: message types, SA types and extension types 1-22 agree in both
 * dialects and are used as they are on the wire.  Extensions above 22 differ
 * per dialect, so this API names every extension by a *logical* number
 * (enum pfkey_ext); the codec translates to and from the dialect's wire
 * number.  Algorithms likewise have logical numbers (enum pfkey_alg) and a
 * per-dialect wire number (pfkey_alg_to_wire()).
 */

#ifndef PFKEYKIT_PFKEY_H
#define PFKEYKIT_PFKEY_H

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__linux__)
#include <linux/pfkeyv2.h>
#elif defined(__FreeBSD__) || defined(__NetBSD__) || defined(__APPLE__)
#include <net/pfkeyv2.h>
#else
#error "pfkeykit needs <linux/pfkeyv2.h> or <net/pfkeyv2.h>"
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define PFKEYKIT_VERSION_STRING	"0.1.0"

/* ---------------------------------------------------------------- errors */

#define PFKEY_OK		  0
#define PFKEY_ERR_INTERNAL	 -1	/* internal error (a bug) */
#define PFKEY_ERR_NOMEM		 -2	/* out of memory */
#define PFKEY_ERR_NOSPACE	 -3	/* encode buffer too small */
#define PFKEY_ERR_INVAL		 -4	/* invalid argument */
#define PFKEY_ERR_SHORT		 -5	/* shorter than the base header */
#define PFKEY_ERR_VERSION	 -6	/* sadb_msg_version is not 2 */
#define PFKEY_ERR_LENGTH	 -7	/* sadb_msg_len disagrees with length */
#define PFKEY_ERR_MSGTYPE	 -8	/* message type unknown in dialect */
#define PFKEY_ERR_SATYPE	 -9	/* SA type unknown in dialect */
#define PFKEY_ERR_EXT_SHORT	-10	/* extension header cut or zero length */
#define PFKEY_ERR_EXT_OVERRUN	-11	/* extension runs past the message */
#define PFKEY_ERR_EXT_TYPE	-12	/* extension type 0 or out of range */
#define PFKEY_ERR_EXT_DUP	-13	/* extension type seen twice */
#define PFKEY_ERR_EXT_SIZE	-14	/* extension smaller than its type needs */
#define PFKEY_ERR_SOCKADDR	-15	/* sockaddr does not fit its extension */
#define PFKEY_ERR_FAMILY	-16	/* address family not AF_INET/AF_INET6 */
#define PFKEY_ERR_PREFIXLEN	-17	/* prefix length larger than address */
#define PFKEY_ERR_KEYBITS	-18	/* key bits larger than the extension */
#define PFKEY_ERR_EXT_MISSING	-19	/* a required extension is missing */
#define PFKEY_ERR_POLICY	-20	/* malformed X_POLICY / ipsec request */
#define PFKEY_ERR_FIELD		-21	/* a field holds an invalid value */
#define PFKEY_ERR_DIALECT	-22	/* not expressible in this dialect */
#define PFKEY_ERR_SYSTEM	-23	/* system call failed; see errno */
#define PFKEY_ERR_TIMEOUT	-24	/* no reply in time (retryable) */
#define PFKEY_ERR_NOTSUP	-25	/* transport not available here */
#define PFKEY_ERR_TRUNCATED	-26	/* received message larger than buffer */
#define PFKEY_ERR_EOF		-27	/* transport closed by the peer */
#define PFKEY_ERR_SYNTAX	-28	/* policy string syntax error */
#define PFKEY_ERR_ADDRFAMILY	-29	/* address families do not match */
#define PFKEY_ERR_REPLY		-30	/* for callers: request refused */
#define PFKEY_ERR_NOENT		-31	/* no such name / id in a table */
#define PFKEY_ERR_MAX		-32

/* A short English text for a PFKEY_ERR_* code (never NULL). */
const char	*pfkey_strerror(int code);

/* --------------------------------------------------------------- dialects */

enum pfkey_dialect {
	PFKEY_DIALECT_HOST = 0,		/* whatever this build runs on */
	PFKEY_DIALECT_LINUX = 1,
	PFKEY_DIALECT_FREEBSD = 2
};

/* The dialect of this host; HOST is resolved to it by every function. */
enum pfkey_dialect	 pfkey_host_dialect(void);
enum pfkey_dialect	 pfkey_dialect_resolve(enum pfkey_dialect);
const char		*pfkey_dialect_name(enum pfkey_dialect);
/* "linux", "freebsd" or "host" to a dialect; PFKEY_ERR_NOENT otherwise. */
int			 pfkey_dialect_parse(const char *, enum pfkey_dialect *);

/* --------------------------------------------------- wire-level constants */

#define PFKEY_V2		2
#define PFKEY_UNIT		8	/* all lengths count 8-byte units */
#define PFKEY_ALIGN8(n)		(((size_t)(n) + 7) & ~(size_t)7)
#define PFKEY_MSG_MAXLEN	(65535u * 8u)	/* sadb_msg_len is a u16 */
#define PFKEY_HDRLEN		16	/* sizeof(struct sadb_msg) */

/* Message types.  1-22 are common; 23 and 24 are Linux only. */
enum pfkey_msgtype {
	PFKEY_MSG_RESERVED = 0,
	PFKEY_MSG_GETSPI = 1,
	PFKEY_MSG_UPDATE,
	PFKEY_MSG_ADD,
	PFKEY_MSG_DELETE,
	PFKEY_MSG_GET,
	PFKEY_MSG_ACQUIRE,
	PFKEY_MSG_REGISTER,
	PFKEY_MSG_EXPIRE,
	PFKEY_MSG_FLUSH,
	PFKEY_MSG_DUMP,
	PFKEY_MSG_X_PROMISC,
	PFKEY_MSG_X_PCHANGE,
	PFKEY_MSG_X_SPDUPDATE,
	PFKEY_MSG_X_SPDADD,
	PFKEY_MSG_X_SPDDELETE,
	PFKEY_MSG_X_SPDGET,
	PFKEY_MSG_X_SPDACQUIRE,
	PFKEY_MSG_X_SPDDUMP,
	PFKEY_MSG_X_SPDFLUSH,
	PFKEY_MSG_X_SPDSETIDX,
	PFKEY_MSG_X_SPDEXPIRE,
	PFKEY_MSG_X_SPDDELETE2,		/* 22 */
	PFKEY_MSG_X_NAT_T_NEW_MAPPING,	/* 23, Linux */
	PFKEY_MSG_X_MIGRATE,		/* 24, Linux */
	PFKEY_MSG_COUNT
};

/* SA types (sadb_msg_satype).  TCPSIGNATURE is FreeBSD only. */
#define PFKEY_SATYPE_UNSPEC		0
#define PFKEY_SATYPE_AH			2
#define PFKEY_SATYPE_ESP		3
#define PFKEY_SATYPE_RSVP		5
#define PFKEY_SATYPE_OSPFV2		6
#define PFKEY_SATYPE_RIPV2		7
#define PFKEY_SATYPE_MIP		8
#define PFKEY_SATYPE_IPCOMP		9
#define PFKEY_SATYPE_TCPSIGNATURE	11

/* SA states. */
#define PFKEY_SASTATE_LARVAL	0
#define PFKEY_SASTATE_MATURE	1
#define PFKEY_SASTATE_DYING	2
#define PFKEY_SASTATE_DEAD	3

/* sadb_sa_flags: RFC 2367 and KAME, common to both dialects. */
#define PFKEY_SAFLAG_PFS	0x00000001
#define PFKEY_SAFLAG_OLD	0x00000001	/* KAME X_EXT_OLD (same bit) */
#define PFKEY_SAFLAG_IV4B	0x00000010
#define PFKEY_SAFLAG_DERIV	0x00000020
#define PFKEY_SAFLAG_CYCSEQ	0x00000040
#define PFKEY_SAFLAG_RAWCPI	0x00000080
#define PFKEY_SAFLAG_PSEQ	0x00000000
#define PFKEY_SAFLAG_PRAND	0x00000100
#define PFKEY_SAFLAG_PZERO	0x00000200
#define PFKEY_SAFLAG_PMASK	0x00000300
/*
 * Extended sequence numbers: FreeBSD's flag; pfkeykit's Linux dialect uses
 * the same bit on the xfrm and sadbd transports (af_key has no ESN).
 */
#define PFKEY_SAFLAG_ESN	0x00000400
/* Linux. */
#define PFKEY_SAFLAG_LX_NOPMTUDISC	0x20000000
#define PFKEY_SAFLAG_LX_DECAP_DSCP	0x40000000
#define PFKEY_SAFLAG_LX_NOECN		0x80000000

/* Identity types. */
#define PFKEY_IDENT_PREFIX	1
#define PFKEY_IDENT_FQDN	2
#define PFKEY_IDENT_USERFQDN	3
#define PFKEY_IDENT_ADDR	4	/* FreeBSD X_IDENTTYPE_ADDR */

/* NAT-T encapsulation types (RFC 3948; same numbers as UDP_ENCAP_*). */
#define PFKEY_NATT_ESPINUDP_NON_IKE	1
#define PFKEY_NATT_ESPINUDP		2

/*
 * Logical extension numbers.  1-22 equal the wire numbers of both dialects;
 * the rest exist in one dialect only and are mapped by the codec.
 */
enum pfkey_ext {
	PFKEY_EXT_RESERVED = 0,
	PFKEY_EXT_SA = 1,
	PFKEY_EXT_LIFETIME_CURRENT,
	PFKEY_EXT_LIFETIME_HARD,
	PFKEY_EXT_LIFETIME_SOFT,
	PFKEY_EXT_ADDRESS_SRC,
	PFKEY_EXT_ADDRESS_DST,
	PFKEY_EXT_ADDRESS_PROXY,
	PFKEY_EXT_KEY_AUTH,
	PFKEY_EXT_KEY_ENCRYPT,
	PFKEY_EXT_IDENTITY_SRC,
	PFKEY_EXT_IDENTITY_DST,
	PFKEY_EXT_SENSITIVITY,
	PFKEY_EXT_PROPOSAL,
	PFKEY_EXT_SUPPORTED_AUTH,
	PFKEY_EXT_SUPPORTED_ENCRYPT,
	PFKEY_EXT_SPIRANGE,
	PFKEY_EXT_X_KMPRIVATE,
	PFKEY_EXT_X_POLICY,
	PFKEY_EXT_X_SA2,
	PFKEY_EXT_X_NAT_T_TYPE,
	PFKEY_EXT_X_NAT_T_SPORT,
	PFKEY_EXT_X_NAT_T_DPORT,	/* 22: last common number */
	PFKEY_EXT_X_NAT_T_OA,		/* Linux 23 X_NAT_T_OA, FreeBSD 23 OAI */
	PFKEY_EXT_X_NAT_T_OAR,		/* FreeBSD 24 */
	PFKEY_EXT_X_SEC_CTX,		/* Linux 24 */
	PFKEY_EXT_X_KMADDRESS,		/* Linux 25 */
	PFKEY_EXT_X_NAT_T_FRAG,		/* FreeBSD 25 */
	PFKEY_EXT_X_FILTER,		/* Linux 26 */
	PFKEY_EXT_X_SA_REPLAY,		/* FreeBSD 26; pfkeykit Linux 27 */
	PFKEY_EXT_X_NEW_ADDRESS_SRC,	/* FreeBSD 27 */
	PFKEY_EXT_X_NEW_ADDRESS_DST,	/* FreeBSD 28 */
	PFKEY_EXT_COUNT
};

/* Wire number of a logical extension in a dialect; -1 if it has none. */
int	pfkey_ext_to_wire(enum pfkey_dialect, int logical);
/* Logical number of a wire extension type; -1 if unknown in the dialect. */
int	pfkey_ext_from_wire(enum pfkey_dialect, int wire);
/* Highest message / extension wire number of a dialect. */
int	pfkey_msg_max(enum pfkey_dialect);
int	pfkey_ext_max(enum pfkey_dialect);
/* Whether an SA type is known in the dialect. */
bool	pfkey_satype_valid(enum pfkey_dialect, int satype);

/* Policy constants (ipsec.h numbers, equal in both dialects). */
#define PFKEY_POLICY_DISCARD	0
#define PFKEY_POLICY_NONE	1
#define PFKEY_POLICY_IPSEC	2
#define PFKEY_POLICY_ENTRUST	3
#define PFKEY_POLICY_BYPASS	4

#define PFKEY_DIR_ANY		0
#define PFKEY_DIR_INBOUND	1
#define PFKEY_DIR_OUTBOUND	2
#define PFKEY_DIR_FWD		3	/* Linux only */

#define PFKEY_MODE_ANY		0
#define PFKEY_MODE_TRANSPORT	1
#define PFKEY_MODE_TUNNEL	2
#define PFKEY_MODE_BEET		3	/* Linux only */
#define PFKEY_MODE_IPTFS	4	/* Linux only */

#define PFKEY_LEVEL_DEFAULT	0
#define PFKEY_LEVEL_USE		1
#define PFKEY_LEVEL_REQUIRE	2
#define PFKEY_LEVEL_UNIQUE	3

#define PFKEY_SCOPE_ANY		0x00	/* FreeBSD policy scope */
#define PFKEY_SCOPE_GLOBAL	0x01
#define PFKEY_SCOPE_IFNET	0x02
#define PFKEY_SCOPE_PCB		0x04

#define PFKEY_REQID_MAX		0x3fff	/* IPSEC_MANUAL_REQID_MAX (both) */

/* IP protocols of ipsec requests (IPPROTO_IPCOMP has two spellings). */
#define PFKEY_IPPROTO_ESP	50
#define PFKEY_IPPROTO_AH	51
#define PFKEY_IPPROTO_IPCOMP	108
#define PFKEY_IPPROTO_TCP	6

/* Linux priority anchors (ipsec-tools PRIORITY_*). */
#define PFKEY_PRIORITY_HIGH	0x40000000u
#define PFKEY_PRIORITY_DEFAULT	0x80000000u
#define PFKEY_PRIORITY_LOW	0xC0000000u

/* ------------------------------------------------------------- algorithms */

enum pfkey_alg_kind {
	PFKEY_ALG_AUTH = 0,		/* sadb_sa_auth, SUPPORTED_AUTH */
	PFKEY_ALG_ENCRYPT = 1,		/* sadb_sa_encrypt, SUPPORTED_ENCRYPT */
	PFKEY_ALG_COMP = 2		/* IPComp: sadb_sa_encrypt */
};

/*
 * Logical algorithm numbers, one space per kind.  Every algorithm either
 * dialect can name has one; pfkey_alg_to_wire() says whether a dialect has
 * a number for it.
 */
enum pfkey_aalg {
	PFKEY_AALG_NONE = 0,
	PFKEY_AALG_MD5HMAC,
	PFKEY_AALG_SHA1HMAC,
	PFKEY_AALG_SHA2_256HMAC,
	PFKEY_AALG_SHA2_384HMAC,
	PFKEY_AALG_SHA2_512HMAC,
	PFKEY_AALG_RIPEMD160HMAC,
	PFKEY_AALG_AES_XCBC_MAC,
	PFKEY_AALG_SM3_256HMAC,		/* Linux */
	PFKEY_AALG_AES128GMAC,		/* FreeBSD */
	PFKEY_AALG_AES192GMAC,		/* FreeBSD */
	PFKEY_AALG_AES256GMAC,		/* FreeBSD */
	PFKEY_AALG_CHACHA20POLY1305,	/* FreeBSD */
	PFKEY_AALG_KEYED_MD5,		/* KAME 249 */
	PFKEY_AALG_KEYED_SHA1,		/* KAME 250 */
	PFKEY_AALG_NULL,
	PFKEY_AALG_TCP_MD5,		/* FreeBSD 252 */
	PFKEY_AALG_COUNT
};

enum pfkey_ealg {
	PFKEY_EALG_NONE = 0,
	PFKEY_EALG_DESCBC,
	PFKEY_EALG_3DESCBC,
	PFKEY_EALG_CAST128CBC,
	PFKEY_EALG_BLOWFISHCBC,
	PFKEY_EALG_NULL,
	PFKEY_EALG_AESCBC,
	PFKEY_EALG_AESCTR,
	PFKEY_EALG_AES_CCM_ICV8,	/* Linux */
	PFKEY_EALG_AES_CCM_ICV12,	/* Linux (15: FreeBSD's chacha!) */
	PFKEY_EALG_AES_CCM_ICV16,	/* Linux */
	PFKEY_EALG_AES_GCM_ICV8,
	PFKEY_EALG_AES_GCM_ICV12,
	PFKEY_EALG_AES_GCM_ICV16,
	PFKEY_EALG_CAMELLIACBC,
	PFKEY_EALG_NULL_AES_GMAC,	/* Linux NULL_AES_GMAC, FreeBSD AESGMAC */
	PFKEY_EALG_SM4CBC,		/* Linux */
	PFKEY_EALG_CHACHA20POLY1305,	/* FreeBSD 15; pfkeykit Linux 28 */
	PFKEY_EALG_SERPENTCBC,		/* Linux */
	PFKEY_EALG_TWOFISHCBC,		/* Linux */
	PFKEY_EALG_COUNT
};

enum pfkey_calg {
	PFKEY_CALG_NONE = 0,
	PFKEY_CALG_OUI,
	PFKEY_CALG_DEFLATE,
	PFKEY_CALG_LZS,
	PFKEY_CALG_LZJH,		/* Linux */
	PFKEY_CALG_COUNT
};

/*
 * Per-dialect wire number of a logical algorithm: >= 0, or -1 where the
 * dialect has none.  pfkey_alg_from_wire() is the inverse: the logical
 * number, or -1 for an unknown wire number.
 */
int	pfkey_alg_to_wire(enum pfkey_dialect, enum pfkey_alg_kind, int logical);
int	pfkey_alg_from_wire(enum pfkey_dialect, enum pfkey_alg_kind, int wire);

/*
 * Static facts about an algorithm, shared by parsers, printers and the
 * engine.  Key sizes are in bits and include the salt for salted modes.
 * keybits lists the valid sizes (0-terminated) when the set is discrete;
 * otherwise any multiple of 8 in [minbits, maxbits] is valid.
 */
struct pfkey_alg_info {
	enum pfkey_alg_kind	 kind;
	int			 id;		/* logical number */
	const char		*name;		/* canonical setkey name */
	const char		*aliases[4];	/* other names setkey accepts */
	uint16_t		 minbits;
	uint16_t		 maxbits;
	uint16_t		 keybits[6];
	uint16_t		 saltbits;	/* trailing salt/nonce in the key */
	uint16_t		 icvbits;	/* ICV length (full, RFC) */
	uint16_t		 ivbytes;	/* explicit IV on the wire */
	uint16_t		 blockbytes;
	bool			 aead;		/* combined mode: an encryption
						 * algorithm needing no -A, or
						 * the integrity half of one */
	bool			 deprecated;	/* weak; accepted for old scripts */
};

const struct pfkey_alg_info	*pfkey_alg_info(enum pfkey_alg_kind, int logical);
/* Look an algorithm name (canonical or alias) up; NULL if unknown. */
const struct pfkey_alg_info	*pfkey_alg_lookup(enum pfkey_alg_kind,
				    const char *);
/* Iterate: the n-th algorithm of a kind, NULL past the end. */
const struct pfkey_alg_info	*pfkey_alg_nth(enum pfkey_alg_kind, size_t n);
/* Whether a key of `bits' bits is valid for the algorithm. */
bool	pfkey_alg_keybits_ok(const struct pfkey_alg_info *, unsigned bits);

/* ----------------------------------------------------------------- names */

/*
 * id <-> name tables shared by parsers and printers.  The _name functions
 * return NULL for an unknown value; the _lookup functions return the value
 * or -1.  Names are those setkey and the KAME printers use.
 */
const char	*pfkey_msgtype_name(int);	/* "ADD", "X_SPDADD" ... */
int		 pfkey_msgtype_lookup(const char *);
const char	*pfkey_satype_name(int);	/* "esp", "ah", "ipcomp", "tcp" */
int		 pfkey_satype_lookup(const char *);
const char	*pfkey_ext_name(int logical);	/* "SA", "ADDRESS_SRC" ... */
int		 pfkey_ext_lookup(const char *);
const char	*pfkey_sastate_name(int);	/* "larval" ... "dead" */
int		 pfkey_sastate_lookup(const char *);
const char	*pfkey_mode_name(int);		/* "any", "transport" ... */
int		 pfkey_mode_lookup(const char *);
const char	*pfkey_dir_name(int);		/* "any", "in", "out", "fwd" */
int		 pfkey_dir_lookup(const char *);
const char	*pfkey_policy_type_name(int);	/* "discard", "none", ... */
int		 pfkey_policy_type_lookup(const char *);
const char	*pfkey_level_name(int);		/* "default", "use" ... */
int		 pfkey_level_lookup(const char *);
/* IPsec protocol of a request: "esp" 50, "ah" 51, "ipcomp" 108, "tcp" 6. */
const char	*pfkey_ipproto_name(int);
int		 pfkey_ipproto_lookup(const char *);
/* SA type <-> IP protocol of the SA (ESP <-> 50 ...); -1 if none. */
int		 pfkey_satype_to_ipproto(int satype);
int		 pfkey_ipproto_to_satype(int proto);

/* --------------------------------------------------------------- decoding */

/*
 * A validated view of one message.  Pointers point into the caller's
 * buffer, which must stay alive and unchanged while the view is used.
 * ext[] is indexed by logical extension number; absent ones are NULL.
 */
struct pfkey_msg {
	const struct sadb_msg	*hdr;
	const struct sadb_ext	*ext[PFKEY_EXT_COUNT];
	size_t			 len;
	enum pfkey_dialect	 dialect;
	/* Where decoding failed (valid only after an error return). */
	int			 err_ext;	/* logical ext, or 0 for base */
	int			 err_wire;	/* wire type there, or -1 */
	size_t			 err_off;	/* byte offset of the fault */
};

/* Decode flags. */
#define PFKEY_DEC_FROM_KERNEL	0x01	/* a reply/broadcast, not a request */
#define PFKEY_DEC_NOREQ		0x02	/* skip the required-extension check */
#define PFKEY_DEC_SKIP_UNKNOWN	0x04	/* ignore (bounded) unknown ext types */

/*
 * Validate `len' bytes at `buf' as one PF_KEY v2 message of `dialect' and
 * fill `m'.  One pass checks: the base header fits, version 2, msg_len*8
 * equals len, message and SA type known in the dialect, every extension
 * bounded and at least its type's minimum size, types in range and unique,
 * sockaddrs that fit with a known family and a prefix length within it,
 * key bits within the extension, policy requests well formed, and the
 * extensions RFC 2367 section 3.1 requires for the message type and
 * direction (unless PFKEY_DEC_NOREQ, or sadb_msg_errno is set).
 * Returns 0 or a negative PFKEY_ERR_*; on error m->err_* say where.
 */
int	pfkey_decode(const void *buf, size_t len, enum pfkey_dialect,
	    int flags, struct pfkey_msg *m);

/* "ext 5 (ADDRESS_SRC) at offset 24: sockaddr does not fit ..." */
int	pfkey_decode_error(const struct pfkey_msg *, int code, char *buf,
	    size_t bufsz);

/* Typed accessors to a decoded view (NULL if absent). */
#define PFKEY_EXT(m, t, type)	((const struct type *)(const void *)(m)->ext[(t)])

/*
 * An address extension (ADDRESS_*, NAT_T_OA*, NEW_ADDRESS_*) converted to a
 * host sockaddr (host AF_ numbers, whatever the dialect).  `ss' gets the
 * address; plen and proto may be NULL.  PFKEY_ERR_NOENT if absent.
 */
int	pfkey_get_address(const struct pfkey_msg *, int ext,
	    struct sockaddr_storage *ss, uint8_t *plen, uint8_t *proto);

/* A key extension: bits and a pointer to the key bytes (in the buffer). */
int	pfkey_get_key(const struct pfkey_msg *, int ext, const uint8_t **key,
	    unsigned *bits);

/* Size of the sockaddr for a host address family (0 if unsupported). */
size_t	pfkey_sockaddr_len(int family);

/* ----------------------------------------------------------------- policy */

#define PFKEY_POLICY_MAXREQ	8	/* requests in one bundle */

struct pfkey_ipsecreq {
	uint16_t		proto;	/* IPPROTO_ESP/AH/IPCOMP (TCP: FreeBSD) */
	uint8_t			mode;	/* PFKEY_MODE_* */
	uint8_t			level;	/* PFKEY_LEVEL_* */
	uint32_t		reqid;	/* 0 = auto; u16 on FreeBSD */
	/* Tunnel endpoints; ss_family AF_UNSPEC when not given. */
	struct sockaddr_storage	src;
	struct sockaddr_storage	dst;
};

/* The X_POLICY extension, dialect neutral. */
struct pfkey_policy {
	uint16_t		type;		/* PFKEY_POLICY_* */
	uint8_t			dir;		/* PFKEY_DIR_* */
	uint8_t			scope;		/* FreeBSD PFKEY_SCOPE_* */
	uint32_t		id;		/* policy id (0 = none) */
	uint32_t		priority;	/* Linux; FreeBSD ifnet: ifindex */
	unsigned		nreq;
	struct pfkey_ipsecreq	req[PFKEY_POLICY_MAXREQ];
};

/* Decode the X_POLICY extension of a view; PFKEY_ERR_NOENT if absent. */
int	pfkey_get_policy(const struct pfkey_msg *, struct pfkey_policy *);
/* Decode a raw X_POLICY extension of `len' bytes. */
int	pfkey_policy_decode(const void *ext, size_t len, enum pfkey_dialect,
	    struct pfkey_policy *);

/* Where a policy string went wrong. */
struct pfkey_policy_err {
	size_t		offset;		/* byte offset of the bad token */
	size_t		toklen;		/* its length */
	char		msg[128];	/* what is wrong, naming the token */
};

/*
 * Parse an ipsec_set_policy(3) string:
 *   in|out|fwd [{priority|prio} [low|def|high] [{+|-}] N]
 *       discard | none | bypass | entrust | ipsec REQUEST...
 *   REQUEST: proto/mode[/[src-dst][/[level]]] with proto esp|ah|ipcomp
 *   (tcp: FreeBSD), mode transport|tunnel (beet, iptfs: Linux), src and
 *   dst numeric addresses each with an optional [port] (or me-any on out,
 *   any-me on in), level default|use|require|unique, each optionally with
 *   :N (reqid 1..PFKEY_REQID_MAX) or #N (any reqid the dialect holds).
 * The dialect decides what is allowed (fwd, priority, beet: Linux).  On
 * Linux a policy without a priority gets PFKEY_PRIORITY_DEFAULT, as
 * ipsec-tools gives it.  `len' bytes of `s' are read (no NUL needed).
 * Returns 0 or PFKEY_ERR_SYNTAX / PFKEY_ERR_DIALECT / ... with `err'
 * filled (may be NULL).
 */
int	pfkey_policy_parse(const char *s, size_t len, enum pfkey_dialect,
	    struct pfkey_policy *, struct pfkey_policy_err *err);

/* Flags for pfkey_policy_format(). */
#define PFKEY_PF_WITHPORTS	0x01	/* print [port] on endpoints */
#define PFKEY_PF_NEWLINES	0x02	/* one request per line (setkey -DP) */

/*
 * Print a policy in ipsec_dump_policy(3) syntax (parseable by
 * pfkey_policy_parse()).  Returns the length it needs (excluding the NUL),
 * as snprintf does, or a negative PFKEY_ERR_*.
 */
int	pfkey_policy_format(const struct pfkey_policy *, enum pfkey_dialect,
	    int flags, char *buf, size_t bufsz);

/* --------------------------------------------------------------- encoding */

/*
 * A bounded builder.  Memory is the caller's (pfkey_buf_init) or grows on
 * the heap up to PFKEY_MSG_MAXLEN (pfkey_buf_alloc).  Errors are sticky:
 * after the first failure every put returns it and pfkey_buf_finish()
 * reports it, so callers may put several extensions and check once.
 */
struct pfkey_buf {
	uint8_t			*base;
	size_t			 cap;
	size_t			 len;
	int			 error;
	enum pfkey_dialect	 dialect;
	bool			 heap;		/* base is ours to grow/free */
	uint32_t		 seen;		/* logical extensions put */
};

int	pfkey_buf_init(struct pfkey_buf *, void *mem, size_t cap,
	    enum pfkey_dialect, uint8_t type, uint8_t satype, uint32_t seq,
	    uint32_t pid);
int	pfkey_buf_alloc(struct pfkey_buf *, enum pfkey_dialect, uint8_t type,
	    uint8_t satype, uint32_t seq, uint32_t pid);
/* Wipe (explicit_bzero) and free a heap buffer; wipe a caller's buffer. */
void	pfkey_buf_free(struct pfkey_buf *);
/* Set sadb_msg_errno (for replies). */
int	pfkey_buf_set_errno(struct pfkey_buf *, uint8_t err);
/* Write sadb_msg_len and return the message; the sticky error otherwise. */
int	pfkey_buf_finish(struct pfkey_buf *, const void **msg, size_t *len);
/* Append a whole, already encoded extension (its type is checked). */
int	pfkey_put_raw(struct pfkey_buf *, const void *ext, size_t len);

/* One put function per extension.  Numbers in host order unless noted. */
struct pfkey_sa_args {
	uint32_t	spi;		/* network byte order, as on the wire */
	uint8_t		replay;		/* window in bytes (packets / 8) */
	uint8_t		state;
	uint8_t		auth;		/* wire algorithm numbers */
	uint8_t		encrypt;
	uint32_t	flags;
};
int	pfkey_put_sa(struct pfkey_buf *, const struct pfkey_sa_args *);

struct pfkey_lifetime_args {
	uint32_t	allocations;
	uint64_t	bytes;
	uint64_t	addtime;
	uint64_t	usetime;
};
/* ext: PFKEY_EXT_LIFETIME_CURRENT, _HARD or _SOFT. */
int	pfkey_put_lifetime(struct pfkey_buf *, int ext,
	    const struct pfkey_lifetime_args *);
/*
 * ext: ADDRESS_SRC/DST/PROXY, X_NAT_T_OA/OAR, X_NEW_ADDRESS_SRC/DST.  `sa'
 * is a host sockaddr (AF_INET/AF_INET6); it is written in the dialect's
 * sockaddr layout.  prefixlen 0xff means the full host length.
 */
int	pfkey_put_address(struct pfkey_buf *, int ext, const struct sockaddr *sa,
	    uint8_t prefixlen, uint8_t proto);
/* ext: KEY_AUTH or KEY_ENCRYPT.  `bits' may be 0 (a NULL-cipher key). */
int	pfkey_put_key(struct pfkey_buf *, int ext, const void *key,
	    unsigned bits);
/* ext: IDENTITY_SRC/DST; `id' is a string of idlen bytes (NUL added). */
int	pfkey_put_identity(struct pfkey_buf *, int ext, uint16_t type,
	    uint64_t idnum, const char *id, size_t idlen);
int	pfkey_put_sensitivity(struct pfkey_buf *, uint32_t dpd,
	    uint8_t sens_level, const uint64_t *sens, uint8_t nsens,
	    uint8_t integ_level, const uint64_t *integ, uint8_t ninteg);
/* A proposal: `combs' is an array of `n' struct sadb_comb (wire numbers). */
int	pfkey_put_proposal(struct pfkey_buf *, uint8_t replay,
	    const struct sadb_comb *combs, size_t n);
/* ext: SUPPORTED_AUTH / SUPPORTED_ENCRYPT; `algs' of `n' struct sadb_alg. */
int	pfkey_put_supported(struct pfkey_buf *, int ext,
	    const struct sadb_alg *algs, size_t n);
int	pfkey_put_spirange(struct pfkey_buf *, uint32_t min, uint32_t max);
int	pfkey_put_kmprivate(struct pfkey_buf *);
int	pfkey_put_policy(struct pfkey_buf *, const struct pfkey_policy *);
int	pfkey_put_sa2(struct pfkey_buf *, uint8_t mode, uint32_t sequence,
	    uint32_t reqid);
int	pfkey_put_nat_t_type(struct pfkey_buf *, uint8_t type);
/* ext: X_NAT_T_SPORT / X_NAT_T_DPORT; port in network byte order. */
int	pfkey_put_nat_t_port(struct pfkey_buf *, int ext, uint16_t port);
/* Linux: an LSM security context. */
int	pfkey_put_sec_ctx(struct pfkey_buf *, uint8_t doi, uint8_t alg,
	    const void *ctx, uint16_t ctxlen);
/* Linux: MIGRATE's KM addresses (host sockaddrs of the same family). */
int	pfkey_put_kmaddress(struct pfkey_buf *, const struct sockaddr *local,
	    const struct sockaddr *remote);
/* Linux: DUMP filter by source/destination prefix (host family). */
int	pfkey_put_filter(struct pfkey_buf *, int family, const void *saddr,
	    uint8_t splen, const void *daddr, uint8_t dplen);
/* FreeBSD: ESP fragment length and replay window in packets. */
int	pfkey_put_nat_t_frag(struct pfkey_buf *, uint16_t fraglen);
int	pfkey_put_sa_replay(struct pfkey_buf *, uint32_t replay);

/* Wire layouts of the extensions not every system header has.  */
struct pfkey_x_sec_ctx {		/* Linux X_SEC_CTX, 8 bytes + ctx */
	uint16_t	len;
	uint16_t	exttype;
	uint8_t		alg;
	uint8_t		doi;
	uint16_t	ctx_len;
};
struct pfkey_x_filter {			/* Linux X_FILTER, 40 bytes */
	uint16_t	len;
	uint16_t	exttype;
	uint32_t	saddr[4];
	uint32_t	daddr[4];
	uint16_t	family;
	uint8_t		splen;
	uint8_t		dplen;
};
struct pfkey_x_nat_t_frag {		/* FreeBSD X_NAT_T_FRAG, 8 bytes */
	uint16_t	len;
	uint16_t	exttype;
	uint16_t	fraglen;
	uint16_t	reserved;
};
struct pfkey_x_sa_replay {		/* FreeBSD X_SA_REPLAY, 8 bytes */
	uint16_t	len;
	uint16_t	exttype;
	uint32_t	replay;		/* window in packets */
};
struct pfkey_x_kmaddress {		/* Linux X_KMADDRESS, 8 + 2 sockaddrs */
	uint16_t	len;
	uint16_t	exttype;
	uint32_t	reserved;
};
/* X_POLICY header; the last two fields differ by dialect. */
struct pfkey_x_policy {
	uint16_t	len;
	uint16_t	exttype;
	uint16_t	type;
	uint8_t		dir;
	uint8_t		scope;		/* Linux: reserved */
	uint32_t	id;
	uint32_t	priority;	/* FreeBSD ifnet scope: ifindex */
};
struct pfkey_x_ipsecrequest_linux {	/* 16 bytes + 2 sockaddrs */
	uint16_t	len;		/* in bytes, padded to 8 */
	uint16_t	proto;
	uint8_t		mode;
	uint8_t		level;
	uint16_t	reserved1;
	uint32_t	reqid;
	uint32_t	reserved2;
};
struct pfkey_x_ipsecrequest_freebsd {	/* 8 bytes + 2 sockaddrs */
	uint16_t	len;		/* in bytes, padded to 8 */
	uint16_t	proto;
	uint8_t		mode;
	uint8_t		level;
	uint16_t	reqid;
};

/* ---------------------------------------------------------------- printer */

/* Printer flags. */
#define PFKEY_PR_KEYS		0x01	/* print key bytes (else "<hidden>") */
#define PFKEY_PR_HEX		0x02	/* append a hex dump of the message */

/*
 * Print a decoded message for debugging and monitors: one line for the
 * base header and one per extension, in the dialect's terms.  Keys are
 * hidden unless PFKEY_PR_KEYS.  Returns the length it needs (as snprintf).
 */
int	pfkey_print(const struct pfkey_msg *, int flags, char *buf,
	    size_t bufsz);

/* -------------------------------------------------------------- transport */

enum pfkey_xport_kind {
	PFKEY_XPORT_AUTO = 0,	/* PF_KEY socket, else XFRM on Linux */
	PFKEY_XPORT_KERNEL,	/* socket(PF_KEY, SOCK_RAW, PF_KEY_V2) */
	PFKEY_XPORT_XFRM,	/* Linux XFRM netlink behind PF_KEY */
	PFKEY_XPORT_SADBD	/* the userspace SADB over AF_UNIX */
};

#define PFKEY_SADBD_SOCKET	"/var/run/sadbd.sock"

struct pfkey_xport;

/*
 * Parse a transport spec: "pfkey", "kernel", "xfrm", "sadbd" or
 * "sadbd:PATH", "auto".  `path' receives PATH (or "") and must hold
 * pathsz bytes.  PFKEY_ERR_NOENT for an unknown name.
 */
int	pfkey_xport_parse(const char *spec, enum pfkey_xport_kind *,
	    char *path, size_t pathsz);
const char *pfkey_xport_kind_name(enum pfkey_xport_kind);

/* Options for pfkey_xport_open(). */
struct pfkey_xport_opts {
	size_t	rcvbuf;		/* socket receive buffer wanted (0: 2 MiB) */
	size_t	sndbuf;		/* socket send buffer wanted (0: 128 KiB) */
	int	timeout_ms;	/* default reply timeout (0: 5000) */
};

/*
 * Open a transport.  AUTO first honours $PFKEYKIT_BACKEND (a spec as
 * pfkey_xport_parse() takes), else tries the kernel PF_KEY socket and, when
 * that is PFKEY_ERR_NOTSUP, XFRM on Linux.  `path' is the sadbd socket
 * (NULL: $SADBD_SOCKET, then PFKEY_SADBD_SOCKET).  `opts' may be NULL.  On
 * failure returns NULL and stores a PFKEY_ERR_* in *errp (errno kept for
 * PFKEY_ERR_SYSTEM).
 */
struct pfkey_xport *pfkey_xport_open(enum pfkey_xport_kind, const char *path,
	    const struct pfkey_xport_opts *, int *errp);
void	pfkey_xport_close(struct pfkey_xport *);

enum pfkey_xport_kind	pfkey_xport_kind(const struct pfkey_xport *);
enum pfkey_dialect	pfkey_xport_dialect(const struct pfkey_xport *);
/* A descriptor to poll(2) for readability (messages may also be queued). */
int		pfkey_xport_fd(const struct pfkey_xport *);
/* The pid used in sadb_msg_pid of our requests. */
uint32_t	pfkey_xport_pid(const struct pfkey_xport *);
/* A fresh sequence number for a request. */
uint32_t	pfkey_xport_seq(struct pfkey_xport *);
/* Messages received but not yet handed out (queued by pfkey_request). */
size_t		pfkey_xport_pending(const struct pfkey_xport *);
/*
 * The kernel's own words about the error in the message that
 * pfkey_recv(), pfkey_request() or pfkey_request_next() returned last:
 * the XFRM transport keeps netlink's extended ACK text (such as
 * "Requested AEAD algorithm not found").  NULL when that message carried
 * none, and always on transports without such text (PF_KEY, sadbd).
 * Valid until the next receive on the transport.
 */
const char	*pfkey_xport_errmsg(const struct pfkey_xport *);

/* Send one complete message (len bytes).  */
int	pfkey_send(struct pfkey_xport *, const void *msg, size_t len);
int	pfkey_send_buf(struct pfkey_xport *, struct pfkey_buf *);

/*
 * Receive the next message, queued ones first.  On success *msg points to
 * a buffer owned by the transport, valid until the next receive/request
 * call; *len is its length.  timeout_ms < 0 waits forever, 0 polls.
 * The message is not decoded: the caller decodes it.
 */
int	pfkey_recv(struct pfkey_xport *, const void **msg, size_t *len,
	    int timeout_ms);

/*
 * Send a request and wait for its reply: the first message of the same
 * type addressed to our pid with the same seq (DUMP and X_SPDDUMP replies
 * count seq down to 0 instead, so for them type and pid decide).  Other
 * messages (broadcasts, strays) are queued for pfkey_recv().  timeout_ms 0
 * means the transport default.  The reply is returned like pfkey_recv().
 * A reply carrying sadb_msg_errno still returns 0: look at the header.
 */
int	pfkey_request(struct pfkey_xport *, const void *msg, size_t len,
	    const void **reply, size_t *replylen, int timeout_ms);

/*
 * The next part of a multi-part reply (DUMP, X_SPDDUMP) of `type' to our
 * pid; the last part has sadb_msg_seq 0.  Returns 0, PFKEY_ERR_TIMEOUT, or
 * a transport error (PFKEY_ERR_EOF, _SYSTEM).
 */
int	pfkey_request_next(struct pfkey_xport *, uint8_t type,
	    const void **reply, size_t *replylen, int timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* PFKEYKIT_PFKEY_H */
