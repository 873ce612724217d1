"""The `invoice` kind: schema.yaml and computed fields (compute.py)."""
