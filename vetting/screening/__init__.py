"""Text screening: the search-query linter (PC-02) now, the protected-class detector later."""
