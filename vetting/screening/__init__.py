"""Text screening: the protected-class detector (R3, PC-01) and the search-query linter built on it (PC-02)."""
