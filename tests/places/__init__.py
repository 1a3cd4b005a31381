"""Tests for monitor.places."""
