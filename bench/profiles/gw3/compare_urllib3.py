"""The urllib3 pool (``forward.PoolForwarder``) and ``keepalive.KeepAliveForwarder`` against the same scripted
raw-socket server, case by case: the request bytes the server got, the answers (status, headers, ``header()``,
body or body pieces, errors) and the number of connections must be the same.

``.venv/bin/python bench/profiles/gw3/compare_urllib3.py [NAME-FRAGMENT ...]``  prints SAME or DIFF per case.
"""
import socket, threading, time, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "services/gateway"))
from gateway.forward import PoolForwarder, UpstreamFailed
from gateway.keepalive import KeepAliveForwarder

class Raw:
    def __init__(self, answers):
        self.answers = answers  # list of bytes | callable(raw)->(bytes, close)
        self.got = []; self.conns = 0
        self.srv = socket.socket(); self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", 0)); self.srv.listen(16)
        self.port = self.srv.getsockname()[1]
        threading.Thread(target=self.loop, daemon=True).start()
    def loop(self):
        while True:
            try: c, _ = self.srv.accept()
            except OSError: return
            self.conns += 1
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()
    def serve(self, c):
        buf = b""
        while True:
            while b"\r\n\r\n" not in buf:
                d = c.recv(65536)
                if not d: c.close(); return
                buf += d
            head, _, buf = buf.partition(b"\r\n\r\n")
            low = head.lower()
            body = b""
            if b"content-length:" in low:
                n = int(low.split(b"content-length:")[1].split(b"\r\n")[0])
                while len(buf) < n: buf += c.recv(65536)
                body, buf = buf[:n], buf[n:]
            elif b"transfer-encoding: chunked" in low:
                while not buf.endswith(b"0\r\n\r\n"): buf += c.recv(65536)
                body, buf = buf, b""
            if self.answers[0] == "EARLY":
                self.got.append(head)
                c.sendall(b"HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}")
                import struct
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)) if self.answers[1] == "RST" else None
                c.close(); return
            self.got.append(head + b"\r\n\r\n" + body)
            i = len(self.got) - 1
            a = self.answers[min(i, len(self.answers) - 1)]
            close = False
            if callable(a): a, close = a(head)
            if a is None: c.close(); return
            if a == "RST":
                import struct
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close(); return
            if isinstance(a, list):
                for part in a:
                    if isinstance(part, float): time.sleep(part)
                    else: c.sendall(part)
            else: c.sendall(a)
            if close: c.close(); return

def run(cls, answers, calls, **kw):
    srv = Raw(answers)
    fw = cls(f"http://127.0.0.1:{srv.port}" + kw.pop("prefix", ""), timeout=kw.pop("timeout", 2.0), **kw)
    out = []
    for method, target, headers, body, mode in calls:
        try:
            a = fw.send(method, target, dict(headers), body() if callable(body) else body)
            rec = [a.status, a.headers, {h: a.header(h) for h in ("Content-Length", "Connection", "Set-Cookie", "Transfer-Encoding", "X-A")}]
            try:
                if mode == "read": rec.append(a.read())
                elif mode == "stream": rec.append([len(p) for p in a.stream()])
                else: rec.append("unread")
            except UpstreamFailed as e: rec.append("BODYFAIL")
            a.close()
            out.append(rec)
        except UpstreamFailed as e:
            out.append("FAILED")
        except Exception as e:
            out.append(f"RAISED {type(e).__name__}: {e}")
        time.sleep(0.05)
    fw.close()
    got = [g.replace(b':%d' % srv.port, b':PORT') for g in srv.got]
    return out, got, srv.conns

def compare(name, answers, calls, **kw):
    a = run(PoolForwarder, answers, calls, **dict(kw))
    b = run(KeepAliveForwarder, answers, calls, **dict(kw))
    same = a == b
    print(("SAME " if same else "DIFF ") + name)
    if not same:
        for label, x, y in zip(("answers", "requests", "conns"), a, b):
            if x != y: print("  ", label, "\n    urllib3:", x, "\n    new:    ", y)
    return same

OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
H = {"Accept": "application/json", "Authorization": "Bearer x", "X-Request-ID": "r1", "X-Forwarded-For": "1.2.3.4"}
cases = []
def case(name, answers, calls, **kw): cases.append((name, answers, calls, kw))

