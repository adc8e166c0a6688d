"""Encrypted file stores outside the web root (no Flask imports).

Evidence and signed forms are sealed with the candidate's data key before they leave the app
and stored under random names; users' file names are kept only as encrypted metadata. The
services see one interface, :class:`EncryptedStore`; the backend is the local folder
(:class:`LocalStore`, the default) or S3-compatible object storage (:class:`vetting.storage.s3.S3Store`,
imported only when configured, since boto3 is slow to import).
"""

from vetting.storage.base import (
    JOBS_FOLDER,
    NAME_LENGTH,
    EncryptedStore,
    FileMissing,
    StorageError,
    StoredFile,
    sniff_content_type,
)
from vetting.storage.local import TEMP_SUFFIX, LocalStore

__all__ = [
    "JOBS_FOLDER",
    "NAME_LENGTH",
    "TEMP_SUFFIX",
    "EncryptedStore",
    "FileMissing",
    "LocalStore",
    "StorageError",
    "StoredFile",
    "sniff_content_type",
]
