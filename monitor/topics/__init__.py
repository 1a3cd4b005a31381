"""Topic classification of stored items (the models live in the ``classifiers`` package)."""
