"""`python -m sandbox --port 8081`: serve the fake Bot API on loopback until Ctrl-C."""

from sandbox.http import main

if __name__ == "__main__":
    main()
