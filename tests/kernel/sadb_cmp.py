#!/usr/bin/env python3
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

"""sadb_cmp.py: what the kernel holds, seen five ways, compared field by field.

kernel_test:sadb_compare loads the same setkey scripts into a guest
kernel twice: with -B xfrm in one network namespace and with -B pfkey in
another.  Each namespace is then dumped by setkey over both transports
(-D, -DP, as text in the ipsec-tools format and as JSON) and by iproute2
(ip -s xfrm state, ip -s xfrm policy), the oracle that owes nothing to
pfkeykit.  This script parses all of it, with the scripts themselves as
the statement of what was asked for, and checks:

  conf  -> ip       the kernel holds what the script asked for (with the
                    af_key differences below for the pfkey namespace);
  ip    -> setkey   each setkey view shows what the kernel holds: SPI,
                    addresses, ports, mode, reqid, algorithms and keys,
                    replay window, ESN, lifetimes, creation time, NAT-T
                    encapsulation, X_SA2 sequence; selectors, direction,
                    priority, action, templates, policy id;
  text  -> json     the two output formats of one transport agree;
  xfrm  -> pfkey    both namespaces hold the same SAs and policies;
  get   -> dump     an SA read back with `get' by the other transport
                    is the one the dump shows (-g);
  dump order and the sadb_seq countdown of each transport.

Documented differences (Linux af_key, net/key/af_key.c in 6.1), each
allowed explicitly, never by skipping a field:
  - af_key installs HMAC-SHA2-256 with a 96-bit ICV; XFRM with 128.
  - af_key clamps the replay window to 32 packets (the size of the
    legacy bitmap); it reads back only that legacy window, so a window the
    XFRM transport installed as an ESN-style replay state (beyond 32
    packets, or with ESN) reads as the legacy field (0 there).
  - af_key shows no algorithm and no key for AEAD SAs, and no ESN flag.
  - af_key's X_SA2 sequence is always 0; the XFRM transport returns the
    kernel's (x->km.seq, the ADD's sadb_msg_seq).
  - af_key dumps count sadb_seq up (1, 2, ... and 0 for the last); the
    XFRM transport counts down to 0 as KAME and sadbd do.
  - a policy's refcnt is the kernel's reference count through af_key and
    0 through XFRM; af_key leaves the template algorithm masks 0 (with
    allalgs set), the XFRM transport sets them to ~0 as iproute2 does.
  - iproute2 prints an SA's sequence as "0x%08u" (decimal digits after
    0x).

usage: sadb_cmp.py [-gSv] [-X DIR] [-P DIR] -c CONF... [-x CONF...]
  -X DIR   the dumps of the namespace loaded with -B xfrm
  -P DIR   the dumps of the namespace loaded with -B pfkey
  -S       the kernel could hold none of the SAs (the host's, without
           ESP): expect none, compare the policies
  -c CONF  a script loaded into both namespaces
  -x CONF  a script loaded into the xfrm namespace only
  -g       also compare DIR/get.TRANSPORT (get of every SA by the other
           transport) with the dumps
  -v       print every check, not only failures

Each DIR holds xfrm.D xfrm.DP xfrm.D.json xfrm.DP.json, the same for
pfkey (a transport whose files are missing is left out: the host has no
af_key), ip.state (ip -s xfrm state) and ip.policy (ip -s xfrm policy).
Output: "FAIL what: why" lines, notes on the documented differences that
were seen, and "sadb_cmp: N checks, M failed"; exit status 1 if any
failed, 2 on bad input.
"""

import calendar
import getopt
import ipaddress
import json
import os
import re
import sys
import time

# ----------------------------------------------------------------------
# Algorithms: setkey's names (aliases folded), XFRM's names and the ICV
# lengths XFRM is given by the XFRM transport (RFC lengths).

ENC = {
    "des-cbc": "cbc(des)", "3des-cbc": "cbc(des3_ede)",
    "cast128-cbc": "cbc(cast5)", "blowfish-cbc": "cbc(blowfish)",
    "null": "ecb(cipher_null)", "aes-cbc": "cbc(aes)",
    "aes-ctr": "rfc3686(ctr(aes))", "camellia-cbc": "cbc(camellia)",
    "sm4-cbc": "cbc(sm4)", "serpent-cbc": "cbc(serpent)",
    "twofish-cbc": "cbc(twofish)",
}
AEAD = {
    "aes-gcm-8": ("rfc4106(gcm(aes))", 64),
    "aes-gcm-12": ("rfc4106(gcm(aes))", 96),
    "aes-gcm-16": ("rfc4106(gcm(aes))", 128),
    "aes-ccm-8": ("rfc4309(ccm(aes))", 64),
    "aes-ccm-12": ("rfc4309(ccm(aes))", 96),
    "aes-ccm-16": ("rfc4309(ccm(aes))", 128),
    "null-aes-gmac": ("rfc4543(gcm(aes))", 128),
    "chacha20-poly1305": ("rfc7539esp(chacha20,poly1305)", 128),
}
AUTH = {
    "hmac-md5": ("hmac(md5)", 96), "hmac-sha1": ("hmac(sha1)", 96),
    "hmac-sha2-256": ("hmac(sha256)", 128),
    "hmac-sha2-384": ("hmac(sha384)", 192),
    "hmac-sha2-512": ("hmac(sha512)", 256),
    "hmac-ripemd160": ("hmac(rmd160)", 96),
    "aes-xcbc-mac": ("xcbc(aes)", 96), "hmac-sm3": ("hmac(sm3)", 256),
    "null": ("digest_null", 0),
}
ALIAS = {
    "rijndael-cbc": "aes-cbc", "hmac-sha256": "hmac-sha2-256",
    "hmac-sha384": "hmac-sha2-384", "hmac-sha512": "hmac-sha2-512",
    "aes-gmac": "null-aes-gmac", "simple": "null",
}
XFRM_ENC = {v: k for k, v in ENC.items()}
XFRM_AEAD = {v: k for k, v in AEAD.items()}
XFRM_AUTH = {v[0]: k for k, v in AUTH.items()}
IPPROTO = {"icmp": 1, "tcp": 6, "udp": 17, "ipv6-icmp": 58, "icmp6": 58,
           "gre": 47, "sctp": 132, "any": 255, "255": 255}
