"""The `minutes` kind: schema.yaml and cross-field rules (rules.py)."""
