"""Topic and tone classifiers (filled by the classification issue)."""