case("get keepalive", [OK], [("GET", "/rest/x?limit=50", H, None, "read")] * 3)
case("post bytes", [OK], [("POST", "/rest/x", {**H, "Content-Type": "application/json", "Content-Length": "5"}, b"hello", "read")] * 2)
case("post no CL header", [OK], [("POST", "/rest/x", H, b"hello", "read"), ("POST", "/rest/x", H, None, "read"), ("PUT", "/rest/x", H, b"", "read"), ("DELETE", "/rest/x", H, None, "read")])
case("user agent given", [OK], [("GET", "/rest/x", {**H, "User-Agent": "curl", "Accept-Encoding": "gzip"}, None, "read")])
case("skip header ua", [OK], [("GET", "/rest/x", {**H, "User-Agent": "@@@SKIP_HEADER@@@"}, None, "read")])
case("skip header bad", [OK], [("GET", "/rest/x", {**H, "Accept": "@@@SKIP_HEADER@@@"}, None, "read")])
case("bad header value", [OK], [("GET", "/rest/x", {**H, "Accept": "a\r\nb"}, None, "read")])
case("folded header value", [OK], [("GET", "/rest/x", {**H, "Accept": "a\r\n\tb"}, None, "read")])
case("generator body chunked", [OK], [("PUT", "/rest/x", H, lambda: iter([b"ab", b"", b"cde"]), "read")])
case("generator body with CL", [OK], [("PUT", "/rest/x", {**H, "Content-Length": "5"}, lambda: iter([b"ab", b"cde"]), "read")])
for q in ["a=b c", "q=caf%c3%a9", "q=100%", "a=%20&q=100%", "q=\u00e9", "x=[1]&y={2}|\\^`\"<>", "a=b?c/d:e@f", "q=%zz", "#frag", "a=%2F"]:
    case("target " + q, [OK], [("GET", "/rest/x?" + q, H, None, "read")])
