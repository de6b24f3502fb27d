"""Delivery: the sender that sends what the notifications table says is due, and its pacing."""
