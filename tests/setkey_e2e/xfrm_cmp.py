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

# What setkey shows against what iproute2 shows, field by field: an
# independent reading of the same kernel state.
#
#   python3 xfrm_cmp.py policy SETKEY.json IP.txt
#	SETKEY.json: setkey -B xfrm -DP -o json; IP.txt: ip -s xfrm policy.
#	Selector (addresses, prefixes, protocol, ports or ICMP type and
#	code), direction, action, priority, the policy id against the XFRM
#	index, and each template (endpoints, protocol, mode, reqid, level:
#	"use" is ip's "level use", "require" and "unique" its "required").
#   python3 xfrm_cmp.py state SETKEY.json IP.txt
#	SETKEY.json: setkey -B xfrm -D -o json; IP.txt: ip -s xfrm state.
#	Addresses, protocol, SPI, mode, reqid, replay window.
#
# Prints one line per difference and exits 1 when there is any; prints
# the number of entries that agree otherwise.

import ipaddress, json, sys

ICMP = {1, 58}
PROTO = {'tcp': 6, 'udp': 17, 'icmp': 1, 'ipv6-icmp': 58, 'sctp': 132,
         'gre': 47, 'esp': 50, 'ah': 51, 'comp': 108}


def zero(family_of):
    return '::' if ':' in family_of else '0.0.0.0'


def ip_records(text):
    """Split ip's output into records, each a list of token lists."""
    recs = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line[0].isspace():
            recs.append([line.split()])
        elif recs:
            recs[-1].append(line.split())
    return recs


def kv(tokens, key, default=None):
    for i, t in enumerate(tokens[:-1]):
        if t == key:
            return tokens[i + 1]
    return default


def ip_policies(text):
    out = []
    for rec in ip_records(text):
        first = rec[0]
        p = {'src': first[1], 'dst': first[3]}
        proto = kv(first, 'proto')
        p['proto'] = PROTO.get(proto, int(proto) if proto and
                               proto.isdigit() else 255) if proto else 255
        p['sport'] = int(kv(first, 'sport', kv(first, 'type', '0')))
        p['dport'] = int(kv(first, 'dport', kv(first, 'code', '0')))
        p['tmpls'] = []
        for toks in rec[1:]:
            if toks[0] == 'dir':
                p['dir'] = toks[1]
                p['action'] = kv(toks, 'action', 'allow')
                p['index'] = int(kv(toks, 'index', '-1'))
                p['priority'] = int(kv(toks, 'priority'))
            elif toks[0] == 'tmpl':
                p['tmpls'].append({'src': kv(toks, 'src'),
                                   'dst': kv(toks, 'dst')})
            elif toks[0] == 'proto' and p['tmpls']:
                t = p['tmpls'][-1]
                t['proto'] = toks[1]
                t['mode'] = kv(toks, 'mode')
                t['reqid'] = int(kv(toks, 'reqid').split('(')[0])
            elif toks[0] == 'level' and p['tmpls']:
                p['tmpls'][-1]['level'] = toks[1]
        out.append(p)
    return out


def prefix(a):
    n = ipaddress.ip_network('%s/%d' % (a['address'], a['prefixlen']),
                             strict=False)
    return str(n)


def sk_policy(o):
    sel = o['selector']
    p = {'src': prefix(sel['src']), 'dst': prefix(sel['dst']),
         'proto': sel['proto'], 'sport': sel['src'].get('port', 0),
         'dport': sel['dst'].get('port', 0), 'dir': o['dir'],
         'action': {'discard': 'block'}.get(o['action'], 'allow'),
         'index': o['id'], 'priority': o['priority'], 'tmpls': []}
    fam = sel['src']['address']
    for r in o.get('requests', []):
        p['tmpls'].append({
            'src': r['src']['address'] if 'src' in r else zero(fam),
            'dst': r['dst']['address'] if 'dst' in r else zero(fam),
            'proto': r['proto'], 'mode': r['mode'], 'reqid': r['reqid'],
            'level': 'use' if r['level'] == 'use' else 'required'})
    return p


def ip_states(text):
    out = []
    for rec in ip_records(text):
        first = rec[0]
        s = {'src': first[1], 'dst': first[3]}
        for toks in rec[1:]:
            if toks[0] == 'proto':
                s['proto'] = toks[1]
                s['spi'] = int(kv(toks, 'spi').split('(')[0], 16)
                s['reqid'] = int(kv(toks, 'reqid').split('(')[0])
                s['mode'] = kv(toks, 'mode')
            elif toks[0] == 'replay-window':
                s['replay'] = int(toks[1])
        out.append(s)
    return out


def sk_state(o):
    return {'src': o['src']['address'], 'dst': o['dst']['address'],
            'proto': o['satype'], 'spi': o['spi'], 'reqid': o['reqid'],
            'mode': o['mode'], 'replay': o.get('replay', 0)}


def main():
    kind, skfile, ipfile = sys.argv[1:4]
    sk = [json.loads(l) for l in open(skfile) if l.strip()]
    text = open(ipfile).read()
    if kind == 'policy':
        mine = [sk_policy(o) for o in sk if o.get('type') == 'sp']
        theirs = ip_policies(text)
        key = lambda p: p['index']
    else:
        mine = [sk_state(o) for o in sk if o.get('type') == 'sa']
        theirs = ip_states(text)
        key = lambda s: (s['dst'], s['proto'], s['spi'])
    bad = 0
    if len(mine) != len(theirs):
        print('setkey shows %d, ip %d' % (len(mine), len(theirs)))
        bad += 1
    byk = {key(t): t for t in theirs}
    for m in mine:
        t = byk.get(key(m))
        if t is None:
            print('not in ip: %r' % (m,))
            bad += 1
            continue
        for f in sorted(m):
            if m[f] != t.get(f):
                print('%r: %s: setkey %r, ip %r' % (key(m), f, m[f],
                                                    t.get(f)))
                bad += 1
    if bad:
        sys.exit(1)
    print('%d agree' % len(mine))


main()
