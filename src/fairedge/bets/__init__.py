"""Bet tracker: the user's bets, their settlement from final scores, closing-line value and ROI (issue 11)."""
