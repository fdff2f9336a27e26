"""Application services: one class per use-case, each loading through ports, applying a rule and committing."""
