"""Attachments' infrastructure: where bytes are stored, what they are, whether they are clean.

``storage`` (one small interface, three backends chosen by ``ATTACHMENT_STORAGE``), ``media``
(type sniffing and Pillow thumbnails, guarded against decompression bombs), ``clamd`` (optional
virus scan), ``sweeper`` (expired temporary files), ``settings`` (limits and backend choice).
"""
