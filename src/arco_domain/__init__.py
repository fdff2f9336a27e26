"""ARCO's domain: entities, rules and use-cases, in plain Python with no framework."""
