"""Which handler sees an update first: every feature listed once, in the order that matters."""

from __future__ import annotations

from telegram.ext import MessageHandler, filters

from bot.context import App
from bot.delivery import outcomes
from bot.delivery.rendering import Renderer
from handlers import (
    announce,
    attendance,
    basics,
    case_ack,
    case_rate,
    cases,
    complain,
    digest,
    evidence,
    export,
    extensions,
    filing,
    importing,
    inspect,
    item_edits,
    leave,
    ledger,
    meetings,
    notices,
    office_hours,
    org,
    privacy,
    reminders,
    report,
    rounds,
    settings,
    signoff,
    supervision,
    todo,
    web,
)
from handlers.dialog import DialogHandler
from handlers.errors import on_error

# Each feature module exports the same five tuples: COMMANDS, BUTTONS, MESSAGES, FLOWS and
# RENDERERS. basics comes first (/start, /help, /cancel) and also owns the catch-alls.
FEATURES = (basics, org, filing, ledger, signoff, extensions, export, report, privacy, notices,
            meetings, attendance, leave, reminders, office_hours, digest, todo, announce, web,
            importing, settings, cases, case_ack, case_rate, complain, inspect, supervision,
            item_edits, evidence, rounds)


def register_handlers(app: App) -> DialogHandler:
    """Attach every handler; return the conversation router (its reads run before routing).

    Order matters: in one group the first matching handler wins.
    """
    # Before everything: an edited message is not a new request, and nothing acts on it.
    app.add_handler(MessageHandler(filters.UpdateType.EDITED, basics.ignore_edit), group=-1)
    # Commands first, so that /cancel, /help or a new /file work at any step of a conversation.
    for feature in FEATURES:
        app.add_handlers(list(feature.COMMANDS))
    # Then whatever conversation the person is in, wherever it was started.
    dialogs = DialogHandler([flow for feature in FEATURES for flow in feature.FLOWS],
                            app.bot_data.services)
    app.add_handler(dialogs)
    # Buttons that work outside any conversation, then messages such as 问题：… or 提醒我….
    for feature in FEATURES:
        app.add_handlers(list(feature.BUTTONS))
    for feature in FEATURES:
        app.add_handlers(list(feature.MESSAGES))
    # Last: free text nobody claimed, and buttons from a conversation that has moved on.
    app.add_handlers(list(basics.FALLBACKS))
    app.add_error_handler(on_error)
    return dialogs


def renderers() -> dict[str, Renderer]:
    """Every notification kind's renderer, from the delivery itself and each feature."""
    table: dict[str, Renderer] = dict(outcomes.RENDERERS)
    for feature in FEATURES:
        for kind, renderer in feature.RENDERERS.items():
            if kind in table:
                raise ValueError(f"two renderers for notification kind {kind!r}")
            table[kind] = renderer
    return table
