"""Tests for monitor.stories."""
