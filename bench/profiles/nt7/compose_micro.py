"""Micro loops (us of CPU per call) of render, compose_bytes and its parts, for one \"request received\"."""
import time, timeit
from email.headerregistry import Address
from email.utils import formatdate
from notifier.mail import compose as c
try:  # after: the head check has a module of its own
    from notifier.mail.headcheck import check_head
except ImportError:  # before
    check_head = c._verify_head
import re
_LINE_BREAK, _HEADER_LINE = re.compile(rb"\r\n|\r|\n"), re.compile(rb"^([!-9;-~]+):")
from notifier.mail.render import render
from notifier.domain.model import Recipient, CUSTOMER
sender = Address("Service Desk", "support", "desk.example.com")
ctx = {"key": "AM-12", "summary": "Fingerprints missing 12", "desk_name": "Audio Matching", "status": "Waiting for support",
       "side": CUSTOMER, "url": "http://desk/portal/AM-12", "mute_url": "http://desk/mute/AM-12",
       "reply_address": "am+r-am-12-abcdefghijklmnopqrstuvwx@desk.example.com", "other_address": None, "reply_is_note": False}
r = render("mail_request_received", "en", **ctx)
rec = Recipient(email="reporter@example.com", language="en", side=CUSTOMER, display_name="reporter", account_id="x")
print(len(r.text), len(r.html))
def cb(): return c.compose_bytes(r, sender, rec, "<abc.def.r-am-12-abcdefghijklmnopqrstuvwx@desk.example.com>", "<request.AM-12@desk.example.com>", "http://desk/mute/AM-12", "am+r-am-12-abcdefghijklmnopqrstuvwx@desk.example.com")
raw = cb()
def t(f, n=20000):
    f(); s=time.process_time()
    for _ in range(n): f()
    return 1e6*(time.process_time()-s)/n
print("render", t(lambda: render("mail_request_received", "en", **ctx)))
print("compose_bytes", t(cb))
print("payload text", t(lambda: c._payload(r.text)), "html", t(lambda: c._payload(r.html)))
print("transfer_encoding html", t(lambda: c._transfer_encoding(r.html)))
print("formatdate", t(lambda: formatdate(usegmt=True)))
print("verify_head", t(lambda: check_head(["From","To","Reply-To","Subject","Date","Message-ID","In-Reply-To","References","Auto-Submitted","X-Auto-Response-Suppress","List-Unsubscribe","MIME-Version","Content-Type","Content-Language"], raw)))
print("header_values", t(lambda: c._header_values(r, sender, rec, "<abc.def@desk.example.com>", "<request.AM-12@desk.example.com>", "http://desk/mute/AM-12", None)))
print("boundary", t(lambda: c._boundary(b"x"*600, b"y"*3000)))
print("reply_to_line", t(lambda: c._reply_to_line("am+r-am-12-abcdefghijklmnopqrstuvwx@desk.example.com", "Service Desk")))
import hmac, hashlib
print("hmac.new", t(lambda: hmac.new(b"k"*64, b"reply-tag:v1:r:AM-12:xxxxxxxx", hashlib.sha256).digest()))
print("hmac.digest", t(lambda: hmac.digest(b"k"*64, b"reply-tag:v1:r:AM-12:xxxxxxxx", "sha256")))
import random, sys
head = raw.split(b"\r\n\r\n", 1)[0]
print("split raw", t(lambda: raw.split(b"\r\n\r\n", 1)[0]), "find", t(lambda: raw[:raw.find(b"\r\n\r\n")]))
print("regex split", t(lambda: _LINE_BREAK.split(head)), "bytes split", t(lambda: head.split(b"\r\n")))
lines = head.split(b"\r\n")
exp = {"from","to"}
def per_line():
    for line in lines:
        if line[:1] in (b" ", b"\t"): continue
        m = _HEADER_LINE.match(line)
        m.group(1).decode("ascii").lower() in exp
print("per line", t(per_line), len(lines))
print("randrange", t(lambda: random.randrange(sys.maxsize)), "getrandbits", t(lambda: random.getrandbits(63)))
tb, hb = c._payload(r.text)[0], c._payload(r.html)[0]
print("boundary real", t(lambda: c._boundary(tb, hb)))
print("lines+join", t(lambda: b"".join([c._folded(n, v) for n, v in c._header_values(r, sender, rec, "<abc.def@desk.example.com>", "<request.AM-12@desk.example.com>", "http://desk/mute/AM-12", None)])))
