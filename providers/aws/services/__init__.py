"""AWS services, one module each; a module declares ``SERVICE`` and a ``collect(ctx)`` function.

Adding a service is one new module here and one line in ``_MODULES``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from cloudwarden.providers.aws.context import AwsContext


@dataclass(frozen=True)
class ServiceSpec:
    """A collectable AWS service: ``global`` ones run once per account, ``regional`` once per region."""

    name: str
    scope: Literal["global", "regional"]
    collect: Callable[[AwsContext], None]
    description: str = ""


_MODULES = (
    "iam",
    "organizations",
    "kms",
    "secretsmanager",
    "ec2",
    "elb",
    "s3",
    "rds",
    "lambda_",
    "cloudtrail",
    "sagemaker",
)


def all_services() -> dict[str, ServiceSpec]:
    """Every registered service by name."""
    specs: dict[str, ServiceSpec] = {}
    for mod in _MODULES:
        spec: ServiceSpec = importlib.import_module(f"{__name__}.{mod}").SERVICE
        specs[spec.name] = spec
    return specs
