"""Entities, value objects and the named rules that govern them."""
