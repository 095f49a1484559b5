"""delegate-bot: a Telegram and Zalo chatbot for the delegates and organisers of a congress."""

__version__ = "0.1.0"
