"""The `brief` kind: schema.yaml and computed fields (compute.py)."""
