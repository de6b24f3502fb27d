"""Bot API methods about chats, members and files: getMe, getChat, getChatMember, getFile, …"""

from __future__ import annotations

from sandbox.objects import JSON, Files, bad, clone, file_json, member_json
from sandbox.world import SandboxWorld

# getChat must carry accepted_gift_types (Bot API 9), and PTB requires each of these flags.
_GIFT_TYPES = (  # noqa: SIM905 -- a word list reads better than a literal
    "unlimited_gifts limited_gifts unique_gifts premium_subscription gifts_from_channels"
).split()


class ChatMethods(SandboxWorld):
    """Chat, member and file methods; each _api_<method> runs under self._lock."""

    def _api_getMe(self, p: JSON, files: Files) -> JSON:
        return self._bot_user() | {"can_join_groups": True, "can_read_all_group_messages": False}

    def _api_getChat(self, p: JSON, files: Files) -> JSON:
        chat = self._chat_json(self._chat(p))
        gifts = dict.fromkeys(_GIFT_TYPES, False)
        return chat | {"accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}

    def _api_getChatAdministrators(self, p: JSON, files: Files) -> list[JSON]:
        chat_id = self._chat(p)
        if chat_id > 0:
            raise bad("there are no administrators in the private chat")
        admins = list(self._groups[chat_id].admins)
        if self._bot_status.get(chat_id) == "administrator" and self.bot_id not in admins:
            admins.append(self.bot_id)
        return [self._member(chat_id, user_id) for user_id in admins]

    def _api_getChatMember(self, p: JSON, files: Files) -> JSON:
        return self._member(self._chat(p), int(p["user_id"]))

    def _api_leaveChat(self, p: JSON, files: Files) -> bool:
        chat_id = self._chat(p)
        if chat_id > 0:
            raise bad("chat member status can't be changed in private chats")
        self._bot_status[chat_id] = "left"
        return True

    def _api_getFile(self, p: JSON, files: Files) -> JSON:
        file_id = str(p.get("file_id"))
        if file_id not in self._files:
            raise bad("invalid file_id")
        return file_json(file_id, self._files[file_id][1], file_path=f"files/{file_id}")

    def _member(self, chat_id: int, user_id: int) -> JSON:
        if user_id == self.bot_id:
            return member_json(self._bot_user(), self._bot_status.get(chat_id, "left"))
        if user_id not in self._users:
            raise bad("user not found")
        user = clone(self._users[user_id])
        if chat_id > 0:
            return member_json(user, "member" if user_id == chat_id else "left")
        group = self._groups[chat_id]
        if group.admins and group.admins[0] == user_id:
            return member_json(user, "creator")
        status = "member" if user_id in group.members else "left"
        return member_json(user, "administrator" if user_id in group.admins else status)

