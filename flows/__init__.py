"""Prefect flows and the `wrvu` command: orchestration only; the rules live in transforms/ and sql/."""

import os

# No network here or at most customer sites: Prefect must not try to send analytics.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
