"""Places: the gazetteer of Vietnamese administrative units and text normalisation."""
