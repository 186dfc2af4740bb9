"""Medians per scenario and configuration of a pair.py log (its stdout), runs with errors left out:
req/s, p50, p99, the median of each round's p99 and p50 ratio to base, the busier tickets API and
gateway worker's share of the requests, and the gateway's and tickets API's CPU ms per request.

``python3 bench/profiles/gw5/summary.py bench/profiles/gw5/p2.log``
"""
import json,sys,statistics as st
rows={}
for line in open(sys.argv[1]):
    p=line.split(' ',3)
    if len(p)<4 or not p[0].isdigit(): continue
    n,c,s,j=int(p[0]),p[1],p[2],json.loads(p[3])
    if j["errors"]: continue
    rows.setdefault(s,{}).setdefault(c,{})[n]=j
for s,bc in rows.items():
    base=bc.get('base',{})
    for c,rs in bc.items():
        v=list(rs.values())
        tw=[max(r['tickets_log']['per_worker'])/sum(r['tickets_log']['per_worker']) for r in v if r['tickets_log'].get('per_worker')]
        gw=[max(r['gateway_log']['per_worker'])/sum(r['gateway_log']['per_worker']) for r in v if r['gateway_log'].get('per_worker')]
        ratio=[rs[n]['p99_ms']/base[n]['p99_ms'] for n in rs if n in base]
        r50=[rs[n]['p50_ms']/base[n]['p50_ms'] for n in rs if n in base]
        gcpu=[r['cpu_ms'].get('gateway-'+c) for r in v]; gcpu=[x for x in gcpu if x is not None]
        tcpu=[r['cpu_ms'].get('tickets-'+c) for r in v]; tcpu=[x for x in tcpu if x is not None]
        print(f"{s:22} {c:7} n={len(v):2} rps {st.median(r['rps'] for r in v):6.1f} p50 {st.median(r['p50_ms'] for r in v):6.1f} p99 {st.median(r['p99_ms'] for r in v):6.1f} p99x {st.median(ratio):.2f} ({sum(x<1 for x in ratio)}/{len(ratio)} better) p50x {st.median(r50):.2f} busier-tickets-worker {100*st.median(tw):.0f}% (max {100*max(tw):.0f}) busier-gw {100*st.median(gw):.0f}% gwcpu {st.median(gcpu):.2f} tkcpu {st.median(tcpu):.2f} err {sum(r['errors'] for r in v)}")
