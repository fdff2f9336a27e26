"""Resend: the production `Mailer` (`mailer`), on Resend's HTTP API through httpx."""
