import os
from email.message import EmailMessage

from gateway.app import create_app


def write_mail(folder, name, subject, to, body, mtime):
    message = EmailMessage()
    message["From"] = "desk@example.com"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Thu, 26 Nov 2026 10:00:00 +0000"
    message.set_content(body)
    path = folder / name
    path.write_bytes(bytes(message))
    os.utime(path, (mtime, mtime))


def test_dev_mail_is_off_by_default(client):
    assert client.get("/dev/mail").status_code == 404


def test_dev_mail_lists_newest_first_and_shows_links(settings, identity, tickets, tmp_path):
    write_mail(tmp_path, "a.eml", "You are invited", "carol@example.com",
               "Open http://127.0.0.1:8080/portal/invitation?token=abc&x=1 to start.", 1000)
    write_mail(tmp_path, "b.eml", "AM-1 <updated>", "alice@example.com", "Status changed.", 2000)
    from dataclasses import replace

    app = create_app(replace(settings, dev_mailbox=str(tmp_path)),
                     transports={"identity": identity.transport(), "tickets": tickets.transport()})
    client = app.test_client()

    listing = client.get("/dev/mail").get_data(as_text=True)
    assert listing.index("AM-1 &lt;updated&gt;") < listing.index("You are invited")
    assert "carol@example.com" in listing

    page = client.get("/dev/mail/a.eml").get_data(as_text=True)
    assert '<a href="http://127.0.0.1:8080/portal/invitation?token=abc&amp;x=1">' in page
    assert client.get("/dev/mail/..%2Fsecret.eml").status_code == 404
    assert client.get("/dev/mail/missing.eml").status_code == 404
