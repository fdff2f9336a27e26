"""Request and response bodies, one module per area, all from one base."""
