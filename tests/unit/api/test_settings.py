from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from api.settings import DEV_API_KEYS, Settings, key_id, parse_api_keys
from intake.domain import Role


class TestParseApiKeys:
    def test_parses_role_key_pairs(self) -> None:
        principals = parse_api_keys("app:k1, reviewer:k2,admin:k3")
        assert {k: p.role for k, p in principals.items()} == {
            "k1": Role.APP,
            "k2": Role.REVIEWER,
            "k3": Role.ADMIN,
        }
        assert principals["k1"].key_id == key_id("k1")
        assert len(principals["k1"].key_id) == 12
        assert "k1" not in principals["k1"].key_id

    @pytest.mark.parametrize("value", ["app", "boss:k1", "app:", "app:k1,admin:k1", ""])
    def test_refuses_malformed_values(self, value: str) -> None:
        with pytest.raises(ValueError, match="INTAKE_API_KEYS"):
            parse_api_keys(value)


class TestSettings:
    def test_defaults_follow_the_contract(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.chdir(tmp_path)
        settings = Settings()
        assert settings.queue_url == "local://"
        assert settings.uses_dev_keys
        assert settings.principals().keys() == parse_api_keys(DEV_API_KEYS).keys()
        assert settings.database_url_resolved == f"sqlite:///{tmp_path / 'var' / 'intake.db'}"
        assert settings.blob_url_resolved == f"file://{tmp_path / 'var' / 'blobs'}"
        assert settings.upload_limits().max_bytes == 20 * 1024 * 1024
        assert settings.upload_limits().max_pixels == 40_000_000
        assert settings.upload_limits().max_pages == 20

    def test_reads_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("INTAKE_API_KEYS", "app:k-7f3a9")
        monkeypatch.setenv("INTAKE_MAX_UPLOAD_BYTES", "1000")
        monkeypatch.setenv("INTAKE_QUEUE_URL", "redis://127.0.0.1:6379/0")
        settings = Settings()
        assert isinstance(settings.api_keys, SecretStr)
        assert "k-7f3a9" not in repr(settings)
        assert settings.max_upload_bytes == 1000
        assert not settings.is_local_queue
