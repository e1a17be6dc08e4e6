"""The rules understander (no model): `understand(text) -> Understanding`."""
