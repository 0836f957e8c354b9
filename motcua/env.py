"""Reading settings from the environment: the only source of configuration."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_secret(name: str, default: str = "") -> str:
    """A secret from NAME, or from the file NAME_FILE names (a Docker/Kubernetes secret), never from the repository.

    NAME_FILE wins: a secret mounted as a file stays out of `env` listings and of the process's environment.
    """
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValueError(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def cache_settings(url: str) -> dict[str, dict[str, object]]:
    """CACHES from CACHE_URL: empty, a per-process LocMemCache; redis://, rediss:// or unix://, Django's RedisCache."""
    if not url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "motcua"}}
    scheme = url.split("://", 1)[0].lower()
    if scheme not in ("redis", "rediss", "unix"):
        raise ValueError(f"CACHE_URL must be empty or a redis://, rediss:// or unix:// URL, got {scheme}://…")
    # KEY_PREFIX: the RQ task queue may share the Redis database.
    return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": "motcua"}}


def local_secret_key(var_dir: Path) -> str:
    """A key kept in var/ so the embedded default runs with no configuration.

    Production sets SECRET_KEY in the environment; this file is only the
    fallback for a developer machine, created once and reused across restarts
    so sessions survive.
    """
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


def local_rsa_key(var_dir: Path, name: str = "oidc_idp_key.pem") -> str:
    """An RS256 signing key (PEM) kept in var/, for the bundled demo e-ID provider.

    Like `local_secret_key`: generated once and reused, so ID tokens and the
    published JWKS stay valid across restarts. Production-like runs give the key
    in OIDC_IDP_PRIVATE_KEY instead.
    """
    path = var_dir / name
    if path.exists():
        return path.read_text()
    # Imported here: only installations that run the demo provider pay for it.
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    var_dir.mkdir(parents=True, exist_ok=True)
    # Written under a temporary name, then hard-linked into place (which fails if
    # the file exists): of two processes starting at once the first key wins and
    # both use it, and nobody reads a half-written file.
    tmp = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
    tmp.write_text(pem)
    tmp.chmod(0o600)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text()
