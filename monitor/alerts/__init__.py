"""Alerts: stories, severity, routing to offices, and delivery through an outbox."""
