"""Attachment settings (part of the tickets service's settings), read once from the environment."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from common.config import ConfigError, Env, as_size

from ..domain.attachments import Limits

BACKENDS = ("database", "folder", "s3")


@dataclass(frozen=True)
class AttachmentSettings:
    storage: str = "database"
    folder: str | None = None
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_prefix: str = "attachments/"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    max_file_bytes: int = 25 * 1024**2
    max_request_bytes: int = 100 * 1024**2
    max_files: int = 60
    max_image_pixels: int = 50_000_000
    temporary_ttl_seconds: int = 3600
    clamd_url: str | None = None
    clamd_timeout: float = 30.0

    @classmethod
    def from_env(cls, env: Env) -> "AttachmentSettings":
        """Read ``ATTACHMENT_*`` and ``CLAMD_*``; a backend missing what it needs fails here, naming it."""
        settings = cls(
            storage=env("ATTACHMENT_STORAGE", default="database").strip().lower(),
            folder=env("ATTACHMENT_FOLDER", default=None),
            s3_bucket=env("ATTACHMENT_S3_BUCKET", default=None),
            s3_endpoint_url=env("ATTACHMENT_S3_ENDPOINT_URL", default=None),
            s3_region=env("ATTACHMENT_S3_REGION", default=None),
            s3_prefix=env("ATTACHMENT_S3_PREFIX", default="attachments/"),
            s3_access_key_id=env("ATTACHMENT_S3_ACCESS_KEY_ID", default=None),
            s3_secret_access_key=env("ATTACHMENT_S3_SECRET_ACCESS_KEY", default=None),
            max_file_bytes=env("ATTACHMENT_MAX_FILE_SIZE", cast=as_size, default=cls.max_file_bytes),
            max_request_bytes=env("ATTACHMENT_MAX_REQUEST_SIZE", cast=as_size, default=cls.max_request_bytes),
            max_files=env("ATTACHMENT_MAX_FILES", cast=int, default=cls.max_files),
            max_image_pixels=env("ATTACHMENT_MAX_IMAGE_PIXELS", cast=int, default=cls.max_image_pixels),
            temporary_ttl_seconds=env("ATTACHMENT_TEMPORARY_TTL", cast=int, default=cls.temporary_ttl_seconds),
            clamd_url=env("CLAMD_URL", default=None) or None,
            clamd_timeout=env("CLAMD_TIMEOUT", cast=float, default=cls.clamd_timeout),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.storage not in BACKENDS:
            raise ConfigError(f"setting ATTACHMENT_STORAGE must be one of {', '.join(BACKENDS)}, not "
                              f"'{self.storage}'")
        if self.storage == "folder" and not self.folder:
            raise ConfigError("missing required setting ATTACHMENT_FOLDER (ATTACHMENT_STORAGE=folder)")
        if self.storage == "s3" and not self.s3_bucket:
            raise ConfigError("missing required setting ATTACHMENT_S3_BUCKET (ATTACHMENT_STORAGE=s3)")
        if min(self.max_file_bytes, self.max_request_bytes, self.max_files, self.max_image_pixels,
               self.temporary_ttl_seconds) <= 0:
            raise ConfigError("attachment limits (ATTACHMENT_MAX_*, ATTACHMENT_TEMPORARY_TTL) must be positive")

    def limits(self) -> Limits:
        return Limits(max_file_bytes=self.max_file_bytes, max_request_bytes=self.max_request_bytes,
                      max_files=self.max_files, max_image_pixels=self.max_image_pixels,
                      temporary_ttl=timedelta(seconds=self.temporary_ttl_seconds))
