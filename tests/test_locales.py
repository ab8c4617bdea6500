"""The message catalogs: complete, consistent with the code, served, and readable.

Every msgid of locales/messages.pot must be translated in every supported locale, keep its
placeholders, fit LINE's 20-character label limit when it is a button, and (for やさしい
日本語) use short sentences with readings for the harder kanji. The .po files are read
directly, so a failing test names the catalog to fix; run `make i18n-extract i18n-update`
to bring in new msgids.
"""

from __future__ import annotations

import ast
import re
import string
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.kernel.composer import LABEL_LIMIT, utf16_len
from bot.kernel.i18n import SUPPORTED_LOCALES, translations
from handlers.router import INTERRUPT_WORDS, normalise

ROOT = Path(__file__).resolve().parent.parent
LOCALES_DIR = ROOT / "locales"
SOURCE_DIRS = ("bot", "handlers", "dialogs", "models", "console")  # as in babel.cfg
POT = LOCALES_DIR / "messages.pot"
COMMON_KANJI_FILE = Path(__file__).resolve().parent / "data" / "common_kanji.txt"
LOCALES = sorted(SUPPORTED_LOCALES)
EASY = "ja_easy"

# Words a person types (INTERRUPT_WORDS, and lists such as "join|sign up|signup" that the
# dialogs match with a code): checked as keyword lists, not as sentences or labels.
INTERRUPT_MSGIDS = frozenset(INTERRUPT_WORDS.values())


# -- reading the catalogs ---------------------------------------------------------------------


def _po_path(locale: str) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"


@cache
def template() -> Catalog:
    with POT.open("rb") as f:
        return read_po(f)


@cache
def catalog(locale: str) -> Catalog:
    # ja_easy is not a CLDR locale; its catalog's Language header says "ja".
    with _po_path(locale).open("rb") as f:
        return read_po(f)


def msgids() -> list[str | tuple[str, ...]]:
    return [m.id for m in template() if m.id]


def is_keyword_list(msgid: object) -> bool:
    return isinstance(msgid, str) and (msgid in INTERRUPT_MSGIDS or "|" in msgid)


def forms(message: Message) -> list[str]:
    """The translated strings of a message (one, or one per plural form)."""
    if isinstance(message.string, (tuple, list)):
        return list(message.string)
    return [message.string]


def id_forms(msgid: str | tuple[str, ...]) -> list[str]:
    return list(msgid) if isinstance(msgid, tuple) else [msgid]


def translation(locale: str, msgid: str) -> str:
    message = catalog(locale).get(msgid)
    assert message is not None and message.string, f"{locale}: {msgid!r} is not translated"
    return forms(message)[0]


def translated_messages(locale: str) -> list[Message]:
    return [m for m in catalog(locale) if m.id and m.id in template()]


# -- 1. complete ---------------------------------------------------------------------------


def test_template_has_messages():
    assert len(msgids()) > 20, "locales/messages.pot looks empty: run `make i18n-extract`"


def test_every_supported_locale_has_a_catalog_and_nothing_else_does():
    missing = [code for code in LOCALES if not _po_path(code).is_file()]
    assert not missing, f"no catalog for {missing}: add it with pybabel init"
    dirs = {p.name for p in LOCALES_DIR.iterdir() if (p / "LC_MESSAGES").is_dir()}
    assert dirs <= set(SUPPORTED_LOCALES), (
        f"catalogs for unsupported locales {sorted(dirs - set(SUPPORTED_LOCALES))}")


