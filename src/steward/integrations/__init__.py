"""Outgoing webhooks (HMAC-signed, retried, logged, replayable), scheduled jobs, backup and restore."""
