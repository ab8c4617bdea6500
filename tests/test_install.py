"""An installed machibot speaks Japanese: the wheel carries every catalog.

The wheel is built from a copy of the source and installed into a fresh virtual environment,
which borrows this environment's dependencies through a .pth file (no network, seconds).
The app is then built there, away from the checkout, as a deployment builds it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
GREETING = ("Hello, {name}! I am the ward's community bot. I help you find local "
            "activities and volunteering, and share your ideas for the town.")
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "instance", "build", "dist", "*.egg-info",
                                    "__pycache__", ".*_cache", "tests", "bench")

# Run inside the installed environment: where the code and catalogs came from, and the
# greeting a new follower gets in the default locale.
SCRIPT = """
import importlib.util, json, sys
import bot
from bot.app import create_app
from bot.kernel.i18n import gettext

app = create_app()
locale = app.config["BOT_DEFAULT_LOCALE"]
catalogs = importlib.util.find_spec("locales")
json.dump({"bot": bot.__file__, "catalogs": catalogs and catalogs.origin, "locale": locale,
           "greeting": gettext(locale, sys.argv[1], name="{name}")}, sys.stdout)
"""


def run(*args: str | Path, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"{args[:4]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def japanese(msgid: str) -> str:
    with (ROOT / "locales" / "ja" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f)[msgid].string


def test_the_installed_wheel_greets_in_japanese(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "LINE_", "BOT_", "DATABASE_", "REDIS_", "PIP_"))}
    env |= {"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1",
            "MACHIBOT_INSTANCE": str(tmp_path / "instance")}
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    pip = (sys.executable, "-m", "pip")
    run(*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
        "--wheel-dir", tmp_path / "dist", source, cwd=tmp_path, env=env)
    (wheel,) = (tmp_path / "dist").glob("machibot-*.whl")

    home = tmp_path / "venv"
    venv.create(home, with_pip=False)
    python = home / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                    cwd=tmp_path, env=env).strip())
    borrowed = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (site / "machibot_test_dependencies.pth").write_text("\n".join(borrowed) + "\n")
    run(*pip, "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel,
        cwd=tmp_path, env=env)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # -I: neither the working directory nor PYTHONPATH can put the checkout on the path
    found = json.loads(run(python, "-I", "-c", SCRIPT, GREETING, cwd=elsewhere, env=env))
    assert found["locale"] == "ja"
    assert found["greeting"] == japanese(GREETING)
    assert "こんにちは" in found["greeting"]
    assert Path(found["bot"]).is_relative_to(site)
    assert found["catalogs"] and Path(found["catalogs"]).is_relative_to(site)