DEFPRIO = 2147483648
HIGHPRIO = 1073741824
LOWPRIO = 3221225472


def canon(name):
    return ALIAS.get(name, name) if name is not None else None


def addr(a):
    """An address in one spelling (IPv6 compressed)."""
    return str(ipaddress.ip_address(a))


def is6(a):
    return ":" in a


# ----------------------------------------------------------------------
# Results.

class Result:
    def __init__(self, verbose):
        self.verbose = verbose
        self.checks = 0
        self.failed = 0
        self.notes = {}

    def eq(self, what, field, got, want):
        self.checks += 1
        if got == want:
            if self.verbose:
                print("ok %s: %s = %r" % (what, field, got))
            return True
        self.failed += 1
        print("FAIL %s: %s: %r, expected %r" % (what, field, got, want))
        return False

    def true(self, what, cond, why):
        self.checks += 1
        if cond:
            if self.verbose:
                print("ok %s: %s" % (what, why))
            return True
        self.failed += 1
        print("FAIL %s: %s" % (what, why))
        return False

    def note(self, key, text):
        self.notes.setdefault(key, [0, text])[0] += 1


# ----------------------------------------------------------------------
# setkey scripts: the subset these tests write (add and spdadd, one
# option or algorithm per word, `#' comments).

def conf_statements(path):
    text = []
    with open(path) as f:
        for line in f:
            text.append(line.split("#", 1)[0])
    for st in " ".join(text).split(";"):
        w = st.split()
        if w:
            yield w


def split_port(a):
    """192.0.2.1[4500] -> (192.0.2.1, 4500); port any -> 0."""
    m = re.match(r"^(.*?)(?:\[(\w+)\])?$", a)
    p = m.group(2)
    return m.group(1), (0 if p in (None, "any") else int(p))


def split_prefix(a):
    a, port = split_port(a)
    if "/" in a:
        a, plen = a.split("/")
        plen = int(plen)
    else:
        plen = 128 if is6(a) else 32
    return addr(a), plen, port


def conf_sa(w, loader, res):
    """An `add' statement as the SA the kernel should hold."""
    src, sport = split_port(w[1])
    dst, dport = split_port(w[2])
    proto = w[3]
    i = 4
    if proto == "esp-udp" and not w[i].startswith("0x") \
            and not w[i].isdigit():
        i += 1          # the original address (not compared)
    sa = {"src": addr(src), "dst": addr(dst), "spi": int(w[i], 0),
          "proto": {"esp-udp": "esp"}.get(proto, proto),
          "mode": "any", "reqid": 0, "replay": 0, "esn": False,
          "enc": None, "enc_key": "", "auth": None, "auth_key": "",
          "icv": None, "comp": None, "encap": None,
          "lt": {k: 0 for k in ("hard_add", "soft_add", "hard_use",
                                "soft_use", "hard_bytes", "soft_bytes",
                                "hard_packets", "soft_packets")}}
    if proto == "esp-udp":
        sa["encap"] = (sport or 4500, dport or 4500)
    i += 1
    lt = {"-lh": "hard_add", "-ls": "soft_add", "-bh": "hard_bytes",
          "-bs": "soft_bytes"}
    while i < len(w):
        o = w[i]
        if o == "-m":
            sa["mode"] = w[i + 1]
            i += 2
        elif o == "-u":
            sa["reqid"] = int(w[i + 1], 0)
            i += 2
        elif o == "-r":
            sa["replay"] = int(w[i + 1], 0)
            i += 2
        elif o == "-esn":
            sa["esn"] = True
            i += 1
        elif o == "-f":
            if w[i + 1] == "esn":
                sa["esn"] = True
            i += 2
        elif o in lt:
            sa["lt"][lt[o]] = int(w[i + 1], 0)
            i += 2
        elif o == "-E":
            e = canon(w[i + 1])
            sa["enc"] = e
            if i + 2 < len(w) and w[i + 2].startswith("0x"):
                sa["enc_key"] = w[i + 2][2:].lower()
                i += 3
            else:
                i += 2
            if e in AEAD:
                sa["icv"] = AEAD[e][1]
        elif o == "-A":
            a = canon(w[i + 1])
            sa["auth"] = a
            sa["auth_key"] = w[i + 2][2:].lower()
            sa["icv"] = AUTH[a][1]
            i += 3
        elif o == "-C":
            sa["comp"] = w[i + 1]
            i += 2
        else:
            raise ValueError("sadb_cmp: cannot read %r in %s" % (o, w))
    if loader == "pfkey":
        # af_key: HMAC-SHA2-256 truncated to 96 bits; the replay window
        # clamped to the 32-packet legacy bitmap.
        if sa["auth"] == "hmac-sha2-256":
            sa["icv"] = 96
            res.note("sha256", "af_key installs HMAC-SHA2-256 with a "
                     "96-bit ICV (XFRM: 128)")
        if sa["replay"] > 32:
            res.note("replay32", "af_key clamps replay windows to 32 "
                     "packets")
            sa["replay"] = 32
    return sa


