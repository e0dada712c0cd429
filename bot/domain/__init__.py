"""The pure core: dispute rules with no Telegram and no I/O."""
