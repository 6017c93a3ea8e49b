"""Settings from the environment (prefix ``INTAKE_``, names in CONTRACT.md).

Built only at the composition root (``create_app``, the CLI, the worker);
everything below receives plain values.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Final, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from intake.analysis import UploadLimits
from intake.domain import Principal, Role
from intake.egress import UrlPolicy
from storage.crypto import Keyring, key_file, load_key_file
from storage.errors import StorageConfigError
from storage.sql.migrate import is_embedded

DEV_API_KEYS: Final = "app:dev-app-key,reviewer:dev-reviewer-key,admin:dev-admin-key"
"""The keys used when ``INTAKE_API_KEYS`` is unset; ``make run`` prints them."""

_KEY_ID_LENGTH: Final = 12


def key_id(key: str) -> str:
    """The non-secret id of an API key stored as a filing's owner: 12 hex of its SHA-256."""
    return hashlib.sha256(key.encode()).hexdigest()[:_KEY_ID_LENGTH]


def parse_api_keys(value: str) -> dict[str, Principal]:
    """Parse ``role:key,role:key`` into the principal each key stands for.

    Raises:
        ValueError: An entry without a colon, an unknown role, an empty or repeated key.
    """
    principals: dict[str, Principal] = {}
    for entry in filter(None, (part.strip() for part in value.split(","))):
        role, sep, key = entry.partition(":")
        key = key.strip()
        if not sep or not key:
            raise ValueError("INTAKE_API_KEYS entries must look like role:key")
        try:
            parsed_role = Role(role.strip())
        except ValueError:
            raise ValueError(f"unknown role {role.strip()!r} in INTAKE_API_KEYS") from None
        if key in principals:
            raise ValueError("INTAKE_API_KEYS repeats a key")
        principals[key] = Principal(role=parsed_role, key_id=key_id(key))
    if not principals:
        raise ValueError("INTAKE_API_KEYS names no key")
    return principals


