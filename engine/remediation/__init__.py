"""Remediation: plan safe fixes for selected findings, apply them on request, verify and audit each one.

``plan`` reads live state and lists every exact API call per finding;
``apply`` runs them (``--apply``), re-reads the resource to verify, and appends
before and after state to a JSON-lines audit log. Per-cloud actions live in
``providers/<cloud>/remediation/``.
"""
