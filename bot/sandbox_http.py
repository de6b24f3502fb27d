"""Kept so `python -m bot.sandbox_http` still works; `python -m sandbox` is the same server."""

from sandbox.http import main

if __name__ == "__main__":
    main()
