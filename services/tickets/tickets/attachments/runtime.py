"""What the attachment use cases need besides the database, built once per process from settings."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from ..domain.attachments import Limits
from .clamd import Scanner
from .settings import AttachmentSettings
from .storage import BlobStore


@dataclass(frozen=True)
class Files:
    storage: BlobStore
    limits: Limits
    scanner: Scanner | None = None


def build_storage(settings: AttachmentSettings, engine: Engine) -> BlobStore:
    """The backend ``ATTACHMENT_STORAGE`` names (no connection is made here)."""
    if settings.storage == "folder":
        from .storage.folder import FolderStore

        return FolderStore(settings.folder)
    if settings.storage == "s3":
        from .storage.s3 import S3Store

        return S3Store(settings.s3_bucket, settings.s3_prefix, endpoint_url=settings.s3_endpoint_url,
                       region_name=settings.s3_region, aws_access_key_id=settings.s3_access_key_id,
                       aws_secret_access_key=settings.s3_secret_access_key)
    from .storage.database import DatabaseStore

    return DatabaseStore(engine)


def build_files(settings: AttachmentSettings, engine: Engine) -> Files:
    scanner = Scanner(settings.clamd_url, settings.clamd_timeout) if settings.clamd_url else None
    return Files(build_storage(settings, engine), settings.limits(), scanner)
