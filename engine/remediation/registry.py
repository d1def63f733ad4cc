"""Which action fixes which finding: the actions each provider registers, looked up by cloud and policy."""

from __future__ import annotations

import importlib
from functools import lru_cache
from types import ModuleType

from cloudwarden.providers.remediation import Action

_MODULES = {
    "aws": "cloudwarden.providers.aws.remediation",
    "azure": "cloudwarden.providers.azure.remediation",
    "gcp": "cloudwarden.providers.gcp.remediation",
}


@lru_cache(maxsize=None)
def provider_module(cloud: str) -> ModuleType | None:
    """The provider's remediation module, or None when the cloud has none installed."""
    name = _MODULES.get(cloud)
    if name is None:
        return None
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            return None
        raise


def actions(cloud: str) -> tuple[Action, ...]:
    """Every action registered for a cloud."""
    module = provider_module(cloud)
    return tuple(module.ACTIONS) if module is not None else ()


def action_for(cloud: str, policy: str) -> Action | None:
    """The action that fixes findings of ``policy`` on ``cloud``, if there is a safe one."""
    return next((a for a in actions(cloud) if policy in a.policies), None)


def all_actions() -> list[Action]:
    """Every registered action of every cloud."""
    return [a for cloud in _MODULES for a in actions(cloud)]