class Settings(BaseSettings):
    """Every setting of the service, each with a safe default."""

    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")

    data_dir: Path = Path("./var")
    database_url: str | None = None
    blob_url: str | None = None
    queue_url: str = "local://"
    api_keys: SecretStr | None = None
    data_keys: SecretStr | None = None
    """``kid:base64key,...``: the keys sealing personal data at rest, the active one
    first; ``DATA_DIR/keys.json`` (created on first start) with the embedded database."""
    lookup_key: SecretStr | None = None
    """The base64 key of the ID numbers' lookup hash (HMAC); never rotated."""
    s3_access_key: SecretStr | None = None
    s3_secret_key: SecretStr | None = None
    s3_kms_key_id: str | None = None
    """S3 blob store: encrypt objects with SSE-KMS under this key id; SSE-S3 when unset."""
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    max_pixels: int = Field(default=40_000_000, gt=0)
    max_pdf_pages: int = Field(default=20, gt=0)
    task_workers: int = Field(default=2, gt=0)
    """Threads of the in-process task pool (``local://`` queue)."""
    cpu_workers: int = Field(default=2, gt=0)
    """Threads decoding and checking uploads inside the request."""
    log_level: str = "INFO"
    log_format: Literal["console", "json"] = "console"
    """``json`` for log collectors: one JSON object per event on stderr."""
    ocr_threads: int = Field(default=2, gt=0)
    """ONNX Runtime threads of the OCR engine (one engine per process)."""
    ocr_seal_text: bool = True
    """Read the text inside seals (who stamped a document); ``false`` leaves every
    seal unread, which sends every stamped material to a reviewer."""
    policy_dir: Path | None = None
    policy_candidates_dir: Path | None = None
    """Where candidate pack directories wait to be previewed (``POST /v1/jobs/reverify``
    names one as ``policy``); ``DATA_DIR/policy-candidates`` when unset."""
    """Folder of policy packs to use instead of the bundled ones."""
    queue_visibility_timeout_s: float = Field(default=600.0, gt=0)
    """Redis broker: how long a task taken by a worker that died waits before it is
    delivered again (longer than the longest task)."""
    expiry_interval_s: float = Field(default=3600.0, gt=0)
    """How often the in-process sweep expires lapsed filings (``local://`` queue)."""
    cpu_wait_timeout_s: float = Field(default=10.0, gt=0)
    """How long an upload waits for a free decoding thread before ``503 ocr.busy``."""
    webhook_allow_loopback: bool = False
    """Admit webhook URLs on loopback hosts, ``http://`` included (development, tests)."""
    webhook_allow_private: bool = False
    """Admit webhook URLs resolving to private, link-local or other non-public addresses."""
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=60)
    """Connect, send and first-byte timeout of one webhook attempt."""
    webhook_sweep_interval_s: float = Field(default=10.0, gt=0)
    """How often due webhook deliveries (retries, and any a dead process left) are sent."""
    webhook_max_endpoints: int = Field(default=10, gt=0)
    """Webhook endpoints one app key may register."""
    worker_metrics_port: int | None = Field(default=None, ge=0, le=65535)
    """``intake worker`` serves its Prometheus metrics on this port (unset: not served);
    needs ``PROMETHEUS_MULTIPROC_DIR`` (see README, Observability)."""
    worker_metrics_host: str = "127.0.0.1"
    """Interface of the worker's metrics port (``0.0.0.0`` in a container)."""
    demo: bool | None = None
    """The applicant demo page at ``/demo``; unset, it is on only in the embedded setup."""

    @property
    def policy_candidates_resolved(self) -> Path:
        return self.policy_candidates_dir or self.data_dir / "policy-candidates"

    @property
    def database_url_resolved(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'intake.db').resolve()}"

    @property
    def blob_url_resolved(self) -> str:
        if self.blob_url:
            return self.blob_url
        return f"file://{(self.data_dir / 'blobs').resolve()}"

    @property
    def upload_tmp_dir(self) -> Path:
        """Where upload bodies larger than the in-memory spool are buffered."""
        return self.data_dir / "tmp"

    @property
    def uses_dev_keys(self) -> bool:
        return self.api_keys is None

    @property
    def demo_enabled(self) -> bool:
        """``INTAKE_DEMO`` when set; else on only with SQLite and the development keys."""
        if self.demo is not None:
            return self.demo
        return self.uses_dev_keys and is_embedded(self.database_url_resolved)

    @property
    def is_local_queue(self) -> bool:
        return self.queue_url.startswith("local:")

    def principals(self) -> dict[str, Principal]:
        """The principal of every configured key (the dev keys when none are set)."""
        raw = DEV_API_KEYS if self.api_keys is None else self.api_keys.get_secret_value()
        return parse_api_keys(raw)

    @property
    def key_file(self) -> Path:
        return key_file(self.data_dir)

    @property
    def uses_key_file(self) -> bool:
        return self.data_keys is None and self.lookup_key is None

    def keyring(self, *, create: bool = False) -> Keyring:
        """The keys that seal personal data.

        Args:
            create: with the embedded database, create the key file when it is
                missing (the first start); otherwise a missing file is an error.

        Raises:
            StorageConfigError: Keys that do not parse, one of the pair missing, or
                a server database without keys in the environment.
        """
        if self.data_keys is not None and self.lookup_key is not None:
            return Keyring.from_strings(
                self.data_keys.get_secret_value(), self.lookup_key.get_secret_value()
            )
        if not self.uses_key_file:
            raise StorageConfigError("set both INTAKE_DATA_KEYS and INTAKE_LOOKUP_KEY, or neither")
        if not is_embedded(self.database_url_resolved):
            raise StorageConfigError(
                "INTAKE_DATA_KEYS and INTAKE_LOOKUP_KEY must be set with a server database "
                "(`intake keys generate` prints a new pair)"
            )
        return load_key_file(self.key_file, create=create)

    def webhook_url_policy(self) -> UrlPolicy:
        return UrlPolicy(
            allow_loopback=self.webhook_allow_loopback, allow_private=self.webhook_allow_private
        )

    def upload_limits(self) -> UploadLimits:
        return UploadLimits(
            max_bytes=self.max_upload_bytes,
            max_pixels=self.max_pixels,
            max_pages=self.max_pdf_pages,
        )
