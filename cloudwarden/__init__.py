"""cloudwarden: a multi-cloud security policy engine.

The code lives in the repository's top-level folders (``graph/``, ``engine/``,
``providers/``, ``policies/``), installed as ``cloudwarden.graph`` and friends.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cloudwarden")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+checkout"
