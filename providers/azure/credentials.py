"""Azure credentials: DefaultAzureCredential, a service principal, or a managed identity.

Secrets never travel on the command line: a service principal's secret comes
from ``AZURE_CLIENT_SECRET`` (or a certificate file with its password in
``AZURE_CLIENT_CERTIFICATE_PASSWORD``). A credential is proven once, before any
collection, by asking it for a token for the ARM audience: a failure there is
an ``AzureCredentialsError`` (exit 2), never a snapshot full of access gaps.

The Entra authority is ``--authority-host``, else ``AZURE_AUTHORITY_HOST`` (which
azure-identity reads too), else the one of the ARM endpoint's known cloud. A
service principal signing in at a host Microsoft's instance discovery does not
know (Azure Stack Hub with ADFS, a private cloud, a local test authority) gets
``disable_instance_discovery=True``: otherwise msal would first ask
login.microsoftonline.com whether the host is a valid authority.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from azure.core.credentials import AccessToken, TokenCredential
from azure.core.exceptions import ClientAuthenticationError
from cloudwarden.providers.azure.errors import AzureCredentialsError, one_line

SECRET_VAR = "AZURE_CLIENT_SECRET"
CERT_PASSWORD_VAR = "AZURE_CLIENT_CERTIFICATE_PASSWORD"
TENANT_VAR = "AZURE_TENANT_ID"
AUTHORITY_VAR = "AZURE_AUTHORITY_HOST"
LOGIN_HINT = "run `az login`, set AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, or pass --managed-identity"


@dataclass(frozen=True)
class CredentialOptions:
    """How to authenticate (CLI flags of ``collect azure``); holds no secret."""

    tenant: str | None = None
    client_id: str | None = None
    certificate: str | None = None
    managed_identity: bool = False
    managed_identity_client_id: str | None = None
    authority_host: str | None = None
    connection_verify: str | None = None  # CA bundle for the authority's TLS certificate (--ca-bundle)


class TenantCredential:
    """Asks the wrapped credential for tokens of one tenant (``--tenant`` with the default chain)."""

    def __init__(self, inner: TokenCredential, tenant: str) -> None:
        self._inner = inner
        self._tenant = tenant

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        """A token for ``scopes`` in the chosen tenant."""
        kwargs.setdefault("tenant_id", self._tenant)
        return self._inner.get_token(*scopes, **kwargs)

    def close(self) -> None:
        """Close the wrapped credential when it holds resources."""
        close = getattr(self._inner, "close", None)
        if callable(close):
            close()


def normalize_authority_host(value: str) -> str:
    """``https://host[:port]`` from a URL or a bare host name; anything but https is an ``AzureCredentialsError``."""
    text = value.strip().rstrip("/")
    parts = urlsplit(text if "://" in text else f"https://{text}")
    if parts.scheme != "https" or not parts.netloc or parts.path not in ("", "/") or parts.query:
        raise AzureCredentialsError(f"the authority host must be an https URL without a path, got {value!r}")
    return f"https://{parts.netloc}"


def resolve_authority(options: CredentialOptions, endpoint_authority: str | None = None) -> str | None:
    """The authority host: the flag, else ``AZURE_AUTHORITY_HOST``, else the endpoint's cloud (None: the default)."""
    chosen = options.authority_host or os.environ.get(AUTHORITY_VAR) or endpoint_authority
    return normalize_authority_host(chosen) if chosen else None


def known_authority(authority: str | None) -> bool:
    """Whether Microsoft's instance discovery knows the host (no authority means the public cloud)."""
    if not authority:
        return True
    from msal.authority import WELL_KNOWN_AUTHORITY_HOSTS

    return (urlsplit(authority).hostname or "").lower() in WELL_KNOWN_AUTHORITY_HOSTS


def build_credential(options: CredentialOptions, authority: str | None = None) -> TokenCredential:
    """The credential the options ask for; bad combinations are an ``AzureCredentialsError``.

    ``authority`` is the Entra host of the ARM endpoint's cloud; ``options.authority_host``
    and ``AZURE_AUTHORITY_HOST`` take precedence over it.
    """
    from azure import identity

    authority = resolve_authority(options, authority)
    kwargs: dict[str, Any] = {"authority": authority} if authority else {}
    if options.managed_identity and (options.client_id or options.certificate):
        raise AzureCredentialsError("--managed-identity cannot be combined with --client-id/--client-certificate")
    if options.certificate and not options.client_id:
        raise AzureCredentialsError("--client-certificate needs --client-id")
    try:
        if options.managed_identity:
            return identity.ManagedIdentityCredential(client_id=options.managed_identity_client_id, **kwargs)
        if options.client_id:
            if not known_authority(authority):
                kwargs["disable_instance_discovery"] = True
            if options.connection_verify:
                kwargs["connection_verify"] = options.connection_verify
            return _service_principal(identity, options, kwargs)
        if options.tenant:
            inner = identity.DefaultAzureCredential(additionally_allowed_tenants=[options.tenant], **kwargs)
            return TenantCredential(inner, options.tenant)
        return identity.DefaultAzureCredential(**kwargs)
    except (ValueError, OSError, ClientAuthenticationError) as exc:
        raise AzureCredentialsError(f"cannot build the Azure credential: {one_line(str(exc))}") from exc


def _service_principal(identity: Any, options: CredentialOptions, kwargs: dict[str, Any]) -> TokenCredential:
    """A client-secret or certificate credential for ``--client-id``."""
    tenant = options.tenant or os.environ.get(TENANT_VAR)
    if not tenant:
        raise AzureCredentialsError(f"--client-id needs --tenant (or {TENANT_VAR})")
    if options.certificate:
        if not os.path.isfile(options.certificate):
            raise AzureCredentialsError(f"certificate file not found: {options.certificate}")
        return identity.CertificateCredential(
            tenant, options.client_id, certificate_path=options.certificate,
            password=os.environ.get(CERT_PASSWORD_VAR) or None, **kwargs,
        )
    secret = os.environ.get(SECRET_VAR)
    if not secret:
        raise AzureCredentialsError(
            f"--client-id needs the secret in {SECRET_VAR} or a --client-certificate (never a secret on the command line)"
        )
    return identity.ClientSecretCredential(tenant, options.client_id, secret, **kwargs)


def check_credential(credential: TokenCredential, scope: str) -> None:
    """Prove the credential by getting one token for ``scope``; failures are ``AzureCredentialsError``."""
    try:
        credential.get_token(scope)
    except ClientAuthenticationError as exc:  # CredentialUnavailableError is a subclass
        message = one_line(getattr(exc, "message", None) or str(exc))
        raise AzureCredentialsError(f"no usable Azure credential: {message} ({LOGIN_HINT})") from exc
    except (ValueError, OSError) as exc:
        raise AzureCredentialsError(f"no usable Azure credential: {one_line(str(exc))}") from exc