def prio_value(words):
    """`prio def + 10' and the like -> the kernel's priority."""
    base = DEFPRIO
    off = 0
    s = " ".join(words)
    m = re.match(r"^(low|def|high)?\s*([+-])?\s*(\d+)?$", s)
    if not m:
        raise ValueError("sadb_cmp: priority %r" % s)
    if m.group(1):
        base = {"low": LOWPRIO, "def": DEFPRIO, "high": HIGHPRIO}[m.group(1)]
    if m.group(3):
        off = int(m.group(3))
        if m.group(2) == "-":
            off = -off
    # A larger offset wins, i.e. a lower kernel value.
    return base - off


def conf_sp(w):
    """An `spdadd' statement as the policies the kernel should hold (with
    setkey's RFC-mode forward twin of an inbound one)."""
    src, splen, sport = split_prefix(w[1])
    dst, dplen, dport = split_prefix(w[2])
    upper = w[3]
    i = 4
    icmp = None
    if upper in ("icmp", "icmp6") and w[i] != "-P":
        t, c = (w[i].split(",") + ["0"])[:2]
        icmp = (int(t), int(c))
        i += 1
    assert w[i] == "-P"
    d = w[i + 1]
    i += 2
    j = i
    while w[j] not in ("ipsec", "discard", "none"):
        j += 1
    prio = DEFPRIO
    if j > i:
        assert w[i] in ("prio", "priority")
        prio = prio_value(w[i + 1:j])
    action = w[j]
    tmpls = []
    for t in w[j + 1:]:
        p, mode, ends, level = (t.split("/") + ["", "", ""])[:4]
        reqid = 0
        if level.startswith("unique:"):
            level, reqid = "unique", int(level.split(":")[1])
        ts = td = None
        if ends:
            ts, td = [addr(x) for x in ends.split("-")]
        tmpls.append({"proto": p, "mode": mode, "src": ts, "dst": td,
                      "level": level or "require", "reqid": reqid})
    proto = IPPROTO.get(upper, None)
    if proto is None:
        proto = int(upper)
    if icmp:
        sport, dport = icmp
    sp = {"src": src, "splen": splen, "sport": sport, "dst": dst,
          "dplen": dplen, "dport": dport, "proto": proto, "dir": d,
          "prio": prio, "action": action, "tmpls": tmpls}
    out = [sp]
    if d == "in":
        fwd = dict(sp, dir="fwd", tmpls=[
            dict(t, level="require" if t["level"] == "unique"
                 else t["level"],
                 reqid=0 if t["level"] == "unique" else t["reqid"])
            for t in tmpls])
        out.append(fwd)
    return out


def read_conf(paths, loader, res):
    sas, sps = {}, {}
    for p in paths:
        for w in conf_statements(p):
            if w[0] == "add":
                sa = conf_sa(w, loader, res)
                sas[sakey(sa)] = sa
            elif w[0] == "spdadd":
                for sp in conf_sp(w):
                    sps[spkey(sp)] = sp
            else:
                raise ValueError("sadb_cmp: %s: statement %s" % (p, w[0]))
    return sas, sps


def sakey(sa):
    return "%s %s->%s 0x%x" % (sa["proto"], sa["src"], sa["dst"], sa["spi"])


def spkey(sp):
    return "%s %s/%d[%d]->%s/%d[%d] %d" % (
        sp["dir"], sp["src"], sp["splen"], sp["sport"], sp["dst"],
        sp["dplen"], sp["dport"], sp["proto"])


# ----------------------------------------------------------------------
# ip -s xfrm state / policy.

def ip_time(s):
    """'2026-11-27 08:04:25' -> epoch seconds (the guest runs in UTC)."""
    return calendar.timegm(time.strptime(s, "%Y-%m-%d %H:%M:%S"))


def inf(s):
    return 0 if s == "(INF)" else int(s)


def ip_blocks(text):
    blk = []
    for line in text.splitlines():
        if line.startswith("src "):
            if blk:
                yield blk
            blk = [line]
        elif blk:
            blk.append(line)
    if blk:
        yield blk


def ip_lifetimes(line, lt, created):
    m = re.search(r"limit: soft (\S+)\(bytes\), hard (\S+)\(bytes\)", line)
    if m:
        lt["soft_bytes"], lt["hard_bytes"] = inf(m[1]), inf(m[2])
    m = re.search(r"limit: soft (\S+)\(packets\), hard (\S+)\(packets\)",
                  line)
    if m:
        lt["soft_packets"], lt["hard_packets"] = inf(m[1]), inf(m[2])
    m = re.search(r"expire add: soft (\d+)\(sec\), hard (\d+)\(sec\)", line)
    if m:
        lt["soft_add"], lt["hard_add"] = int(m[1]), int(m[2])
    m = re.search(r"expire use: soft (\d+)\(sec\), hard (\d+)\(sec\)", line)
    if m:
        lt["soft_use"], lt["hard_use"] = int(m[1]), int(m[2])
    m = re.search(r"^\s+add (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", line)
    if m:
        created[0] = ip_time(m[1])


