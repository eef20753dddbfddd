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

"""event_check.py: what `setkey -x' printed during guest_event.sh.

usage: event_check.py OUTDIR

OUTDIR holds mon.txt (setkey -x), mon.json (setkey -x -o json), dp.json
(setkey -DP -o json: the two policies) and, for af_key, listen.txt
(pfkey_listen).  Checks, in both monitors:
  - one ACQUIRE per policy, ESP, with the policy's addresses and its id
    (spid), the one setkey -DP shows;
  - for each SA (0x4001, 0x4006): an EXPIRE with the soft lifetime (1 s,
    state dying), then one with the hard lifetime (3 s, state dead), and
    the ADD before them; ACQUIREs before ADDs;
  - pfkey_listen, when present, saw the same ACQUIREs and EXPIREs.
Prints "FAIL ..." lines and "event_check: ok"; exit status 1 on failure.
"""

import json
import os
import re
import sys

SPIS = {0x4001: ("10.0.0.1", "10.0.0.2"), 0x4006: ("fd00::1", "fd00::2")}


def text_msgs(path):
    """setkey -x text: a time stamp line, a msg= line, the body."""
    msgs = []
    cur = None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.match(r"^msg=(\S+) satype=(\S+) errno=(\d+) seq=(\d+) "
                         r"pid=(\d+)", line)
            if m:
                cur = {"type": m[1], "satype": m[2], "errno": int(m[3]),
                       "body": []}
                msgs.append(cur)
            elif cur is not None and line.strip():
                cur["body"].append(line)
    for m in msgs:
        b = "\n".join(m["body"])
        a = re.search(r"^\t(\S+) (\S+) spid=(\d+)$", b, re.M)
        if m["type"] == "ACQUIRE" and a:
            m["src"], m["dst"], m["spid"] = a[1], a[2], int(a[3])
        s = re.search(r"spi=(\d+)\(", b)
        if s:
            m["spi"] = int(s[1])
        s = re.search(r"state=(\S+)", b)
        if s:
            m["state"] = s[1]
        s = re.search(r"diff: \d+\(s\)\thard: (\d+)\(s\)\tsoft: (\d+)\(s\)",
                      b)
        if s:
            m["hard"], m["soft"] = int(s[1]), int(s[2])
    return msgs


def json_msgs(path):
    msgs = []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            j = json.loads(line)
            m = {"type": j["msgtype"], "satype": j["satype"],
                 "errno": j["errno"]}
            sa = j.get("sa", {})
            if "src" in sa:
                m["src"] = sa["src"]["address"]
                m["dst"] = sa["dst"]["address"]
            if "spi" in sa:
                m["spi"] = sa["spi"]
            if "state" in sa:
                m["state"] = sa["state"]
            lt = sa.get("lifetime", {})
            if "hard" in lt or "soft" in lt:
                m["hard"] = lt.get("hard", {}).get("addtime", 0)
                m["soft"] = lt.get("soft", {}).get("addtime", 0)
            if "sp" in j:
                m["spid"] = j["sp"]["id"]
            msgs.append(m)
    return msgs


def check(name, msgs, pols, fails):
    def fail(why):
        fails.append("%s: %s" % (name, why))

    acq = [m for m in msgs if m["type"] == "ACQUIRE"]
    if len(acq) != len(pols):
        fail("%d ACQUIREs, expected %d" % (len(acq), len(pols)))
    for (src, dst), spid in pols.items():
        mm = [m for m in acq if (m.get("src"), m.get("dst")) == (src, dst)]
        if not mm:
            fail("no ACQUIRE for %s -> %s" % (src, dst))
            continue
        m = mm[0]
        if m.get("spid") != spid:
            fail("ACQUIRE %s -> %s: policy id %r, setkey -DP says %d" %
                 (src, dst, m.get("spid"), spid))
        if m["satype"] != "esp" or m["errno"] != 0:
            fail("ACQUIRE %s -> %s: satype %s errno %d" %
                 (src, dst, m["satype"], m["errno"]))
        else:
            print("%s: ACQUIRE esp %s -> %s spid %d" % (name, src, dst,
                                                       spid))
    first_add = min([i for i, m in enumerate(msgs) if m["type"] == "ADD"],
                    default=None)
    if first_add is None:
        fail("no ADD")
    elif any(i > first_add for i, m in enumerate(msgs)
             if m["type"] == "ACQUIRE"):
        fail("an ACQUIRE after the ADDs")
    for spi, (src, dst) in SPIS.items():
        seq = [(i, m) for i, m in enumerate(msgs) if m.get("spi") == spi]
        adds = [i for i, m in seq if m["type"] == "ADD"]
        exp = [(i, m) for i, m in seq if m["type"] == "EXPIRE"]
        what = "SA 0x%x" % spi
        if len(exp) != 2:
            fail("%s: %d EXPIREs, expected 2" % (what, len(exp)))
            continue
        (i1, soft), (i2, hard) = exp
        if (soft.get("soft"), soft.get("hard"), soft.get("state")) != \
                (1, 0, "dying"):
            fail("%s: first EXPIRE not soft (1 s, dying): %r" % (what, soft))
        if (hard.get("hard"), hard.get("soft"), hard.get("state")) != \
                (3, 0, "dead"):
            fail("%s: second EXPIRE not hard (3 s, dead): %r" % (what, hard))
        if not adds or min(adds) > i1:
            fail("%s: no ADD before the EXPIREs" % what)
        if (soft.get("src"), soft.get("dst")) != (src, dst) and \
                "src" in soft:
            fail("%s: EXPIRE addresses %s -> %s" %
                 (what, soft.get("src"), soft.get("dst")))
        print("%s: %s ADD, EXPIRE soft, EXPIRE hard" % (name, what))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: event_check.py OUTDIR")
    d = sys.argv[1]
    pols = {}
    with open(os.path.join(d, "dp.json")) as f:
        for line in f:
            if line.strip():
                j = json.loads(line)
                s = j["selector"]
                pols[(s["src"]["address"], s["dst"]["address"])] = j["id"]
    fails = []
    if len(pols) != 2:
        fails.append("dp.json: %d policies, expected 2" % len(pols))
    check("setkey -x", text_msgs(os.path.join(d, "mon.txt")), pols, fails)
    check("setkey -x -o json", json_msgs(os.path.join(d, "mon.json")),
          pols, fails)
    lp = os.path.join(d, "listen.txt")
    if os.path.exists(lp):
        with open(lp) as f:
            lines = f.read().splitlines()
        for (src, dst), spid in pols.items():
            want = "ACQUIRE %s %s spid %d" % (src, dst, spid)
            if want not in lines:
                fails.append("pfkey_listen: no %r" % want)
        for spi in SPIS:
            want = ["EXPIRE 0x%08x soft" % spi, "EXPIRE 0x%08x hard" % spi]
            got = [x for x in lines if x.startswith("EXPIRE 0x%08x" % spi)]
            if got != want:
                fails.append("pfkey_listen: %r, expected %r" % (got, want))
        print("pfkey_listen: %d lines" % len(lines))
    for f in fails:
        print("FAIL " + f)
    print("event_check: " + ("%d failures" % len(fails) if fails else "ok"))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
