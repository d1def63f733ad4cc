"""The built-in policy pack: one YAML file per policy, grouped by area."""
