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
 * psk.h: racoon's pre-shared key file (psk.txt).
 *
 * One entry a line: an identity, blanks (spaces or tabs), and the key,
 * which is everything after those blanks up to the end of the line (so it
 * may hold blanks; a trailing CR is dropped).  A key that starts with
 * "0x" is hexadecimal.  Lines whose first non-blank is "#", and blank
 * lines, are ignored.  The identity is an IPv4 or IPv6 address, a
 * user@fqdn, or any other word (an FQDN, a key id).
 *
 * The file must be a regular file owned by the user racoon-ng reads it as
 * (or root), with no permission for group or others; psk_load() refuses
 * it otherwise and says why.  Keys stay in memory that psk_free() wipes.
 * Functions return 0 or -1 with a message "FILE:LINE: text" (or
 * "FILE: text") in the caller's buffer; no message ever shows a key.
 */

#ifndef RACOON_NG_PSK_H
#define RACOON_NG_PSK_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sadb.h"		/* struct sad_addr */

#define PSK_FILE_MAX	(1024 * 1024)
#define PSK_KEY_MAX	1024		/* bytes */

enum psk_idtype {
	PSK_ID_ADDRESS,
	PSK_ID_USER_FQDN,		/* has an "@" */
	PSK_ID_NAME			/* an FQDN or any other word */
};

struct psk_entry {
	enum psk_idtype	 type;
	char		*id;		/* as written */
	struct sad_addr	 addr;		/* PSK_ID_ADDRESS */
	uint8_t		*key;		/* in the arena */
	size_t		 keylen;
	unsigned	 line;
};

struct psk_file {
	struct psk_entry *entries;	/* in file order */
	size_t		 nentries;
	uint8_t		*arena;		/* every key */
	size_t		 arenalen;
};

/*
 * Read `path' after the ownership and mode checks: it must be owned by
 * `owner' or by root and have no group or other permission bits.
 */
int	psk_load(const char *path, uid_t owner, struct psk_file **,
	    char *err, size_t errlen);
/* Parse a buffer (no checks on where it came from); name is for errors. */
int	psk_parse(const char *buf, size_t len, const char *name,
	    struct psk_file **, char *err, size_t errlen);
/* The checks psk_load() makes, on an open file; 0 or -1 with a reason. */
int	psk_check_perm(int fd, const char *path, uid_t owner, char *err,
	    size_t errlen);

/* The first entry for an address (any port), or NULL. */
const struct psk_entry *psk_lookup_addr(const struct psk_file *,
	    const struct sad_addr *);
/*
 * The first entry for an identity string: an address in any spelling
 * matches the same address; a user@fqdn matches exactly; other names
 * (FQDNs) match without regard to case, as DNS names do.
 */
const struct psk_entry *psk_lookup(const struct psk_file *, const char *id);

/* Zero every key in place (the entries stay, with zeroed keys). */
void	psk_wipe(struct psk_file *);
/* Wipe and free. */
void	psk_free(struct psk_file *);

#endif /* RACOON_NG_PSK_H */
