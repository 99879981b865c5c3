"""Operational scripts run by the delivery workflows (for example the post-deploy smoke test)."""