def parse_ip_state(text):
    sas = {}
    for blk in ip_blocks(text):
        m = re.match(r"src (\S+) dst (\S+)", blk[0])
        sa = {"src": addr(m[1]), "dst": addr(m[2]), "enc": None,
              "enc_key": "", "auth": None, "auth_key": "", "icv": None,
              "comp": None, "encap": None, "esn": False, "lt": {}}
        created = [None]
        esn_window = None
        for line in blk[1:]:
            s = line.strip()
            m = re.match(r"proto (\S+) spi (0x[0-9a-f]+)\S* reqid (\d+)"
                         r"\S* mode (\S+)", s)
            if m:
                sa["proto"] = {"comp": "ipcomp"}.get(m[1], m[1])
                sa["spi"] = int(m[2], 16)
                sa["reqid"] = int(m[3])
                sa["mode"] = m[4]
                continue
            m = re.match(r"replay-window (\d+) seq 0x(\d+) flag (.*)$", s)
            if m:
                sa["replay_legacy"] = int(m[1])
                # iproute2 prints the sequence as "0x%08u".
                sa["seq"] = int(m[2])
                sa["esn"] = "esn" in m[3].split("(")[0].split()
                continue
            m = re.match(r"auth-trunc (\S+) 0x([0-9a-f]*) \(\d+ bits\) "
                         r"(\d+)$", s)
            if m:
                sa["auth"] = XFRM_AUTH.get(m[1], m[1])
                sa["auth_key"] = m[2]
                sa["icv"] = int(m[3])
                continue
            m = re.match(r"auth (\S+) 0x([0-9a-f]*)", s)
            if m:
                sa["auth"] = XFRM_AUTH.get(m[1], m[1])
                sa["auth_key"] = m[2]
                sa["icv"] = 96
                continue
            m = re.match(r"enc (\S+)(?: 0x([0-9a-f]*))?", s)
            if m:
                sa["enc"] = XFRM_ENC.get(m[1], m[1])
                sa["enc_key"] = m[2] or ""
                continue
            m = re.match(r"aead (\S+) 0x([0-9a-f]*) \(\d+ bits\) (\d+)$", s)
            if m:
                icv = int(m[3])
                name = [k for k, v in AEAD.items() if v == (m[1], icv)]
                sa["enc"] = name[0] if name else "%s/%d" % (m[1], icv)
                sa["enc_key"] = m[2]
                sa["icv"] = icv
                continue
            m = re.match(r"comp (\S+)", s)
            if m:
                sa["comp"] = m[1]
                continue
            m = re.match(r"encap type (\S+) sport (\d+) dport (\d+)", s)
            if m:
                sa["encap"] = (int(m[2]), int(m[3]))
                sa["encap_type"] = m[1]
                continue
            m = re.match(r"replay_window (\d+), bitmap-length", s)
            if m:
                esn_window = int(m[1])
                continue
            ip_lifetimes(line, sa["lt"], created)
        sa["replay"] = esn_window if esn_window is not None \
            else sa["replay_legacy"]
        sa["created"] = created[0]
        sas[sakey(sa)] = sa
    return sas


def ip_sel(first):
    """The selector line of a policy."""
    m = re.match(r"src (\S+) dst (\S+)(.*)$", first)
    src, splen = m[1].split("/")
    dst, dplen = m[2].split("/")
    rest = m[3].split()
    sp = {"src": addr(src), "splen": int(splen), "dst": addr(dst),
          "dplen": int(dplen), "proto": 255, "sport": 0, "dport": 0}
    i = 0
    while i < len(rest):
        k = rest[i]
        if k == "proto":
            p = rest[i + 1]
            sp["proto"] = IPPROTO[p] if p in IPPROTO else int(p)
            i += 2
        elif k in ("sport", "type"):
            sp["sport"] = int(rest[i + 1])
            i += 2
        elif k in ("dport", "code"):
            sp["dport"] = int(rest[i + 1])
            i += 2
        else:
            i += 1 if k != "uid" else 2
    return sp


def parse_ip_policy(text):
    sps = {}
    for blk in ip_blocks(text):
        sp = ip_sel(blk[0])
        sp["tmpls"] = []
        sp["lt"] = {}
        created = [None]
        t = None
        for line in blk[1:]:
            s = line.strip()
            m = re.match(r"dir (\S+) action (\S+) index (\d+) priority (\d+)",
                         s)
            if m:
                sp["dir"] = m[1]
                sp["ip_action"] = m[2]
                sp["id"] = int(m[3])
                sp["prio"] = int(m[4])
                continue
            m = re.match(r"tmpl src (\S+) dst (\S+)", s)
            if m:
                t = {"src": addr(m[1]), "dst": addr(m[2])}
                sp["tmpls"].append(t)
                continue
            m = re.match(r"proto (\S+) spi \S+ reqid (\d+)\S* mode (\S+)", s)
            if m and t is not None:
                t["proto"] = {"comp": "ipcomp"}.get(m[1], m[1])
                t["reqid"] = int(m[2])
                t["mode"] = m[3]
                continue
            m = re.match(r"level (\S+)", s)
            if m and t is not None:
                t["level"] = m[1]
                continue
            m = re.match(r"enc-mask (\S+) auth-mask (\S+) comp-mask (\S+)",
                         s)
            if m and t is not None:
                t["masks"] = (m[1], m[2], m[3])
                continue
            ip_lifetimes(line, sp["lt"], created)
        sp["created"] = created[0]
        if sp["ip_action"] == "block":
            sp["action"] = "discard"
        else:
            sp["action"] = "ipsec" if sp["tmpls"] else "none"
        sps[spkey(sp)] = sp
    return sps


# ----------------------------------------------------------------------
# setkey -D / -DP text (the ipsec-tools printer).

