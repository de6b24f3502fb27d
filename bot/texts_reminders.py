"""Texts of the reminders feature, one catalogue per language (merged into bot.texts)."""

ZH: dict[str, str] = {
    "cmd.officehours": "上下班提醒：查看、开启/关闭、设置时间",
    # -- personal reminders
    "remind.no_unit": "请先加入单位再设提醒：向联络员索取邀请码后发送 /join 邀请码。",
    "remind.unreadable": (
        "没看懂提醒的时间。请把时间写在前面，再写要提醒的事，例如：\n"
        "<code>/remind 明天下午3点 交材料</code>\n"
        "<code>提醒我 下周一上午10点 交报告</code>\n"
        "<code>提醒我半小时后 给王科长回电话</code>"
    ),
    "remind.no_clock": (
        "请写明几点提醒，例如：\n<code>提醒我明天上午9点 交材料</code>\n"
        "<code>/remind 周五下午3点 报送整改台账</code>"
    ),
    "remind.no_what": (
        "时间看懂了（{when}），还要写上提醒什么事，例如：\n<code>提醒我明天9点 参加专题会</code>"
    ),
    "remind.past": (
        "{when} 已经过去了，请换一个以后的时间，例如：<code>提醒我半小时后 交材料</code>"
    ),
    "remind.empty": "请写上要提醒的事。",
    "remind.too_long": "提醒内容太长了，请控制在{max}字以内。",
    "remind.too_many": "您已有{max}条待发提醒，请先用 /reminders 删除一些。",
    "remind.ask_when": (
        "什么时候提醒您？例如：明天下午3点、半小时后、下周一上午9点。\n"
        "也可以连同事项一起写：<code>明天下午3点 交材料</code>\n发送 /cancel 放弃。"
    ),
    "remind.ask_what": "好的，{when}。要提醒您什么事？",
    "remind.set": "✅ 已设提醒：{when} {what}",
    "remind.deleted": "🗑 已删除提醒：{when} {what}",
    "remind.not_yours": "这不是您的提醒，不能操作。",
    "remind.gone": "这条提醒已经发出或已删除。",
    "remind.snoozed_already": "这条提醒已经改过时间了，发送 /reminders 查看。",
    "remind.due": "⏰ 提醒：{what}",
    "remind.due_brief": "{when} 提醒：{what}",
    "remind.acked": "⏰ 提醒：{what}\n✔️ 知道了",
    "remind.snoozed": "⏰ 提醒：{what}\n⏳ 将于 {when} 再次提醒",
    "remind.btn.delete": "删除",
    "remind.btn.ack": "知道了",
    "remind.btn.snooze_10m": "10分钟后再提醒",
    "remind.btn.snooze_1d": "明天再提醒",
    "remind.list_header": "您的待发提醒（{count}条，按时间先后）：",
    "remind.list_item": "{n}. {when} {what}",
    "remind.list_more": "……另有{count}条未列出",
    "remind.list_empty": "您没有待发的提醒。设提醒：<code>/remind 明天下午3点 交材料</code>",
    "remind.btn.delete_n": "删除 {n}",
    "remind.btn.delete_all": "全部删除",
    "remind.confirm_all": "确定删除全部{count}条待发提醒吗？",
    "remind.btn.confirm_all": "确定全部删除",
    "remind.btn.keep": "取消",
    "remind.all_deleted": "已删除{count}条提醒。",
    # -- office hours
    "office.on_duty": "⏰ 上班提醒：{time}，请按时到岗，严守上下班纪律。",
    "office.off_duty": "⏰ 下班提醒：{time}，请做好当日工作收尾，不早退，严守上下班纪律。",
    "office.btn.stop": "不再提醒上下班",
    "office.status": "上下班提醒：{state}\n<b>{unit}</b>的提醒时间（工作日）：{times}{default}",
    "office.state.on": "已开启",
    "office.state.off": "已关闭",
    "office.default_mark": "（默认）",
    "office.usage": (
        "开启或关闭：<code>/officehours on</code> · <code>/officehours off</code>\n"
        "只在工作日提醒，法定节假日和调休按国家安排。"
    ),
    "office.usage_setter": (
        "设置本单位时间（1至4个）：<code>/officehours 08:30 17:30</code>\n"
        "恢复默认时间：<code>/officehours default</code>"
    ),
    "office.btn.on": "开启上下班提醒",
    "office.btn.off": "关闭上下班提醒",
    "office.turned_on": "已开启上下班提醒：工作日 {times} 提醒您。",
    "office.turned_off": "已关闭上下班提醒。需要时发送 /officehours on 重新开启。",
    "office.times_set": "已将<b>{unit}</b>的上下班提醒时间设为：{times}。",
    "office.times_default": "<b>{unit}</b>已恢复默认提醒时间：{times}。",
    "office.denied": "只有责任领导、联络员或领导小组办公室可以设置本单位的提醒时间。",
    "office.bad_times": (
        "时间格式不对：请写1至4个“时:分”，用空格隔开，例如 <code>/officehours 08:30 17:30</code>"
    ),
    "office.no_unit": "请先加入单位：向联络员索取邀请码后发送 /join 邀请码。",
    "office.calendar_missing": (
        "⚠️ 节假日日历里还没有{year}年的安排（法定节假日和调休）。"
        "在补上之前，{year}年的上下班提醒和“下一个工作日”只能按周一至周五计算。\n"
        "国务院公布安排后，请升级 chinesecalendar 包（pip install -U chinesecalendar），"
        "或在配置文件中补充调整，例如：\n"
        "<code>calendar:\n  holidays: [{year}-01-01, {year}-02-16]\n"
        "  workdays: [{year}-02-14]</code>\n"
        "改好后执行 <code>python -m bot check-config config.yaml</code> 检查，再重启机器人。"
    ),
    "office.calendar_missing_brief": "节假日日历缺少{year}年的安排，请补充配置 calendar。",
}

