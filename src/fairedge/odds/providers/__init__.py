"""Odds providers: the_odds_api (production), simulator (default without a key) and replay."""
