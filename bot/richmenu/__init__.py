"""Rich menus under the chat: one set per mode and locale, drawn by the project (Pillow).

Standard mode has two tabs of six areas (a tab strip on top switches between them through
rich menu aliases and LINE's `richmenuswitch` action); simple mode has four large areas.
Every supported locale gets its own menus, so labels are in the reader's language.

```
standard, tab "main"            standard, tab "more"            simple
+-----------+-----------+       +-----------+-----------+       +-----------+-----------+
| [Main]    |  More     |       |  Main     | [More]    |       |           |           |
+---+---+---+---+---+---+       +---+---+---+---+---+---+       |  area 1   |  area 2   |
| 1   | 2   | 3   |             | 1   | 2   | 3   |             +-----------+-----------+
| 4   | 5   | 6   |             | 4   | 5   | 6   |             |  area 3   |  area 4   |
+-----+-----+-----+             +-----+-----+-----+             +-----------+-----------+
```

- `layout`: what the menus show and where (`AREAS`, `PAGES`), and the rich menu object
  LINE takes for a page;
- `drawing`: the image of a page (tiles, pictograms, labels that fit), with the bot's fonts
  (bot/fonts.py: a font for each locale's script, or `FontMissing` naming the package);
- `deployment`: every menu built, deployed through the LINE client and linked to users.
"""
