"""Use cases: each opens one unit of work, knows no Telegram, raises DomainError to refuse."""
