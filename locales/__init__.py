"""The gettext catalogs, one per supported locale: <code>/LC_MESSAGES/messages.po.

A package so that the catalogs are installed with the code (package data) and found where
the code is: in the checkout for an editable install, in site-packages for a wheel.
"""

from pathlib import Path

CATALOG_DIR = Path(__file__).resolve().parent
