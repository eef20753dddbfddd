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
 * compat.h: what libc and libbsd lack on the systems pfkeykit builds on
 * (Linux with libbsd, FreeBSD).  Included first by every private header;
 * never by an installed one.  Each item says why it is here.
 */

#ifndef PFKEYKIT_COMPAT_H
#define PFKEYKIT_COMPAT_H

#include <sys/param.h>

/* FreeBSD has nitems() in <sys/param.h>; glibc does not. */
#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* OpenBSD's pledge(2)/unveil(2) exist on neither system. */
#ifndef HAVE_PLEDGE
#define pledge(promises, execpromises)	0
#define unveil(path, permissions)	0
#endif

/* A function that does not return (OpenBSD spelling). */
#ifndef __dead
#define __dead		__attribute__((__noreturn__))
#endif

#endif /* PFKEYKIT_COMPAT_H */