def test_template_is_up_to_date_with_the_source():
    """The code's msgids are all in messages.pot (`make i18n-extract i18n-update` adds them)."""
    keywords = {**DEFAULT_KEYWORDS, "N_": None, "gettext": (2,), "ngettext": (2, 3), "_": None}
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    in_code = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        if message:
            in_code.add(message if isinstance(message, str) else tuple(message))
    new = sorted(map(str, in_code - set(msgids())))
    assert not new, f"msgids not yet in locales/messages.pot: {new[:10]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_msgid_is_translated(locale):
    cat = catalog(locale)
    problems = []
    for msgid in msgids():
        message = cat.get(msgid)
        if message is None:
            problems.append(f"missing (run make i18n-update): {msgid!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        elif not all(s.strip() for s in forms(message)):
            problems.append(f"empty: {msgid!r}")
        elif isinstance(msgid, tuple) and len(forms(message)) != cat.num_plurals:
            problems.append(f"{len(forms(message))} plural forms, want {cat.num_plurals}: "
                            f"{msgid!r}")
    assert not problems, f"{locale}:\n" + "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_header_names_the_project(locale):
    cat = catalog(locale)
    assert cat.project == "machibot"
    header = str(cat.mime_headers)
    for placeholder in ("FULL NAME", "EMAIL@ADDRESS", "PROJECT VERSION", "LL@li.org"):
        assert placeholder not in header, f"{locale}: header still has {placeholder!r}"


# -- 2. placeholders -------------------------------------------------------------------------


def placeholders(text: str) -> Counter[str]:
    """The {fields} of a str.format template; raises ValueError on stray braces."""
    return Counter(field for _, field, _, _ in string.Formatter().parse(text)
                   if field is not None)


def test_placeholder_parser_notices_a_difference():
    assert placeholders("Hello, {name}!") == placeholders("{name}さん")
    assert placeholders("Hello, {name}!") != placeholders("{nom}さん")
    assert placeholders("{a} {a}") != placeholders("{a}")
    with pytest.raises(ValueError):
        placeholders("{name")


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_match_the_msgid(locale):
    problems = []
    for message in translated_messages(locale):
        wanted = [placeholders(s) for s in id_forms(message.id)]
        for text in forms(message):
            if not text:
                continue  # untranslated: test_every_msgid_is_translated says so
            try:
                got = placeholders(text)
            except ValueError as exc:
                problems.append(f"{message.id!r}: {text!r}: {exc}")
                continue
            if isinstance(message.id, tuple):
                # a plural form may leave out the count ("one item"), nothing else
                ok = any(set(got) | {"n"} == set(w) | {"n"} for w in wanted)
            else:
                ok = set(got) == set(wanted[0])
            if not ok:
                problems.append(f"{message.id!r}: {text!r} has {sorted(got)}, "
                                f"want {sorted(wanted[0])}")
    assert not problems, f"{locale}:\n" + "\n".join(problems)


# -- 3. served --------------------------------------------------------------------------------


def served_forms(served: Translations, msgid: str | tuple[str, ...]) -> list[str]:
    """What the bot says for a msgid: its one text, or every plural form over many counts."""
    if isinstance(msgid, tuple):
        return sorted({served.ungettext(msgid[0], msgid[1], n) for n in range(200)})
    return [served.ugettext(msgid)]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_bot_says_what_the_catalog_says(locale):
    """The bot's translations (read from the installed package) are these .po files."""
    served = translations(locale)
    assert isinstance(served, Translations), f"{locale}: the bot has no catalog"
    stale = [m.id for m in translated_messages(locale)
             if not m.fuzzy and served_forms(served, m.id) != sorted(set(forms(m)))]
    assert not stale, (f"the bot's {locale} catalog differs from {_po_path(locale)} for "
                       f"{stale[:5]}: reinstall machibot")


# -- 4. やさしい日本語 ---------------------------------------------------------------------------

MAX_EASY_SENTENCE = 50
KANJI = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆"
KANJI_RUN = re.compile(f"[{KANJI}]+")
KANA = r"\u3041-\u309f\u30a0-\u30ffー・ "
READING = re.compile(f"[（(][{KANA}]+[）)]")
READING_AFTER_KANJI = re.compile(f"(?<=[{KANJI}])[（(][{KANA}]+[）)]")
SENTENCE_END = re.compile(r"[。！？!?\n]")


@cache
def common_kanji() -> frozenset[str]:
    text = COMMON_KANJI_FILE.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return frozenset("".join(lines).replace(" ", ""))


def missing_readings(text: str) -> list[str]:
    """Kanji words with a kanji outside the common list and no (reading) right after."""
    missing = []
    for run in KANJI_RUN.finditer(text):
        if set(run.group()) <= common_kanji():
            continue
        if not READING.match(text, run.end()):
            missing.append(run.group())
    return missing


def sentences(text: str) -> list[str]:
    """Sentences without their readings (設定（せってい）を → 設定を), each {placeholder}
    counted as one character: the limit is on our wording, not on names and dates."""
    bare = re.sub(r"\{[^{}]*\}", "○", READING_AFTER_KANJI.sub("", text))
    return [s.strip() for s in SENTENCE_END.split(bare) if s.strip()]


def test_common_kanji_are_the_642_of_grades_1_to_4():
    kanji = common_kanji()
    assert len(kanji) == 642
    assert all(KANJI_RUN.fullmatch(k) for k in kanji)
    assert {"一", "話", "題", "録"} <= kanji and not {"設", "削", "除", "個"} & kanji


def test_easy_japanese_checks_can_fail():
    assert missing_readings("設定を かえます。") == ["設定"]
    assert missing_readings("設定（せってい）を 大きく します。") == []
    assert missing_readings("参加(さんか)") == []
    assert sentences("設定（せってい）を します。はい！\nいいえ") == [
        "設定を します", "はい", "いいえ"]
    assert sentences("{name}さん、こんにちは。") == ["○さん、こんにちは"]


def _easy_messages() -> list[Message]:
    return [m for m in translated_messages(EASY) if not is_keyword_list(m.id)]


def test_easy_japanese_sentences_are_short():
    long = [(len(s), s) for m in _easy_messages() for text in forms(m)
            for s in sentences(text) if len(s) > MAX_EASY_SENTENCE]
    assert not long, "sentences over 50 characters in ja_easy:\n" + "\n".join(
        f"{n}: {s}" for n, s in long)


def test_easy_japanese_gives_readings_for_harder_kanji():
    missing = [(word, text) for m in _easy_messages() for text in forms(m)
               for word in missing_readings(text)]
    assert not missing, "kanji words without a reading, e.g. 設定（せってい）, in ja_easy:\n" + (
        "\n".join(f"{word}: {text}" for word, text in missing))


# -- 5. button labels ------------------------------------------------------------------------

TRANSLATORS = {"_", "N_", "gettext"}


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        base = func.value.id if isinstance(func.value, ast.Name) else ""
        return f"{base}.{func.attr}" if base else f".{func.attr}"
    return ""


def _label_expr(call: ast.Call) -> ast.expr | None:
    """The label argument of Choice(...), Choice.go(...), Choice.answer(...), MenuItem(...),
    and of a rich menu Area(key, label, ...)."""
    for keyword in call.keywords:
        if keyword.arg == "label":
            return keyword.value
    name = _call_name(call)
    index = {"Choice": 0, "Choice.go": 0, "MenuItem": 0, "Choice.answer": 1, "Area": 1}.get(name)
    if index is None or len(call.args) <= index:
        return None
    return call.args[index]


def _msgids_in(expr: ast.AST, assignments: dict[str, list[ast.expr]],
               seen: frozenset[str] = frozenset()) -> set[str]:
    found = set()
    for node in ast.walk(expr):
        if isinstance(node, ast.Call):
            name = _call_name(node).rsplit(".", 1)[-1]
            if name in TRANSLATORS:
                for arg in node.args[:2]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.add(arg.value)
        elif isinstance(node, ast.Name) and node.id in assignments and node.id not in seen:
            # label = ctx._("..."); Choice.go(label, ...)
            for value in assignments[node.id]:
                found |= _msgids_in(value, assignments, seen | {node.id})
    return found


def _looks_like_a_name(msgid: str) -> bool:
    """A vocabulary entry such as "Welfare" or "By area", not a sentence or a template."""
    return (not is_keyword_list(msgid) and "{" not in msgid
            and not re.search(r"[.!?:;]", msgid) and len(msgid.split()) <= 4)


@cache
def label_msgids() -> frozenset[str]:
    """Every msgid that reaches a button label in the source.

    Direct labels: the msgids written inside Choice(...), Choice.go(...), Choice.answer(...),
    MenuItem(...) and Area(...), or assigned to a variable used there. Vocabularies: every
    name-like N_("...") constant (categories, styles, tabs, segments...), since they become
    labels through loops such as `[Choice.go(_(msgid), ...) for code, msgid in STYLES.items()]`.
    """
    labels: set[str] = set()
    for folder in SOURCE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            scopes = [n for n in ast.walk(tree)
                      if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))] + [tree]
            for scope in scopes:
                assignments: dict[str, list[ast.expr]] = defaultdict(list)
                for node in ast.walk(scope):
                    if isinstance(node, ast.Assign):
                        for target in node.targets:
                            if isinstance(target, ast.Name):
                                assignments[target.id].append(node.value)
                for node in ast.walk(scope):
                    if isinstance(node, ast.Call):
                        expr = _label_expr(node)
                        if expr is not None:
                            labels |= _msgids_in(expr, assignments)
                        elif (_call_name(node) == "N_" and node.args
                              and isinstance(node.args[0], ast.Constant)
                              and isinstance(node.args[0].value, str)
                              and _looks_like_a_name(node.args[0].value)):
                            labels.add(node.args[0].value)
    return frozenset(labels)


