"""Security primitives behind ports: password hashing."""
