"""Language at the edges, checked: typed consent (P7) and a model's outcome claims (P12)."""
