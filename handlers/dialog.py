"""A conversation handler whose state lives in the database instead of process memory."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseHandler

from bot.context import Ctx
from bot.services.membership import Identity
from storage.dialogs import DialogState

END = -1

Handlers = Sequence[BaseHandler[Update, Ctx, Any]]


class Flow:
    """A named conversation: the handlers that may answer in each state.

    Callbacks read and change `context.dialog.data` and return the next state, END, or None to
    stay; the DialogHandler stores the result after the callback, in its own transaction.
    """

    def __init__(self, name: str, states: dict[int, Handlers], fallbacks: Handlers = ()) -> None:
        self.name = name
        self.states = states
        self.fallbacks = fallbacks


class DialogHandler(BaseHandler[Update, Ctx, Any]):
    """Route a private chat's update to the step its person is at, across restarts and instances."""

    def __init__(self, flows: Sequence[Flow]) -> None:
        super().__init__(self._never_called)
        self.flows = {flow.name: flow for flow in flows}
        self._store: Any = None
        self._membership: Any = None

    @staticmethod
    async def _never_called(update: Update, context: Ctx) -> None:
        raise AssertionError("DialogHandler dispatches to the step handlers")

    def bind(self, application: Application[Any, Ctx, Any, Any, Any, Any]) -> None:
        self._store = application.bot_data.services.dialogs
        self._membership = application.bot_data.services.membership

    def check_update(self, update: object) -> Any:
        if not isinstance(update, Update) or self._store is None:
            return None
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None or update.edited_message is not None:
            return None
        found = self._store.get_with_identity(chat.id, user.id)
        if found is None or found[0].flow not in self.flows:
            return None
        dialog, row = found
        identity: Identity = self._membership.identity_from(user.id, row)
        flow = self.flows[dialog.flow]
        for handler in (*flow.states.get(dialog.state, ()), *flow.fallbacks):
            check = handler.check_update(update)
            if check is not None and check is not False:
                return dialog, identity, handler, check
        return None

    async def handle_update(
        self, update: Update, application: Application[Any, Ctx, Any, Any, Any, Any],
        check_result: Any, context: Ctx,
    ) -> None:
        dialog, identity, handler, check = check_result
        context.dialog = dialog
        context.identity = identity  # read with the dialog: handlers need not look it up again
        chat, user = update.effective_chat, update.effective_user
        assert chat is not None and user is not None
        result = await handler.handle_update(update, application, check, context)
        if context.dialog is None:
            return  # the callback ended or replaced the conversation itself
        if result == END:
            self._store.clear(chat.id, user.id)
            return
        if isinstance(result, int):
            dialog.state = result
        self._store.save(chat.id, user.id, dialog)


def begin(context: Ctx, update: Update, flow: str, state: int, data: dict[str, Any]) -> None:
    """Start (or restart) a conversation for the sender in this chat."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    dialog = DialogState(flow, state, data)
    context.svc.dialogs.save(chat.id, user.id, dialog)
    context.dialog = dialog


def finish(context: Ctx, update: Update) -> bool:
    """End the sender's conversation in this chat; tell whether there was one."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    context.dialog = None
    return context.svc.dialogs.clear(chat.id, user.id)
