"""Password hashing, TOTP and token helpers (no Flask imports)."""
