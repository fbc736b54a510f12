"""Alerts: saved opportunity filters that notify their owner's webhook of each new match."""
