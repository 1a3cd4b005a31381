"""Stories: near-duplicate press items (syndicated copies, reposts) grouped by MinHash."""
