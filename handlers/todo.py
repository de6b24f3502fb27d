"""/todo: what waits for a leader, a liaison or the office, each with its buttons."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import callbacks
from bot.context import Ctx
from bot.dates import describe_when
from bot.delivery.rendering import Renderers
from bot.domain import Answer, Supervision
from bot.services.todo import Todo
from bot.texts import fragment, shorten, t
from handlers.case_ack import ack_lines
from handlers.common import ack, answer, button, call, identify, lang_of
from handlers.leave import day_of

# Lines shown per kind; the rest is counted.
SHOWN = 8


async def show_todo(update: Update, context: Ctx) -> None:
    """/todo or the 待办 button."""
    await ack(update)
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    todo: Todo = await call(context.svc.todo.for_person, ident)
    handed = await call(context.svc.cases.acks.awaiting, ident)
    if todo.empty and not handed:
        await answer(update, t(lang, "todo.none"))
        return
    text, rows = render_todo(todo, lang, context)
    if handed:  # cases handed to the unit, waiting for 签收: hours count, so listed first
        lines, buttons = ack_lines(handed, lang, context.svc.config.tz, context.svc.clock.now())
        header, _, rest = text.partition("\n")
        text, rows = "\n".join([header, *lines, *([rest] if rest else [])]), [*buttons, *rows]
    await answer(update, text, markup=InlineKeyboardMarkup(rows) if rows else None)


def render_todo(todo: Todo, lang: str, context: Ctx
                ) -> tuple[str, list[list[InlineKeyboardButton]]]:
    tz = context.svc.config.tz
    lines = [t(lang, "todo.header")]
    rows: list[list[InlineKeyboardButton]] = []

    def more(count: int) -> None:
        if count > SHOWN:
            lines.append(t(lang, "todo.more", n=count - SHOWN))

    if todo.supervised:
        red = sum(p.supervision is Supervision.RED for p in todo.supervised)
        lines.append(t(lang, "todo.supervised", n=len(todo.supervised), red=red,
                       yellow=len(todo.supervised) - red))
        for p in todo.supervised[:SHOWN]:
            mark = fragment(lang, f"supervision.mark.{(p.supervision or 'yellow')}")
            lines.append(t(lang, "todo.supervised_line", mark=mark, number=p.number,
                           unit=p.unit_name, description=shorten(p.description, 40)))
        more(len(todo.supervised))
        marked = [button(p.number, "led", "open", p.id) for p in todo.supervised[:SHOWN]]
        rows += [marked[i:i + 4] for i in range(0, len(marked), 4)]
    if todo.signoffs:
        lines.append(t(lang, "todo.signoffs", n=len(todo.signoffs)))
        for p in todo.signoffs[:SHOWN]:
            lines.append(t(lang, "todo.signoff_line", number=p.number, unit=p.unit_name,
                           description=shorten(p.description, 40)))
        more(len(todo.signoffs))
        items = [button(p.number, "led", "open", p.id) for p in todo.signoffs[:SHOWN]]
        rows += [items[i:i + 4] for i in range(0, len(items), 4)]
    if todo.extensions:
        lines.append(t(lang, "todo.extensions", n=len(todo.extensions)))
        for e in todo.extensions[:SHOWN]:
            lines.append(t(lang, "todo.extension_line", number=e.problem.number, who=e.asked_name,
                           when=describe_when(e.deadline.astimezone(tz), lang),
                           reason=shorten(e.reason, 40)))
            if todo.decides:
                rows.append([button(f"{t(lang, 'extension.btn.grant')} {e.problem.number}",
                                    "ext", "ok", e.id),
                             button(f"{t(lang, 'extension.btn.decline')} {e.problem.number}",
                                    "ext", "no", e.id)])
        more(len(todo.extensions))
    if todo.leave:
        lines.append(t(lang, "todo.leave", n=len(todo.leave)))
        for r in todo.leave[:SHOWN]:
            lines.append(t(lang, "todo.leave_line", name=r.user_name, unit=r.unit_name,
                           kind=t(lang, f"leave.kind.{r.kind.value}"),
                           first=day_of(r, r.first_day, lang), last=day_of(r, r.last_day, lang),
                           days=r.length))
            if todo.decides:
                rows.append([button(f"{t(lang, 'leave.btn.approve')} {r.user_name}",
                                    "leave", "ok", r.id),
                             button(f"{t(lang, 'leave.btn.decline')} {r.user_name}",
                                    "leave", "no", r.id)])
        more(len(todo.leave))
    if todo.meetings:
        lines.append(t(lang, "todo.meetings", n=len(todo.meetings)))
        for m in todo.meetings[:SHOWN]:
            waiting = m.answered(Answer.PENDING)
            lines.append(t(lang, "todo.meeting_line", title=shorten(m.title, 30),
                           when=describe_when(m.starts_at.astimezone(tz), lang),
                           n=len(waiting)))
            rows.append([button(t(lang, "todo.btn.meeting", title=shorten(m.title, 12)),
                                "meet", "who", m.id),
                         button(t(lang, "todo.btn.chase", title=shorten(m.title, 12)),
                                "meet", "chase", m.id)])
        more(len(todo.meetings))
    return "\n".join(lines), rows


_PRIVATE = filters.ChatType.PRIVATE

COMMANDS = (CommandHandler("todo", show_todo, filters=_PRIVATE),)
BUTTONS = (CallbackQueryHandler(show_todo, callbacks.pattern("todo", "show")),)
MESSAGES = ()
FLOWS = ()
RENDERERS: Renderers = {}