case("path prefix", [OK], [("GET", "/rest/x", H, None, "read")], prefix="/behind/")
case("repeated headers grouped", [b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-A: 1\r\nset-cookie: b=2\r\nx-a: 2\r\nContent-Length: 2\r\n\r\n{}"], [("GET", "/r", H, None, "read")])
case("header whitespace", [b"HTTP/1.1 200 OK\r\nX-A:   lead and trail  \r\nX-B:\r\nX-C:\t tab\r\nContent-Length: 2\r\n\r\n{}"], [("GET", "/r", H, None, "read")])
case("obs fold", [b"HTTP/1.1 200 OK\r\nX-A: one\r\n  two\r\nContent-Length: 2\r\n\r\n{}"], [("GET", "/r", H, None, "read")] * 2)
case("bad header line", [b"HTTP/1.1 200 OK\r\nX-A: one\r\nnot a header\r\nX-B: 2\r\nContent-Length: 2\r\n\r\n{}"], [("GET", "/r", H, None, "read")])
case("space before colon", [b"HTTP/1.1 200 OK\r\nX-A : one\r\nContent-Length: 2\r\n\r\n{}"], [("GET", "/r", H, None, "read")])
case("LF only", [b"HTTP/1.1 200 OK\nX-A: one\nContent-Length: 2\n\n{}"], [("GET", "/r", H, None, "read")] * 2)
case("latin1 value", [b"HTTP/1.1 200 OK\r\nX-A: caf\xe9\r\nContent-Length: 2\r\n\r\n{}"], [("GET", "/r", H, None, "read")])
case("100 continue", [b"HTTP/1.1 100 Continue\r\nX-A: skip\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}"], [("POST", "/r", H, b"x", "read")] * 2)
case("http/1.0 close", [b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}"], [("GET", "/r", H, None, "read")] * 2)
case("http/1.0 keep-alive", [b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n{}"], [("GET", "/r", H, None, "read")] * 2)
case("connection close", [(lambda h: (b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", True))], [("GET", "/r", H, None, "read")] * 2)
case("connection hop", [b"HTTP/1.1 200 OK\r\nConnection: X-A\r\nX-A: 1\r\nContent-Length: 2\r\n\r\n{}"], [("GET", "/r", H, None, "read")])
CH = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"3\r\nabc\r\n" + b"%x\r\n" % 100000 + b"z" * 100000 + b"\r\n" + b"0\r\n\r\n"
case("chunked stream", [CH], [("GET", "/r", H, None, "stream")] * 2)
case("chunked read", [CH], [("GET", "/r", H, None, "read")] * 2)
case("chunked ext trailer", [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"], [("GET", "/r", H, None, "stream")] * 2)
case("chunked + CL", [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n"], [("GET", "/r", H, None, "read"), ("GET", "/r", H, None, "stream")])
case("chunked cut", [(lambda h: (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc", True))], [("GET", "/r", H, None, "stream"), ("GET", "/r", H, None, "read")])
case("chunked bad size", [(lambda h: (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc", True))], [("GET", "/r", H, None, "stream")])
BIG = b"HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n" + b"y" * 200000
case("big CL stream", [BIG], [("GET", "/r", H, None, "stream")] * 2)
case("until close stream", [(lambda h: (b"HTTP/1.1 200 OK\r\n\r\n" + b"q" * 150000, True))], [("GET", "/r", H, None, "stream"), ("GET", "/r", H, None, "read")])
case("short CL read", [(lambda h: (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", True))], [("GET", "/r", H, None, "read"), ("POST", "/r", H, b"x", "stream")])
case("head", [b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n"], [("HEAD", "/r", H, None, "stream"), ("HEAD", "/r", H, None, "read")])
case("204 304", [b"HTTP/1.1 204 No Content\r\n\r\n", b"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n"], [("GET", "/r", H, None, "read"), ("GET", "/r", H, None, "stream"), ("GET", "/r", H, None, "read")])
case("two CL same", [b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}"], [("GET", "/r", H, None, "stream")] * 2)
case("two CL differ", [b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"], [("GET", "/r", H, None, "stream"), ("POST", "/r", H, b"", "read")])
case("bad status", [(lambda h: (b"HTTP/1.1 abc OK\r\n\r\n", True))], [("GET", "/r", H, None, "read"), ("POST", "/r", H, b"x", "read")])
case("garbage status", [(lambda h: (b"hello\r\n\r\n", True))], [("GET", "/r", H, None, "read"), ("POST", "/r", H, b"x", "read")])
case("HTTP/2 status", [(lambda h: (b"HTTP/2 200 OK\r\n\r\n", True))], [("GET", "/r", H, None, "read")])
case("closed without answer", [None], [("GET", "/r", H, None, "read"), ("POST", "/r", H, b"x", "read"), ("PATCH", "/r", H, b"x", "read"), ("PUT", "/r", H, b"x", "read"), ("DELETE", "/r", H, None, "read")])
case("closed once then ok", [None, OK], [("GET", "/r", H, None, "read"), ("GET", "/r", H, None, "read")])
case("closed once post", [None, OK], [("POST", "/r", H, b"x", "read"), ("POST", "/r", H, b"x", "read")])
case("read timeout", [[1.5, OK]], [("GET", "/r", H, None, "read"), ("POST", "/r", H, b"x", "read")], timeout=0.5)
case("503 retry-after", [b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 2\r\n\r\n{}"], [("GET", "/r", H, None, "read")] * 2)
case("redirect passes", [b"HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 2\r\n\r\n{}"], [("GET", "/r", H, None, "read")] * 2)
case("too many headers", [(lambda h: (b"HTTP/1.1 200 OK\r\n" + b"X-A: 1\r\n" * 101 + b"\r\n", True))], [("GET", "/r", H, None, "read"), ("POST", "/r", H, b"", "read")])
case("100 headers ok", [b"HTTP/1.1 200 OK\r\n" + b"X-A: 1\r\n" * 98 + b"Content-Length: 2\r\n\r\n{}"], [("GET", "/r", H, None, "read")])
case("cut in head", [(lambda h: (b"HTTP/1.1 200 OK\r\nX-A: 1\r\nX-B: par", True))], [("GET", "/r", H, None, "read")])
case("leftover after body", [b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}EXTRA", OK], [("GET", "/r", H, None, "read")] * 3)
case("unread big then next", [BIG, OK], [("GET", "/r", H, None, "unread"), ("GET", "/r", H, None, "read")])

case("stale idle close", [lambda h: (OK, True)], [("POST", "/r", H, b"x", "read"), ("POST", "/r", H, b"x", "read"), ("GET", "/r", H, None, "read"), ("PATCH", "/r", H, b"y", "read")])
case("reset without answer", ["RST", OK], [("GET", "/r", H, None, "read"), ("POST", "/r", H, b"x", "read"), ("POST", "/r", H, b"x", "read")])
case("reset always", ["RST"], [("GET", "/r", H, None, "read"), ("POST", "/r", H, b"x", "read")])
case("early answer big body", ["EARLY", "FIN"], [("POST", "/r", {**H, "Content-Length": str(8 << 20)}, b"b" * (8 << 20), "read")])
case("early answer big body rst", ["EARLY", "RST"], [("POST", "/r", {**H, "Content-Length": str(8 << 20)}, b"b" * (8 << 20), "read")])
case("early answer streamed body", ["EARLY", "FIN"], [("PUT", "/r", H, lambda: iter([b"c" * 65536] * 128), "read")])
case("timeout mid body", [[b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc", 1.5, b"d" * 97]], [("GET", "/r", H, None, "read"), ("GET", "/r", H, None, "stream")], timeout=0.5)
only = sys.argv[1:] 
res = [compare(n, a, c, **kw) for n, a, c, kw in cases if not only or any(o in n for o in only)]
print(sum(res), "of", len(res), "same")
