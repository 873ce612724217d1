"""docgen serve: the local web page (issue 14)."""
