"""Contents in an S3-compatible object store (``ATTACHMENT_STORAGE=s3``), for large deployments.

Objects are ``<prefix><blob id>`` in one bucket; uploads use boto3's managed transfer (multipart
above 8 MiB, read from the spooled upload in parts), downloads stream the object's body.
Tested against moto's standalone server, the only S3 implementation these test machines run.
"""
from __future__ import annotations

from typing import BinaryIO, Iterable, Iterator

from sqlalchemy.orm import Session

from . import CHUNK, MissingBlob, check_blob_id

_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3Store:
    name = "s3"

    def __init__(self, bucket: str, prefix: str = "", client=None, **client_options):
        import boto3

        self.bucket = bucket
        self.prefix = prefix
        self.client = client or boto3.client("s3", **{k: v for k, v in client_options.items() if v})

    def _key(self, blob_id: str) -> str:
        return self.prefix + check_blob_id(blob_id)

    def put(self, session: Session, blob_id: str, source: BinaryIO) -> None:
        self.client.upload_fileobj(source, self.bucket, self._key(blob_id))

    def open(self, blob_id: str) -> Iterator[bytes]:
        from botocore.exceptions import ClientError

        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(blob_id))["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                raise MissingBlob(blob_id) from None
            raise

        def chunks():
            try:
                yield from body.iter_chunks(CHUNK)
            finally:
                body.close()

        return chunks()

    def delete(self, session: Session, blob_ids: Iterable[str]) -> None:
        keys = [{"Key": self._key(b)} for b in blob_ids]
        for start in range(0, len(keys), 1000):  # the most one DeleteObjects call takes
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys[start:start + 1000],
                                                                  "Quiet": True})

    def exists(self, blob_id: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(blob_id))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                return False
            raise

    def check(self) -> None:
        self.client.head_bucket(Bucket=self.bucket)