def test_label_scan_finds_the_buttons():
    found = label_msgids()
    for known in ("I agree", "Back to menu", "Settings", "Other languages", "Delete my data",
                  "Keep my data", "Standard", "More", "Help"):
        assert known in found, f"the label scan missed {known!r}"
    assert not any(is_keyword_list(m) for m in found)
    not_extracted = sorted(found - set(msgids()))
    assert not not_extracted, f"labels missing from messages.pot: {not_extracted}"


def test_label_scan_sees_a_new_label():
    code = ("def f(ctx):\n"
            "    later = ctx._('A label set aside')\n"
            "    return [Choice.answer('s', ctx._('An answer'), 1), Choice.go(later, 'x'),\n"
            "            MenuItem(N_('An item'), 'y'), Choice(label=ctx._('Keyword'))]\n")
    tree = ast.parse(code)
    function = tree.body[0]
    assignments = {"later": [function.body[0].value]}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (expr := _label_expr(node)) is not None:
            found |= _msgids_in(expr, assignments)
    assert found == {"A label set aside", "An answer", "An item", "Keyword"}


@pytest.mark.parametrize("locale", LOCALES)
def test_button_labels_fit(locale):
    too_long = []
    for msgid in sorted(label_msgids()):
        message = catalog(locale).get(msgid)
        if message is None or not message.string:
            too_long.append(f"{msgid!r} is not translated")
            continue
        text = forms(message)[0]
        if utf16_len(text) > LABEL_LIMIT:
            too_long.append(f"{msgid!r} -> {text!r} ({utf16_len(text)})")
    assert not too_long, (f"{locale}: labels over {LABEL_LIMIT} UTF-16 code units:\n"
                          + "\n".join(too_long))


