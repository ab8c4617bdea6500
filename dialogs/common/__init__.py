"""Steps and helpers that several dialogs share."""
