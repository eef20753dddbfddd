#
# Copyright (c) 2026 The pfkeykit developers
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
#

# A fake PF_KEY kernel on a sadbd-style socket (one client, Linux dialect)
# with a small algorithm list, for setkey's REGISTER check: REGISTER is
# answered with SUPPORTED_AUTH hmac-md5 (2, 128 bits) and hmac-sha1 (3,
# 160) and SUPPORTED_ENCRYPT 3des-cbc (3, 192), null (11, 0), aes-cbc
# (12, 128 only) and aes-ctr (13, 128 to 192: FreeBSD counts no salt),
# followed, as a registered kernel socket may see them, by
# an ACQUIRE broadcast and another process's REGISTER reply, which setkey
# must ignore.  ADD, UPDATE and X_SPDADD succeed (an echo of the header).
# Everything is logged: the test checks what reached the "kernel".
#
#   python3 fake_register.py SOCKET LOG [list|eexist|einval]
#
# eexist and einval answer REGISTER with that error instead.

import socket, struct, sys

path, log = sys.argv[1], sys.argv[2]
mode = sys.argv[3] if len(sys.argv) > 3 else 'list'
EEXIST, EINVAL, EOPNOTSUPP = 17, 22, 95
REGISTER, ACQUIRE = 7, 6

s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(path)
s.listen(1)
c, _ = s.accept()

def hdr(typ, err, satype, body, seq, pid):
    return struct.pack('<BBBBHHII', 2, typ, err, satype,
                       2 + len(body) // 8, 0, seq, pid) + body

def supported(exttype, algs):
    body = b''.join(struct.pack('<BBHHH', i, 0, lo, hi, 0)
                    for i, lo, hi in algs)
    return struct.pack('<HHI', 1 + len(algs), exttype, 0) + body

AUTH = [(2, 128, 128), (3, 160, 160)]
ENC = [(3, 192, 192), (11, 0, 0), (12, 128, 128), (13, 128, 192)]

with open(log, 'w') as f:
    while True:
        m = c.recv(65536)
        if not m:
            break
        v, typ, err, satype, ln, res, seq, pid = struct.unpack_from(
            '<BBBBHHII', m)
        if typ == REGISTER:
            f.write('register %d\n' % satype)
            if mode == 'eexist':
                c.send(hdr(typ, EEXIST, satype, b'', seq, pid))
            elif mode == 'einval':
                c.send(hdr(typ, EINVAL, satype, b'', seq, pid))
            else:
                body = supported(14, AUTH) + supported(15, ENC)
                c.send(hdr(typ, 0, satype, body, seq, pid))
                # what a registered socket also gets
                c.send(hdr(ACQUIRE, 0, 3, b'', 0, 0))
                c.send(hdr(typ, 0, satype, body, seq, pid + 1))
        elif typ in (2, 3):
            spi = 0
            off = 16
            while off + 8 <= len(m):
                l, t = struct.unpack_from('<HH', m, off)
                if l == 0:
                    break
                if t == 1:
                    spi = struct.unpack_from('>I', m, off + 4)[0]
                off += l * 8
            f.write('%s 0x%x\n' % ('add' if typ == 3 else 'update', spi))
            c.send(hdr(typ, 0, satype, b'', seq, pid))
        elif typ == 14:
            f.write('spdadd\n')
            c.send(hdr(typ, 0, satype, b'', seq, pid))
        else:
            f.write('other %d\n' % typ)
            c.send(hdr(typ, EOPNOTSUPP, satype, b'', seq, pid))
        f.flush()
