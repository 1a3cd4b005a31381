"""Configuration: sources.yaml validated into typed objects, errors with file:line."""

from monitor.config.models import Config, HtmlSelectors, Locality, Office, Schedule, Source

__all__ = ["Config", "HtmlSelectors", "Locality", "Office", "Schedule", "Source"]
