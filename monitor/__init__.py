"""Media Monitor: watches the press and social feeds for Vietnamese localities."""

__version__ = "0.1.0"
USER_AGENT = (
    f"MediaMonitor/{__version__} (press monitoring for local information offices; "
    "polite crawler, honours robots.txt)"
)
