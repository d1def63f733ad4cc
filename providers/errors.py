"""Errors every provider raises for bad input (credentials, scope, export files).

The CLI turns a ``ProviderInputError`` into exit 2 with its one-line message;
each provider subclasses it with a name that says what was wrong.
"""

from __future__ import annotations


class ProviderInputError(Exception):
    """Bad input to a provider: credentials, scope flags or an export file. Exit 2, no traceback."""
