"""Build the default topic model from the shipped data if it is missing or stale.

Run by the setup command (``make``) so the first start classifies without a training step;
a no-op when the model on disk was built from the current data and taxonomy.
"""

from __future__ import annotations

import logging
import sys

from classifiers.store import default_dir, default_is_current, ensure_default


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    directory = default_dir()
    if default_is_current(directory):
        print(f"default topic model is current: {directory}")
        return 0
    print("building the default topic model from the shipped training data…", flush=True)
    ensure_default()
    print(f"default topic model ready: {directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
