"""Google credentials (ADC, a key file, impersonation) and the API clients built on them.

Every client uses the REST transport so that one code path talks to Google, to
a private endpoint and to the tests' plain-HTTP fake alike. Problems with the
credentials themselves are ``GcpCredentialsError`` (exit 2) with a one-line
message that never quotes key material or tokens.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import google.auth
from google.api_core.client_options import ClientOptions
from google.auth import exceptions as auth_exceptions
from google.auth import impersonated_credentials
from google.auth.credentials import AnonymousCredentials, Credentials
from google.auth.transport.requests import AuthorizedSession, Request
from google.oauth2 import service_account

from cloudwarden.providers.gcp.errors import GcpCredentialsError

SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]
ENDPOINT_ENV = "CLOUDWARDEN_GCP_ENDPOINT"
SERVICE_ACCOUNT_KEY_FIELDS = ("client_email", "private_key", "token_uri")
# Token-looking strings are cut out of any message that quotes an auth library's error.
_SECRET_PATTERNS = (re.compile(r"ya29\.[\w.\-]+"),
                    re.compile(r"-----BEGIN[^-]*-----.*?(-----END[^-]*-----|$)", re.DOTALL),
                    re.compile(r"eyJ[\w\-]+\.[\w\-]+\.[\w\-]+"))

T = TypeVar("T")


def _scrub(text: str, limit: int = 200) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub("[redacted]", text)
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def resolve_endpoint(flag: str | None) -> str | None:
    """``--endpoint`` or ``$CLOUDWARDEN_GCP_ENDPOINT``; None means each API's public endpoint."""
    value = (flag or os.environ.get(ENDPOINT_ENV) or "").strip()
    return value.rstrip("/") or None


def application_default() -> Credentials:
    """Application Default Credentials (environment key file, gcloud ADC, metadata server)."""
    try:
        creds, _project = google.auth.default(scopes=SCOPES)
    except auth_exceptions.DefaultCredentialsError as exc:
        env = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
        where = f" (GOOGLE_APPLICATION_CREDENTIALS={env} is not a usable credentials file)" if env else ""
        raise GcpCredentialsError(
            "no Application Default Credentials" + where
            + ": run `gcloud auth application-default login`, or pass --key-file"
        ) from exc
    return creds


def key_file_credentials(path: str) -> Credentials:
    """Credentials from a JSON key file: a service-account key, or any other google-auth credential file."""
    try:
        with open(path, encoding="utf-8") as handle:
            info = json.load(handle)
    except OSError as exc:
        raise GcpCredentialsError(f"cannot read key file {path}: {exc.strerror or type(exc).__name__}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise GcpCredentialsError(f"key file {path} is not JSON") from exc
    if not isinstance(info, dict) or not info.get("type"):
        raise GcpCredentialsError(f"key file {path} is not a Google credentials file (no \"type\")")
    if info["type"] == "service_account":
        missing = [f for f in SERVICE_ACCOUNT_KEY_FIELDS if not info.get(f)]
        if missing:
            raise GcpCredentialsError(
                f"key file {path} is not a usable service-account key (missing {', '.join(missing)})")
        try:
            return service_account.Credentials.from_service_account_info(info, scopes=SCOPES)
        except (ValueError, TypeError, IndexError) as exc:
            # Parsing errors may quote the key; say only which file was bad.
            raise GcpCredentialsError(f"key file {path} holds a private key that cannot be read") from exc
    try:
        creds, _project = google.auth.load_credentials_from_dict(info, scopes=SCOPES)
    except (auth_exceptions.GoogleAuthError, ValueError) as exc:
        raise GcpCredentialsError(f"key file {path} of type {info['type']!r} is not usable") from exc
    return creds


def impersonate(source: Credentials, email: str, endpoint: str | None = None) -> Credentials:
    """Short-lived credentials of the service account ``email``, minted with ``source`` (needs Token Creator)."""
    if "@" not in email or email.startswith("serviceAccount:"):
        raise GcpCredentialsError(f"--impersonate-service-account needs a service-account email, not {email!r}")
    override = None
    if endpoint:
        base = service_endpoint(endpoint, "iamcredentials")
        override = f"{base}/v1/projects/-/serviceAccounts/{email}:generateAccessToken"
    return impersonated_credentials.Credentials(
        source_credentials=source, target_principal=email, target_scopes=SCOPES, iam_endpoint_override=override
    )


def load_credentials(key_file: str | None = None, impersonate_email: str | None = None,
                     endpoint: str | None = None) -> Credentials:
    """The credentials the flags ask for: ADC by default, ``--key-file``, then optional impersonation."""
    creds = key_file_credentials(key_file) if key_file else application_default()
    if impersonate_email:
        creds = impersonate(creds, impersonate_email, endpoint)
    return creds


def verify_credentials(creds: Credentials) -> None:
    """Obtain a token once, so that bad credentials stop the run (exit 2) rather than fill it with gaps."""
    if isinstance(creds, AnonymousCredentials) or creds.valid:
        return
    try:
        creds.refresh(Request())
    except auth_exceptions.RefreshError as exc:
        detail = _scrub(str(exc.args[0])) if exc.args else ""
        raise GcpCredentialsError("credentials could not be refreshed" + (f": {detail}" if detail else "")) from exc
    except auth_exceptions.TransportError as exc:
        raise GcpCredentialsError("token endpoint not reachable") from exc
    except auth_exceptions.GoogleAuthError as exc:
        raise GcpCredentialsError(f"credentials not usable ({type(exc).__name__})") from exc


def service_endpoint(endpoint: str, service: str) -> str:
    """The endpoint for one API: ``{service}`` in the override is replaced by its short name (``cloudasset``)."""
    return endpoint.replace("{service}", service)


class GcpConnection:
    """Credentials plus endpoint override; hands out REST clients, one per thread and API."""

    def __init__(self, credentials: Credentials, endpoint: str | None = None, quota_project: str | None = None) -> None:
        self.credentials = credentials
        self.endpoint = endpoint
        self.quota_project = quota_project
        self._local = threading.local()

    def client_options(self, service: str) -> ClientOptions:
        """Client options of one API: endpoint override and quota project when given."""
        endpoint = service_endpoint(self.endpoint, service) if self.endpoint else None
        return ClientOptions(api_endpoint=endpoint, quota_project_id=self.quota_project)

    def base_url(self, service: str) -> str:
        """Root URL for hand-made REST calls to an API (``https://<service>.googleapis.com`` by default)."""
        if self.endpoint:
            url = service_endpoint(self.endpoint, service)
            return url if "://" in url else f"https://{url}"
        return f"https://{service}.googleapis.com"

    def client(self, service: str, factory: Callable[..., T]) -> T:
        """A cached client of ``factory`` (a google-cloud ``*Client`` class) for this thread."""
        cache: dict[Any, Any] = self._local.__dict__.setdefault("clients", {})
        key = (service, factory)
        if key not in cache:
            cache[key] = factory(credentials=self.credentials, transport="rest",
                                 client_options=self.client_options(service))
        return cache[key]  # type: ignore[no-any-return]

    def session(self) -> AuthorizedSession:
        """An authorized ``requests`` session for APIs whose Python client has no REST transport."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = AuthorizedSession(self.credentials)
            if self.quota_project:
                session.headers["x-goog-user-project"] = self.quota_project
            self._local.session = session
        return session
