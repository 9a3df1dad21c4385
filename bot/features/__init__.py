"""The bot's features: each module declares its commands beside their handlers."""
