"""machibot: the LINE front end of a ward's community collaboration platform.

The app factory is `bot.app.create_app`; the layers are drawn in the README (Development).
"""
