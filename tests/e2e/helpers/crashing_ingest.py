"""An inbound transport that dies at the worst moment: after the intake committed a message, before
the transport acknowledged it (IMAP flag, LMTP reply). The tests restart the real one afterwards.

``python crashing_ingest.py imap|lmtp`` with the inbound settings in the environment.
"""
import os
import sys

from inbound import imap, lmtp

if sys.argv[1] == "imap":
    imap.ImapPoller.finish = lambda self, client, uid: os._exit(17)
    imap.main()
else:
    original = lmtp.Handler.take

    def take(self, *args, **kwargs):
        original(self, *args, **kwargs)
        os._exit(17)

    lmtp.Handler.take = take
    lmtp.main()
