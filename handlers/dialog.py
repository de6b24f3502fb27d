"""A conversation handler whose state lives in the database instead of process memory."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import Application, BaseHandler

from bot.bootstrap import Services
from bot.context import Ctx
from bot.domain import DialogRef, DialogState
from bot.errors import DomainError
from bot.services.membership import Identity

END = -1
T = TypeVar("T")

Handlers = Sequence[BaseHandler[Update, Ctx, Any]]
# What was read for an update before it was routed: its conversation and its person's row,
# or the error that reading it raised (handled as the update's own error, once routed).
Found = tuple[DialogState, tuple[Any, ...]] | None | Exception


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
    """Route a private chat's update to the step its person is at, across restarts and instances.

    python-telegram-bot asks handlers synchronously whether they want an update, so the step is
    read before routing (`prefetch`, on a worker thread, by the update processor); an update
    fed without it is read here, on the loop.
    """

    def __init__(self, flows: Sequence[Flow], services: Services) -> None:
        super().__init__(self._never_called)
        self.flows = {flow.name: flow for flow in flows}
        self._store = services.dialogs
        self._membership = services.membership
        self._prefetched: dict[int, Found] = {}

    @staticmethod
    async def _never_called(update: Update, context: Ctx) -> None:
        raise AssertionError("DialogHandler dispatches to the step handlers")

    @staticmethod
    def _who(update: object) -> tuple[int, int] | None:
        if not isinstance(update, Update) or update.edited_message is not None:
            return None
        chat, user = update.effective_chat, update.effective_user
        return None if chat is None or user is None else (chat.id, user.id)

    async def prefetch(self, update: object) -> None:
        """Read the update's conversation off the loop, before it is routed."""
        who = self._who(update)
        if who is None:
            return
        try:
            found: Found = await asyncio.to_thread(self._store.get_with_identity, *who)
        except Exception as exc:  # the database refused: the error handler tells the person
            found = exc
        self._prefetched[id(update)] = found

    def forget(self, update: object) -> None:
        self._prefetched.pop(id(update), None)

    def check_update(self, update: object) -> Any:
        who = self._who(update)
        if who is None:
            return None
        assert isinstance(update, Update)
        found = (self._prefetched[id(update)] if id(update) in self._prefetched
                 else self._store.get_with_identity(*who))
        if isinstance(found, Exception):
            return found
        if found is None or found[0].flow not in self.flows:
            return None
        dialog, row = found
        identity: Identity = self._membership.identity_from(who[1], row)
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
        if isinstance(check_result, Exception):
            raise check_result
        dialog, identity, handler, check = check_result
        context.dialog = dialog
        context.identity = identity  # read with the dialog: handlers need not look it up again
        chat, user = update.effective_chat, update.effective_user
        assert chat is not None and user is not None
        result = await handler.handle_update(update, application, check, context)
        if context.dialog is None:
            return  # the callback ended or replaced the conversation itself
        if result == END:
            await asyncio.to_thread(self._store.clear, chat.id, user.id)
            return
        if isinstance(result, int):
            dialog.state = result
        await asyncio.to_thread(self._store.save, chat.id, user.id, dialog)


def here(context: Ctx, update: Update, state: int | None = None) -> DialogRef:
    """The sender's conversation in this chat, as a use case ends it in its own transaction."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None and context.dialog is not None
    return DialogRef(chat.id, user.id, context.dialog.flow, state)


def ended(context: Ctx) -> None:
    """Note that the use case just called ended the conversation (DialogRef) itself."""
    context.dialog = None


async def begin(context: Ctx, update: Update, flow: str, state: int,
                data: dict[str, Any]) -> None:
    """Start (or restart) a conversation for the sender in this chat."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    dialog = DialogState(flow, state, data)
    await asyncio.to_thread(context.svc.dialogs.save, chat.id, user.id, dialog)
    context.dialog = dialog


async def finish(context: Ctx, update: Update) -> bool:
    """End the sender's conversation in this chat; tell whether there was one."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    context.dialog = None
    return await asyncio.to_thread(context.svc.dialogs.clear, chat.id, user.id)


async def concluding(context: Ctx, update: Update, work: Awaitable[T]) -> T:
    """Await the use case that ends this step (it ends the conversation in its own transaction,
    via `here`); a refusal ends the step too, so the person is told why and is not left in it."""
    try:
        result = await work
    except DomainError:
        await finish(context, update)
        raise
    ended(context)
    return result
