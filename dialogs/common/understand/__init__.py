"""What a typed message means (parse.py), from the words of lexicon.py and the catalogs:
shared by the top level (dialogs/understand.py) and the search's own questions."""

from . import lexicon
from .parse import FIND_LABELS, Meaning, understand, yes_or_no

__all__ = ["FIND_LABELS", "lexicon", "Meaning", "understand", "yes_or_no"]