MONTHS = {m: i for i, m in enumerate(
    "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}


def sk_time(s):
    """'Nov 27 08:04:25 2026' -> epoch seconds (UTC)."""
    return calendar.timegm(time.strptime(s.strip(), "%b %d %H:%M:%S %Y"))


def sk_blocks(text):
    """An entry starts with an unindented line and ends with sadb_seq=
    (SAs) or refcnt= (policies)."""
    blk = []
    for line in text.splitlines():
        if not line.strip():
            continue
        blk.append(line)
        if re.search(r"sadb_seq=\d+ pid=\d+ refcnt=\d+$", line) or \
                re.match(r"^\trefcnt=\d+$", line):
            yield blk
            blk = []
    if blk and blk != ["No SAD entries."] and blk != ["No SPD entries."]:
        raise ValueError("sadb_cmp: trailing text %r" % blk)


def hexkey(line):
    """The key of an E: or A: line (and its continuation lines)."""
    return "".join(line.split()[2:]).lower()


def parse_sk_sa(text):
    sas = []
    for blk in sk_blocks(text):
        a = blk[0].split()
        src, sport = split_port(a[0])
        dst, dport = split_port(a[1])
        sa = {"src": addr(src), "dst": addr(dst), "enc": None,
              "enc_key": "", "auth": None, "auth_key": "", "comp": None,
              "encap": None, "lt": {}}
        body = "\n".join(blk[1:])
        m = re.search(r"^\t(\S+) mode=(\S+) spi=(\d+)\(0x[0-9a-f]+\) "
                      r"reqid=(\d+)", body, re.M)
        sa["proto"] = {"esp-udp": "esp"}.get(m[1], m[1])
        if m[1] == "esp-udp":
            sa["encap"] = (sport, dport)
        sa["mode"], sa["spi"], sa["reqid"] = m[2], int(m[3]), int(m[4])
        # E: and A: lines, with the key's continuation lines (which
        # start with a space).
        lines = blk[1:]
        for i, line in enumerate(lines):
            mm = re.match(r"^\t([EAC]): (\S+)\s*(.*)$", line)
            if not mm:
                continue
            k = line
            j = i + 1
            while j < len(lines) and lines[j].startswith(" "):
                k += lines[j]
                j += 1
            if mm[1] == "E":
                sa["enc"] = canon(mm[2])
                sa["enc_key"] = hexkey(k)
            elif mm[1] == "A":
                sa["auth"] = canon(mm[2])
                sa["auth_key"] = hexkey(k)
            else:
                sa["comp"] = mm[2]
        m = re.search(r"seq=0x([0-9a-f]+) replay=(\d+) flags=0x([0-9a-f]+) "
                      r"state=(\S+)", body)
        sa["seq"], sa["replay"] = int(m[1], 16), int(m[2])
        sa["flags"], sa["state"] = int(m[3], 16), m[4]
        sa["esn"] = bool(sa["flags"] & 0x400)
        m = re.search(r"created: (.{20})\tcurrent: (.{20})", body)
        sa["created"] = sk_time(m[1])
        lt = sa["lt"]
        m = re.search(r"diff: (\d+)\(s\)\thard: (\d+)\(s\)\tsoft: (\d+)\(s\)",
                      body)
        lt["hard_add"], lt["soft_add"] = int(m[2]), int(m[3])
        m = re.search(r"last: .*\thard: (\d+)\(s\)\tsoft: (\d+)\(s\)", body)
        lt["hard_use"], lt["soft_use"] = int(m[1]), int(m[2])
        m = re.search(r"current: (\d+)\(bytes\)\thard: (\d+)\(bytes\)\t"
                      r"soft: (\d+)\(bytes\)", body)
        lt["hard_bytes"], lt["soft_bytes"] = int(m[2]), int(m[3])
        m = re.search(r"allocated: (\d+)\thard: (\d+)\tsoft: (\d+)", body)
        lt["hard_packets"], lt["soft_packets"] = int(m[2]), int(m[3])
        m = re.search(r"sadb_seq=(\d+) pid=(\d+) refcnt=(\d+)", body)
        sa["sadb_seq"], sa["pid"] = int(m[1]), int(m[2])
        sas.append(sa)
    return sas


def parse_sk_sp(text):
    sps = []
    for blk in sk_blocks(text):
        w = blk[0].split()
        src, splen, sport = split_prefix(w[0])
        dst, dplen, dport = split_prefix(w[1])
        proto = IPPROTO[w[2]] if w[2] in IPPROTO else int(w[2])
        if len(w) > 3:
            t, c = (w[3].split(",") + ["0"])[:2]
            sport, dport = int(t), int(c)
        d = blk[1].split()
        sp = {"src": src, "splen": splen, "sport": sport, "dst": dst,
              "dplen": dplen, "dport": dport, "proto": proto, "dir": d[0],
              "action": d[-1], "prio": DEFPRIO, "tmpls": []}
        if len(d) > 2 and d[1] in ("prio", "priority"):
            sp["prio"] = prio_value(d[2:-1])
        for line in blk[2:]:
            m = re.match(r"^\t(esp|ah|ipcomp|tcp)/(\w+)/([^/]*)/(\S*)$",
                         line)
            if m:
                level, reqid = m[4], 0
                if level.startswith("unique:"):
                    level, reqid = "unique", int(level.split(":")[1])
                ts = td = None
                if m[3]:
                    ts, td = [addr(split_port(x)[0])
                              for x in m[3].split("-")]
                sp["tmpls"].append({"proto": m[1], "mode": m[2],
                                    "src": ts, "dst": td, "level": level,
                                    "reqid": reqid})
                continue
            m = re.match(r"^\tcreated: (.{20})  lastused:", line)
            if m:
                sp["created"] = sk_time(m[1])
            m = re.match(r"^\tlifetime: (\d+)\(s\) validtime: (\d+)\(s\)",
                         line)
            if m:
                sp["lt"] = {"hard_add": int(m[1]), "hard_use": int(m[2])}
            m = re.match(r"^\tspid=(\d+) seq=(\d+) pid=(\d+)", line)
            if m:
                sp["id"], sp["sadb_seq"] = int(m[1]), int(m[2])
            m = re.match(r"^\trefcnt=(\d+)", line)
            if m:
                sp["refcnt"] = int(m[1])
        sps.append(sp)
    return sps


# setkey -o json

def parse_json_sa(text):
    sas = []
    for line in text.splitlines():
        if not line.strip():
            continue
        j = json.loads(line)
        sa = {"src": addr(j["src"]["address"]),
              "dst": addr(j["dst"]["address"]),
              "spi": j["spi"], "proto": j["satype"], "mode": j["mode"],
              "reqid": j["reqid"], "replay": j["replay"], "esn": j["esn"],
              "seq": j["sequence"], "state": j["state"],
              "enc": canon(j.get("enc")), "enc_key": j.get("enc_key", ""),
              "auth": canon(j.get("auth")),
              "auth_key": j.get("auth_key", ""), "comp": j.get("comp"),
              "encap": None, "sadb_seq": j["seq"], "pid": j["pid"]}
        if sa["enc"] == "none":
            sa["enc"] = None
        if sa["auth"] == "none":
            sa["auth"] = None
        if "natt" in j:
            sa["encap"] = (j["natt"]["sport"], j["natt"]["dport"])
            sa["natt_type"] = j["natt"]["type"]
        if j["src"]["port"] or j["dst"]["port"]:
            sa["ports"] = (j["src"]["port"], j["dst"]["port"])
        lt = j["lifetime"]
        sa["created"] = lt["current"]["addtime"]
        sa["lt"] = {"hard_add": lt["hard"]["addtime"],
                    "soft_add": lt["soft"]["addtime"],
                    "hard_use": lt["hard"]["usetime"],
                    "soft_use": lt["soft"]["usetime"],
                    "hard_bytes": lt["hard"]["bytes"],
                    "soft_bytes": lt["soft"]["bytes"],
                    "hard_packets": lt["hard"]["allocations"],
                    "soft_packets": lt["soft"]["allocations"]}
        sas.append(sa)
    return sas


def parse_json_sp(text):
    sps = []
    for line in text.splitlines():
        if not line.strip():
            continue
        j = json.loads(line)
        s = j["selector"]
        sp = {"src": addr(s["src"]["address"]),
              "splen": s["src"]["prefixlen"], "sport": s["src"]["port"],
              "dst": addr(s["dst"]["address"]),
              "dplen": s["dst"]["prefixlen"], "dport": s["dst"]["port"],
              "proto": s["proto"], "dir": j["dir"], "action": j["action"],
              "prio": j.get("priority", DEFPRIO), "id": j["id"],
              "created": j["lifetime"]["current"]["addtime"],
              "sadb_seq": j["seq"], "refcnt": j["refcnt"], "tmpls": []}
        for r in j.get("requests", []):
            sp["tmpls"].append({
                "proto": r["proto"], "mode": r["mode"],
                "src": addr(r["src"]["address"]) if "src" in r else None,
                "dst": addr(r["dst"]["address"]) if "dst" in r else None,
                "level": r["level"], "reqid": r["reqid"]})
        sps.append(sp)
    return sps


# ----------------------------------------------------------------------
# Comparisons.

SA_FIELDS = ("proto", "src", "dst", "spi", "mode", "reqid", "enc",
             "enc_key", "auth", "auth_key", "comp", "encap")
LT_FIELDS = ("hard_add", "soft_add", "hard_use", "soft_use", "hard_bytes",
             "soft_bytes", "hard_packets", "soft_packets")


def ip_view(ipsa, transport, fmt, res):
    """What setkey over TRANSPORT (format text or json) must show for the
    SA iproute2 shows."""
    v = dict(ipsa)
    v["lt"] = dict(ipsa["lt"])
    if v["enc"] == "null" and fmt == "text":
        # No KEY_ENCRYPT for a 0-bit key, so no E: line (as ipsec-tools).
        v["enc"] = None
    aead = v["enc"] in AEAD
    if transport == "pfkey":
        if aead:
            v["enc"], v["enc_key"] = None, ""
            res.note("aead", "af_key shows no algorithm and no key for "
                     "AEAD SAs")
        if v["esn"]:
            res.note("esn", "af_key shows no ESN flag")
        v["esn"] = False
        if v["replay"] != v["replay_legacy"]:
            res.note("replay_esn", "af_key reads only the legacy replay "
                     "window of an SA with an ESN-style replay state "
                     "(XFRM_REPLAY_ESN_VAL)")
        v["replay"] = v["replay_legacy"]
        v["seq"] = 0
    if fmt == "text":
        # The Linux SA extension's 8 bits (X_SA_REPLAY carries more).
        v["replay"] = min(v["replay"], 255)
    return v


def cmp_sa(what, got, want, res, fields=SA_FIELDS, times=True,
           seq=True):
    for f in fields:
        res.eq(what, f, got.get(f), want.get(f))
    res.eq(what, "replay", got["replay"], want["replay"])
    res.eq(what, "esn", got["esn"], want["esn"])
    if seq:
        res.eq(what, "X_SA2 sequence", got["seq"], want["seq"])
    for f in LT_FIELDS:
        res.eq(what, "lifetime " + f, got["lt"].get(f), want["lt"].get(f))
    if times:
        res.eq(what, "created", got["created"], want["created"])


def cmp_conf_ip(ns, conf, ip, res):
    """The kernel holds what the script asked for, and nothing else."""
    res.eq(ns + " ip xfrm state", "SAs", sorted(ip), sorted(conf))
    for k, c in conf.items():
        if k not in ip:
            continue
        i = ip[k]
        what = "%s conf->ip %s" % (ns, k)
        for f in ("proto", "src", "dst", "spi", "reqid", "enc", "enc_key",
                  "auth", "auth_key", "icv", "comp", "encap", "replay",
                  "esn"):
            res.eq(what, f, i.get(f), c.get(f))
        res.eq(what, "mode", i["mode"],
               "transport" if c["mode"] == "any" else c["mode"])
        for f in LT_FIELDS:
            res.eq(what, "lifetime " + f, i["lt"].get(f), c["lt"][f])
        if c["encap"]:
            res.eq(what, "encap type", i.get("encap_type"), "espinudp")


def cmp_conf_ip_sp(ns, conf, ip, res):
    res.eq(ns + " ip xfrm policy", "policies", sorted(ip), sorted(conf))
    for k, c in conf.items():
        if k not in ip:
            continue
        i = ip[k]
        what = "%s conf->ip %s" % (ns, k)
        for f in ("prio", "action"):
            res.eq(what, f, i[f], c[f])
        res.eq(what, "templates", len(i["tmpls"]), len(c["tmpls"]))
        for n, (it, ct) in enumerate(zip(i["tmpls"], c["tmpls"])):
            w = "%s tmpl %d" % (what, n)
            res.eq(w, "proto", it["proto"], ct["proto"])
            res.eq(w, "mode", it["mode"], ct["mode"])
            res.eq(w, "reqid", it["reqid"], ct["reqid"])
            res.eq(w, "level", it["level"],
                   "use" if ct["level"] == "use" else "required")
            if ct["mode"] == "tunnel":
                res.eq(w, "endpoints", (it["src"], it["dst"]),
                       (ct["src"], ct["dst"]))
            else:
                z = "::" if is6(c["src"]) else "0.0.0.0"
                res.eq(w, "endpoints", (it["src"], it["dst"]), (z, z))


def cmp_ip_sk(ns, transport, fmt, ip, sk, res):
    """One setkey view of a namespace against iproute2's."""
    what0 = "%s setkey -B %s -D (%s)" % (ns, transport, fmt)
    keys = [sakey(s) for s in sk]
    res.eq(what0, "SAs", sorted(keys), sorted(ip))
    res.true(what0, len(keys) == len(set(keys)), "no SA twice")
    for s in sk:
        k = sakey(s)
        if k not in ip:
            continue
        want = ip_view(ip[k], transport, fmt, res)
        what = "%s %s" % (what0, k)
        cmp_sa(what, s, want, res)
        res.eq(what, "state", s["state"], "mature")
        if fmt == "json" and want["encap"]:
            res.eq(what, "natt type", s.get("natt_type"), 2)


def cmp_ip_sk_sp(ns, transport, fmt, ip, sk, res):
    what0 = "%s setkey -B %s -DP (%s)" % (ns, transport, fmt)
    keys = [spkey(s) for s in sk]
    res.eq(what0, "policies", sorted(keys), sorted(ip))
    for s in sk:
        k = spkey(s)
        if k not in ip:
            continue
        i = ip[k]
        what = "%s %s" % (what0, k)
        for f in ("prio", "action", "id", "created"):
            res.eq(what, f, s.get(f), i.get(f))
        res.eq(what, "templates", len(s["tmpls"]), len(i["tmpls"]))
        for n, (st, it) in enumerate(zip(s["tmpls"], i["tmpls"])):
            w = "%s tmpl %d" % (what, n)
            res.eq(w, "proto", st["proto"], it["proto"])
            res.eq(w, "mode", st["mode"], it["mode"])
            # level: unique <=> a reqid; require/use <=> required/use.
            lv = st["level"]
            res.eq(w, "level", "use" if lv == "use" else "required",
                   it["level"])
            res.eq(w, "reqid", st["reqid"], it["reqid"])
            res.eq(w, "unique iff reqid", lv == "unique", it["reqid"] != 0)
            if it["mode"] == "tunnel":
                res.eq(w, "endpoints", (st["src"], st["dst"]),
                       (it["src"], it["dst"]))
        if transport == "pfkey" and s.get("refcnt"):
            res.note("refcnt", "af_key reports a policy's reference count "
                     "(the XFRM transport 0)")


def cmp_countdown(ns, transport, what, entries, res):
    seqs = [e["sadb_seq"] for e in entries]
    n = len(seqs)
    if n == 0:
        return
    w = "%s setkey -B %s %s" % (ns, transport, what)
    res.eq(w, "last sadb_seq", seqs[-1], 0)
    res.eq(w, "sadb_seq values", sorted(seqs), list(range(n)))
    if transport == "xfrm":
        res.eq(w, "sadb_seq counts down", seqs, list(range(n - 1, -1, -1)))
    else:
        res.eq(w, "sadb_seq (af_key: up, 0 last)", seqs,
               list(range(1, n)) + [0])
        if n > 1:
            res.note("countup", "af_key dumps count sadb_seq up and end "
                     "with 0 (the XFRM transport counts down)")


def cmp_text_json(ns, transport, text, js, res, fields):
    w = "%s setkey -B %s text<->json" % (ns, transport)
    res.eq(w, "entries", len(text), len(js))
    for t, j in zip(text, js):
        for f in fields:
            tv, jv = t.get(f), j.get(f)
            if f == "replay":
                jv = min(jv, 255)
            if f == "enc" and jv == "null" and tv is None:
                continue
            res.eq("%s %s" % (w, sakey(t) if "spi" in t else spkey(t)),
                   f, tv, jv)


def cmp_xfrm_pfkey(ipx, ipp, spx, spp, res):
    """Both namespaces hold the same SAs and policies."""
    for k, p in ipp.items():
        x = ipx.get(k)
        if not res.true("ns X vs P " + k, x is not None,
                        "the SA is in both"):
            continue
        what = "ns X vs P %s" % k
        for f in ("proto", "src", "dst", "spi", "mode", "reqid", "enc",
                  "enc_key", "auth", "auth_key", "comp", "encap", "esn"):
            res.eq(what, f, p.get(f), x.get(f))
        for f in LT_FIELDS:
            res.eq(what, "lifetime " + f, p["lt"].get(f), x["lt"].get(f))
        icv = x["icv"]
        if x["auth"] == "hmac-sha2-256":
            icv = 96
        res.eq(what, "icv (af_key: SHA2-256 96)", p["icv"], icv)
        res.eq(what, "replay (af_key: <= 32)", p["replay"],
               min(x["replay"], 32))
        res.true(what, abs(p["created"] - x["created"]) <= 5,
                 "created within 5 s of each other")
    for k, p in spp.items():
        x = spx.get(k)
        if not res.true("ns X vs P " + k, x is not None,
                        "the policy is in both"):
            continue
        what = "ns X vs P %s" % k
        for f in ("prio", "action"):
            res.eq(what, f, p[f], x[f])
        strip = [{a: b for a, b in t.items() if a != "masks"}
                 for t in p["tmpls"]]
        stripx = [{a: b for a, b in t.items() if a != "masks"}
                  for t in x["tmpls"]]
        res.eq(what, "templates", strip, stripx)
        for t in p["tmpls"]:
            if t.get("masks") != ("ffffffff",) * 3:
                res.note("masks", "af_key leaves template algorithm masks "
                         "0 (allalgs); the XFRM transport sets ~0 as "
                         "iproute2 does")


def cmp_get(ns, transport, got, dump, res):
    """SAs read with `get' by TRANSPORT against the dump by the same
    transport (the read-back must be the same SA)."""
    w = "%s get -B %s" % (ns, transport)
    d = {sakey(s): s for s in dump}
    res.eq(w, "SAs", sorted(sakey(s) for s in got), sorted(d))
    for s in got:
        k = sakey(s)
        if k in d:
            cmp_sa("%s %s" % (w, k), s, d[k], res)


def read(path):
    with open(path) as f:
        return f.read()


def main():
    try:
        opts, args = getopt.getopt(sys.argv[1:], "c:gP:SvX:x:")
    except getopt.GetoptError as e:
        print("sadb_cmp: %s" % e, file=sys.stderr)
        return 2
    dirs, common, xonly, gets, verbose, nosa = {}, [], [], False, False, \
        False
    for o, a in opts:
        if o == "-X":
            dirs["xfrm"] = a
        elif o == "-P":
            dirs["pfkey"] = a
        elif o == "-c":
            common.append(a)
        elif o == "-x":
            xonly.append(a)
        elif o == "-g":
            gets = True
        elif o == "-v":
            verbose = True
        elif o == "-S":
            nosa = True
    if args or not dirs or not common:
        print(__doc__.split("\n\n")[-3], file=sys.stderr)
        return 2
    res = Result(verbose)
    ips, ipps = {}, {}
    for loader, d in sorted(dirs.items()):
        ns = "ns %s (loaded by %s)" % ("X" if loader == "xfrm" else "P",
                                      loader)
        confs = common + (xonly if loader == "xfrm" else [])
        csa, csp = read_conf(confs, loader, res)
        if nosa:
            csa = {}
        ip = parse_ip_state(read(os.path.join(d, "ip.state")))
        ipp = parse_ip_policy(read(os.path.join(d, "ip.policy")))
        ips[loader], ipps[loader] = ip, ipp
        cmp_conf_ip(ns, csa, ip, res)
        cmp_conf_ip_sp(ns, csp, ipp, res)
        order = {}
        for t in ("xfrm", "pfkey"):
            p = os.path.join(d, t)
            if not os.path.exists(p + ".D"):
                continue
            text = parse_sk_sa(read(p + ".D"))
            js = parse_json_sa(read(p + ".D.json"))
            textp = parse_sk_sp(read(p + ".DP"))
            jsp = parse_json_sp(read(p + ".DP.json"))
            cmp_ip_sk(ns, t, "text", ip, text, res)
            cmp_ip_sk(ns, t, "json", ip, js, res)
            cmp_ip_sk_sp(ns, t, "text", ipp, textp, res)
            cmp_ip_sk_sp(ns, t, "json", ipp, jsp, res)
            cmp_text_json(ns, t, text, js, res,
                          SA_FIELDS + ("replay", "esn", "seq", "created"))
            cmp_text_json(ns, t, textp, jsp, res,
                          ("dir", "action", "prio", "id", "tmpls",
                           "created"))
            cmp_countdown(ns, t, "-D", text, res)
            cmp_countdown(ns, t, "-DP", textp, res)
            order[t] = ([sakey(s) for s in text], [spkey(s) for s in textp])
            if gets:
                other = "pfkey" if loader == "xfrm" else "xfrm"
                if t == other:
                    g = parse_sk_sa(read(os.path.join(d, "get." + t)))
                    cmp_get(ns, t, g, text, res)
        if len(order) == 2:
            res.eq(ns, "-D order, xfrm vs pfkey", order["xfrm"][0],
                   order["pfkey"][0])
            res.eq(ns, "-DP order, xfrm vs pfkey", order["xfrm"][1],
                   order["pfkey"][1])
    if "xfrm" in ips and "pfkey" in ips:
        cmp_xfrm_pfkey(ips["xfrm"], ips["pfkey"], ipps["xfrm"],
                       ipps["pfkey"], res)
    for key, (n, text) in sorted(res.notes.items()):
        print("note: %s (%d times)" % (text, n))
    print("sadb_cmp: %d checks, %d failed" % (res.checks, res.failed))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
