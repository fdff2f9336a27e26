"""In-memory adapters: they honour every port contract and back unit tests and sandbox runs."""
