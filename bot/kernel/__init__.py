"""The conversation kernel: the dialog engine, the composer (message builders), postback
data and translations. Dialogs and handlers build on it; it builds on models/ alone."""