def test_language_names_fit_as_labels():
    for code, (_, name) in SUPPORTED_LOCALES.items():
        assert utf16_len(name) <= LABEL_LIMIT, code


# -- 6. typed words ------------------------------------------------------------------------


def keyword_list(locale: str, msgid: str) -> list[str]:
    return [w for w in translation(locale, msgid).split("|") if w.strip()]


def words_of(locale: str) -> dict[str, set[str]]:
    """normalised word -> the interrupts it reaches in this locale (English ones included)."""
    table: dict[str, set[str]] = defaultdict(set)
    for name, msgid in INTERRUPT_WORDS.items():
        for word in [*keyword_list(locale, msgid), *msgid.split("|")]:
            table[normalise(word)].add(name)
    return table


@pytest.mark.parametrize("locale", LOCALES)
def test_interrupt_words_do_not_collide_within_a_locale(locale):
    collisions = {w: sorted(n) for w, n in words_of(locale).items() if len(n) > 1}
    assert not collisions, f"{locale}: a word reaches two features: {collisions}"


def test_interrupt_words_do_not_collide_across_locales():
    # the router merges every locale's words into one table
    table: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for locale in LOCALES:
        for word, names in words_of(locale).items():
            table[word] |= {(name, locale) for name in names}
    collisions = {w: sorted(p) for w, p in table.items() if len({n for n, _ in p}) > 1}
    assert not collisions, f"a word reaches two features: {collisions}"


@pytest.mark.parametrize("locale", LOCALES)
def test_keyword_lists_survive_normalising(locale):
    for msgid in filter(is_keyword_list, msgids()):
        words = keyword_list(locale, msgid)
        assert len(words) == len(set(map(normalise, words))), (locale, msgid, words)
        assert all(normalise(w) for w in words), (locale, msgid, words)


def test_japanese_has_the_usual_words():
    words = words_of("ja")
    for word, name in (("メニュー", "menu"), ("ヘルプ", "help"), ("やめる", "cancel"),
                       ("言語", "language"), ("設定", "settings")):
        assert words.get(normalise(word)) == {name}, word


# (not plain apostrophes: "LINE's" is no quote)
QUOTED = re.compile(r'"([^"]+)"|“([^”]+)”|「([^」]+)」|『([^』]+)』|‘([^’]+)’')


def quoted(text: str) -> list[str]:
    return [next(g for g in m.groups() if g) for m in QUOTED.finditer(text)]


@pytest.mark.parametrize("locale", LOCALES)
def test_quoted_words_and_buttons_match(locale):
    """'Type "menu"' must name a word that works; 'tap "Results"' the button's own label."""
    words = words_of(locale)
    problems = []
    for message in translated_messages(locale):
        if isinstance(message.id, tuple) or is_keyword_list(message.id) or not message.string:
            continue
        got = quoted(forms(message)[0])
        for source in quoted(message.id):
            feature = words.get(normalise(source))
            if feature is not None:
                if not any(words.get(normalise(text)) == feature for text in got):
                    problems.append(f"{message.id!r}: none of the quoted {got} is a word "
                                    f"for {sorted(feature)}")
            elif source in template():
                label = translation(locale, source)
                if label not in got:
                    problems.append(f"{message.id!r}: the button {label!r} is not quoted "
                                    f"(quoted: {got})")
    assert not problems, f"{locale}:\n" + "\n".join(problems)
