"""Every user-visible string, keyed, one catalogue per language; values are HTML-escaped."""

from __future__ import annotations

import html
import string
from typing import Any

LANGS = ("zh", "en")

ZH: dict[str, str] = {
    "role.office": "市委领导小组办公室",
    "role.leader": "责任领导",
    "role.liaison": "联络员",
    "role.member": "干部职工",
    "start.member": (
        "您好，{name}！您是<b>{unit}</b>的{role}。\n"
        "本助手用于作风问题教育整顿：记录问题与整改措施、提醒时限、每周通报进展。\n"
        "发送 /help 查看您可以使用的功能。"
    ),
    "start.stranger": (
        "您好，{name}！这里是“{campaign}”助手。\n"
        "您还没有加入任何单位。请向本单位联络员或责任领导索取邀请码，然后发送：\n"
        "<code>/join 邀请码</code>\n"
        "也可以直接点击他们发给您的邀请链接。"
    ),
    "join.ok": "已加入<b>{unit}</b>，身份：{role}。发送 /help 查看可以使用的功能。",
    "join.moved": "已从{old_unit}调整到<b>{unit}</b>，身份：{role}。",
    "join.usage": "请在 /join 后面写上邀请码，例如：<code>/join AB12CD34</code>",
    "join.invalid": "邀请码无效，请核对后重试，或向联络员索取新的邀请码。",
    "join.used": "这个邀请码已经用过了。邀请码只能使用一次，请向联络员索取新的。",
    "join.expired": "这个邀请码已过期，请向联络员索取新的。",
    "help.header": "<b>{campaign}</b> 助手 · 您的身份：{role}（{unit}）\n可以使用：",
    "help.header_stranger": "<b>{campaign}</b> 助手\n您还没有加入单位，目前可以使用：",
    "help.footer": "任何时候发送 /cancel 可以放弃正在进行的操作。",
    "cmd.start": "开始 / 主菜单",
    "cmd.help": "查看帮助",
    "cmd.join": "用邀请码加入单位",
    "cmd.lang": "切换语言 / Language",
    "cmd.cancel": "取消当前操作",
    "cmd.invite": "生成邀请码，邀请人员加入本单位",
    "cmd.bindgroup": "在群里发送：把本群绑定为单位工作群",
    "cancel.done": "已取消。",
    "cancel.nothing": "当前没有进行中的操作。",
    "lang.choose": "请选择语言 / Choose a language:",
    "lang.set": "已切换为中文。",
    "invite.denied": "只有责任领导、联络员或领导小组办公室可以邀请人员。",
    "invite.role_denied": "您不能邀请“{role}”身份的人员。",
    "invite.choose_role": "要邀请什么身份的人员加入<b>{unit}</b>？",
    "invite.office_usage": (
        "请写明单位编号，例如：<code>/invite U01 member</code>\n"
        "身份可选：member（干部职工）、liaison（联络员）、leader（责任领导）、office（办公室）。"
    ),
    "invite.created": (
        "邀请码：<code>{code}</code>\n单位：{unit}　身份：{role}\n有效期至：{expires}\n"
        "请转发给被邀请人，对方发送 <code>/join {code}</code> 或点击链接即可加入：\n{link}"
    ),
    "unit.unknown": "没有编号为“{code}”的单位。",
    "unit.name_empty": "单位名称不能为空。",
    "unit.exists": "已经有名为“{name}”的单位。",
    "unit.code_taken": "单位编号“{code}”已被使用。",
    "import.format": "{name}：只支持 .xlsx 或 .csv 文件。",
    "import.empty": "{name}：文件是空的。",
    "import.no_name_column": "{name}：表头里找不到“单位名称”（或 name）一列。",
    "bind.private": "请在要绑定的群聊里发送 /bindgroup。",
    "bind.denied": "只有本单位的责任领导、联络员或领导小组办公室可以绑定工作群。",
    "bind.not_group_admin": "绑定工作群需要您同时是本群的管理员。",
    "bind.ok": "本群已绑定为<b>{unit}</b>的工作群，之后每周进展通报会发到这里。",
    "bind.office_usage": "请写明单位编号，例如：<code>/bindgroup U01</code>",
    "group.hello": "大家好！我是作风问题教育整顿助手。请本单位责任领导或联络员在群里发送 /bindgroup 绑定本群。",
    "error.generic": "抱歉，处理您的消息时出错了，我们已记录并会尽快处理。请稍后再试。",
    "error.admin_report": "⚠️ 处理更新时出错：{error}\n更新：{update}",
}