EN: dict[str, str] = {
    "cmd.officehours": "Office-hours reminders: show, turn on/off, set times",
    # -- personal reminders
    "remind.no_unit": (
        "Join a unit before setting reminders: ask your liaison for an invite code, "
        "then send /join CODE."
    ),
    "remind.unreadable": (
        "I could not read when to remind you. Put the time first, then what, for example:\n"
        "<code>/remind tomorrow 3pm submit the report</code>\n"
        "<code>/remind 明天下午3点 交材料</code>\n"
        "<code>提醒我半小时后 给王科长回电话</code>"
    ),
    "remind.no_clock": (
        "Please say at what time, for example:\n"
        "<code>/remind tomorrow 9am submit the report</code>\n"
        "<code>提醒我明天上午9点 交材料</code>"
    ),
    "remind.no_what": (
        "Got the time ({when}); now add what to remind you of, for example:\n"
        "<code>/remind tomorrow 9am team meeting</code>"
    ),
    "remind.past": (
        "{when} has already passed; please pick a later time, for example: "
        "<code>/remind in 30 minutes submit the report</code>"
    ),
    "remind.empty": "Please write what to remind you of.",
    "remind.too_long": "That reminder is too long; please keep it under {max} characters.",
    "remind.too_many": "You already have {max} reminders waiting; delete some with /reminders.",
    "remind.ask_when": (
        "When shall I remind you? For example: tomorrow 3pm, in 30 minutes, 下周一上午9点.\n"
        "You may add what right away: <code>tomorrow 3pm submit the report</code>\n"
        "Send /cancel to stop."
    ),
    "remind.ask_what": "OK, {when}. What shall I remind you of?",
    "remind.set": "✅ Reminder set: {when} {what}",
    "remind.deleted": "🗑 Reminder deleted: {when} {what}",
    "remind.not_yours": "That is not your reminder.",
    "remind.gone": "That reminder has already been sent or deleted.",
    "remind.snoozed_already": "That reminder has already been moved; see /reminders.",
    "remind.due": "⏰ Reminder: {what}",
    "remind.due_brief": "{when} reminder: {what}",
    "remind.acked": "⏰ Reminder: {what}\n✔️ Noted",
    "remind.snoozed": "⏰ Reminder: {what}\n⏳ I will remind you again at {when}",
    "remind.btn.delete": "Delete",
    "remind.btn.ack": "Got it",
    "remind.btn.snooze_10m": "Again in 10 min",
    "remind.btn.snooze_1d": "Again tomorrow",
    "remind.list_header": "Your reminders ({count}, soonest first):",
    "remind.list_item": "{n}. {when} {what}",
    "remind.list_more": "…and {count} more",
    "remind.list_empty": (
        "You have no reminders waiting. Set one: "
        "<code>/remind tomorrow 3pm submit the report</code>"
    ),
    "remind.btn.delete_n": "Delete {n}",
    "remind.btn.delete_all": "Delete all",
    "remind.confirm_all": "Delete all {count} waiting reminders?",
    "remind.btn.confirm_all": "Yes, delete all",
    "remind.btn.keep": "Cancel",
    "remind.all_deleted": "Deleted {count} reminder(s).",
    # -- office hours
    "office.on_duty": "⏰ Office hours: {time}. Please be at your post on time.",
    "office.off_duty": "⏰ End of the working day: {time}. Wrap up today's work; no leaving early.",
    "office.btn.stop": "Stop office-hours reminders",
    "office.status": "Office-hours reminders: {state}\n<b>{unit}</b> times (working days): "
                     "{times}{default}",
    "office.state.on": "on",
    "office.state.off": "off",
    "office.default_mark": " (default)",
    "office.usage": (
        "Turn on or off: <code>/officehours on</code> · <code>/officehours off</code>\n"
        "Working days only, following the official holiday calendar and its swapped days."
    ),
    "office.usage_setter": (
        "Set your unit's times (1 to 4): <code>/officehours 08:30 17:30</code>\n"
        "Back to the default: <code>/officehours default</code>"
    ),
    "office.btn.on": "Turn office-hours reminders on",
    "office.btn.off": "Turn office-hours reminders off",
    "office.turned_on": "Office-hours reminders are on: working days at {times}.",
    "office.turned_off": "Office-hours reminders are off. Send /officehours on to turn them on.",
    "office.times_set": "<b>{unit}</b> office-hours reminders are now at {times}.",
    "office.times_default": "<b>{unit}</b> is back to the default times: {times}.",
    "office.denied": "Only the unit's leader, liaison or the campaign office can set its times.",
    "office.bad_times": (
        "Please give 1 to 4 times as HH:MM separated by spaces, for example "
        "<code>/officehours 08:30 17:30</code>"
    ),
    "office.no_unit": (
        "Join a unit first: ask your liaison for an invite code, then send /join CODE."
    ),
    "office.calendar_missing": (
        "⚠️ The holiday calendar has no {year} data yet (public holidays and swapped working "
        "days). Until it does, {year} office-hours reminders and \"next working day\" count "
        "Monday to Friday only.\n"
        "Once the State Council publishes the schedule, upgrade the chinesecalendar package "
        "(pip install -U chinesecalendar) or add corrections to the config file, for example:\n"
        "<code>calendar:\n  holidays: [{year}-01-01, {year}-02-16]\n"
        "  workdays: [{year}-02-14]</code>\n"
        "Then run <code>python -m bot check-config config.yaml</code> and restart the bot."
    ),
    "office.calendar_missing_brief": "The holiday calendar lacks {year}; add calendar overrides.",
}
