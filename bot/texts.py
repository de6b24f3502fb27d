"""Every user-visible string, keyed, one catalogue per language; values are HTML-escaped."""

from __future__ import annotations

import html
import string
from typing import Any

from bot import texts_digest, texts_meetings, texts_reminders

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
    "error.busy": "系统正忙，您刚才的操作没有保存。请稍等片刻，再发送一次。",
    "error.storage_full": "系统存储空间不足，您刚才的操作没有保存。已通知管理员处理，请稍后再试。",
    "error.network": "与 Telegram 的连接不稳定，刚才的回复没能发出。请稍后再试一次（例如重新发送刚才的命令）。",
    "notify.failed": "⚠️ 一条提醒无法发送，已停止重试：{kind} → {chat}（{note_key}）\n原因：{error}",
    "cmd.file": "登记问题和整改措施",
    "cmd.my": "我的问题",
    "cmd.ledger": "本单位问题台账",
    "cmd.item": "按编号查看问题，例如 /item U001-0001",
    "cmd.export": "导出问题台账（Excel）",
    "start.btn.file": "📝 登记问题",
    "start.btn.my": "📋 我的问题",
    "start.btn.ledger": "📒 问题台账",
    "button.stale": "这个按钮已失效，请重新操作。",
    "file.no_unit": "请先加入单位再登记问题：向联络员索取邀请码后发送 /join 邀请码。",
    "file.intro": "开始登记问题，共几步，约一分钟。随时发送 /cancel 放弃（确认前不会保存）。",
    "file.ask_category": "① 请选择问题类别（也可以直接发送序号1–10）：",
    "file.bad_category": "没有这个类别，请点选按钮，或发送序号1–10。",
    "file.ask_level": "② 这个问题是在哪个层面查找出来的？",
    "file.skip": "跳过",
    "file.ask_source": "③ 问题来源：",
    "file.ask_description": "④ 请描述问题（一两句话说清楚是什么问题）：",
    "file.bad_length": "内容太短或太长（最多{max}字），请重新发送。",
    "file.ask_measures": "⑤ 请发送整改措施。一条消息可以写多条，每行一条。",
    "file.more_measures": "已记录{count}条措施：",
    "file.measures_done": "措施已写完 ✅",
    "file.ask_track": "⑥ 整改类型：",
    "file.ask_leader": "⑦ 责任领导（点选，或直接发送姓名）：",
    "file.ask_owner": "⑧ 责任人（点选，或直接发送姓名）：",
    "file.owner_me": "我自己",
    "file.ask_deadline": "⑨ 整改时限，请直接输入，例如：下周五前、12月31日、一个月内、3天后。",
    "file.ask_deadline_immediate": "⑨ 立行立改默认下一个工作日内完成。也可以直接输入其他时限，例如：明天下午5点。",
    "file.use_default": "确定：{when}",
    "file.ask_checkin": "⑨ 长期坚持的事项没有截止时间，请选择多久检查一次（也可以输入，例如：每两周）：",
    "file.bad_checkin": "没看懂检查周期。请点选，或输入例如：每周、每两周、每月、每10天。",
    "file.card": (
        "<b>请核对登记内容</b>\n"
        "问题类别：{category}\n层面：{level}\n问题来源：{source}\n"
        "问题描述：{description}\n整改措施：\n{measures}\n整改类型：{track}\n"
        "责任领导：{leader}\n责任人：{owner}\n整改时限：{deadline}\n\n"
        "无误请点“确认”保存；需要修改请点对应按钮。"
    ),
    "file.confirm": "确认",
    "file.cancel": "取消",
    "file.edit.category": "改类别",
    "file.edit.source": "改来源",
    "file.edit.description": "改描述",
    "file.edit.measures": "改措施",
    "file.edit.track": "改类型",
    "file.edit.leader": "改领导",
    "file.edit.owner": "改责任人",
    "file.edit.deadline": "改时限",
    "file.saved": "✅ 已保存到<b>{unit}</b>问题台账，编号 <b>{number}</b>。发送 /my 查看我的问题。",
    "file.incomplete": "还缺少：{fields}",
    "deadline.unreadable": "没看懂这个时间。请换个说法，例如：下周五前、12月31日、3天后、明天下午3点。",
    "deadline.past": "这个时间已经过去了，请输入将来的时间。",
    "deadline.past_with": "{when} 已经过去了，请输入将来的时间。",
    "deadline.echo": "整改时限：<b>{when}</b>",
    "quick.bad_category": "类别“{value}”没有对上，稍后请选择。",
    "quick.bad_track": "整改类型“{value}”没看懂（可写：立行立改、限期整改、长期坚持），稍后请选择。",
    "quick.bad_source": "问题来源“{value}”没看懂，稍后请选择。",
    "quick.bad_deadline": "时限“{value}”没看懂，稍后请重新输入。",
    "quick.past_deadline": "时限“{value}”已经过去了，稍后请重新输入。",
    "level.individual": "个人",
    "level.unit": "单位",
    "level.sector": "行业",
    "source.self": "自查自纠",
    "source.public": "群众反映",
    "source.business": "企业投诉",
    "source.inspection": "暗访监督",
    "source.supervision": "上级督导",
    "track.immediate": "立行立改",
    "track.deadline": "限期整改",
    "track.ongoing": "长期坚持",
    "track.immediate.hint": "马上改，下一个工作日内完成",
    "track.deadline.hint": "在规定时限内改好",
    "track.ongoing.hint": "长期坚持，定期检查",
    "checkin.7": "每周",
    "checkin.14": "每两周",
    "checkin.30": "每月",
    "checkin.every": "每{days}天检查一次",
    "status.pending": "待整改",
    "status.in_progress": "整改中",
    "status.awaiting_signoff": "已整改(待销号)",
    "status.signed_off": "已销号",
    "status.overdue_mark": "（已超期）",
    "filter.all": "全部",
    "filter.overdue": "已超期",
    "filter.pending": "待整改",
    "filter.in_progress": "整改中",
    "filter.awaiting_signoff": "待销号",
    "filter.signed_off": "已销号",
    "ledger.title.mine": "我的问题",
    "ledger.title.unit": "本单位问题台账",
    "ledger.title.all": "全市问题台账",
    "ledger.header": "<b>{title}</b> · {filter} · 共{total}项（第{page}/{pages}页）",
    "ledger.empty": "暂无问题。发送 /file 登记。",
    "ledger.line": "{number} {text}\n　{status} · {when}",
    "ledger.denied": "只有责任领导、联络员和领导小组办公室可以查看整个单位的台账。",
    "item.usage": "请写上问题编号，例如：<code>/item U001-0001</code>",
    "item.unknown": "找不到这个问题，或者您无权查看。",
    "item.not_yours": "只有责任人、登记人、本单位责任领导或联络员可以更新这个问题。",
    "item.not_open": "{number} 已不在整改中，不能再更新。",
    "item.card": (
        "<b>{number}</b> · {unit}\n问题类别：{category}\n问题描述：{description}\n"
        "整改措施：\n{measures}\n整改类型：{track}\n责任领导：{leader}\n责任人：{owner}\n"
        "整改时限：{deadline}\n整改状态：{status}\n最新进展：{progress}\n回炉次数：{rework}"
    ),
    "item.history": "<b>变更记录</b>",
    "event.filed": "登记",
    "event.progress": "更新进展",
    "event.done": "报告完成",
    "event.approved": "审核通过并销号",
    "event.rejected": "驳回",
    "event.edited": "修改",
    "item.btn.progress": "更新进展",
    "item.btn.done": "报告完成",
    "item.btn.approve": "通过",
    "item.btn.reject": "驳回",
    "item.ask_progress": "请发送 {number} 的整改进展（可以附照片作为佐证，照片请带文字说明）：",
    "item.ask_done": "请发送 {number} 的完成情况（可以附照片或文件作为佐证）：",
    "item.need_text": "请写几句文字说明（照片请带文字说明）。",
    "item.progress_saved": "已记录 {number} 的进展，当前状态：{status}。",
    "item.done_saved": "已报告 {number} 整改完成，等待责任领导审核销号。",
    "signoff.request": (
        "<b>销号审核</b> {number} · {unit}\n问题：{description}\n完成情况：{completion}\n"
        "报告人：{who}"
    ),
    "signoff.approved": "✅ {number} 已审核通过，已销号。",
    "signoff.owner_approved": "✅ 您的问题 {number} 已由{who}审核通过，已销号。",
    "signoff.denied": "只有本单位责任领导或领导小组办公室可以审核销号。",
    "signoff.not_waiting": "{number} 不在待销号状态。",
    "reject.ask_reason": "请写明驳回 {number} 的原因：",
    "reject.ask_reason_again": "驳回必须写明原因，请发送文字。",
    "reject.ask_deadline": "请给出新的整改时限，例如：下周五前、12月31日：",
    "reject.reason_needed": "驳回必须写明原因。",
    "reject.deadline_needed": "驳回需要给出新的整改时限。",
    "reject.done": "已驳回 {number}（第{times}次回炉），新时限：{deadline}。已通知责任人。",
    "signoff.owner_rejected": "↩️ 您的问题 {number} 被{who}驳回：{reason}\n新的整改时限：{deadline}",
    "export.denied": "只有责任领导、联络员和领导小组办公室可以导出台账。",
    "export.working": "正在生成台账（{count}条）…",
    "export.caption": "{title}，共{count}条，截至{when}",
    "cmd.meeting": "发会议通知（参会确认）",
    "cmd.leave": "请假 / 销假",
    "cmd.remind": "设个人提醒，例如 /remind 明天下午3点 交材料",
    "cmd.reminders": "查看和删除我的提醒",
    "notify.late_mark": "（迟到的提醒）",
    "nudge.before": "⏰ 整改提醒：{number}「{text}」将于 {when} 到期，还有{days}天。",
    "nudge.today": "⏰ 今天到期：{number}「{text}」整改时限 {when}。",
    "nudge.overdue": "❗ 已超期{days}天：{number}「{text}」整改时限 {when}。请尽快整改，完成后点“已完成”。",
    "nudge.escalate": "⚠️ 超期督办：{unit} {number}「{text}」已超期{days}天（时限 {when}），责任人：{owner}。",
    "nudge.checkin": "🔁 长期坚持事项 {number}「{text}」：还在坚持吗？",
    "nudge.btn.done": "已完成",
    "nudge.btn.progress": "更新进展",
    "nudge.btn.snooze": "推迟提醒",
    "nudge.btn.holding": "坚持中",
    "nudge.btn.adjust": "需调整",
    "nudge.snooze.h1": "1小时后",
    "nudge.snooze.d1": "明天",
    "nudge.snooze.d3": "3天后",
    "nudge.snoozed": "好的，{when} 再提醒您（整改时限不变）。",
    "nudge.holding_note": "坚持中",
    "nudge.holding_saved": "已记录：{number} 坚持中。",
    "cmd.mydata": "导出我的个人数据",
    "privacy.mydata_caption": "您在本助手中存储的全部个人数据（JSON），截至{when}。",
    "privacy.nothing": "没有关于用户 {user_id} 的任何数据。",
    "privacy.event_note": "相关人员的个人数据已按规定删除",
    "audit.bad_since": "无法识别的时间“{text}”：请用 2026-11-01 这样的日期，或“上周一”“昨天”这样的说法。",
    "audit.future_since": "“{text}”是将来的时间（{when}），请给出过去的时间。",
    "notify.summary": "机器人暂停期间，有{count}条提醒已过期：",
    "notify.summary_more": "……另有{count}条",
    "notify.unreachable": "⚠️ 无法再给 {who} 发消息（对方屏蔽了机器人，或机器人已被移出群）。请联系本人或重新把机器人加入群。",
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
    "error.busy": "The system is busy and your last action was not saved. Please wait a moment and send it again.",
    "error.storage_full": "The system is out of storage space and your last action was not saved. The administrators have been told; please try again later.",
    "error.network": "The connection to Telegram is unstable and the bot's reply did not go out. Please try again shortly (for example, send the last command again).",
    "notify.failed": "⚠️ A reminder could not be sent and will not be retried: {kind} → {chat} ({note_key})\nReason: {error}",
    "cmd.file": "File a problem and its remedy",
    "cmd.my": "My items",
    "cmd.ledger": "The unit's ledger",
    "cmd.item": "Open an item by number, e.g. /item U001-0001",
    "cmd.export": "Export the ledger (Excel)",
    "start.btn.file": "📝 File a problem",
    "start.btn.my": "📋 My items",
    "start.btn.ledger": "📒 Ledger",
    "button.stale": "That button has expired; please start again.",
    "file.no_unit": "Join a unit before filing: ask your liaison for an invite code, then send /join CODE.",
    "file.intro": "Filing a problem takes a few steps, about a minute. Send /cancel to abandon (nothing is saved before you confirm).",
    "file.ask_category": "① Choose the problem category (or send its number 1–10):",
    "file.bad_category": "No such category; tap a button or send a number 1–10.",
    "file.ask_level": "② At which level was the problem found?",
    "file.skip": "Skip",
    "file.ask_source": "③ Source of the problem:",
    "file.ask_description": "④ Describe the problem in a sentence or two:",
    "file.bad_length": "Too short or too long (at most {max} characters); please send it again.",
    "file.ask_measures": "⑤ Send the remedial measures. One message may hold several, one per line.",
    "file.more_measures": "{count} measure(s) so far:",
    "file.measures_done": "Measures complete ✅",
    "file.ask_track": "⑥ Rectification track:",
    "file.ask_leader": "⑦ Responsible leader (tap, or type a name):",
    "file.ask_owner": "⑧ Responsible person (tap, or type a name):",
    "file.owner_me": "Me",
    "file.ask_deadline": "⑨ Deadline, typed freely, e.g. 下周五前, 12月31日, 一个月内, in 3 days.",
    "file.ask_deadline_immediate": "⑨ Fix-at-once items are due by the end of the next working day. Or type another deadline, e.g. tomorrow 5pm.",
    "file.use_default": "OK: {when}",
    "file.ask_checkin": "⑨ Ongoing items have no end date. How often should they be checked (or type e.g. every two weeks)?",
    "file.bad_checkin": "I could not read that period. Tap a button, or type e.g. 每周, 每两周, 每月, 每10天.",
    "file.card": (
        "<b>Please check the filing</b>\n"
        "Category: {category}\nLevel: {level}\nSource: {source}\n"
        "Problem: {description}\nMeasures:\n{measures}\nTrack: {track}\n"
        "Leader: {leader}\nResponsible: {owner}\nDeadline: {deadline}\n\n"
        "Tap “Confirm” to save, or a button to change a field."
    ),
    "file.confirm": "Confirm",
    "file.cancel": "Cancel",
    "file.edit.category": "Category",
    "file.edit.source": "Source",
    "file.edit.description": "Problem",
    "file.edit.measures": "Measures",
    "file.edit.track": "Track",
    "file.edit.leader": "Leader",
    "file.edit.owner": "Responsible",
    "file.edit.deadline": "Deadline",
    "file.saved": "✅ Saved to the ledger of <b>{unit}</b> as <b>{number}</b>. Send /my to see your items.",
    "file.incomplete": "Still missing: {fields}",
    "deadline.unreadable": "I could not read that time. Try e.g. 下周五前, 12月31日, 3天后, tomorrow 3pm.",
    "deadline.past": "That time has passed; give a time in the future.",
    "deadline.past_with": "{when} has passed; give a time in the future.",
    "deadline.echo": "Deadline: <b>{when}</b>",
    "quick.bad_category": "Category “{value}” did not match; you will be asked to choose.",
    "quick.bad_track": "Track “{value}” not understood (立行立改, 限期整改 or 长期坚持); you will be asked.",
    "quick.bad_source": "Source “{value}” not understood; you will be asked.",
    "quick.bad_deadline": "Deadline “{value}” not understood; you will be asked again.",
    "quick.past_deadline": "Deadline “{value}” has passed; you will be asked again.",
    "level.individual": "individual",
    "level.unit": "unit",
    "level.sector": "sector",
    "source.self": "self-inspection",
    "source.public": "public feedback",
    "source.business": "business complaint",
    "source.inspection": "unannounced inspection",
    "source.supervision": "supervision from above",
    "track.immediate": "fix at once",
    "track.deadline": "fix by a deadline",
    "track.ongoing": "ongoing",
    "track.immediate.hint": "due by the next working day",
    "track.deadline.hint": "due by a set date",
    "track.ongoing.hint": "no end date, checked periodically",
    "checkin.7": "weekly",
    "checkin.14": "every two weeks",
    "checkin.30": "monthly",
    "checkin.every": "checked every {days} days",
    "status.pending": "to do",
    "status.in_progress": "in progress",
    "status.awaiting_signoff": "fixed (awaiting sign-off)",
    "status.signed_off": "signed off",
    "status.overdue_mark": " (overdue)",
    "filter.all": "All",
    "filter.overdue": "Overdue",
    "filter.pending": "To do",
    "filter.in_progress": "In progress",
    "filter.awaiting_signoff": "Awaiting sign-off",
    "filter.signed_off": "Signed off",
    "ledger.title.mine": "My items",
    "ledger.title.unit": "Unit ledger",
    "ledger.title.all": "City-wide ledger",
    "ledger.header": "<b>{title}</b> · {filter} · {total} item(s) (page {page}/{pages})",
    "ledger.empty": "Nothing here. Send /file to file a problem.",
    "ledger.line": "{number} {text}\n  {status} · {when}",
    "ledger.denied": "Only unit leaders, liaisons and the campaign office can see a whole unit's ledger.",
    "item.usage": "Give the item number, e.g. <code>/item U001-0001</code>",
    "item.unknown": "No such item, or you may not see it.",
    "item.not_yours": "Only the responsible person, the filer, or the unit's leader or liaison can update this item.",
    "item.not_open": "{number} is no longer open and cannot be updated.",
    "item.card": (
        "<b>{number}</b> · {unit}\nCategory: {category}\nProblem: {description}\n"
        "Measures:\n{measures}\nTrack: {track}\nLeader: {leader}\nResponsible: {owner}\n"
        "Deadline: {deadline}\nStatus: {status}\nLatest progress: {progress}\nSent back: {rework}"
    ),
    "item.history": "<b>History</b>",
    "event.filed": "filed",
    "event.progress": "updated progress",
    "event.done": "reported done",
    "event.approved": "approved and signed off",
    "event.rejected": "sent back",
    "event.edited": "edited",
    "item.btn.progress": "Update progress",
    "item.btn.done": "Report done",
    "item.btn.approve": "Approve",
    "item.btn.reject": "Send back",
    "item.ask_progress": "Send the progress on {number} (a photo with a caption counts as evidence):",
    "item.ask_done": "Send how {number} was completed (a photo or file may serve as evidence):",
    "item.need_text": "Please add a few words (a photo needs a caption).",
    "item.progress_saved": "Progress on {number} recorded; status: {status}.",
    "item.done_saved": "{number} reported done; waiting for the leader's sign-off.",
    "signoff.request": (
        "<b>Sign-off</b> {number} · {unit}\nProblem: {description}\nCompletion: {completion}\n"
        "Reported by: {who}"
    ),
    "signoff.approved": "✅ {number} approved and signed off.",
    "signoff.owner_approved": "✅ Your item {number} was approved and signed off by {who}.",
    "signoff.denied": "Only the unit's leader or the campaign office can sign items off.",
    "signoff.not_waiting": "{number} is not awaiting sign-off.",
    "reject.ask_reason": "Why is {number} sent back?",
    "reject.ask_reason_again": "Sending back needs a reason; please send text.",
    "reject.ask_deadline": "Give the new deadline, e.g. 下周五前, 12月31日:",
    "reject.reason_needed": "Sending back needs a reason.",
    "reject.deadline_needed": "Sending back needs a new deadline.",
    "reject.done": "{number} sent back (time {times}); new deadline: {deadline}. The responsible person was told.",
    "signoff.owner_rejected": "↩️ Your item {number} was sent back by {who}: {reason}\nNew deadline: {deadline}",
    "export.denied": "Only unit leaders, liaisons and the campaign office can export the ledger.",
    "export.working": "Preparing the ledger ({count} rows)…",
    "export.caption": "{title}, {count} rows, as of {when}",
    "cmd.meeting": "Call a meeting (with attendance)",
    "cmd.leave": "Request leave / report back",
    "cmd.remind": "Set a reminder, e.g. /remind 明天下午3点 交材料",
    "cmd.reminders": "List and delete my reminders",
    "notify.late_mark": "(late reminder) ",
    "nudge.before": "⏰ Reminder: {number} “{text}” is due {when}, in {days} day(s).",
    "nudge.today": "⏰ Due today: {number} “{text}”, deadline {when}.",
    "nudge.overdue": "❗ Overdue by {days} day(s): {number} “{text}”, deadline {when}. Tap “Done” once fixed.",
    "nudge.escalate": "⚠️ Overdue: {unit} {number} “{text}” is {days} day(s) late (deadline {when}); responsible: {owner}.",
    "nudge.checkin": "🔁 Ongoing item {number} “{text}”: still holding?",
    "nudge.btn.done": "Done",
    "nudge.btn.progress": "Update progress",
    "nudge.btn.snooze": "Remind me later",
    "nudge.btn.holding": "Still holding",
    "nudge.btn.adjust": "Needs adjusting",
    "nudge.snooze.h1": "In 1 hour",
    "nudge.snooze.d1": "Tomorrow",
    "nudge.snooze.d3": "In 3 days",
    "nudge.snoozed": "OK, I will remind you {when} (the deadline stays).",
    "nudge.holding_note": "still holding",
    "nudge.holding_saved": "Recorded: {number} still holding.",
    "cmd.mydata": "Export my personal data",
    "privacy.mydata_caption": "Everything this assistant stores about you (JSON), as of {when}.",
    "privacy.nothing": "Nothing is stored about user {user_id}.",
    "privacy.event_note": "A person's personal data was removed as required",
    "audit.bad_since": "Cannot read the time “{text}”: use a date like 2026-11-01 or a phrase like 上周一 or 昨天.",
    "audit.future_since": "“{text}” is in the future ({when}): give a time in the past.",
    "notify.summary": "While the bot was stopped, {count} reminder(s) fell due:",
    "notify.summary_more": "…and {count} more",
    "notify.unreachable": "⚠️ Messages to {who} no longer arrive (the bot was blocked or removed from the group). Please contact them or add the bot again.",
}

# Feature catalogues live beside their features and join the main ones here.
for _feature in (texts_meetings, texts_reminders, texts_digest):
    for _key in _feature.ZH.keys() & ZH.keys():
        raise ValueError(f"text key {_key!r} is defined twice")
    ZH.update(_feature.ZH)
    EN.update(_feature.EN)

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


def shorten(text: str, limit: int, *, one_line: bool = False) -> str:
    """Cut people's text to `limit` characters, the cut marked with …, to quote it back."""
    if one_line:
        text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
