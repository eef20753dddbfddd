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
 * ipc: racoon-ng's message framing between its processes and on the
 * control socket, in the imsg style (a type, a length, a peer id, an
 * optional descriptor) but written for this project.
 *
 * Every channel is an AF_UNIX SOCK_SEQPACKET socket, so one message is
 * one socket record and a descriptor travels with the record it belongs
 * to (SCM_RIGHTS).  A frame is a 16-byte header in host byte order (the
 * two ends are on one host) followed by the payload:
 *
 *   offset  size  field
 *        0     4  type      message type (the channel's protocol decides)
 *        4     4  len       header + payload, bytes; equals the record
 *        8     4  peerid    request id / client id; 0 when unused
 *       12     2  flags     IPC_F_FD: a descriptor comes with the record
 *       14     2  reserved  0
 *
 * The receiver trusts nothing: ipc_frame_check() refuses a record shorter
 * than the header, a len that differs from the record's length or exceeds
 * IPC_MAXLEN, unknown flag bits, a reserved field not 0, a descriptor
 * without IPC_F_FD or IPC_F_FD without exactly one descriptor, and a
 * record the kernel truncated (MSG_TRUNC, MSG_CTRUNC).  A refused record's
 * descriptors are closed.  Payloads are then read with the bounded reader
 * (struct ipc_rd): every get checks what is left, the first failure is
 * sticky, and ipc_rd_end() insists that nothing is left over.
 */

#ifndef RACOON_NG_IPC_H
#define RACOON_NG_IPC_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sadb.h"

#define IPC_HDRLEN	16
/* A datagram of 64 KiB and its addresses fit; nothing larger is sent. */
#define IPC_MAXPAYLOAD	(65536 + 512)
#define IPC_MAXLEN	(IPC_HDRLEN + IPC_MAXPAYLOAD)

#define IPC_F_FD	0x0001
#define IPC_F_MASK	IPC_F_FD

/* Why a frame or a payload was refused (ipc_strerror()). */
#define IPC_OK		  0
#define IPC_ESHORT	 -1	/* record shorter than the header */
#define IPC_ELENGTH	 -2	/* header len differs from the record */
#define IPC_ETOOBIG	 -3	/* len beyond IPC_MAXLEN */
#define IPC_EFLAGS	 -4	/* unknown flags or reserved not 0 */
#define IPC_EFD		 -5	/* descriptor without IPC_F_FD or the reverse */
#define IPC_ETRUNC	 -6	/* the kernel cut the record or its control */
#define IPC_EPAYLOAD	 -7	/* payload malformed (reader) */
#define IPC_EOF		 -8	/* the peer closed the channel */
#define IPC_ESYS	 -9	/* a system call failed; see errno */
#define IPC_ENOMEM	-10
#define IPC_EMAX	-11

const char	*ipc_strerror(int);

struct ipc_hdr {
	uint32_t	type;
	uint32_t	len;
	uint32_t	peerid;
	uint16_t	flags;
	uint16_t	reserved;
};

/* A received message: the payload is the channel's buffer until the next
 * read; the descriptor (or -1) is the caller's to close or keep. */
struct ipc_msg {
	struct ipc_hdr	 hdr;
	const uint8_t	*data;
	size_t		 len;
	int		 fd;
};

/*
 * Check a received record of `len' bytes that came with `nfds'
 * descriptors and the recvmsg flags `rflags'; fill `hdr'.  0 or IPC_E*.
 */
int	ipc_frame_check(const void *buf, size_t len, int nfds, int rflags,
	    struct ipc_hdr *hdr);

/* One queued outgoing record. */
struct ipc_out {
	TAILQ_ENTRY(ipc_out)	 entry;
	size_t			 len;
	int			 fd;		/* sent with it, then closed */
	uint8_t			 data[];
};
TAILQ_HEAD(ipc_outq, ipc_out);

/*
 * A channel end.  Writes are queued and flushed when the socket takes
 * them (the descriptor is non-blocking), so two processes writing to each
 * other never block one another.  `maxq' bounds the bytes queued: beyond
 * it ipc_compose() fails with IPC_ENOMEM rather than growing without end.
 */
struct ipc_chan {
	int		 fd;
	const char	*name;		/* for messages: "ike", "ca", ... */
	struct ipc_outq	 outq;
	size_t		 queued;
	size_t		 maxq;
	uint8_t		*rbuf;		/* IPC_MAXLEN bytes */
};

/* Take over `fd' (made non-blocking and close-on-exec). */
int	ipc_chan_init(struct ipc_chan *, int fd, const char *name);
/* Close the socket, drop the queue (closing queued descriptors). */
void	ipc_chan_close(struct ipc_chan *);
/* Whether records wait to be written (poll for POLLOUT then). */
bool	ipc_chan_pending(const struct ipc_chan *);

/*
 * Queue a message.  `fd' (or -1) is duplicated: the caller keeps its own.
 * The payload is `len' bytes at `data' (may be NULL when len is 0).
 */
int	ipc_compose(struct ipc_chan *, uint32_t type, uint32_t peerid, int fd,
	    const void *data, size_t len);
/* Write what the socket takes: 0, or IPC_ESYS / IPC_EOF on a dead peer. */
int	ipc_flush(struct ipc_chan *);
/* Write the whole queue, waiting for the socket as long as it takes. */
int	ipc_flush_wait(struct ipc_chan *);
/* Queue and write at once, waiting for the socket (start-up, tests). */
int	ipc_send_wait(struct ipc_chan *, uint32_t type, uint32_t peerid,
	    int fd, const void *data, size_t len);

/*
 * Read one record: 1 and `msg' filled, 0 when nothing is waiting, or a
 * negative IPC_E* (IPC_EOF when the peer closed).  A refused record is
 * consumed and reported; the channel stays usable for the next one.
 */
int	ipc_read(struct ipc_chan *, struct ipc_msg *msg);
/* The same, waiting up to timeout_ms (-1: forever) for a record. */
int	ipc_read_wait(struct ipc_chan *, struct ipc_msg *msg, int timeout_ms);

/* ----------------------------------------------------- payload builder */

/*
 * A bounded payload builder (IPC_MAXPAYLOAD bytes); errors are sticky and
 * ipc_wr_error() reports the first.  Secrets put with ipc_put_bytes() are
 * wiped by ipc_wr_wipe() / ipc_wr_free().
 */
struct ipc_wr {
	uint8_t		*buf;
	size_t		 len;
	int		 error;
};

int	ipc_wr_init(struct ipc_wr *);
void	ipc_wr_reset(struct ipc_wr *);
void	ipc_wr_free(struct ipc_wr *);
int	ipc_wr_error(const struct ipc_wr *);
void	ipc_put_u8(struct ipc_wr *, uint8_t);
void	ipc_put_u16(struct ipc_wr *, uint16_t);
void	ipc_put_u32(struct ipc_wr *, uint32_t);
void	ipc_put_u64(struct ipc_wr *, uint64_t);
void	ipc_put_bytes(struct ipc_wr *, const void *, size_t);
/* A u32 length, then the bytes. */
void	ipc_put_blob(struct ipc_wr *, const void *, size_t);
/* A u16 length, then the characters (no NUL). */
void	ipc_put_str(struct ipc_wr *, const char *);
/* An address: af u8, plen u8, port u16, scope u32, 16 address bytes. */
void	ipc_put_addr(struct ipc_wr *, const struct sad_addr *);
#define IPC_ADDRLEN	24
/* Compose what the builder holds. */
int	ipc_compose_wr(struct ipc_chan *, uint32_t type, uint32_t peerid,
	    int fd, const struct ipc_wr *);

/* ------------------------------------------------------ payload reader */

struct ipc_rd {
	const uint8_t	*p;
	size_t		 left;
	bool		 bad;
};

void	ipc_rd_init(struct ipc_rd *, const struct ipc_msg *);
void	ipc_rd_init_buf(struct ipc_rd *, const void *, size_t);
uint8_t	ipc_get_u8(struct ipc_rd *);
uint16_t ipc_get_u16(struct ipc_rd *);
uint32_t ipc_get_u32(struct ipc_rd *);
uint64_t ipc_get_u64(struct ipc_rd *);
void	ipc_get_bytes(struct ipc_rd *, void *, size_t);
/*
 * A blob of at most `max' bytes: a pointer into the message (valid while
 * the message is) and its length.  Longer or cut: the reader goes bad.
 */
const uint8_t *ipc_get_blob(struct ipc_rd *, size_t max, size_t *len);
/* A string into buf[bufsz] (NUL added): bad when longer or holding NUL. */
void	ipc_get_str(struct ipc_rd *, char *buf, size_t bufsz);
/*
 * An address: bad unless af is AF_UNSPEC (all zero), AF_INET (plen <= 32,
 * bytes 4-15 zero, scope 0) or AF_INET6 (plen <= 128).
 */
void	ipc_get_addr(struct ipc_rd *, struct sad_addr *);
/* 0 when everything was read and nothing is left; IPC_EPAYLOAD else. */
int	ipc_rd_end(const struct ipc_rd *);

#endif /* RACOON_NG_IPC_H */
