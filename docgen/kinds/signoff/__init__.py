"""The `signoff` kind: schema.yaml and computed fields (compute.py)."""
