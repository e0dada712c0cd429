"""Telegram glue: translate updates to the domain and back."""
