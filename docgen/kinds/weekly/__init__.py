"""The `weekly` kind: schema.yaml and computed fields (compute.py)."""