EN: dict[str, str] = {
    "role.office": "campaign office",
    "role.leader": "unit leader",
    "role.liaison": "liaison",
    "role.member": "cadre",
    "start.member": (
        "Hello, {name}! You are a {role} of <b>{unit}</b>.\n"
        "This assistant records work-style problems and their remedies, keeps deadlines "
        "and reports progress every week.\nSend /help to see what you can do."
    ),
    "start.stranger": (
        "Hello, {name}! This is the “{campaign}” assistant.\n"
        "You have not joined a unit yet. Ask your unit's liaison or leader for an invite "
        "code, then send:\n<code>/join CODE</code>\nor open the invite link they send you."
    ),
    "join.ok": "You joined <b>{unit}</b> as {role}. Send /help to see what you can do.",
    "join.moved": "Moved from {old_unit} to <b>{unit}</b> as {role}.",
    "join.usage": "Put the invite code after /join, for example: <code>/join AB12CD34</code>",
    "join.invalid": "That invite code is not valid. Check it, or ask your liaison for a new one.",
    "join.used": "That invite code was already used; each code works once. Ask for a new one.",
    "join.expired": "That invite code has expired. Ask your liaison for a new one.",
    "help.header": "<b>{campaign}</b> assistant · you are {role} ({unit})\nYou can use:",
    "help.header_stranger": "<b>{campaign}</b> assistant\nYou have not joined a unit; you can use:",
    "help.footer": "Send /cancel at any time to abandon what you are doing.",
    "cmd.start": "Start / main menu",
    "cmd.help": "Help",
    "cmd.join": "Join a unit with an invite code",
    "cmd.lang": "Language / 切换语言",
    "cmd.cancel": "Cancel the current step",
    "cmd.invite": "Create an invite code for your unit",
    "cmd.bindgroup": "In a group: bind this group to your unit",
    "cancel.done": "Cancelled.",
    "cancel.nothing": "There is nothing to cancel.",
    "lang.choose": "请选择语言 / Choose a language:",
    "lang.set": "Language set to English.",
    "invite.denied": "Only unit leaders, liaisons and the campaign office can invite people.",
    "invite.role_denied": "You cannot invite someone as {role}.",
    "invite.choose_role": "Invite someone to <b>{unit}</b> as:",
    "invite.office_usage": (
        "Name the unit code, for example: <code>/invite U01 member</code>\n"
        "Roles: member, liaison, leader, office."
    ),
    "invite.created": (
        "Invite code: <code>{code}</code>\nUnit: {unit}  Role: {role}\nValid until: {expires}\n"
        "Forward it; the invitee sends <code>/join {code}</code> or opens the link:\n{link}"
    ),
    "unit.unknown": "There is no unit with code “{code}”.",
    "unit.name_empty": "A unit needs a name.",
    "unit.exists": "There is already a unit named “{name}”.",
    "unit.code_taken": "The unit code “{code}” is already taken.",
    "import.format": "{name}: only .xlsx and .csv files can be imported.",
    "import.empty": "{name}: the file is empty.",
    "import.no_name_column": "{name}: no “name” (单位名称) column in the header row.",
    "bind.private": "Send /bindgroup inside the group you want to bind.",
    "bind.denied": "Only your unit's leader, liaison or the campaign office can bind a group.",
    "bind.not_group_admin": "To bind a group you must also be an administrator of it.",
    "bind.ok": "This group is now the work group of <b>{unit}</b>; weekly digests will come here.",
    "bind.office_usage": "Name the unit code, for example: <code>/bindgroup U01</code>",
    "group.hello": "Hello! I am the rectification campaign assistant. A unit leader or liaison can bind this group with /bindgroup.",
    "error.generic": "Sorry, something went wrong with your message. It has been logged; please try again later.",
    "error.admin_report": "⚠️ Error while handling an update: {error}\nUpdate: {update}",
}

CATALOGUES: dict[str, dict[str, str]] = {"zh": ZH, "en": EN}


def normalize_lang(lang: str | None, default: str = "zh") -> str:
    """Map a stored or Telegram language code to one the catalogue has."""
    if lang:
        short = lang.lower().split("-")[0].split("_")[0]
        if short in CATALOGUES:
            return short
    return default


def t(lang: str, key: str, **params: Any) -> str:
    """Render a text; every parameter is HTML-escaped because messages are sent as HTML."""
    template = CATALOGUES[normalize_lang(lang)][key]
    return template.format(**{k: html.escape(str(v), quote=False) for k, v in params.items()})


def placeholders(template: str) -> set[str]:
    """Name the placeholders of a template (used to check the catalogues agree)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
