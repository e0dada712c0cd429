"""Dispute Helper: a Telegram bot that guides AliExpress buyers through disputes."""
