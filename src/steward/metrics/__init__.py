"""Metric catalog and engine, SLA evaluation, statistics, alerts (see docs/metrics.md)."""
