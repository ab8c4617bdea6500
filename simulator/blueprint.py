"""The simulator's blueprint; its send endpoints answer ahead of Flask."""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from simulator.sends import SendEndpoints

bp = Blueprint(
    "simulator",
    __name__,
    url_prefix="/simulator",
    template_folder="templates",
    static_folder="static",
)


@bp.record_once
def _answer_sends_ahead_of_flask(state: BlueprintSetupState) -> None:
    state.app.wsgi_app = SendEndpoints(state.app, state.app.wsgi_app,  # type: ignore[method-assign]
                                       state.url_prefix or "")
