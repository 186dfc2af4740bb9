"""Comment emails list the comment's files with portal links (never the files themselves)."""
from .test_handlers import account, text_of, ticket, world  # noqa: F401  (world is a fixture)

FILES = [{"attachmentId": "7", "filename": "screen.png", "size": 2621440, "mimeType": "image/png"},
         {"attachmentId": "8", "filename": "log.txt", "size": 900, "mimeType": "text/plain"}]


def test_a_public_comment_lists_its_files_with_links_in_the_readers_language(world):
    world.deliver(account("cust-1", "zoe@example.com", "fr"))
    world.deliver(account("cust-2", "al@example.com", "en"))
    world.deliver(ticket("ticket.commented", customers=["cust-1", "cust-2"], commentId="5", public=True,
                         body="See the screenshot", attachments=FILES))
    by_to = {rcpts[0]: msg for msg, rcpts in world.channel.sent}
    english, french = text_of(by_to["al@example.com"]), text_of(by_to["zoe@example.com"])
    assert "Attached files:" in english and "- screen.png (2.5 MB): http://desk.test/portal/requests/AM-1/attachments/7" \
        in english and "log.txt (900 bytes" in english
    assert "Fichiers joints :" in french and "screen.png (2,5\u202fMo)" in french
    html = by_to["al@example.com"].get_body(("html",)).get_content()
    assert '<a href="http://desk.test/portal/requests/AM-1/attachments/8"' in html
    for message in by_to.values():
        assert not [part for part in message.walk() if part.get_content_disposition() == "attachment"]


def test_an_internal_note_and_its_files_reach_only_agents(world):
    world.deliver(account("cust-1", "a@example.com"))
    world.deliver(account("agent-2", "b@example.com", role="agent"))
    world.deliver(ticket("ticket.commented", customers=["cust-1"], agents=["agent-2"], commentId="6", public=False,
                         body="for the team", attachments=FILES[:1]))
    assert [r for _, r in world.channel.sent] == [["b@example.com"]]
    assert "screen.png" in text_of(world.channel.sent[0][0])


def test_comments_published_before_attachments_existed_still_render(world):
    world.deliver(account("cust-1", "a@example.com"))
    world.deliver(ticket("ticket.commented", customers=["cust-1"], commentId="5", public=True, body="hello"))
    assert "Attached files" not in text_of(world.channel.sent[0][0])
