"""A stub upstream for ``gwfast_micro.py``: canned answers of the tickets API's and identity's sizes, from memory."""
import json

_ROW = {"issueId": "1", "issueKey": "AM-1", "requestTypeId": "1", "serviceDeskId": "1",
        "currentStatus": {"status": "Waiting for support", "statusCategory": "NEW"},
        "requestFieldValues": [{"fieldId": "summary", "label": "Summary", "value": "Player is broken"}],
        "reporter": {"accountId": "a" * 36, "emailAddress": "carol@example.com", "displayName": "Carol"},
        "_links": {"web": "http://127.0.0.1/portal/AM-1", "self": "http://127.0.0.1/rest/servicedeskapi/request/1"}}


def _list(kilobytes: int) -> bytes:
    values, body = [], b""
    while len(body) < kilobytes * 1024:
        values.append(_ROW)
        body = json.dumps({"size": len(values), "start": 0, "limit": 50, "isLastPage": True,
                           "values": values}).encode()
    return body if kilobytes else json.dumps({"size": 0, "start": 0, "limit": 50, "isLastPage": True,
                                              "values": []}).encode()


LISTS = {size: _list(int(size)) for size in ("0", "20", "120")}
CREATED = json.dumps({**_ROW, "description": "x" * 1024}).encode()
EXCHANGED = json.dumps({"access_token": "e" * 40 + "." + "p" * 500 + "." + "s" * 342, "expires_in": 900}).encode()


def app(environ, start_response):
    path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
    stream = environ["wsgi.input"]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length:
        stream.read(length)
    status, body = "200 OK", b'{"status": "ok"}'
    if path == "/api/identity/tokens/exchange":
        body = EXCHANGED
    elif path == "/rest/servicedeskapi/request" and method == "POST":
        status, body = "201 Created", CREATED
    elif path == "/rest/servicedeskapi/request":
        size = dict(p.split("=", 1) for p in environ.get("QUERY_STRING", "").split("&") if "=" in p).get("size", "0")
        body = LISTS.get(size, LISTS["0"])
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
