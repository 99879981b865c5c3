"""The security policy pack: design rules (`rules.py`), their policy-SDK adapters (`pack.py`), the entry point."""
