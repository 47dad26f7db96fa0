"""Password hashing, one-time secrets and redirect checks."""
