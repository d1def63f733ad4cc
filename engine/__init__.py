"""Policy engine, findings, outputs and the command line."""
