"""Configuration: sources.yaml validated into typed objects, errors with file:line."""

from monitor.config.loader import ConfigError, ConfigIssue, check_config, load_config
from monitor.config.models import Config, HtmlSelectors, Locality, Office, Schedule, Source

__all__ = [
    "Config",
    "ConfigError",
    "ConfigIssue",
    "HtmlSelectors",
    "Locality",
    "Office",
    "Schedule",
    "Source",
    "check_config",
    "load_config",
]
